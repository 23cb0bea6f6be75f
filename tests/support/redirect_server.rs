//! A scripted, recording server on four loopback origins, for redirects: what a real browser and
//! `cors-sandbox check` are both pointed at (tests/browser/redirects.rs), and whose script is checked against
//! the measured records without a browser (tests/api/engine_requests.rs).
//!
//! The origins, as in docs/requests.md:
//! - A, `http://localhost:PA`: the page (`/page`), and an origin redirects may come back to;
//! - B, `http://127.0.0.1:PB` and C, `http://127.0.0.1:PC`: two APIs on other origins (and another site);
//! - D, `http://localhost:PD`: another origin on the page's site (its cookies are the page's host's).
//!
//! Every answer comes from the case's `rules` in `tests/fixtures/engine-requests.json`: a path's first segment
//! names the case (`/<case>/…`, or `/<case>~<engine>/…` to keep one engine's run apart from another's), and a rule says what
//! one origin answers at one path and query: a status, header lines (`{A}`…`{D}` stand for the origins, `{PA}`…
//! `{PD}` for their ports, `{id}` for the first segment) and the CORS headers: `echo` (the default: the
//! request's `Origin` allowed, with credentials, and a preflight's method and headers), `star` or `none`. A
//! request no rule names gets 200 (204 for a preflight) with `echo`. The server keeps every request it received.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// The origins' labels, in the order the fixture names them.
pub const LABELS: [&str; 4] = ["A", "B", "C", "D"];

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// `A`, `B`, `C` or `D`.
    pub origin: &'static str,
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    /// The first path segment: the case and run.
    pub id: String,
    /// Header lines, names lower-cased (hyper's), in the order received.
    pub headers: Vec<(String, String)>,
    pub body_length: usize,
}

impl Received {
    /// The value of the first header line named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What the server shares with its handlers and its owner.
#[derive(Clone)]
pub struct Script {
    /// `(label, origin)`, e.g. `("B", "http://127.0.0.1:41234")`.
    pub origins: Arc<Vec<(&'static str, String)>>,
    /// The fixture's cases, by id.
    cases: Arc<Vec<Value>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Script {
    /// The origin of `label`.
    pub fn origin(&self, label: &str) -> &str {
        self.origins.iter().find(|(l, _)| *l == label).map_or("", |(_, o)| o.as_str())
    }

    /// `text` with `{A}`…`{D}`, `{PA}`…`{PD}` and `{id}` filled in.
    pub fn fill(&self, text: &str, id: &str) -> String {
        let mut out = text.replace("{id}", id);
        for (label, origin) in self.origins.iter() {
            let port = origin.rsplit(':').next().unwrap_or_default();
            out = out.replace(&format!("{{{label}}}"), origin).replace(&format!("{{P{label}}}"), port);
        }
        out
    }

    /// How many requests have been received so far: a mark for [`Script::received_since`].
    pub fn mark(&self) -> usize {
        self.received.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Every request received after `mark` whose first path segment is `id`, in order.
    pub fn received_since(&self, mark: usize, id: &str) -> Vec<Received> {
        let received = self.received.lock().unwrap_or_else(|p| p.into_inner());
        received.iter().skip(mark).filter(|r| r.id == id).cloned().collect()
    }

    /// What `label` answers to `method target` with these request headers: status and header lines.
    pub fn answer(
        &self,
        label: &str,
        method: &str,
        target: &str,
        headers: &[(String, String)],
    ) -> (u16, Vec<(String, String)>) {
        let get =
            |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let id = first_segment(target);
        let case_id = id.split('~').next().unwrap_or_default();
        let Some(case) = self.cases.iter().find(|c| c["id"] == case_id) else {
            return (404, Vec::new());
        };
        let empty = Vec::new();
        let rule = case["rules"].as_array().unwrap_or(&empty).iter().find(|rule| {
            let at = rule["o"].as_str().unwrap_or("B");
            let path = format!("/{id}{}", rule["path"].as_str().unwrap_or_default());
            let method_matches = match rule["m"].as_str() {
                None => method != "OPTIONS",
                Some("*") => true,
                Some(m) => m == method,
            };
            at == label && path == target && method_matches
        });
        let default = Value::Null;
        let rule = rule.unwrap_or(&default);
        let status =
            rule["status"].as_u64().map_or(if method == "OPTIONS" { 204 } else { 200 }, |s| s as u16);
        let cors = rule["cors"].as_str().unwrap_or("echo");
        let mut lines = Vec::new();
        let origin = get("origin");
        match cors {
            "echo" => {
                lines.push((
                    "Access-Control-Allow-Origin".into(),
                    origin.clone().unwrap_or_else(|| "*".into()),
                ));
                if origin.is_some() {
                    lines.push(("Access-Control-Allow-Credentials".into(), "true".into()));
                }
            }
            "star" => lines.push(("Access-Control-Allow-Origin".into(), "*".into())),
            _ => {}
        }
        if method == "OPTIONS" && matches!(cors, "echo" | "star") {
            if let Some(m) = get("access-control-request-method") {
                lines.push(("Access-Control-Allow-Methods".into(), m));
            }
            if let Some(h) = get("access-control-request-headers") {
                lines.push(("Access-Control-Allow-Headers".into(), h));
            }
        }
        for pair in rule["h"].as_array().unwrap_or(&empty) {
            let name = pair[0].as_str().unwrap_or_default();
            let value = pair[1].as_str().unwrap_or_default();
            lines.push((name.to_owned(), self.fill(value, &id)));
        }
        lines.push(("Cache-Control".into(), "no-store".into()));
        (status, lines)
    }
}

/// The first path segment of a request target: `/m302-get-bc~chromium/r?q=1` gives `m302-get-bc~chromium`.
pub fn first_segment(target: &str) -> String {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    path.split('/').nth(1).unwrap_or_default().to_owned()
}

/// The fixture: every case, its rules and what each engine did.
pub fn fixture() -> Value {
    let text = include_str!("../fixtures/engine-requests.json");
    serde_json::from_str(text).expect("tests/fixtures/engine-requests.json is JSON")
}

async fn handle(State((script, label)): State<(Script, &'static str)>, request: Request) -> Response {
    let method = request.method().to_string();
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.map(|b| b.len()).unwrap_or(0);
    if label == "A" && target == "/page" {
        return Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .body(Body::from("<!doctype html><title>page A</title><p>The page that fetches."))
            .unwrap_or_default();
    }
    let id = first_segment(&target);
    if target != "/favicon.ico" {
        script.received.lock().unwrap_or_else(|p| p.into_inner()).push(Received {
            origin: label,
            method: method.clone(),
            target: target.clone(),
            id,
            headers: headers.clone(),
            body_length: body,
        });
    }
    let (status, lines) = script.answer(label, &method, &target, &headers);
    let mut response = Response::new(if matches!(status, 204 | 304) {
        Body::empty()
    } else {
        Body::from(format!("answer {label} {method} {target}"))
    });
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in lines {
        // Values as scripted, even those a URL parser refuses (`http://[::1`) or raw UTF-8.
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_bytes(value.as_bytes()))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
}

impl Script {
    /// A script with no server behind it, for the given origins: to ask what it would answer.
    pub fn offline(origins: Vec<(&'static str, String)>) -> Script {
        let cases = fixture()["cases"].as_array().cloned().unwrap_or_default();
        Script { origins: Arc::new(origins), cases: Arc::new(cases), received: Arc::default() }
    }
}

/// Starts the four origins on free ports; A and D answer on `localhost` (127.0.0.1, and ::1 where free).
pub async fn start() -> Script {
    let cases = fixture()["cases"].as_array().cloned().unwrap_or_default();
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
    let script = Script { origins: Arc::new(origins), cases: Arc::new(cases), received: Arc::default() };
    for (label, listener) in listeners {
        let app = Router::new().fallback(handle).with_state((script.clone(), label));
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    script
}
