//! `/api`, the article's endpoint, and the 404 for every path the API does not have.
//!
//! | method | path | answer | lesson |
//! |---|---|---|---|
//! | any | `/api` | 200 `"Hello"`, like the article's express server | 1–4: blocked, then fixed by the policy's `Access-Control-Allow-Origin` |
//! | any | any other path | 404 `{"error": "<sentence naming the endpoints>"}` | the policy's headers are on every answer, errors included |

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;

use super::error_response;

/// `/api`: the article's endpoint.
pub(super) async fn hello() -> Json<&'static str> {
    Json("Hello")
}

/// Every other path: a 404 that names the paths there are.
pub(super) async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "This sandbox API has no such endpoint; try /api, /api/echo, /api/headers, /api/login, /api/logout, \
         /api/whoami, /api/account, /api/counter, /api/error, /api/redirect or /api/cacheable. The answer still \
         carries the policy's CORS headers."
            .to_owned(),
    )
}
