//! Local Network Access and mixed content against what the engines did: every measured request of
//! `tests/fixtures/lna-lines.json` (docs/local-network-access.md) is walked by the stepper as that engine,
//! from a page in the measured address space with the measured permission, and the verdict and each console
//! line must be the engine's. Rows about something else than one `fetch()` (a `<meta>` note, an iframe, the
//! page's own favicon, a fetch Firefox left waiting) are named and skipped.

use browser_model::{AddressSpace, Answer, Engine, Fetch, PageState, Permission, Request, Response, Step};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/lna-lines.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture is in the repository"))
        .expect("JSON")
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The first word of a descriptive field (`public (CSP header)` → `public`).
fn word(value: &Value) -> &str {
    text(value).split([' ', ',', '(']).next().unwrap_or_default()
}

/// A console entry's text, without WebKit's `page:line:col: CONSOLE LEVEL` prefix.
fn line(entry: &Value) -> String {
    if let Some(text) = entry["text"].as_str() {
        return text.to_string();
    }
    let raw = text(&entry["raw"]).trim_end();
    for level in ["CONSOLE SECURITY WARN ", "CONSOLE SECURITY ERROR ", "CONSOLE JS ERROR "] {
        if let Some((_, rest)) = raw.split_once(level) {
            return rest.to_string();
        }
    }
    raw.to_string()
}

/// The page's URL: WebKit's mixed-content line names it; otherwise the page's origin.
fn page_url(row: &Value) -> String {
    for entry in row["console"].as_array().into_iter().flatten() {
        let text = line(entry);
        if let Some(rest) = text.strip_prefix("[blocked] The page at ")
            && let Some((page, _)) = rest.split_once(" requested")
        {
            return page.to_string();
        }
    }
    format!("{}/", text(&row["page_origin"]))
}

/// Why a row is not one `fetch()` the stepper can walk, if it is not.
fn skipped(row: &Value) -> Option<&'static str> {
    let scenario = text(&row["scenario"]);
    if text(&row["target"]).is_empty() {
        return Some("a console note about the page itself");
    }
    if scenario.contains("iframe") {
        return Some("a frame's fetch: the frame's own origin and policy");
    }
    if scenario.contains("favicon") {
        return Some("the page's own favicon, not a fetch()");
    }
    if text(&row["js"]).starts_with("none") {
        return Some("Firefox left the fetch waiting for an answer nobody can give headless");
    }
    None
}

fn walk(row: &Value) -> Result<(), String> {
    let engine: Engine = word(&row["engine"]).replace("WebKitGTK", "webkit").parse()?;
    let scenario = text(&row["scenario"]);
    let mut request = Request::get(text(&row["target"]));
    if scenario.contains("preflighted POST") {
        request =
            Request::new("POST", text(&row["target"])).header("Content-Type", "application/json").body("{}");
    }
    if scenario.contains("credentialed") {
        request.credentials = browser_model::Credentials::Include;
    }
    if let Some((_, rest)) = scenario.split_once("tas=") {
        request.target_address_space = rest.split([',', ' ', ')']).next().and_then(|w| w.parse().ok());
    }
    let target_space: AddressSpace = word(&row["target_space"]).parse()?;
    let permission_text = text(&row["permission"]);
    // A headless prompt, a "Block" and a dismissal all refuse; a grant of the other permission is none.
    let granted = permission_text.starts_with("granted")
        || permission_text.starts_with(&format!("{} granted", target_space.permission().unwrap_or("-")));
    let state = PageState {
        address_space: word(&row["page_space"]).parse().ok(),
        permission: if granted { Permission::Granted } else { Permission::Denied },
        ..PageState::default()
    };
    let mut fetch = Fetch::start_in(engine, &page_url(row), &request, &state);
    let answer_ok = Response::new(text(&row["target"]), 200)
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Allow-Headers", "content-type");
    let verdict = loop {
        match fetch.step() {
            Step::Send(out) => {
                if out.address_space.is_none() {
                    return Err(format!("{} went out with no address space", out.url));
                }
                fetch.feed(Answer::Response(&answer_ok));
            }
            Step::Done(verdict) => break verdict.clone(),
        }
    };
    let refused = !text(&row["js"]).is_empty();
    if verdict.allowed == refused {
        return Err(format!(
            "the engine {}; the model {}",
            if refused { "refused it" } else { "let it through" },
            if verdict.allowed { "allows it" } else { "refuses it" }
        ));
    }
    let console: Vec<String> = row["console"].as_array().into_iter().flatten().map(line).collect();
    if !refused {
        // Chromium's "Mixed Content … should also be served over HTTPS." for a private target is a warning.
        return match verdict.chromium_message {
            None => Ok(()),
            Some(line) => Err(format!("allowed, yet the model predicts {line:?}")),
        };
    }
    let predicted: Vec<String> = match engine {
        Engine::Chromium => {
            verdict.chromium_message.iter().chain(&verdict.chromium_network_message).cloned().collect()
        }
        Engine::Firefox => verdict.firefox_messages.clone(),
        Engine::Webkit => verdict.webkit_messages.clone(),
    };
    if predicted != console {
        return Err(format!("the engine printed {console:#?}\nthe model predicts {predicted:#?}"));
    }
    Ok(())
}

#[test]
fn local_network_access_and_mixed_content_as_each_engine_decides() {
    let fixture = fixture();
    let mut failures = Vec::new();
    let mut walked = 0;
    for row in fixture["lines"].as_array().expect("lines") {
        if skipped(row).is_some() {
            continue;
        }
        walked += 1;
        if let Err(e) = walk(row) {
            failures.push(format!("{} / {}: {e}", text(&row["engine"]), text(&row["scenario"])));
        }
    }
    assert!(walked >= 30, "only {walked} rows walked");
    assert!(failures.is_empty(), "{} of {walked} differ:\n{}", failures.len(), failures.join("\n\n"));
}

/// The recorded door in a page's state (`judge_in`), as the lesson's public page reports it: a refusal left no
/// record and is judged refused in each engine's words; a recorded request went out as usual.
#[test]
fn a_recording_is_judged_in_the_state_the_page_reports() {
    use browser_model::{Preflight, judge_in};
    let api = "http://localhost:8000/api";
    let request = Request::get(api);
    let public = |permission| PageState {
        address_space: Some(AddressSpace::Public),
        permission,
        ..PageState::default()
    };
    let answer = Response::new(api, 200).header("Access-Control-Allow-Origin", "*");
    let refused = format!(
        "Access to fetch at '{api}' from origin 'http://localhost:3000' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space."
    );
    let did_not_succeed = format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {api}. (Reason: CORS request did not succeed). Status code: (null)."
    );
    // (engine, permission, recorded, allowed, the engine's first line)
    let rows: [(Engine, Permission, bool, bool, Option<&str>); 5] = [
        (Engine::Chromium, Permission::Denied, false, false, Some(&refused)),
        (Engine::Firefox, Permission::Denied, false, false, Some(&did_not_succeed)),
        (Engine::Chromium, Permission::Granted, true, true, None),
        (Engine::Firefox, Permission::Granted, true, true, None),
        // WebKit has no Local Network Access: it sends the request whatever the page asked.
        (Engine::Webkit, Permission::Denied, true, true, None),
    ];
    for (engine, permission, recorded, allowed, line) in rows {
        let actual = if recorded { vec![answer.clone()] } else { Vec::new() };
        let verdict = judge_in(
            engine,
            "http://localhost:3000",
            &request,
            &public(permission),
            Preflight::NotSent,
            &actual,
        );
        assert_eq!(verdict.allowed, allowed, "{engine} {permission:?}");
        let first = match engine {
            Engine::Chromium => verdict.chromium_message.clone(),
            Engine::Firefox => verdict.firefox_message.clone(),
            Engine::Webkit => verdict.webkit_message.clone(),
        };
        assert_eq!(first.as_deref(), line, "{engine} {permission:?}");
        let gated = engine != Engine::Webkit;
        assert_eq!(verdict.local_network_access.is_some(), gated, "{engine} {permission:?}");
    }
}
