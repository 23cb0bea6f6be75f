//! Every lab lesson completed in Chromium from the page alone: the request form, the named policies and
//! the policy fields, the Send button — and each lesson must tick itself.

use std::time::Duration;

use serde_json::json;

use client_site::lessons::{Form, GET};

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

const WAIT: Duration = Duration::from_secs(10);

/// Fills in the request form and presses Send; waits for the three views.
async fn send(browser: &Browser, form: Form) -> Result<(), String> {
    browser.lab_send(&form.to_json().to_string()).await
}

/// Picks a named policy from the menu.
pub(crate) async fn preset(browser: &Browser, id: &str) -> Result<(), String> {
    // The menu is filled when `/sandbox/presets` answers: choosing before that chooses nothing (a busy
    // machine made this case time out once).
    browser
        .wait_until(&format!(
            "return document.querySelector('#preset option[value=\"' + {id} + '\"]') !== null;",
            id = json!(id)
        ))
        .await?;
    browser
        .eval(&format!(
            "const menu = document.querySelector('#preset');
             menu.value = {id};
             menu.dispatchEvent(new Event('change'));
             return true;",
            id = json!(id)
        ))
        .await?;
    // Applied once the API's policy has every field the preset names (an object field, the origin
    // matcher, has every key the preset gives it: the policy adds its read-only `code` and `sends`).
    browser.wait_until(&format!(
            "const same = (got, want) => want !== null && typeof want === 'object'
               ? got !== null && typeof got === 'object' && Object.entries(want).every(([k, v]) => same(got[k], v))
               : got === want;
             return Promise.all([fetch('/sandbox/presets').then(r => r.json()), fetch('/sandbox/policy').then(r => r.json())])
               .then(([presets, policy]) => Object.entries(presets.find(p => p.id === {id}).policy)
                 .every(([field, value]) => same(policy[field], value)));",
            id = json!(id)
        ),
    )
    .await?;
    Ok(())
}

/// Types a value into one of the policy's header fields (ticking "send"), as a learner would.
async fn set_header(browser: &Browser, field: &str, value: &str) -> Result<(), String> {
    let input = browser.find(&format!("#policy-form input[name=\"{field}\"]")).await?;
    input.clear().await.map_err(|e| e.to_string())?;
    input.send_keys(format!("{value}\u{E007}")).await.map_err(|e| e.to_string())?;
    // Enter does not blur a text field; Tab does, and that fires `change`.
    input.send_keys("\u{E004}").await.map_err(|e| e.to_string())?;
    browser
        .wait_until(&format!(
            "return fetch('/sandbox/policy').then(r => r.json()).then(p => p.{field} === {});",
            json!(value)
        ))
        .await
}

async fn lesson_done(browser: &Browser, id: &str) -> Result<(), String> {
    browser
        .wait_until(&format!(
            "return document.querySelector('[data-lesson=\"{id}\"]')?.classList.contains('done') ?? false;"
        ))
        .await
        .map_err(|_| format!("lesson {id} did not tick"))?;
    Ok(())
}

/// The parts of lesson `id` the sandbox has seen, for a failure message.
async fn parts_seen(browser: &Browser, id: &str) -> String {
    browser
        .eval(&format!(
            "return fetch('/sandbox/lessons').then(r => r.json()).then(l => l.lessons.find(x => x.id === {id}).parts);",
            id = json!(id)
        ))
        .await
        .map_or_else(|e| e, |parts| parts.to_string())
}

/// One thing a learner does in the lab.
enum Step {
    /// Pick a named policy from the menu.
    Preset(&'static str),
    /// Type a value into one of the policy's header fields.
    Header(&'static str, &'static str),
    /// Fill in the request form and press Send.
    Send(Form),
    /// Open a URL in the tab (the address bar), then come back to the lab.
    Visit(&'static str),
    /// The lesson must have ticked itself.
    Done(&'static str),
    /// Every attack from the other site's page (`attacker::attacks`), then back to the lab.
    Attack,
    /// The Local Network Access page's button, refused (headless Chromium cannot ask), then with the
    /// permission granted; then back to the lab.
    LocalNetwork,
}

use Step::{Attack, Done, Header, LocalNetwork, Preset, Send, Visit};

/// Every lesson, as its own instructions on the page say to do it.
fn walkthrough() -> Vec<Step> {
    vec![
        Preset("permissive"),
        Send(Form { method: "POST", body: "json", ..GET }),
        Done("preflight"),
        Send(Form { method: "PUT", headers: "X-Api-Key: k1", ..GET }),
        Done("allow-method-and-header"),
        Preset("preflight-only"),
        Send(Form { method: "PUT", ..GET }),
        Done("preflight-not-enough"),
        Preset("wildcard-with-credentials"),
        Send(Form { path: "/api/login", credentials: "include", ..GET }),
        Preset("credentialed"),
        Send(Form { path: "/api/login", credentials: "include", ..GET }),
        Send(Form { path: "/api/whoami", credentials: "include", ..GET }),
        Done("credentials"),
        Preset("article"),
        Header("allow_origin", "*"),
        Send(Form { path: "/api/headers", ..GET }),
        Header("expose_headers", "X-Request-Id"),
        Send(Form { path: "/api/headers", ..GET }),
        Done("expose-headers"),
        Send(Form { path: "/api/error?cors=no", ..GET }),
        Send(Form { path: "/api/error?cors=yes", ..GET }),
        Send(Form { path: "/api/account", ..GET }),
        Done("error-status"),
        Send(Form { path: "/api/redirect?to=cross", ..GET }),
        Done("redirect"),
        Preset("cached-preflight"),
        Send(Form { method: "PUT", cache: "default", ..GET }),
        Send(Form { method: "PUT", cache: "default", ..GET }),
        Done("max-age"),
        Preset("article"),
        Send(Form { mode: "no-cors", ..GET }),
        Done("no-cors"),
        Send(Form { path: "/api/counter", method: "POST", body: "text", ..GET }),
        Done("side-effect"),
        // The address bar caches the answer without Allow-Origin; the lab's default-cache fetch reuses it.
        Visit("/api/cacheable"),
        Send(Form { path: "/api/cacheable", cache: "default", ..GET }),
        Done("vary"),
        Preset("article"),
        Send(Form { method: "PUT", ..GET }),
        Send(Form { path: "/api/redirect", mode: "no-cors", redirect: "manual", ..GET }),
        Preset("permissive"),
        Header("allow_headers", "*, Authorization"),
        Send(Form { headers: "Authorization: Bearer abc", ..GET }),
        Done("browser-differences"),
        Attack,
        Done("be-the-attacker"),
        Header("allow_origin", "*"),
        LocalNetwork,
        Done("local-network-access"),
    ]
}

/// Walks through every lesson and checks that all fourteen ticked.
pub async fn every_lesson(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    let lab = format!("{}/lab", sandbox.site);
    browser.goto(&lab).await?;
    browser.eval("return fetch('/sandbox/lessons', {method: 'DELETE'}).then(r => r.ok);").await?;
    browser.find("[data-lesson=\"preflight\"]").await?;
    for step in walkthrough() {
        match step {
            Preset(id) => preset(browser, id).await?,
            Header(field, value) => set_header(browser, field, value).await?,
            Send(form) => send(browser, form).await?,
            Visit(path) => {
                browser.goto(&sandbox.api_url.replace("/api", path)).await?;
                browser.goto(&lab).await?;
                browser.find("#lab-send").await?;
            }
            Attack => {
                crate::attacker::attacks(&crate::attacker::Engine::Chromium(browser), sandbox).await?;
                browser.goto(&lab).await?;
                browser.find("[data-lesson=\"preflight\"]").await?;
            }
            LocalNetwork => {
                browser.goto(&format!("{}/local-network", sandbox.site)).await?;
                for setting in ["denied", "granted"] {
                    let permission = json!({
                        "permission": { "name": "loopback-network" }, "setting": setting, "origin": sandbox.site,
                    });
                    browser.cdp("Browser.setPermission", permission).await?;
                    browser
                        .eval("document.querySelector('#lna-why').replaceChildren(); return true;")
                        .await?;
                    browser.click("#lna-try").await?;
                    browser.wait_for_text("#lna-why", WAIT, |t| !t.is_empty() && t != "…").await?;
                }
                browser.goto(&lab).await?;
                browser.find("[data-lesson=\"preflight\"]").await?;
            }
            Done(id) => {
                if let Err(e) = lesson_done(browser, id).await {
                    return Err(format!("{e}; its parts: {}", parts_seen(browser, id).await));
                }
            }
        }
    }
    let count = browser.text("#lessons-count").await?;
    if count != "14/14" { Err(format!("lessons done: {count}")) } else { Ok(()) }
}
