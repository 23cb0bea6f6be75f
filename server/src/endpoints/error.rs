//! `/api/error`: a deliberate 500, with or without the CORS headers.
//!
//! | method | path | parameters | answer | CORS headers | lesson |
//! |---|---|---|---|---|---|
//! | any | `/api/error` | `cors=yes` (default) | 500 `{"error": "Something broke on the server (a deliberate 500 from the sandbox)."}` | the policy's, as on every answer | 10 |
//! | any | `/api/error` | `cors=no` | the same 500 | **none**, whatever the policy says (nor its `Vary`) | 10 |
//!
//! With `cors=no` the answer looks like an error page produced outside the CORS layer: a panic handler, a
//! proxy, a middleware placed before CORS. The browser then reports "No 'Access-Control-Allow-Origin'
//! header is present", and the real problem, the 500, is hidden from JS. With `cors=yes` (and a policy that
//! allows the page) JS reads `res.status === 500` and the error body: a CORS response may have any status.
//! Any other `cors` value is a 400.

use axum::extract::Extension;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::{BadRequest, choose, error_response};
use crate::cors_headers::CorsHeaders;

/// The error's sentence.
pub(crate) const MESSAGE: &str = "Something broke on the server (a deliberate 500 from the sandbox).";

/// `/api/error?cors=yes|no`, any method.
pub(super) async fn error(uri: Uri) -> Result<Response, BadRequest> {
    let cors = choose(&uri, "cors", ("yes", CorsHeaders::Policy), &[("no", CorsHeaders::None)])?;
    Ok((Extension(cors), error_response(StatusCode::INTERNAL_SERVER_ERROR, MESSAGE.to_owned()))
        .into_response())
}
