//! The lab's "Explain a console line" box, from the learner's side: paste a line Chromium printed
//! elsewhere, read the explanation, follow its lab link, apply it, press Send — and Chromium prints the
//! same line, with the lab's URL and page origin in place of the pasted ones.

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;
use crate::{WAIT, cors_lines};

/// Lines recorded from Chromium 156 (tests/fixtures/console-lines.json): a value naming the page's origin
/// with a slash, and a header the preflight did not allow.
const PASTED: [(&str, &str); 2] = [
    (
        "AllowOriginMismatch",
        "Access to fetch at 'http://127.0.0.1:47181/c/acao-trailing-slash' from origin 'http://127.0.0.1:47180' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'http://127.0.0.1:47180/' that is not equal to the supplied origin. Have the server send the header with a valid value.",
    ),
    (
        "HeaderDisallowedByPreflightResponse",
        "Access to fetch at 'http://127.0.0.1:47181/c/header-disallowed' from origin 'http://127.0.0.1:47180' has been blocked by CORS policy: Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response.",
    ),
];

/// Pastes `line` into the box and waits for the explanation's heading.
pub async fn explain_in_the_box(browser: &Browser, line: &str) -> Result<String, String> {
    browser
        .eval(&format!(
            "document.querySelector('#explain-result').replaceChildren();
             document.querySelector('#explain-text').value = {};
             return true;",
            serde_json::to_string(line).map_err(|e| e.to_string())?
        ))
        .await?;
    browser.click("#explain-submit").await?;
    browser.wait_for_nonempty_text("#explain-heading", WAIT).await
}

pub async fn a_pasted_line_is_explained_and_printed_again(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    for (check, pasted) in PASTED {
        browser.goto(&format!("{}/lab", sandbox.site)).await?;
        browser.find("#explain-text").await?;
        let heading = explain_in_the_box(browser, pasted).await?;
        if !heading.starts_with(&format!("Chromium: {check}")) {
            return Err(format!("the box says {heading:?} for {pasted}"));
        }
        let shown = browser.text("#explain-result").await?;
        if !shown.contains("The fix: ") || !shown.contains("cors-sandbox check http://127.0.0.1:47181/c/") {
            return Err(format!("the explanation lacks the fix or the check command: {shown}"));
        }
        // Follow the link as a learner does: the lab offers the scenario and waits to be asked.
        browser.click("#explain-lab-link").await?;
        browser.wait_until("return !document.querySelector('#shared').hidden;").await?;
        browser.click("#shared-apply").await?;
        browser.wait_until("return document.querySelector('#shared').hidden;").await?;
        browser.clear_console().await?;
        browser.eval("document.querySelector('#lab-result').replaceChildren(); return true;").await?;
        browser.click("#lab-send").await?;
        browser.wait_for_nonempty_text("#lab-result .timeline", WAIT).await?;
        let printed = cors_lines(browser).await?;
        let [line] = printed.as_slice() else {
            return Err(format!("Chromium printed {printed:?} after Send"));
        };
        // The same line, but for the lab's URL and page origin.
        let lab = client_site::pasted_line::Lab { page_origin: sandbox.site.clone() };
        let (x, y) = (
            client_site::pasted_line::explain(pasted, &lab).map_err(|e| e.to_string())?,
            client_site::pasted_line::explain(line, &lab).map_err(|e| format!("{line}: {e}"))?,
        );
        let field = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
        let expected = pasted
            .replace(&field(&x, "url"), &field(&y, "url"))
            .replace(&field(&x, "origin"), &field(&y, "origin"));
        if *line != expected {
            return Err(format!("after the lab link, Chromium printed\n  {line}\nnot\n  {expected}"));
        }
    }
    Ok(())
}
