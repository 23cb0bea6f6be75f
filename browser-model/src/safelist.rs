//! Request headers: which the page may not set at all (forbidden), and which it may set
//! without a preflight (CORS-safelisted).
//!
//! Fetch §2.2.2 "CORS-safelisted request-header" lists `Accept`, `Accept-Language`,
//! `Content-Language`, `Content-Type` and `Range`, each with rules on its value, a 128-byte
//! limit per value and a 1024-byte limit on all of them together.
//!
//! **Chromium over the spec.** Chromium's `IsCorsSafelistedHeader`
//! (`services/network/public/cpp/cors/cors.cc`) also safelists a few client-hint headers a
//! page can set by hand: `DPR`, `Device-Memory`, `Downlink`, `Width`, `Viewport-Width`, `RTT`,
//! `ECT`, `Save-Data` and `Intervention`. The model follows Chromium, so
//! `fetch(url, {headers: {"Save-Data": "on"}})` is not preflighted. Chromium also still
//! treats `User-Agent` as forbidden (crbug 571722) although the spec dropped it.

use crate::headers::byte_len;
use crate::method;

/// Fetch §2.2.2 "forbidden request-header" names, plus Chromium's extras
/// (`net::HttpUtil::IsSafeHeader`: `set-cookie` and `user-agent`).
const FORBIDDEN_NAMES: [&str; 22] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "via",
];

/// Fetch §2.2.2 "forbidden request-header": a name the browser controls. `fetch()` drops
/// such a header silently, so `Cookie`, `Origin` or `Host` set by a page never leave it.
/// `X-HTTP-Method`, `X-HTTP-Method-Override` and `X-Method-Override` are forbidden only when
/// their value names a forbidden method.
pub fn is_forbidden_request_header(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name.starts_with("proxy-") || name.starts_with("sec-") {
        return true;
    }
    if FORBIDDEN_NAMES.contains(&name.as_str()) {
        return true;
    }
    let overrides = ["x-http-method", "x-http-method-override", "x-method-override"];
    overrides.contains(&name.as_str()) && value.split(',').any(|m| method::is_forbidden(m.trim()))
}

/// Fetch §2.2.2 "CORS-unsafe request-header byte": controls other than tab,
/// and `" ( ) : < > ? @ [ \ ] { }` and DEL.
fn is_unsafe_byte(c: char) -> bool {
    (c < ' ' && c != '\t') || "\"():<>?@[\\]{}\u{7f}".contains(c)
}

/// Why a header is not CORS-safelisted, in plain English; `None` when it is safelisted.
/// `name` must be lower-case. (Fetch §2.2.2 "CORS-safelisted request-header".)
pub(crate) fn safelist_problem(name: &str, value: &str) -> Option<String> {
    // Step 1: a value longer than 128 bytes is never safelisted.
    let len = byte_len(value);
    if len > 128 {
        return Some(format!("its value is {len} bytes long, over the 128-byte limit"));
    }
    match name {
        // Accept: any value without a CORS-unsafe request-header byte.
        "accept" => unsafe_byte_problem(value),
        // Accept-Language / Content-Language: only 0-9 A-Z a-z space * , - . ; =
        "accept-language" | "content-language" => value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || " *,-.;=".contains(*c)))
            .map(|c| format!("its value contains {c:?}, which is not one of 0-9 A-Z a-z space * , - . ; =")),
        "content-type" => content_type_problem(value),
        "range" => (!is_simple_range(value))
            .then(|| "its value is not a simple range of the form bytes=N- or bytes=N-M".into()),
        // Chromium-only client hints (cors.cc `IsCorsSafelistedHeader`).
        "dpr" | "device-memory" | "downlink" => (!is_decimal(value))
            .then(|| "its value is not a number of the form 1*DIGIT [ \".\" 1*DIGIT ]".into()),
        "width" | "viewport-width" | "rtt" => {
            (!is_integer(value)).then(|| "its value is not a whole number".into())
        }
        "ect" => (!["slow-2g", "2g", "3g", "4g"].contains(&value))
            .then(|| "its value is not one of slow-2g, 2g, 3g or 4g".into()),
        "save-data" => (!value.eq_ignore_ascii_case("on")).then(|| "its value is not on".into()),
        "intervention" => None,
        _ => Some(
            "its name is not one of the CORS-safelisted names \
             (Accept, Accept-Language, Content-Language, Content-Type, Range)"
                .into(),
        ),
    }
}

fn unsafe_byte_problem(value: &str) -> Option<String> {
    value
        .chars()
        .find(|c| is_unsafe_byte(*c))
        .map(|c| format!("its value contains the CORS-unsafe byte {c:?}"))
}

/// `Content-Type` is safelisted when it has no unsafe byte and its MIME type essence is
/// `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain`.
/// Only the part before the first `;` counts, so `text/plain; application/json` is
/// safelisted (and not preflighted). Chromium parses that part with
/// `net::ExtractMimeTypeFromMediaType`: `type/subtype`, both tokens, spaces around the `/`
/// tolerated, a comma not.
fn content_type_problem(value: &str) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    if let Some(problem) = unsafe_byte_problem(&lower) {
        return Some(problem);
    }
    let before_parameters = lower.split(';').next().unwrap_or("");
    let parts: Vec<&str> = before_parameters.split('/').map(|p| p.trim_matches([' ', '\t'])).collect();
    let essence = match parts.as_slice() {
        [kind, sub] if crate::headers::is_token(kind) && crate::headers::is_token(sub) => {
            format!("{kind}/{sub}")
        }
        _ => return Some("its value does not parse as a MIME type".into()),
    };
    let safelisted = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];
    (!safelisted.contains(&essence.as_str())).then(|| {
        format!(
            "its MIME type is {essence}, not application/x-www-form-urlencoded, \
             multipart/form-data or text/plain"
        )
    })
}

/// Fetch §2.2.2 "simple range header value": `bytes=START-` or `bytes=START-END` with
/// START <= END, one range, no whitespace. Chromium compares the unit case-insensitively.
fn is_simple_range(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let Some(range) = lower.strip_prefix("bytes=") else {
        return false;
    };
    let Some((start, end)) = range.split_once('-') else {
        return false;
    };
    if !is_integer(start) {
        return false;
    }
    if end.is_empty() {
        return true;
    }
    match (start.parse::<u64>(), end.parse::<u64>()) {
        (Ok(first), Ok(last)) => is_integer(end) && first <= last,
        _ => false,
    }
}

/// `1*DIGIT`.
fn is_integer(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

/// `1*DIGIT [ "." 1*DIGIT ]`.
fn is_decimal(value: &str) -> bool {
    match value.split_once('.') {
        Some((whole, fraction)) => is_integer(whole) && is_integer(fraction),
        None => is_integer(value),
    }
}

/// Fetch §2.2.2 "no-CORS-safelisted request-header": what a `mode: "no-cors"` request may
/// carry (`Accept`, `Accept-Language`, `Content-Language`, `Content-Type`, with safelisted
/// values). Anything else is dropped silently by the Headers guard `request-no-cors`.
pub(crate) fn is_no_cors_safelisted(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["accept", "accept-language", "content-language", "content-type"].contains(&name.as_str())
        && safelist_problem(&name, value).is_none()
}

/// One author header that makes a preflight necessary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeHeader {
    /// Lower-case header name, as it goes into `Access-Control-Request-Headers`.
    pub name: String,
    /// The value the page set.
    pub value: String,
    /// Why it is not CORS-safelisted, in plain English.
    pub why: String,
}

/// Fetch §2.2.2 "CORS-unsafe request-header names", keeping the page's order and each
/// reason. If the safelisted values together exceed 1024 bytes, every one of them becomes
/// unsafe too. `headers` must already be free of forbidden headers (Chromium's
/// `CorsUnsafeNotForbiddenRequestHeaderNames`).
pub(crate) fn cors_unsafe_headers(headers: &[(String, String)]) -> Vec<UnsafeHeader> {
    let mut unsafe_headers = Vec::new();
    let mut potentially_unsafe = Vec::new();
    let mut safelist_size = 0;
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        match safelist_problem(&name, value) {
            Some(why) => unsafe_headers.push(UnsafeHeader { name, value: value.clone(), why }),
            None => {
                safelist_size += byte_len(value);
                potentially_unsafe.push((name, value.clone()));
            }
        }
    }
    if safelist_size > 1024 {
        for (name, value) in potentially_unsafe {
            unsafe_headers.push(UnsafeHeader {
                name,
                value,
                why: format!(
                    "the CORS-safelisted header values together are {safelist_size} bytes, \
                     over the 1024-byte limit"
                ),
            });
        }
    }
    unsafe_headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_essence_decides() {
        assert_eq!(safelist_problem("content-type", "text/plain;charset=UTF-8"), None);
        assert_eq!(safelist_problem("content-type", "text/plain; application/json"), None);
        assert_eq!(safelist_problem("content-type", "multipart/form-data; boundary=----x"), None);
        assert!(safelist_problem("content-type", "application/json").is_some());
        assert!(safelist_problem("content-type", "text/plain, application/json").is_some());
        assert!(safelist_problem("content-type", "multipart/form-data; boundary=\"x\"").is_some());
    }

    #[test]
    fn language_headers_allow_only_their_characters() {
        assert_eq!(safelist_problem("accept-language", "de-DE,de;q=0.9"), None);
        assert!(safelist_problem("content-language", "fr_FR").is_some());
    }

    #[test]
    fn ranges_must_be_simple() {
        assert_eq!(safelist_problem("range", "bytes=0-99"), None);
        assert_eq!(safelist_problem("range", "bytes=100-"), None);
        for bad in ["bytes=-5", "bytes=5-1", "bytes=0-1,3-4", "bytes= 0-1", "items=0-1"] {
            assert!(safelist_problem("range", bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn a_129_byte_value_is_unsafe() {
        assert_eq!(safelist_problem("accept", &"a".repeat(128)), None);
        assert!(safelist_problem("accept", &"a".repeat(129)).is_some());
    }

    #[test]
    fn over_1024_safelisted_bytes_makes_them_all_unsafe() {
        let headers: Vec<(String, String)> = ["accept", "accept-language", "content-language"]
            .iter()
            .map(|n| (n.to_string(), "a".repeat(120)))
            .collect();
        assert!(cors_unsafe_headers(&headers).is_empty());
        let many: Vec<(String, String)> = (0..9).map(|_| ("accept".to_string(), "a".repeat(120))).collect();
        assert_eq!(cors_unsafe_headers(&many).len(), 9);
    }

    #[test]
    fn forbidden_headers() {
        for name in ["Cookie", "Origin", "Host", "Sec-Fetch-Mode", "Proxy-Authorization", "User-Agent"] {
            assert!(is_forbidden_request_header(name, "x"), "{name}");
        }
        assert!(is_forbidden_request_header("X-HTTP-Method-Override", "GET, TRACE"));
        assert!(!is_forbidden_request_header("X-HTTP-Method-Override", "DELETE"));
        assert!(!is_forbidden_request_header("Authorization", "Bearer x"));
    }
}
