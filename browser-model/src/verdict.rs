//! The model's answer: what JS gets, which checks ran, and what the consoles print.

use crate::failure::Failure;
use crate::messages::{self, MessageContext};
use crate::names::{CheckId, CorsError, ResponseType};

/// One check the browser ran, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A short stable id, e.g. `cors-check` or `preflight-method`.
    pub name: CheckId,
    /// The Fetch Standard step (or Chromium source) the rule comes from.
    pub step: &'static str,
    /// Whether the request got past this check.
    pub passed: bool,
    /// Plain English: what was looked at and why it passed or failed.
    pub explanation: String,
}

/// The first failing check, as DevTools and the network stack name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedCheck {
    /// The [`Check::name`] that failed.
    pub name: CheckId,
    /// Chromium's DevTools `Network.CorsError` name, e.g. `PreflightMissingAllowOriginHeader`;
    /// `None` for a network error that is not a CORS error, or a `TypeError` from `fetch()`.
    pub devtools_enum: Option<CorsError>,
    /// DevTools' `failedParameter`: the offending value, method, header name or scheme.
    pub failed_parameter: Option<String>,
    /// The Fetch Standard step that failed.
    pub step: &'static str,
    /// The URL whose response failed (after redirects, the last one).
    pub url: String,
    /// Whether it failed during the preflight.
    pub in_preflight: bool,
    /// The status of the answer that failed the check (the preflight's or the request's), when the
    /// check looked at an answer; `None` for a network error or a request never sent.
    pub status: Option<u16>,
}

/// Everything the model concludes about one `fetch()`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Does the `fetch()` promise resolve? (An opaque `no-cors` response resolves.)
    pub allowed: bool,
    /// `res.type`: `"cors"`, `"basic"` (same-origin), `"opaque"` (no-cors) or
    /// `"opaqueredirect"` (redirect: "manual"); `None` when blocked.
    pub response_type: Option<ResponseType>,
    /// `res.status` as JS sees it (0 for opaque responses); `None` when blocked.
    pub status: Option<u16>,
    /// Does the browser send a preflight (by the rules, ignoring its preflight cache)?
    pub preflight: bool,
    /// Why, in plain English, when it does.
    pub preflight_reason: Option<String>,
    /// How long Chromium would cache a passing preflight (`Access-Control-Max-Age`, default
    /// 5 s, capped at 7200 s); `None` when no preflight passed.
    pub preflight_cache_seconds: Option<u64>,
    /// The `Origin` header on the (first) actual request, `None` when Chromium sends none.
    pub origin_header: Option<String>,
    /// Every check run, in order.
    pub checks: Vec<Check>,
    /// The first failing check.
    pub failed_check: Option<FailedCheck>,
    /// Chromium 156's whole console line (`Access to fetch at …` or `Fetch API cannot load …`);
    /// `None` when not blocked or when Chromium prints only a network line.
    pub chromium_message: Option<String>,
    /// Chromium's second, `network`-source line, e.g. `Failed to load resource: net::ERR_FAILED`.
    pub chromium_network_message: Option<String>,
    /// Firefox 153's main message (the first of [`Verdict::firefox_messages`]).
    pub firefox_message: Option<String>,
    /// WebKit's (WebKitGTK 2.50's WebCore) main message: the failed check's `SECURITY ERROR` line.
    pub webkit_message: Option<String>,
    /// WebKit's console lines, in order, without their level; empty where none is predicted.
    pub webkit_messages: Vec<String>,
    /// Every line Firefox 153 prints, in order (preflight failures add "did not succeed").
    pub firefox_messages: Vec<String>,
    /// Lower-case names of the response headers JS can read; empty if blocked or opaque.
    pub readable_headers: Vec<String>,
    /// What the promise rejects with, e.g. `TypeError: Failed to fetch`.
    pub js_error: Option<String>,
    /// Where the browsers differ, or where the model assumed something it was not told.
    pub notes: Vec<String>,
    /// Local Network Access, when a request of this `fetch()` needed the permission (a public page
    /// reaching `localhost` or the local network): which permission, and each engine's lines if refused.
    pub local_network_access: Option<crate::local_network::LocalNetworkAccess>,
}

/// The message `fetch()` rejects with for every CORS and network failure in Chromium.
pub(crate) const FAILED_TO_FETCH: &str = crate::sentences::CHROMIUM_JS_ERROR.0;

/// Collects checks and notes while the model runs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace {
    pub(crate) checks: Vec<Check>,
    pub(crate) notes: Vec<String>,
}

impl Trace {
    /// Records a passed check.
    pub(crate) fn pass(&mut self, name: CheckId, step: &'static str, explanation: String) {
        self.checks.push(Check { name, step, passed: true, explanation });
    }

    /// Records a failed check.
    pub(crate) fn fail(&mut self, name: CheckId, step: &'static str, explanation: String) {
        self.checks.push(Check { name, step, passed: false, explanation });
    }

    /// Records a note.
    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }
}

/// A request the browser stopped, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blocked {
    pub(crate) failure: Failure,
    /// The [`Check::name`] that failed (already recorded in the trace).
    pub(crate) check: CheckId,
    pub(crate) step: &'static str,
    /// The URL whose response failed.
    pub(crate) url: String,
}

/// A response handed to JS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivered {
    pub(crate) response_type: ResponseType,
    pub(crate) status: u16,
    pub(crate) readable_headers: Vec<String>,
}

/// What the preflight stage decided, for the verdict.
#[derive(Debug, Clone, Default)]
pub(crate) struct PreflightSummary {
    pub(crate) sent: bool,
    pub(crate) reason: Option<String>,
    pub(crate) cache_seconds: Option<u64>,
}

/// Builds the verdict for a request that reached JS.
pub(crate) fn allowed(
    trace: Trace,
    preflight: PreflightSummary,
    origin_header: Option<String>,
    delivered: Delivered,
) -> Verdict {
    Verdict {
        allowed: true,
        response_type: Some(delivered.response_type),
        status: Some(delivered.status),
        preflight: preflight.sent,
        preflight_reason: preflight.reason,
        preflight_cache_seconds: preflight.cache_seconds,
        origin_header,
        checks: trace.checks,
        readable_headers: delivered.readable_headers,
        notes: trace.notes,
        ..Verdict::default()
    }
}

/// Builds the verdict for a request the browser blocked.
pub(crate) fn blocked(
    trace: Trace,
    preflight: PreflightSummary,
    origin_header: Option<String>,
    blocked: Blocked,
    cx: &MessageContext<'_>,
) -> Verdict {
    let firefox_messages = messages::firefox_console(&blocked.failure, cx);
    let webkit_messages = messages::webkit_console(&blocked.failure, cx);
    Verdict {
        allowed: false,
        preflight: preflight.sent,
        preflight_reason: preflight.reason,
        preflight_cache_seconds: preflight.cache_seconds,
        origin_header,
        checks: trace.checks,
        failed_check: Some(FailedCheck {
            name: blocked.check,
            devtools_enum: blocked.failure.devtools_enum(),
            failed_parameter: blocked.failure.failed_parameter(),
            step: blocked.step,
            url: blocked.url,
            in_preflight: blocked.failure.is_preflight(),
            status: blocked.failure.status(),
        }),
        chromium_message: messages::chromium_console(&blocked.failure, cx),
        chromium_network_message: messages::chromium_network(&blocked.failure),
        firefox_message: firefox_messages.first().cloned(),
        firefox_messages,
        webkit_message: webkit_messages.first().cloned(),
        webkit_messages,
        js_error: Some(FAILED_TO_FETCH.to_string()),
        notes: trace.notes,
        ..Verdict::default()
    }
}

/// Builds the verdict for a request `fetch()` refused to build (it rejects with a TypeError
/// and prints nothing else).
pub(crate) fn type_error(
    mut trace: Trace,
    name: CheckId,
    step: &'static str,
    js_error: String,
    explanation: String,
    url: String,
) -> Verdict {
    trace.fail(name, step, explanation);
    Verdict {
        allowed: false,
        checks: trace.checks,
        failed_check: Some(FailedCheck {
            name,
            devtools_enum: None,
            failed_parameter: None,
            step,
            url,
            in_preflight: false,
            status: None,
        }),
        js_error: Some(js_error),
        notes: trace.notes,
        ..Verdict::default()
    }
}
