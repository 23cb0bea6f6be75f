//! The lab's HAR drop, from the user's side: a real DevTools export chosen in the file input shows each
//! request's verdict; another dropped on the box shows its own; a file that is not a HAR gets a sentence,
//! and the page goes on working. Secrets never reach the page, and axe-core finds nothing to fault in the
//! verdicts shown. The lab's own verdict of a 500 without CORS headers leads with the same sentence.

use std::path::Path;

use serde_json::json;

use crate::WAIT;
use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/har").join(name).display().to_string()
}

/// Drops `text` as a file named `name` on the HAR box, as the browser dispatches a file dragged from the
/// desktop.
async fn drop_file(browser: &Browser, name: &str, text: &str) -> Result<(), String> {
    let script = format!(
        "const file = new File([{}], {}); const files = new DataTransfer(); files.items.add(file);
         document.querySelector('#har').dispatchEvent(new DragEvent('drop', {{ dataTransfer: files, bubbles: true, cancelable: true }}));
         return true;",
        json!(text),
        json!(name)
    );
    browser.eval(&script).await.map(|_| ())
}

pub async fn a_chosen_or_dropped_har_shows_its_verdicts(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(), String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    // Chosen: the file input, as the file dialog fills it.
    let input = browser.find("#har-file").await?;
    input
        .send_keys(fixture("chromium/mixed.sanitized.har"))
        .await
        .map_err(|e| format!("choosing the file: {e}"))?;
    browser
        .wait_for_text("#har-status", WAIT, |t| {
            t.starts_with("mixed.sanitized.har: 7 request(s): 1 same-origin, 3 allowed, 3 blocked")
        })
        .await?;
    let items = browser
        .eval("return [...document.querySelectorAll('#har-result .har-request')].map((li) => [li.className, li.textContent]);")
        .await?;
    let items = items.as_array().cloned().unwrap_or_default();
    if items.len() != 7 || items.iter().filter(|i| i[0] == "har-request har-blocked").count() != 3 {
        return Err(format!("the listing: {items:#?}"));
    }
    let missing = items
        .iter()
        .find_map(|i| i[1].as_str().filter(|t| t.contains("GET http://127.0.0.1:47181/h/mixed/2")))
        .unwrap_or_default();
    if !missing.contains("MissingAllowOriginHeader: what each browser printed")
        || !missing.contains("No 'Access-Control-Allow-Origin' header is present on the requested resource.")
    {
        return Err(format!("the missing-ACAO request shows {missing:?}"));
    }
    if let Some(problems) = crate::axe::violations_in(browser, "#har").await? {
        return Err(format!("axe-core on the verdicts: {problems}"));
    }

    // Dropped: a 500 without CORS headers says that first.
    let text = std::fs::read_to_string(fixture("firefox/not-cors-500.har")).map_err(|e| e.to_string())?;
    drop_file(browser, "not-cors-500.har", &text).await?;
    browser.wait_for_text("#har-status", WAIT, |t| t.starts_with("not-cors-500.har: 1 request(s)")).await?;
    let shown = browser.text("#har-result").await?;
    if !shown.contains("Your server answered 500 without CORS headers: fix that answer, not the CORS policy.")
    {
        return Err(format!("the 500 shows {shown:?}"));
    }

    // Secrets: the full export's cookie and token never reach the page.
    let text = std::fs::read_to_string(fixture("chromium/credentialed-cookie.full.har"))
        .map_err(|e| e.to_string())?;
    drop_file(browser, "credentialed-cookie.full.har", &text).await?;
    browser
        .wait_for_text("#har-status", WAIT, |t| t.starts_with("credentialed-cookie.full.har: 2 request(s)"))
        .await?;
    let page = browser.eval("return document.body.innerHTML;").await?.to_string();
    if page.contains("made-up-session-0001") || page.contains("made-up-token-0002") {
        return Err("a secret of the HAR is on the page".into());
    }

    // Not a HAR, and one with markup in it: a sentence, nothing rendered as HTML, and the page still works.
    drop_file(browser, "notes.txt", "<img src=x onerror=\"document.title='owned'\">").await?;
    browser
        .wait_for_text("#har-status", WAIT, |t| t.starts_with("Could not judge notes.txt: This is not a HAR"))
        .await?;
    let hostile = json!({"log": {"entries": [{
        "request": {"method": "GET", "url": "http://api.test/<img src=x onerror=\"document.title='owned'\">",
                    "headers": [{"name": "Origin", "value": "http://app.test"}]},
        "response": {"status": 200, "headers": [{"name": "Access-Control-Allow-Origin", "value": "<b>bold</b>"}]},
    }]}});
    drop_file(browser, "hostile.har", &hostile.to_string()).await?;
    browser.wait_for_text("#har-status", WAIT, |t| t.starts_with("hostile.har: 1 request(s)")).await?;
    let title = browser
        .eval("return [document.title, document.querySelectorAll('#har-result img, #har-result b').length];")
        .await?;
    if title[0] == "owned" || title[1] != 0 {
        return Err(format!("the HAR's strings became markup: {title}"));
    }
    // The page goes on working; and its own verdicts say the same of a 500 without CORS headers.
    browser.eval("document.querySelector('#request-form').elements.path.value = '/api/error?cors=no'; return true;").await?;
    browser.click("#lab-send").await?;
    let why = "#lab-result .panel:nth-of-type(3) p";
    browser
        .wait_for_text(why, WAIT, |t| {
            t.starts_with(
                "Your server answered 500 without CORS headers: fix that answer, not the CORS policy.",
            )
        })
        .await?;
    Ok(())
}
