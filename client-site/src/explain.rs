//! An exchange as the browser saw it: the third of the three views, in the page's words.
//!
//! The API's record says what was asked and answered; the browser model says what the browser made of
//! it. [`crate::judgement`] decides the verdict once from the record; this module turns it into the JSON
//! `GET /sandbox/log`, the live feed and the lab show.

use serde_json::{Value, json};
use server::Exchange;

use crate::judgement::Judgement;
use browser_model::{CheckId, NotCors, Verdict};

/// `exchange` as `GET /sandbox/log` and the live feed show it: the API's record plus its judgement.
pub fn view(exchange: &Exchange, judgement: &Judgement) -> Value {
    let mut view = record_view(exchange);
    view["verdict"] = judgement_json(judgement);
    view
}

/// The API's record of `exchange` alone, with a note when CORS did not apply to it.
pub fn record_view(exchange: &Exchange) -> Value {
    let mut view = serde_json::to_value(exchange).unwrap_or_else(|_| json!({}));
    if exchange.origin().is_none() && !exchange.preflight {
        view["note"] = json!(
            "No Origin header: this request did not come from a cross-origin page (curl, a script, the address bar), so CORS does not apply and whoever sent it reads the answer."
        );
    }
    view
}

/// A judgement as JSON: `null` where CORS does not apply, the verdict, or — when the record cannot tell
/// whether the page sent credentials and that decides it — `allowed: null` with both outcomes.
pub fn judgement_json(judgement: &Judgement) -> Value {
    match judgement {
        Judgement::NotCors => Value::Null,
        Judgement::Known(verdict) => verdict_json(verdict),
        Judgement::DependsOnCredentials { included, not_included } => {
            let outcome = |v: &Verdict| if v.allowed { "let the page read the answer" } else { "blocked it" };
            json!({
                "allowed": null,
                "rule": format!(
                    "The API's record cannot tell whether the page asked for credentials: no cookie was sent, and there may have been none to send. If the page used credentials: 'include', the browser {}{}; if not, the browser {}.",
                    outcome(included),
                    rule_of(included).map(|rule| format!(" ({rule})")).unwrap_or_default(),
                    outcome(not_included),
                ),
                "if_credentials_included": verdict_json(included),
                "if_not": verdict_json(not_included),
            })
        }
    }
}

/// The rule in plain words: the check that failed; or, for an answer the page may read, why the CORS
/// check let it through and what JavaScript gets.
fn rule_of(verdict: &Verdict) -> Option<String> {
    if let Some(failed) = verdict.checks.iter().find(|check| !check.passed) {
        return Some(failed.explanation.clone());
    }
    let delivered = verdict.checks.last()?;
    let allowed_by = verdict.checks.iter().rev().find(|check| check.name == CheckId::CorsCheck);
    Some(match allowed_by {
        Some(cors) => format!("{} {}", cors.explanation, delivered.explanation),
        None => delivered.explanation.clone(),
    })
}

/// A verdict as JSON for the page.
pub fn verdict_json(verdict: &Verdict) -> Value {
    let rule = rule_of(verdict);
    json!({
        "allowed": verdict.allowed,
        "response_type": verdict.response_type,
        "preflight": verdict.preflight,
        "preflight_reason": verdict.preflight_reason,
        "failed_check": verdict.failed_check.as_ref().and_then(|f| f.devtools_enum),
        "rule": rule,
        "chromium_message": verdict.chromium_message,
        // Every line, in order: the console line, then the network one ("Failed to load resource: …").
        "chromium_messages": verdict.chromium_message.iter().chain(&verdict.chromium_network_message).collect::<Vec<_>>(),
        "firefox_message": verdict.firefox_message,
        // Every line Firefox prints, in order (a failed preflight adds "CORS request did not succeed").
        "firefox_messages": verdict.firefox_messages,
        "webkit_message": verdict.webkit_message,
        "webkit_messages": verdict.webkit_messages,
        "webkit_js_error": (!verdict.allowed).then_some("TypeError: Load failed"),
        "readable_headers": verdict.readable_headers,
        "js_error": verdict.js_error,
        // A block that is the server's error answer, not its CORS policy: said first where it is shown.
        "not_cors": NotCors::of(verdict).map(|n| json!({
            "status": n.status,
            "preflight": n.preflight,
            "headline": n.headline(),
            "causes": n.causes(),
        })),
    })
}
