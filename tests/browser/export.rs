//! "Take it home": the lab's export panel shows the policy in force as each stack's configuration, for the
//! request in the form, with the stacks that cannot express it saying why, and the verifying commands.

use serde_json::json;

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

pub async fn export_panel_shows_every_stack(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    sandbox.patch_policy(json!({ "allow_origin": "*", "allow_credentials": "true" })).await?;
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    browser
        .eval("const f = document.querySelector('#request-form').elements; f.path.value = '/api/echo'; f.method.value = 'PUT'; f.headers.value = 'X-Api-Key: k1'; f.credentials.value = 'include'; return true;")
        .await?;
    browser.click("#export").await?;
    browser
        .wait_until("return document.querySelectorAll('#export-result .export-stack').length === 4;")
        .await?;
    let shown = browser
        .eval(
            "return [...document.querySelectorAll('#export-result .export-stack')].map((d) => [d.dataset.stack, d.textContent]);",
        )
        .await?;
    let text = |stack: &str| -> String {
        shown
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r[0] == stack))
            .and_then(|r| r[1].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    // `*` with credentials: tower-http panics, Starlette would echo every origin; both say so.
    if !text("tower-http").contains("Cannot combine `Access-Control-Allow-Credentials: true`") {
        return Err(format!("tower-http's export says {:?}", text("tower-http")));
    }
    if !text("starlette").contains("echoes every request's Origin") {
        return Err(format!("Starlette's export says {:?}", text("starlette")));
    }
    if !text("express").contains("origin: \"*\"") || !text("express").contains("credentials: true") {
        return Err(format!("express's export says {:?}", text("express")));
    }
    if !text("nginx").contains("add_header Access-Control-Allow-Origin \"*\" always;") {
        return Err(format!("nginx's export says {:?}", text("nginx")));
    }
    let commands = browser.text("#export-result").await?;
    let api = format!("{}/echo", sandbox.api_url);
    for wanted in [
        format!("curl -si -X OPTIONS {api} -H 'Origin: {}'", sandbox.site),
        "-H 'Access-Control-Request-Headers: x-api-key'".to_owned(),
        format!(
            "cors-sandbox check {api} --origin {} -X PUT -H 'X-Api-Key: k1' --credentials include",
            sandbox.site
        ),
    ] {
        if !commands.contains(&wanted) {
            return Err(format!("the panel has no {wanted:?} in {commands:?}"));
        }
    }
    sandbox
        .patch_policy(json!({ "allow_origin": "https://yoursite.com", "allow_credentials": null }))
        .await?;
    Ok(())
}
