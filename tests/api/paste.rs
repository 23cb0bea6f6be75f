//! `POST /sandbox/paste`, the lab's "Paste a request" box, over a real socket: a recorded DevTools copy
//! fills the form, another server's URL gets the check command, and every bad input is a 4xx with a
//! sentence — with nothing in the text ever run.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::*;

/// A recorded copy (tests/fixtures/copied-requests/), its API origin moved to this sandbox's.
fn fixture(sandbox: &Sandbox, file: &str) -> String {
    let path = format!("{}/tests/fixtures/copied-requests/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.replace("http://localhost:8000", &sandbox.api)
}

async fn paste(sandbox: &Sandbox, body: Value) -> (StatusCode, Value) {
    let res = sandbox.http.post(format!("{}/sandbox/paste", sandbox.site)).json(&body).send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

/// Chromium's "Copy as cURL (bash)" of a credentialed JSON POST fills the form with what the page wrote:
/// its two headers, its body, `credentials: 'include'` for the cookie; the browser's own headers dropped
/// with a sentence.
#[tokio::test]
async fn a_recorded_copy_fills_the_form() {
    let sandbox = spawn_sandbox().await;
    let text = fixture(&sandbox, "chromium/post-json-credentials.curl-bash.txt");
    let (status, answer) = paste(&sandbox, json!({ "text": text })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["format"], "chromium-curl-bash");
    assert_eq!(
        answer["form"],
        json!({
            "path": "/api/echo", "method": "POST", "headers": "Content-Type: application/json\nX-Api-Key: k1",
            "body": "raw", "body_raw": r#"{"hello":"wörld","quote":"it's"}"#, "credentials": "include", "mode": "cors",
        })
    );
    let notes = answer["notes"].to_string();
    assert!(
        notes.contains("sec-ch-ua") && notes.contains("User-Agent") && notes.contains("Referer"),
        "{notes}"
    );
    sandbox.stop().await;
}

/// A copy for a URL on another server leaves the form alone and offers `cors-sandbox check`.
#[tokio::test]
async fn another_server_gets_the_check_command() {
    let sandbox = spawn_sandbox().await;
    let text = fixture(&sandbox, "firefox/other-origin.curl-posix.txt");
    let (status, answer) = paste(&sandbox, json!({ "text": text })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["form"], Value::Null);
    let command = answer["check_command"].as_str().unwrap();
    assert!(
        command.starts_with(
            "cors-sandbox check 'http://127.0.0.1:47199/v1/items?id=7' --origin http://localhost:3000"
        ),
        "{command}"
    );
    sandbox.stop().await;
}

/// Shell tricks are refused with a sentence, and nothing in the text runs: a quoted `$(touch …)` is read
/// as a header's value, an unquoted one is refused, and the file is never made.
#[tokio::test]
async fn nothing_in_the_text_is_ever_run() {
    let sandbox = spawn_sandbox().await;
    let canary = std::env::temp_dir().join(format!("paste-canary-{}", std::process::id()));
    let touch = format!("$(touch {})", canary.display());
    let quoted = format!("curl '{}/api' -H 'X-Trick: {touch}'", sandbox.api);
    let (status, answer) = paste(&sandbox, json!({ "text": quoted })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["form"]["headers"], format!("X-Trick: {touch}"));
    for text in [
        format!("curl {}/api/{touch}", sandbox.api),
        format!("curl \"{}/api\" -H \"X: {touch}\"", sandbox.api),
        format!("curl {}/api; touch {}", sandbox.api, canary.display()),
        format!("curl {}/api | sh -c 'touch {}'", sandbox.api, canary.display()),
        format!("curl.exe {}/api & type nul > {}", sandbox.api, canary.display()),
    ] {
        let (status, answer) = paste(&sandbox, json!({ "text": text })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}: {answer}");
        let sentence = answer["error"].as_str().unwrap();
        assert!(sentence.ends_with('.'), "{sentence}");
    }
    assert!(!canary.exists(), "something ran the pasted text");
    sandbox.stop().await;
}

/// Bad bodies: each a 4xx with a sentence.
#[tokio::test]
async fn bad_input_is_refused_with_a_sentence() {
    let sandbox = spawn_sandbox().await;
    let url = format!("{}/sandbox/paste", sandbox.site);
    let cases: Vec<(&str, Option<&str>, String, StatusCode, &str)> = vec![
        (
            "no JSON type",
            Some("text/plain"),
            "curl x".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type",
        ),
        ("not JSON", Some("application/json"), "{\"text\": ".into(), StatusCode::BAD_REQUEST, "{\"text\""),
        (
            "no text",
            Some("application/json"),
            "{\"copy\": \"curl x\"}".into(),
            StatusCode::BAD_REQUEST,
            "{\"text\"",
        ),
        (
            "empty",
            Some("application/json"),
            json!({ "text": "  " }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing was pasted",
        ),
        (
            "not a copy",
            Some("application/json"),
            json!({ "text": "hello" }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "neither a curl command",
        ),
        (
            "over 64 KiB",
            Some("application/json"),
            json!({ "text": format!("curl {}/api --data-raw '{}'", sandbox.api, "x".repeat(65 * 1024)) })
                .to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "64 KiB",
        ),
        (
            "far over",
            Some("application/json"),
            json!({ "text": "\n".repeat(200 * 1024) }).to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "64 KiB",
        ),
    ];
    for (what, content_type, body, status, says) in cases {
        let mut request = sandbox.http.post(&url).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), status, "{what}");
        let answer: Value = res.json().await.unwrap();
        let sentence = answer["error"].as_str().unwrap_or_default();
        assert!(sentence.contains(says), "{what}: {sentence}");
    }
    sandbox.stop().await;
}

/// Like every control, only the sandbox's own page may post to it.
#[tokio::test]
async fn another_site_may_not_post() {
    let sandbox = spawn_sandbox().await;
    let res = sandbox
        .http
        .post(format!("{}/sandbox/paste", sandbox.site))
        .header("origin", "http://evil.example")
        .json(&json!({ "text": format!("curl {}/api", sandbox.api) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    sandbox.stop().await;
}
