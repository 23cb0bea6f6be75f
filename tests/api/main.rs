//! The sandbox over real sockets: both origins bound to port 0 through the library entry point, driven
//! with an HTTP client the way the page, curl and a teacher's script drive them.
//!
//! - `api_origin`: the API's answers and the policy's headers on them;
//! - `control`: the control API, and every kind of bad input it refuses;
//! - `origin_matchers`: the attacker's presets, the origin matcher they set, and `/api/account`;
//! - `verdicts`: the log and the one verdict each exchange gets;
//! - `feed`: the live feed, the tutorial's steps, and shutdown;
//! - `cli`: the binary itself;
//! - `explain`: `cors-sandbox explain`, the lab's explain box, and what its lab links set up;
//! - `engine_requests`: the measured fixtures of docs/requests.md, and the scripted server that replays them;
//! - `slow_clients`: clients that send too slowly;
//! - `check`, `scan`, `har`: `cors-sandbox check` against a fixed-answer server, its `--scan`, and `--har`;
//! - `paste`: the lab's "Paste a request" endpoint, its refusals, and that nothing pasted is run;
//! - `tls_pipe`: check's TLS client, `cors-sandbox-tls`, built beside the binary as `check https://` builds it.

mod api_origin;
mod check;
mod cli;
mod control;
mod engine_requests;
mod explain;
mod exports;
mod feed;
mod har;
#[path = "../support/missing.rs"]
mod missing;
mod origin_matchers;
mod paste;
mod scan;
mod slow_clients;
mod tls_pipe;
mod verdicts;

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A running sandbox; dropping it (or calling `stop`) shuts it down.
pub struct Sandbox {
    pub api: String,
    pub site: String,
    pub client_port: u16,
    /// The other site, the attacker's, e.g. `http://localhost:41236`.
    pub attacker: String,
    pub http: Client,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<cors_sandbox::Stopped>>,
}

/// The grace period the tests' sandboxes get: far longer than any test waits, so a shutdown that
/// finishes is one that ended its connections, not one the grace period cut short.
const LONG_GRACE: Duration = Duration::from_secs(120);

/// Starts the sandbox on three free ports, as `cargo run` would on 8000, 3000 and 4000.
pub async fn spawn_sandbox() -> Sandbox {
    spawn_sandbox_with(cors_sandbox::Limits { shutdown_grace: LONG_GRACE, ..Default::default() }).await
}

/// [`spawn_sandbox`] with other time limits.
pub async fn spawn_sandbox_with(limits: cors_sandbox::Limits) -> Sandbox {
    let listeners = cors_sandbox::Listeners::loopback().await.unwrap();
    let api_port = listeners.api.local_addr().unwrap().port();
    let client_port = listeners.client.local_addr().unwrap().port();
    let attacker_port = listeners.attacker.local_addr().unwrap().port();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(cors_sandbox::run_with(listeners, "127.0.0.1", limits, async {
        let _ = stopped.await;
    }));
    Sandbox {
        api: format!("http://localhost:{api_port}"),
        site: format!("http://localhost:{client_port}"),
        client_port,
        attacker: format!("http://localhost:{attacker_port}"),
        http: Client::new(),
        stop: Some(stop),
        done,
    }
}

impl Sandbox {
    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.http.get(format!("{}{path}", self.site)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.unwrap()
    }

    pub async fn policy(&self) -> Value {
        self.get_json("/sandbox/policy").await
    }

    /// Sends `body` as JSON to the policy endpoint with `method`; returns status and JSON answer.
    pub async fn send_policy(&self, method: Method, body: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .request(method, format!("{}/sandbox/policy", self.site))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (res.status(), res.json().await.unwrap())
    }

    pub async fn patch(&self, body: Value) -> Value {
        let (status, answer) = self.send_policy(Method::PATCH, &body.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    /// A `GET /api` as the tutorial page's fetch() sends it.
    pub async fn fetch_api_from(&self, origin: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/api", self.api))
            .header("origin", origin)
            .header("sec-fetch-mode", "cors")
            .send()
            .await
            .unwrap()
    }

    /// Shuts the sandbox down and says how it ended.
    pub async fn stop(mut self) -> cors_sandbox::Stopped {
        let _ = self.stop.take().unwrap().send(());
        (&mut self.done).await.unwrap().unwrap()
    }
}

/// Sends raw bytes to `port` and returns the status line and body (for headers a client would fix up).
pub async fn raw_request(port: u16, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.lines().next().unwrap_or("").to_owned();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

/// Reads server-sent events from an open `/sandbox/events` response until `wanted` matches one.
pub async fn next_event(
    feed: &mut reqwest::Response,
    buffer: &mut String,
    wanted: impl Fn(&str, &Value) -> bool,
) -> Value {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let name = block.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("");
                let data = block.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("null");
                let data: Value = serde_json::from_str(data).unwrap();
                if wanted(name, &data) {
                    return data;
                }
            }
            let chunk = feed.chunk().await.unwrap().expect("the feed ended early");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("the expected event did not arrive within 5 s")
}

/// The last exchange in the log with `method` and `path`, once the watcher has judged it.
pub async fn logged(sandbox: &Sandbox, method: &str, path: &str) -> Value {
    let log = sandbox.get_json("/sandbox/log").await;
    log.as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|x| x["method"] == method && x["path"] == path && x["preflight"] == false)
        .cloned()
        .unwrap_or_else(|| panic!("no {method} {path} in the log: {log}"))
}

/// The `seq` of the last exchange in the log (0 when empty).
pub async fn last_seq(sandbox: &Sandbox) -> u64 {
    let log = sandbox.get_json("/sandbox/log").await;
    log.as_array().and_then(|l| l.last()).map_or(0, |x| x["seq"].as_u64().unwrap())
}

/// What the tutorial page's script reports after its fetch() (`static/sandbox.js`, `reportOwn`).
pub async fn report_tutorial_fetch(sandbox: &Sandbox, after_seq: u64, status: u16) {
    let report = json!({
        "trace": null, "after_seq": after_seq, "url": format!("{}/api", sandbox.api), "method": "GET",
        "headers": [], "credentials": "same-origin", "mode": "cors", "redirect": "follow", "cache": "no-store",
        "page_url": format!("{}/", sandbox.site),
        "js": { "ok": true, "status": status, "type": "cors", "headers": [["content-type", "application/json"]], "body": null, "error": null },
    });
    let res =
        sandbox.http.post(format!("{}/sandbox/attempts", sandbox.site)).json(&report).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
}

pub fn done_step(progress: &Value, step: usize) -> bool {
    progress["steps"][step - 1]["done"] == true
}
