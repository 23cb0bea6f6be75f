//! What the browser comparisons of `cors-sandbox check` share (tests/browser/redirects.rs, tests/browser/
//! wpt.rs): one `fetch()` run in a real engine from a page, the same request run by `check --engine`, and the
//! comparison of the two — the verdict, every console line, and the requests a recording server received,
//! request by request (method, origin, path and query, `Origin`, `Accept`, `Access-Control-Request-*`,
//! `Authorization` and `Cookie` present or not, `Content-Type`, the body's length).

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::attacker::Engine;
use crate::firefox::Firefox;
use crate::harness::Browser;
use crate::redirects::redirect_server::Received;

/// How long after a `fetch()` settles the engine may still print its lines (Firefox's arrive a little later).
const SETTLE: Duration = Duration::from_millis(300);

/// A server that keeps every request it received, each under the first segment of its path.
pub trait Recorder {
    /// How many requests have been received so far: a mark for [`Recorder::received_since`].
    fn mark(&self) -> usize;
    /// Every request received after `mark` whose first path segment is `id`, in order.
    fn received_since(&self, mark: usize, id: &str) -> Vec<Received>;
}

/// The names an environment variable chooses (every one when it is unset or empty): exact names, or prefixes
/// ending in `*`, separated by commas.
pub fn chosen_by(variable: &str) -> impl Fn(&str) -> bool {
    let wanted: Vec<String> = std::env::var(variable)
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    move |id: &str| {
        wanted.is_empty()
            || wanted.iter().any(|w| w.strip_suffix('*').map_or(w == id, |prefix| id.starts_with(prefix)))
    }
}

/// What one engine did with one `fetch()`.
pub struct BrowserRun {
    pub resolved: bool,
    /// The status JavaScript read, when the promise resolved with a response it may read (`cors` or `basic`).
    pub status: Option<u64>,
    pub js: Value,
    pub lines: Vec<String>,
    pub requests: Vec<Received>,
}

/// What `check` did with the same request.
pub struct CheckRun {
    pub code: i32,
    pub out: Value,
    pub requests: Vec<Received>,
}

/// Runs `fetch(url, init)` from the page open in `engine` (`init_js` is a JavaScript expression); keeps its
/// outcome, the engine's lines and the requests `recorder` received under `id`.
pub async fn run_in_browser(
    engine: &Engine<'_>,
    recorder: &impl Recorder,
    url: &str,
    init_js: &str,
    id: &str,
) -> Result<BrowserRun, String> {
    engine_lines(engine).await?; // what came before is out of the way
    let mark = recorder.mark();
    let js = engine
        .js(&format!(
            "fetch({}, {init_js}).then((r) => ({{ resolved: true, status: r.status, type: r.type }}), (e) => ({{ resolved: false, error: String(e) }}))",
            json!(url)
        ))
        .await?;
    tokio::time::sleep(SETTLE).await;
    let lines = engine_lines(engine).await?;
    // An opaque answer's status reads 0 whatever the server said: only a readable one is compared.
    let readable = matches!(js["type"].as_str(), Some("cors" | "basic"));
    Ok(BrowserRun {
        resolved: js["resolved"] == json!(true),
        status: js["status"].as_u64().filter(|_| readable),
        requests: recorder.received_since(mark, id),
        js,
        lines,
    })
}

/// Chromium and Firefox, both started; `None` when either is missing (each `start` has said why, or failed
/// under CI), and the test passes having compared nothing.
pub async fn start_both() -> Option<(Browser, Firefox)> {
    let chromium = Browser::start().await.expect("start Chromium")?;
    match Firefox::start().await.expect("start Firefox") {
        Some(firefox) => Some((chromium, firefox)),
        None => {
            chromium.quit().await.expect("quit Chromium");
            None
        }
    }
}

/// Opens the comparisons' page in each engine, with the browser's cookie jar holding one cookie for the host
/// localhost (the page's, A's and D's), and reads the console so that later reads hold only the cases' lines.
pub async fn open_page(engines: &[Engine<'_>], page: &str) {
    for engine in engines {
        engine.goto(page).await.expect("open the page");
        engine.js("document.cookie = 'a_page=1; path=/'").await.expect("set the page's cookie");
        engine_lines(engine).await.expect("read the console");
    }
}

/// Every line the engine itself printed since the last call (Chromium: its `javascript` and `network`
/// entries, the CORS line and "Failed to load resource: …"; Firefox: its `javascript` entries), once a
/// marker the page logged after them has come back.
pub async fn engine_lines(engine: &Engine<'_>) -> Result<Vec<String>, String> {
    match engine {
        Engine::Chromium(browser) => {
            browser.sync_console(Duration::from_secs(10)).await?;
            let lines = browser
                .console_lines()
                .await?
                .iter()
                .filter(|l| matches!(l.source.as_deref(), Some("javascript" | "network")))
                .map(|l| l.text())
                .collect();
            browser.clear_console().await?;
            Ok(lines)
        }
        Engine::Firefox(firefox) => {
            let lines = firefox.engine_lines().await?;
            firefox.clear_console();
            Ok(lines)
        }
    }
}

/// Runs `cors-sandbox check URL --origin ORIGIN --json --engine ENGINE ARGS…`; keeps its exit status, its
/// JSON and the requests `recorder` received under `id`.
pub async fn run_check(
    recorder: &impl Recorder,
    url: &str,
    origin: &str,
    engine: &str,
    args: Vec<String>,
    id: &str,
) -> Result<CheckRun, String> {
    let mark = recorder.mark();
    let (url, origin, engine) = (url.to_owned(), origin.to_owned(), engine.to_owned());
    // Off the runtime: the server answering check runs on it.
    let (code, out) = tokio::task::spawn_blocking(move || {
        let output = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .args(["check", &url, "--origin", &origin, "--json", "--engine", &engine])
            .args(&args)
            .output()
            .map_err(|e| e.to_string())?;
        let out: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
            format!("check printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stderr).trim())
        })?;
        Ok::<_, String>((output.status.code().unwrap_or(-1), out))
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(CheckRun { code, out, requests: recorder.received_since(mark, id) })
}

/// How often `check` agreed, over every case and engine compared.
#[derive(Default)]
pub struct Tally {
    pub runs: usize,
    pub verdicts: usize,
    pub lines: usize,
    pub requests: usize,
    /// Request sequences equal but for `Accept`: progress on the rest.
    pub requests_but_accept: usize,
}

impl Tally {
    /// One line: `what` (e.g. "redirect cases: 116") and the counts.
    pub fn summary(&self, what: &str) -> String {
        format!(
            "{what} in Chromium and Firefox ({} runs); check agreed on {} verdicts, {} console-line lists, {} request sequences ({} but for Accept)",
            self.runs, self.verdicts, self.lines, self.requests, self.requests_but_accept
        )
    }
}

/// Every difference between what the engine did and what `check` did, each one sentence.
pub fn compare(engine: &str, browser: &BrowserRun, check: &CheckRun, tally: &mut Tally) -> Vec<String> {
    tally.runs += 1;
    let mut found = Vec::new();
    // The verdict: read or blocked, and the exit status that says it.
    let allowed = check.out["allowed"].as_bool();
    let exchanges = check.out["exchanges"].as_array().cloned().unwrap_or_default();
    let verdict_agrees =
        allowed == Some(browser.resolved) && check.code == if browser.resolved { 0 } else { 1 };
    if verdict_agrees {
        tally.verdicts += 1;
    } else {
        found.push(format!(
            "verdict: {engine} {} (JavaScript got {}); check exited {} with allowed = {}{}",
            if browser.resolved { "let the page read the answer" } else { "blocked it" },
            browser.js,
            check.code,
            check.out["allowed"],
            check.out["error"].as_str().map(|e| format!(" and the error {e:?}")).unwrap_or_default()
        ));
    }
    if browser.resolved
        && let Some(status) = browser.status
    {
        let last = exchanges.last().and_then(|x| x["status"].as_u64());
        if verdict_agrees && last != Some(status) {
            found.push(format!(
                "status: JavaScript read {status}; check's last exchange was answered {last:?}"
            ));
        }
    }
    // Every console line, in order.
    let field = if engine == "Chromium" { "chromium_messages" } else { "firefox_messages" };
    let predicted: Vec<String> = check.out[field]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if predicted == browser.lines {
        tally.lines += 1;
    } else {
        found.push(format!(
            "console: {engine} printed {:#?}\n  check's {field}: {predicted:#?}",
            browser.lines
        ));
    }
    // The requests, one by one, as the server received them.
    let sent_differences = compare_requests(engine, &browser.requests, &check.requests);
    if sent_differences.is_empty() {
        tally.requests += 1;
    }
    if browser.requests.len() == check.requests.len()
        && browser.requests.iter().zip(&check.requests).all(|(b, c)| {
            let but_accept =
                |r| facts(r).into_iter().filter(|(name, _)| *name != "Accept").collect::<Vec<_>>();
            but_accept(b) == but_accept(c)
        })
    {
        tally.requests_but_accept += 1;
    }
    found.extend(sent_differences);
    // check's own account of what it sent.
    let listed: Vec<String> = exchanges
        .iter()
        .map(|x| {
            // A fragment is never sent: the server cannot have seen one.
            let url = x["url"].as_str().unwrap_or("?");
            format!("{} {}", x["method"].as_str().unwrap_or("?"), url.split('#').next().unwrap_or(url))
        })
        .collect();
    let received: Vec<String> =
        check.requests.iter().map(|r| format!("{} {}{}", r.method, origin_of(r), r.target)).collect();
    // Only a check that judged (exit 0 or 1) prints its exchanges; one that gave up prints an error alone.
    if allowed.is_some() && listed != received {
        found.push(format!(
            "check's exchanges list {listed:#?}\n  but the server received from check {received:#?}"
        ));
    }
    found
}

/// The origin a request went to, as its `Host` says (the server's label is the same fact).
fn origin_of(request: &Received) -> String {
    request.header("host").map(|h| format!("http://{h}")).unwrap_or_default()
}

/// The facts compared for one request: what it is and the headers CORS turns on.
fn facts(request: &Received) -> Vec<(&'static str, String)> {
    let id = &request.id;
    let present = |name: &str| if request.header(name).is_some() { "present" } else { "absent" }.to_owned();
    let value = |name: &str| request.header(name).map_or_else(|| "(none)".to_owned(), str::to_owned);
    vec![
        ("method", request.method.clone()),
        ("origin server", request.origin.to_owned()),
        ("path and query", request.target.replace(id.as_str(), "{id}")),
        ("Origin", value("origin")),
        // Every engine's fetch() and preflight send `Accept: */*` unless the page set one (docs/requests.md).
        ("Accept", value("accept")),
        ("Access-Control-Request-Method", value("access-control-request-method")),
        ("Access-Control-Request-Headers", value("access-control-request-headers")),
        ("Authorization", present("authorization")),
        ("Cookie", present("cookie")),
        ("Content-Type", value("content-type")),
        (
            "body",
            if request.body_length == 0 {
                "none".to_owned()
            } else {
                format!("{} bytes", request.body_length)
            },
        ),
    ]
}

fn describe(request: &Received) -> String {
    let facts = facts(request);
    format!(
        "{} {} {} ({})",
        facts[0].1,
        facts[1].1,
        facts[2].1,
        facts[3..].iter().map(|(n, v)| format!("{n}: {v}")).collect::<Vec<_>>().join(", ")
    )
}

/// The differences between the requests the engine sent and those check sent, request by request.
fn compare_requests(engine: &str, browser: &[Received], check: &[Received]) -> Vec<String> {
    let mut found = Vec::new();
    for (n, pair) in browser.iter().zip(check).enumerate() {
        let (b, c) = pair;
        let differing: Vec<String> = facts(b)
            .into_iter()
            .zip(facts(c))
            .filter(|(x, y)| x.1 != y.1)
            .map(|(x, y)| format!("{} {engine} {:?}, check {:?}", x.0, x.1, y.1))
            .collect();
        if !differing.is_empty() {
            found.push(format!(
                "request {}: {}\n    {engine}: {}\n    check: {}",
                n + 1,
                differing.join("; "),
                describe(b),
                describe(c)
            ));
        }
    }
    if browser.len() != check.len() {
        let extra = |from: &[Received]| from.iter().map(describe).collect::<Vec<_>>().join("\n    ");
        found.push(if browser.len() > check.len() {
            format!(
                "{engine} sent {} request(s), check {}; check never sent:\n    {}",
                browser.len(),
                check.len(),
                extra(&browser[check.len()..])
            )
        } else {
            format!(
                "{engine} sent {} request(s), check {}; check also sent:\n    {}",
                browser.len(),
                check.len(),
                extra(&check[browser.len()..])
            )
        });
    }
    found
}
