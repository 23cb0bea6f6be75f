//! The lab's scenarios in WebKit — WebKitGTK's MiniBrowser, the engine of Safari — asserting each verdict
//! and every WebKit console line the model predicts.
//!
//! Why this route: MiniBrowser started directly with `--enable-write-console-messages-to-stdout=true`
//! prints the page's console, WebKit's own CORS lines among them, as they happen — on its standard
//! *error*, despite the flag's name (measured: standard output stays empty).
//! Started by `WebKitWebDriver` it does not (measured: nothing reached either process's output), and
//! WebKitGTK 2.50's driver has no WebDriver BiDi (`webSocketUrl: true` fails to match). So MiniBrowser
//! drives itself: it opens a runner page that asks this test for each scenario in turn (`GET /next`; the
//! test sets the scenario's policy before it answers), runs it through the lab's own `sandbox.send()`
//! (`static/sandbox-api.js`, unchanged) and prints a marker before and after.
//!
//! The runner page is served on `http://[::1]:<the sandbox's client port>`: a name and port the sandbox
//! answers to, so that its control API takes the page's reports (which this server passes on with the
//! same `Host`) and judges them from the page's real origin. The sandbox listens on 127.0.0.1 only, so
//! `[::1]` is free for this server.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::check;
use crate::harness::{is_executable, missing};
use crate::lab::{self, SCENARIOS};
use crate::sandbox::SandboxProcess;

pub(crate) const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
pub(crate) const XVFB_RUN: &str = "/usr/bin/xvfb-run";

/// A scenario waiting to run: its index, its policy (page origin filled in), its path and its init.
type Queued = (usize, String, &'static str, &'static str);

/// What the runner server shares with the test.
#[derive(Clone)]
struct Runner {
    /// The scenarios not yet run: `(index, policy, path, init)`.
    queue: Arc<Mutex<VecDeque<Queued>>>,
    /// The sandbox's client site, e.g. `http://127.0.0.1:41234`, and the `Host` the page uses.
    site: String,
    host: String,
    http: reqwest::Client,
    sandbox_api_js: Bytes,
    api_origin: String,
    /// `cors-sandbox check`'s cases (tests/browser/check.rs), as `[{index, url, init}]` for the page.
    check_cases: Value,
}

/// Runs every lab scenario in WebKit; returns (scenarios, agreements) and each failure. `Ok(None)` when
/// WebKit is not installed (a notice is printed; with `CI=true` that is an error instead).
pub async fn run_all(sandbox: &SandboxProcess) -> Result<Option<(usize, usize, Vec<String>)>, String> {
    if !is_executable(std::path::Path::new(MINIBROWSER)) || !is_executable(std::path::Path::new(XVFB_RUN)) {
        missing(
            &format!("WebKit ({MINIBROWSER} and {XVFB_RUN})"),
            "apt-get install -y webkit2gtk-driver xvfb",
        )?;
        return Ok(None);
    }
    let port: u16 = sandbox.site.rsplit(':').next().and_then(|p| p.parse().ok()).ok_or("no client port")?;
    let page_origin = format!("http://[::1]:{port}");
    let http = reqwest::Client::new();
    let sandbox_api_js = http
        .get(format!("{}/static/sandbox-api.js", sandbox.site))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    let queue = SCENARIOS
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.policy.replace("{origin}", &page_origin), s.path, s.init))
        .collect();
    // `cors-sandbox check`'s cases, against a server the sandbox does not control, on another origin.
    let (fixed_port, _seen) = check::fixed_server::server().await;
    let check_url = |path: &str, what: &str| {
        format!("http://127.0.0.1:{fixed_port}{path}?case={}", what.replace(' ', "-"))
    };
    let check_cases: Vec<Value> = check::CASES
        .iter()
        .enumerate()
        .map(|(index, (what, path, init, _))| json!({ "index": index, "url": check_url(path, what), "init": init }))
        .collect();
    let runner = Runner {
        check_cases: Value::Array(check_cases),
        queue: Arc::new(Mutex::new(queue)),
        site: format!("http://127.0.0.1:{port}"),
        host: format!("[::1]:{port}"),
        http,
        sandbox_api_js,
        api_origin: sandbox.api_url.trim_end_matches("/api").to_owned(),
    };
    let listener = tokio::net::TcpListener::bind(("::1", port))
        .await
        .map_err(|e| format!("the WebKit runner could not listen on [::1]:{port}: {e}"))?;
    let app = Router::new()
        .route("/runner", get(runner_page))
        .route("/static/sandbox-api.js", get(sandbox_api))
        .route("/static/views.js", get(pass_on))
        .route("/static/page.js", get(pass_on))
        .route("/next", get(next))
        .route(
            "/check-cases",
            get(|State(runner): State<Runner>| async move { axum::Json(runner.check_cases) }),
        )
        .route("/sandbox/attempts", post(pass_on))
        .route("/sandbox/log", get(pass_on))
        .with_state(runner.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut browser = MiniBrowser::start(&format!("{page_origin}/runner"))?;
    let lines = browser.wait_for_end(Duration::from_secs(600)).await;
    browser.stop();
    server.abort();
    let lines = lines?;
    let (scenarios, agreements, mut problems) = judge(&lines);
    // The page's "why" view, run in WebKit, shows WebKit's lines first, and says what they are.
    let view =
        lines.iter().find_map(|l| l.split_once("CONSOLE LOG WK-VIEW ").map(|(_, json)| json.to_owned()));
    let view: Vec<String> = view.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default();
    let first = view.iter().position(|text| text.ends_with("in the console (F12, Console tab):"));
    match first {
        Some(at)
            if view[at].starts_with("WebKit (Safari's engine) prints")
                && view.iter().any(|t| t.contains("WebKitGTK")) => {}
        _ => problems.push(format!("the why view in WebKit does not show WebKit's lines first: {view:?}")),
    }
    problems.extend(check_agrees(&lines, &page_origin, check_url).await?);
    Ok(Some((scenarios, agreements, problems)))
}

/// `cors-sandbox check` against what WebKit did with the same requests: verdict, exit status and
/// `webkit_message` (WebKit's first console line) equal, case by case.
async fn check_agrees(
    lines: &[String],
    page_origin: &str,
    check_url: impl Fn(&str, &str) -> String,
) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for (index, (what, path, _, args)) in check::CASES.iter().enumerate() {
        let begin = format!("CONSOLE LOG WK-CHECK-BEGIN {index} ");
        let result = format!("CONSOLE LOG WK-CHECK-RESULT {index} ");
        let Some(start) = lines.iter().position(|l| l.contains(&begin)) else {
            problems.push(format!("check, {what}: WebKit never ran it"));
            continue;
        };
        let Some(end) = lines[start..].iter().position(|l| l.contains(&result)).map(|e| start + e) else {
            problems.push(format!("check, {what}: no result in WebKit"));
            continue;
        };
        let resolved = lines[end].ends_with(" resolved");
        let first_line = lines[start + 1..end].iter().find_map(|l| engine_line(l)).map(str::to_owned);
        let (url, origin, args) = (check_url(path, what), page_origin.to_owned(), *args);
        let (code, out) = tokio::task::spawn_blocking(move || check::run_check(&url, &origin, args))
            .await
            .map_err(|e| e.to_string())??;
        let predicted = out["webkit_message"].as_str().map(str::to_owned);
        let engine_line = if resolved { None } else { first_line };
        if code != if resolved { 0 } else { 1 }
            || out["allowed"] != json!(resolved)
            || predicted != engine_line
        {
            problems.push(format!(
                "check, {what}: WebKit {} ({engine_line:?}); check exited {code} with {predicted:?}",
                if resolved { "let the page read it" } else { "blocked it" }
            ));
        }
    }
    Ok(problems)
}

/// The message of a line WebKit itself printed about a request (an error or a security warning, not the page's
/// own `console.log`): `CONSOLE <LEVEL> <message>`, where `<LEVEL>` is `SECURITY ERROR`, `SECURITY WARN` or
/// `JS ERROR` — with or without the place in a script WebKit ties it to first
/// (`http://[::1]:4000/static/sandbox-api.js:75:22: CONSOLE JS ERROR …`). The refusals made inside the
/// `fetch()` call itself carry that place (docs/console-messages.md §5.1): a reader of lines *starting* with
/// `CONSOLE` missed them, and once reported that WebKit said nothing for `mode: 'same-origin'` and no-cors
/// with `redirect: 'manual'`.
pub(crate) fn engine_line(line: &str) -> Option<&str> {
    let console = match line.strip_prefix("CONSOLE ") {
        Some(rest) => rest,
        // `<url>:<line>:<column>: CONSOLE …`: the place is a URL, so it is found by its last `: CONSOLE `.
        None => line.rsplit_once(": CONSOLE ").filter(|(place, _)| is_script_place(place))?.1,
    };
    ["SECURITY ERROR ", "SECURITY WARN ", "JS ERROR "].iter().find_map(|level| console.strip_prefix(level))
}

/// `<url>:<line>:<column>`, as WebKit names a place in a script.
fn is_script_place(place: &str) -> bool {
    let mut parts = place.rsplitn(3, ':');
    let number =
        |part: Option<&str>| part.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    number(parts.next()) && number(parts.next()) && parts.next().is_some_and(|url| url.contains("://"))
}

/// One scenario's lines, between its markers, and its result.
fn judge(lines: &[String]) -> (usize, usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut agreements = 0;
    for (index, scenario) in SCENARIOS.iter().enumerate() {
        let begin = format!("CONSOLE LOG WK-BEGIN {index} ");
        let result = format!("CONSOLE LOG WK-RESULT {index} ");
        let Some(start) = lines.iter().position(|l| l.contains(&begin)) else {
            problems.push(format!("{}: WebKit never ran it", scenario.name));
            continue;
        };
        let Some(end) = lines[start..].iter().position(|l| l.contains(&result)).map(|e| start + e) else {
            problems.push(format!("{}: no result", scenario.name));
            continue;
        };
        let printed: Vec<String> =
            lines[start + 1..end].iter().filter_map(|l| engine_line(l)).map(str::to_owned).collect();
        let json = lines[end].split_once(&result).map_or("null", |(_, json)| json);
        let result: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        let mut wrong = lab::engine_neutral_problems(&result, scenario);
        // Where Chromium says "Failed to fetch" (a CORS or network failure, not a TypeError from the
        // Request constructor, whose wording each engine has its own), WebKit says "Load failed".
        let js_error = result["js"]["error"].as_str();
        if result["verdict"]["js_error"] == json!("TypeError: Failed to fetch")
            && js_error != Some("TypeError: Load failed")
        {
            wrong.push(format!("JavaScript got {js_error:?}, not TypeError: Load failed"));
        }
        let predicted: Vec<String> = result["verdict"]["webkit_messages"]
            .as_array()
            .map(|lines| lines.iter().filter_map(|l| l.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        if predicted != printed {
            wrong.push(format!("WebKit printed {printed:#?}\n  the model predicted {predicted:#?}"));
        }
        if wrong.is_empty() {
            agreements += 1;
        } else {
            problems.push(format!("{} (WebKit): {}", scenario.name, wrong.join("; ")));
        }
    }
    (SCENARIOS.len(), agreements, problems)
}

/// The page MiniBrowser opens: it runs each scenario the test hands it through the lab's `send()`.
async fn runner_page(State(runner): State<Runner>) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>WebKit runner</title></head>
<body data-api-origin="{api}"><p>The sandbox's lab scenarios, one after another.</p>
<script type="module">
import {{ send }} from '/static/sandbox-api.js';
import {{ whyView }} from '/static/views.js';
let blocked = null;
for (;;) {{
  const scenario = await (await fetch('/next')).json();
  if (!scenario) break;
  const init = Function(`return (${{scenario.init}});`)();
  console.log(`WK-BEGIN ${{scenario.index}} `);
  let result;
  try {{ result = await send(scenario.path, init); }} catch (err) {{ result = {{ error: String(err) }}; }}
  console.log(`WK-RESULT ${{scenario.index}} ${{JSON.stringify(result)}}`);
  if (result.verdict && result.verdict.allowed === false && result.verdict.webkit_messages?.length) blocked = result;
}}
// `cors-sandbox check`'s cases: plain fetches to a server with fixed answers, on another origin.
for (const c of await (await fetch('/check-cases')).json()) {{
  console.log(`WK-CHECK-BEGIN ${{c.index}} `);
  let outcome;
  try {{ await fetch(c.url, Function(`return (${{c.init}});`)()); outcome = 'resolved'; }} catch (err) {{ outcome = String(err); }}
  console.log(`WK-CHECK-RESULT ${{c.index}} ${{outcome}}`);
}}
// The page's own "why" view, in this engine: WebKit's lines come first.
const view = blocked ? whyView(blocked.verdict, blocked.js) : [];
console.log(`WK-VIEW ${{JSON.stringify(view.map((node) => node.textContent))}}`);
console.log('WK-END');
</script></body></html>"#,
        api = runner.api_origin
    ))
}

async fn sandbox_api(State(runner): State<Runner>) -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], runner.sandbox_api_js.clone())
        .into_response()
}

/// The next scenario, with its policy set first; `null` when all have run.
async fn next(State(runner): State<Runner>) -> Response {
    let next = runner.queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
    let Some((index, policy, path, init)) = next else { return axum::Json(Value::Null).into_response() };
    let set = runner
        .http
        .put(format!("{}/sandbox/policy", runner.site))
        .header(header::HOST, &runner.host)
        .header(header::CONTENT_TYPE, "application/json")
        .body(policy)
        .send()
        .await;
    if !set.is_ok_and(|r| r.status().is_success()) {
        return (StatusCode::BAD_GATEWAY, "the policy was refused").into_response();
    }
    axum::Json(json!({ "index": index, "path": path, "init": init })).into_response()
}

/// Passes a report or a log read on to the sandbox with the page's `Host` (and no `Origin`, as a
/// script's request has none).
async fn pass_on(State(runner): State<Runner>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
    let mut forward = runner
        .http
        .request(parts.method, format!("{}{path}", runner.site))
        .header(header::HOST, &runner.host)
        .body(body);
    if let Some(content_type) = content_type {
        forward = forward.header(header::CONTENT_TYPE, content_type);
    }
    match forward.send().await {
        Ok(answer) => {
            let status = answer.status();
            let mut headers = HeaderMap::new();
            if let Some(t) = answer.headers().get(header::CONTENT_TYPE) {
                headers.insert(header::CONTENT_TYPE, t.clone());
            }
            let bytes = answer.bytes().await.unwrap_or_default();
            (status, headers, bytes).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// MiniBrowser under `xvfb-run`, its console (standard error) read line by line.
pub(crate) struct MiniBrowser {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl MiniBrowser {
    pub(crate) fn start(url: &str) -> Result<MiniBrowser, String> {
        let mut command = Command::new(XVFB_RUN);
        command
            .args(["-a", MINIBROWSER, "--enable-write-console-messages-to-stdout=true", url])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Its own process group, so that stopping it ends Xvfb and WebKit's helper processes too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|e| format!("starting MiniBrowser: {e}"))?;
        let console = child.stderr.take().ok_or("no stderr")?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(console).lines().map_while(Result::ok) {
                sink.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        Ok(MiniBrowser { child, lines })
    }

    /// Every line printed, once the runner said `WK-END` (or the time is up: an error).
    pub(crate) async fn wait_for_end(&mut self, within: Duration) -> Result<Vec<String>, String> {
        let deadline = Instant::now() + within;
        loop {
            {
                let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
                if lines.iter().any(|l| l.contains("CONSOLE LOG WK-END")) {
                    return Ok(lines.clone());
                }
                if Instant::now() >= deadline {
                    let tail: Vec<&String> = lines.iter().rev().take(10).collect();
                    return Err(format!(
                        "WebKit's runner did not finish in {within:?}; its last lines: {tail:?}"
                    ));
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("MiniBrowser exited early ({status})"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) fn stop(&mut self) {
        // SAFETY: kill only sends a signal to the process group this struct started.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Drop for MiniBrowser {
    fn drop(&mut self) {
        // SAFETY: as in `stop`.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::engine_line;

    #[test]
    fn lines_with_and_without_a_place_in_a_script_are_read() {
        let cases = [
            (
                "CONSOLE SECURITY ERROR Origin http://[::1]:1 is not allowed",
                Some("Origin http://[::1]:1 is not allowed"),
            ),
            (
                "http://[::1]:4000/static/sandbox-api.js:75:22: CONSOLE JS ERROR Fetch API cannot load http://localhost:8000/api.",
                Some("Fetch API cannot load http://localhost:8000/api."),
            ),
            (
                "https://127.0.0.1:18443/page:10:42: CONSOLE SECURITY WARN [blocked] The page at https://127.0.0.1:18443/page requested",
                Some("[blocked] The page at https://127.0.0.1:18443/page requested"),
            ),
            ("CONSOLE LOG WK-BEGIN 3 ", None),
            ("http://[::1]:4000/runner:9:11: CONSOLE LOG WK-RESULT 3 {}", None),
            ("not a console line: CONSOLE JS ERROR x", None),
        ];
        for (line, message) in cases {
            assert_eq!(engine_line(line), message, "{line}");
        }
    }
}
