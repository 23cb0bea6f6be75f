//! `POST /sandbox/paste`: the lab's "Paste a request" box. The body is `{"text": "<the copy>"}`; the
//! answer is the request as the lab's form ([`super::Pasted`]), or a refusal.
//!
//! Behind the guard like every control: only the sandbox's own page (or a script without an `Origin`)
//! may post. The text is read as data — parsed, never run.
//!
//! | answer | when |
//! |---|---|
//! | 200 | the form's fields and the notes, or (another server's URL) the `check` command |
//! | 400 | the body is not JSON, or ended early |
//! | 413 | over [`MAX_PASTE`] bytes of text |
//! | 415 | not `Content-Type: application/json` |
//! | 422 | no copied request: empty, neither curl nor fetch, a shell trick, cut short (`error`: the sentence) |

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::{MAX_PASTE, SandboxApi, read};
use crate::error::error;
use crate::site::Site;

/// The route.
pub fn routes() -> Router<Site> {
    Router::new().route("/sandbox/paste", post(paste))
}

#[derive(Deserialize)]
struct Body {
    text: String,
}

/// The most JSON read: the text's escapes (`\n`, `\"`) make the body longer than the text.
const MAX_JSON: usize = 2 * MAX_PASTE;

async fn paste(State(site): State<Site>, request: Request) -> Response {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the copy as JSON, {\"text\": \"…\"}, with the header Content-Type: application/json.",
        );
    }
    let host =
        request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_owned();
    let too_large = || {
        closing(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The copy is over {} KiB; the lab sends small requests. Shorten its body and paste it again.",
                MAX_PASTE / 1024
            ),
        ))
    };
    let bytes = match to_bytes(request.into_body(), MAX_JSON).await.map_err(axum::Error::into_inner) {
        Ok(bytes) => bytes,
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        Err(_) => {
            return closing(error(
                StatusCode::BAD_REQUEST,
                "The request body ended early; paste the copy again.",
            ));
        }
    };
    let Ok(Body { text }) = serde_json::from_slice::<Body>(&bytes) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Send {\"text\": \"…\"} with the request you copied from DevTools.",
        );
    };
    if text.len() > MAX_PASTE {
        return too_large();
    }
    let api = SandboxApi {
        hosts: site.config.host_names(),
        port: site.config.api_port,
        origin: site.config.api_url_for(&host).trim_end_matches("/api").to_owned(),
        page_origin: site.config.origin_for(&host),
    };
    match read(&text, &api) {
        Ok(pasted) => Json(pasted).into_response(),
        Err(sentence) => error(StatusCode::UNPROCESSABLE_ENTITY, sentence),
    }
}

/// `response` with `Connection: close`: the rest of the body was not read.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
