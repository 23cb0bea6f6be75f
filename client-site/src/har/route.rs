//! The lab's HAR drop: `POST /sandbox/har` with the file as the body (any `Content-Type`; a file chosen
//! in the page has none it can trust), `?origin=` for requests whose entries do not show their page.
//!
//! The answer is the report's JSON, as `check --har --json` prints it, secrets redacted. The file is
//! judged in memory and dropped: it is never written anywhere, logged or kept. Like every control, the
//! route is behind the guard (only this sandbox's own page may post to it), and it reads at most
//! [`MAX_HAR_BYTES`]; one HAR is judged at a time, so a few large drops cannot add up.
//!
//! | answer | when |
//! |---|---|
//! | 200 | the report |
//! | 400 | not a HAR: empty, not JSON, cut short, another shape (`error`: the sentence) |
//! | 413 | over [`MAX_HAR_BYTES`] |
//! | 422 | a HAR with no cross-origin request (`error`, and the report of what it has) |

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Query, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use tokio::sync::Semaphore;

use super::{MAX_HAR_BYTES, Options, judge, too_large};
use crate::error::error;
use crate::site::Site;

/// One HAR judged at a time: each holds up to [`MAX_HAR_BYTES`] while it is read and parsed.
static ONE_AT_A_TIME: Semaphore = Semaphore::const_new(1);

/// The route.
pub fn routes() -> Router<Site> {
    Router::new().route("/sandbox/har", post(judge_har))
}

#[derive(Deserialize)]
struct HarQuery {
    origin: Option<String>,
}

async fn judge_har(
    query: Result<Query<HarQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Response {
    let Ok(Query(HarQuery { origin })) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "origin= takes the page's origin, e.g. ?origin=http://localhost:3000.",
        );
    };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(length) = declared.filter(|&length| length > MAX_HAR_BYTES as u64) {
        return closing(error(StatusCode::PAYLOAD_TOO_LARGE, too_large(Some(length))));
    }
    let Ok(_turn) = ONE_AT_A_TIME.acquire().await else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "The sandbox is stopping; start it again.");
    };
    let bytes = match to_bytes(request.into_body(), MAX_HAR_BYTES).await.map_err(axum::Error::into_inner) {
        Ok(bytes) => bytes,
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return closing(error(StatusCode::PAYLOAD_TOO_LARGE, too_large(None)));
        }
        Err(_) => {
            return closing(error(
                StatusCode::BAD_REQUEST,
                "The file's upload ended early; choose the file again.",
            ));
        }
    };
    // Judging a large file takes a moment of CPU: off the threads that serve the other requests.
    let options = Options { origin, show_secrets: false };
    let judged =
        tokio::task::spawn_blocking(move || judge(&bytes, &options).map(|report| report.to_json())).await;
    match judged {
        Ok(Ok(report)) if report["error"].is_string() => {
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(report)).into_response()
        }
        Ok(Ok(report)) => axum::Json(report).into_response(),
        Ok(Err(sentence)) => error(StatusCode::BAD_REQUEST, sentence),
        Err(e) => {
            tracing::error!("judging a HAR failed: {e}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The sandbox failed while judging this HAR (a bug: its terminal says where); the page goes on working.",
            )
        }
    }
}

/// `response` with `Connection: close`: the rest of the body was not read.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
