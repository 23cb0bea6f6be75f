//! The live policy: read on every API request, changed only when the learner flips a control.
//!
//! Reads vastly outnumber writes, so the current policy sits behind an [`ArcSwap`]: a request takes a
//! snapshot with a couple of atomic operations and never waits for a lock, even while a change is being
//! written. Each snapshot carries its header values already encoded, so the per-request work is a few
//! reference-count bumps. A response's headers and its log record come from the same snapshot, so they
//! can never disagree about which policy was in force.
//!
//! The one line that cannot be encoded ahead is `Access-Control-Allow-Origin` under an origin matcher: it
//! is the request's own `Origin`, or nothing. Then the snapshot leaves it out of the pre-encoded lines and
//! [`PolicySnapshot::matched_allow_origin`] gives it per request; without a matcher, that is one `bool`
//! read and the pre-encoded lines are all there is.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use axum::http::{HeaderName, HeaderValue, header};

use crate::policy::{HeaderText, HeadersOn, Policy};

/// Which kind of answer header lines are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`).
    Preflight,
    /// The answer to an actual request.
    Actual,
}

/// One version of the policy, with the header lines it produces ready to copy onto a response.
#[derive(Debug)]
pub struct PolicySnapshot {
    /// Starts at 1 and goes up by one with every change.
    pub version: u64,
    /// The policy as the learner set it.
    pub policy: Policy,
    preflight_headers: Vec<(HeaderName, HeaderValue)>,
    actual_headers: Vec<(HeaderName, HeaderValue)>,
    /// Whether the origin matcher writes `Access-Control-Allow-Origin` on preflight answers: a matcher is
    /// set and `headers_on` puts the CORS lines there.
    matched_on_preflight: bool,
    /// The same, for actual answers.
    matched_on_actual: bool,
}

impl PolicySnapshot {
    fn new(version: u64, policy: Policy) -> PolicySnapshot {
        let value = |text: &Option<HeaderText>| {
            text.as_ref().map(|t| {
                // `HeaderText` admits only visible ASCII, spaces and tabs, which is exactly what
                // `HeaderValue::from_str` accepts.
                HeaderValue::from_str(t.as_str()).expect("HeaderText is a valid header value")
            })
        };
        let matcher = policy.origin_matcher.is_some();
        // Under a matcher, `allow_origin` is kept but not sent: the matcher's line takes its place.
        let allow_origin = if matcher { None } else { value(&policy.allow_origin) };
        let allow_credentials = value(&policy.allow_credentials);
        let on_preflight = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Preflight);
        let on_actual = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Actual);

        let mut preflight_headers = Vec::new();
        if on_preflight {
            for (name, v) in [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin.clone()),
                (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, allow_credentials.clone()),
                (header::ACCESS_CONTROL_ALLOW_METHODS, value(&policy.allow_methods)),
                (header::ACCESS_CONTROL_ALLOW_HEADERS, value(&policy.allow_headers)),
                (header::ACCESS_CONTROL_MAX_AGE, value(&policy.max_age)),
            ] {
                preflight_headers.extend(v.map(|v| (name, v)));
            }
        }
        let mut actual_headers = Vec::new();
        if on_actual {
            for (name, v) in [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin),
                (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, allow_credentials),
                (header::ACCESS_CONTROL_EXPOSE_HEADERS, value(&policy.expose_headers)),
            ] {
                actual_headers.extend(v.map(|v| (name, v)));
            }
        }
        // `Vary` is about HTTP caching, not an `Access-Control-*` header: it goes on every answer.
        if let Some(vary) = value(&policy.vary) {
            preflight_headers.push((header::VARY, vary.clone()));
            actual_headers.push((header::VARY, vary));
        }
        PolicySnapshot {
            version,
            policy,
            preflight_headers,
            actual_headers,
            matched_on_preflight: matcher && on_preflight,
            matched_on_actual: matcher && on_actual,
        }
    }

    /// The header lines for an answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`),
    /// but for an origin matcher's `Access-Control-Allow-Origin` ([`Self::matched_allow_origin`]).
    pub fn preflight_headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.preflight_headers
    }

    /// The header lines for an answer to an actual request, but for an origin matcher's
    /// `Access-Control-Allow-Origin` ([`Self::matched_allow_origin`]).
    pub fn actual_headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.actual_headers
    }

    /// The `Access-Control-Allow-Origin` value the policy's origin matcher gives `answer` to a request
    /// carrying `origin`: the `Origin` itself when the matcher accepts it. `None` when it refuses, when the
    /// request has no `Origin`, when `headers_on` keeps the CORS lines off this kind of answer, or when no
    /// matcher is set (then `allow_origin`'s line, if any, is among the pre-encoded ones).
    pub fn matched_allow_origin(&self, answer: Answer, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let on = match answer {
            Answer::Preflight => self.matched_on_preflight,
            Answer::Actual => self.matched_on_actual,
        };
        if !on {
            return None;
        }
        self.policy.origin_matcher.as_ref()?.allow_origin(origin)
    }
}

/// The current policy, shared by the API (which reads it) and the controls (which replace it).
#[derive(Debug)]
pub struct PolicyStore {
    current: ArcSwap<PolicySnapshot>,
    /// Serialises writers so that versions go up one at a time; readers never touch it.
    writer: Mutex<()>,
}

impl PolicyStore {
    /// A store holding `policy` as version 1.
    pub fn new(policy: Policy) -> PolicyStore {
        PolicyStore { current: ArcSwap::from_pointee(PolicySnapshot::new(1, policy)), writer: Mutex::new(()) }
    }

    /// The policy in force now. Lock-free; keep the `Arc` for as long as one request needs it.
    pub fn snapshot(&self) -> Arc<PolicySnapshot> {
        self.current.load_full()
    }

    /// Computes the next policy from the current one and installs it, unless `change` refuses.
    ///
    /// On an error nothing changes: the previous policy stays in force.
    pub fn update<E>(
        &self,
        change: impl FnOnce(&Policy) -> Result<Policy, E>,
    ) -> Result<Arc<PolicySnapshot>, E> {
        // A poisoned lock only means another writer panicked; the `()` it guards cannot be corrupt.
        let _writer = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.current.load();
        let next = Arc::new(PolicySnapshot::new(current.version + 1, change(&current.policy)?));
        self.current.store(Arc::clone(&next));
        Ok(next)
    }
}

impl Default for PolicyStore {
    fn default() -> PolicyStore {
        PolicyStore::new(Policy::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(headers: &[(HeaderName, HeaderValue)]) -> Vec<&str> {
        headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn starts_at_version_one_with_the_articles_header() {
        let store = PolicyStore::default();
        let snapshot = store.snapshot();
        assert_eq!(snapshot.version, 1);
        assert_eq!(
            snapshot.actual_headers(),
            &[(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("https://yoursite.com"))]
        );
    }

    #[test]
    fn each_change_is_a_new_version() {
        let store = PolicyStore::default();
        let next = store.update(|p| p.patched(&json!({ "allow_origin": "*" }))).unwrap();
        assert_eq!(next.version, 2);
        assert_eq!(store.snapshot().version, 2);
        assert_eq!(store.snapshot().actual_headers()[0].1, "*");
    }

    #[test]
    fn a_refused_change_keeps_the_policy_and_version() {
        let store = PolicyStore::default();
        let result = store.update(|p| p.patched(&json!({ "allow_origin": 1 })));
        assert!(result.is_err());
        assert_eq!(store.snapshot().version, 1);
        assert_eq!(store.snapshot().policy, Policy::default());
    }

    #[test]
    fn an_old_snapshot_is_unchanged_by_a_later_update() {
        let store = PolicyStore::default();
        let before = store.snapshot();
        store.update(|p| p.patched(&json!({ "allow_origin": null }))).unwrap();
        assert_eq!(before.actual_headers().len(), 1);
        assert!(store.snapshot().actual_headers().is_empty());
    }

    #[test]
    fn an_empty_value_is_sent_as_an_empty_header() {
        let store = PolicyStore::default();
        let snapshot = store.update(|p| p.patched(&json!({ "allow_origin": "" }))).unwrap();
        assert_eq!(snapshot.actual_headers()[0].1, "");
    }

    fn origin(text: &'static str) -> HeaderValue {
        HeaderValue::from_static(text)
    }

    #[test]
    fn without_a_matcher_allow_origin_is_pre_encoded_and_nothing_is_matched() {
        let snapshot = PolicyStore::default().snapshot();
        assert_eq!(
            snapshot.matched_allow_origin(Answer::Actual, Some(&origin("https://yoursite.com"))),
            None
        );
        assert_eq!(names(snapshot.actual_headers()), ["access-control-allow-origin"]);
    }

    #[test]
    fn under_a_matcher_allow_origin_is_decided_per_request_and_the_rest_is_unchanged() {
        let store = PolicyStore::default();
        let snapshot = store
            .update(|_| {
                Policy::from_json(&json!({
                    "allow_origin": "*", "allow_credentials": "true", "allow_methods": "PUT", "vary": "Origin",
                    "origin_matcher": { "kind": "exact", "origins": ["http://localhost:3000"] },
                }))
            })
            .unwrap();
        // `allow_origin` ("*") is kept in the policy but in no line.
        assert_eq!(names(snapshot.actual_headers()), ["access-control-allow-credentials", "vary"]);
        assert_eq!(
            names(snapshot.preflight_headers()),
            ["access-control-allow-credentials", "access-control-allow-methods", "vary"]
        );
        let page = origin("http://localhost:3000");
        for answer in [Answer::Actual, Answer::Preflight] {
            assert_eq!(snapshot.matched_allow_origin(answer, Some(&page)), Some(page.clone()));
            assert_eq!(snapshot.matched_allow_origin(answer, Some(&origin("http://localhost:4000"))), None);
            assert_eq!(snapshot.matched_allow_origin(answer, None), None);
        }
    }

    #[test]
    fn a_matchers_line_goes_only_where_headers_on_says() {
        let store = PolicyStore::default();
        let reflect = json!({ "origin_matcher": { "kind": "reflect" }, "headers_on": "preflight" });
        let snapshot = store.update(|_| Policy::from_json(&reflect)).unwrap();
        let evil = origin("http://evil.localhost:4000");
        assert_eq!(snapshot.matched_allow_origin(Answer::Preflight, Some(&evil)), Some(evil.clone()));
        assert_eq!(snapshot.matched_allow_origin(Answer::Actual, Some(&evil)), None);
        let snapshot = store.update(|p| p.patched(&json!({ "headers_on": "actual" }))).unwrap();
        assert_eq!(snapshot.matched_allow_origin(Answer::Preflight, Some(&evil)), None);
        assert_eq!(snapshot.matched_allow_origin(Answer::Actual, Some(&evil)), Some(evil));
    }

    #[test]
    fn headers_go_where_headers_on_says_and_vary_goes_everywhere() {
        let everything = json!({
            "allow_origin": "*", "allow_credentials": "true", "allow_methods": "PUT",
            "allow_headers": "x-a", "expose_headers": "x-b", "max_age": "5", "vary": "Origin",
        });
        let store = PolicyStore::default();
        let both = store.update(|_| Policy::from_json(&everything)).unwrap();
        assert_eq!(
            names(both.preflight_headers()),
            [
                "access-control-allow-origin",
                "access-control-allow-credentials",
                "access-control-allow-methods",
                "access-control-allow-headers",
                "access-control-max-age",
                "vary"
            ]
        );
        assert_eq!(
            names(both.actual_headers()),
            [
                "access-control-allow-origin",
                "access-control-allow-credentials",
                "access-control-expose-headers",
                "vary"
            ]
        );
        let preflight_only = store.update(|p| p.patched(&json!({ "headers_on": "preflight" }))).unwrap();
        assert_eq!(names(preflight_only.actual_headers()), ["vary"]);
        assert_eq!(preflight_only.preflight_headers().len(), 6);
        let actual_only = store.update(|p| p.patched(&json!({ "headers_on": "actual" }))).unwrap();
        assert_eq!(names(actual_only.preflight_headers()), ["vary"]);
        assert_eq!(actual_only.actual_headers().len(), 4);
    }
}
