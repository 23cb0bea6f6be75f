//! docs/console-messages.md §2, rows 19–27 that apply to `fetch()`: redirects, the early
//! `Fetch API cannot load` failures and plain network errors. (Row 23 is XHR/`<img>` only.)

mod common;

use browser_model::{Mode, RedirectMode, Request};
use common::*;

fn get() -> Request {
    Request::get(API)
}

const OTHER: &str = "http://localhost:9000/data";

/// Row 19: the redirect passed, the final response fails: the line names both URLs.
#[test]
fn row_19_final_response_fails_after_redirect() {
    let hop = api(302, &[("Location", OTHER), ("Access-Control-Allow-Origin", "*")]);
    let v = run(&get(), None, &[hop, resp(OTHER, 200, &[])]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium_redirected(OTHER, API, MISSING));
    assert_eq!(
        v.firefox_message,
        Some(format!(
            "{} Status code: 200.",
            firefox(OTHER, "CORS header ‘Access-Control-Allow-Origin’ missing")
        ))
    );
}

/// Row 20: the redirect response itself lacks ACAO: the redirecting URL, no "redirected from".
#[test]
fn row_20_redirect_hop_without_allow_origin() {
    let hop = api(302, &[("Location", OTHER)]);
    let v = run(&get(), None, &[hop]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium(API, MISSING));
    assert_eq!(
        v.firefox_messages,
        vec![
            format!(
                "{} Status code: 302.",
                firefox(API, "CORS header ‘Access-Control-Allow-Origin’ missing")
            ),
            dns(API)
        ]
    );
}

/// Row 21: a Location with user:pass@ — Chromium 156 leaves the quotes empty.
#[test]
fn row_21_redirect_contains_credentials() {
    let hop = api(
        302,
        &[("Location", "http://user:pass@localhost:9000/data"), ("Access-Control-Allow-Origin", "*")],
    );
    let v = run(&get(), None, &[hop]);
    let reason = "Redirect location '' contains a username and password, which is disallowed \
                  for cross-origin requests.";
    assert_blocked(&v, "RedirectContainsCredentials", &chromium(API, reason));
    assert_eq!(v.firefox_messages, vec![dns(API)]);
}

/// Row 22: a redirect to a scheme CORS does not support.
#[test]
fn row_22_redirect_to_a_non_cors_scheme() {
    let hop = api(302, &[("Location", "foo://bar/x"), ("Access-Control-Allow-Origin", "*")]);
    let v = run(&get(), None, &[hop]);
    let reason = "Cross origin requests are only supported for protocol schemes: chrome, \
                  chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, \
                  data, http, https, isolated-app.";
    assert_blocked(&v, "CorsDisabledScheme", &chromium_redirected("foo://bar/x", API, reason));
    // Measured (docs/requests.md, tests/fixtures/console-lines.json): "did not succeed" names the URL
    // that redirected.
    assert_eq!(v.firefox_messages, vec![firefox("foo://bar/x", "CORS request not http"), dns(API)]);
}

/// Row 24: mode "same-origin" to another origin fails before anything is sent.
#[test]
fn row_24_same_origin_mode() {
    let v = run(&get().mode(Mode::SameOrigin), None, &[]);
    assert_blocked(
        &v,
        "DisallowedByMode",
        "Fetch API cannot load http://localhost:8000/api. Request mode is \"same-origin\" but \
         the URL's origin is not same as the request origin http://localhost:3000.",
    );
    assert_eq!(v.chromium_network_message, None);
    assert_eq!(
        v.firefox_message.as_deref(),
        Some(
            "Security Error: Content at http://localhost:3000/ may not load data from http://localhost:8000/api."
        )
    );
    // WebKit: one line, no SECURITY ERROR before it (console-messages.md §5.1, measured).
    assert_eq!(v.webkit_messages, ["Fetch API cannot load http://localhost:8000/api."]);
}

/// Row 25: no-cors with redirect "manual".
#[test]
fn row_25_no_cors_redirect_mode_not_follow() {
    for redirect in [RedirectMode::Manual, RedirectMode::Error] {
        let request = get().mode(Mode::NoCors).redirect(redirect);
        let v = run(&request, None, &[]);
        assert_blocked(
            &v,
            "NoCorsRedirectModeNotFollow",
            "Fetch API cannot load http://localhost:8000/api. Request mode is \"no-cors\" but the \
             redirect mode is not \"follow\".",
        );
        assert_eq!(v.firefox_message, None, "{redirect:?}");
        assert!(v.firefox_messages.is_empty(), "{redirect:?}");
        // WebKit: three lines, each carrying the script's place in its console (§5.1, measured).
        assert_eq!(
            v.webkit_messages,
            [
                "No-Cors mode requires follow redirect mode",
                "Not allowed to request resource",
                "Fetch API cannot load http://localhost:8000/api due to access control checks.",
            ],
            "{redirect:?}"
        );
    }
}

/// Row 26: an unsupported scheme.
#[test]
fn row_26_unsupported_scheme() {
    let v = run(&Request::get("foo://bar/x"), None, &[]);
    assert_blocked(
        &v,
        "CorsDisabledScheme",
        "Fetch API cannot load foo://bar/x. URL scheme \"foo\" is not supported.",
    );
    assert_eq!(v.firefox_message, Some(firefox("foo://bar/x", "CORS request not http")));
}

/// Row 27: no response at all is a network error, not a CORS error, in Chromium.
#[test]
fn row_27_no_response_is_a_network_error() {
    let v = run(&get(), None, &[]);
    assert!(!v.allowed);
    assert_eq!(v.chromium_message, None);
    assert_eq!(v.js_error.as_deref(), Some("TypeError: Failed to fetch"));
    assert_eq!(v.failed_check.expect("failed").devtools_enum, None);
    assert_eq!(v.firefox_messages, vec![dns(API)]);
}
