//! The API origin: the article's endpoint, the policy sent verbatim, preflights, and errors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::*;

/// The article's endpoint: `"Hello"`, the article's policy, and never cached.
#[tokio::test]
async fn api_answers_hello_with_the_articles_header() {
    let sandbox = spawn_sandbox().await;
    let res = sandbox.fetch_api_from(&sandbox.site).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], "https://yoursite.com");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.json::<Value>().await.unwrap(), json!("Hello"));
    sandbox.stop().await;
}

/// Whatever the learner types is sent byte for byte: an empty value, two origins, a trailing slash.
#[tokio::test]
async fn api_sends_the_policy_verbatim() {
    let sandbox = spawn_sandbox().await;
    for value in ["", "http://a.example, http://b.example", "http://localhost:3000/", "null", "*"] {
        sandbox.patch(json!({ "allow_origin": value })).await;
        let res = sandbox.fetch_api_from(&sandbox.site).await;
        let sent: Vec<_> = res.headers().get_all("access-control-allow-origin").iter().collect();
        assert_eq!(sent, [value], "{value:?}");
    }
    sandbox.patch(json!({ "allow_origin": null })).await;
    let res = sandbox.fetch_api_from(&sandbox.site).await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
    sandbox.stop().await;
}

/// An OPTIONS with `Access-Control-Request-Method` is a preflight: the policy's status, no body.
#[tokio::test]
async fn api_answers_preflights_with_the_policys_status() {
    let sandbox = spawn_sandbox().await;
    sandbox.patch(json!({ "allow_origin": "*", "allow_methods": "PUT", "preflight_status": 404 })).await;
    let res = sandbox
        .http
        .request(Method::OPTIONS, format!("{}/api", sandbox.api))
        .header("origin", &sandbox.site)
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["access-control-allow-methods"], "PUT");
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let log = sandbox.get_json("/sandbox/log").await;
    assert_eq!(log[0]["preflight"], true);
    assert_eq!(log[0]["status"], 404);
    sandbox.stop().await;
}

/// Even an unknown path carries the policy's headers: every answer does.
#[tokio::test]
async fn api_puts_the_headers_on_errors_too() {
    let sandbox = spawn_sandbox().await;
    let res = sandbox.http.get(format!("{}/nope", sandbox.api)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["access-control-allow-origin"], "https://yoursite.com");
    sandbox.stop().await;
}
