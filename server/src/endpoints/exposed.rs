//! `/api/headers`: custom response headers, which JavaScript cannot read unless they are exposed.
//!
//! | method | path | answer | headers | lesson |
//! |---|---|---|---|---|
//! | any | `/api/headers` | 200 `"Hello"` | `X-Request-Id: <1, 2, 3, …>`, `X-Total-Count: 42` | 8 |
//!
//! DevTools shows both headers, yet after a successful cross-origin `fetch()` `res.headers.get('x-total-count')`
//! is `null`: a CORS response exposes only the CORS-safelisted response headers (`Cache-Control`,
//! `Content-Language`, `Content-Length`, `Content-Type`, `Expires`, `Last-Modified`, `Pragma`) and the names
//! the policy lists in `Access-Control-Expose-Headers` (Fetch Standard, main fetch step 14; `*` exposes
//! every header, but only without credentials). `X-Request-Id` changes with every request, so the page can
//! tell a fresh answer from a cached one.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};

use super::EndpointState;

/// `/api/headers`, any method.
pub(super) async fn headers(
    State(state): State<Arc<EndpointState>>,
) -> ([(HeaderName, HeaderValue); 2], Json<&'static str>) {
    let id = state.request_ids.fetch_add(1, Ordering::Relaxed) + 1;
    (
        [
            // A number the API gives each answer of this endpoint.
            (HeaderName::from_static("x-request-id"), HeaderValue::from(id)),
            // The pagination header of many real APIs, and one that JS often cannot see.
            (HeaderName::from_static("x-total-count"), HeaderValue::from_static("42")),
        ],
        Json("Hello"),
    )
}
