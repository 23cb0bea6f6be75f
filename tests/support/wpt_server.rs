//! The stand-ins for WPT's handlers (tests/support/wpt_handlers.rs) on four loopback origins, keeping every
//! request they receive.
//!
//! The origins, as in tests/support/redirect_server.rs: A `http://localhost:PA` (the page, WPT's
//! `HTTP_ORIGIN`), B `http://127.0.0.1:PB` (`HTTP_REMOTE_ORIGIN`), C `http://127.0.0.1:PC`
//! (`HTTP_REMOTE_ORIGIN_WITH_DIFFERENT_PORT`), D `http://localhost:PD` (`HTTP_ORIGIN_WITH_DIFFERENT_PORT`).
//! A path is `/<run>/<handler>`: its first segment keeps one run's requests apart. Header names are written
//! in title case on the wire, as wptserve writes the handlers' own spellings (`Access-Control-Allow-Origin`).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use super::Received;
use super::wpt_handlers::{Answer, Incoming, Stash, answer};

/// The origins' labels.
pub const LABELS: [&str; 4] = ["A", "B", "C", "D"];

/// The running stand-ins: their origins and what they received.
#[derive(Clone)]
pub struct Handlers {
    /// `(label, origin)`, e.g. `("B", "http://127.0.0.1:41234")`.
    pub origins: Arc<Vec<(&'static str, String)>>,
    received: Arc<Mutex<Vec<Received>>>,
    stash: Arc<Mutex<Stash>>,
}

impl Handlers {
    /// The origin of `label`.
    pub fn origin(&self, label: &str) -> &str {
        self.origins.iter().find(|(l, _)| *l == label).map_or("", |(_, o)| o.as_str())
    }

    /// Forgets what every handler stashed under `token`: a run after another under the same token starts
    /// as under a new one.
    pub fn forget(&self, token: &str) {
        self.stash.lock().unwrap_or_else(|p| p.into_inner()).forget(token);
    }

    /// How many requests have been received so far.
    pub fn mark(&self) -> usize {
        self.received.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Every request received after `mark` whose first path segment is `id`, in order.
    pub fn received_since(&self, mark: usize, id: &str) -> Vec<Received> {
        let received = self.received.lock().unwrap_or_else(|p| p.into_inner());
        received.iter().skip(mark).filter(|r| r.id == id).cloned().collect()
    }

    async fn serve(
        &self,
        label: &'static str,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let method = request.method().to_string();
        let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = request.into_body().collect().await.map(|b| b.to_bytes().len()).unwrap_or(0);
        let answer = if label == "A" && target == "/page" {
            Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
                body: "<!doctype html><title>page A</title><p>The page that runs WPT's fetch()es.".into(),
            }
        } else {
            let path = target.split(['?', '#']).next().unwrap_or_default();
            let id = path.split('/').nth(1).unwrap_or_default().to_owned();
            if target != "/favicon.ico" {
                self.received.lock().unwrap_or_else(|p| p.into_inner()).push(Received {
                    origin: label,
                    method: method.clone(),
                    target: target.clone(),
                    id,
                    headers: headers.clone(),
                    body_length: body,
                });
            }
            answer(&Incoming { method: &method, target: &target, headers: &headers }, &self.stash)
        };
        let no_body = matches!(answer.status, 204 | 304) || method == "HEAD";
        let mut response =
            hyper::Response::new(Full::new(Bytes::from(if no_body { String::new() } else { answer.body })));
        *response.status_mut() =
            hyper::StatusCode::from_u16(answer.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in answer.headers {
            // Values as the handler wrote them, even those a URL parser refuses, or raw UTF-8.
            if let (Ok(name), Ok(value)) = (
                hyper::header::HeaderName::try_from(name),
                hyper::header::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

/// Starts the four origins on free ports; A and D answer on `localhost` (127.0.0.1, and ::1 where free).
pub async fn start() -> Handlers {
    let mut listeners = Vec::new();
    let mut origins = Vec::new();
    for label in LABELS {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port");
        let port = listener.local_addr().expect("a bound port").port();
        let host = if matches!(label, "A" | "D") { "localhost" } else { "127.0.0.1" };
        origins.push((label, format!("http://{host}:{port}")));
        listeners.push((label, listener));
        if matches!(label, "A" | "D")
            && let Ok(v6) = tokio::net::TcpListener::bind(("::1", port)).await
        {
            listeners.push((label, v6));
        }
    }
    let handlers =
        Handlers { origins: Arc::new(origins), received: Arc::default(), stash: Arc::new(Mutex::default()) };
    for (label, listener) in listeners {
        let handlers = handlers.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handlers = handlers.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let handlers = handlers.clone();
                        async move { Ok::<_, std::convert::Infallible>(handlers.serve(label, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .title_case_headers(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }
    handlers
}
