//! The request lab's join: what the page asked for and got, what the API recorded, and the model's verdict.
//!
//! The lab tags each request with a trace id (`?trace=…`); the API records the preflight and every hop
//! of the actual request under that id. When the page reports its attempt (`POST /sandbox/attempts`),
//! this module gathers those exchanges, runs the browser model on them, and compares the model's verdict
//! with what JavaScript actually got. A disagreement is reported, never hidden: the browser is the judge.
//!
//! Requests sent with the browser's default cache are left untagged — the preflight cache is keyed by URL,
//! so a tag would defeat the `Max-Age` lesson — and are matched to the API's records by order instead.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use server::Exchange;

use crate::explain;
use crate::model::{self, Credentials, Mode, Preflight, Request, Response, Verdict};

/// Upper bound on what a page may report, so one report cannot hold much memory.
const MAX_REPORTED_HEADERS: usize = 64;

/// What the page sent and what its JavaScript got, as it reports it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    /// The trace id in the request's query string, or `null` for an untagged request.
    pub trace: Option<String>,
    /// For an untagged request: the last `seq` in the API's log before the request was sent.
    #[serde(default)]
    pub after_seq: u64,
    /// The absolute URL passed to `fetch()`.
    pub url: String,
    /// The method as the page wrote it (`patch` stays lower-case).
    pub method: String,
    /// The request headers the page set, plus the `Content-Type` its body implies.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// `omit`, `same-origin` or `include`.
    pub credentials: String,
    /// `cors`, `no-cors` or `same-origin`.
    pub mode: String,
    /// The `cache` option: `no-store`, `default`, …
    #[serde(default)]
    pub cache: Option<String>,
    /// What JavaScript got.
    pub js: JsView,
}

/// The first view: what the `fetch()` promise gave the page.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct JsView {
    /// `res.ok`, or `null` when `fetch()` rejected.
    pub ok: Option<bool>,
    /// `res.status`.
    pub status: Option<u16>,
    /// `res.type`: `cors`, `basic`, `opaque`, …
    #[serde(rename = "type")]
    pub response_type: Option<String>,
    /// The response headers JavaScript could read (`[...res.headers]`).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body as text, if it was read.
    pub body: Option<String>,
    /// What the promise rejected with, e.g. `TypeError: Failed to fetch`; `null` if it resolved.
    pub error: Option<String>,
}

impl Attempt {
    /// Checks the report's shape, with a sentence for the page when it is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.headers.len() > MAX_REPORTED_HEADERS || self.js.headers.len() > MAX_REPORTED_HEADERS {
            return Err(format!("An attempt may report at most {MAX_REPORTED_HEADERS} headers."));
        }
        credentials(&self.credentials)?;
        mode(&self.mode)?;
        Ok(())
    }

    /// The request as the browser model takes it.
    pub fn request(&self) -> Request {
        Request {
            url: self.url.clone(),
            method: self.method.clone(),
            headers: self.headers.clone(),
            credentials: credentials(&self.credentials).unwrap_or_default(),
            mode: mode(&self.mode).unwrap_or_default(),
            ..Request::default()
        }
    }

    fn uses_preflight_cache(&self) -> bool {
        self.cache.as_deref().is_some_and(|c| c != "no-store" && c != "reload")
    }

    /// The API's records of this attempt: by trace id, or for an untagged request the records after
    /// `after_seq` for the same path.
    pub fn exchanges(&self, recent: &[Arc<Exchange>]) -> Vec<Arc<Exchange>> {
        match &self.trace {
            Some(trace) => recent.iter().filter(|x| x.trace() == Some(trace.as_str())).cloned().collect(),
            None => {
                let path = path_of(&self.url);
                recent.iter().filter(|x| x.seq > self.after_seq && x.uri.path() == path).cloned().collect()
            }
        }
    }
}

fn credentials(text: &str) -> Result<Credentials, String> {
    match text {
        "omit" => Ok(Credentials::Omit),
        "same-origin" => Ok(Credentials::SameOrigin),
        "include" => Ok(Credentials::Include),
        other => Err(format!("`credentials` must be omit, same-origin or include, not {other:?}.")),
    }
}

fn mode(text: &str) -> Result<Mode, String> {
    match text {
        "cors" => Ok(Mode::Cors),
        "no-cors" => Ok(Mode::NoCors),
        "same-origin" => Ok(Mode::SameOrigin),
        other => Err(format!("`mode` must be cors, no-cors or same-origin, not {other:?}.")),
    }
}

/// The path of an absolute URL, without query or fragment.
fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("/")
}

/// The three views of one attempt, and whether the model agrees with the browser.
#[derive(Debug)]
pub struct Joined {
    pub verdict: Verdict,
    pub exchanges: Vec<Arc<Exchange>>,
    /// Whether the verdict matched what JavaScript got: resolved or rejected, the response type, and
    /// which headers it could read.
    pub agrees: bool,
    /// Each way the model's prediction and what the browser did differ, as a sentence — including the
    /// ones JavaScript cannot see, such as a preflight answered from the browser's cache.
    pub disagreements: Vec<String>,
}

/// Runs the browser model on an attempt and what the API recorded for it.
pub fn join(page_origin: &str, attempt: &Attempt, recent: &[Arc<Exchange>]) -> Joined {
    let exchanges = attempt.exchanges(recent);
    let preflight = exchanges.iter().find(|x| x.preflight).map(|x| explain::response_of(x));
    let actual: Vec<Response> =
        exchanges.iter().filter(|x| !x.preflight).map(|x| explain::response_of(x)).collect();
    let request = attempt.request();
    let verdict = model::judge(
        page_origin,
        &request,
        preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent),
        &actual,
    );
    let (js_differences, other_differences) = compare(attempt, &verdict, &exchanges, preflight.is_some());
    let agrees = js_differences.is_empty();
    let disagreements = js_differences.into_iter().chain(other_differences).collect();
    Joined { verdict, exchanges, agrees, disagreements }
}

/// Where the model's verdict and the browser's behaviour differ: first what JavaScript saw differently,
/// then what only the API's records show (preflights, cache hits).
fn compare(
    attempt: &Attempt,
    verdict: &Verdict,
    exchanges: &[Arc<Exchange>],
    preflight_seen: bool,
) -> (Vec<String>, Vec<String>) {
    let mut differences = Vec::new();
    let mut unseen_by_js = Vec::new();
    let js = &attempt.js;
    let resolved = js.error.is_none();
    if verdict.allowed != resolved {
        differences.push(match resolved {
            true => {
                "The model predicted that the browser would block this request, but fetch() resolved.".into()
            }
            false => format!(
                "The model predicted that fetch() would resolve, but it rejected with {}.",
                js.error.as_deref().unwrap_or("an error")
            ),
        });
    }
    if verdict.preflight && !preflight_seen && !exchanges.is_empty() {
        unseen_by_js.push(if attempt.uses_preflight_cache() {
            "The rules call for a preflight, but none reached the API: the browser answered it from its preflight cache (Access-Control-Max-Age)."
                .into()
        } else {
            "The rules call for a preflight, but none reached the API.".into()
        });
    }
    if !verdict.preflight && preflight_seen {
        unseen_by_js.push("The model predicted no preflight, but the API received one.".into());
    }
    if exchanges.is_empty() && !resolved && attempt.uses_preflight_cache() && attempt.mode == "cors" {
        unseen_by_js.push(
            "No request reached the API, yet the browser blocked it: it used a response from its HTTP cache, which the model cannot see. The console names that cached response's headers."
                .into(),
        );
    }
    if exchanges.is_empty() && resolved {
        unseen_by_js.push(
            "No request reached the API, yet fetch() resolved: the browser answered from its HTTP cache."
                .into(),
        );
    }
    if verdict.allowed && resolved {
        if let (Some(predicted), Some(got)) = (verdict.response_type, js.response_type.as_deref())
            && predicted != got
        {
            differences.push(format!("The model predicted a {predicted} response; JavaScript got {got}."));
        }
        let readable: BTreeSet<String> =
            verdict.readable_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
        let got: BTreeSet<String> = js.headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        if !exchanges.is_empty() && readable != got {
            differences.push(format!(
                "The model predicted JavaScript could read {readable:?}; it could read {got:?}."
            ));
        }
    }
    (differences, unseen_by_js)
}

/// The joined attempt as the page, `sandbox.send()` and the live feed show it.
pub fn view(attempt: &Attempt, joined: &Joined) -> Value {
    let server: Vec<Value> = joined.exchanges.iter().map(|x| explain::view_with(x, None)).collect();
    let verdict = &joined.verdict;
    let mut verdict_view = explain::verdict_json(verdict);
    verdict_view["checks"] = json!(
        verdict
            .checks
            .iter()
            .map(|c| json!({ "name": c.name, "step": c.step, "passed": c.passed, "explanation": c.explanation }))
            .collect::<Vec<_>>()
    );
    verdict_view["notes"] = json!(verdict.notes);
    verdict_view["origin_header"] = json!(verdict.origin_header);
    verdict_view["failed_in_preflight"] = json!(verdict.failed_check.as_ref().map(|f| f.in_preflight));
    verdict_view["failed_url"] = json!(verdict.failed_check.as_ref().map(|f| f.url.clone()));
    json!({
        "trace": attempt.trace,
        "request": {
            "url": attempt.url, "method": attempt.method, "headers": attempt.headers,
            "credentials": attempt.credentials, "mode": attempt.mode, "cache": attempt.cache,
        },
        "js": attempt.js,
        "server": server,
        "verdict": verdict_view,
        "agrees": joined.agrees,
        "disagreements": joined.disagreements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_of_strips_query_and_fragment() {
        assert_eq!(path_of("http://localhost:8000/api?trace=1"), "/api");
        assert_eq!(path_of("http://localhost:8000/api/echo#x"), "/api/echo");
        assert_eq!(path_of("http://localhost:8000"), "/");
    }

    #[test]
    fn bad_modes_are_named() {
        let attempt: Attempt = serde_json::from_value(json!({
            "trace": "t", "url": "http://localhost:8000/api", "method": "GET",
            "credentials": "sometimes", "mode": "cors", "js": {}
        }))
        .unwrap();
        assert!(attempt.validate().unwrap_err().contains("`credentials`"));
    }
}
