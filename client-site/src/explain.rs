//! An exchange as the browser saw it: the third of the three views, in the page's words.
//!
//! The API's record says what was asked and answered; the browser model says what the browser made of
//! it. [`crate::judgement`] decides the verdict once from the record; this module turns it into the JSON
//! `GET /sandbox/log`, the live feed and the lab show.

use serde_json::{Value, json};
use server::Exchange;

use crate::judgement::Judgement;
use browser_model::{CheckId, CorsError, Engine, LocalNetworkAccess, NotCors, ResponseType, Verdict};
use serde::Serialize;

/// `exchange` as `GET /sandbox/log` and the live feed show it: the API's record plus its judgement.
pub fn view(exchange: &Exchange, judgement: &Judgement) -> Value {
    let mut view = record_view(exchange);
    view["verdict"] = judgement_json(judgement);
    view
}

/// The API's record of `exchange` alone, with a note when CORS did not apply to it.
pub fn record_view(exchange: &Exchange) -> Value {
    let mut view = serde_json::to_value(exchange).unwrap_or_else(|_| json!({}));
    // The lines the page shows of the answer (`browser_model::http::is_cors_response_header`).
    let shown: Vec<Value> = exchange
        .response_headers
        .iter()
        .filter(|(name, _)| browser_model::http::is_cors_response_header(name))
        .map(|(name, value)| json!([name, value]))
        .collect();
    view["cors_response_headers"] = Value::Array(shown);
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

/// A verdict as the page, `check --json` and the lab read it: one shape, in one place.
#[derive(Debug, Serialize)]
pub struct VerdictView<'a> {
    /// Whether the `fetch()` promise resolves.
    pub allowed: bool,
    /// `res.type` when it does.
    pub response_type: Option<ResponseType>,
    /// Whether a preflight was sent, and why.
    pub preflight: bool,
    pub preflight_reason: Option<&'a str>,
    /// The DevTools `CorsError` of the check that failed.
    pub failed_check: Option<CorsError>,
    /// The rule in plain words.
    pub rule: Option<String>,
    /// Chromium's console line, and every line it prints in order (then "Failed to load resource: …").
    pub chromium_message: Option<&'a str>,
    pub chromium_messages: Vec<&'a str>,
    /// Firefox's first line, and every line in order (a failed preflight adds "CORS request did not
    /// succeed").
    pub firefox_message: Option<&'a str>,
    pub firefox_messages: &'a [String],
    /// WebKit's first line, and every line in order.
    pub webkit_message: Option<&'a str>,
    pub webkit_messages: &'a [String],
    /// The response headers JavaScript may read.
    pub readable_headers: &'a [String],
    /// What the promise rejects with in Chromium.
    pub js_error: Option<&'a str>,
    /// Local Network Access, when a request needed the permission.
    pub local_network_access: Option<&'a LocalNetworkAccess>,
    /// Each engine's lines, in the engines' order, with the engine's word and name: what the page lists.
    pub engines: Vec<EngineLines<'a>>,
    /// A block that is the server's error answer, not its CORS policy: said first where it is shown.
    pub not_cors: Option<NotCorsView>,
}

/// One engine's console lines for a verdict.
#[derive(Debug, Serialize)]
pub struct EngineLines<'a> {
    pub engine: Engine,
    pub name: &'static str,
    pub lines: Vec<&'a str>,
}

/// [`NotCors`] as the page and the JSON read it: the status, whether it answered the preflight, the
/// sentence that leads, and the usual causes.
#[derive(Debug, Serialize)]
pub struct NotCorsView {
    pub status: u16,
    pub preflight: bool,
    pub headline: String,
    pub causes: Vec<&'static str>,
}

impl NotCorsView {
    /// The view of `not_cors`.
    pub fn of(not_cors: NotCors) -> NotCorsView {
        NotCorsView {
            status: not_cors.status,
            preflight: not_cors.preflight,
            headline: not_cors.headline(),
            causes: not_cors.causes(),
        }
    }
}

impl<'a> VerdictView<'a> {
    /// The view of `verdict`.
    pub fn of(verdict: &'a Verdict) -> VerdictView<'a> {
        VerdictView {
            allowed: verdict.allowed,
            response_type: verdict.response_type,
            preflight: verdict.preflight,
            preflight_reason: verdict.preflight_reason.as_deref(),
            failed_check: verdict.failed_check.as_ref().and_then(|f| f.devtools_enum),
            rule: rule_of(verdict),
            chromium_message: verdict.chromium_message.as_deref(),
            chromium_messages: lines_of(verdict, Engine::Chromium),
            firefox_message: verdict.firefox_message.as_deref(),
            firefox_messages: &verdict.firefox_messages,
            webkit_message: verdict.webkit_message.as_deref(),
            webkit_messages: &verdict.webkit_messages,
            readable_headers: &verdict.readable_headers,
            js_error: verdict.js_error.as_deref(),
            local_network_access: verdict.local_network_access.as_ref(),
            engines: Engine::ALL
                .into_iter()
                .map(|engine| EngineLines {
                    engine,
                    name: engine.shown_name(),
                    lines: lines_of(verdict, engine),
                })
                .collect(),
            not_cors: NotCors::of(verdict).map(NotCorsView::of),
        }
    }
}

/// Every line `engine` prints for `verdict`, in order.
fn lines_of(verdict: &Verdict, engine: Engine) -> Vec<&str> {
    match engine {
        Engine::Chromium => verdict
            .chromium_message
            .iter()
            .chain(&verdict.chromium_network_message)
            .map(String::as_str)
            .collect(),
        Engine::Firefox => verdict.firefox_messages.iter().map(String::as_str).collect(),
        Engine::Webkit => verdict.webkit_messages.iter().map(String::as_str).collect(),
    }
}

/// A verdict as JSON for the page ([`VerdictView`]).
pub fn verdict_json(verdict: &Verdict) -> Value {
    serde_json::to_value(VerdictView::of(verdict)).unwrap_or(Value::Null)
}
