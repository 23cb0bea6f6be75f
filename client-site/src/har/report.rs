//! The judged HAR as one JSON object — what `check --har --json` prints and the lab's drop shows — and
//! the one-line reason and summary both share.
//!
//! HARs hold secrets: `Cookie`, `Authorization` and `Set-Cookie` (and `Proxy-Authorization`) values are
//! replaced by [`REDACTED`] unless the caller asked to see them (`--show-secrets`).

use std::collections::BTreeMap;

use browser_model::{CheckId, Credentials, ResponseType, Verdict};
use serde_json::{Value, json};

use super::{Judged, Outcome, Report, Skip};
use crate::explain;

/// What a secret header's value is replaced by.
pub const REDACTED: &str = "[redacted: --show-secrets shows it]";

/// The headers whose values are secrets.
const SECRET_HEADERS: [&str; 4] = ["cookie", "authorization", "set-cookie", "proxy-authorization"];

/// `value`, or [`REDACTED`] when `name` is a secret header and secrets are not shown.
pub fn shown_value<'v>(name: &str, value: &'v str, show_secrets: bool) -> &'v str {
    if !show_secrets && SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
        REDACTED
    } else {
        value
    }
}

/// The blocked requests counted by cause, and the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Every fetch and XHR judged.
    pub requests: usize,
    /// … to the page's own origin: CORS did not apply.
    pub same_origin: usize,
    /// … to another origin, and readable (or opaque, for `no-cors`).
    pub allowed: usize,
    pub blocked: usize,
    /// … blocked only if the page sent credentials, which the file cannot tell.
    pub depends_on_credentials: usize,
    /// … of the blocked, those where the server answered an error without CORS headers.
    pub not_cors: usize,
    /// The blocked ones by the check that failed (DevTools' `CorsError` name, or the check's id).
    pub blocked_by: BTreeMap<String, usize>,
    /// The entries not judged, by why.
    pub skipped: BTreeMap<Skip, usize>,
}

impl Judged {
    /// One line saying why: that it is not CORS at all, the rule that failed, or why it passed.
    pub fn reason(&self) -> String {
        if self.same_origin() {
            return "Same-origin: the URL has the page's scheme, host and port, so no CORS check runs."
                .into();
        }
        if let Some(not_cors) = self.not_cors() {
            return not_cors.headline();
        }
        match &self.outcome {
            Outcome::DependsOnCredentials { included, .. } => format!(
                "Blocked only if the page sent credentials (credentials: 'include'): {} Without credentials the page reads the answer.",
                rule(included)
            ),
            Outcome::Known(verdict) if verdict.response_type == Some(ResponseType::Opaque) => {
                "mode: 'no-cors': the page gets an opaque answer it cannot read, and no CORS check runs."
                    .into()
            }
            Outcome::Known(verdict) => rule(verdict),
        }
    }

    /// The name of what blocked it, for the summary: DevTools' `CorsError`, else the failed check's id.
    pub fn cause(&self) -> Option<String> {
        let failed = self.verdict().failed_check.as_ref()?;
        Some(
            failed.devtools_enum.map_or_else(|| failed.name.as_str().to_string(), |e| e.as_str().to_string()),
        )
    }

    /// The request as the JSON's `requests` array has it.
    fn to_json(&self, show_secrets: bool) -> Value {
        let verdict = self.verdict();
        let failed = verdict.failed_check.as_ref();
        let mut out = json!({
            "url": self.url,
            "method": self.method,
            "origin": self.origin,
            "allowed": self.allowed(),
            "same_origin": self.same_origin(),
            "failed_check": failed.and_then(|f| f.devtools_enum),
            "failed_check_id": failed.map(|f| f.name),
            "failed_parameter": failed.and_then(|f| f.failed_parameter.clone()),
            "failed_in_preflight": failed.map(|f| f.in_preflight),
            "chromium_message": verdict.chromium_message,
            "firefox_message": verdict.firefox_message,
            "webkit_message": verdict.webkit_message,
            "chromium_messages": verdict.chromium_message.iter().chain(&verdict.chromium_network_message).collect::<Vec<_>>(),
            "firefox_messages": verdict.firefox_messages,
            "webkit_messages": verdict.webkit_messages,
            "reason": self.reason(),
            "not_cors": self.not_cors().map(explain::NotCorsView::of),
            "credentials": match self.credentials {
                Some(Credentials::Include) => "include",
                Some(_) => "not-included",
                None => "unknown",
            },
            "mode": self.mode,
            "preflight": verdict.preflight,
            "assumed": self.assumed,
            "notes": verdict.notes,
            "entries": self.entries,
            "exchanges": self.exchanges.iter().map(|x| json!({
                "kind": x.sending.as_str(),
                "method": x.method,
                "url": x.url,
                "entry": x.entry,
                "answered": x.answered,
                "status": x.status,
                "request_headers": pairs(&x.request_headers, show_secrets),
                "response_headers": pairs(&x.response_headers, show_secrets),
            })).collect::<Vec<_>>(),
        });
        if let Outcome::DependsOnCredentials { included, not_included } = &self.outcome {
            out["if_credentials_included"] = explain::verdict_json(included);
            out["if_not"] = explain::verdict_json(not_included);
        }
        out
    }
}

fn pairs(headers: &[(String, String)], show_secrets: bool) -> Vec<[&str; 2]> {
    headers.iter().map(|(n, v)| [n.as_str(), shown_value(n, v, show_secrets)]).collect()
}

/// The rule in one line: the failed check's explanation, or the CORS check that let the answer through.
fn rule(verdict: &Verdict) -> String {
    let failed = verdict.checks.iter().find(|check| !check.passed);
    let passed = verdict.checks.iter().rev().find(|check| check.name == CheckId::CorsCheck);
    failed.or(passed).or(verdict.checks.last()).map(|check| check.explanation.clone()).unwrap_or_default()
}

impl Report {
    /// Whether secret headers' values are shown (`--show-secrets`).
    pub fn shows_secrets(&self) -> bool {
        self.show_secrets
    }

    /// The counts the summary line and the JSON's `summary` give.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary { requests: self.requests.len(), ..Summary::default() };
        for request in &self.requests {
            match request.allowed() {
                _ if request.same_origin() => summary.same_origin += 1,
                Some(true) => summary.allowed += 1,
                None => summary.depends_on_credentials += 1,
                Some(false) => {
                    summary.blocked += 1;
                    summary.not_cors += usize::from(request.not_cors().is_some());
                    if let Some(cause) = request.cause() {
                        *summary.blocked_by.entry(cause).or_default() += 1;
                    }
                }
            }
        }
        for skipped in &self.skipped {
            *summary.skipped.entry(skipped.why).or_default() += 1;
        }
        summary
    }

    /// The whole report as one JSON object: `requests` (each with at least `url`, `method`, `origin`,
    /// `allowed`, `failed_check`, the three engines' messages and `reason`), `summary`, `skipped`, and
    /// `error` when nothing in the file is cross-origin.
    pub fn to_json(&self) -> Value {
        let summary = self.summary();
        json!({
            "recorded_by": self.recorded_by,
            "engine": self.engine,
            "entries": self.entries,
            "requests": self.requests.iter().map(|r| r.to_json(self.show_secrets)).collect::<Vec<_>>(),
            "summary": {
                "requests": summary.requests,
                "same_origin": summary.same_origin,
                "allowed": summary.allowed,
                "blocked": summary.blocked,
                "depends_on_credentials": summary.depends_on_credentials,
                "not_cors": summary.not_cors,
                "blocked_by": summary.blocked_by,
                "skipped": summary.skipped.iter().map(|(why, n)| (why.key(), *n)).collect::<BTreeMap<_, _>>(),
            },
            "skipped": self.skipped.iter().map(|s| json!({
                "entry": s.entry,
                "url": s.url,
                "why": s.why.key(),
                "reason": s.why.as_str(),
            })).collect::<Vec<_>>(),
            "error": self.nothing_to_judge(),
        })
    }
}
