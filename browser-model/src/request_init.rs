//! What `new Request(url, init)` does before anything touches the network
//! (Fetch §5.4 "Request class" constructor and §5.2 "Headers class").
//!
//! Some requests never get built: a forbidden method or a `PUT` in `no-cors` mode makes
//! `fetch()` reject at once with a `TypeError` whose text Blink writes itself
//! (`third_party/blink/renderer/core/fetch/request.cc`, `headers.cc`). Other mistakes are
//! silent: a forbidden header such as `Cookie` is simply dropped, and so is any header that
//! is not no-CORS-safelisted in `no-cors` mode.

use crate::headers::{is_token, trim_http_whitespace};
use crate::method;
use crate::request::{Mode, Request};
use crate::safelist::{is_forbidden_request_header, is_no_cors_safelisted};
use crate::url::{self, Url};

/// Blink prefixes every exception thrown inside `fetch()` with this.
const FETCH_PREFIX: &str = "Failed to execute 'fetch' on 'Window': ";

/// The request as it leaves the constructor.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The parsed URL.
    pub(crate) url: Url,
    /// The normalised method (`patch` stays `patch`, `post` becomes `POST`).
    pub(crate) method: String,
    /// Lower-case names, normalised values, repeated names combined with `", "`, forbidden
    /// (and in no-cors, non-safelisted) headers removed; in the page's order.
    pub(crate) headers: Vec<(String, String)>,
    /// Headers the browser dropped silently, with the reason.
    pub(crate) dropped: Vec<(String, String)>,
}

/// `fetch()` refused to build the request: it rejects with this `TypeError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConstructError {
    /// The rejection as JS prints it, e.g. `TypeError: Failed to execute 'fetch' on …`.
    pub(crate) js_error: String,
    /// The Fetch Standard step that throws.
    pub(crate) step: &'static str,
    /// Plain-English explanation.
    pub(crate) explanation: String,
}

fn type_error(step: &'static str, message: String, explanation: String) -> ConstructError {
    ConstructError { js_error: format!("TypeError: {FETCH_PREFIX}{message}"), step, explanation }
}

/// Runs the constructor's checks in Blink's order: URL, credentials in the URL, method,
/// no-cors method, then each header through the Headers guard.
pub(crate) fn prepare(request: &Request) -> Result<Prepared, ConstructError> {
    // §5.4 constructor: "Let parsedURL be the result of parsing input … If parsedURL is
    // failure, then throw a TypeError."
    let Some(url) = url::parse(&request.url) else {
        return Err(type_error(
            "Fetch §5.4 Request constructor: parse the URL",
            format!("Failed to parse URL from {}", request.url),
            format!("{:?} is not an absolute URL.", request.url),
        ));
    };
    // §5.4: "If parsedURL includes credentials, then throw a TypeError."
    if url.has_credentials() {
        return Err(type_error(
            "Fetch §5.4 Request constructor: a URL that includes credentials",
            format!("Request cannot be constructed from a URL that includes credentials: {}", request.url),
            "fetch() refuses URLs with user:password@ in them; send credentials in a header.".into(),
        ));
    }
    let method = prepare_method(request)?;
    let (headers, dropped) = prepare_headers(request)?;
    Ok(Prepared { url, method, headers, dropped })
}

fn prepare_method(request: &Request) -> Result<String, ConstructError> {
    let written = if request.method.is_empty() { "GET" } else { request.method.as_str() };
    // §5.4: "If method is not a method or method is a forbidden method, throw a TypeError."
    if !method::is_valid(written) {
        return Err(type_error(
            "Fetch §5.4 Request constructor: method must be a method",
            format!("'{written}' is not a valid HTTP method."),
            "A method must be an HTTP token: letters, digits and !#$%&'*+-.^_`|~ only.".into(),
        ));
    }
    if method::is_forbidden(written) {
        return Err(type_error(
            "Fetch §5.4 Request constructor: forbidden method",
            format!("'{written}' HTTP method is unsupported."),
            "CONNECT, TRACE and TRACK are forbidden methods: no page may send them.".into(),
        ));
    }
    // §5.4: "Normalize method."
    let normalized = method::normalize(written);
    // §5.4: "If this's request's mode is "no-cors": if this's request's method is not a
    // CORS-safelisted method, then throw a TypeError."
    if request.mode == Mode::NoCors && !method::is_cors_safelisted(&normalized) {
        return Err(type_error(
            "Fetch §5.4 Request constructor: no-cors allows only CORS-safelisted methods",
            format!("'{normalized}' is unsupported in no-cors mode."),
            format!(
                "mode: \"no-cors\" only allows GET, HEAD and POST, so {normalized} is refused \
                 before anything is sent."
            ),
        ));
    }
    Ok(normalized)
}

type HeaderList = Vec<(String, String)>;

fn prepare_headers(request: &Request) -> Result<(HeaderList, HeaderList), ConstructError> {
    let mut kept: HeaderList = Vec::new();
    let mut dropped: HeaderList = Vec::new();
    for (name, raw_value) in &request.headers {
        // §5.2 "append": normalize the value, then validate name and value.
        let value = trim_http_whitespace(raw_value);
        if !is_token(name) {
            return Err(type_error(
                "Fetch §5.2 Headers append: the name must be a header name",
                "Invalid name".into(),
                format!("{name:?} is not a valid header name."),
            ));
        }
        if value.contains(['\0', '\r', '\n']) {
            return Err(type_error(
                "Fetch §5.2 Headers append: the value must be a header value",
                "Invalid value".into(),
                format!("The value of {name} contains NUL, CR or LF."),
            ));
        }
        if value.chars().any(|c| u32::from(c) > 0xff) {
            // Not measured: WebIDL's ByteString conversion text, as Blink words it.
            return Err(type_error(
                "WebIDL ByteString conversion of the headers init",
                "Failed to read the 'headers' property from 'RequestInit': \
                 String contains non ISO-8859-1 code point."
                    .into(),
                format!("The value of {name} has a character above U+00FF."),
            ));
        }
        let lower = name.to_ascii_lowercase();
        // §5.2 "append" step: combine with an existing value of the same name.
        let combined = match kept.iter().find(|(n, _)| *n == lower) {
            Some((_, existing)) => format!("{existing}, {value}"),
            None => value.to_string(),
        };
        // §5.2 "validate": a forbidden request-header is ignored without an error.
        if is_forbidden_request_header(&lower, &combined) {
            dropped.push((
                lower,
                "it is a forbidden request header: the browser controls it, so fetch() drops \
                 it silently"
                    .into(),
            ));
            continue;
        }
        // §5.2 "append": with guard "request-no-cors", a header that is not
        // no-CORS-safelisted is ignored.
        if request.mode == Mode::NoCors && !is_no_cors_safelisted(&lower, &combined) {
            dropped.push((
                lower,
                "mode: \"no-cors\" keeps only Accept, Accept-Language, Content-Language and a \
                 safelisted Content-Type, so fetch() drops it silently"
                    .into(),
            ));
            continue;
        }
        match kept.iter_mut().find(|(n, _)| *n == lower) {
            Some(entry) => entry.1 = combined,
            None => kept.push((lower, combined)),
        }
    }
    Ok((kept, dropped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_headers_are_dropped_silently() {
        let request =
            Request::get("http://localhost:8000/api").header("Cookie", "sid=1").header("X-Api-Key", "k1");
        let prepared = prepare(&request).expect("builds");
        assert_eq!(prepared.headers, vec![("x-api-key".into(), "k1".into())]);
        assert_eq!(prepared.dropped.len(), 1);
    }

    #[test]
    fn repeated_names_are_combined() {
        let request =
            Request::get("http://a.test/").header("Accept", "text/html").header("accept", "application/json");
        let prepared = prepare(&request).expect("builds");
        assert_eq!(prepared.headers, vec![("accept".into(), "text/html, application/json".into())]);
    }

    #[test]
    fn no_cors_drops_unsafe_headers() {
        let request = Request::new("POST", "http://a.test/")
            .mode(Mode::NoCors)
            .header("Content-Type", "application/json")
            .header("Accept", "*/*");
        let prepared = prepare(&request).expect("builds");
        assert_eq!(prepared.headers, vec![("accept".into(), "*/*".into())]);
    }

    #[test]
    fn bad_methods_are_type_errors() {
        let err = prepare(&Request::new("trace", "http://a.test/")).expect_err("forbidden");
        assert_eq!(
            err.js_error,
            "TypeError: Failed to execute 'fetch' on 'Window': 'trace' HTTP method is unsupported."
        );
        let err = prepare(&Request::new("patch", "http://a.test/").mode(Mode::NoCors)).expect_err("no-cors");
        assert_eq!(
            err.js_error,
            "TypeError: Failed to execute 'fetch' on 'Window': 'patch' is unsupported in no-cors mode."
        );
    }
}
