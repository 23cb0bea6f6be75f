//! The Local Network Access lesson walked in the three engines, each with a sandbox and a browser of its own
//! (each test runs alone: `cargo test --test browser local_network_access_in_chromium`):
//!
//! - **Chromium**: the page (`/local-network`, served with `Content-Security-Policy: treat-as-public-address`)
//!   presses its button; headless Chromium cannot ask, so it refuses with its line, and the page's views say
//!   nothing reached the API; with `loopback-network` granted (DevTools' `Browser.setPermission`, for the page's
//!   origin) the answer arrives. The lesson ticks both parts.
//! - **Firefox**, with the pref `network.lna.address_space.public.override` naming the page's address in its
//!   profile (it ignores the header) and the permission set over BiDi, `denied` then `granted` (never left at
//!   `prompt`: headless, the fetch would wait for ever): its one "did not succeed" line, then the answer.
//! - **WebKit**: no Local Network Access, so an ordinary CORS request: read under `*`, blocked with WebKit's
//!   two lines under the article's policy; the page says why nothing was gated.

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};

use crate::firefox::Firefox;
use crate::firefox_lab::is_cors_line;
use crate::harness::{Browser, is_executable};
use crate::sandbox::SandboxProcess;
use crate::webkit::{MINIBROWSER, MiniBrowser, XVFB_RUN, engine_line};

const WAIT: Duration = Duration::from_secs(10);

/// Chromium's refusal reason for a loopback target (docs/local-network-access.md).
const DENIED: &str = "Permission was denied for this request to access the `loopback` address space.";

/// Puts in force the policy `policy` (a whole one).
async fn put_policy(sandbox: &SandboxProcess, policy: Value) -> Result<(), String> {
    let answer = reqwest::Client::new()
        .put(format!("{}/sandbox/policy", sandbox.site))
        .json(&policy)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("PUT policy answered {}", answer.status()))
    }
}

/// The lesson's parts the sandbox has seen.
async fn parts_seen(sandbox: &SandboxProcess) -> Result<Vec<bool>, String> {
    let lessons: Value = reqwest::get(format!("{}/sandbox/lessons", sandbox.site))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let lesson = lessons["lessons"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["id"] == "local-network-access"))
        .ok_or("no Local Network Access lesson")?;
    Ok(lesson["parts"].as_array().into_iter().flatten().map(|p| p["seen"] == json!(true)).collect())
}

/// The page is served with the header that makes it public, not a `<meta>`.
async fn served_public(url: &str) -> Result<(), String> {
    let page = reqwest::get(url).await.map_err(|e| e.to_string())?;
    let csp = page.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok());
    if csp != Some("treat-as-public-address") {
        return Err(format!("{url} came with Content-Security-Policy {csp:?}"));
    }
    Ok(())
}

/// Chromium: refused (headless cannot ask), then granted and read.
pub async fn in_chromium() -> Result<(), String> {
    let Some(browser) = Browser::start().await? else { return Ok(()) };
    let sandbox = SandboxProcess::start().await;
    let outcome = chromium_walk(&browser, &sandbox).await;
    browser.quit().await?;
    outcome
}

/// Presses the page's button in Chromium and waits for the three views; returns JavaScript's line.
async fn press(browser: &Browser) -> Result<String, String> {
    browser.eval("document.querySelector('#lna-js').replaceChildren(); return true;").await?;
    browser.click("#lna-try").await?;
    let js = browser.wait_for_text("#lna-js p", WAIT, |t| !t.is_empty() && t != "…").await?;
    browser.wait_for_text("#lna-why", WAIT, |t| !t.is_empty() && t != "…").await?;
    Ok(js)
}

async fn chromium_walk(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    let page = format!("{}/local-network", sandbox.site);
    served_public(&page).await?;
    put_policy(sandbox, json!({ "allow_origin": "*" })).await?;
    browser.goto(&page).await?;
    browser.find("#lna-try").await?;
    browser.clear_console().await?;

    // Refused: nobody can answer in a headless browser.
    let js = press(browser).await?;
    if js != "TypeError: Failed to fetch" {
        return Err(format!("refused: JavaScript got {js:?}"));
    }
    let printed = crate::cors_lines(browser).await?;
    let predicted = browser.text("#lna-why pre.console").await?;
    let [line] = printed.as_slice() else { return Err(format!("Chromium printed {printed:?}")) };
    let start = format!("Access to fetch at '{}?trace=", sandbox.api_url);
    if !line.starts_with(&start) || !line.ends_with(&format!("blocked by CORS policy: {DENIED}")) {
        return Err(format!("Chromium's line: {line}"));
    }
    println!("Chromium, refused: {line}");
    if &predicted != line {
        return Err(format!("the page predicted {predicted:?}, Chromium printed {line:?}"));
    }
    let api = browser.text("#lna-api").await?;
    if !api.contains("Nothing reached the API") || !api.contains("refused before sending") {
        return Err(format!("the API's view after a refusal: {api}"));
    }
    let permission = browser.text("#lna-permission").await?;
    if !permission.ends_with("says: denied.") {
        return Err(format!("after a headless refusal the page says {permission:?}"));
    }
    if parts_seen(sandbox).await? != [true, false] {
        return Err(format!("after the refusal the lesson shows {:?}", parts_seen(sandbox).await?));
    }

    // Allowed: the permission granted for the page's origin, as the bubble's "Allow" would.
    let grant = json!({
        "permission": { "name": "loopback-network" }, "setting": "granted", "origin": sandbox.site,
    });
    browser.cdp("Browser.setPermission", grant).await?;
    browser.clear_console().await?;
    let js = press(browser).await?;
    if js != "Response 200 (cors)" {
        return Err(format!("granted: JavaScript got {js:?}"));
    }
    let printed = crate::cors_lines(browser).await?;
    if !printed.is_empty() {
        return Err(format!("granted, Chromium still printed {printed:?}"));
    }
    let api = browser.text("#lna-api").await?;
    let why = browser.text("#lna-why").await?;
    if !api.contains("GET /api") || !why.contains("it is granted") {
        return Err(format!("granted: the API's view {api:?}, the why view {why:?}"));
    }
    if parts_seen(sandbox).await? != [true, true] {
        return Err(format!("after the grant the lesson shows {:?}", parts_seen(sandbox).await?));
    }
    Ok(())
}

/// Firefox with the pref that makes the page public: denied, then granted.
pub async fn in_firefox() -> Result<(), String> {
    let sandbox = SandboxProcess::start().await;
    // Firefox names a server by the address it connects to and its port; the sandbox listens on 127.0.0.1.
    let site = sandbox.site.replace("localhost", "127.0.0.1");
    let address = site.trim_start_matches("http://");
    let pref = format!("user_pref(\"network.lna.address_space.public.override\", \"{address}\");\n");
    let Some(firefox) = Firefox::start_with_prefs(&pref).await? else { return Ok(()) };
    let outcome = firefox_walk(&firefox, &sandbox, &site).await;
    firefox.quit().await?;
    outcome
}

/// Presses the page's button in Firefox and returns the three views' text.
async fn press_in_firefox(firefox: &Firefox) -> Result<Value, String> {
    firefox
        .eval(
            "(async () => {
               document.querySelector('#lna-why').replaceChildren();
               document.querySelector('#lna-try').click();
               for (let i = 0; i < 400; i++) {
                 const why = document.querySelector('#lna-why');
                 if (why.textContent && why.textContent !== '…') {
                   return {
                     js: document.querySelector('#lna-js p').textContent,
                     api: document.querySelector('#lna-api').textContent,
                     first: why.querySelector('pre.console')?.textContent ?? null,
                     why: why.textContent,
                   };
                 }
                 await new Promise((resolve) => setTimeout(resolve, 25));
               }
               return null;
             })()",
        )
        .await
}

async fn firefox_walk(firefox: &Firefox, sandbox: &SandboxProcess, site: &str) -> Result<(), String> {
    put_policy(sandbox, json!({ "allow_origin": "*" })).await?;
    let set =
        |state: &str| json!({ "descriptor": { "name": "loopback-network" }, "state": state, "origin": site });
    // Never left at prompt: a headless Firefox would wait for an answer for ever.
    firefox.command("permissions.setPermission", set("denied")).await?;
    firefox.goto(&format!("{site}/local-network")).await?;
    firefox.engine_lines().await?;
    firefox.clear_console();
    let shown = press_in_firefox(firefox).await?;
    let printed: Vec<String> =
        firefox.engine_lines().await?.into_iter().filter(|l| is_cors_line(l)).collect();
    let [line] = printed.as_slice() else {
        return Err(format!("Firefox printed {printed:?}; the page {shown}"));
    };
    if shown["js"] != json!("TypeError: NetworkError when attempting to fetch resource.")
        || !line.ends_with("(Reason: CORS request did not succeed). Status code: (null).")
        || shown["first"] != json!(line)
        || !shown["api"].as_str().is_some_and(|t| t.contains("Nothing reached the API"))
    {
        return Err(format!("denied in Firefox: printed {line:?}; the page showed {shown}"));
    }
    println!("Firefox, denied: {line}");
    if parts_seen(sandbox).await? != [true, false] {
        return Err(format!("after Firefox's refusal the lesson shows {:?}", parts_seen(sandbox).await?));
    }
    firefox.command("permissions.setPermission", set("granted")).await?;
    firefox.clear_console();
    let shown = press_in_firefox(firefox).await?;
    let printed: Vec<String> =
        firefox.engine_lines().await?.into_iter().filter(|l| is_cors_line(l)).collect();
    if shown["js"] != json!("Response 200 (cors)") || !printed.is_empty() {
        return Err(format!("granted in Firefox: printed {printed:?}; the page showed {shown}"));
    }
    if parts_seen(sandbox).await? != [true, true] {
        return Err(format!("after Firefox's grant the lesson shows {:?}", parts_seen(sandbox).await?));
    }
    Ok(())
}

/// WebKit: the lesson's page, served on `[::1]` (a name the sandbox answers to) with a runner script added,
/// presses its button under `*` and under the article's policy and prints what each view showed.
pub async fn in_webkit() -> Result<(), String> {
    if !is_executable(std::path::Path::new(MINIBROWSER)) || !is_executable(std::path::Path::new(XVFB_RUN)) {
        return crate::missing::missing(
            "WebKit (MiniBrowser and xvfb-run), for the Local Network Access lesson in WebKit,",
            "apt-get install -y webkit2gtk-driver xvfb",
        );
    }
    let sandbox = SandboxProcess::start().await;
    let port: u16 = sandbox.site.rsplit(':').next().and_then(|p| p.parse().ok()).ok_or("no client port")?;
    let proxy = Proxy { site: format!("http://127.0.0.1:{port}"), host: format!("[::1]:{port}") };
    let listener = tokio::net::TcpListener::bind(("::1", port)).await.map_err(|e| e.to_string())?;
    let app =
        Router::new().route("/local-network", get(page_with_runner)).fallback(any(pass_on)).with_state(proxy);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    put_policy(&sandbox, json!({ "allow_origin": "*" })).await?;
    let mut browser = MiniBrowser::start(&format!("http://[::1]:{port}/local-network"))?;
    let lines = browser.wait_for_end(Duration::from_secs(120)).await;
    browser.stop();
    server.abort();
    webkit_lines(&lines?)
}

/// What WebKit printed and showed, each try between its markers.
fn webkit_lines(lines: &[String]) -> Result<(), String> {
    let mut problems = Vec::new();
    for (label, js, lines_wanted) in
        [("allowed", "Response 200 (cors)", 0), ("blocked", "TypeError: Load failed", 2)]
    {
        let begin = lines.iter().position(|l| l.contains(&format!("CONSOLE LOG WK-LNA-BEGIN {label}")));
        let result_marker = format!("CONSOLE LOG WK-LNA-RESULT {label} ");
        let end = lines.iter().position(|l| l.contains(&result_marker));
        let (Some(begin), Some(end)) = (begin, end) else {
            problems.push(format!("{label}: WebKit never ran it; its lines: {lines:?}"));
            continue;
        };
        let printed: Vec<&str> = lines[begin + 1..end].iter().filter_map(|l| engine_line(l)).collect();
        let shown: Value = lines[end]
            .split_once(&result_marker)
            .and_then(|(_, json)| serde_json::from_str(json).ok())
            .unwrap_or(Value::Null);
        let predicted: Vec<&str> =
            shown["lines"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let why = shown["why"].as_str().unwrap_or_default();
        println!("WebKit, {label}: JavaScript got {}; WebKit printed {printed:?}", shown["js"]);
        if shown["js"] != json!(js)
            || printed.len() != lines_wanted
            || printed != predicted
            || !why.contains("WebKit has no Local Network Access")
        {
            problems.push(format!("{label}: WebKit printed {printed:?}; the page showed {shown}"));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// The sandbox's client site, reached as `Host: [::1]:<port>` (so the sandbox judges from that origin).
#[derive(Clone)]
struct Proxy {
    site: String,
    host: String,
}

/// Presses the button under `*`, then under the article's policy, and prints the views.
const RUNNER: &str = r#"<script type="module">
const views = async (label) => {
  console.log(`WK-LNA-BEGIN ${label} `);
  const why = document.querySelector('#lna-why');
  why.replaceChildren();
  document.querySelector('#lna-try').click();
  while (!why.textContent || why.textContent === '…') await new Promise((resolve) => setTimeout(resolve, 25));
  const lines = [...why.querySelectorAll('pre.console')].filter((pre) => !pre.closest('details')).map((pre) => pre.textContent);
  const js = document.querySelector('#lna-js p').textContent;
  console.log(`WK-LNA-RESULT ${label} ${JSON.stringify({ js, lines, why: why.textContent })}`);
};
await views('allowed');
await fetch('/sandbox/policy', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
await views('blocked');
console.log('WK-END');
</script>"#;

/// The sandbox's lesson page, with its own headers, and the runner before `</body>`.
async fn page_with_runner(State(proxy): State<Proxy>) -> Response {
    let got = reqwest::Client::new()
        .get(format!("{}/local-network", proxy.site))
        .header(header::HOST, &proxy.host)
        .send()
        .await;
    let Ok(got) = got else { return (StatusCode::BAD_GATEWAY, "the sandbox did not answer").into_response() };
    let csp = got.headers().get(header::CONTENT_SECURITY_POLICY).cloned();
    let html = got.text().await.unwrap_or_default().replace("</body>", &format!("{RUNNER}</body>"));
    let mut response = axum::response::Html(html).into_response();
    if let Some(csp) = csp {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

/// Everything else (scripts, the report, the policy) goes to the sandbox with the page's `Host`, and no
/// `Origin`, as a script's request has none.
async fn pass_on(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let mut forward = reqwest::Client::new()
        .request(parts.method, format!("{}{path}", proxy.site))
        .header(header::HOST, &proxy.host)
        .body(body);
    if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) {
        forward = forward.header(header::CONTENT_TYPE, content_type);
    }
    match forward.send().await {
        Ok(answer) => {
            let status = answer.status();
            let mut headers = HeaderMap::new();
            if let Some(t) = answer.headers().get(header::CONTENT_TYPE) {
                headers.insert(header::CONTENT_TYPE, t.clone());
            }
            (status, headers, answer.bytes().await.unwrap_or_default()).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// The lesson in headless Chromium: refused, then granted (`cargo test --test browser local_network_access`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_network_access_in_chromium() {
    let _turn = crate::ONE_AT_A_TIME.lock().await;
    in_chromium().await.expect("the lesson in Chromium");
}

/// The lesson in Firefox, made public by its pref: denied, then granted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_network_access_in_firefox() {
    let _turn = crate::ONE_AT_A_TIME.lock().await;
    in_firefox().await.expect("the lesson in Firefox");
}

/// The lesson's page in WebKit, which has no Local Network Access: ordinary CORS, in its words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_network_access_in_webkit() {
    let _turn = crate::ONE_AT_A_TIME.lock().await;
    in_webkit().await.expect("the lesson's page in WebKit");
}
