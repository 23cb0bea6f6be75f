//! The small pieces of HTTP every part of the project reads the same way, the browser model's own:
//! tokens, comma-separated header lists, redirect statuses and method names.
//!
//! The browser model's rules are written with these; the API's CORS layer, the exports and the lab's
//! record-reader use them too, so that "a list", "a token" or "a redirect" means one thing everywhere
//! (RFC 9110 §5.6; the Fetch Standard's "redirect status" and "normalize a method").

pub use crate::headers::is_token;
pub use crate::method::normalize as normalize_method;

/// Fetch "redirect status": 301, 302, 303, 307 or 308 (https://fetch.spec.whatwg.org/#redirect-status).
pub const fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The items of a comma-separated header value (`Access-Control-Allow-Methods`, `Vary`, …), as a
/// browser reads the list: split at commas, each trimmed of spaces and tabs, empty ones dropped.
pub fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(|item| item.trim_matches([' ', '\t'])).filter(|item| !item.is_empty())
}

/// The response headers CORS is about, which the page, `check` and the lab's timeline show: the
/// `Access-Control-*` ones; `Vary`, which keeps a cache from handing one origin's answer to another; and
/// `Location`, because the browser checks every hop of a redirect again.
pub fn is_cors_response_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("access-control-") || name == "vary" || name == "location"
}

/// Fetch "CORS-safelisted method": `GET`, `HEAD` or `POST`.
pub fn is_cors_safelisted_method(method: &str) -> bool {
    crate::method::is_cors_safelisted(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_at_commas_and_drop_the_empty_items() {
        assert_eq!(list_items(" PUT ,, DELETE,\tpatch ,").collect::<Vec<_>>(), ["PUT", "DELETE", "patch"]);
        assert_eq!(list_items("").count(), 0);
    }

    #[test]
    fn the_five_redirect_statuses() {
        let redirects: Vec<u16> = (300..400).filter(|s| is_redirect_status(*s)).collect();
        assert_eq!(redirects, [301, 302, 303, 307, 308]);
    }
}
