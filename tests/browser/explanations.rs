//! Explanations that match what happened, seen as a first-time user sees them in the lab and the
//! tutorial: each case fails if the page says something the browser did not do.

use serde_json::json;

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

/// The lab's result area, as text.
async fn lab_result(browser: &Browser) -> Result<String, String> {
    browser.text("#lab-result").await
}

/// A method fetch() refuses (`FOO BAR`) never leaves the browser: the timeline says so, not "a simple
/// request".
pub async fn a_never_sent_request_is_drawn_as_never_sent(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    browser.lab_send("{ path: '/api', method: 'FOO BAR', headers: '', body: 'none' }").await?;
    let shown = lab_result(browser).await?;
    if !shown.contains("Never sent") || shown.contains("a simple request") {
        return Err(format!("the lab drew a request that was never sent as: {shown}"));
    }
    Ok(())
}

/// A header the browser will not let a page set (`Origin`) is not dropped in silence: the page says so.
pub async fn a_dropped_header_is_said(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    browser
        .lab_send("{ path: '/api', method: 'GET', headers: 'Origin: https://evil.example', body: 'none' }")
        .await?;
    let shown = lab_result(browser).await?;
    if !shown.contains("was dropped without a word") {
        return Err(format!("nothing says the Origin header was dropped: {shown}"));
    }
    Ok(())
}

/// A header value fetch() refuses (a line break) makes `sandbox.send` resolve with what JavaScript got,
/// the TypeError, rather than reject.
pub async fn a_bad_header_value_resolves_with_the_error(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    let result = browser
        .eval("return sandbox.send('/api', { headers: { 'X-A': 'a\\nb' } }).then((r) => r.js, (e) => ({ rejected: String(e) }));")
        .await?;
    let error = result["error"].as_str().unwrap_or("");
    if !error.starts_with("TypeError") || result.get("rejected").is_some() {
        return Err(format!("sandbox.send gave {result}"));
    }
    Ok(())
}

/// The cache trap (docs/lessons.md §9): the address bar stores an answer without Allow-Origin, and the
/// lab's default-cache fetch reuses it. The view says the HTTP cache answered — never "network error", not
/// even in the folded list of checks — and predicts the line Chromium printed, from the answer the cache
/// stored (the API's log holds it).
pub async fn a_cache_hit_is_said_as_one(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.eval("return sandbox.replacePolicy({}).then(() => true);").await?;
    let path = "/api/cacheable?for=explanations";
    browser.goto(&sandbox.api_url.replace("/api", path)).await?;
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    browser.clear_console().await?;
    let fields = json!({ "path": path, "method": "GET", "headers": "", "body": "none", "cache": "default" });
    browser.lab_send(&fields.to_string()).await?;
    // Every word of the result, the folded checks included.
    let shown = browser.eval("return document.querySelector('#lab-result').textContent;").await?;
    let shown = shown.as_str().unwrap_or_default();
    if !shown.contains("answered from its HTTP cache")
        || shown.contains("server down")
        || shown.contains("network error")
    {
        return Err(format!("the cache hit is explained as: {shown}"));
    }
    let printed = crate::cors_lines(browser).await?;
    let predicted = browser
        .eval("return [...document.querySelectorAll('#lab-result pre.console')].map((p) => p.textContent);")
        .await?;
    let [line] = printed.as_slice() else { return Err(format!("Chromium printed {printed:?}")) };
    if !line.ends_with("No 'Access-Control-Allow-Origin' header is present on the requested resource.")
        || predicted.get(0) != Some(&json!(line))
    {
        return Err(format!("Chromium printed {line:?}; the lab predicted {predicted}"));
    }
    Ok(())
}

/// The tutorial opened as http://127.0.0.1:PORT: its radios show the policy in force and its own origin,
/// and choosing that origin lets the page read Hello.
pub async fn the_tutorial_on_127_0_0_1(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    sandbox.patch_policy(json!({ "allow_origin": "https://yoursite.com" })).await?;
    let other = sandbox.site.replace("localhost", "127.0.0.1");
    browser.goto(&format!("{other}/")).await?;
    browser.find("#send").await?;
    let checked = browser
        .eval("return document.querySelector('input[name=\"allow-origin\"]:checked')?.value ?? null;")
        .await?;
    if checked != json!("https://yoursite.com") {
        return Err(format!("opened on 127.0.0.1, the checked radio is {checked}"));
    }
    let step4 = browser.text("[data-step=\"4\"]").await?;
    if !step4.contains(&other) {
        return Err(format!("step 4 does not name this page's origin {other}: {step4}"));
    }
    browser.click(&format!("input[name=\"allow-origin\"][value=\"{other}\"]")).await?;
    browser
        .wait_for_text("#header-line", std::time::Duration::from_secs(10), |t| t.ends_with(&other))
        .await?;
    browser.click("#send").await?;
    browser.wait_for_text("#js-result", std::time::Duration::from_secs(10), |t| t.contains("Hello")).await?;
    Ok(())
}
