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

use crate::local_network::{self, LocalNetworkReport};
use crate::{explain, judgement};
use browser_model::{
    self, Credentials, Engine, Mode, Preflight, RedirectMode, Request, Response, ResponseType, Verdict,
};

/// Upper bound on what a page may report, so one report cannot hold much memory.
const MAX_REPORTED_HEADERS: usize = 64;

/// What the page sent and what its JavaScript got, as it reports it. The choices (`credentials`,
/// `mode`, `cache`, `res.type`) are parsed here, once: a value outside their lists is refused with the
/// list, and everything after this works with enums.
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
    pub credentials: Credentials,
    /// `cors`, `no-cors` or `same-origin`.
    pub mode: Mode,
    /// `follow` (the default), `manual` or `error`.
    #[serde(default)]
    pub redirect: RedirectMode,
    /// The `cache` option; `null` is the browser's default.
    #[serde(default)]
    pub cache: Option<CacheMode>,
    /// The page's own URL (`location.href`), which Firefox names in some messages. Used only when it is
    /// on the page's origin.
    #[serde(default)]
    pub page_url: Option<String>,
    /// What JavaScript got.
    pub js: JsView,
    /// The Local Network Access lesson's page, which asked to be public, reports its state here
    /// (`crate::local_network`); absent for every other page.
    #[serde(default)]
    pub local_network: Option<LocalNetworkReport>,
}

/// `fetch()`'s `cache` option (Fetch §5.3, `RequestCache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheMode {
    #[default]
    Default,
    NoStore,
    Reload,
    NoCache,
    ForceCache,
    OnlyIfCached,
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
    pub response_type: Option<ResponseType>,
    /// The response headers JavaScript could read (`[...res.headers]`).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body as text, if it was read.
    pub body: Option<String>,
    /// What the promise rejected with, e.g. `TypeError: Failed to fetch`; `null` if it resolved.
    pub error: Option<String>,
}

impl JsView {
    /// Whether the `fetch()` promise resolved.
    pub fn resolved(&self) -> bool {
        self.error.is_none()
    }
}

impl Attempt {
    /// Checks what the types cannot, with a sentence for the page when it is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.headers.len() > MAX_REPORTED_HEADERS || self.js.headers.len() > MAX_REPORTED_HEADERS {
            return Err(format!("An attempt may report at most {MAX_REPORTED_HEADERS} headers."));
        }
        Ok(())
    }

    /// The request as the browser model takes it.
    pub fn request(&self) -> Request {
        Request {
            url: self.url.clone(),
            method: self.method.clone(),
            headers: self.headers.clone(),
            credentials: self.credentials,
            mode: self.mode,
            redirect: self.redirect,
            // The page reports the headers its body implies; the body itself changes no verdict.
            body: None,
            target_address_space: None,
        }
    }

    /// The page the model judges from: the reported `page_url` when it is on `page_origin` (the origin
    /// the site was opened with), else `page_origin` itself.
    pub fn page(&self, page_origin: &str) -> String {
        let own = |url: &&String| {
            url.strip_prefix(page_origin).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        self.page_url.as_ref().filter(own).map_or_else(|| page_origin.to_owned(), String::clone)
    }

    /// Whether the browser could answer this request from a cache (its preflight cache or HTTP cache):
    /// only `no-store` and `reload` always go to the network.
    pub fn may_use_cache(&self) -> bool {
        !matches!(self.cache, Some(CacheMode::NoStore | CacheMode::Reload))
    }

    /// Whether the browser answered this request from its HTTP cache: nothing reached the API for a `GET` in
    /// CORS mode that a cache could answer (docs/console-messages.md row 39).
    fn answered_by_http_cache(&self, exchanges: &[Arc<Exchange>]) -> bool {
        exchanges.is_empty()
            && self.may_use_cache()
            && self.mode == Mode::Cors
            && self.method.eq_ignore_ascii_case("GET")
            && self.local_network.is_none()
    }

    /// The answer the HTTP cache held for this request: the API's last answer to the same URL before it
    /// (the log's record), when that answer could be stored (`Cache-Control` with a `max-age`, not `no-store`).
    fn stored_answer(&self, recent: &[Arc<Exchange>]) -> Option<Arc<Exchange>> {
        // The request line's target (path and query), as the API records it; read with the model's parser.
        let target = browser_model::Url::parse(&self.url).ok().map(|url| url.request_target());
        let storable = |x: &Exchange| {
            let cache_control = x.response_header("cache-control").unwrap_or("").to_ascii_lowercase();
            x.status.as_u16() == 200
                && cache_control.contains("max-age")
                && !cache_control.contains("no-store")
        };
        recent
            .iter()
            .rev()
            .filter(|x| self.trace.is_some() || x.seq <= self.after_seq)
            .find(|x| {
                !x.preflight
                    && x.method == axum::http::Method::GET
                    && Some(x.uri.to_string()) == target
                    && storable(x)
            })
            .cloned()
    }

    /// The API's records of this attempt: by trace id; or, for an untagged request, the first request
    /// after `after_seq` from `page_origin` with the same path and method and no trace id (another tab's,
    /// another learner's or a DevTools request is not taken for it), with the preflight just before it.
    pub fn exchanges(&self, recent: &[Arc<Exchange>], page_origin: &str) -> Vec<Arc<Exchange>> {
        if let Some(trace) = &self.trace {
            return recent.iter().filter(|x| x.trace() == Some(trace.as_str())).cloned().collect();
        }
        let path = path_of(&self.url);
        let ours = |x: &Exchange| {
            x.seq > self.after_seq
                && x.trace().is_none()
                && x.uri.path() == path.as_str()
                && x.origin() == Some(page_origin)
                && x.method.as_str().eq_ignore_ascii_case(&self.method)
        };
        let mut mine = Vec::new();
        for exchange in recent.iter().filter(|x| x.seq > self.after_seq) {
            if exchange.preflight {
                let asks_for_this = exchange.uri.path() == path
                    && exchange.origin() == Some(page_origin)
                    && exchange.trace().is_none()
                    && exchange
                        .request_header("access-control-request-method")
                        .is_some_and(|m| m.eq_ignore_ascii_case(&self.method));
                if asks_for_this {
                    mine = vec![Arc::clone(exchange)]; // the latest preflight before the request
                }
            } else if ours(exchange) {
                mine.push(Arc::clone(exchange));
                return mine;
            }
        }
        Vec::new()
    }
}

/// The path of an absolute URL, without query or fragment (`/` when it does not parse).
fn path_of(url: &str) -> String {
    browser_model::Url::parse(url).map_or_else(|_| "/".to_string(), |url| url.path().to_string())
}

/// The three views of one attempt, and whether the model agrees with the browser.
#[derive(Debug)]
pub struct Joined {
    pub verdict: Verdict,
    pub exchanges: Vec<Arc<Exchange>>,
    /// When the browser answered from its HTTP cache: the API's earlier answer the cache held (the one the
    /// verdict judged), or `Some(None)` when the log does not hold it.
    pub from_http_cache: Option<Option<Arc<Exchange>>>,
    /// Whether the verdict matched what JavaScript got: resolved or rejected, the response type, and
    /// which headers it could read.
    pub agrees: bool,
    /// Each way the model's prediction and what JavaScript got differ, as a sentence: empty when
    /// `agrees`. The browser is the judge, so each is a finding against the model.
    pub disagreements: Vec<String>,
    /// What only the API's log shows, and is no disagreement: a preflight answered from the browser's
    /// preflight cache, an answer from its HTTP cache.
    pub observations: Vec<String>,
}

/// Runs the browser model on an attempt and what the API recorded for it.
pub fn join(page_origin: &str, attempt: &Attempt, recent: &[Arc<Exchange>]) -> Joined {
    let exchanges = attempt.exchanges(recent, page_origin);
    let page = attempt.page(page_origin);
    let mut lesson_notes = Vec::new();
    let from_http_cache = attempt.answered_by_http_cache(&exchanges).then(|| attempt.stored_answer(recent));
    let verdict = if let Some(report) = &attempt.local_network {
        let (verdict, notes) = local_network::judge(&page, attempt, report, &exchanges);
        lesson_notes = notes;
        verdict
    } else if let Some(stored) = &from_http_cache {
        // The cache's answer is judged as if it had just arrived, as the browser does.
        let stored = stored.as_deref().map(judgement::response_of);
        browser_model::judge_from_http_cache(Engine::Chromium, &page, &attempt.request(), stored.as_ref())
    } else {
        let preflight = exchanges.iter().find(|x| x.preflight).map(|x| judgement::response_of(x));
        let actual: Vec<Response> =
            exchanges.iter().filter(|x| !x.preflight).map(|x| judgement::response_of(x)).collect();
        let preflight = preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent);
        browser_model::judge(&page, &attempt.request(), preflight, &actual)
    };
    let known_answer = !exchanges.is_empty() || from_http_cache.as_ref().is_some_and(Option::is_some);
    let disagreements = disagreements(&attempt.js, &verdict, known_answer);
    let preflight_seen = exchanges.iter().any(|x| x.preflight);
    let mut observations = observations(attempt, &verdict, &exchanges, preflight_seen, &from_http_cache);
    observations.extend(lesson_notes);
    Joined {
        agrees: disagreements.is_empty(),
        verdict,
        exchanges,
        from_http_cache,
        disagreements,
        observations,
    }
}

/// Where the model's verdict and what JavaScript got differ: resolved or rejected, `res.type`, and the
/// headers it could read (`reached_api`: whether the API has any record, without which the model could
/// not know the headers).
fn disagreements(js: &JsView, verdict: &Verdict, reached_api: bool) -> Vec<String> {
    let mut differences = Vec::new();
    let resolved = js.resolved();
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
    if verdict.allowed && resolved {
        if let (Some(predicted), Some(got)) = (verdict.response_type, js.response_type)
            && predicted != got
        {
            differences.push(format!("The model predicted a {predicted} response; JavaScript got {got}."));
        }
        let readable: BTreeSet<String> =
            verdict.readable_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
        let got: BTreeSet<String> = js.headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        if reached_api && readable != got {
            differences.push(format!(
                "The model predicted JavaScript could read {readable:?}; it could read {got:?}."
            ));
        }
    }
    differences
}

/// What the API's log shows of the browser's caches: facts the page should see, which are not
/// disagreements.
fn observations(
    attempt: &Attempt,
    verdict: &Verdict,
    exchanges: &[Arc<Exchange>],
    preflight_seen: bool,
    from_http_cache: &Option<Option<Arc<Exchange>>>,
) -> Vec<String> {
    let mut seen = Vec::new();
    let resolved = attempt.js.resolved();
    if verdict.preflight && !preflight_seen && !exchanges.is_empty() {
        seen.push(if attempt.may_use_cache() {
            "The rules call for a preflight, but none reached the API: the browser answered it from its preflight cache (Access-Control-Max-Age)."
                .into()
        } else {
            "The rules call for a preflight, but none reached the API.".into()
        });
    }
    if !verdict.preflight && preflight_seen {
        seen.push("The model predicted no preflight, but the API received one.".into());
    }
    match from_http_cache {
        Some(Some(stored)) => seen.push(format!(
            "No request reached the API, yet fetch() {}: the browser answered from its HTTP cache, with the API's earlier answer #{} (status {}), which the model judged.",
            if resolved { "resolved" } else { "was blocked" },
            stored.seq,
            stored.status.as_u16()
        )),
        Some(None) => seen.push(
            "No request reached the API: the browser answered from its HTTP cache, with an answer the API's log no longer holds. The console names that answer's headers; the model cannot predict them."
                .into(),
        ),
        None => {}
    }
    seen
}

/// The joined attempt as the page, `sandbox.send()` and the live feed show it.
pub fn view(attempt: &Attempt, joined: &Joined) -> Value {
    let server: Vec<Value> = joined.exchanges.iter().map(|x| explain::record_view(x)).collect();
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
    verdict_view["failed_check_id"] = json!(verdict.failed_check.as_ref().map(|f| f.name));
    // Nothing reached the API: the browser answered from its HTTP cache. Say that, not "network error".
    if let Some(stored) = &joined.from_http_cache {
        let rule = verdict_view["rule"].as_str().unwrap_or_default();
        verdict_view["rule"] = json!(match stored {
            Some(stored) => format!(
                "Nothing reached the API: the browser answered from its HTTP cache, with the answer the API sent earlier (#{}), judged as if it had just arrived. A cached answer without Vary: Origin can carry another origin's Access-Control-Allow-Origin, or none. {rule}",
                stored.seq
            ),
            None => "Nothing reached the API: the browser answered from its HTTP cache, with a response stored earlier that the API's log no longer holds: the prediction is unknown (the console names that response's headers). A cached answer without Vary: Origin can carry another origin's Access-Control-Allow-Origin, or none.".into(),
        });
    }
    verdict_view["failed_url"] = json!(verdict.failed_check.as_ref().map(|f| f.url.clone()));
    json!({
        "trace": attempt.trace,
        "request": {
            "url": attempt.url, "method": attempt.method, "headers": attempt.headers,
            "credentials": attempt.credentials, "mode": attempt.mode, "redirect": attempt.redirect,
            "cache": attempt.cache,
        },
        "js": attempt.js,
        "server": server,
        "verdict": verdict_view,
        "agrees": joined.agrees,
        "disagreements": joined.disagreements,
        "observations": joined.observations,
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

    fn attempt(credentials: &str, mode: &str, cache: Value) -> Result<Attempt, serde_json::Error> {
        serde_json::from_value(json!({
            "trace": "t", "url": "http://localhost:8000/api", "method": "GET",
            "credentials": credentials, "mode": mode, "cache": cache, "js": { "type": "cors" }
        }))
    }

    #[test]
    fn the_choices_are_parsed_once_into_enums() {
        let parsed = attempt("include", "no-cors", json!("force-cache")).unwrap();
        assert_eq!(parsed.credentials, Credentials::Include);
        assert_eq!(parsed.mode, Mode::NoCors);
        assert_eq!(parsed.cache, Some(CacheMode::ForceCache));
        assert_eq!(parsed.js.response_type, Some(ResponseType::Cors));
        assert!(parsed.may_use_cache());
        assert!(!attempt("omit", "cors", json!("no-store")).unwrap().may_use_cache());
        assert!(attempt("omit", "cors", Value::Null).unwrap().may_use_cache(), "null is the default cache");
    }

    #[test]
    fn the_page_url_counts_only_on_the_pages_own_origin() {
        let mut report = attempt("omit", "cors", Value::Null).unwrap();
        assert_eq!(report.page("http://localhost:3000"), "http://localhost:3000");
        report.page_url = Some("http://localhost:3000/lab".into());
        assert_eq!(report.page("http://localhost:3000"), "http://localhost:3000/lab");
        for elsewhere in
            ["http://localhost:30001/lab", "http://evil.example/lab", "http://localhost:3000.evil/"]
        {
            report.page_url = Some(elsewhere.into());
            assert_eq!(report.page("http://localhost:3000"), "http://localhost:3000", "{elsewhere}");
        }
    }

    #[test]
    fn a_value_outside_a_list_is_refused_with_the_list() {
        let bad_credentials = attempt("sometimes", "cors", Value::Null).unwrap_err().to_string();
        assert!(
            bad_credentials.contains("`sometimes`") && bad_credentials.contains("`same-origin`"),
            "{bad_credentials}"
        );
        let bad_mode = attempt("omit", "CORS", Value::Null).unwrap_err().to_string();
        assert!(bad_mode.contains("`no-cors`"), "{bad_mode}");
        let bad_cache = attempt("omit", "cors", json!("sometimes")).unwrap_err().to_string();
        assert!(bad_cache.contains("`only-if-cached`"), "{bad_cache}");
    }

    #[test]
    fn an_untagged_attempt_takes_only_its_own_request_and_preflight() {
        use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
        use server::ExchangeLog;
        use server::exchange::{NewExchange, RecordedHeaders};
        let log = ExchangeLog::default();
        let record = |method: Method, uri: &str, preflight: bool, lines: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in lines {
                map.append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            log.record(NewExchange {
                method,
                uri: uri.parse().unwrap(),
                request_headers: RecordedHeaders::of(&map),
                preflight,
                status: StatusCode::OK,
                response_headers: RecordedHeaders::default(),
                policy_version: 1,
            })
        };
        let page = "http://localhost:3000";
        record(Method::PUT, "/api", false, &[("origin", "http://127.0.0.1:3000")]); // another origin
        record(Method::PUT, "/api?trace=t1", false, &[("origin", page)]); // a lab request with a trace
        record(Method::GET, "/api", false, &[("origin", page)]); // another method
        let preflight = record(
            Method::OPTIONS,
            "/api",
            true,
            &[("origin", page), ("access-control-request-method", "PUT")],
        );
        let put = record(Method::PUT, "/api", false, &[("origin", page)]);
        record(Method::PUT, "/api", false, &[("origin", page)]); // a later one: not this attempt's
        let mut attempt = attempt("omit", "cors", json!("default")).unwrap();
        attempt.trace = None;
        attempt.method = "PUT".into();
        let mine: Vec<u64> = attempt.exchanges(&log.recent(), page).iter().map(|x| x.seq).collect();
        assert_eq!(mine, [preflight.seq, put.seq]);
    }
}
