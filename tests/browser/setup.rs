//! Every lesson's "Set this up" leads to its first tick: from the lessons started over, the button sets
//! the policy and the request form and sends nothing; the learner's Send (twice for the preflight cache,
//! after opening the page it names in a new tab for `Vary`), or the other site's button for the attacker's
//! lesson, then ticks the lesson's first part.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use thirtyfour::WindowHandle;

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

const WAIT: Duration = Duration::from_secs(10);

pub async fn every_setup_ticks_its_first_part(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    let lab = format!("{}/lab", sandbox.site);
    let lessons = get_json(&format!("{}/sandbox/lessons", sandbox.site)).await?;
    let lessons = lessons["lessons"].as_array().cloned().ok_or("no lessons")?;
    if lessons.len() != 14 {
        return Err(format!("{} lessons, expected 14", lessons.len()));
    }
    browser.goto(&lab).await?;
    let mut problems = Vec::new();
    // One page for all of them (except where a lesson leaves it): each setup must set every field of the
    // form, whatever the lesson before left there.
    for lesson in &lessons {
        let id = lesson["id"].as_str().ok_or("a lesson without an id")?;
        if let Err(e) = set_up_and_tick(browser, sandbox, id, &lesson["setup"]).await {
            let parts = get_json(&format!("{}/sandbox/lessons", sandbox.site))
                .await
                .map(|l| l["lessons"].as_array().and_then(|l| l.iter().find(|x| x["id"] == id)).cloned());
            problems.push(format!("{id}: {e}; its parts now: {parts:?}"));
            browser.goto(&lab).await?;
        }
    }
    // Back to the article's policy for the cases that follow.
    let reset = reqwest::Client::new()
        .put(format!("{}/sandbox/policy", sandbox.site))
        .json(&json!({}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !reset.status().is_success() {
        problems.push(format!("putting back the article's policy: {}", reset.status()));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

async fn set_up_and_tick(
    browser: &Browser,
    sandbox: &SandboxProcess,
    id: &str,
    setup: &Value,
) -> Result<(), String> {
    let lesson = format!("[data-lesson=\"{id}\"]");
    browser.find(&format!("{lesson} button[data-setup]")).await?;
    browser.eval("return fetch('/sandbox/lessons', {method: 'DELETE'}).then(r => r.ok);").await?;
    browser
        .wait_until(&format!(
            "return [...document.querySelectorAll('{lesson} li')].every(li => li.textContent.startsWith('○'));"
        ))
        .await
        .map_err(|_| "the lessons did not start over".to_string())?;
    if first_part_seen(sandbox, id).await? {
        return Err("ticked before anything was done".into());
    }
    let status = if setup["attack"].is_object() { "#attacker-setup-status" } else { "#lesson-setup-status" };
    browser.eval(&format!("document.querySelector('{status}').textContent = ''; return true;")).await?;
    browser.eval("document.querySelector('#lab-result').replaceChildren(); return true;").await?;
    let before = last_seq(sandbox).await?;
    browser.click(&format!("{lesson} button[data-setup]")).await?;
    let said = browser.wait_for_text(status, WAIT, |t| t.starts_with("Set up")).await?;

    // Nothing sent: the API saw nothing new, and the lab shows no result.
    let seen = get_json(&format!("{}/sandbox/log?after={before}", sandbox.site)).await?;
    if seen.as_array().is_none_or(|l| !l.is_empty()) {
        return Err(format!("\"Set this up\" sent a request: the API saw {seen}"));
    }
    if !browser.text("#lab-result").await?.is_empty() {
        return Err("\"Set this up\" showed a result".into());
    }
    // The policy in force is the setup's, and the form holds its request.
    let wanted = match setup["preset"].as_str() {
        Some(preset) => preset_policy(sandbox, preset).await?,
        None => setup["policy"].clone(),
    };
    let policy = sandbox.policy().await?;
    if let Some(field) = differs(&policy, &wanted) {
        return Err(format!("the policy in force differs in {field}: {policy}, wanted {wanted}"));
    }
    if let Some(request) = setup["request"].as_object() {
        let form = browser
            .eval(
                "const f = document.querySelector('#request-form').elements;
                 return Object.fromEntries(['path', 'method', 'headers', 'body', 'credentials', 'mode', 'redirect', 'cache']
                   .map(n => [n, f[n].value]));",
            )
            .await?;
        if form.as_object() != Some(request) {
            return Err(format!("the form holds {form}, the setup says {}", Value::Object(request.clone())));
        }
    }

    if let Some(attack) = setup["attack"].as_object() {
        let label = attack["label"].as_str().unwrap_or_default();
        let button = attack["button"].as_str().unwrap_or_default();
        if !said.contains(label) {
            return Err(format!("the status does not name the button {label:?}: {said}"));
        }
        let focused = browser.eval("return document.activeElement.id;").await?;
        if focused != json!("bank-login") {
            return Err(format!("focus is on {focused}, not Log in to the bank"));
        }
        browser.click("#bank-login").await?;
        browser.wait_for_text("#bank-login-result", WAIT, |t| t.starts_with("Logged in")).await?;
        let href =
            browser.eval(&format!("return document.querySelector('{status} a')?.href ?? null;")).await?;
        if href != json!(format!("{}/", sandbox.attacker)) {
            return Err(format!("the status links to {href}, not the other site {}/", sandbox.attacker));
        }
        browser.goto(href.as_str().unwrap_or_default()).await?;
        browser.click(&format!("#{button}")).await?;
        let ticked = wait_first_part(sandbox, id).await;
        browser.goto(&format!("{}/lab", sandbox.site)).await?;
        return ticked;
    }

    if let Some(visit) = setup["visit"].as_object() {
        return visit_and_tick(browser, sandbox, id, status, &said, visit).await;
    }
    let focused = browser.eval("return document.activeElement.id;").await?;
    if focused != json!("lab-send") {
        return Err(format!("focus is on {focused}, not Send"));
    }
    if let Some(open) = setup["open"].as_str() {
        let url = format!("{}{open}", sandbox.api_url.trim_end_matches("/api"));
        open_in_a_new_tab(browser, status, &url).await?;
    }
    let sends = setup["sends"].as_u64().ok_or("no sends")?;
    let presses = match sends {
        1 => "Press Send.",
        2 => "press Send twice.",
        _ => return Err(format!("{sends} sends")),
    };
    if !said.to_lowercase().ends_with(&presses.to_lowercase()) {
        return Err(format!("the status does not end with {presses:?}: {said}"));
    }
    for _ in 0..sends {
        browser.eval("document.querySelector('#lab-result').replaceChildren(); return true;").await?;
        browser.click("#lab-send").await?;
        browser.wait_for_nonempty_text("#lab-result .timeline", WAIT).await?;
    }
    wait_first_part(sandbox, id).await
}

/// The Local Network Access lesson's setup: the status names the page and focuses its link, which opens it
/// in a new tab; its button, with the permission denied (as a "Block" leaves it), ticks the first part.
async fn visit_and_tick(
    browser: &Browser,
    sandbox: &SandboxProcess,
    id: &str,
    status: &str,
    said: &str,
    visit: &serde_json::Map<String, Value>,
) -> Result<(), String> {
    let label = visit["label"].as_str().unwrap_or_default();
    if !said.ends_with(&format!("Open {label} and press its button.")) {
        return Err(format!("the status does not say to open {label:?}: {said}"));
    }
    let focused = browser.eval("return document.activeElement.textContent;").await?;
    if focused != json!(label) {
        return Err(format!("focus is on {focused}, not the page's link"));
    }
    let driver = browser.driver()?;
    let lab = click_into_new_tab(browser, status).await?;
    let denied = json!({
        "permission": { "name": "loopback-network" }, "setting": "denied", "origin": sandbox.site,
    });
    browser.cdp("Browser.setPermission", denied).await?;
    browser.click("#lna-try").await?;
    let ticked = wait_first_part(sandbox, id).await;
    driver.close_window().await.map_err(|e| e.to_string())?;
    driver.switch_to_window(lab).await.map_err(|e| e.to_string())?;
    ticked
}

/// Clicks the status line's link to `url` (it opens a new tab), waits for that page, closes it, and comes
/// back to the lab's tab.
async fn open_in_a_new_tab(browser: &Browser, status: &str, url: &str) -> Result<(), String> {
    let href = browser.eval(&format!("return document.querySelector('{status} a')?.href ?? null;")).await?;
    if href != json!(url) {
        return Err(format!("the status links to {href}, not {url}"));
    }
    let driver = browser.driver()?;
    let lab = click_into_new_tab(browser, status).await?;
    browser
        .wait_until(
            "return document.readyState === 'complete' && document.body.innerText.includes('served_at_ms');",
        )
        .await
        .map_err(|e| format!("the new tab: {e}"))?;
    driver.close_window().await.map_err(|e| e.to_string())?;
    driver.switch_to_window(lab).await.map_err(|e| e.to_string())
}

/// Clicks the status line's link, which opens a new tab, and switches to that tab; returns the lab's tab, to
/// come back to.
async fn click_into_new_tab(browser: &Browser, status: &str) -> Result<WindowHandle, String> {
    let driver = browser.driver()?;
    let lab = driver.window().await.map_err(|e| e.to_string())?;
    let before = driver.windows().await.map_err(|e| e.to_string())?;
    browser.click(&format!("{status} a")).await?;
    let deadline = Instant::now() + WAIT;
    let tab = loop {
        let now = driver.windows().await.map_err(|e| e.to_string())?;
        if let Some(tab) = now.into_iter().find(|w| !before.contains(w)) {
            break tab;
        }
        if Instant::now() > deadline {
            return Err("the link opened no tab".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    driver.switch_to_window(tab).await.map_err(|e| e.to_string())?;
    Ok(lab)
}

/// The first field in which `policy` differs from what `wanted` names (the policy shows a matcher with
/// its read-only `code` and `sends` besides).
fn differs(policy: &Value, wanted: &Value) -> Option<String> {
    let default_policy_differs = |field: &str, value: &Value| match value {
        Value::Object(want) => {
            want.iter().any(|(k, v)| policy[field].get(k) != Some(v)) || !policy[field].is_object()
        }
        _ => &policy[field] != value,
    };
    wanted
        .as_object()?
        .iter()
        .find(|(field, value)| default_policy_differs(field, value))
        .map(|(f, _)| f.clone())
}

async fn preset_policy(sandbox: &SandboxProcess, id: &str) -> Result<Value, String> {
    let presets = get_json(&format!("{}/sandbox/presets", sandbox.site)).await?;
    presets
        .as_array()
        .and_then(|list| list.iter().find(|p| p["id"] == id))
        .map(|p| p["policy"].clone())
        .ok_or_else(|| format!("no preset {id}"))
}

async fn first_part_seen(sandbox: &SandboxProcess, id: &str) -> Result<bool, String> {
    let lessons = get_json(&format!("{}/sandbox/lessons", sandbox.site)).await?;
    let lesson = lessons["lessons"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["id"] == id))
        .ok_or_else(|| format!("no lesson {id}"))?;
    Ok(lesson["parts"][0]["seen"] == json!(true))
}

/// Waits until the sandbox has seen the lesson's first part.
async fn wait_first_part(sandbox: &SandboxProcess, id: &str) -> Result<(), String> {
    let deadline = Instant::now() + WAIT;
    while !first_part_seen(sandbox, id).await? {
        if Instant::now() > deadline {
            return Err("its first part did not tick".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The newest `seq` in the API's log (read on in pages of at most 1 MiB).
async fn last_seq(sandbox: &SandboxProcess) -> Result<u64, String> {
    let mut last = 0;
    loop {
        let page = get_json(&format!("{}/sandbox/log?after={last}", sandbox.site)).await?;
        match page.as_array().and_then(|p| p.last()) {
            Some(newest) => last = newest["seq"].as_u64().ok_or("an exchange without a seq")?,
            None => return Ok(last),
        }
    }
}

async fn get_json(url: &str) -> Result<Value, String> {
    reqwest::get(url).await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())
}
