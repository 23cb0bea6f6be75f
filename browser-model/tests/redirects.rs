//! Redirects (Fetch §4.4): every hop is CORS-checked, a cross-origin hop taints the origin
//! to `null`, credentials in `Location` fail, and 20 redirects is the limit.

mod common;

use browser_model::{CheckId, CorsError, ResponseType};
use browser_model::{Mode, RedirectMode, Request};
use common::*;

const OTHER: &str = "http://localhost:9000/data";
const ACAO_STAR: (&str, &str) = ("Access-Control-Allow-Origin", "*");

fn hop_to(from: &str, to: &str) -> browser_model::Response {
    resp(from, 302, &[("Location", to), ACAO_STAR])
}

/// After 8000 → 9000 the request's origin is `null`: the page's own origin no longer matches.
#[test]
fn a_cross_origin_hop_taints_the_origin_to_null() {
    let final_with_page = resp(OTHER, 200, &[("Access-Control-Allow-Origin", PAGE)]);
    let v = run(&Request::get(API), None, &[hop_to(API, OTHER), final_with_page]);
    let reason = format!(
        "The 'Access-Control-Allow-Origin' header has a value '{PAGE}' that is not equal to the \
         supplied origin.{H}"
    );
    assert_blocked(&v, "AllowOriginMismatch", &chromium_redirected(OTHER, API, &reason));

    for acao in ["null", "*"] {
        let final_ok = resp(OTHER, 200, &[("Access-Control-Allow-Origin", acao)]);
        let v = run(&Request::get(API), None, &[hop_to(API, OTHER), final_ok]);
        assert_readable(&v);
    }
}

/// A same-origin hop (8000 → 8000) does not taint.
#[test]
fn a_same_origin_hop_keeps_the_origin() {
    let next = "http://localhost:8000/v2/api";
    let final_ok = resp(next, 200, &[("Access-Control-Allow-Origin", PAGE)]);
    let v = run(&Request::get(API), None, &[hop_to(API, "/v2/api"), final_ok]);
    assert_readable(&v);
}

/// A same-origin request redirected to the API becomes a CORS request there, untainted.
#[test]
fn a_same_origin_request_redirected_cross_origin_is_checked_there() {
    let start = "http://localhost:3000/go";
    let hop = resp(start, 302, &[("Location", API)]);
    let v = run(&Request::get(start), None, &[hop.clone(), api(200, &[])]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium_redirected(API, start, MISSING));
    let v = run(&Request::get(start), None, &[hop, api(200, &[("Access-Control-Allow-Origin", PAGE)])]);
    assert_readable(&v);
}

/// The redirecting hop itself needs ACAO; the second hop's failure names both URLs.
#[test]
fn every_hop_is_checked() {
    let third = "http://localhost:9000/third";
    let second_hop_without_acao = resp(OTHER, 302, &[("Location", third)]);
    let v = run(&Request::get(API), None, &[hop_to(API, OTHER), second_hop_without_acao]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium_redirected(OTHER, API, MISSING));
}

/// Userinfo in Location fails only for a cross-origin CORS redirect.
#[test]
fn credentials_in_location() {
    let hop = hop_to(API, "http://u:p@localhost:8000/next");
    let v = run(&Request::get(API), None, &[hop]);
    assert_eq!(v.failed_check.expect("failed").devtools_enum, Some(CorsError::RedirectContainsCredentials));

    // Same-origin page request redirected to its own origin with userinfo: allowed.
    let start = "http://localhost:3000/a";
    let hop = resp(start, 302, &[("Location", "http://u:p@localhost:3000/b")]);
    let v = run(&Request::get(start), None, &[hop, resp("http://localhost:3000/b", 200, &[])]);
    assert!(v.allowed);
    assert_eq!(v.response_type, Some(ResponseType::Basic));
}

/// 20 redirects are followed; the 21st fails with a network error, not a CORS error.
#[test]
fn at_most_twenty_redirects() {
    let url = |i: usize| format!("http://localhost:8000/r{i}");
    let chain = |n: usize| {
        let mut responses: Vec<_> = (0..n).map(|i| hop_to(&url(i), &url(i + 1))).collect();
        responses.push(resp(&url(n), 200, &[ACAO_STAR]));
        responses
    };
    let v = run(&Request::get(url(0)), None, &chain(20));
    assert_readable(&v);
    let v = run(&Request::get(url(0)), None, &chain(21));
    assert!(!v.allowed);
    assert_eq!(v.chromium_message, None);
    assert_eq!(
        v.chromium_network_message.as_deref(),
        Some("Failed to load resource: net::ERR_TOO_MANY_REDIRECTS")
    );
    assert_eq!(v.js_error.as_deref(), Some("TypeError: Failed to fetch"));
}

/// redirect: "manual" resolves with an opaque-redirect response.
#[test]
fn manual_redirects_are_opaque_redirects() {
    let request = Request::get(API).redirect(RedirectMode::Manual);
    let v = run(&request, None, &[hop_to(API, OTHER)]);
    assert!(v.allowed);
    assert_eq!(v.response_type, Some(ResponseType::OpaqueRedirect));
    assert_eq!(v.status, Some(0));
}

/// redirect: "error" turns a redirect into a network error: no CORS line in either engine (measured in
/// the browser tests' "redirect: 'error' on a redirect").
#[test]
fn error_redirects_are_network_errors_without_a_cors_message() {
    let request = Request::get(API).redirect(RedirectMode::Error);
    let hop = resp(API, 302, &[("Location", API), ("Access-Control-Allow-Origin", "*")]);
    let v = run(&request, None, &[hop]);
    assert!(!v.allowed);
    let failed = v.failed_check.as_ref().expect("failed");
    assert_eq!(failed.name, CheckId::RedirectMode);
    assert_eq!(failed.devtools_enum, None);
    assert_eq!(v.chromium_message, None);
    assert!(v.firefox_messages.is_empty());
    assert_eq!(v.js_error.as_deref(), Some("TypeError: Failed to fetch"));
}

/// A no-cors request follows redirects and stays opaque.
#[test]
fn no_cors_follows_redirects_without_checks() {
    let request = Request::get(API).mode(Mode::NoCors);
    let hop = resp(API, 302, &[("Location", OTHER)]);
    let v = run(&request, None, &[hop, resp(OTHER, 200, &[])]);
    assert!(v.allowed);
    assert_eq!(v.response_type, Some(ResponseType::Opaque));
}

/// A same-origin-mode request may not be redirected to another origin.
#[test]
fn same_origin_mode_cannot_leave_the_origin() {
    let start = "http://localhost:3000/go";
    let request = Request::get(start).mode(Mode::SameOrigin);
    let hop = resp(start, 302, &[("Location", API)]);
    let v = run(&request, None, &[hop]);
    assert_blocked(
        &v,
        "DisallowedByMode",
        &chromium_redirected(API, start, "Cross origin requests are not allowed by request mode."),
    );
}

/// A redirect with no recorded follow-up response is a network error.
#[test]
fn a_redirect_without_a_next_response_is_a_network_error() {
    let v = run(&Request::get(API), None, &[hop_to(API, OTHER)]);
    assert!(!v.allowed);
    assert_eq!(v.chromium_message, None);
    assert_eq!(v.failed_check.expect("failed").url, OTHER);
}

/// A preflighted request that is redirected gets a new preflight Chromium sends; the model
/// says it assumed that one passed.
#[test]
fn a_redirected_preflighted_request_notes_the_second_preflight() {
    let request = Request::new("PUT", API);
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Methods", "PUT")]);
    let hop = resp(API, 307, &[("Location", OTHER), ACAO_STAR]);
    let v = run(&request, Some(&preflight), &[hop, resp(OTHER, 200, &[ACAO_STAR])]);
    assert!(v.allowed);
    assert!(v.checks.iter().any(|c| c.name == CheckId::RedirectPreflight));
    assert!(v.notes.iter().any(|n| n.starts_with("Assumed")));
}
