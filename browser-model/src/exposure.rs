//! Which response headers JavaScript may read (`res.headers.get(name)`).
//!
//! A CORS response is "CORS-filtered" (Fetch §2.2.6 "CORS-filtered response", applied in
//! main fetch §4.1 step 14): JS sees only the CORS-safelisted response-header names plus the
//! names listed in `Access-Control-Expose-Headers`. `Access-Control-Expose-Headers: *`
//! exposes every header, but only when credentials mode is not `include`. `Set-Cookie` and
//! `Set-Cookie2` are forbidden response-header names and are never exposed, not even to
//! same-origin pages. An opaque response exposes nothing.

use crate::headers::{get_combined, is_token};
use crate::names::ResponseType;
use crate::request::{Credentials, Response};

/// Fetch §2.2.2 "CORS-safelisted response-header name".
const SAFELISTED: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Fetch §2.2.2 "forbidden response-header name".
const FORBIDDEN: [&str; 2] = ["set-cookie", "set-cookie2"];

/// The lower-case names JS can read, each once, in the response's order.
pub(crate) fn readable_headers(
    response: &Response,
    response_type: ResponseType,
    credentials: Credentials,
) -> Vec<String> {
    let exposed = match response_type {
        ResponseType::Cors => Some(expose_list(response)),
        ResponseType::Basic => None,
        _ => return Vec::new(),
    };
    let star = exposed.as_ref().is_some_and(|names| names.iter().any(|n| n == "*"))
        && credentials != Credentials::Include;
    let mut readable: Vec<String> = Vec::new();
    for (name, _) in &response.headers {
        let name = name.to_ascii_lowercase();
        if FORBIDDEN.contains(&name.as_str()) || readable.contains(&name) {
            continue;
        }
        let visible = match &exposed {
            None => true,
            Some(names) => star || SAFELISTED.contains(&name.as_str()) || names.contains(&name),
        };
        if visible {
            readable.push(name);
        }
    }
    readable
}

/// Parses `Access-Control-Expose-Headers` like Blink's `HTTPHeaderNameListParser`: tokens
/// separated by commas with optional spaces; empty items are skipped, and any other
/// malformation (e.g. `X-A X-B`) empties the whole list.
fn expose_list(response: &Response) -> Vec<String> {
    let Some(value) = get_combined(&response.headers, "Access-Control-Expose-Headers") else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for item in value.split(',') {
        let item = item.trim_matches([' ', '\t']);
        if item.is_empty() {
            continue;
        }
        if !is_token(item) {
            return Vec::new();
        }
        names.push(item.to_ascii_lowercase());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> Response {
        Response::new("http://localhost:8000/api", 200)
            .header("Access-Control-Allow-Origin", "*")
            .header("Content-Type", "application/json")
            .header("X-Total", "42")
            .header("Set-Cookie", "a=b")
    }

    #[test]
    fn only_safelisted_names_without_expose_headers() {
        assert_eq!(
            readable_headers(&api(), ResponseType::Cors, Credentials::SameOrigin),
            vec!["content-type"]
        );
    }

    #[test]
    fn expose_star_without_credentials_exposes_all_but_set_cookie() {
        let response = api().header("Access-Control-Expose-Headers", "*");
        let readable = readable_headers(&response, ResponseType::Cors, Credentials::SameOrigin);
        assert!(readable.contains(&"x-total".to_string()));
        assert!(!readable.contains(&"set-cookie".to_string()));
        let with_credentials = readable_headers(&response, ResponseType::Cors, Credentials::Include);
        assert!(!with_credentials.contains(&"x-total".to_string()));
    }

    #[test]
    fn a_malformed_list_exposes_nothing_extra() {
        let response = api().header("Access-Control-Expose-Headers", "X-Total X-Other");
        assert_eq!(
            readable_headers(&response, ResponseType::Cors, Credentials::SameOrigin),
            vec!["content-type"]
        );
    }

    #[test]
    fn opaque_responses_expose_nothing() {
        assert!(readable_headers(&api(), ResponseType::Opaque, Credentials::SameOrigin).is_empty());
    }
}
