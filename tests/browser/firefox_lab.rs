//! The request lab in Firefox: the same scenarios as in Chromium (`lab::SCENARIOS`), each run through the
//! lab's own `sandbox.send()`, asserting that Firefox read or blocked as expected, that the model agrees
//! with what JavaScript got, and that the model's Firefox console lines are the lines Firefox printed,
//! all of them, in order.

use serde_json::{Value, json};

use crate::firefox::Firefox;
use crate::lab::{self, Scenario};
use crate::sandbox::SandboxProcess;

/// What `fetch()` rejects with in Firefox, for every CORS failure and network error.
const FIREFOX_FETCH_ERROR: &str = "TypeError: NetworkError when attempting to fetch resource.";

/// Whether an engine-reported console line is one of Firefox's CORS lines.
pub(crate) fn is_cors_line(line: &str) -> bool {
    line.starts_with("Cross-Origin Request Blocked:") || line.starts_with("Security Error: Content at")
}

/// Runs every scenario in the lab page in Firefox; returns (scenarios, agreements) and each failure.
pub async fn run_all(
    firefox: &Firefox,
    sandbox: &SandboxProcess,
) -> Result<(usize, usize, Vec<String>), String> {
    firefox.goto(&format!("{}/lab", sandbox.site)).await?;
    // A cookie for the credentialed scenarios, as in Chromium: cookies are per host, not per port.
    firefox.eval("document.cookie = 'sid=abc123; path=/; SameSite=Lax'").await?;
    Ok(lab::tally(|scenario| run_one(firefox, sandbox, scenario)).await)
}

async fn run_one(firefox: &Firefox, sandbox: &SandboxProcess, scenario: &Scenario) -> Result<(), String> {
    let policy = scenario.policy.replace("{origin}", &sandbox.site);
    firefox.eval(&format!("sandbox.replacePolicy({policy})")).await?;
    firefox.engine_lines().await?; // everything before this request is out of the way
    firefox.clear_console();
    let result = firefox.eval(&format!("sandbox.send({}, {})", json!(scenario.path), scenario.init)).await?;
    let lines = firefox.engine_lines().await?;
    let printed: Vec<String> = lines.iter().filter(|l| is_cors_line(l)).cloned().collect();
    let verdict = &result["verdict"];
    let mut problems = lab::engine_neutral_problems(&result, scenario);
    let resolved = result["js"]["error"].is_null();
    // Where Chromium says "Failed to fetch" (a CORS or network failure, not a TypeError from the Request
    // constructor, whose wording each engine has its own), Firefox says its own sentence.
    if !resolved
        && verdict["js_error"] == json!("TypeError: Failed to fetch")
        && result["js"]["error"] != json!(FIREFOX_FETCH_ERROR)
    {
        problems
            .push(format!("JavaScript got {} rather than {FIREFOX_FETCH_ERROR:?}", result["js"]["error"]));
    }
    let predicted: Vec<String> = verdict["firefox_messages"]
        .as_array()
        .map(|lines| lines.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if printed != predicted {
        problems.push(format!(
            "Firefox printed {printed:?}, the model predicted {predicted:?} (every engine line: {lines:?})"
        ));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// The lab's "why" view in Firefox shows Firefox's own console lines first, and Chromium's under a fold —
/// pressed as a learner presses it, on the article's policy (blocked).
pub async fn why_view_speaks_firefox(firefox: &Firefox, sandbox: &SandboxProcess) -> Result<(), String> {
    firefox.goto(&format!("{}/lab", sandbox.site)).await?;
    firefox.eval("sandbox.replacePolicy({})").await?;
    let shown = firefox
        .eval(
            "(async () => {
               document.querySelector('#lab-send').click();
               for (let i = 0; i < 400; i++) {
                 const why = [...document.querySelectorAll('#lab-result .panel')].at(-1);
                 const first = why?.querySelector('pre.console');
                 if (first) {
                   return {
                     first: first.textContent,
                     folded: first.closest('details') !== null,
                     fold: why.querySelector('details summary')?.textContent ?? null,
                   };
                 }
                 await new Promise((resolve) => setTimeout(resolve, 25));
               }
               return null;
             })()",
        )
        .await?;
    let first = shown["first"].as_str().unwrap_or("");
    if !first.starts_with("Cross-Origin Request Blocked:") || shown["folded"] != json!(false) {
        return Err(format!("the why view in Firefox shows first: {shown}"));
    }
    if shown["fold"] != json!("Chromium says it differently") {
        return Err(format!("the other engine's fold: {shown}"));
    }
    Ok(())
}
