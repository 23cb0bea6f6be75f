//! An exchange as the browser saw it: the third of the three views.
//!
//! The API's record says what was asked and answered; the browser model says what Chromium made of it.
//! For a request from a page (it carries `Origin`), the verdict is the model's judgement of a plain
//! `fetch()` of that URL — what the tutorial's button sends. A request with no `Origin` was not a
//! cross-origin request from a page (curl, the address bar), so CORS does not apply and there is no verdict.

use serde_json::{Value, json};
use server::Exchange;

use crate::model::{self, Preflight, Request, Response, Verdict};

/// The model's verdict on `exchange`, taken as the answer to a default `fetch()` from its `Origin`.
pub fn verdict(exchange: &Exchange) -> Option<Verdict> {
    if exchange.preflight {
        return None;
    }
    let origin = exchange.origin()?;
    // The tutorial's button: `fetch(url, { cache: 'no-store' })`, every other option at its default.
    let request = Request::new(exchange.method.as_str(), request_url(exchange));
    Some(model::judge(origin, &request, Preflight::NotSent, &[response_of(exchange)]))
}

/// The API's answer in `exchange`, as the browser model takes it.
pub fn response_of(exchange: &Exchange) -> Response {
    Response {
        url: request_url(exchange),
        status: exchange.status.as_u16(),
        headers: exchange
            .response_headers
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
    }
}

/// The console line Chromium printed for `exchange`, if the browser blocked it.
pub fn chromium_message(exchange: &Exchange) -> Option<String> {
    verdict(exchange)?.chromium_message
}

/// The URL the browser requested, rebuilt from the API's `Host` header and the request's path.
pub fn request_url(exchange: &Exchange) -> String {
    let host = exchange.request_header("host").unwrap_or("localhost");
    format!("http://{host}{}", exchange.uri)
}

/// `exchange` as `GET /sandbox/log` and the live feed show it: the API's record plus the verdict.
pub fn view(exchange: &Exchange) -> Value {
    view_with(exchange, verdict(exchange).as_ref())
}

/// Like [`view`], with the verdict already computed.
pub fn view_with(exchange: &Exchange, verdict: Option<&Verdict>) -> Value {
    let mut view = serde_json::to_value(exchange).unwrap_or_else(|_| json!({}));
    view["verdict"] = verdict.map_or(Value::Null, verdict_json);
    if exchange.origin().is_none() && !exchange.preflight {
        view["note"] = json!(
            "No Origin header: this request did not come from a cross-origin page (curl, a script, the address bar), so CORS does not apply and whoever sent it reads the answer."
        );
    }
    view
}

/// A verdict as JSON for the page.
pub fn verdict_json(verdict: &Verdict) -> Value {
    // The rule in plain words: the check that failed, or else the last check, which let the answer through.
    let rule = verdict
        .checks
        .iter()
        .find(|check| !check.passed)
        .or_else(|| verdict.checks.last())
        .map(|check| check.explanation.clone());
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
        "readable_headers": verdict.readable_headers,
        "js_error": verdict.js_error,
    })
}
