//! Redirects (Fetch §4.4 "HTTP-redirect fetch"): what a 3xx does to the request.
//!
//! For each redirect, in Chromium's order (`CorsURLLoader::OnReceiveRedirect`):
//! the CORS check runs on the redirect response itself (done by the caller), then
//! 1. more than 20 redirects is a network error (§4.4 steps 6–7);
//! 2. a `Location` with `user:pass@` fails for a cross-origin CORS request (steps 8–9);
//! 3. a non-HTTP(S) `Location` fails (step 5);
//! 4. 301/302 turn POST into GET, 303 turns anything but GET/HEAD into GET (step 11);
//! 5. a cross-origin hop drops `Authorization` (step 12);
//! 6. a hop to another origin, from a URL that was already cross-origin to the page,
//!    *taints* the request's origin: from then on it is sent, and compared, as `null`
//!    (step 13).

use crate::engine::Engine;
use crate::headers::get_first;
use crate::http::is_redirect_status;
use crate::request::Response;

/// The most redirects a request may follow (§4.4 step 6).
pub(crate) const MAX_REDIRECTS: u32 = 20;

/// The `Location` of a redirect response; `None` when the response is not a redirect
/// (a 3xx without `Location` is handed to JS like any other response, §4.4 step 3).
pub(crate) fn location(response: &Response) -> Option<&str> {
    if !is_redirect_status(response.status) {
        return None;
    }
    get_first(&response.headers, "Location").filter(|l| !l.is_empty())
}

/// The `Location` as `engine` reads it: Chromium takes an empty one for none (the 3xx goes to JS);
/// Firefox and WebKit take it as written, and WebKit decodes the header's bytes as Latin-1 (measured:
/// a UTF-8 `ä` becomes `Ã¤`, docs/requests.md).
pub(crate) fn location_for(engine: Engine, response: &Response) -> Option<String> {
    if !is_redirect_status(response.status) {
        return None;
    }
    let location = get_first(&response.headers, "Location")?;
    match engine {
        Engine::Chromium => (!location.is_empty()).then(|| location.to_string()),
        Engine::Firefox => Some(location.to_string()),
        Engine::Webkit => Some(location.bytes().map(char::from).collect()),
    }
}

/// §4.4 step 11: the method after following a redirect with `status`.
pub(crate) fn method_after(status: u16, method: &str) -> String {
    let becomes_get = (matches!(status, 301 | 302) && method == "POST")
        || (status == 303 && method != "GET" && method != "HEAD");
    if becomes_get { "GET".to_string() } else { method.to_string() }
}

/// Fetch "request-body-header name": dropped with the body when the method becomes GET.
pub(crate) fn is_request_body_header(name: &str) -> bool {
    matches!(name, "content-encoding" | "content-language" | "content-location" | "content-type")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_3xx_without_location_is_not_a_redirect() {
        assert_eq!(location(&Response::new("http://a.test/", 302)), None);
        let response = Response::new("http://a.test/", 307).header("Location", "/b");
        assert_eq!(location(&response), Some("/b"));
        let response = Response::new("http://a.test/", 300).header("Location", "/b");
        assert_eq!(location(&response), None);
    }

    #[test]
    fn post_becomes_get_on_301_302_and_303() {
        assert_eq!(method_after(302, "POST"), "GET");
        assert_eq!(method_after(307, "POST"), "POST");
        assert_eq!(method_after(303, "PUT"), "GET");
        assert_eq!(method_after(301, "PUT"), "PUT");
    }
}
