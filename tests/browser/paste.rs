//! The lab's "Paste a request" box, from the user's side: a request copied with Chromium's "Copy as cURL
//! (bash)" is pasted, the form fills itself and says which of the browser's own headers it dropped, and
//! Send makes the request for real. A copy for another server offers the check command; a shell trick gets
//! a sentence and the page goes on working; axe-core finds nothing to fault in what the box shows.

use serde_json::json;

use crate::WAIT;
use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

/// A recorded copy (tests/fixtures/copied-requests/), moved from the recording's sandbox (the lab on
/// :3000, the API on :8000) to this one.
fn fixture(sandbox: &SandboxProcess, file: &str) -> Result<String, String> {
    let path = format!("{}/tests/fixtures/copied-requests/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    Ok(text
        .replace("http://localhost:8000", sandbox.api_url.trim_end_matches("/api"))
        .replace("http://localhost:3000", &sandbox.site))
}

/// Pastes `text` into the box as the clipboard would (one insertion of the whole text) and presses
/// "Fill the form"; waits for the answer.
async fn paste(browser: &Browser, text: &str) -> Result<String, String> {
    browser
        .eval("const box = document.querySelector('#paste-text'); box.value = ''; box.focus(); document.querySelector('#paste-result').replaceChildren(); return true;")
        .await?;
    browser.cdp("Input.insertText", json!({ "text": text })).await?;
    browser.click("#paste-fill").await?;
    browser.wait_for_text("#paste-result", WAIT, |t| !t.is_empty() && !t.starts_with("Reading")).await
}

pub async fn a_pasted_request_fills_the_form_and_is_sent(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    // The policy a credentialed JSON POST from the lab needs: the exact origin, credentials, its headers.
    sandbox
        .patch_policy(json!({
            "allow_origin": sandbox.site, "allow_credentials": "true",
            "allow_headers": "Content-Type, X-Api-Key", "allow_methods": "POST",
        }))
        .await?;
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    browser.click("#paste-request summary").await?;

    let said = paste(browser, &fixture(sandbox, "chromium/post-json-credentials.curl-bash.txt")?).await?;
    if !said.contains("Filled the form: POST /api/echo")
        || !said.contains("sec-ch-ua")
        || !said.contains("User-Agent")
        || !said.contains("the browser sets itself")
        || !said.contains("Read as Chromium's Copy as cURL (bash)")
    {
        return Err(format!("the box said {said:?}"));
    }
    let form = browser
        .eval(
            "const f = document.querySelector('#request-form').elements;
             return [f.path.value, f.method.value, f.headers.value, f.body.value, f.body_raw.value, f.credentials.value, f.mode.value,
                     getComputedStyle(document.querySelector('.body-raw')).display !== 'none',
                     document.querySelector('#lab-code').textContent];",
        )
        .await?;
    let body = r#"{"hello":"wörld","quote":"it's"}"#;
    let expected = json!([
        "/api/echo",
        "POST",
        "Content-Type: application/json\nX-Api-Key: k1",
        "raw",
        body,
        "include",
        "cors",
        true
    ]);
    if form.as_array().map(|f| &f[..8]) != expected.as_array().map(|e| &e[..]) {
        return Err(format!("the form holds {form}"));
    }
    let code = form[8].as_str().unwrap_or("");
    if !code.contains(r#"body: "{\"hello\":\"wörld\",\"quote\":\"it's\"}""#)
        || !code.contains("credentials: \"include\"")
    {
        return Err(format!("the code shown is {code}"));
    }

    // Send: the request goes as pasted, and the page reads the echo of its body.
    browser.eval("document.querySelector('#lab-result').replaceChildren(); return true;").await?;
    browser.click("#lab-send").await?;
    browser.wait_for_nonempty_text("#lab-result .timeline", WAIT).await?;
    let status = browser.wait_for_nonempty_text("#lab-send-status", WAIT).await?;
    let views = browser.text("#lab-result").await?;
    if !status.starts_with("Read: response 200") || !views.contains("wörld") {
        return Err(format!("after Send: {status:?}; the views: {views}"));
    }

    // Another server: the form stays, the check command is offered.
    let said = paste(browser, &fixture(sandbox, "firefox/other-origin.fetch.js")?).await?;
    let command = browser.text("#paste-result pre code").await?;
    if !said.contains("not to the sandbox's API")
        || !command.starts_with("cors-sandbox check 'http://127.0.0.1:47199/v1/items?id=7' --origin")
    {
        return Err(format!("for another server the box said {said:?}, command {command:?}"));
    }
    if let Some(problems) = crate::axe::violations_in(browser, "#paste-request").await? {
        return Err(format!("axe-core, the box with a command shown: {problems}"));
    }

    // A shell trick: a sentence, the form as it was, and the page still working.
    let said = paste(browser, "curl 'http://localhost:8000/api/echo'; rm -rf ~").await?;
    let method =
        browser.eval("return document.querySelector('#request-form').elements.method.value;").await?;
    if !said.contains("starts a second command") || method != json!("POST") {
        return Err(format!("a shell trick: {said:?}, method now {method}"));
    }
    if browser.find("#paste-result .error").await.is_err() {
        return Err("the refusal is not shown as an error".into());
    }
    browser.click("#lab-send").await?;
    browser.wait_for_text("#lab-send-status", WAIT, |t| t.starts_with("Read: response 200")).await?;
    if let Some(problems) = crate::axe::violations_in(browser, "#paste-request").await? {
        return Err(format!("axe-core, the box with a refusal shown: {problems}"));
    }
    sandbox.patch_policy(json!({ "allow_origin": "https://yoursite.com", "allow_credentials": null, "allow_headers": null, "allow_methods": null })).await?;
    Ok(())
}
