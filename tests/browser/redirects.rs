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

use serde_json::{Value, json};

#[path = "../support/redirect_server.rs"]
#[allow(dead_code)] // shared with tests/api/engine_requests.rs, which also asks it offline
pub(crate) mod redirect_server;

use crate::attacker::Engine;
use crate::compare::{self, BrowserRun, CheckRun, Recorder, Tally};
use redirect_server::{Received, Script};

impl Recorder for Script {
    fn mark(&self) -> usize {
        Script::mark(self)
    }

    fn received_since(&self, mark: usize, id: &str) -> Vec<Received> {
        Script::received_since(self, mark, id)
    }
}

/// The cases `REDIRECT_CASES` names (every comparable one when it is unset): exact ids, or prefixes ending
/// in `*`, separated by commas.
fn chosen_cases(fixture: &Value) -> Vec<Value> {
    let named = compare::chosen_by("REDIRECT_CASES");
    fixture["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["compare_with_check"] == json!(true) && named(c["id"].as_str().unwrap_or_default()))
        .cloned()
        .collect()
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
    let Some((chromium, firefox)) = compare::start_both().await else { return };
    let script = redirect_server::start().await;
    let page = format!("{}/page", script.origin("A"));
    let engines = [Engine::Chromium(&chromium), Engine::Firefox(&firefox)];
    compare::open_page(&engines, &page).await;
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
            let found = compare::compare(engine.name(), &browser, &check, &mut tally);
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
    let summary = tally.summary(&format!("redirect cases: {}", cases.len()));
    eprintln!("{summary}");
    assert!(problems.is_empty(), "{summary}\n{} difference(s):\n\n{}", problems.len(), problems.join("\n\n"));
}

/// Runs the case's `fetch()` from the page in `engine`; keeps its outcome, lines and requests.
async fn run_in_browser(engine: &Engine<'_>, script: &Script, case: &Value) -> Result<BrowserRun, String> {
    let id = run_id(case, &engine.name().to_lowercase());
    let url = script.fill(case["url"].as_str().unwrap_or_default(), &id);
    let init = script.fill(case["init_js"].as_str().unwrap_or("{}"), &id);
    compare::run_in_browser(engine, script, &url, &init, &id).await
}

/// The first path segment of one engine's run of a case, and of `check`'s run for that engine: one URL for both.
fn run_id(case: &Value, engine: &str) -> String {
    format!("{}~{engine}", case["id"].as_str().unwrap_or_default())
}

/// Runs `cors-sandbox check` for the case as the page at A would send it, for `engine`.
async fn run_check(script: &Script, case: &Value, engine: &str) -> Result<CheckRun, String> {
    let id = run_id(case, engine);
    let url = script.fill(case["url"].as_str().unwrap_or_default(), &id);
    let args: Vec<String> = case["check_args"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|a| script.fill(a, &id))
        .collect();
    compare::run_check(script, &url, script.origin("A"), engine, args, &id).await
}
