//! The `Date` header, written by the API itself so that the log records it.
//!
//! hyper adds `Date` while writing the response, after every layer has run, so without this the log
//! would lack a header the browser saw — and one JavaScript can read once `Access-Control-Expose-Headers`
//! is `*`. hyper leaves a `Date` that is already there alone. The formatting is `httpdate`'s, the crate
//! hyper itself uses.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderValue;

thread_local! {
    /// The current second and its formatted date: formatting once a second per thread, as hyper does.
    static CACHED: RefCell<(u64, HeaderValue)> = const { RefCell::new((u64::MAX, HeaderValue::from_static(""))) };
}

/// Now, as an HTTP date (RFC 9110 §5.6.7 IMF-fixdate), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn now() -> HeaderValue {
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != secs {
            *cached = (secs, value(now));
        }
        cached.1.clone()
    })
}

/// `time` as a `Date` value. An IMF-fixdate has only ASCII letters, digits, spaces, commas and colons,
/// so it is always a valid header value.
fn value(time: SystemTime) -> HeaderValue {
    HeaderValue::from_str(&httpdate::fmt_http_date(time)).unwrap_or(HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn formats_imf_fixdates() {
        let at = |secs| value(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT"); // RFC 9110's example
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn now_is_a_date_of_this_second() {
        let parsed = httpdate::parse_http_date(now().to_str().expect("ASCII")).expect("an HTTP date");
        let drift = SystemTime::now().duration_since(parsed).unwrap_or_default();
        assert!(drift <= Duration::from_secs(2), "{drift:?}");
    }
}
