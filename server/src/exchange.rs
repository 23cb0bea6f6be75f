//! What the API saw and sent: one [`Exchange`] per request, kept in a bounded ring and announced live.
//!
//! This is the second of the sandbox's three views. A request the browser blocks still reaches the API,
//! so its exchange is recorded like any other: the page shows it next to JavaScript's
//! `TypeError: Failed to fetch` to prove that the server answered and the *browser* withheld the answer.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use tokio::sync::broadcast;

/// How many exchanges [`ExchangeLog`] keeps; older ones are dropped first.
pub const LOG_CAPACITY: usize = 200;

/// The most of a request's header lines one record keeps, in bytes (16 KiB). hyper accepts some 400 KB of
/// request headers; a log of [`LOG_CAPACITY`] such records would hold 80 MB. Lines past the cap are left
/// out and counted ([`RecordedHeaders::omitted`]), so the record says that it was cut.
pub const MAX_RECORDED_REQUEST_HEADERS: usize = 16 * 1024;

/// The longest single request header line a record keeps, in bytes (4 KiB, as long as a policy value
/// may be). A longer line (a huge cookie) is left out and counted, and the lines after it are still kept,
/// so one oversized header never hides the `Origin` or the preflight's own headers.
pub const MAX_RECORDED_LINE: usize = 4 * 1024;

/// How many announcements a slow live-feed subscriber may fall behind before it skips ahead.
const FEED_CAPACITY: usize = 256;

/// One request the API received and the answer it sent.
///
/// Headers are kept as one string of lines each ([`RecordedHeaders`]) and parsed only when someone reads
/// the log, so recording costs the API two small copies rather than a map of cloned values.
#[derive(Debug)]
pub struct Exchange {
    /// Position in the log: 1 for the first request the API saw, then one more each time.
    pub seq: u64,
    /// When the request arrived, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// The request's method, exactly as sent (`OPTIONS` for a preflight).
    pub method: Method,
    /// The request's path and query, at most [`MAX_RECORDED_LINE`] bytes of them.
    pub uri: Uri,
    /// How long the path and query were when the record had to cut them; `None` when kept whole.
    pub uri_cut_from: Option<usize>,
    /// The request's headers, including `Origin` when the browser sent one.
    pub request_headers: RecordedHeaders,
    /// Whether this was a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
    pub preflight: bool,
    /// The status the API answered with.
    pub status: StatusCode,
    /// The response's headers, the policy's CORS headers among them.
    pub response_headers: RecordedHeaders,
    /// The version of the policy that produced the answer.
    pub policy_version: u64,
}

impl Exchange {
    /// The request's `Origin` header, if it had one (browsers omit it on same-origin GETs, and curl never
    /// sends it).
    pub fn origin(&self) -> Option<&str> {
        self.request_headers.get("origin")
    }

    /// The trace id the lab adds to its requests (`?trace=…`), if any.
    pub fn trace(&self) -> Option<&str> {
        self.uri.query()?.split('&').find_map(|pair| pair.strip_prefix("trace="))
    }

    /// The request header `name`, if present and readable as text.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers.get(name)
    }

    /// The response header `name`, if present and readable as text.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers.get(name)
    }
}

/// Header lines in order, repeats kept (both are part of the lesson), stored as one string of
/// `name: value` lines: one allocation to record, where cloning a `HeaderMap` costs one per value.
///
/// Names are lower-case, as `http` keeps them. A value with bytes outside ASCII is kept with those bytes
/// replaced (U+FFFD); values never hold a line break, which HTTP forbids and hyper refuses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedHeaders {
    lines: String,
    /// How many lines were left out because the record reached its cap.
    omitted: usize,
}

impl RecordedHeaders {
    /// Records every line of `headers`.
    pub fn of(headers: &HeaderMap) -> RecordedHeaders {
        RecordedHeaders::capped(headers, usize::MAX, usize::MAX)
    }

    /// Records the lines of a request's `headers`, at most [`MAX_RECORDED_REQUEST_HEADERS`] bytes of
    /// them, each at most [`MAX_RECORDED_LINE`] bytes; the others are counted in [`Self::omitted`].
    pub fn of_request(headers: &HeaderMap) -> RecordedHeaders {
        RecordedHeaders::capped(headers, MAX_RECORDED_REQUEST_HEADERS, MAX_RECORDED_LINE)
    }

    fn capped(headers: &HeaderMap, max_total: usize, max_line: usize) -> RecordedHeaders {
        let line_len = |name: &axum::http::HeaderName, value: &axum::http::HeaderValue| {
            name.as_str().len() + value.len() + 3
        };
        let size: usize = headers.iter().map(|(n, v)| line_len(n, v)).sum();
        let mut recorded = RecordedHeaders { lines: String::with_capacity(size.min(max_total)), omitted: 0 };
        for (name, value) in headers {
            let len = line_len(name, value);
            if len > max_line || recorded.lines.len() + len > max_total {
                recorded.omitted += 1;
                continue;
            }
            recorded.lines.push_str(name.as_str());
            recorded.lines.push_str(": ");
            // `from_utf8_lossy` borrows when the bytes are valid, and checks ASCII a word at a time
            // (`HeaderValue::to_str` goes byte by byte): this runs on every request the API answers.
            recorded.lines.push_str(&String::from_utf8_lossy(value.as_bytes()));
            recorded.lines.push('\n');
        }
        recorded
    }

    /// How many lines were sent but left out of the record because it reached its cap.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// Each `(name, value)` line, in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines.lines().map(|line| line.split_once(": ").unwrap_or((line, "")))
    }

    /// The first value of header `name` (case-insensitive), if it was sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// How many lines were sent.
    pub fn len(&self) -> usize {
        self.lines.lines().count()
    }

    /// Whether no header was sent at all.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Serialized as `[[name, value], …]`.
impl Serialize for RecordedHeaders {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for line in self.iter() {
            seq.serialize_element(&line)?;
        }
        seq.end()
    }
}

impl Serialize for Exchange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Exchange", 14)?;
        s.serialize_field("seq", &self.seq)?;
        s.serialize_field("at_ms", &self.at_ms)?;
        s.serialize_field("method", self.method.as_str())?;
        s.serialize_field("path", self.uri.path())?;
        s.serialize_field("query", &self.uri.query())?;
        // Not null only when the path and query were longer than a record keeps: their whole length.
        s.serialize_field("path_cut_from", &self.uri_cut_from)?;
        s.serialize_field("trace", &self.trace())?;
        s.serialize_field("origin", &self.origin())?;
        s.serialize_field("preflight", &self.preflight)?;
        s.serialize_field("status", &self.status.as_u16())?;
        s.serialize_field("request_headers", &self.request_headers)?;
        // Not 0 only when the request's headers were larger than one record keeps: the page says so.
        s.serialize_field("request_headers_omitted", &self.request_headers.omitted())?;
        s.serialize_field("response_headers", &self.response_headers)?;
        s.serialize_field("policy_version", &self.policy_version)?;
        s.end()
    }
}

/// The fields of an [`Exchange`] the API fills in; the log assigns `seq` and `at_ms`.
#[derive(Debug)]
pub struct NewExchange {
    pub method: Method,
    pub uri: Uri,
    pub request_headers: RecordedHeaders,
    pub preflight: bool,
    pub status: StatusCode,
    pub response_headers: RecordedHeaders,
    pub policy_version: u64,
}

/// A copy of `uri` in an allocation of its own, cut to [`MAX_RECORDED_LINE`] bytes (with its whole
/// length when cut). The `Uri` hyper parses shares the connection's read buffer: keeping it would keep
/// that whole buffer — every header of the request, however large — alive as long as the record.
fn kept_uri(uri: &Uri) -> (Uri, Option<usize>) {
    let whole = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let (kept, cut_from) = if whole.len() > MAX_RECORDED_LINE {
        // A request target is ASCII (hyper refuses anything else), so every byte is a boundary.
        let mut end = MAX_RECORDED_LINE;
        while !whole.is_char_boundary(end) {
            end -= 1;
        }
        (&whole[..end], Some(whole.len()))
    } else {
        (whole, None)
    };
    let copy = Uri::from_maybe_shared(axum::body::Bytes::copy_from_slice(kept.as_bytes()));
    (copy.unwrap_or_else(|_| Uri::from_static("/")), cut_from)
}

/// The most recent exchanges, and a live feed of new ones.
#[derive(Debug)]
pub struct ExchangeLog {
    recent: Mutex<VecDeque<Arc<Exchange>>>,
    next_seq: AtomicU64,
    feed: broadcast::Sender<Arc<Exchange>>,
}

impl Default for ExchangeLog {
    fn default() -> ExchangeLog {
        ExchangeLog {
            recent: Mutex::new(VecDeque::with_capacity(LOG_CAPACITY)),
            next_seq: AtomicU64::new(1),
            feed: broadcast::channel(FEED_CAPACITY).0,
        }
    }
}

impl ExchangeLog {
    /// Records an exchange and announces it. Never waits for subscribers: a slow one misses
    /// announcements (and can re-read [`ExchangeLog::recent`]) rather than slowing the API down.
    pub fn record(&self, new: NewExchange) -> Arc<Exchange> {
        let at_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        // `std::sync::Mutex`, not Tokio's: the lock is held for a push and a send, never across an
        // `.await` (see the tokio docs on "Which kind of mutex should you use?").
        let mut recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The sequence number is taken under the lock so that the ring and the feed are in `seq` order.
        let (uri, uri_cut_from) = kept_uri(&new.uri);
        let exchange = Arc::new(Exchange {
            seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
            at_ms,
            method: new.method,
            uri,
            uri_cut_from,
            request_headers: new.request_headers,
            preflight: new.preflight,
            status: new.status,
            response_headers: new.response_headers,
            policy_version: new.policy_version,
        });
        if recent.len() == LOG_CAPACITY {
            recent.pop_front();
        }
        recent.push_back(Arc::clone(&exchange));
        // An error only means nobody is listening right now.
        let _ = self.feed.send(Arc::clone(&exchange));
        exchange
    }

    /// The most recent exchanges, oldest first (at most [`LOG_CAPACITY`]).
    pub fn recent(&self) -> Vec<Arc<Exchange>> {
        let recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        recent.iter().cloned().collect()
    }

    /// The most recent exchange that `matches`, looked for under the lock without copying the log.
    pub fn find_last(&self, matches: impl Fn(&Exchange) -> bool) -> Option<Arc<Exchange>> {
        let recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        recent.iter().rev().find(|x| matches(x)).cloned()
    }

    /// Forgets every recorded exchange (the sequence keeps counting, so old ids are never reused).
    pub fn clear(&self) {
        self.recent.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// A live feed of exchanges recorded from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Exchange>> {
        self.feed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> NewExchange {
        NewExchange {
            method: Method::GET,
            uri: path.parse().unwrap(),
            request_headers: RecordedHeaders::default(),
            preflight: false,
            status: StatusCode::OK,
            response_headers: RecordedHeaders::default(),
            policy_version: 1,
        }
    }

    #[test]
    fn recorded_headers_keep_order_repeats_and_odd_bytes() {
        let mut headers = HeaderMap::new();
        headers.append("vary", "Origin".parse().unwrap());
        headers.append("x-a", "1".parse().unwrap());
        headers.append("vary", "Accept".parse().unwrap());
        headers.append("x-b", axum::http::HeaderValue::from_bytes(b"caf\xe9").unwrap());
        headers.append("x-empty", "".parse().unwrap());
        let recorded = RecordedHeaders::of(&headers);
        let lines: Vec<_> = recorded.iter().collect();
        assert_eq!(
            lines,
            [("vary", "Origin"), ("vary", "Accept"), ("x-a", "1"), ("x-b", "caf\u{fffd}"), ("x-empty", "")]
        );
        assert_eq!(recorded.get("Vary"), Some("Origin"));
        assert_eq!(recorded.get("x-empty"), Some(""));
        assert_eq!(recorded.get("x-missing"), None);
        assert_eq!(recorded.len(), 5);
    }

    #[test]
    fn a_request_record_keeps_its_cap_and_counts_what_it_left_out() {
        let mut headers = HeaderMap::new();
        headers.append("origin", "http://localhost:3000".parse().unwrap());
        // One line over the line cap, then enough lines under it to pass the total cap.
        headers.append("cookie", "c".repeat(MAX_RECORDED_LINE).parse().unwrap());
        let filler = "f".repeat(1000);
        for _ in 0..40 {
            headers.append("x-filler", filler.parse().unwrap());
        }
        headers.append("access-control-request-method", "PUT".parse().unwrap());
        let recorded = RecordedHeaders::of_request(&headers);
        assert!(recorded.lines.len() <= MAX_RECORDED_REQUEST_HEADERS, "{}", recorded.lines.len());
        assert_eq!(recorded.get("origin"), Some("http://localhost:3000"));
        assert_eq!(recorded.get("cookie"), None, "the oversized line is left out");
        let kept_fillers = recorded.iter().filter(|(n, _)| *n == "x-filler").count();
        assert!(kept_fillers > 10 && kept_fillers < 40, "{kept_fillers}");
        assert_eq!(recorded.omitted(), 1 + (40 - kept_fillers), "the cookie and the fillers past the cap");
        assert_eq!(
            recorded.get("access-control-request-method"),
            Some("PUT"),
            "a short line that still fits"
        );

        let everything = RecordedHeaders::of(&headers);
        assert_eq!(everything.omitted(), 0);
        assert_eq!(everything.len(), headers.len());
    }

    #[test]
    fn numbers_exchanges_from_one() {
        let log = ExchangeLog::default();
        assert_eq!(log.record(get("/api")).seq, 1);
        assert_eq!(log.record(get("/api")).seq, 2);
    }

    #[test]
    fn keeps_only_the_most_recent() {
        let log = ExchangeLog::default();
        for _ in 0..LOG_CAPACITY + 5 {
            log.record(get("/api"));
        }
        let recent = log.recent();
        assert_eq!(recent.len(), LOG_CAPACITY);
        assert_eq!(recent[0].seq, 6);
        assert_eq!(recent[LOG_CAPACITY - 1].seq, (LOG_CAPACITY + 5) as u64);
    }

    #[test]
    fn a_slow_subscriber_does_not_block_recording() {
        let log = ExchangeLog::default();
        let mut slow = log.subscribe();
        for _ in 0..FEED_CAPACITY * 2 {
            log.record(get("/api"));
        }
        assert!(matches!(slow.try_recv(), Err(broadcast::error::TryRecvError::Lagged(_))));
    }

    #[test]
    fn reads_the_trace_id_from_the_query() {
        let log = ExchangeLog::default();
        assert_eq!(log.record(get("/api?trace=t-1&x=2")).trace(), Some("t-1"));
        assert_eq!(log.record(get("/api?x=trace=no")).trace(), None);
        assert_eq!(log.record(get("/api")).trace(), None);
    }

    #[test]
    fn serializes_header_lines_in_order_with_repeats() {
        let log = ExchangeLog::default();
        let mut new = get("/api");
        let mut request = HeaderMap::new();
        request.append("origin", "http://localhost:3000".parse().unwrap());
        let mut response = HeaderMap::new();
        response.append("access-control-allow-origin", "*".parse().unwrap());
        response.append("access-control-allow-origin", "*".parse().unwrap());
        new.request_headers = RecordedHeaders::of(&request);
        new.response_headers = RecordedHeaders::of(&response);
        let json = serde_json::to_value(&*log.record(new)).unwrap();
        assert_eq!(json["origin"], "http://localhost:3000");
        assert_eq!(json["path"], "/api");
        assert_eq!(json["status"], 200);
        assert_eq!(
            json["response_headers"],
            serde_json::json!([["access-control-allow-origin", "*"], ["access-control-allow-origin", "*"]])
        );
    }

    /// The record keeps its own copy of the path, never a view into the request's buffer (which holds
    /// every header, and would stay alive as long as the record), and cuts a long one.
    #[test]
    fn the_path_is_copied_out_of_the_request_buffer_and_capped() {
        let buffer = axum::body::Bytes::from(format!("/api?pad={}", "p".repeat(100)));
        let shared = Uri::from_maybe_shared(buffer.clone()).unwrap();
        let (kept, cut) = kept_uri(&shared);
        assert_eq!(kept, shared);
        assert_eq!(cut, None);
        let inside = buffer.as_ptr_range();
        assert!(
            !inside.contains(&kept.path_and_query().unwrap().as_str().as_ptr()),
            "the record shares the buffer"
        );

        let long = format!("/api?pad={}", "p".repeat(60_000));
        let (kept, cut) = kept_uri(&long.parse().unwrap());
        assert_eq!(kept.path_and_query().unwrap().as_str().len(), MAX_RECORDED_LINE);
        assert_eq!(cut, Some(long.len()));
        assert_eq!(kept.path(), "/api");
    }
}
