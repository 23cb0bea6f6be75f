//! `/api/account`: the logged-in learner's account — the article's bank, and what an attacker's page wants
//! to read.
//!
//! | method | path | answer | lesson |
//! |---|---|---|---|
//! | `GET`, `HEAD` | `/api/account` | with a valid `sandbox_session` cookie (from `/api/login`): 200 `{"user": "learner", "secret": "<secret>"}`; without one: 401 `{"error": "<log in first, at /api/login>"}` | 13–16: what a loose policy hands another site |
//! | any other | `/api/account` | 405 `{"error": …}`, `Allow: GET, HEAD` | — |
//!
//! The secret is drawn once, when the sandbox starts, so that a page that shows it must have read it from
//! this API in this run: it cannot be guessed or remembered from an earlier one.
//!
//! Which requests carry the cookie is the browser's business (its `SameSite` attribute, the fetch's
//! `credentials`); whether the page may then *read* the answer is CORS's: the exact origin or a matcher that
//! echoes it, with `Access-Control-Allow-Credentials: true` (Fetch §4.9). A loose policy (docs/lessons.md
//! §13–15) hands the secret to any site that can get its `fetch()` to carry the cookie.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::session::{COOKIE_NAME, session_cookie};
use super::{EndpointState, error_response, method_not_allowed};

/// The account's secret, drawn when the sandbox starts.
#[derive(Debug)]
pub(crate) struct AccountSecret(String);

impl Default for AccountSecret {
    /// 32 hex digits from two of the standard library's randomly keyed hashers.
    ///
    /// Each `RandomState` is keyed from the operating system's random source (once per thread, then
    /// varied per instance), so its hash of nothing is a random 64-bit number: enough to be unguessable in
    /// a sandbox on loopback, with no dependency. A real service would draw it from a cryptographic source.
    fn default() -> AccountSecret {
        let draw = || RandomState::new().hash_one(());
        AccountSecret(format!("{:016x}{:016x}", draw(), draw()))
    }
}

impl AccountSecret {
    /// The secret, as `/api/account` sends it.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// `/api/account`, `GET` and `HEAD`: the account, to a request carrying a session `/api/login` issued.
pub(super) async fn account(
    State(state): State<Arc<EndpointState>>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed("/api/account", &method, "GET, HEAD");
    }
    match session_cookie(&headers) {
        Some(token) if state.sessions.is_valid(token) => {
            Json(json!({ "user": "learner", "secret": state.account_secret.as_str() })).into_response()
        }
        Some(_) => error_response(
            StatusCode::UNAUTHORIZED,
            format!(
                "The {COOKIE_NAME} cookie names no session this API knows (it logged out, or it is from an earlier run): log in again, at /api/login."
            ),
        ),
        None => error_response(
            StatusCode::UNAUTHORIZED,
            format!(
                "No {COOKIE_NAME} cookie arrived: log in first, at /api/login, and from another origin send this request with credentials: 'include'."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_32_hex_digits_and_differs_each_time() {
        let (a, b) = (AccountSecret::default(), AccountSecret::default());
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()), "{}", a.as_str());
        assert_ne!(a.as_str(), b.as_str());
    }
}
