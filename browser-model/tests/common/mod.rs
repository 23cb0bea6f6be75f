//! Helpers shared by the table tests: the sandbox's two origins and the message formats.
#![allow(dead_code)]

use browser_model::{CorsError, ResponseType};
use browser_model::{Preflight, Request, Response, Verdict, judge};

/// The learner's page.
pub const PAGE: &str = "http://localhost:3000";
/// The API the page calls.
pub const API: &str = "http://localhost:8000/api";

/// A response from `url` with the given header lines.
pub fn resp(url: &str, status: u16, headers: &[(&str, &str)]) -> Response {
    headers.iter().fold(Response::new(url, status), |r, (n, v)| r.header(*n, *v))
}

/// A response from the API.
pub fn api(status: u16, headers: &[(&str, &str)]) -> Response {
    resp(API, status, headers)
}

/// Runs the model for the page `PAGE`.
pub fn run(request: &Request, preflight: Option<&Response>, actual: &[Response]) -> Verdict {
    let preflight = match preflight {
        Some(response) => Preflight::Sent(response),
        None => Preflight::NotSent,
    };
    judge(PAGE, request, preflight, actual)
}

/// Chromium's whole line for a request to `url` from `PAGE`.
pub fn chromium(url: &str, reason: &str) -> String {
    format!("Access to fetch at '{url}' from origin '{PAGE}' has been blocked by CORS policy: {reason}")
}

/// Chromium's whole line after a redirect.
pub fn chromium_redirected(url: &str, from: &str, reason: &str) -> String {
    format!(
        "Access to fetch at '{url}' (redirected from '{from}') from origin '{PAGE}' has been \
         blocked by CORS policy: {reason}"
    )
}

/// The preflight prefix.
pub const PF: &str = "Response to preflight request doesn't pass access control check: ";
/// The fetch()-only suffix of Chromium 156.
pub const H: &str = " Have the server send the header with a valid value.";
/// Row 1's reason.
pub const MISSING: &str = "No 'Access-Control-Allow-Origin' header is present on the requested resource.";

/// Firefox's whole line with a reason.
pub fn firefox(url: &str, reason: &str) -> String {
    format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
         resource at {url}. (Reason: {reason})."
    )
}

/// Firefox's "CORS request did not succeed" line.
pub fn dns(url: &str) -> String {
    format!("{} Status code: (null).", firefox(url, "CORS request did not succeed"))
}

/// Asserts a blocked verdict with the exact Chromium line and DevTools enum.
pub fn assert_blocked(verdict: &Verdict, devtools_enum: &str, chromium_line: &str) {
    assert!(!verdict.allowed, "expected blocked: {verdict:#?}");
    assert_eq!(verdict.response_type, None);
    assert_eq!(verdict.js_error.as_deref(), Some("TypeError: Failed to fetch"));
    let failed = verdict.failed_check.as_ref().expect("a failed check");
    assert_eq!(failed.devtools_enum.map(CorsError::as_str), Some(devtools_enum), "{verdict:#?}");
    assert_eq!(verdict.chromium_message.as_deref(), Some(chromium_line));
    assert!(verdict.readable_headers.is_empty());
    assert!(verdict.checks.iter().any(|c| !c.passed));
}

/// Asserts a readable CORS response.
pub fn assert_readable(verdict: &Verdict) {
    assert!(verdict.allowed, "expected allowed: {verdict:#?}");
    assert_eq!(verdict.response_type, Some(ResponseType::Cors));
    assert_eq!(verdict.failed_check, None);
    assert_eq!(verdict.chromium_message, None);
    assert_eq!(verdict.firefox_message, None);
    assert_eq!(verdict.js_error, None);
    assert!(verdict.checks.iter().all(|c| c.passed), "{verdict:#?}");
}
