//! `Access-Control-Allow-Origin` under an origin matcher: the request's `Origin` echoed byte for byte when
//! the matcher accepts it, no such line when it refuses, every other line as the policy says, on actual
//! answers and preflights alike, and recorded exactly as sent.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

/// The `Access-Control-Allow-Origin` lines of an answer, all of them.
fn allow_origin_lines(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .map(|v| v.to_str().expect("an ASCII header").to_owned())
        .collect()
}

/// A `GET /api` carrying `origin`.
async fn from(api: &TestApi, origin: &str) -> Response {
    api.http.get(format!("{}/api", api.url)).header("origin", origin).send().await.expect("the API answers")
}

/// A prefix check echoes every `Origin` that starts with the prefix, the attacker's lookalike host
/// included, and sends nothing for the rest; `allow_origin` is kept but never sent, and the credentials
/// line goes on every answer.
#[tokio::test]
async fn a_matcher_echoes_the_origins_it_accepts_and_sends_no_acao_for_the_rest() {
    let api = spawn_api().await;
    api.set_policy(json!({
        "allow_origin": "*", "allow_credentials": "true",
        "origin_matcher": { "kind": "prefix", "value": "http://localhost" },
    }));
    for (origin, echoed) in [
        (PAGE, true),
        ("http://localhost:4000", true),
        ("http://localhost.evil.localhost:4000", true),
        ("http://evil.localhost:4000", false),
        ("null", false),
        ("HTTP://LOCALHOST:3000", false),
    ] {
        let response = from(&api, origin).await;
        let expected: Vec<String> = if echoed { vec![origin.to_owned()] } else { vec![] };
        assert_eq!(allow_origin_lines(&response), expected, "{origin}");
        assert_eq!(header(&response, "access-control-allow-credentials"), Some("true"), "{origin}");
    }
    let no_origin = api.http.get(format!("{}/api", api.url)).send().await.expect("the API answers");
    assert!(allow_origin_lines(&no_origin).is_empty());
}

/// The preflight gets the same decision, in the same place, with the policy's other preflight lines.
#[tokio::test]
async fn a_preflight_gets_the_matchers_answer_too() {
    let api = spawn_api().await;
    api.set_policy(json!({
        "allow_methods": "PUT", "allow_headers": "Content-Type", "vary": "Origin",
        "origin_matcher": { "kind": "exact", "origins": [PAGE] },
    }));
    let allowed = api.preflight("/api", "PUT").await;
    assert_eq!(
        access_control_names(allowed.headers()),
        ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"]
    );
    assert_eq!(allow_origin_lines(&allowed), [PAGE]);
    assert_eq!(header(&allowed, "vary"), Some("Origin"));

    let refused = api
        .http
        .request(Method::OPTIONS, format!("{}/api", api.url))
        .header("origin", "http://localhost:4000")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .expect("the API answers");
    assert_eq!(refused.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        access_control_names(refused.headers()),
        ["access-control-allow-methods", "access-control-allow-headers"]
    );
}

/// `headers_on` still decides where the CORS lines go: the matcher's line with them.
#[tokio::test]
async fn the_matchers_line_goes_only_where_headers_on_says() {
    let api = spawn_api().await;
    api.set_policy(json!({ "origin_matcher": { "kind": "reflect" }, "headers_on": "preflight" }));
    assert!(allow_origin_lines(&from(&api, PAGE).await).is_empty());
    assert_eq!(allow_origin_lines(&api.preflight("/api", "PUT").await), [PAGE]);
}

/// An endpoint that reflects the `Origin` itself (`/api/cacheable`) does so whatever the matcher says, and
/// one that sends no CORS lines (`/api/error?cors=no`) sends none under a matcher either.
#[tokio::test]
async fn the_endpoints_own_choice_of_lines_stands_under_a_matcher() {
    let api = spawn_api().await;
    api.set_policy(json!({ "origin_matcher": { "kind": "exact", "origins": ["https://yoursite.com"] } }));
    assert_eq!(allow_origin_lines(&api.send(Method::GET, "/api/cacheable").await), [PAGE]);
    api.set_policy(json!({ "origin_matcher": { "kind": "reflect" } }));
    assert!(access_control_names(api.send(Method::GET, "/api/error?cors=no").await.headers()).is_empty());
}

/// What the matcher wrote is in the log exactly as it went out, for the three views to show.
#[tokio::test]
async fn the_matchers_line_is_recorded_as_sent() {
    let api = spawn_api().await;
    api.set_policy(json!({
        "allow_credentials": "true",
        "origin_matcher": { "kind": "regex", "pattern": r"^http://localhost(:\d+)?" },
    }));
    let lookalike = from(&api, "http://localhost.evil.localhost:4000").await;
    let refused = from(&api, "http://evil.localhost:4000").await;
    let recorded = api.state.log.recent();
    assert_eq!(recorded_lines(&recorded[0].response_headers), lines(lookalike.headers()));
    assert_eq!(recorded_lines(&recorded[1].response_headers), lines(refused.headers()));
    assert_eq!(
        recorded[0].response_header("access-control-allow-origin"),
        Some("http://localhost.evil.localhost:4000")
    );
    assert_eq!(recorded[1].response_header("access-control-allow-origin"), None);
}
