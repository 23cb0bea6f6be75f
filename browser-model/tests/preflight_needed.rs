//! `preflight_needed`: the method and header rules, one row per rule.

use browser_model::ResponseType;
use browser_model::{Mode, Preflight, Request, Response, judge, preflight_needed};

const API: &str = "http://localhost:8000/api";

fn with(name: &str, value: &str) -> Request {
    Request::get(API).header(name, value)
}

/// Each row: a request header and whether it forces a preflight.
#[test]
fn header_rules() {
    let long_accept = "a".repeat(129);
    let table: Vec<(&str, &str, bool)> = vec![
        ("Accept", "application/json", false),
        ("Accept", "text/html, application/xhtml+xml;q=0.9", false),
        ("Accept", "application/json(", true),
        ("Accept", &long_accept, true),
        ("Accept-Language", "de-DE,de;q=0.9,en;q=0.8", false),
        ("Accept-Language", "de_DE", true),
        ("Content-Language", "fr", false),
        ("Content-Language", "fr@x", true),
        ("Content-Type", "text/plain", false),
        ("Content-Type", "text/plain; application/json", false),
        ("Content-Type", "TEXT/PLAIN;charset=UTF-8", false),
        ("Content-Type", "application/x-www-form-urlencoded", false),
        ("Content-Type", "multipart/form-data; boundary=x", false),
        ("Content-Type", "application/json", true),
        ("Content-Type", "text/plain, application/json", true),
        ("Content-Type", "text/html", true),
        ("Range", "bytes=0-499", false),
        ("Range", "bytes=500-", false),
        ("Range", "bytes=-500", true),
        ("Range", "bytes=0-1, 5-6", true),
        ("X-Requested-With", "XMLHttpRequest", true),
        ("Authorization", "Bearer t", true),
        ("Cache-Control", "no-cache", true),
        // Chromium's extra safelisted client hints.
        ("Save-Data", "on", false),
        ("DPR", "2.0", false),
        ("DPR", "2.", true),
        // Forbidden headers are dropped, so they never cause a preflight.
        ("Cookie", "sid=abc", false),
        ("Origin", "http://evil.example", false),
        ("Host", "example.com", false),
        ("User-Agent", "bot", false),
        ("Sec-Fetch-Mode", "cors", false),
        ("Proxy-Authorization", "x", false),
    ];
    for (name, value, preflight) in table {
        assert_eq!(preflight_needed(&with(name, value)).is_some(), preflight, "{name}: {value}");
    }
}

/// The 1024-byte total: each value is fine alone (under 128 bytes), together they are not.
#[test]
fn safelisted_values_share_a_1024_byte_budget() {
    let letters = "a".repeat(120);
    let digits = "1".repeat(120);
    let small = Request::get(API)
        .header("Accept", letters.as_str())
        .header("Accept-Language", letters.as_str())
        .header("Content-Language", letters.as_str());
    assert_eq!(preflight_needed(&small), None);
    let big = small
        .header("Content-Type", format!("text/plain;a={}", "b".repeat(107)))
        .header("Intervention", letters.as_str())
        .header("Width", digits.as_str())
        .header("Viewport-Width", digits.as_str())
        .header("RTT", digits.as_str())
        .header("Downlink", digits.as_str());
    let reason = preflight_needed(&big).expect("over 1024 bytes");
    assert!(reason.unsafe_headers.iter().all(|h| h.why.contains("1024-byte")));
    assert_eq!(
        reason.access_control_request_headers().as_deref(),
        Some(
            "accept,accept-language,content-language,content-type,downlink,intervention,rtt,\
             viewport-width,width"
        )
    );
}

/// Methods: GET/HEAD/POST (any case) are safelisted; others are kept as written.
#[test]
fn method_rules() {
    for method in ["GET", "get", "HEAD", "POST", "post"] {
        assert_eq!(preflight_needed(&Request::new(method, API)), None, "{method}");
    }
    for (method, shown) in [("PUT", "PUT"), ("delete", "DELETE"), ("patch", "patch"), ("OPTIONS", "OPTIONS")]
    {
        let reason = preflight_needed(&Request::new(method, API)).expect("preflight");
        assert_eq!(reason.method.as_deref(), Some(shown));
    }
}

/// Forbidden methods and no-cors violations are TypeErrors, not preflights.
#[test]
fn requests_fetch_refuses_to_build() {
    let cases = [
        (Request::new("CONNECT", API), "'CONNECT' HTTP method is unsupported."),
        (Request::new("track", API), "'track' HTTP method is unsupported."),
        (Request::new("PUT", API).mode(Mode::NoCors), "'PUT' is unsupported in no-cors mode."),
        (Request::new("GET /x", API), "'GET /x' is not a valid HTTP method."),
        (Request::get(API).header("Bad Name", "x"), "Invalid name"),
        (
            Request::get("http://user:pw@localhost:8000/api"),
            "Request cannot be constructed from a URL that includes credentials: http://user:pw@localhost:8000/api",
        ),
        (Request::get("not a url"), "Failed to parse URL from not a url"),
    ];
    for (request, message) in cases {
        assert_eq!(preflight_needed(&request), None);
        let v = judge("http://localhost:3000", &request, Preflight::NotSent, &[Response::new(API, 200)]);
        assert!(!v.allowed);
        assert_eq!(v.js_error, Some(format!("TypeError: Failed to execute 'fetch' on 'Window': {message}")));
        assert_eq!(v.chromium_message, None);
        assert!(!v.preflight);
    }
}

/// Same-origin and no-cors requests never preflight, even with unsafe headers.
#[test]
fn only_cross_origin_cors_requests_preflight() {
    let same = Request::new("PUT", "http://localhost:3000/x").header("X-Custom", "1");
    let v = judge(
        "http://localhost:3000",
        &same,
        Preflight::NotSent,
        &[Response::new("http://localhost:3000/x", 200)],
    );
    assert!(v.allowed);
    assert!(!v.preflight);
    assert_eq!(v.response_type, Some(ResponseType::Basic));

    let no_cors = Request::new("POST", API).mode(Mode::NoCors).header("X-Custom", "1");
    assert_eq!(preflight_needed(&no_cors), None);
}
