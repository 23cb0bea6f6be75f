//! What the endpoints answer: `/api`, echo, headers, session and counter.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

// ---- /api and unknown paths ------------------------------------------------------------------------

/// `/api` is still the article's endpoint: `"Hello"` with the policy's header, never cached.
#[tokio::test]
async fn api_still_answers_hello_with_the_policys_header() {
    let api = spawn_api().await;
    let response = api.send(Method::GET, "/api").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("https://yoursite.com"));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert_eq!(json_of(response).await, json!("Hello"));
}

/// An unknown path is a 404 with a sentence naming the endpoints, and still carries the policy's headers.
#[tokio::test]
async fn unknown_paths_are_a_404_sentence_with_the_policys_headers() {
    let api = spawn_api().await;
    api.set_policy(json!({ "allow_origin": "*", "vary": "Origin" }));
    let response = api.send(Method::GET, "/api/nope").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&response, "vary"), Some("Origin"));
    let error = json_of(response).await["error"].as_str().expect("a sentence").to_owned();
    assert!(
        error.contains("/api/counter") && error.contains("/api/account") && error.ends_with('.'),
        "{error}"
    );
}

// ---- /api/echo -------------------------------------------------------------------------------------

/// The echo shows the method, path, raw query, every header line in order and the body as received.
#[tokio::test]
async fn echo_shows_the_request_as_received() {
    let api = spawn_api().await;
    let response = api
        .page_request(Method::PUT, "/api/echo?trace=t-1&q=a%20b")
        .header("x-custom", "one")
        .header("content-type", "text/plain;charset=UTF-8")
        .body("hello, API")
        .send()
        .await
        .expect("the API answers");
    assert_eq!(response.status(), StatusCode::OK);
    let echo = json_of(response).await;
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["path"], "/api/echo");
    assert_eq!(echo["query"], "trace=t-1&q=a%20b");
    assert_eq!(echo["body"], "hello, API");
    assert_eq!(echo["body_note"], Value::Null);
    let headers = echo["headers"].as_array().expect("header lines");
    let names: Vec<&str> = headers.iter().filter_map(|line| line[0].as_str()).collect();
    let position = |name: &str| names.iter().position(|n| *n == name).expect(name);
    assert!(position("origin") < position("x-custom"), "{names:?}");
    assert!(headers.contains(&json!(["origin", PAGE])));
    assert!(headers.contains(&json!(["x-custom", "one"])));
}

/// A body over 16 KiB is cut at 16 KiB, and a note says how long it was.
#[tokio::test]
async fn echo_cuts_a_long_body_at_16_kib_and_says_so() {
    let api = spawn_api().await;
    let response = api
        .page_request(Method::POST, "/api/echo")
        .body("x".repeat(20_000))
        .send()
        .await
        .expect("the API answers");
    let echo = json_of(response).await;
    assert_eq!(echo["body"].as_str().map(str::len), Some(16 * 1024));
    assert_eq!(echo["body_note"], "The body was 20000 bytes long; only its first 16384 bytes are shown.");
}

// ---- /api/headers ----------------------------------------------------------------------------------

/// `/api/headers` sends `X-Total-Count: 42` and a new `X-Request-Id` each time, and exposes neither
/// unless the policy's `Access-Control-Expose-Headers` says so.
#[tokio::test]
async fn headers_sends_custom_headers_that_only_the_policy_can_expose() {
    let api = spawn_api().await;
    let first = api.send(Method::GET, "/api/headers").await;
    let second = api.send(Method::GET, "/api/headers").await;
    assert_eq!(header(&first, "x-total-count"), Some("42"));
    assert_ne!(header(&first, "x-request-id"), header(&second, "x-request-id"));
    assert!(header(&first, "x-request-id").is_some());
    assert_eq!(header(&first, "access-control-expose-headers"), None);
    assert_eq!(json_of(first).await, json!("Hello"));

    api.set_policy(json!({ "expose_headers": "X-Total-Count" }));
    let exposed = api.send(Method::GET, "/api/headers").await;
    assert_eq!(header(&exposed, "access-control-expose-headers"), Some("X-Total-Count"));
}

// ---- /api/login, /api/logout, /api/whoami ----------------------------------------------------------

/// The `sandbox_session=…` pair of a `Set-Cookie` line, checked to carry the lesson's attributes.
fn session_pair(response: &Response) -> String {
    let set_cookie = header(response, "set-cookie").expect("a Set-Cookie line");
    let (pair, attributes) = set_cookie.split_once("; ").expect("attributes");
    assert!(pair.starts_with("sandbox_session="), "{set_cookie}");
    assert!(attributes.contains("Path=/"), "{set_cookie}");
    assert!(attributes.contains("SameSite=Lax"), "{set_cookie}");
    assert!(attributes.contains("HttpOnly"), "{set_cookie}");
    pair.to_owned()
}

/// `?samesite=none` marks the cookie for cross-site use, as the attacker lesson's bank needs; any other
/// value is refused with the choices.
#[tokio::test]
async fn login_can_mark_the_cookie_for_other_sites() {
    let api = spawn_api().await;
    let login = api.send(Method::POST, "/api/login?samesite=none").await;
    assert_eq!(login.status(), StatusCode::OK);
    let set_cookie = header(&login, "set-cookie").expect("a Set-Cookie line").to_owned();
    assert!(set_cookie.contains("; SameSite=None; Secure;"), "{set_cookie}");
    assert!(!set_cookie.contains("Lax"), "{set_cookie}");
    let refused = api.send(Method::POST, "/api/login?samesite=strict").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let sentence = json_of(refused).await["error"].as_str().unwrap_or_default().to_owned();
    assert!(sentence.contains("lax or none"), "{sentence}");
}

/// `whoami` knows the learner when the request carries the cookie `login` set, and says when no cookie
/// came at all.
#[tokio::test]
async fn whoami_sees_the_cookie_login_set() {
    let api = spawn_api().await;
    let login = api.send(Method::POST, "/api/login").await;
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = session_pair(&login);
    assert_eq!(json_of(login).await, json!({ "logged_in": true, "user": "learner" }));

    let with_cookie = api
        .page_request(Method::GET, "/api/whoami")
        .header("cookie", format!("theme=dark; {cookie}"))
        .send()
        .await
        .expect("the API answers");
    assert_eq!(json_of(with_cookie).await, json!({ "user": "learner", "cookie_received": true }));
    let without = api.send(Method::GET, "/api/whoami").await;
    assert_eq!(json_of(without).await, json!({ "user": null, "cookie_received": false }));
}

/// A cookie whose token the API never issued arrives, but names nobody.
#[tokio::test]
async fn whoami_knows_nobody_by_a_token_it_did_not_issue() {
    let api = spawn_api().await;
    let response = api
        .page_request(Method::GET, "/api/whoami")
        .header("cookie", "sandbox_session=0123456789abcdef0123456789abcdef")
        .send()
        .await
        .expect("the API answers");
    assert_eq!(json_of(response).await, json!({ "user": null, "cookie_received": true }));
}

/// `logout` tells the browser to drop the cookie (`Max-Age=0`) and ends the session on the API as well.
#[tokio::test]
async fn logout_clears_the_cookie_and_ends_the_session() {
    let api = spawn_api().await;
    let cookie = session_pair(&api.send(Method::POST, "/api/login").await);
    let logout = api
        .page_request(Method::POST, "/api/logout")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the API answers");
    assert_eq!(
        header(&logout, "set-cookie"),
        Some("sandbox_session=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly")
    );
    assert_eq!(json_of(logout).await, json!({ "logged_in": false, "user": null }));
    let whoami = api
        .page_request(Method::GET, "/api/whoami")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the API answers");
    assert_eq!(json_of(whoami).await, json!({ "user": null, "cookie_received": true }));
}

// ---- /api/account ----------------------------------------------------------------------------------

/// The account answers the learner's secret, the one drawn when the API was made, to a request carrying
/// the cookie `login` set — the same secret to every such request.
#[tokio::test]
async fn account_answers_the_secret_to_a_logged_in_request() {
    let api = spawn_api().await;
    let cookie = session_pair(&api.send(Method::POST, "/api/login").await);
    for _ in 0..2 {
        let account = api
            .page_request(Method::GET, "/api/account")
            .header("cookie", &cookie)
            .send()
            .await
            .expect("the API answers");
        assert_eq!(account.status(), StatusCode::OK);
        assert_eq!(
            json_of(account).await,
            json!({ "user": "learner", "secret": api.state.account_secret() })
        );
    }
    assert_eq!(api.state.account_secret().len(), 32);
}

/// Without the cookie, the account is a 401 whose sentence says to log in, at `/api/login`.
#[tokio::test]
async fn account_without_a_session_is_a_401_that_says_to_log_in() {
    let api = spawn_api().await;
    let without = api.send(Method::GET, "/api/account").await;
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
    // Still the policy's headers, like every answer.
    assert_eq!(header(&without, "access-control-allow-origin"), Some("https://yoursite.com"));
    let sentence = json_of(without).await["error"].as_str().expect("a sentence").to_owned();
    assert!(sentence.contains("log in first, at /api/login"), "{sentence}");
    assert!(!sentence.contains(api.state.account_secret()));

    let cookie = session_pair(&api.send(Method::POST, "/api/login").await);
    api.page_request(Method::POST, "/api/logout").header("cookie", &cookie).send().await.expect("an answer");
    let logged_out = api
        .page_request(Method::GET, "/api/account")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("an answer");
    assert_eq!(logged_out.status(), StatusCode::UNAUTHORIZED);
    let sentence = json_of(logged_out).await["error"].as_str().expect("a sentence").to_owned();
    assert!(sentence.contains("log in again, at /api/login"), "{sentence}");
}

/// The account is read, never written: any method but `GET` and `HEAD` is a 405, even logged in.
#[tokio::test]
async fn account_refuses_other_methods_with_a_405() {
    let api = spawn_api().await;
    let cookie = session_pair(&api.send(Method::POST, "/api/login").await);
    let post = api
        .page_request(Method::POST, "/api/account")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("an answer");
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&post, "allow"), Some("GET, HEAD"));
    assert!(!post.text().await.expect("a body").contains(api.state.account_secret()));
}

// ---- /api/counter ----------------------------------------------------------------------------------

/// `GET` and `HEAD` read the count; `POST`, `PUT` and `DELETE` each add one before answering.
#[tokio::test]
async fn counter_reads_on_get_and_counts_every_other_method() {
    let api = spawn_api().await;
    assert_eq!(json_of(api.send(Method::GET, "/api/counter").await).await, json!({ "count": 0 }));
    api.send(Method::HEAD, "/api/counter").await;
    for (method, expected) in [(Method::POST, 1), (Method::PUT, 2), (Method::DELETE, 3)] {
        let response = api.send(method, "/api/counter").await;
        assert_eq!(json_of(response).await, json!({ "count": expected }));
    }
    assert_eq!(json_of(api.send(Method::GET, "/api/counter").await).await, json!({ "count": 3 }));
    assert_eq!(api.state.counter(), 3);
}

/// Lesson 12: a simple `POST` the browser will block (the policy sends no `Access-Control-Allow-Origin`)
/// still ran on the server: the count went up.
#[tokio::test]
async fn counter_counts_a_post_even_when_the_policy_sends_no_acao() {
    let api = spawn_api().await;
    api.set_policy(json!({ "allow_origin": null }));
    let response = api
        .page_request(Method::POST, "/api/counter")
        .header("content-type", "text/plain;charset=UTF-8")
        .body("+1")
        .send()
        .await
        .expect("the API answers");
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    assert_eq!(json_of(response).await, json!({ "count": 1 }));
    assert_eq!(api.state.counter(), 1);
}

/// The layer answers a preflight itself, so asking permission to `PUT` never counts.
#[tokio::test]
async fn a_preflight_to_the_counter_does_not_count() {
    let api = spawn_api().await;
    let response = api.preflight("/api/counter", "PUT").await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(api.state.counter(), 0);
}

/// The control site can start the lesson over with `Api::reset_counter`.
#[tokio::test]
async fn reset_counter_sets_the_count_back_to_zero() {
    let api = spawn_api().await;
    api.send(Method::POST, "/api/counter").await;
    api.state.reset_counter();
    assert_eq!(json_of(api.send(Method::GET, "/api/counter").await).await, json!({ "count": 0 }));
}
