//! `/api/login`, `/api/logout` and `/api/whoami`: a cookie session, for the lesson on credentials (and
//! the session `/api/account`, in `account.rs`, asks for).
//!
//! | method | path | answer | headers | lesson |
//! |---|---|---|---|---|
//! | any | `/api/login` | 200 `{"logged_in": true, "user": "learner"}` | `Set-Cookie: sandbox_session=<token>; Path=/; SameSite=Lax; HttpOnly` | 7 |
//! | any | `/api/logout` | 200 `{"logged_in": false, "user": null}`; the token sent, if any, stops being valid | `Set-Cookie: sandbox_session=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly` | 7 |
//! | any | `/api/whoami` | 200 `{"user": "learner" or null, "cookie_received": true or false}` | — | 7 |
//!
//! A cross-origin `fetch()` sends the cookie only with `credentials: 'include'`, and then JS may read the
//! answer only if the policy sends the page's exact origin (not `*`) and `Access-Control-Allow-Credentials:
//! true`. `whoami` tells the two halves apart: `cookie_received` says whether the cookie travelled, `user`
//! whether it was a session this API issued. A preflight never carries the cookie (Fetch §3.2.5): the log
//! shows it only on the actual request.
//!
//! `/api/login?samesite=none` sets the same cookie `SameSite=None; Secure` instead (browsers accept `Secure`
//! on `http://localhost`): the attacker lesson's bank, whose front-end is on another site. Measured in
//! Chromium 156 and Firefox 153: with `Lax`, the other site's page on `localhost:4000` (same site) gets the
//! cookie and reads the secret under a reflecting policy, but its sandboxed frame (`Origin: null`) and its
//! frame on `localhost.evil.localhost` (another site) get a 401 — the broken policy lets them read an
//! answer with no session in it. With `None`, all three read the secret.
//!
//! `SameSite=Lax` is enough for lesson 7 because `localhost:3000` and `localhost:8000` are the same *site* (the port
//! does not count), and cookies are scoped to the host, not the port. From a page on `127.0.0.1:3000` the
//! call is cross-site, and the browser does not send a `Lax` cookie on a cross-site `fetch()`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{BadRequest, EndpointState, choose};

/// The cookie's name.
pub(crate) const COOKIE_NAME: &str = "sandbox_session";

/// How many sessions the API remembers; the oldest is forgotten first.
pub(crate) const MAX_SESSIONS: usize = 1000;

/// The sessions `/api/login` issued, most recent last.
///
/// The tokens are unique, not secret: a counter and the clock, in hex. A real API draws session ids from
/// a cryptographic random source; a guessable id is harmless in a sandbox that listens on loopback.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    issued: Mutex<VecDeque<String>>,
    next: AtomicU64,
}

impl Sessions {
    /// A new session token, remembered as valid.
    fn issue(&self) -> String {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let token = format!("{nanos:016x}{:016x}", self.next.fetch_add(1, Ordering::Relaxed));
        let mut issued = self.lock();
        if issued.len() == MAX_SESSIONS {
            issued.pop_front();
        }
        issued.push_back(token.clone());
        token
    }

    /// Whether the API issued `token` and still remembers it.
    pub(super) fn is_valid(&self, token: &str) -> bool {
        // A scan of at most a thousand short strings, on `whoami` and `account` only: simpler than an
        // index, and quick.
        self.lock().iter().any(|t| t == token)
    }

    /// Forgets `token`: it is no longer a session.
    fn revoke(&self, token: &str) {
        self.lock().retain(|t| t != token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<String>> {
        // `std::sync::Mutex`: held for a scan or a push, never across an `.await`. A poisoned lock only
        // means a panic elsewhere; the list of strings cannot be half-written.
        self.issued.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The value of the `sandbox_session` cookie, if the request carried one (in any `Cookie` line).
pub(super) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|line| line.to_str().ok())
        .flat_map(|line| line.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (name.trim() == COOKIE_NAME).then(|| value.trim())
        })
}

/// `/api/login`, any method: starts a session. `?samesite=none` marks the cookie `SameSite=None; Secure`,
/// as an API whose front-end is on another site must (the attacker lesson's bank); the default is `Lax`.
pub(super) async fn login(State(state): State<Arc<EndpointState>>, uri: Uri) -> Result<Response, BadRequest> {
    let same_site = choose(&uri, "samesite", ("lax", "SameSite=Lax"), &[("none", "SameSite=None; Secure")])?;
    let token = state.sessions.issue();
    let cookie = format!("{COOKIE_NAME}={token}; Path=/; {same_site}; HttpOnly");
    let mut response = Json(json!({ "logged_in": true, "user": "learner" })).into_response();
    // The token is hex digits only, so the line is always a valid header value.
    if let Ok(cookie) = HeaderValue::try_from(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `/api/logout`, any method: ends the session the cookie names, and asks the browser to drop the cookie.
pub(super) async fn logout(State(state): State<Arc<EndpointState>>, headers: HeaderMap) -> Response {
    if let Some(token) = session_cookie(&headers) {
        state.sessions.revoke(token);
    }
    let mut response = Json(json!({ "logged_in": false, "user": null })).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("sandbox_session=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly"),
    );
    response
}

/// `/api/whoami`, any method: whether the cookie arrived, and whether it names a session.
pub(super) async fn whoami(
    State(state): State<Arc<EndpointState>>,
    headers: HeaderMap,
) -> Json<serde_json::Value> {
    let token = session_cookie(&headers);
    let user = token.filter(|token| state.sessions.is_valid(token)).map(|_| "learner");
    Json(json!({ "user": user, "cookie_received": token.is_some() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(header::COOKIE, HeaderValue::from_str(line).expect("a valid value"));
        }
        headers
    }

    #[test]
    fn tokens_are_unique_hex_and_valid_until_revoked() {
        let sessions = Sessions::default();
        let a = sessions.issue();
        let b = sessions.issue();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert!(sessions.is_valid(&a) && sessions.is_valid(&b));
        sessions.revoke(&a);
        assert!(!sessions.is_valid(&a) && sessions.is_valid(&b));
        assert!(!sessions.is_valid("not-a-token"));
    }

    #[test]
    fn only_the_most_recent_sessions_are_remembered() {
        let sessions = Sessions::default();
        let first = sessions.issue();
        let second = sessions.issue();
        for _ in 0..MAX_SESSIONS - 1 {
            sessions.issue();
        }
        assert!(!sessions.is_valid(&first));
        assert!(sessions.is_valid(&second));
        assert_eq!(sessions.lock().len(), MAX_SESSIONS);
    }

    #[test]
    fn the_session_cookie_is_found_among_others_in_any_cookie_line() {
        assert_eq!(session_cookie(&cookies(&["a=1; sandbox_session=abc; b=2"])), Some("abc"));
        assert_eq!(session_cookie(&cookies(&["a=1", "sandbox_session=def"])), Some("def"));
        assert_eq!(session_cookie(&cookies(&["sandbox_session="])), Some(""));
        assert_eq!(session_cookie(&cookies(&["xsandbox_session=abc; a"])), None);
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }
}
