//! The console lines, word for word: Chromium 156 (`cors_error_string.cc`,
//! `fetch_manager.cc`), Firefox 153 (`security.properties`) and WebKitGTK 2.50's WebCore
//! (`CrossOriginAccessControl.cpp`, `FetchLoader.cpp`), as measured in `docs/console-messages.md`.
//!
//! Chromium writes one `javascript`-source line, `Access to fetch at '{url}' [(redirected
//! from '{first url}') ]from origin '{origin}' has been blocked by CORS policy: {reason}`,
//! followed by a `network`-source `Failed to load resource: net::ERR_FAILED`.

use crate::cors_check::{FirefoxAccess, firefox_view};
use crate::engine::Engine;
use crate::failure::{AccessError, Failure, FirefoxPreflightRedirect};
use crate::local_network::{self, Refusal};

/// What the messages need to know besides the failure.
pub(crate) struct MessageContext<'a> {
    /// The URL the page passed to `fetch()` (canonical text).
    pub(crate) initial_url: &'a str,
    /// The URL of the request that failed: after redirects, the last one.
    pub(crate) failing_url: &'a str,
    /// The page's serialized origin. Always the page's, even after a redirect taints the
    /// request's origin to `null`.
    pub(crate) origin: &'a str,
    /// The origin the failing request carried: the page's, or `null` once a redirect tainted it
    /// (WebKit names this one).
    pub(crate) request_origin: &'a str,
    /// The page's URL, for Firefox's "Security Error" lines.
    pub(crate) page_url: &'a str,
}

/// Appended for `fetch()` to the multiple/invalid/mismatch reasons (Chromium 156).
const HAVE_THE_SERVER: &str = " Have the server send the header with a valid value.";

/// The schemes Chromium 156 lists in `CorsDisabledScheme` (the list is build-dependent).
const CORS_SCHEMES: &str = "chrome, chrome-experimental-site-token-provider, chrome-extension, \
                            chrome-untrusted, data, http, https, isolated-app";

/// Chromium's `EncodeHint`: printable ASCII as is, every other byte as `\uXXXX`.
fn encode_hint(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if (0x20..0x7f).contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("\\u{byte:04X}"));
        }
    }
    out
}

/// The `{REASON}` part of Chromium's line for a CORS error.
fn chromium_reason(failure: &Failure) -> Option<String> {
    let reason = match failure {
        Failure::Access { error, .. } => match error {
            AccessError::Missing => {
                "No 'Access-Control-Allow-Origin' header is present on the requested resource.".to_string()
            }
            AccessError::WildcardWithCredentials => {
                "The value of the 'Access-Control-Allow-Origin' header in the response must not \
                 be the wildcard '*' when the request's credentials mode is 'include'."
                    .to_string()
            }
            AccessError::MultipleValues(v) | AccessError::MultipleLines(v) => format!(
                "The 'Access-Control-Allow-Origin' header contains multiple values '{}', but only \
                 one is allowed.{HAVE_THE_SERVER}",
                encode_hint(v)
            ),
            AccessError::InvalidValue(v) => format!(
                "The 'Access-Control-Allow-Origin' header contains the invalid value '{}'.\
                 {HAVE_THE_SERVER}",
                encode_hint(v)
            ),
            AccessError::Mismatch(v) => format!(
                "The 'Access-Control-Allow-Origin' header has a value '{}' that is not equal to \
                 the supplied origin.{HAVE_THE_SERVER}",
                encode_hint(v)
            ),
            AccessError::InvalidCredentials(v) => format!(
                "The value of the 'Access-Control-Allow-Credentials' header in the response is \
                 '{}' which must be 'true' when the request's credentials mode is 'include'.",
                encode_hint(v)
            ),
        },
        Failure::PreflightInvalidStatus { .. } => "It does not have HTTP ok status.".into(),
        Failure::PreflightDisallowedRedirect { .. } => {
            "Redirect is not allowed for a preflight request.".into()
        }
        Failure::InvalidAllowMethods { .. } => "Cannot parse Access-Control-Allow-Methods \
             response header field in preflight response."
            .into(),
        Failure::InvalidAllowHeaders { .. } => "Cannot parse Access-Control-Allow-Headers \
             response header field in preflight response."
            .into(),
        Failure::MethodDisallowed { method } => format!(
            "Method {} is not allowed by Access-Control-Allow-Methods in preflight response.",
            encode_hint(method)
        ),
        Failure::HeaderDisallowed { name } => format!(
            "Request header field {} is not allowed by Access-Control-Allow-Headers in preflight \
             response.",
            encode_hint(name)
        ),
        // Chromium 156 leaves the quotes empty (measured), although the template has a hint.
        Failure::RedirectContainsCredentials { .. } => "Redirect location '' contains a username and \
             password, which is disallowed for cross-origin requests."
            .into(),
        Failure::RedirectToNonHttp { .. } => {
            format!("Cross origin requests are only supported for protocol schemes: {CORS_SCHEMES}.")
        }
        Failure::SameOriginModeRedirect => "Cross origin requests are not allowed by request mode.".into(),
        Failure::LocalNetwork { refusal, .. } => local_network::chromium_reason(refusal),
        _ => return None,
    };
    Some(reason)
}

/// Chromium's `javascript`-source console line, `None` when it prints none.
pub(crate) fn chromium_console(failure: &Failure, cx: &MessageContext<'_>) -> Option<String> {
    // fetch_manager.cc's own format for failures found before any request is made.
    match failure {
        Failure::SameOriginMode => {
            return Some(format!(
                "Fetch API cannot load {}. Request mode is \"same-origin\" but the URL's origin is \
                 not same as the request origin {}.",
                cx.initial_url, cx.origin
            ));
        }
        Failure::NoCorsRedirectNotFollow => {
            return Some(format!(
                "Fetch API cannot load {}. Request mode is \"no-cors\" but the redirect mode is \
                 not \"follow\".",
                cx.initial_url
            ));
        }
        Failure::UnsupportedScheme { scheme } => {
            return Some(format!(
                "Fetch API cannot load {}. URL scheme \"{scheme}\" is not supported.",
                cx.initial_url
            ));
        }
        Failure::MixedContent { url } => {
            return local_network::mixed_content_lines(Engine::Chromium, cx.page_url, url).into_iter().next();
        }
        _ => {}
    }
    let reason = chromium_reason(failure)?;
    let redirected = if cx.failing_url == cx.initial_url {
        String::new()
    } else {
        format!("(redirected from '{}') ", cx.initial_url)
    };
    let prefix = if failure.has_preflight_prefix() {
        "Response to preflight request doesn't pass access control check: "
    } else {
        ""
    };
    Some(format!(
        "Access to fetch at '{}' {redirected}from origin '{}' has been blocked by CORS policy: \
         {prefix}{reason}",
        cx.failing_url, cx.origin
    ))
}

/// Chromium's `network`-source line, e.g. `Failed to load resource: net::ERR_FAILED`.
pub(crate) fn chromium_network(failure: &Failure) -> Option<String> {
    if failure.is_early() || matches!(failure, Failure::MixedContent { .. }) {
        return None;
    }
    let net_error = match failure {
        Failure::Network { net_error, .. } => (*net_error)?,
        Failure::UnsafeRedirect { .. } => "net::ERR_UNSAFE_REDIRECT",
        Failure::InvalidRedirect { .. } => "net::ERR_INVALID_REDIRECT",
        Failure::TooManyRedirects => "net::ERR_TOO_MANY_REDIRECTS",
        _ => "net::ERR_FAILED",
    };
    Some(format!("Failed to load resource: {net_error}"))
}

/// Firefox's `Cross-Origin Request Blocked: …` line with the given reason.
fn blocked(url: &str, reason: &str) -> String {
    format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
         resource at {url}. (Reason: {reason})."
    )
}

/// Firefox's "CORS request did not succeed" line, which follows every preflight failure.
fn did_not_succeed(url: &str) -> String {
    format!("{} Status code: (null).", blocked(url, "CORS request did not succeed"))
}

/// Firefox's line for a failed CORS check (`status` is the response's, which only "missing" names).
fn firefox_access_line(url: &str, error: &AccessError, status: u16) -> String {
    match firefox_view(error) {
        FirefoxAccess::Missing => {
            format!(
                "{} Status code: {status}.",
                blocked(url, "CORS header ‘Access-Control-Allow-Origin’ missing")
            )
        }
        // The only Firefox CORS message that quotes the URL.
        FirefoxAccess::NotSupportingCredentials => format!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at \
             ‘{url}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is \
             ‘*’)."
        ),
        FirefoxAccess::MultipleHeaders => {
            blocked(url, "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed")
        }
        FirefoxAccess::NotMatching(value) => {
            blocked(url, &format!("CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’"))
        }
        FirefoxAccess::MissingAllowCredentials => {
            blocked(url, "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’")
        }
    }
}

/// Firefox 153's console lines for the same failure, in order (often one, sometimes three).
pub(crate) fn firefox_console(failure: &Failure, cx: &MessageContext<'_>) -> Vec<String> {
    let url = cx.failing_url;
    let mut lines = Vec::new();
    match failure {
        // Firefox ignores `targetAddressSpace`; refused, it says only what a server that is down gets,
        // twice for a request that was to be preflighted (measured).
        Failure::LocalNetwork { refusal: Refusal::TargetMismatch { .. }, .. } => return lines,
        Failure::LocalNetwork { preflight, .. } => {
            lines.push(did_not_succeed(url));
            if *preflight {
                lines.push(did_not_succeed(url));
            }
            return lines;
        }
        Failure::MixedContent { url } => {
            return local_network::mixed_content_lines(Engine::Firefox, cx.page_url, url);
        }
        Failure::Access { error, status, .. } => lines.push(firefox_access_line(url, error, *status)),
        Failure::PreflightInvalidStatus { status } => lines.push(format!(
            "{} Status code: {status}.",
            blocked(url, "CORS preflight response did not succeed")
        )),
        // Measured in Firefox 153: a redirect whose CORS headers fail gets that failure's line and
        // "did not succeed" twice; one whose headers pass is refused as a redirect.
        Failure::PreflightDisallowedRedirect { status, firefox } => match firefox {
            FirefoxPreflightRedirect::AccessFirst(error) => {
                lines.push(firefox_access_line(url, error, *status));
                lines.push(did_not_succeed(url));
            }
            // The last line comes from "ends with did not succeed" below.
            FirefoxPreflightRedirect::ExternalThenAccess(error) => {
                lines.push(blocked(url, "CORS request external redirect not allowed"));
                lines.push(firefox_access_line(url, error, *status));
            }
            FirefoxPreflightRedirect::External => {
                lines.push(blocked(url, "CORS request external redirect not allowed"));
                lines.push(format!(
                    "{} Status code: {status}.",
                    blocked(url, "CORS preflight response did not succeed")
                ));
            }
        },
        Failure::InvalidAllowMethods { token } => lines.push(blocked(
            url,
            &format!("invalid token ‘{token}’ in CORS header ‘Access-Control-Allow-Methods’"),
        )),
        Failure::InvalidAllowHeaders { token } => lines.push(blocked(
            url,
            &format!("invalid token ‘{token}’ in CORS header ‘Access-Control-Allow-Headers’"),
        )),
        Failure::MethodDisallowed { .. } => {
            lines.push(blocked(url, "Did not find method in CORS header ‘Access-Control-Allow-Methods’"))
        }
        Failure::HeaderDisallowed { name } => lines.push(blocked(
            url,
            &format!(
                "header ‘{name}’ is not allowed according to header \
                 ‘Access-Control-Allow-Headers’ from CORS preflight response"
            ),
        )),
        // Measured: "not http" names where the redirect pointed, "did not succeed" the URL that
        // redirected.
        Failure::RedirectToNonHttp { from, .. } => {
            lines.push(blocked(url, "CORS request not http"));
            lines.push(did_not_succeed(from));
            return lines;
        }
        Failure::UnsupportedScheme { .. } => {
            lines.push(blocked(cx.initial_url, "CORS request not http"));
            return lines;
        }
        Failure::SameOriginMode | Failure::SameOriginModeRedirect => {
            lines.push(format!("Security Error: Content at {} may not load data from {url}.", cx.page_url));
            return lines;
        }
        // Firefox prints nothing for no-cors with a non-follow redirect mode, nor for a redirect under
        // `redirect: "error"` (measured).
        Failure::NoCorsRedirectNotFollow | Failure::RedirectModeError => return lines,
        // A preflight that got no answer: Firefox prints "did not succeed" twice (docs/console-messages.md row 28).
        Failure::Network { preflight: true, .. } => lines.push(did_not_succeed(url)),
        Failure::RedirectContainsCredentials { .. }
        | Failure::Network { .. }
        | Failure::UnsafeRedirect { .. }
        | Failure::InvalidRedirect { .. }
        | Failure::TooManyRedirects => {}
    }
    // Preflight failures, and failures with no CORS-specific message, end with (or consist
    // of) "CORS request did not succeed".
    let ends_with_dns = failure.is_preflight()
        || matches!(
            failure,
            Failure::RedirectContainsCredentials { .. }
                | Failure::Network { .. }
                | Failure::UnsafeRedirect { .. }
                | Failure::InvalidRedirect { .. }
                | Failure::TooManyRedirects
        )
        // A redirect hop that fails the CORS check (docs/console-messages.md row 20) gets it too.
        || matches!(
            failure,
            Failure::Access {
                on_redirect: true,
                ..
            }
        );
    if ends_with_dns {
        lines.push(did_not_succeed(url));
    }
    lines
}

/// WebKit's lines for the same failure, in order, without the console's level: one `SECURITY ERROR`
/// line naming the failed check, then the `JS ERROR` line `Fetch API cannot load … due to access
/// control checks.` (docs/console-messages.md, "WebKit"), as WebKitGTK 2.50 printed them.
pub(crate) fn webkit_console(failure: &Failure, cx: &MessageContext<'_>) -> Vec<String> {
    // After a redirect to another origin the request's origin is `null`, and WebKit names that.
    let origin = cx.request_origin;
    // The redirect refusals WebKit words itself, and the URL its "cannot load" line names: the one
    // that redirected (measured, docs/requests.md).
    const NON_CORS_SCHEME: &str =
        "not allowed to follow a cross-origin CORS redirection with non CORS scheme";
    let refused = |target: &str, why: &str| {
        format!("Cross-origin redirection to {target} denied by Cross-Origin Resource Sharing policy: {why}")
    };
    let redirect_refusal = match failure {
        Failure::RedirectContainsCredentials { target } => {
            let shown = strip_userinfo(target);
            Some((refused(&shown, &format!("redirection URL {target} has credentials")), cx.failing_url))
        }
        Failure::UnsafeRedirect { target } => Some((refused(target, NON_CORS_SCHEME), cx.failing_url)),
        Failure::InvalidRedirect { location } if location.is_empty() => return Vec::new(),
        Failure::InvalidRedirect { location } => Some((refused(location, NON_CORS_SCHEME), cx.failing_url)),
        Failure::RedirectToNonHttp { scheme, from } if scheme == "ftp" => {
            Some(("FTP URLs are disabled".to_string(), from.as_str()))
        }
        Failure::RedirectToNonHttp { from, .. } => {
            Some((refused(cx.failing_url, NON_CORS_SCHEME), from.as_str()))
        }
        Failure::TooManyRedirects => {
            Some(("Load cannot follow more than 20 redirections".to_string(), cx.failing_url))
        }
        _ => None,
    };
    match failure {
        // WebKitGTK has no Local Network Access: it sends the request.
        Failure::LocalNetwork { .. } => return Vec::new(),
        Failure::MixedContent { url } => {
            return local_network::mixed_content_lines(Engine::Webkit, cx.page_url, url);
        }
        _ => {}
    }
    if let Some((line, url)) = redirect_refusal {
        return vec![line, format!("Fetch API cannot load {url} due to access control checks.")];
    }
    let check = match failure {
        // Measured: a preflight answered with an error status is refused for its status first.
        Failure::Access { preflight: true, status, .. } if !(200..300).contains(status) => {
            Some(format!("Preflight response is not successful. Status code: {status}"))
        }
        Failure::Access { error, status, .. } => Some(match error {
            AccessError::Missing | AccessError::Mismatch(_) | AccessError::InvalidValue(_) => {
                format!(
                    "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}"
                )
            }
            AccessError::MultipleValues(_) | AccessError::MultipleLines(_) => {
                "Access-Control-Allow-Origin cannot contain more than one origin.".into()
            }
            AccessError::WildcardWithCredentials => {
                "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.".into()
            }
            AccessError::InvalidCredentials(_) => {
                "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".".into()
            }
        }),
        Failure::PreflightInvalidStatus { status } | Failure::PreflightDisallowedRedirect { status, .. } => {
            Some(format!("Preflight response is not successful. Status code: {status}"))
        }
        Failure::MethodDisallowed { method } => {
            Some(format!("Method {method} is not allowed by Access-Control-Allow-Methods."))
        }
        // Measured: in its canonical spelling (Content-Type, X-Api-Key), whatever case the page used.
        Failure::HeaderDisallowed { name } => Some(format!(
            "Request header field {} is not allowed by Access-Control-Allow-Headers.",
            title_case(name)
        )),
        Failure::InvalidAllowHeaders { token } => {
            Some(format!("Header Access-Control-Allow-Headers has an invalid value: {token}"))
        }
        Failure::InvalidAllowMethods { token } => {
            Some(format!("Header Access-Control-Allow-Methods has an invalid value: {token}"))
        }
        Failure::RedirectModeError => {
            Some(format!("Not allowed to follow a redirection while loading {}", cx.initial_url))
        }
        // Measured: WebKit prints nothing for these.
        Failure::NoCorsRedirectNotFollow | Failure::SameOriginMode | Failure::SameOriginModeRedirect => {
            return Vec::new();
        }
        // Answered above.
        Failure::RedirectContainsCredentials { .. }
        | Failure::RedirectToNonHttp { .. }
        | Failure::UnsafeRedirect { .. }
        | Failure::InvalidRedirect { .. }
        | Failure::TooManyRedirects => None,
        // Not measured in WebKit yet: no line is predicted rather than a guessed one.
        Failure::Network { .. } | Failure::UnsupportedScheme { .. } => None,
        Failure::LocalNetwork { .. } | Failure::MixedContent { .. } => None,
    };
    let Some(check) = check else { return Vec::new() };
    // A redirect that fails the check is named by where it pointed.
    let check = match failure {
        Failure::Access { redirect_to: Some(target), .. } => {
            format!(
                "Cross-origin redirection to {target} denied by Cross-Origin Resource Sharing policy: {check}"
            )
        }
        _ => check,
    };
    vec![check, format!("Fetch API cannot load {} due to access control checks.", cx.failing_url)]
}

/// A URL without its `user:password@`, as WebKit names a redirect's target first.
fn strip_userinfo(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end && !url[scheme_end + 3..at].contains('/') => {
            format!("{}{}", &url[..scheme_end + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// A header name as WebKit spells it: each word capitalised (`x-api-key` becomes `X-Api-Key`).
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
        start = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_escape_non_printable_bytes() {
        assert_eq!(encode_hint("a\tb"), "a\\u0009b");
        assert_eq!(encode_hint("é"), "\\u00C3\\u00A9");
    }

    fn cx<'a>(initial: &'a str, failing: &'a str) -> MessageContext<'a> {
        MessageContext {
            initial_url: initial,
            failing_url: failing,
            origin: "http://localhost:5510",
            request_origin: if origin_of(initial) == origin_of(failing) {
                "http://localhost:5510"
            } else {
                "null"
            },
            page_url: "http://localhost:5510/",
        }
    }

    /// `scheme://host:port` of an absolute URL.
    fn origin_of(url: &str) -> &str {
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        url[after_scheme..].find('/').map_or(url, |end| &url[..after_scheme + end])
    }

    fn access(error: AccessError, preflight: bool, status: u16, redirect_to: Option<&str>) -> Failure {
        Failure::Access {
            error,
            preflight,
            status,
            on_redirect: redirect_to.is_some(),
            redirect_to: redirect_to.map(str::to_owned),
        }
    }

    /// WebKit's lines for the failures measured in WebKitGTK 2.50 (docs/console-messages.md, "WebKit").
    #[test]
    fn webkit_lines_name_the_failed_check_then_the_fetch() {
        let url = "http://localhost:8000/api";
        let not_allowed =
            "Origin http://localhost:5510 is not allowed by Access-Control-Allow-Origin. Status code: 200";
        let cases = [
            (access(AccessError::Missing, false, 200, None), not_allowed),
            (access(AccessError::Mismatch("https://yoursite.com".into()), false, 200, None), not_allowed),
            (
                access(AccessError::MultipleValues("a, b".into()), false, 200, None),
                "Access-Control-Allow-Origin cannot contain more than one origin.",
            ),
            (
                access(AccessError::WildcardWithCredentials, false, 200, None),
                "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.",
            ),
            (
                access(AccessError::InvalidCredentials(String::new()), false, 200, None),
                "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".",
            ),
            (
                Failure::PreflightInvalidStatus { status: 404 },
                "Preflight response is not successful. Status code: 404",
            ),
            // A preflight with an error status: its status, before its headers.
            (
                access(AccessError::Missing, true, 405, None),
                "Preflight response is not successful. Status code: 405",
            ),
            (
                Failure::MethodDisallowed { method: "PUT".into() },
                "Method PUT is not allowed by Access-Control-Allow-Methods.",
            ),
            // The header name in its canonical spelling, not lower-cased as Chromium prints it.
            (
                Failure::HeaderDisallowed { name: "x-api-key".into() },
                "Request header field X-Api-Key is not allowed by Access-Control-Allow-Headers.",
            ),
        ];
        for (failure, line) in cases {
            assert_eq!(
                webkit_console(&failure, &cx(url, url)),
                [line.to_string(), format!("Fetch API cannot load {url} due to access control checks.")],
                "{failure:?}"
            );
        }
        // A redirect that fails the check: named by where it pointed.
        let hop = "http://127.0.0.1:8000/api";
        assert_eq!(
            webkit_console(&access(AccessError::Missing, false, 307, Some(hop)), &cx(url, url))[0],
            format!(
                "Cross-origin redirection to {hop} denied by Cross-Origin Resource Sharing policy: Origin http://localhost:5510 is not allowed by Access-Control-Allow-Origin. Status code: 307"
            )
        );
        // After a redirect to another origin, the failing response's check names the origin null, and
        // the fetch line names the URL that failed.
        assert_eq!(
            webkit_console(&access(AccessError::Missing, false, 200, None), &cx(url, hop)),
            [
                "Origin null is not allowed by Access-Control-Allow-Origin. Status code: 200".to_string(),
                format!("Fetch API cannot load {hop} due to access control checks."),
            ]
        );
        assert!(webkit_console(&Failure::SameOriginMode, &cx(url, url)).is_empty());
        assert!(webkit_console(&Failure::NoCorsRedirectNotFollow, &cx(url, url)).is_empty());
    }
}
