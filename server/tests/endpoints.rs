//! The API's endpoints over a real socket: `server::app` bound to port 0 with `axum::serve`, driven with an
//! HTTP client that sends what a browser's `fetch()` would (an `Origin`, a preflight, a cookie) and
//! follows no redirect by itself, so every hop can be looked at.

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The page's origin in these tests, as the sandbox serves it.
const PAGE: &str = "http://localhost:3000";

/// A running API and what the tests need to reach and inspect it.
struct TestApi {
    /// The API's state: the tests change its policy and read its log directly.
    state: server::Api,
    /// `http://127.0.0.1:PORT`.
    url: String,
    port: u16,
    http: Client,
}

/// Starts the API on a free loopback port; it stops with the test's runtime.
async fn spawn_api() -> TestApi {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = listener.local_addr().expect("a bound address").port();
    let state = server::Api::default();
    let app = server::app(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    TestApi {
        state,
        url: format!("http://127.0.0.1:{port}"),
        port,
        http: Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client"),
    }
}

impl TestApi {
    /// Changes the policy the way the control site's PATCH does.
    fn set_policy(&self, patch: Value) {
        self.state.policy.update(|policy| policy.patched(&patch)).expect("a valid policy change");
    }

    /// A request to `path` on the API, carrying the page's `Origin` as a cross-origin `fetch()` does.
    fn page_request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url)).header("origin", PAGE)
    }

    async fn send(&self, method: Method, path: &str) -> Response {
        self.page_request(method, path).send().await.expect("the API answers")
    }

    /// The preflight a browser sends before a `method` request to `path`.
    async fn preflight(&self, path: &str, method: &str) -> Response {
        self.page_request(Method::OPTIONS, path)
            .header("access-control-request-method", method)
            .send()
            .await
            .expect("the API answers")
    }
}

/// The response's `Access-Control-*` header names, in order.
fn access_control_names(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().expect("an ASCII header"))
}

async fn json_of(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// Every line of a header map, `Date` included (the API writes it itself, so the log has it too).
///
/// Sorted by name (a stable sort, so repeats of one name keep their order): hyper may move
/// `Content-Length` when it writes an empty body, which is its business, not the log's.
fn lines(headers: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    let mut lines: Vec<_> =
        headers.iter().map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec())).collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines
}

/// The same, for the log's record of the headers.
fn recorded_lines(headers: &server::exchange::RecordedHeaders) -> Vec<(String, Vec<u8>)> {
    let mut lines: Vec<_> =
        headers.iter().map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec())).collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines
}

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
    assert!(error.contains("/api/counter") && error.ends_with('.'), "{error}");
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
