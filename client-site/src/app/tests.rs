//! The controls' refusals, through the router alone (`oneshot`, no socket): what a request is answered
//! depends on its bytes, not on a connection. What is about connections (a body cut short, a slow client,
//! the live feed) stays in tests/api/, over real sockets.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::app;
use crate::site::Site;

const HOST: &str = "localhost:3000";
const PAGE: &str = "http://localhost:3000";

/// Sends one request to a fresh router over `site`; returns the status and the JSON answer.
async fn send(
    site: &Site,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path).header(header::HOST, HOST);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::from(body.to_owned())).expect("a request the test builds");
    let response = app(site.clone()).oneshot(request).await.expect("the router always answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("a body under 1 MiB");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn policy(site: &Site) -> Value {
    send(site, Method::GET, "/sandbox/policy", &[], "").await.1
}

const JSON: (&str, &str) = ("content-type", "application/json");

/// Every kind of bad input gets a 4xx and a sentence, and the policy stays exactly as it was.
#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let site = Site::for_tests();
    let (status, before) =
        send(&site, Method::PATCH, "/sandbox/policy", &[JSON], r#"{"allow_origin": "*"}"#).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let over_4k = json!({ "allow_origin": "a".repeat(4097) }).to_string();
    let over_16k = json!({ "vary": "a".repeat(17 * 1024) }).to_string();
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        ("malformed JSON", "{\"allow_origin\": ".into(), StatusCode::BAD_REQUEST, "not valid JSON"),
        (
            "CR/LF",
            r#"{"allow_origin": "*\r\nSet-Cookie: a=b"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "carriage return",
        ),
        ("over 4 KiB", over_4k, StatusCode::UNPROCESSABLE_ENTITY, "4096 bytes"),
        ("over 16 KiB", over_16k, StatusCode::PAYLOAD_TOO_LARGE, "16 KiB"),
        (
            "unknown field",
            r#"{"allow_orign": "*"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "`allow_orign`",
        ),
        ("wrong type", r#"{"allow_origin": 3}"#.into(), StatusCode::UNPROCESSABLE_ENTITY, "must be a string"),
        ("not an object", r#""*""#.into(), StatusCode::UNPROCESSABLE_ENTITY, "JSON object"),
        (
            "a field twice",
            r#"{"allow_origin": "https://yoursite.com", "allow_origin": "*"}"#.into(),
            StatusCode::BAD_REQUEST,
            "the field `allow_origin` is given twice",
        ),
        (
            "7,000 arrays deep",
            format!("{{\"vary\": {}{}}}", "[".repeat(7_000), "]".repeat(7_000)),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        ("a huge number", r#"{"preflight_status": 1e400}"#.into(), StatusCode::BAD_REQUEST, "not valid JSON"),
    ];
    for (what, body, status, says) in cases {
        for method in [Method::PUT, Method::PATCH] {
            let (got, answer) = send(&site, method.clone(), "/sandbox/policy", &[JSON], &body).await;
            assert_eq!(got, status, "{what} ({method})");
            let sentence = answer["error"].as_str().unwrap_or_default();
            assert!(sentence.contains(says), "{what}: {sentence}");
            assert_eq!(policy(&site).await, before, "{what} changed the policy");
        }
    }
    let (status, _) = send(
        &site,
        Method::PATCH,
        "/sandbox/policy",
        &[("content-type", "text/plain")],
        r#"{"allow_origin": null}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(policy(&site).await, before);
}

/// A page on another origin cannot flip the learner's policy; the sandbox's own page and curl can.
#[tokio::test]
async fn controls_accept_only_their_own_page_or_no_origin() {
    let site = Site::for_tests();
    let body = r#"{"allow_origin": "*"}"#;
    for foreign in ["http://evil.example", "null", "http://localhost:8000", "http://127.0.0.1:1"] {
        let (status, answer) =
            send(&site, Method::PATCH, "/sandbox/policy", &[JSON, ("origin", foreign)], body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{foreign}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(foreign), "{error}");
        assert_eq!(policy(&site).await["allow_origin"], "https://yoursite.com");
    }
    let (status, _) = send(&site, Method::PATCH, "/sandbox/policy", &[JSON, ("origin", PAGE)], body).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&site, Method::PATCH, "/sandbox/policy", &[JSON], body).await;
    assert_eq!(status, StatusCode::OK, "no Origin: curl, a script");
}
