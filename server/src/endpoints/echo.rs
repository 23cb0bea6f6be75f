//! `/api/echo`: the request exactly as the API received it.
//!
//! | method | path | answer | lesson |
//! |---|---|---|---|
//! | any | `/api/echo` | 200 `{"method", "path", "query", "headers": [[name, value], …], "body", "body_note"}` | 5 and 7: what the browser really sent |
//!
//! The page's code shows what it *asked* for; the echo shows what arrived: the `Origin` the browser added,
//! the `Content-Type` a string body got, the cookie that `credentials: 'include'` attached, and, for a
//! request the browser preflighted, the `OPTIONS` that came first (in the log: the layer answers it, so it
//! never reaches the echo).
//!
//! - `query` is the raw query string (still percent-encoded), or `null` when the URL had none.
//! - `headers` are in the order received, a repeated header once per line. HTTP/1 names are
//!   case-insensitive and arrive lower-cased; values that are not UTF-8 are shown with `�`.
//! - `body` is the body as text (`�` for bytes that are not UTF-8), at most [`BODY_LIMIT`] bytes of it;
//!   `body_note` is `null`, or a sentence saying how much was left out.

use std::borrow::Cow;
use std::future::poll_fn;
use std::pin::Pin;

use axum::Json;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error_response;
use crate::exchange::RecordedHeaders;

/// The most of a body the echo shows, in bytes (16 KiB).
pub(crate) const BODY_LIMIT: usize = 16 * 1024;

/// How much of a longer body is read (and thrown away) to say how long it was, in bytes (1 MiB). Reading
/// to the end lets the client finish sending; a body longer still is left unread.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// The echo's answer.
#[derive(Serialize)]
struct Echo<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: RecordedHeaders,
    body: Cow<'a, str>,
    body_note: Option<String>,
}

/// `/api/echo`, any method.
pub(super) async fn echo(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_start(body).await {
        Ok(body) => body,
        Err(error) => {
            tracing::debug!(%error, "could not read the body of a request to /api/echo");
            return error_response(
                StatusCode::BAD_REQUEST,
                "The request's body could not be read to its end (the connection broke off or the body was \
                 malformed); send the request again."
                    .to_owned(),
            );
        }
    };
    Json(Echo {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: RecordedHeaders::of(&parts.headers),
        body: String::from_utf8_lossy(&body.kept),
        body_note: body.note(),
    })
    .into_response()
}

/// The start of a request body, and how long the whole was.
#[derive(Debug, PartialEq, Eq)]
struct BodyStart {
    /// The first [`BODY_LIMIT`] bytes at most.
    kept: Vec<u8>,
    /// How many bytes were read in all (at most a frame beyond [`DRAIN_LIMIT`]).
    total: usize,
    /// Whether the body was read to its end, so that `total` is its length.
    complete: bool,
}

impl BodyStart {
    /// `None` when the whole body is shown; otherwise a sentence saying how much was left out.
    fn note(&self) -> Option<String> {
        if self.total == self.kept.len() {
            None
        } else if self.complete {
            Some(format!(
                "The body was {} bytes long; only its first {BODY_LIMIT} bytes are shown.",
                self.total
            ))
        } else {
            Some(format!(
                "The body was longer than {DRAIN_LIMIT} bytes; only its first {BODY_LIMIT} bytes are shown."
            ))
        }
    }
}

/// Reads a body frame by frame, keeping its first [`BODY_LIMIT`] bytes and counting the rest up to
/// [`DRAIN_LIMIT`]. (axum's `to_bytes` refuses a body over its limit outright; the echo shows its start.)
async fn read_start(mut body: Body) -> Result<BodyStart, axum::Error> {
    let mut start = BodyStart { kept: Vec::new(), total: 0, complete: false };
    while start.total <= DRAIN_LIMIT {
        let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await else {
            start.complete = true;
            break;
        };
        // A frame is data or trailers; trailers are not part of the body's text.
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        let room = BODY_LIMIT - start.kept.len();
        start.kept.extend_from_slice(&data[..data.len().min(room)]);
        start.total += data.len();
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_short_body_is_kept_whole() {
        let start = read_start(Body::from("hello")).await.expect("readable");
        assert_eq!(start, BodyStart { kept: b"hello".to_vec(), total: 5, complete: true });
        assert_eq!(start.note(), None);
    }

    #[tokio::test]
    async fn a_body_of_exactly_the_limit_has_no_note() {
        let start = read_start(Body::from(vec![b'a'; BODY_LIMIT])).await.expect("readable");
        assert_eq!(start.kept.len(), BODY_LIMIT);
        assert_eq!(start.note(), None);
    }

    #[tokio::test]
    async fn a_longer_body_is_cut_and_its_length_told() {
        let start = read_start(Body::from(vec![b'a'; BODY_LIMIT + 10])).await.expect("readable");
        assert_eq!(start.kept.len(), BODY_LIMIT);
        assert!(start.complete);
        assert_eq!(
            start.note().as_deref(),
            Some("The body was 16394 bytes long; only its first 16384 bytes are shown.")
        );
    }

    #[tokio::test]
    async fn a_body_beyond_the_drain_limit_is_left_unread() {
        let start = read_start(Body::from(vec![b'a'; DRAIN_LIMIT + 10])).await.expect("readable");
        assert!(!start.complete);
        assert_eq!(
            start.note().as_deref(),
            Some("The body was longer than 1048576 bytes; only its first 16384 bytes are shown.")
        );
    }
}
