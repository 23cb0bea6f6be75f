//! "Take it home": the lab's export panel shows the policy in force as the configuration of the stack chosen
//! in its picker, for the request in the form, a stack that cannot express it saying why, and the verifying
//! commands.

use serde_json::json;

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

pub async fn export_panel_shows_each_stack_from_its_picker(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    sandbox.patch_policy(json!({ "allow_origin": "*", "allow_credentials": "true" })).await?;
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    browser
        .eval("const f = document.querySelector('#request-form').elements; f.path.value = '/api/echo'; f.method.value = 'PUT'; f.headers.value = 'X-Api-Key: k1'; f.credentials.value = 'include'; return true;")
        .await?;
    // The picker lists every stack the export writes, and shows the one chosen.
    let options = browser
        .eval("return [...document.querySelectorAll('#export-stack option')].map((o) => o.value);")
        .await?;
    let known: Vec<&str> = server::export::STACKS.iter().map(|s| s.id).collect();
    if options != json!(known) {
        return Err(format!("the picker offers {options}, not {known:?}"));
    }
    let mut shown = Vec::new();
    for (i, stack) in known.iter().enumerate() {
        browser
            .eval(&format!("document.querySelector('#export-stack').value = '{stack}'; return true;"))
            .await?;
        if i == 0 {
            browser.click("#export").await?;
        } else {
            // Once a stack is shown, choosing another shows that one.
            browser
                .eval("document.querySelector('#export-stack').dispatchEvent(new Event('change')); return true;")
                .await?;
        }
        browser
            .wait_until(&format!(
                "const shown = document.querySelectorAll('#export-result .export-stack'); return shown.length === 1 && shown[0].dataset.stack === '{stack}';"
            ))
            .await?;
        let text = browser
            .eval("return document.querySelector('#export-result .export-stack').textContent;")
            .await?;
        shown.push((stack.to_string(), text.as_str().unwrap_or_default().to_owned()));
    }
    let text = |stack: &str| -> String {
        shown.iter().find(|(s, _)| s == stack).map(|(_, t)| t.clone()).unwrap_or_default()
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
    // Each stack that can express the policy says what its error routes send, and the mistake that takes
    // the headers off.
    for stack in ["express", "nginx"] {
        let text = text(stack);
        if !text.contains("When a handler throws, a route refuses, or no route takes the request")
            || !text.contains("/api/private")
            || !text.contains("/api/missing, a path no route answers (404)")
        {
            return Err(format!("{stack}'s export says nothing of its errors: {text:?}"));
        }
    }
    if !text("nginx").contains(
        "the request gets 502, with access-control-allow-credentials: true; access-control-allow-origin: *",
    ) {
        return Err(format!("nginx's error routes say {:?}", text("nginx")));
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
