//! The model against what Chromium, Firefox and WebKit were measured to send (docs/requests.md), without a
//! browser: `browser-model/tests/fixtures/fetch-steps.json` holds one row per case and engine — the page's origin, the
//! `fetch()` as data, and each request the engine sent (a `preflight`, the actual `request`, or a `hop`) with
//! the answer it got. A fetch stepper is tested by replaying those steps; until it exists, the rule every
//! engine follows for the first request is checked here.

use browser_model::{Credentials, Mode, Request, preflight_needed};
use serde_json::Value;

fn table() -> Value {
    serde_json::from_str(include_str!("fixtures/fetch-steps.json")).expect("fetch-steps.json is JSON")
}

/// `scheme://host:port` of an absolute URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..].find(['/', '?', '#']).map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// The row's `fetch()` as the model's request: the `Content-Type` a body implies added, as `fetch()` adds it.
fn request_of(row: &Value) -> Request {
    let init = &row["init"];
    let mut request =
        Request::new(init["method"].as_str().unwrap_or("GET"), row["url"].as_str().expect("a url"));
    for pair in init["headers"].as_array().into_iter().flatten() {
        request = request.header(pair[0].as_str().unwrap_or_default(), pair[1].as_str().unwrap_or_default());
    }
    let has_content_type = request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    if init["body"].is_string() && !has_content_type {
        let implied = match init["body_type"].as_str() {
            Some("URLSearchParams") => "application/x-www-form-urlencoded;charset=UTF-8",
            _ => "text/plain;charset=UTF-8",
        };
        request = request.header("Content-Type", implied);
    }
    if let Some(credentials) = init.get("credentials") {
        request.credentials =
            serde_json::from_value::<Credentials>(credentials.clone()).expect("a credentials mode");
    }
    if let Some(mode) = init.get("mode") {
        request.mode = serde_json::from_value::<Mode>(mode.clone()).expect("a mode");
    }
    request
}

/// A cross-origin `fetch()` in `cors` mode starts with a preflight exactly when the model says one is needed:
/// in every engine and every case measured.
#[test]
fn the_first_request_is_a_preflight_when_the_model_says_so() {
    let mut compared = 0;
    for row in table()["rows"].as_array().expect("rows") {
        let (case, engine) = (row["case"].as_str().unwrap_or("?"), row["engine"].as_str().unwrap_or("?"));
        let request = request_of(row);
        let cross_origin = origin_of(&request.url) != row["page_origin"].as_str().expect("page_origin");
        if !cross_origin || request.mode != Mode::Cors {
            continue;
        }
        let first = &row["steps"][0];
        let sent_preflight = first["kind"] == "preflight";
        assert_eq!(
            preflight_needed(&request).is_some(),
            sent_preflight,
            "{case} in {engine}: {} {} was {}preceded by a preflight",
            request.method,
            request.url,
            if sent_preflight { "" } else { "not " }
        );
        if sent_preflight {
            assert_eq!(first["method"], "OPTIONS", "{case} in {engine}");
        }
        compared += 1;
    }
    assert!(compared > 200, "only {compared} rows compared");
}
