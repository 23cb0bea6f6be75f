//! The page never breaks or goes quiet: long values wrap, a refused change is undone on the page, the
//! lab's settings are shown on the tutorial, a stopped sandbox is said out loud, and the pages work with
//! a keyboard, a screen reader, a phone's width and the system's dark mode.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

const WAIT: Duration = Duration::from_secs(10);

/// Replaces the whole policy, as `PUT /sandbox/policy` does (`{}` is the article's policy).
async fn put_policy(sandbox: &SandboxProcess, whole: Value) -> Result<(), String> {
    let res = reqwest::Client::new()
        .put(format!("{}/sandbox/policy", sandbox.site))
        .json(&whole)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status().is_success() { Ok(()) } else { Err(format!("PUT answered {}", res.status())) }
}

/// The article's policy, as `GET /sandbox/policy` shows it.
fn article_policy() -> Value {
    json!({
        "allow_origin": "https://yoursite.com",
        "allow_credentials": null, "allow_methods": null, "allow_headers": null,
        "expose_headers": null, "max_age": null, "vary": null, "origin_matcher": null,
        "preflight_status": 204, "headers_on": "both"
    })
}

/// The page is no wider than the window: nothing scrolls sideways.
async fn fits_the_window(browser: &Browser, what: &str) -> Result<(), String> {
    let sizes = browser.eval("return [document.documentElement.scrollWidth, window.innerWidth];").await?;
    let (scroll, inner) = (sizes[0].as_i64().unwrap_or(i64::MAX), sizes[1].as_i64().unwrap_or(0));
    if scroll > inner {
        return Err(format!("{what}: the page is {scroll} px wide in a window {inner} px wide"));
    }
    Ok(())
}

/// Fills in the lab's path and presses Send; waits for the result's timeline.
async fn lab_send(browser: &Browser, path_js: &str) -> Result<(), String> {
    browser.lab_send(&format!("{{ path: {path_js} }}")).await
}

/// After every tutorial step and every lab lesson, each page says it is all done, as a status.
pub async fn all_done_is_said(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    browser.goto(&sandbox.site).await?;
    browser.wait_for_text("#progress-count", WAIT, |t| t == "6/6").await?;
    browser.wait_for_text("[role=\"status\"]#tutorial-done", WAIT, |t| t.starts_with("All done")).await?;
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.wait_for_text("#lessons-count", WAIT, |t| t == "14/14").await?;
    browser.wait_for_text("[role=\"status\"]#lessons-done", WAIT, |t| t.starts_with("All done")).await?;
    Ok(())
}

/// A 10,000-character path and a 4,000-character Allow-Origin never make a page wider than the window —
/// not in the views, the timeline, the code, either live log, nor after a reload replays the log.
pub async fn long_values_wrap(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    put_policy(sandbox, json!({ "allow_origin": "*" })).await?;
    let lab = format!("{}/lab", sandbox.site);
    browser.goto(&lab).await?;
    lab_send(browser, "'/api?' + 'x'.repeat(10000)").await?;
    fits_the_window(browser, "the lab after a long query").await?;
    // A long path (the API answers 404) is in every exchange's record, so the tutorial's log shows it.
    lab_send(browser, "'/api/' + 'y'.repeat(10000)").await?;
    fits_the_window(browser, "the lab after a long path").await?;
    // The lab's own log entry, opened onto its timeline.
    browser.find("#lab-log details").await?;
    browser.eval("document.querySelector('#lab-log details').open = true; return true;").await?;
    browser.wait_for_nonempty_text("#lab-log details .timeline", WAIT).await?;
    fits_the_window(browser, "the lab's log, opened").await?;

    browser.goto(&sandbox.site).await?;
    browser.wait_for_text("#log", WAIT, |t| t.contains("yyyyyyyyyy")).await?;
    fits_the_window(browser, "the tutorial's log replaying a long path").await?;

    let long_origin = format!("https://{}.example", "a".repeat(4000));
    put_policy(sandbox, json!({ "allow_origin": long_origin })).await?;
    browser.wait_for_text("#header-line", WAIT, |t| t.contains("aaaaaaaaaa")).await?;
    fits_the_window(browser, "the tutorial showing a long Allow-Origin").await?;
    browser.click("#send").await?;
    browser.wait_for_nonempty_text("#why-result pre.console", WAIT).await?;
    fits_the_window(browser, "the tutorial's views of a long Allow-Origin").await?;
    browser.goto(&sandbox.site).await?;
    browser.wait_for_text("#log", WAIT, |t| t.contains("aaaaaaaaaa")).await?;
    fits_the_window(browser, "the tutorial after a reload").await?;

    browser.goto(&lab).await?;
    lab_send(browser, "'/api'").await?;
    fits_the_window(browser, "the lab's views of a long Allow-Origin").await?;
    put_policy(sandbox, json!({})).await
}

/// A change the sandbox refuses (a value over 4 KiB: 422) leaves each page showing the policy in force,
/// and the sandbox's sentence saying why.
pub async fn a_refused_change_is_undone(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    put_policy(sandbox, json!({})).await?;
    browser.goto(&sandbox.site).await?;
    browser
        .wait_for_text("#header-line", WAIT, |t| t == "Access-Control-Allow-Origin: https://yoursite.com")
        .await?;
    let custom = browser.find("input[name=\"custom-origin\"]").await?;
    browser
        .eval(
            "document.querySelector('input[name=\"custom-origin\"]').value = 'x'.repeat(5000); return true;",
        )
        .await?;
    custom.send_keys("\u{E007}").await.map_err(|e| e.to_string())?; // Enter, the field keeping the focus
    let error = browser.wait_for_text("#policy-error", WAIT, |t| t.contains("4096 bytes")).await?;
    let shown = browser
        .eval(
            "return [document.querySelector('input[name=\"custom-origin\"]').value,
                     document.querySelector('input[name=\"allow-origin\"]:checked')?.value,
                     document.querySelector('#header-line').textContent];",
        )
        .await?;
    if shown != json!(["", "https://yoursite.com", "Access-Control-Allow-Origin: https://yoursite.com"]) {
        return Err(format!("after the refusal ({error}) the tutorial shows {shown}"));
    }

    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.wait_until("return document.querySelector('#policy-form').elements.allow_origin.value === 'https://yoursite.com';")
        .await?;
    browser
        .eval(
            "const f = document.querySelector('#policy-form').elements;
             f.max_age.focus();
             f.max_age.value = '9'.repeat(5000);
             f.max_age.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
        )
        .await?;
    let error = browser.wait_for_text("#lab-policy-error", WAIT, |t| t.contains("4096 bytes")).await?;
    let shown = browser
        .eval("const f = document.querySelector('#policy-form').elements; return [f.max_age.value, f['send-max_age'].checked];")
        .await?;
    if shown != json!(["", false]) {
        return Err(format!("after the refusal ({error}) the lab's Max-Age shows [value, ticked] {shown}"));
    }
    let policy = sandbox.policy().await?;
    if policy != article_policy() {
        return Err(format!("a refused change changed the policy: {policy}"));
    }
    Ok(())
}

/// Settings the lab left (headers on the preflight only, credentials, a preflight status) are listed on
/// the tutorial; "Reset to the article's policy" and "Start the tutorial over" both put the article's back.
pub async fn lab_settings_show_on_the_tutorial(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    let lab_left = json!({
        "allow_origin": "*", "allow_credentials": "true", "preflight_status": 500, "headers_on": "preflight"
    });
    for reset in ["#policy-reset", "#start-over"] {
        put_policy(sandbox, lab_left.clone()).await?;
        browser.goto(&sandbox.site).await?;
        let listed = browser
            .wait_for_text("#policy-extras", WAIT, |t| {
                t.contains("Access-Control-Allow-Credentials: true")
                    && t.contains("Preflight answer status: 500")
                    && t.contains("preflight only")
            })
            .await?;
        let line = browser.text("#header-line").await?;
        if line == "Access-Control-Allow-Origin: *" {
            return Err(format!("with headers on the preflight only, the header line says {line:?}"));
        }
        browser.click(reset).await?;
        browser.wait_for_text("#policy-extras", WAIT, |t| t.is_empty()).await.map_err(|e| {
            format!("after {reset} the other settings are still listed: {e} (they were: {listed})")
        })?;
        browser
            .wait_for_text("#header-line", WAIT, |t| t == "Access-Control-Allow-Origin: https://yoursite.com")
            .await?;
        let policy = sandbox.policy().await?;
        if policy != article_policy() {
            return Err(format!("after {reset} the policy is {policy}"));
        }
    }
    browser.wait_for_text("#progress-count", WAIT, |t| t == "0/6").await?;
    Ok(())
}

/// A named policy with an origin matcher (an object: the lab's form has no row for it) is shown read-only
/// with its code, on the lab and among the tutorial's other settings, while the form's other rows keep
/// working; choosing a header on the tutorial, or the lab's button, removes it.
pub async fn an_origin_matcher_is_shown_read_only(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    let code = r#"origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))"#;
    let lab = format!("{}/lab", sandbox.site);
    for removed_by in ["the tutorial's * choice", "the lab's button"] {
        browser.goto(&lab).await?;
        crate::lessons::preset(browser, "allowlist-prefix").await?;
        browser.wait_for_text("#policy-matcher-code", WAIT, |t| t == code).await?;
        let sends = browser.text("#policy-matcher-sends").await?;
        if !sends.contains("allow_origin is kept but not sent") {
            return Err(format!("the lab says the matcher sends {sends:?}"));
        }
        let credentials = browser
            .eval("return document.querySelector('#policy-form input[name=\"allow_credentials\"]').value;")
            .await?;
        if credentials != json!("true") {
            return Err(format!("the form's credentials row shows {credentials}"));
        }
        if removed_by == "the lab's button" {
            browser.click("#policy-matcher-remove").await?;
        } else {
            browser.goto(&sandbox.site).await?;
            browser.wait_for_text("#policy-extras", WAIT, |t| t.contains(code)).await?;
            browser.wait_for_text("#header-line", WAIT, |t| t.contains("origin matcher")).await?;
            crate::choose(browser, "*", "Access-Control-Allow-Origin: *").await?;
        }
        browser
            .wait_until(
                "return fetch('/sandbox/policy').then(r => r.json()).then(p => p.origin_matcher === null);",
            )
            .await
            .map_err(|e| format!("{removed_by} left the matcher: {e}"))?;
    }
    browser.wait_until("return document.querySelector('#policy-matcher').hidden;").await?;
    put_policy(sandbox, json!({})).await
}

/// The lab's header values have names of their own; Send keeps the focus and announces the result.
pub async fn names_focus_and_announcements(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#policy-form input[name=\"vary\"]").await?;
    let fields = [
        "allow_origin",
        "allow_credentials",
        "allow_methods",
        "allow_headers",
        "expose_headers",
        "max_age",
        "vary",
    ];
    let mut names = Vec::new();
    for field in fields {
        names.push(accessible_name(browser, &format!("#policy-form input[name=\"{field}\"]")).await?);
    }
    let expected = [
        "Access-Control-Allow-Origin value",
        "Access-Control-Allow-Credentials value",
        "Access-Control-Allow-Methods value",
        "Access-Control-Allow-Headers value",
        "Access-Control-Expose-Headers value",
        "Access-Control-Max-Age value",
        "Vary value",
    ];
    if names != expected {
        return Err(format!("the header-value fields' accessible names are {names:?}"));
    }

    for (page, button, status) in [
        (format!("{}/lab", sandbox.site), "#lab-send", "#lab-send-status"),
        (sandbox.site.clone(), "#send", "#send-status"),
    ] {
        browser.goto(&page).await?;
        browser.click(button).await?;
        // The status is visually hidden (WebDriver's text of it is empty): read its textContent.
        browser
            .wait_until(&format!("return document.querySelector('{status}').textContent.length > 0;"))
            .await?;
        let announced = browser
            .eval(&format!(
                "const s = document.querySelector('{status}'); return [s.getAttribute('role'), s.textContent, document.activeElement.id];"
            ))
            .await?;
        let id = button.trim_start_matches('#');
        if announced[0] != json!("status") || announced[2] != json!(id) {
            return Err(format!("{page}: after Send, [role, announcement, focused] = {announced}"));
        }
    }
    Ok(())
}

/// Chromium's accessible name of the element `css` (its accessibility tree, through DevTools).
async fn accessible_name(browser: &Browser, css: &str) -> Result<String, String> {
    let found = browser
        .cdp("Runtime.evaluate", json!({ "expression": format!("document.querySelector('{css}')") }))
        .await?;
    let object = found["result"]["objectId"].as_str().ok_or(format!("no element {css}: {found}"))?;
    let tree = browser
        .cdp("Accessibility.getPartialAXTree", json!({ "objectId": object, "fetchRelatives": false }))
        .await?;
    Ok(tree["nodes"][0]["name"]["value"].as_str().unwrap_or("").to_owned())
}

/// At a phone's 390 px the title and the navigation do not overlap and nothing is wider than the page;
/// in the system's dark mode the page is dark and its text keeps its contrast.
pub async fn narrow_and_dark(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    let driver = browser.driver()?;
    let before = driver.get_window_rect().await.map_err(|e| e.to_string())?;
    driver.set_window_rect(0, 0, 390, 844).await.map_err(|e| e.to_string())?;
    let narrow = check_narrow(browser, sandbox).await;
    let restored = driver
        .set_window_rect(before.x, before.y, before.width as u32, before.height as u32)
        .await
        .map_err(|e| e.to_string());
    narrow?;
    restored?;

    let emulate = |scheme: &str| json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] });
    browser.cdp("Emulation.setEmulatedMedia", emulate("dark")).await?;
    let dark = check_dark(browser, sandbox).await;
    browser.cdp("Emulation.setEmulatedMedia", emulate("")).await?;
    dark
}

async fn check_narrow(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    for page in [sandbox.site.clone(), format!("{}/lab", sandbox.site)] {
        browser.goto(&page).await?;
        let width = browser.eval("return window.innerWidth;").await?;
        if width.as_i64().is_none_or(|w| w > 400) {
            return Err(format!("the window is {width} px wide, not a phone's 390"));
        }
        if page.ends_with("/lab") {
            lab_send(browser, "'/api'").await?;
        } else {
            browser.click("#send").await?;
            browser.wait_for_nonempty_text("#why-result p", WAIT).await?;
        }
        let overlap = browser
            .eval(
                "const a = document.querySelector('.top h1').getBoundingClientRect();
                 const b = document.querySelector('.top nav').getBoundingClientRect();
                 return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;",
            )
            .await?;
        if overlap != json!(false) {
            return Err(format!("{page}: at 390 px the title overlaps the navigation"));
        }
        // Every <details> open, so the code inside them is laid out too. A code block overflows when it is
        // wider than the page or its text is wider than the block (it would scroll sideways); code inside a
        // block is measured by its block (white space a line ends with may hang past it, unseen).
        let wide = browser
            .eval(
                "document.querySelectorAll('details').forEach((d) => { d.open = true; });
                 const over = (e) => e.getBoundingClientRect().right > window.innerWidth + 0.5;
                 return [...document.querySelectorAll('pre')].filter((e) => over(e) || e.scrollWidth > e.clientWidth)
                   .concat([...document.querySelectorAll(':not(pre) > code')].filter(over))
                   .map((e) => `${e.tagName}: ${e.textContent.slice(0, 60)}`);",
            )
            .await?;
        if wide != json!([]) {
            return Err(format!("{page}: at 390 px these code blocks overflow the page: {wide}"));
        }
        fits_the_window(browser, &format!("{page} at 390 px")).await?;
    }
    Ok(())
}

/// Contrast (WCAG's ratio) of each kind of text against the background it is drawn on.
async fn check_dark(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    for page in [sandbox.site.clone(), format!("{}/lab", sandbox.site)] {
        browser.goto(&page).await?;
        if page.ends_with("/lab") {
            lab_send(browser, "'/api'").await?;
        }
        let report = browser
            .eval(
                "const rgb = (c) => (c.match(/[\\d.]+/g) ?? []).map(Number);
                 const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                   .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
                 const background = (e) => {
                   for (; e; e = e.parentElement) {
                     const c = rgb(getComputedStyle(e).backgroundColor);
                     if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
                   }
                   return rgb(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
                 };
                 const page = lum(background(document.body));
                 const low = [];
                 for (const e of document.querySelectorAll('main *, .top *, footer *')) {
                   if (!e.offsetParent || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
                   const [a, b] = [lum(rgb(getComputedStyle(e).color)), lum(background(e))];
                   const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                   if (ratio < 4.5) low.push(`${e.tagName}.${e.className}: ${ratio.toFixed(2)}`);
                 }
                 return { page, low: [...new Set(low)] };",
            )
            .await?;
        if report["page"].as_f64().is_none_or(|l| l > 0.05) {
            return Err(format!("{page}: in dark mode the page's background is light ({report})"));
        }
        if report["low"] != json!([]) {
            return Err(format!(
                "{page}: in dark mode these texts have a contrast under 4.5:1: {}",
                report["low"]
            ));
        }
    }
    Ok(())
}

/// A sandbox that stops is said on the page (an alert) and the controls that cannot work are disabled.
/// Its own sandbox process: the shared one must keep running.
pub async fn a_stopped_sandbox_is_said(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    for (page, controls) in
        [("/", "#send, input[name=\"allow-origin\"]"), ("/lab", "#lab-send, #policy-form input")]
    {
        let doomed = SandboxProcess::start().await;
        browser.goto(&format!("{}{page}", doomed.site)).await?;
        // The live feed is connected once the policy it sends on connect is shown.
        if page == "/" {
            browser.wait_for_text("#header-line", WAIT, |t| t.contains("yoursite.com")).await?;
        } else {
            browser.wait_until("return document.querySelector('#policy-form').elements.allow_origin.value === 'https://yoursite.com';").await?;
        }
        tokio::task::spawn_blocking(move || doomed.stop()).await.map_err(|e| e.to_string())??;
        let alert = browser
            .wait_for_text("#sandbox-stopped[role=\"alert\"]", WAIT, |t| t.contains("not running"))
            .await
            .map_err(|e| format!("{page}: {e}"))?;
        let enabled = browser
            .eval(&format!(
                "return [...document.querySelectorAll('{}')].filter((e) => !e.disabled).length;",
                controls.replace('\'', "\\'")
            ))
            .await?;
        if enabled != json!(0) {
            return Err(format!(
                "{page}: the page says {alert:?} but {enabled} of its controls are still enabled"
            ));
        }
    }
    // Back to the shared sandbox's lab, where the Firefox run expects Chromium's tab.
    browser.goto(&format!("{}/lab", sandbox.site)).await
}
