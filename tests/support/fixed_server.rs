//! A loopback server with fixed answers per path, whose headers the sandbox does not control: what
//! `cors-sandbox check` and a real browser are both pointed at (tests/api/check.rs,
//! tests/browser/check.rs). It keeps what it received. `/page` is a blank page for the browser.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The requests the server received: method, path, header lines.
pub type Seen = Arc<Mutex<Vec<(String, String, Vec<(String, String)>)>>>;

async fn answer(State(seen): State<Seen>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().to_string();
    let lines =
        request.headers().iter().map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned())).collect();
    seen.lock().unwrap().push((method.clone(), path.clone(), lines));
    let mut headers = HeaderMap::new();
    let mut add = |name: &'static str, value: &str| {
        headers.append(name, value.parse().unwrap());
    };
    let status = match path.as_str() {
        "/star" => {
            add("access-control-allow-origin", "*");
            StatusCode::OK
        }
        "/mismatch" => {
            add("access-control-allow-origin", "https://yoursite.com");
            StatusCode::OK
        }
        "/two" => {
            add("access-control-allow-origin", "http://localhost:5555");
            add("access-control-allow-origin", "http://localhost:5555");
            StatusCode::OK
        }
        "/two-star" => {
            add("access-control-allow-origin", "*");
            add("access-control-allow-origin", "*");
            StatusCode::OK
        }
        "/two-echo" => {
            // The page's own origin first, then another: one of them right.
            let origin =
                request.headers().get("origin").and_then(|o| o.to_str().ok()).unwrap_or("null").to_owned();
            add("access-control-allow-origin", &origin);
            add("access-control-allow-origin", "http://localhost:5555");
            StatusCode::OK
        }
        "/redirect" => {
            add("access-control-allow-origin", "*");
            add("location", "/star");
            StatusCode::TEMPORARY_REDIRECT
        }
        "/preflight-404" if method == "OPTIONS" => StatusCode::NOT_FOUND,
        // An error answer written outside the CORS middleware: no CORS headers at all.
        "/error-500" => StatusCode::INTERNAL_SERVER_ERROR,
        // `cors({origin: true, credentials: true})` with its preflight echoing what it is asked, no Vary.
        "/reflect" => {
            add("access-control-allow-origin", &origin_of(&request));
            add("access-control-allow-credentials", "true");
            echo_preflight(&request, &mut add);
            StatusCode::OK
        }
        // One origin, always the same, with credentials: no Vary needed, since it never changes.
        "/exact" => {
            add("access-control-allow-origin", "http://localhost:5555");
            add("access-control-allow-credentials", "true");
            StatusCode::OK
        }
        // Any origin echoed, without credentials, with `Vary: Origin`.
        "/reflect-vary" => {
            add("access-control-allow-origin", &origin_of(&request));
            add("vary", "Origin");
            StatusCode::OK
        }
        // The page's own origin only, with credentials; the preflight echoes any method and header.
        "/own-any-method" | "/allowlist" => {
            if origin_of(&request) == "http://localhost:5555" {
                add("access-control-allow-origin", "http://localhost:5555");
                add("access-control-allow-credentials", "true");
                if path == "/own-any-method" {
                    echo_preflight(&request, &mut add);
                } else {
                    add("access-control-allow-methods", "GET, PUT");
                }
            }
            add("vary", "Origin");
            StatusCode::OK
        }
        "/page" => {
            add("content-type", "text/html; charset=utf-8");
            return (
                StatusCode::OK,
                headers,
                "<!doctype html><title>a page</title><p>A page on another origin.",
            )
                .into_response();
        }
        _ => StatusCode::OK,
    };
    (status, headers, "{}").into_response()
}

/// The request's `Origin`, or `null`.
fn origin_of(request: &Request) -> String {
    request.headers().get("origin").and_then(|o| o.to_str().ok()).unwrap_or("null").to_owned()
}

/// A preflight answered with whatever it asked for (`Access-Control-Request-Method` and `-Headers`).
fn echo_preflight(request: &Request, add: &mut impl FnMut(&'static str, &str)) {
    for (asked, allowed) in [
        ("access-control-request-method", "access-control-allow-methods"),
        ("access-control-request-headers", "access-control-allow-headers"),
    ] {
        if let Some(value) = request.headers().get(asked).and_then(|v| v.to_str().ok()) {
            add(allowed, value);
        }
    }
}

/// The server's routes: every path answered by `answer`, and kept in `seen`.
pub fn app(seen: &Seen) -> Router {
    Router::new().fallback(answer).with_state(Arc::clone(seen))
}

/// Starts the server on a free port; returns its port and what it receives.
pub async fn server() -> (u16, Seen) {
    let seen: Seen = Arc::default();
    let app = app(&seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, seen)
}
