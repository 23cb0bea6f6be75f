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
use crate::sentences::*;
use crate::template::{Hole, Template};

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
    let with = |template: Template, hole: Hole, value: &str| template.fill(&[(hole, &encode_hint(value))]);
    let reason = match failure {
        Failure::Access { error, .. } => match error {
            AccessError::Missing => CHROMIUM_MISSING.fill(&[]),
            AccessError::WildcardWithCredentials => CHROMIUM_WILDCARD.fill(&[]),
            AccessError::MultipleValues(v) | AccessError::MultipleLines(v) => {
                with(CHROMIUM_MULTIPLE, Hole::Value, v) + CHROMIUM_HAVE_THE_SERVER
            }
            AccessError::InvalidValue(v) => with(CHROMIUM_INVALID, Hole::Value, v) + CHROMIUM_HAVE_THE_SERVER,
            AccessError::Mismatch(v) => with(CHROMIUM_MISMATCH, Hole::Value, v) + CHROMIUM_HAVE_THE_SERVER,
            AccessError::InvalidCredentials(v) => with(CHROMIUM_CREDENTIALS, Hole::Value, v),
        },
        Failure::PreflightInvalidStatus { .. } => CHROMIUM_PREFLIGHT_STATUS.fill(&[]),
        Failure::PreflightDisallowedRedirect { .. } => CHROMIUM_PREFLIGHT_REDIRECT.fill(&[]),
        Failure::InvalidAllowMethods { .. } => CHROMIUM_PARSE_METHODS.fill(&[]),
        Failure::InvalidAllowHeaders { .. } => CHROMIUM_PARSE_HEADERS.fill(&[]),
        Failure::MethodDisallowed { method } => with(CHROMIUM_METHOD, Hole::Method, method),
        Failure::HeaderDisallowed { name } => with(CHROMIUM_HEADER, Hole::Header, name),
        // Chromium 156 leaves the quotes empty (measured), although the template has a hint.
        Failure::RedirectContainsCredentials { .. } => CHROMIUM_REDIRECT_CREDENTIALS.fill(&[]),
        Failure::RedirectToNonHttp { .. } => CHROMIUM_NOT_HTTP.fill(&[(Hole::Schemes, CORS_SCHEMES)]),
        Failure::SameOriginModeRedirect => CHROMIUM_MODE.fill(&[]),
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
            return Some(
                CHROMIUM_SAME_ORIGIN_MODE.fill(&[(Hole::Url, cx.initial_url), (Hole::Origin, cx.origin)]),
            );
        }
        Failure::NoCorsRedirectNotFollow => {
            return Some(CHROMIUM_NO_CORS_REDIRECT.fill(&[(Hole::Url, cx.initial_url)]));
        }
        Failure::UnsupportedScheme { scheme } => {
            return Some(
                CHROMIUM_UNSUPPORTED_SCHEME.fill(&[(Hole::Url, cx.initial_url), (Hole::Scheme, scheme)]),
            );
        }
        Failure::MixedContent { url } => {
            return local_network::mixed_content_lines(Engine::Chromium, cx.page_url, url).into_iter().next();
        }
        _ => {}
    }
    let mut reason = chromium_reason(failure)?;
    if failure.has_preflight_prefix() {
        reason = CHROMIUM_PREFLIGHT.fill(&[(Hole::Reason, &reason)]);
    }
    let line = if cx.failing_url == cx.initial_url { CHROMIUM_ACCESS } else { CHROMIUM_ACCESS_REDIRECTED };
    Some(line.fill(&[
        (Hole::Kind, "fetch"),
        (Hole::Url, cx.failing_url),
        (Hole::InitialUrl, cx.initial_url),
        (Hole::Origin, cx.origin),
        (Hole::Reason, &reason),
    ]))
}

/// Chromium's `network`-source line, e.g. `Failed to load resource: net::ERR_FAILED`.
pub(crate) fn chromium_network(failure: &Failure) -> Option<String> {
    if failure.is_early() || matches!(failure, Failure::MixedContent { .. }) {
        return None;
    }
    let net_error = match failure {
        Failure::Network { net_error, .. } => (*net_error)?,
        Failure::CachedAnswerUnknown => return None,
        Failure::UnsafeRedirect { .. } => "net::ERR_UNSAFE_REDIRECT",
        Failure::InvalidRedirect { .. } => "net::ERR_INVALID_REDIRECT",
        Failure::TooManyRedirects => "net::ERR_TOO_MANY_REDIRECTS",
        _ => "net::ERR_FAILED",
    };
    Some(CHROMIUM_NETWORK.fill(&[(Hole::NetError, net_error)]))
}

/// A Firefox sentence naming `url`, with one more hole (`(Hole::Url, …)` alone when it has none).
fn blocked(template: Template, url: &str, hole: Option<(Hole, &str)>) -> String {
    match hole {
        Some(hole) => template.fill(&[(Hole::Url, url), hole]),
        None => template.fill(&[(Hole::Url, url)]),
    }
}

/// Firefox's "CORS request did not succeed" line, which follows every preflight failure.
fn did_not_succeed(url: &str) -> String {
    blocked(FIREFOX_DID_NOT_SUCCEED, url, None)
}

/// Firefox's line for a failed CORS check (`status` is the response's, which only "missing" names).
fn firefox_access_line(url: &str, error: &AccessError, status: u16) -> String {
    match firefox_view(error) {
        FirefoxAccess::Missing => blocked(FIREFOX_MISSING, url, Some((Hole::Status, &status.to_string()))),
        // The only Firefox CORS message that quotes the URL.
        FirefoxAccess::NotSupportingCredentials => blocked(FIREFOX_NOT_SUPPORTING_CREDENTIALS, url, None),
        FirefoxAccess::MultipleHeaders => blocked(FIREFOX_MULTIPLE, url, None),
        FirefoxAccess::NotMatching(value) => blocked(FIREFOX_NOT_MATCHING, url, Some((Hole::Value, &value))),
        FirefoxAccess::MissingAllowCredentials => blocked(FIREFOX_MISSING_CREDENTIALS, url, None),
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
        Failure::PreflightInvalidStatus { status } => {
            lines.push(blocked(FIREFOX_PREFLIGHT_STATUS, url, Some((Hole::Status, &status.to_string()))))
        }
        // Measured in Firefox 153: a redirect whose CORS headers fail gets that failure's line and
        // "did not succeed" twice; one whose headers pass is refused as a redirect.
        Failure::PreflightDisallowedRedirect { status, firefox } => match firefox {
            FirefoxPreflightRedirect::AccessFirst(error) => {
                lines.push(firefox_access_line(url, error, *status));
                lines.push(did_not_succeed(url));
            }
            // The last line comes from "ends with did not succeed" below.
            FirefoxPreflightRedirect::ExternalThenAccess(error) => {
                lines.push(blocked(FIREFOX_EXTERNAL_REDIRECT, url, None));
                lines.push(firefox_access_line(url, error, *status));
            }
            FirefoxPreflightRedirect::External => {
                lines.push(blocked(FIREFOX_EXTERNAL_REDIRECT, url, None));
                lines.push(blocked(FIREFOX_PREFLIGHT_STATUS, url, Some((Hole::Status, &status.to_string()))));
            }
        },
        Failure::InvalidAllowMethods { token, .. } => {
            lines.push(blocked(FIREFOX_INVALID_METHOD, url, Some((Hole::Token, token))))
        }
        Failure::InvalidAllowHeaders { token, .. } => {
            lines.push(blocked(FIREFOX_INVALID_HEADER, url, Some((Hole::Token, token))))
        }
        Failure::MethodDisallowed { .. } => lines.push(blocked(FIREFOX_METHOD, url, None)),
        Failure::HeaderDisallowed { name } => {
            lines.push(blocked(FIREFOX_HEADER, url, Some((Hole::Header, name))))
        }
        // Measured: "not http" names where the redirect pointed, "did not succeed" the URL that
        // redirected.
        Failure::RedirectToNonHttp { from, .. } => {
            lines.push(blocked(FIREFOX_NOT_HTTP, url, None));
            lines.push(did_not_succeed(from));
            return lines;
        }
        Failure::UnsupportedScheme { .. } => {
            lines.push(blocked(FIREFOX_NOT_HTTP, cx.initial_url, None));
            return lines;
        }
        Failure::SameOriginMode | Failure::SameOriginModeRedirect => {
            lines.push(FIREFOX_SECURITY_ERROR.fill(&[(Hole::PageUrl, cx.page_url), (Hole::Url, url)]));
            return lines;
        }
        // Firefox prints nothing for no-cors with a non-follow redirect mode, nor for a redirect under
        // `redirect: "error"` (measured).
        Failure::NoCorsRedirectNotFollow | Failure::RedirectModeError => return lines,
        // Nothing is known of the cached answer, so no line is predicted.
        Failure::CachedAnswerUnknown => return lines,
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
    let refused =
        |target: &str, why: &str| WEBKIT_REDIRECTION.fill(&[(Hole::Target, target), (Hole::Check, why)]);
    let non_cors_scheme = WEBKIT_NON_CORS_SCHEME.fill(&[]);
    let redirect_refusal = match failure {
        Failure::RedirectContainsCredentials { target } => {
            let shown = strip_userinfo(target);
            let why = WEBKIT_REDIRECT_CREDENTIALS.fill(&[(Hole::Target, target)]);
            Some((refused(&shown, &why), cx.failing_url))
        }
        Failure::UnsafeRedirect { target } => Some((refused(target, &non_cors_scheme), cx.failing_url)),
        Failure::InvalidRedirect { location } if location.is_empty() => return Vec::new(),
        Failure::InvalidRedirect { location } => Some((refused(location, &non_cors_scheme), cx.failing_url)),
        Failure::RedirectToNonHttp { scheme, from } if scheme == "ftp" => {
            Some((WEBKIT_FTP.fill(&[]), from.as_str()))
        }
        Failure::RedirectToNonHttp { from, .. } => {
            Some((refused(cx.failing_url, &non_cors_scheme), from.as_str()))
        }
        Failure::TooManyRedirects => Some((WEBKIT_TOO_MANY_REDIRECTS.fill(&[]), cx.failing_url)),
        _ => None,
    };
    let cannot_load = |url: &str| WEBKIT_CANNOT_LOAD.fill(&[(Hole::Url, url)]);
    match failure {
        // WebKitGTK has no Local Network Access: it sends the request.
        Failure::LocalNetwork { .. } => return Vec::new(),
        Failure::MixedContent { url } => {
            return local_network::mixed_content_lines(Engine::Webkit, cx.page_url, url);
        }
        _ => {}
    }
    if let Some((line, url)) = redirect_refusal {
        return vec![line, cannot_load(url)];
    }
    let status_of = |status: &u16| status.to_string();
    let check = match failure {
        // Measured: a preflight answered with an error status is refused for its status first.
        Failure::Access { preflight: true, status, .. } if !(200..300).contains(status) => {
            Some(WEBKIT_PREFLIGHT_STATUS.fill(&[(Hole::Status, &status_of(status))]))
        }
        Failure::Access { error, status, .. } => Some(match error {
            AccessError::Missing | AccessError::Mismatch(_) | AccessError::InvalidValue(_) => {
                WEBKIT_NOT_ALLOWED.fill(&[(Hole::Origin, origin), (Hole::Status, &status_of(status))])
            }
            AccessError::MultipleValues(_) | AccessError::MultipleLines(_) => WEBKIT_MULTIPLE.fill(&[]),
            AccessError::WildcardWithCredentials => WEBKIT_WILDCARD.fill(&[]),
            AccessError::InvalidCredentials(_) => WEBKIT_CREDENTIALS.fill(&[]),
        }),
        Failure::PreflightInvalidStatus { status } | Failure::PreflightDisallowedRedirect { status, .. } => {
            Some(WEBKIT_PREFLIGHT_STATUS.fill(&[(Hole::Status, &status_of(status))]))
        }
        Failure::MethodDisallowed { method } => Some(WEBKIT_METHOD.fill(&[(Hole::Method, method)])),
        // Measured: in its canonical spelling (Content-Type, X-Api-Key), whatever case the page used.
        Failure::HeaderDisallowed { name } => Some(WEBKIT_HEADER.fill(&[(Hole::Header, &title_case(name))])),
        // Measured: the whole header value, where Firefox names only the first bad token
        // (`x-api-key, bad name`; WebCore's `parseAccessControlAllowList` fails for the list as a whole).
        Failure::InvalidAllowHeaders { value, .. } => {
            Some(WEBKIT_INVALID_HEADERS.fill(&[(Hole::Token, value)]))
        }
        Failure::InvalidAllowMethods { value, .. } => {
            Some(WEBKIT_INVALID_METHODS.fill(&[(Hole::Token, value)]))
        }
        Failure::RedirectModeError => Some(WEBKIT_REDIRECT_MODE.fill(&[(Hole::Url, cx.initial_url)])),
        // Refused inside the `fetch()` call itself (measured, docs/console-messages.md §5.1 rows 24 and 25;
        // each line carries the script's place first, which is why a reader of lines *starting* with
        // `CONSOLE` once saw nothing): no `SECURITY ERROR` line for the mode, three lines for no-cors.
        Failure::SameOriginMode => {
            return vec![WEBKIT_CANNOT_LOAD_PLAIN.fill(&[(Hole::Url, cx.initial_url)])];
        }
        Failure::NoCorsRedirectNotFollow => {
            return vec![
                WEBKIT_NO_CORS_FOLLOW.fill(&[]),
                WEBKIT_NOT_ALLOWED_TO_REQUEST.fill(&[]),
                WEBKIT_CANNOT_LOAD.fill(&[(Hole::Url, cx.initial_url)]),
            ];
        }
        // Not measured in WebKit: no line is predicted rather than a guessed one.
        Failure::SameOriginModeRedirect => return Vec::new(),
        // Answered above.
        Failure::RedirectContainsCredentials { .. }
        | Failure::RedirectToNonHttp { .. }
        | Failure::UnsafeRedirect { .. }
        | Failure::InvalidRedirect { .. }
        | Failure::TooManyRedirects => None,
        // Not measured in WebKit yet: no line is predicted rather than a guessed one.
        Failure::Network { .. } | Failure::UnsupportedScheme { .. } => None,
        Failure::LocalNetwork { .. } | Failure::MixedContent { .. } | Failure::CachedAnswerUnknown => None,
    };
    let Some(check) = check else { return Vec::new() };
    // A redirect that fails the check is named by where it pointed.
    let check = match failure {
        Failure::Access { redirect_to: Some(target), .. } => refused(target, &check),
        _ => check,
    };
    vec![check, cannot_load(cx.failing_url)]
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
    }
}
