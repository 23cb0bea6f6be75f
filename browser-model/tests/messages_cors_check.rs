//! docs/console-messages.md §2, rows 1–6: the CORS check on an actual response — the whole
//! Chromium 156 line, the DevTools enum and Firefox 153's message.

mod common;

use browser_model::{Credentials, Request};
use common::*;

fn get() -> Request {
    Request::get(API)
}

/// Row 1: no ACAO, whatever the status.
#[test]
fn row_01_missing_allow_origin() {
    for status in [200, 404, 500] {
        let v = run(&get(), None, &[api(status, &[])]);
        assert_blocked(&v, "MissingAllowOriginHeader", &chromium(API, MISSING));
        assert_eq!(
            v.firefox_message,
            Some(format!(
                "{} Status code: {status}.",
                firefox(API, "CORS header ‘Access-Control-Allow-Origin’ missing")
            ))
        );
        assert_eq!(v.chromium_network_message.as_deref(), Some("Failed to load resource: net::ERR_FAILED"));
    }
}

/// The brief's example, spelled out in full.
#[test]
fn row_01_example_from_the_brief() {
    let v = run(&get(), None, &[api(200, &[])]);
    assert_eq!(
        v.chromium_message.as_deref(),
        Some(
            "Access to fetch at 'http://localhost:8000/api' from origin 'http://localhost:3000' \
             has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present \
             on the requested resource."
        )
    );
    assert_eq!(
        v.firefox_message.as_deref(),
        Some(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
             resource at http://localhost:8000/api. (Reason: CORS header \
             ‘Access-Control-Allow-Origin’ missing). Status code: 200."
        )
    );
}

/// Row 2: a single origin that is not the page's: trailing slash, `null`, case.
#[test]
fn row_02_allow_origin_mismatch() {
    for value in ["http://localhost:3000/", "null", "HTTP://LOCALHOST:3000", "http://localhost:4000"] {
        let v = run(&get(), None, &[api(200, &[("Access-Control-Allow-Origin", value)])]);
        let reason = format!(
            "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to \
             the supplied origin.{H}"
        );
        assert_blocked(&v, "AllowOriginMismatch", &chromium(API, &reason));
        assert_eq!(
            v.firefox_message,
            Some(firefox(
                API,
                &format!("CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’")
            ))
        );
        let failed = v.failed_check.expect("failed");
        assert_eq!(failed.failed_parameter.as_deref(), Some(value));
    }
}

/// Row 3a: two ACAO lines are combined into one value with ", ". Firefox's words depend on how the lines
/// spell the name: it counts the lines spelled exactly `Access-Control-Allow-Origin` first (two are a
/// "Multiple CORS header", as WPT's `cors-multiple-origins` handler gets in tests/browser/wpt.rs), and only
/// joins lines spelled otherwise (lower case, as hyper sends them, in tests/browser/check.rs).
#[test]
fn row_03a_two_header_lines_are_multiple_values() {
    let reason = format!(
        "The 'Access-Control-Allow-Origin' header contains multiple values '*, *', but only one \
         is allowed.{H}"
    );
    let does_not_match = firefox(API, "CORS header ‘Access-Control-Allow-Origin’ does not match ‘*, *’");
    let multiple = firefox(API, "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed");
    for (first, second, firefox_line) in [
        ("Access-Control-Allow-Origin", "Access-Control-Allow-Origin", &multiple),
        ("access-control-allow-origin", "access-control-allow-origin", &does_not_match),
        ("Access-Control-Allow-Origin", "access-control-allow-origin", &does_not_match),
    ] {
        let v = run(&get(), None, &[api(200, &[(first, "*"), (second, "*")])]);
        assert_blocked(&v, "MultipleAllowOriginValues", &chromium(API, &reason));
        assert_eq!(v.firefox_message.as_ref(), Some(firefox_line), "lines spelled {first} and {second}");
    }
    // Three lines, two of them spelled exactly so: Firefox counts two.
    let v = run(
        &get(),
        None,
        &[api(
            200,
            &[
                ("Access-Control-Allow-Origin", PAGE),
                ("access-control-allow-origin", "*"),
                ("Access-Control-Allow-Origin", PAGE),
            ],
        )],
    );
    assert_eq!(v.firefox_message, Some(multiple));
}

/// Row 3b: one line with a comma or a space; Firefox calls it a mismatch.
#[test]
fn row_03b_one_line_with_comma_or_space() {
    for value in ["http://localhost:3000, http://localhost:4000", "not an origin"] {
        let v = run(&get(), None, &[api(200, &[("Access-Control-Allow-Origin", value)])]);
        let reason = format!(
            "The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but \
             only one is allowed.{H}"
        );
        assert_blocked(&v, "MultipleAllowOriginValues", &chromium(API, &reason));
        assert_eq!(
            v.firefox_message,
            Some(firefox(
                API,
                &format!("CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’")
            ))
        );
    }
}

/// Row 4: not parseable, no comma or space.
#[test]
fn row_04_invalid_allow_origin_value() {
    for value in ["example.com", "http://", "", "http://exa^mple.com"] {
        let v = run(&get(), None, &[api(200, &[("Access-Control-Allow-Origin", value)])]);
        let reason =
            format!("The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'.{H}");
        assert_blocked(&v, "InvalidAllowOriginValue", &chromium(API, &reason));
        assert_eq!(
            v.firefox_message,
            Some(firefox(
                API,
                &format!("CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’")
            ))
        );
    }
}

/// Row 5: `*` with credentials; Firefox quotes the URL in this one message.
#[test]
fn row_05_wildcard_with_credentials() {
    let request = get().credentials(Credentials::Include);
    let v = run(&request, None, &[api(200, &[("Access-Control-Allow-Origin", "*")])]);
    let reason = "The value of the 'Access-Control-Allow-Origin' header in the response must not \
                  be the wildcard '*' when the request's credentials mode is 'include'.";
    assert_blocked(&v, "WildcardOriginNotAllowed", &chromium(API, reason));
    assert_eq!(
        v.firefox_message.as_deref(),
        Some(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
             resource at ‘http://localhost:8000/api’. (Reason: Credential is not supported if \
             the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)."
        )
    );
}

/// Row 6: credentials, right origin, ACAC missing or not exactly `true`.
#[test]
fn row_06_invalid_allow_credentials() {
    let request = get().credentials(Credentials::Include);
    for (acac, shown) in [(None, ""), (Some("TRUE"), "TRUE"), (Some("false"), "false")] {
        let mut headers = vec![("Access-Control-Allow-Origin", PAGE)];
        if let Some(value) = acac {
            headers.push(("Access-Control-Allow-Credentials", value));
        }
        let v = run(&request, None, &[api(200, &headers)]);
        let reason = format!(
            "The value of the 'Access-Control-Allow-Credentials' header in the response is \
             '{shown}' which must be 'true' when the request's credentials mode is 'include'."
        );
        assert_blocked(&v, "InvalidAllowCredentials", &chromium(API, &reason));
        assert_eq!(
            v.firefox_message,
            Some(firefox(API, "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’"))
        );
    }
}
