//! Does this request need a CORS preflight, and why?
//!
//! Main fetch (Fetch §4.1, step 12) and HTTP fetch (§4.3) send an `OPTIONS` preflight before
//! a cross-origin `cors`-mode request when its method is not `GET`, `HEAD` or `POST`, or when
//! it carries any CORS-unsafe request header (see `safelist`). Same-origin requests, `no-cors`
//! requests and `same-origin`-mode requests never get one.

use crate::method;
use crate::request::{Mode, Request};
use crate::request_init;
use crate::safelist::{UnsafeHeader, cors_unsafe_headers};

/// Why the browser asks first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightReason {
    /// The normalised method, when it is not CORS-safelisted (not GET, HEAD or POST).
    pub method: Option<String>,
    /// Each author header that is not CORS-safelisted, in the order the page set them.
    pub unsafe_headers: Vec<UnsafeHeader>,
}

impl PreflightReason {
    /// The CORS-unsafe request-header names: lower-case, sorted, de-duplicated
    /// (Fetch §2.2.2), i.e. what `Access-Control-Request-Headers` carries.
    pub fn unsafe_header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.unsafe_headers.iter().map(|h| h.name.clone()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The `Access-Control-Request-Headers` value the preflight carries: the names joined
    /// with `,` and no space (Fetch §4.8 step 5); `None` when there are none.
    pub fn access_control_request_headers(&self) -> Option<String> {
        let names = self.unsafe_header_names();
        (!names.is_empty()).then(|| names.join(","))
    }

    /// Plain English, e.g. `the header content-type: application/json is not
    /// CORS-safelisted (its MIME type is application/json, …)`.
    pub fn explain(&self) -> String {
        let mut parts = Vec::new();
        if let Some(method) = &self.method {
            parts.push(format!("the method {method} is not CORS-safelisted (only GET, HEAD and POST are)"));
        }
        for header in &self.unsafe_headers {
            parts.push(format!(
                "the header {}: {} is not CORS-safelisted ({})",
                header.name, header.value, header.why
            ));
        }
        parts.join("; ")
    }
}

impl std::fmt::Display for PreflightReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.explain())
    }
}

/// Why a preflight is needed, or `None` when the request is "simple".
///
/// This looks at the request alone: it answers for a cross-origin `cors`-mode fetch and
/// returns `None` for `no-cors` and `same-origin` modes, which never preflight. Whether the
/// URL is cross-origin depends on the page, so [`judge`](crate::judge) combines the two.
/// A request `fetch()` would refuse to build (a forbidden method, say) also gives `None`.
pub fn preflight_needed(request: &Request) -> Option<PreflightReason> {
    if request.mode != Mode::Cors {
        return None;
    }
    let prepared = request_init::prepare(request).ok()?;
    reason_for(&prepared.method, &prepared.headers)
}

/// Main fetch §4.1 step 12: a preflight is needed when the method is not CORS-safelisted
/// or the CORS-unsafe request-header names are not empty. (The use-CORS-preflight flag, set
/// by upload listeners or a stream body, is outside this model.)
pub(crate) fn reason_for(method: &str, headers: &[(String, String)]) -> Option<PreflightReason> {
    let reason = PreflightReason {
        method: (!method::is_cors_safelisted(method)).then(|| method.to_string()),
        unsafe_headers: cors_unsafe_headers(headers),
    };
    (reason.method.is_some() || !reason.unsafe_headers.is_empty()).then_some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_post_needs_a_preflight_for_content_type() {
        let request =
            Request::new("POST", "http://localhost:8000/api").header("Content-Type", "application/json");
        let reason = preflight_needed(&request).expect("preflight");
        assert_eq!(reason.method, None);
        assert_eq!(reason.access_control_request_headers().as_deref(), Some("content-type"));
        assert!(
            reason.explain().starts_with("the header content-type: application/json is not CORS-safelisted")
        );
    }

    #[test]
    fn simple_requests_need_none() {
        let request = Request::new("post", "http://localhost:8000/api")
            .header("Content-Type", "text/plain;charset=UTF-8")
            .header("Accept", "application/json");
        assert_eq!(preflight_needed(&request), None);
    }

    #[test]
    fn names_are_sorted_and_deduplicated() {
        let request = Request::new("PUT", "http://localhost:8000/api").header("X-B", "1").header("X-A", "2");
        let reason = preflight_needed(&request).expect("preflight");
        assert_eq!(reason.method.as_deref(), Some("PUT"));
        assert_eq!(reason.access_control_request_headers().as_deref(), Some("x-a,x-b"));
    }

    #[test]
    fn no_cors_never_preflights() {
        let request =
            Request::new("POST", "http://localhost:8000/api").mode(Mode::NoCors).header("X-Custom", "1");
        assert_eq!(preflight_needed(&request), None);
    }
}
