//! `cors-sandbox check` against real Chromium and real Firefox on redirects: every case of
//! `tests/fixtures/engine-requests.json` that `check` can express (docs/requests.md lists them), served by the
//! scripted server of tests/support/redirect_server.rs on four loopback origins.
//!
//! For each case and each engine, the page at A runs the case's `fetch()`, and the test keeps what JavaScript
//! got, every console line the engine printed, and every request the server received. Then it runs
//! `cors-sandbox check URL --origin A --json --engine ENGINE` with the same request, the same URL, against the
//! same server (the requests received in between are the engine's, those after are check's) and compares,
//! request by request:
//! the method, the origin it went to, path and query, `Origin`, `Access-Control-Request-Method` and
//! `-Headers`, `Authorization` and `Cookie` present or not, `Content-Type`, `Accept` and the body's length; then the verdict (and the
//! status JavaScript read, when it read one) and every console line, in order. `check`'s own `exchanges` must
//! list the requests the server received from it.
//!
//! The browsers' cookie jar holds one cookie, `a_page=1`, for the host `localhost` (A and D); `check`, whose only
//! jar is `-H 'Cookie: …'`, is given it in the cases whose requests reach A or D (the fixture's `check_args`).
//!
//! The browsers are the judges: nothing here is expected from a document, only from what the engine did in the
//! same run. Run one case, or a few, by name:
//!
//! ```sh
//! REDIRECT_CASES=loc-query,chain-abc cargo test --test browser redirect
//! REDIRECT_CASES='m30*' cargo test --test browser redirect   # a prefix
//! ```

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

#[path = "../support/redirect_server.rs"]
#[allow(dead_code)] // shared with tests/api/engine_requests.rs, which also asks it offline
pub(crate) mod redirect_server;

use crate::attacker::Engine;
use crate::firefox::Firefox;
use crate::harness::{Browser, is_ci};
use redirect_server::{Received, Script};

/// How long after a `fetch()` settles the engine may still print its lines (Firefox's arrive a little later).
const SETTLE: Duration = Duration::from_millis(300);

/// The cases `REDIRECT_CASES` names (every comparable one when it is unset): exact ids, or prefixes ending
/// in `*`, separated by commas.
fn chosen_cases(fixture: &Value) -> Vec<Value> {
    let wanted: Vec<String> = std::env::var("REDIRECT_CASES")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let named = |id: &str| {
        wanted.is_empty()
            || wanted.iter().any(|w| w.strip_suffix('*').map_or(w == id, |prefix| id.starts_with(prefix)))
    };
    fixture["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["compare_with_check"] == json!(true) && named(c["id"].as_str().unwrap_or_default()))
        .cloned()
        .collect()
}

/// What one engine did with one case.
struct BrowserRun {
    resolved: bool,
    /// The status JavaScript read, when the promise resolved with a response it may read (`cors` or `basic`).
    status: Option<u64>,
    js: Value,
    lines: Vec<String>,
    requests: Vec<Received>,
}

/// What `check` did with the same case.
struct CheckRun {
    code: i32,
    out: Value,
    requests: Vec<Received>,
}

/// Runs every chosen case in Chromium and Firefox and compares `check` with each; panics with every
/// difference, case by case.
pub async fn run() {
    let fixture = redirect_server::fixture();
    let cases = chosen_cases(&fixture);
    assert!(
        !cases.is_empty(),
        "REDIRECT_CASES names no comparable case of tests/fixtures/engine-requests.json"
    );
    let Some(chromium) = Browser::start().await.expect("start Chromium") else { return };
    let firefox = match Firefox::start().await.expect("start Firefox") {
        Some(firefox) => firefox,
        None if is_ci() => panic!("Firefox is missing (CI=true: a missing browser is a failure)"),
        None => {
            chromium.quit().await.expect("quit Chromium");
            return;
        }
    };
    let script = redirect_server::start().await;
    let page = format!("{}/page", script.origin("A"));
    let engines = [Engine::Chromium(&chromium), Engine::Firefox(&firefox)];
    for engine in &engines {
        engine.goto(&page).await.expect("open the page");
        // The browser's cookie jar: one cookie for the host localhost (the page's, A, and D's).
        engine.js("document.cookie = 'a_page=1; path=/'").await.expect("set the page's cookie");
        engine_lines(engine).await.expect("read the console");
    }
    let mut problems = Vec::new();
    let mut tally = Tally::default();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or_default();
        for engine in &engines {
            let name = engine.name().to_lowercase();
            let browser = match run_in_browser(engine, &script, case).await {
                Ok(run) => run,
                Err(e) => {
                    problems.push(format!("{id} in {}: {e}", engine.name()));
                    continue;
                }
            };
            let check = match run_check(&script, case, &name).await {
                Ok(run) => run,
                Err(e) => {
                    problems.push(format!("{id}, check --engine {name}: {e}"));
                    continue;
                }
            };
            let found = compare(engine.name(), &browser, &check, &mut tally);
            let verdict = if browser.resolved { "read it" } else { "blocked it" };
            eprintln!(
                "redirect case {id} in {}: {verdict}; check {}",
                engine.name(),
                if found.is_empty() { "agrees".to_owned() } else { format!("differs ({})", found.len()) }
            );
            if !found.is_empty() {
                problems.push(format!(
                    "{id} ({}) in {}:\n  {}",
                    case["what"].as_str().unwrap_or_default(),
                    engine.name(),
                    found.join("\n  ")
                ));
            }
        }
    }
    firefox.quit().await.expect("quit Firefox");
    chromium.quit().await.expect("quit Chromium");
    let summary = tally.summary(cases.len());
    eprintln!("{summary}");
    assert!(problems.is_empty(), "{summary}\n{} difference(s):\n\n{}", problems.len(), problems.join("\n\n"));
}

/// Runs the case's `fetch()` from the page in `engine`; keeps its outcome, lines and requests.
async fn run_in_browser(engine: &Engine<'_>, script: &Script, case: &Value) -> Result<BrowserRun, String> {
    let id = run_id(case, &engine.name().to_lowercase());
    let url = script.fill(case["url"].as_str().unwrap_or_default(), &id);
    let init = script.fill(case["init_js"].as_str().unwrap_or("{}"), &id);
    engine_lines(engine).await?; // what came before is out of the way
    let mark = script.mark();
    let js = engine
        .js(&format!(
            "fetch({}, {init}).then((r) => ({{ resolved: true, status: r.status, type: r.type }}), (e) => ({{ resolved: false, error: String(e) }}))",
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
        requests: script.received_since(mark, &id),
        js,
        lines,
    })
}

/// The first path segment of one engine's run of a case, and of `check`'s run for that engine: one URL for both.
fn run_id(case: &Value, engine: &str) -> String {
    format!("{}~{engine}", case["id"].as_str().unwrap_or_default())
}

/// Every line the engine itself printed since the last call (Chromium: its `javascript` and `network`
/// entries, the CORS line and "Failed to load resource: …"; Firefox: its `javascript` entries), once a
/// marker the page logged after them has come back.
async fn engine_lines(engine: &Engine<'_>) -> Result<Vec<String>, String> {
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

/// Runs `cors-sandbox check` for the case as the page at A would send it, for `engine`.
async fn run_check(script: &Script, case: &Value, engine: &str) -> Result<CheckRun, String> {
    let id = run_id(case, engine);
    let url = script.fill(case["url"].as_str().unwrap_or_default(), &id);
    let mark = script.mark();
    let args: Vec<String> = case["check_args"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|a| script.fill(a, &id))
        .collect();
    let origin = script.origin("A").to_owned();
    let engine = engine.to_owned();
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
    Ok(CheckRun { code, out, requests: script.received_since(mark, &id) })
}

/// How often `check` agreed, over every case and engine compared.
#[derive(Default)]
struct Tally {
    runs: usize,
    verdicts: usize,
    lines: usize,
    requests: usize,
    /// Request sequences equal but for `Accept` (which `check` has never sent): progress on the rest.
    requests_but_accept: usize,
}

impl Tally {
    fn summary(&self, cases: usize) -> String {
        format!(
            "redirect cases: {cases} in Chromium and Firefox ({} runs); check agreed on {} verdicts, {} console-line lists, {} request sequences ({} but for Accept)",
            self.runs, self.verdicts, self.lines, self.requests, self.requests_but_accept
        )
    }
}

/// Every difference between what the engine did and what `check` did, each one sentence.
fn compare(engine: &str, browser: &BrowserRun, check: &CheckRun, tally: &mut Tally) -> Vec<String> {
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
