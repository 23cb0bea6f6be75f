//! Errors, redirects, caching, preflights, and the log of what was sent.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

// ---- /api/error ------------------------------------------------------------------------------------

/// By default the deliberate 500 carries the policy's headers, so a page the policy allows can read it.
#[tokio::test]
async fn error_is_a_500_with_the_policys_headers_by_default() {
    let api = spawn_api().await;
    api.set_policy(json!({ "allow_origin": "*" }));
    let response = api.send(Method::GET, "/api/error").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    assert_eq!(
        json_of(response).await,
        json!({ "error": "Something broke on the server (a deliberate 500 from the sandbox)." })
    );
}

/// Lesson 10: `cors=no` sends no `Access-Control-*` header at all (nor the policy's `Vary`), even with
/// `Access-Control-Allow-Origin: *` and every other header configured.
#[tokio::test]
async fn error_cors_no_has_no_access_control_headers_even_with_acao_star() {
    let api = spawn_api().await;
    api.set_policy(json!({
        "allow_origin": "*", "allow_credentials": "true", "expose_headers": "X-Total-Count", "vary": "Origin",
    }));
    let response = api.send(Method::GET, "/api/error?cors=no").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(access_control_names(response.headers()), Vec::<String>::new());
    assert_eq!(header(&response, "vary"), None);
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
}

/// A `cors` value other than `yes` or `no` is a 400 sentence, itself with the policy's headers.
#[tokio::test]
async fn error_with_an_unknown_cors_value_is_a_400_sentence() {
    let api = spawn_api().await;
    let response = api.send(Method::GET, "/api/error?cors=maybe").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("https://yoursite.com"));
    assert_eq!(
        json_of(response).await["error"],
        "The `cors` parameter must be yes or no, not \"maybe\"; leave it out for yes."
    );
}

// ---- /api/redirect ---------------------------------------------------------------------------------

/// With no parameters: a 307 (the method is kept) to `/api` on the same origin, with the policy's headers.
#[tokio::test]
async fn redirect_defaults_to_a_307_to_api_with_the_policys_headers() {
    let api = spawn_api().await;
    let response = api.send(Method::POST, "/api/redirect").await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(header(&response, "location"), Some("/api"));
    assert_eq!(header(&response, "access-control-allow-origin"), Some("https://yoursite.com"));
}

/// `to=cross` points at the same API under its other loopback name (`localhost` ↔ `127.0.0.1`), a
/// different origin; following it reaches the same server.
#[tokio::test]
async fn redirect_to_cross_points_at_the_other_loopback_name() {
    let api = spawn_api().await;
    let via_ip = api.send(Method::GET, "/api/redirect?to=cross").await;
    let to_localhost = format!("http://localhost:{}/api", api.port);
    assert_eq!(header(&via_ip, "location"), Some(to_localhost.as_str()));

    let via_name = api
        .http
        .get(format!("http://localhost:{}/api/redirect?to=cross", api.port))
        .send()
        .await
        .expect("the API answers on localhost");
    let to_ip = format!("http://127.0.0.1:{}/api", api.port);
    assert_eq!(header(&via_name, "location"), Some(to_ip.as_str()));

    let hop = api.http.get(&to_ip).send().await.expect("the same API answers");
    assert_eq!(json_of(hop).await, json!("Hello"));
}

/// `status` picks the redirect's status; each one points at `/api`.
#[tokio::test]
async fn redirect_status_picks_any_redirect_status() {
    let api = spawn_api().await;
    for status in [301, 302, 303, 307, 308] {
        let response = api.send(Method::GET, &format!("/api/redirect?status={status}")).await;
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(header(&response, "location"), Some("/api"), "{status}");
    }
}

/// `cors=no` strips every `Access-Control-*` header from the redirect response itself.
#[tokio::test]
async fn redirect_cors_no_has_no_access_control_headers() {
    let api = spawn_api().await;
    api.set_policy(json!({ "allow_origin": "*", "allow_credentials": "true" }));
    let response = api.send(Method::GET, "/api/redirect?cors=no&to=cross").await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(header(&response, "location").is_some());
    assert_eq!(access_control_names(response.headers()), Vec::<String>::new());
}

/// The lab's trace id rides along to the next hop, so both hops of one `fetch()` share it in the log.
#[tokio::test]
async fn redirect_carries_the_trace_id_to_the_next_hop() {
    let api = spawn_api().await;
    let response = api.send(Method::GET, "/api/redirect?trace=t-42").await;
    assert_eq!(header(&response, "location"), Some("/api?trace=t-42"));
}

/// Any value outside a parameter's list is a 400 with a sentence that lists the choices.
#[tokio::test]
async fn redirect_with_an_invalid_parameter_is_a_400_sentence() {
    let api = spawn_api().await;
    for (query, sentence) in [
        (
            "to=elsewhere",
            "The `to` parameter must be same or cross, not \"elsewhere\"; leave it out for same.",
        ),
        (
            "status=200",
            "The `status` parameter must be 307, 301, 302, 303 or 308, not \"200\"; leave it out for 307.",
        ),
        ("cors=off", "The `cors` parameter must be yes or no, not \"off\"; leave it out for yes."),
    ] {
        let response = api.send(Method::GET, &format!("/api/redirect?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(header(&response, "location"), None, "{query}");
        assert_eq!(json_of(response).await["error"], sentence);
    }
}

// ---- /api/cacheable --------------------------------------------------------------------------------

/// `/api/cacheable` may be cached for 60 s and reflects the request's `Origin` in place of the policy's
/// value, while the policy's other lines (`Vary`, credentials) are sent as configured.
#[tokio::test]
async fn cacheable_reflects_the_origin_and_is_cacheable() {
    let api = spawn_api().await;
    api.set_policy(json!({ "allow_credentials": "true", "vary": "Origin" }));
    let response = api.send(Method::GET, "/api/cacheable").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "cache-control"), Some("public, max-age=60"));
    let acao: Vec<_> = response.headers().get_all("access-control-allow-origin").iter().collect();
    assert_eq!(acao, [PAGE]);
    assert_eq!(header(&response, "access-control-allow-credentials"), Some("true"));
    assert_eq!(header(&response, "vary"), Some("Origin"));
    assert!(json_of(response).await["served_at_ms"].as_u64().is_some());
}

/// Without an `Origin` (a navigation from the address bar) the answer has no
/// `Access-Control-Allow-Origin`: the copy a cache may later hand to a CORS request.
#[tokio::test]
async fn cacheable_without_an_origin_has_no_acao() {
    let api = spawn_api().await;
    api.set_policy(json!({ "allow_origin": "*" }));
    let response = api.http.get(format!("{}/api/cacheable", api.url)).send().await.expect("the API answers");
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    assert_eq!(header(&response, "cache-control"), Some("public, max-age=60"));
}

/// Only `GET` and `HEAD` are cacheable here; a `POST` is a 405 sentence.
#[tokio::test]
async fn cacheable_refuses_other_methods_with_a_405() {
    let api = spawn_api().await;
    let response = api.send(Method::POST, "/api/cacheable").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&response, "allow"), Some("GET, HEAD"));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    let error = json_of(response).await["error"].as_str().expect("a sentence").to_owned();
    assert!(error.contains("GET, HEAD") && error.contains("POST"), "{error}");
}

// ---- Preflights ------------------------------------------------------------------------------------

/// A preflight answered with a redirect status carries `Location: <same path>`, so the browser sees a real
/// redirect ("Redirect is not allowed for a preflight request").
#[tokio::test]
async fn a_preflight_redirect_has_a_location_to_the_same_path() {
    let api = spawn_api().await;
    for status in [301, 302, 303, 307, 308] {
        api.set_policy(json!({ "preflight_status": status }));
        let response = api.preflight("/api/counter?trace=t-1", "PUT").await;
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(header(&response, "location"), Some("/api/counter"), "{status}");
    }
}

/// A preflight answered with a status that is not a redirect (2xx, 4xx, 5xx, or 300/304) has no `Location`.
#[tokio::test]
async fn a_preflight_with_another_status_has_no_location() {
    let api = spawn_api().await;
    for status in [200, 204, 300, 304, 404, 500] {
        api.set_policy(json!({ "preflight_status": status }));
        let response = api.preflight("/api", "PUT").await;
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(header(&response, "location"), None, "{status}");
    }
}

// ---- The log ---------------------------------------------------------------------------------------

/// Every answer is recorded, in order, with exactly the header lines that went out (all but `Date`, which
/// hyper adds as it writes): the reflected origin, the stripped ones, the cookie, the `Content-Length`.
#[tokio::test]
async fn every_response_is_recorded_with_the_headers_actually_sent() {
    let api = spawn_api().await;
    api.set_policy(json!({
        "allow_origin": "*", "allow_methods": "PUT", "expose_headers": "X-Request-Id", "vary": "Origin",
    }));
    let mut sent = Vec::new();
    for (method, path) in [
        (Method::GET, "/api"),
        (Method::HEAD, "/api/counter"),
        (Method::POST, "/api/echo"),
        (Method::GET, "/api/headers"),
        (Method::POST, "/api/login"),
        (Method::GET, "/api/error?cors=no"),
        (Method::GET, "/api/redirect?to=cross&cors=no"),
        (Method::GET, "/api/cacheable"),
        (Method::GET, "/api/nope"),
        (Method::GET, "/api/redirect?status=999"),
    ] {
        let response = api.send(method.clone(), path).await;
        sent.push((method, path.to_owned(), response.status(), lines(response.headers())));
    }
    let preflight = api.preflight("/api/counter", "PUT").await;
    sent.push((Method::OPTIONS, "/api/counter".to_owned(), preflight.status(), lines(preflight.headers())));

    let recorded = api.state.log.recent();
    assert_eq!(recorded.len(), sent.len());
    for (exchange, (method, path, status, headers)) in recorded.iter().zip(&sent) {
        assert_eq!(&exchange.method, method);
        assert_eq!(exchange.uri.to_string(), *path);
        assert_eq!(exchange.status, *status, "{path}");
        assert_eq!(recorded_lines(&exchange.response_headers), *headers, "{method} {path}");
    }
}
