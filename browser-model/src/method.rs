//! Request methods: which are valid, forbidden, normalised, and CORS-safelisted.

use crate::headers::is_token;

/// Methods `fetch()` upper-cases whatever case the page wrote them in
/// (Fetch §2.2.1 "normalize a method"). Every other method is kept exactly as written,
/// which is why `fetch(url, {method: "patch"})` sends `patch`, not `PATCH`.
const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// Fetch §2.2.1 "normalize": upper-case the six methods above, keep any other as is.
pub fn normalize(method: &str) -> String {
    match NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(method)) {
        Some(upper) => (*upper).to_string(),
        None => method.to_string(),
    }
}

/// Fetch §2.2.1: a method is a `token`.
pub(crate) fn is_valid(method: &str) -> bool {
    is_token(method)
}

/// Fetch §2.2.1 "forbidden method": `CONNECT`, `TRACE`, `TRACK`, in any case.
pub(crate) fn is_forbidden(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

/// Fetch §2.2.1 "CORS-safelisted method": `GET`, `HEAD` or `POST`.
/// Chromium's `IsCorsSafelistedMethod` upper-cases first; after normalisation that makes no
/// difference, because these three are always upper-cased.
pub(crate) fn is_cors_safelisted(method: &str) -> bool {
    ["GET", "HEAD", "POST"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_standard_methods_are_upper_cased_and_others_kept() {
        assert_eq!(normalize("delete"), "DELETE");
        assert_eq!(normalize("Post"), "POST");
        assert_eq!(normalize("patch"), "patch");
        assert_eq!(normalize("PATCH"), "PATCH");
    }

    #[test]
    fn forbidden_methods_are_matched_case_insensitively() {
        assert!(is_forbidden("trace"));
        assert!(is_forbidden("CONNECT"));
        assert!(!is_forbidden("PUT"));
    }

    #[test]
    fn only_get_head_and_post_are_safelisted() {
        assert!(is_cors_safelisted("GET"));
        assert!(is_cors_safelisted("POST"));
        assert!(!is_cors_safelisted("PUT"));
        assert!(!is_cors_safelisted("OPTIONS"));
        assert!(!is_valid("GET /"));
    }
}
