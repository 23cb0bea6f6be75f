//! The API's endpoints over a real socket: `server::app` bound to port 0 with `axum::serve`, driven with an
//! HTTP client that sends what a browser's `fetch()` would (an `Origin`, a preflight, a cookie) and
//! follows no redirect by itself, so every hop can be looked at.
//!
//! One test binary: this file holds the shared helpers; `content.rs` covers what the endpoints answer
//! (`/api`, echo, headers, session, account, counter), `errors_and_redirects.rs` the errors, redirects,
//! caching, preflights and the log, `origin_matcher.rs` the `Access-Control-Allow-Origin` an origin
//! matcher writes per request.

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, Response};
use serde_json::Value;
use tokio::net::TcpListener;

mod content;
mod errors_and_redirects;
mod origin_matcher;

/// The page's origin in these tests, as the sandbox serves it.
pub const PAGE: &str = "http://localhost:3000";

/// A running API and what the tests need to reach and inspect it.
pub struct TestApi {
    /// The API's state: the tests change its policy and read its log directly.
    pub state: server::Api,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub port: u16,
    pub http: Client,
}

/// Starts the API on a free loopback port; it stops with the test's runtime.
pub async fn spawn_api() -> TestApi {
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
    pub fn set_policy(&self, patch: Value) {
        self.state.policy.update(|policy| policy.patched(&patch)).expect("a valid policy change");
    }

    /// A request to `path` on the API, carrying the page's `Origin` as a cross-origin `fetch()` does.
    pub fn page_request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url)).header("origin", PAGE)
    }

    pub async fn send(&self, method: Method, path: &str) -> Response {
        self.page_request(method, path).send().await.expect("the API answers")
    }

    /// The preflight a browser sends before a `method` request to `path`.
    pub async fn preflight(&self, path: &str, method: &str) -> Response {
        self.page_request(Method::OPTIONS, path)
            .header("access-control-request-method", method)
            .send()
            .await
            .expect("the API answers")
    }
}

/// The response's `Access-Control-*` header names, in order.
pub fn access_control_names(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().expect("an ASCII header"))
}

pub async fn json_of(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// Every line of a header map, `Date` included (the API writes it itself, so the log has it too).
///
/// Sorted by name (a stable sort, so repeats of one name keep their order): hyper may move
/// `Content-Length` when it writes an empty body, which is its business, not the log's.
pub fn lines(headers: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    let mut lines: Vec<_> =
        headers.iter().map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec())).collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines
}

/// The same, for the log's record of the headers.
pub fn recorded_lines(headers: &server::exchange::RecordedHeaders) -> Vec<(String, Vec<u8>)> {
    let mut lines: Vec<_> =
        headers.iter().map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec())).collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines
}
