//! `/api/cacheable`: an answer the browser may cache, whose `Access-Control-Allow-Origin` depends on the
//! request.
//!
//! | method | path | answer | headers | lesson |
//! |---|---|---|---|---|
//! | `GET`, `HEAD` | `/api/cacheable` | 200 `{"served_at_ms": <when the API answered>}` | `Cache-Control: public, max-age=60`; `Access-Control-Allow-Origin: <the request's Origin>`, or none when the request has no `Origin`; the policy's other lines as configured | 9 |
//! | any other | `/api/cacheable` | 405 `{"error": …}` | `Allow: GET, HEAD`; the policy's lines | — |
//!
//! Like express's `cors({ origin: true })` or tower-http's `AllowOrigin::mirror_request()`, the endpoint
//! echoes the `Origin` instead of sending the policy's `Access-Control-Allow-Origin` (whatever the policy's
//! value and `headers_on`); everything else the policy says (`Vary`, `Access-Control-Allow-Credentials`,
//! `Access-Control-Expose-Headers`) is sent as configured.
//!
//! The trap (checked in Chromium 156): open the URL in the address bar first. A navigation carries no
//! `Origin`, so that answer has no `Access-Control-Allow-Origin`, and the browser keeps it for 60 s. The
//! page's `fetch()` of the same URL a moment later (with the default `cache` mode) gets the cached copy and
//! is blocked ("No 'Access-Control-Allow-Origin' header is present") although the API would have allowed
//! it; no new entry in the API's log shows that the API was never asked. With the policy's `Vary: Origin`
//! the cache keeps one answer per `Origin` (Fetch Standard, "CORS protocol and HTTP caches"): the `fetch()`
//! reaches the API and is readable. (A `mode: 'no-cors'` fetch does not set the trap: Chromium does not
//! reuse that opaque answer.) The page's other requests use `cache: 'no-store'`; this lesson's must not.

use axum::Json;
use axum::extract::Extension;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{method_not_allowed, now_ms};
use crate::cors_headers::CorsHeaders;

/// `/api/cacheable`, `GET` and `HEAD`.
pub(super) async fn cacheable(method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed("/api/cacheable", &method, "GET, HEAD");
    }
    (
        Extension(CorsHeaders::ReflectOrigin),
        // The layer adds `Cache-Control: no-store` only when an endpoint has not chosen its own.
        [(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"))],
        Json(json!({ "served_at_ms": now_ms() })),
    )
        .into_response()
}
