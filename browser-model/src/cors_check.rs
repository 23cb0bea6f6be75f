//! The CORS check (Fetch §4.9): may this origin read this response?
//!
//! It runs on the preflight (with the *actual* request's credentials mode), on every redirect
//! hop and on the final response. The steps:
//!
//! 1. Get `Access-Control-Allow-Origin` (repeated lines combined into `a, b`).
//! 2. Missing: fail.
//! 3. Credentials mode not `include` and the value is `*`: pass.
//! 4. The value is not byte-for-byte the request's serialized origin: fail.
//! 5. Credentials mode not `include`: pass.
//! 6. `Access-Control-Allow-Credentials` must be exactly `true`.
//!
//! **Chromium over the spec.** Step 4 only says "fail"; Chromium's `CheckAccess`
//! (`services/network/public/cpp/cors/cors.cc`) tells three failures apart for DevTools and
//! the console: a value containing `,` or a space is *multiple values*; the value `null`, or
//! one that parses as a URL, is a *mismatch*; anything else is an *invalid value*.

use crate::failure::AccessError;
use crate::headers::get_combined;
use crate::request::{Credentials, Response};
use crate::url::{self, Origin};

/// The outcome of one CORS check.
pub(crate) struct CorsCheck {
    /// `Ok` on success, otherwise how it failed.
    pub(crate) result: Result<(), AccessError>,
    /// The CORS-check step that decided.
    pub(crate) step: &'static str,
    /// Plain English.
    pub(crate) explanation: String,
}

/// Runs the CORS check on `response` for a request from `origin`.
pub(crate) fn cors_check(response: &Response, origin: &Origin, credentials: Credentials) -> CorsCheck {
    let include = credentials == Credentials::Include;
    let origin_text = origin.serialize();
    let done = |result, step, explanation| CorsCheck { result, step, explanation };
    // Step 1: get the header, lines combined.
    let Some(value) = get_combined(&response.headers, "Access-Control-Allow-Origin") else {
        // Step 2: missing is a failure, whatever the status (a 500 without it hides the 500).
        return done(
            Err(AccessError::Missing),
            "Fetch §4.9 CORS check, step 2",
            format!(
                "The response (status {}) has no Access-Control-Allow-Origin header, so no \
                 origin may read it. The server still handled the request.",
                response.status
            ),
        );
    };
    if value == "*" {
        if !include {
            // Step 3: `*` allows any origin when no credentials are involved.
            return done(
                Ok(()),
                "Fetch §4.9 CORS check, step 3",
                "Access-Control-Allow-Origin: * lets any origin read the answer, and the page \
                 did not ask for credentials (with credentials: 'include', * is refused)."
                    .into(),
            );
        }
        // Step 3 does not apply with credentials, and `*` is not the origin (step 4).
        return done(
            Err(AccessError::WildcardWithCredentials),
            "Fetch §4.9 CORS check, step 4",
            format!(
                "Access-Control-Allow-Origin is *, but with credentials: 'include' only the \
                 exact origin {origin_text} (plus Access-Control-Allow-Credentials: true) is \
                 accepted."
            ),
        );
    }
    if value != origin_text {
        // Step 4: byte-for-byte comparison with the serialized origin.
        let error = if exactly_spelled_lines(&response.headers) >= 2 {
            AccessError::MultipleLines(value.clone())
        } else {
            classify_mismatch(&value)
        };
        let hint = mismatch_hint(&value, origin);
        return done(
            Err(error),
            "Fetch §4.9 CORS check, step 4",
            format!(
                "Access-Control-Allow-Origin is '{value}', which is not byte-for-byte the \
                 request's origin '{origin_text}'.{hint}"
            ),
        );
    }
    if !include {
        // Step 5: without credentials the exact origin is enough.
        return done(
            Ok(()),
            "Fetch §4.9 CORS check, step 5",
            format!(
                "Access-Control-Allow-Origin names this page's origin, '{origin_text}', exactly, so \
                 the page may read the answer."
            ),
        );
    }
    // Step 6: credentials need `Access-Control-Allow-Credentials: true`, exactly.
    match get_combined(&response.headers, "Access-Control-Allow-Credentials") {
        Some(acac) if acac == "true" => done(
            Ok(()),
            "Fetch §4.9 CORS check, step 6",
            format!(
                "Access-Control-Allow-Origin names this page's origin, '{origin_text}', exactly \
                 and Access-Control-Allow-Credentials is true, so the page may read the answer to \
                 a request that carried its cookies."
            ),
        ),
        acac => {
            let shown = acac.unwrap_or_default();
            let explanation = if shown.is_empty() {
                "credentials: 'include' also needs Access-Control-Allow-Credentials: true, and \
                 the response has none."
                    .to_string()
            } else {
                format!(
                    "credentials: 'include' needs Access-Control-Allow-Credentials to be \
                     exactly 'true' (lower-case, one value), not '{shown}'."
                )
            };
            done(Err(AccessError::InvalidCredentials(shown)), "Fetch §4.9 CORS check, step 6", explanation)
        }
    }
}

/// How many header lines are named `Access-Control-Allow-Origin` in exactly that spelling: what Firefox
/// counts (measured in 153.8 over raw HTTP/1.1, docs/console-messages.md row 3a). Lines spelled otherwise
/// (`access-control-allow-origin`, as hyper and every HTTP/2 server send them) it only combines.
fn exactly_spelled_lines(headers: &[(String, String)]) -> usize {
    headers.iter().filter(|(name, _)| name == "Access-Control-Allow-Origin").count()
}

/// Chromium's three step-4 failures, in `CheckAccess`'s order.
pub(crate) fn classify_mismatch(value: &str) -> AccessError {
    if value.contains([' ', ',']) {
        AccessError::MultipleValues(value.to_string())
    } else if value == "null" {
        // GURL calls "null" invalid, so Chromium checks for it first.
        AccessError::Mismatch(value.to_string())
    } else if url::parse(value).is_none() {
        AccessError::InvalidValue(value.to_string())
    } else {
        AccessError::Mismatch(value.to_string())
    }
}

/// A teaching hint for the usual causes of a mismatch.
fn mismatch_hint(value: &str, origin: &Origin) -> String {
    let origin_text = origin.serialize();
    if *origin == Origin::Opaque {
        return " After a redirect to another origin the request's origin becomes opaque and is \
                sent as 'null'; only '*' or 'null' would match it."
            .into();
    }
    if value.contains([' ', ',']) {
        return " The header allows exactly one origin: send the matching one, not a list.".into();
    }
    if value.trim_end_matches('/') == origin_text {
        return " An origin never ends with a slash.".into();
    }
    if value.eq_ignore_ascii_case(&origin_text) {
        return " The comparison is case-sensitive.".into();
    }
    if value == "null" {
        return " 'null' matches only opaque origins (sandboxed pages, redirected requests) — \
                trusting it lets any sandboxed iframe in."
            .into();
    }
    let Some(allowed) = url::parse(value) else {
        return " It is not even an origin: an origin is scheme://host[:port].".into();
    };
    // The loopback names are the point only when they are all that differs.
    let loopback = |host: &str| matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    if let (Origin::Tuple { scheme, host, port }, Origin::Tuple { scheme: s, host: h, port: p }) =
        (&allowed.origin(), origin)
        && scheme == s
        && port == p
        && host != h
        && loopback(host)
        && loopback(h)
    {
        return format!(
            " Scheme, host and port must all match: {host} and {h} name the same machine, yet they are different origins."
        );
    }
    format!(" Scheme, host and port must all match the page's origin, {origin_text}.")
}

/// Firefox's classification of the same response (`nsCORSListenerProxy::CheckRequestApproved`):
/// several lines spelled exactly `Access-Control-Allow-Origin`, missing, `*` with credentials, not
/// matching, then credentials.
///
/// Lines spelled otherwise are one value to Firefox 153, joined with `", "`: it reports that value as not
/// matching (measured over HTTP/1.1 in tests/browser/check.rs, whose server writes lower-case names; WPT's
/// `cors-multiple-origins` handler writes the exact spelling and gets "Multiple CORS header",
/// tests/browser/wpt.rs; docs/console-messages.md row 3a).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FirefoxAccess {
    MultipleHeaders,
    Missing,
    NotSupportingCredentials,
    NotMatching(String),
    MissingAllowCredentials,
}

/// What Firefox reports for `error` (Chromium's view of the same response).
pub(crate) fn firefox_view(error: &AccessError) -> FirefoxAccess {
    match error {
        AccessError::MultipleLines(_) => FirefoxAccess::MultipleHeaders,
        AccessError::Missing => FirefoxAccess::Missing,
        AccessError::WildcardWithCredentials => FirefoxAccess::NotSupportingCredentials,
        AccessError::MultipleValues(v) | AccessError::InvalidValue(v) | AccessError::Mismatch(v) => {
            FirefoxAccess::NotMatching(v.clone())
        }
        AccessError::InvalidCredentials(_) => FirefoxAccess::MissingAllowCredentials,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        url::parse("http://localhost:3000").expect("valid").origin()
    }

    fn with_acao(value: &str) -> Response {
        Response::new("http://localhost:8000/api", 200).header("Access-Control-Allow-Origin", value)
    }

    fn error_for(value: &str) -> AccessError {
        cors_check(&with_acao(value), &origin(), Credentials::SameOrigin).result.expect_err("fails")
    }

    #[test]
    fn chromium_classifies_step_4_failures() {
        assert!(matches!(error_for("a, b"), AccessError::MultipleValues(_)));
        assert!(matches!(error_for("not an origin"), AccessError::MultipleValues(_)));
        assert!(matches!(error_for("null"), AccessError::Mismatch(_)));
        assert!(matches!(error_for("example.com"), AccessError::InvalidValue(_)));
        assert!(matches!(error_for(""), AccessError::InvalidValue(_)));
        assert!(matches!(error_for("http://localhost:3000/"), AccessError::Mismatch(_)));
        assert!(matches!(error_for("HTTP://LOCALHOST:3000"), AccessError::Mismatch(_)));
    }

    #[test]
    fn null_matches_an_opaque_origin() {
        let check = cors_check(&with_acao("null"), &Origin::Opaque, Credentials::SameOrigin);
        assert_eq!(check.result, Ok(()));
    }

    #[test]
    fn credentials_need_exactly_true() {
        let response = with_acao("http://localhost:3000").header("Access-Control-Allow-Credentials", "TRUE");
        let check = cors_check(&response, &origin(), Credentials::Include);
        assert_eq!(check.result, Err(AccessError::InvalidCredentials("TRUE".into())));
        let check = cors_check(&with_acao("http://localhost:3000"), &origin(), Credentials::Omit);
        assert_eq!(check.result, Ok(()));
    }
}
