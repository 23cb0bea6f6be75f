//! A share link round-trips: the lab's "Share this scenario" link, opened later, shows what it sets,
//! changes nothing until the learner agrees, and then sets exactly that policy and request.

use serde_json::json;

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

pub async fn share_link_round_trips(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    let shared = json!({ "allow_origin": "*", "allow_methods": "PUT", "max_age": "0" });
    sandbox.patch_policy(shared.clone()).await?;
    let lab = format!("{}/lab", sandbox.site);
    browser.goto(&lab).await?;
    browser.find("#lab-send").await?;
    browser
        .wait_until("return document.querySelector('#policy-form').elements.allow_methods.value === 'PUT';")
        .await?;
    browser
        .eval("const f = document.querySelector('#request-form').elements; f.path.value = '/api/echo'; f.method.value = 'PUT'; return true;")
        .await?;
    browser.click("#share").await?;
    browser.wait_until("return !document.querySelector('#share-link').hidden;").await?;
    let link = browser.eval("return document.querySelector('#share-link').value;").await?;
    let link = link.as_str().ok_or("no link")?.to_owned();
    let sent = sandbox.policy().await?;

    // Someone else's policy now; the link must not change it on opening.
    sandbox
        .patch_policy(
            json!({ "allow_origin": "https://yoursite.com", "allow_methods": null, "max_age": null }),
        )
        .await?;
    let before = sandbox.policy().await?;
    browser.goto("about:blank").await?;
    browser.goto(&link).await?;
    browser.wait_until("return !document.querySelector('#shared').hidden;").await?;
    let what = browser.text("#shared-what").await?;
    if !what.contains("Access-Control-Allow-Origin: *") || !what.contains("PUT /api/echo") {
        return Err(format!("the shared scenario says {what:?}"));
    }
    if sandbox.policy().await? != before {
        return Err("opening the link changed the policy before the learner agreed".into());
    }
    browser.click("#shared-apply").await?;
    browser.wait_until("return document.querySelector('#shared').hidden;").await?;
    let after = sandbox.policy().await?;
    if after != sent {
        return Err(format!("the link set {after}, not the shared {sent}"));
    }
    let form = browser
        .eval("const f = document.querySelector('#request-form').elements; return [f.path.value, f.method.value];")
        .await?;
    if form != json!(["/api/echo", "PUT"]) {
        return Err(format!("the request form shows {form}"));
    }
    sandbox
        .patch_policy(
            json!({ "allow_origin": "https://yoursite.com", "allow_methods": null, "max_age": null }),
        )
        .await?;
    Ok(())
}
