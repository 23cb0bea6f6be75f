//! # The API's endpoints, one lesson each
//!
//! Every endpoint is on the API origin and behind the layer in [`crate::cors_layer`], so every answer carries the
//! policy's CORS headers (unless the table says otherwise), `Cache-Control: no-store` (unless the endpoint
//! set its own) and is recorded in the [`ExchangeLog`](crate::ExchangeLog). A preflight (`OPTIONS` with
//! `Access-Control-Request-Method`) never reaches an endpoint: the layer answers it for every path, with the
//! policy's `preflight_status` and preflight headers (and a `Location` back to the same path when that
//! status is a redirect).
//!
//! | path | methods | parameters | answer | headers beyond the policy's | lesson ([docs/lessons.md](../../../docs/lessons.md)) |
//! |---|---|---|---|---|---|
//! | `/api` | any | — | `"Hello"` | — | 1–4: the article's endpoint |
//! | `/api/echo` | any | — | `{"method", "path", "query", "headers": [[name, value], …], "body", "body_note"}`: the request as received, the body cut at 16 KiB | — | 5, 7: what the browser really sent (the `Origin`, the cookie, the preflight's own headers) |
//! | `/api/headers` | any | — | `"Hello"` | `X-Request-Id: <n>`, `X-Total-Count: 42` | 8: custom headers are hidden from JS without `Access-Control-Expose-Headers` |
//! | `/api/login` | any | `samesite`: `lax` (default) or `none` | `{"logged_in": true, "user": "learner"}` | `Set-Cookie: sandbox_session=<token>; Path=/; SameSite=Lax; HttpOnly` (`SameSite=None; Secure` with `samesite=none`) | 7: credentials; 13–16: the attacker |
//! | `/api/logout` | any | — | `{"logged_in": false, "user": null}` | `Set-Cookie: sandbox_session=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly` | 7 |
//! | `/api/whoami` | any | — | `{"user": "learner" or null, "cookie_received": bool}` | — | 7: did the cookie travel, and was it one this API issued? |
//! | `/api/account` | `GET`, `HEAD` | — | with a session cookie from `/api/login`: `{"user": "learner", "secret": "<drawn when the sandbox starts>"}`; without: 401 `{"error": "<log in first, at /api/login>"}` | — | 13–16: the bank's secret, which a loose policy hands to another site |
//! | `/api/counter` | `GET`, `HEAD` | — | `{"count": n}` | — | 12 |
//! | `/api/counter` | any other | — | `{"count": n + 1}`: counts first, answers second | — | 12: the side effect happens even when the browser hides the answer |
//! | `/api/error` | any | `cors=yes` (default) \| `no` | 500 `{"error": "Something broke on the server …"}` | `cors=no`: **none** of the policy's lines | 10: a 500 without CORS headers looks like a CORS failure |
//! | `/api/redirect` | any | `to=same` (default) \| `cross`, `cors=yes` (default) \| `no`, `status=307` (default) \| `301` \| `302` \| `303` \| `308` | the redirect, empty body | `Location`; `cors=no`: none of the policy's lines | redirects: every hop is CORS-checked; a cross-origin hop makes the `Origin` `null` |
//! | `/api/cacheable` | `GET`, `HEAD` | — | `{"served_at_ms": <now>}` | `Cache-Control: public, max-age=60`; `Access-Control-Allow-Origin` **reflects** the request's `Origin` (none without one) | 9: why an origin-dependent answer needs `Vary: Origin` |
//! | any other | any | — | 404 `{"error": …}` | — | the policy's headers are on errors too |
//!
//! A parameter with a value outside its list gets a 400 `{"error": "<sentence>"}`; unknown parameters (the
//! lab's `trace=…`) are ignored. Method-specific answers name the methods they accept in a 405.

mod account;
mod cacheable;
mod counter;
mod echo;
mod error;
mod exposed;
mod hello;
mod redirect;
mod session;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};

pub(crate) use account::AccountSecret;
pub(crate) use counter::Counter;
pub(crate) use session::Sessions;

/// Every endpoint, and the 404 for every other path.
pub(crate) fn routes() -> Router<Arc<EndpointState>> {
    Router::new()
        .route("/api", any(hello::hello))
        .route("/api/echo", any(echo::echo))
        .route("/api/headers", any(exposed::headers))
        .route("/api/login", any(session::login))
        .route("/api/logout", any(session::logout))
        .route("/api/whoami", any(session::whoami))
        .route("/api/account", any(account::account))
        .route("/api/counter", any(counter::counter))
        .route("/api/error", any(error::error))
        .route("/api/redirect", any(redirect::redirect))
        .route("/api/cacheable", any(cacheable::cacheable))
        .fallback(hello::not_found)
}

/// What the endpoints remember between requests. One `Arc` is the endpoints' state, so cloning it for each
/// request stays a single reference-count bump however many endpoints keep something.
#[derive(Debug, Default)]
pub(crate) struct EndpointState {
    /// `/api/counter`.
    pub(crate) counter: Counter,
    /// The session tokens `/api/login` issued.
    pub(crate) sessions: Sessions,
    /// The secret `/api/account` shows a logged-in learner, drawn when the sandbox starts.
    pub(crate) account_secret: AccountSecret,
    /// The last `X-Request-Id` `/api/headers` sent.
    pub(crate) request_ids: AtomicU64,
}

/// An error answer: the status and `{"error": sentence}`.
fn error_response(status: StatusCode, sentence: String) -> Response {
    (status, Json(serde_json::json!({ "error": sentence }))).into_response()
}

/// A request an endpoint cannot answer as asked (a parameter outside its list, say): a 400 with
/// `{"error": sentence}`, which still goes through the layer like every answer.
#[derive(Debug)]
struct BadRequest(String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        error_response(StatusCode::BAD_REQUEST, self.0)
    }
}

/// The raw value of the first query parameter called `name`, as sent (still percent-encoded); `""` for a
/// bare `name` without `=`.
fn query_param<'a>(uri: &'a Uri, name: &str) -> Option<&'a str> {
    uri.query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// The value of the query parameter `name`: `default` when it is absent, one of `others` when it names
/// one; any other value is a 400 that lists the choices.
fn choose<T: Copy>(uri: &Uri, name: &str, default: (&str, T), others: &[(&str, T)]) -> Result<T, BadRequest> {
    let Some(value) = query_param(uri, name) else {
        return Ok(default.1);
    };
    let choices = || std::iter::once(&default).chain(others);
    if let Some(&(_, chosen)) = choices().find(|(text, _)| *text == value) {
        return Ok(chosen);
    }
    let names: Vec<&str> = choices().map(|(text, _)| *text).collect();
    let list = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => default.0.to_owned(),
    };
    let given = if value.len() > 40 {
        format!("a value {} characters long", value.len())
    } else {
        format!("{value:?}")
    };
    Err(BadRequest(format!(
        "The `{name}` parameter must be {list}, not {given}; leave it out for {}.",
        default.0
    )))
}

/// A 405 for an endpoint that answers only `allowed` (e.g. `"GET, HEAD"`).
fn method_not_allowed(path: &str, method: &Method, allowed: &'static str) -> Response {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{path} answers only {allowed}, not {method}; send one of those instead."),
    );
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}

/// Now, in milliseconds since the Unix epoch (0 if the clock is before 1970).
fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().expect("a valid URI")
    }

    #[test]
    fn query_param_takes_the_first_match_and_ignores_the_rest() {
        let u = uri("/api/error?trace=t-1&cors=no&cors=yes&xcors=yes");
        assert_eq!(query_param(&u, "cors"), Some("no"));
        assert_eq!(query_param(&u, "trace"), Some("t-1"));
        assert_eq!(query_param(&u, "to"), None);
        assert_eq!(query_param(&uri("/api/error?cors"), "cors"), Some(""));
        assert_eq!(query_param(&uri("/api/error"), "cors"), None);
    }

    #[test]
    fn choose_uses_the_default_when_the_parameter_is_absent() {
        let others = [("no", false)];
        assert_eq!(choose(&uri("/x"), "cors", ("yes", true), &others).ok(), Some(true));
        assert_eq!(choose(&uri("/x?cors=no"), "cors", ("yes", true), &others).ok(), Some(false));
        assert_eq!(choose(&uri("/x?cors=yes"), "cors", ("yes", true), &others).ok(), Some(true));
    }

    #[tokio::test]
    async fn choose_refuses_other_values_with_a_sentence_listing_the_choices() {
        let others = [("301", 301), ("302", 302)];
        for (query, given) in [("/x?status=200", "\"200\""), ("/x?status=", "\"\""), ("/x?status", "\"\"")] {
            let response =
                choose(&uri(query), "status", ("307", 307), &others).expect_err(query).into_response();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
            let body = body_json(response).await;
            assert_eq!(
                body["error"],
                format!("The `status` parameter must be 307, 301 or 302, not {given}; leave it out for 307.")
            );
        }
    }

    /// The JSON body of a response built in a unit test.
    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024).await.expect("a small body");
        serde_json::from_slice(&bytes).expect("a JSON body")
    }
}
