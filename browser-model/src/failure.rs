//! Why a `fetch()` failed, in Chromium's own categories.
//!
//! Each variant matches a `network::mojom::CorsError` value (the DevTools Protocol's
//! `Network.CorsError`, spelled without the `k`), a plain network error (`net::ERR_*`), or one
//! of the early failures Blink's `fetch_manager.cc` reports before any request is made.
//! `messages` turns a `Failure` into the console lines.

use crate::local_network::Refusal;
use crate::names::CorsError;
use crate::url::Url;

/// How the CORS check (Fetch §4.9) failed, as Chromium's `CheckAccess` classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccessError {
    /// No `Access-Control-Allow-Origin` at all.
    Missing,
    /// `Access-Control-Allow-Origin: *` while credentials mode is `include`.
    WildcardWithCredentials,
    /// The value contains `,` or a space, e.g. two header lines combined.
    MultipleValues(String),
    /// Two or more lines spelled exactly `Access-Control-Allow-Origin` (the value is their combination):
    /// multiple values to Chromium and WebKit; to Firefox, which counts the lines by that exact spelling
    /// before reading any value (`nsCORSListenerProxy::CheckRequestApproved`), a "Multiple CORS header".
    MultipleLines(String),
    /// The value is not `null` and does not parse as a URL.
    InvalidValue(String),
    /// A single, well-formed value that is not the request's origin.
    Mismatch(String),
    /// Credentials mode `include` and `Access-Control-Allow-Credentials` is not exactly `true`
    /// (the value, empty when the header is missing).
    InvalidCredentials(String),
}

/// What Firefox 153 says of a preflight answered with a redirect (measured, docs/console-messages.md row
/// 14): it runs the CORS check on the redirect answer first, and again with the origin `null` when the
/// redirect points to another origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FirefoxPreflightRedirect {
    /// The redirect's own CORS headers fail: that failure, then "did not succeed" twice.
    AccessFirst(AccessError),
    /// They pass for the page, but the redirect goes to another origin and they fail for `null`:
    /// "external redirect not allowed", that failure, then "did not succeed".
    ExternalThenAccess(AccessError),
    /// "external redirect not allowed", "preflight response did not succeed", "did not succeed".
    External,
}

/// The first check that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The CORS check failed on a response; `preflight` says whether it was the `OPTIONS`.
    Access {
        error: AccessError,
        preflight: bool,
        status: u16,
        /// Whether the response was a redirect hop (3xx with `Location`).
        on_redirect: bool,
        /// Where that redirect pointed, resolved (WebKit names it).
        redirect_to: Option<String>,
    },
    /// The preflight's status is not 200–299.
    PreflightInvalidStatus { status: u16 },
    /// The preflight was answered with a redirect. Chromium refuses the redirect first; Firefox's
    /// words depend on what the redirect's CORS headers say (`firefox`).
    PreflightDisallowedRedirect { status: u16, firefox: FirefoxPreflightRedirect },
    /// `Access-Control-Allow-Methods` is not a list of tokens; `token` is the first bad item (Firefox names
    /// it), `value` the whole header (WebKit quotes it).
    InvalidAllowMethods { token: String, value: String },
    /// `Access-Control-Allow-Headers` is not a list of tokens; `token` and `value` as above.
    InvalidAllowHeaders { token: String, value: String },
    /// The method is not allowed by the preflight response.
    MethodDisallowed { method: String },
    /// A header is not allowed by the preflight response (lower-case name).
    HeaderDisallowed { name: String },
    /// A redirect's `Location` has `user:pass@` (`target`, as resolved).
    RedirectContainsCredentials { target: String },
    /// A redirect to a scheme CORS does not support (`ftp:`, `foo:`), from the URL `from`.
    RedirectToNonHttp { scheme: String, from: String },
    /// A redirect to a URL Chromium never follows from the network (`data:`, `file:`, `about:`,
    /// `javascript:`, `blob:`): `net::ERR_UNSAFE_REDIRECT`, no CORS line.
    UnsafeRedirect { target: String },
    /// A redirect whose `Location` does not parse (as written; WebKit prints it).
    InvalidRedirect { location: String },
    /// A 21st redirect.
    TooManyRedirects,
    /// Local Network Access refused the request before it was sent; `preflight` when a preflight was due
    /// first (Chromium reports the preflight as the failed request; Firefox prints its line twice).
    LocalNetwork { refusal: Refusal, preflight: bool },
    /// The engine blocked an `http:` request from an `https:` page as mixed content.
    MixedContent { url: Box<Url> },
    /// A `same-origin`-mode request was redirected to another origin.
    SameOriginModeRedirect,
    /// `redirect: "error"` and the answer was a redirect: a network error, with no CORS message.
    RedirectModeError,
    /// A network error that is not a CORS error (`net::ERR_*`, when known); `preflight` when
    /// the `OPTIONS` itself got no answer.
    Network { net_error: Option<&'static str>, preflight: bool },
    /// The browser answered from its HTTP cache, and the response it stored is not known (a recording that no
    /// longer holds it): which check failed, and what the console printed, cannot be said.
    CachedAnswerUnknown,
    /// Early: `mode: "same-origin"` to another origin.
    SameOriginMode,
    /// Early: `mode: "no-cors"` with `redirect` other than `follow`.
    NoCorsRedirectNotFollow,
    /// Early: a URL scheme fetch() cannot load.
    UnsupportedScheme { scheme: String },
}

impl Failure {
    /// The DevTools `Network.CorsError` name, `None` for plain network errors.
    pub(crate) fn devtools_enum(&self) -> Option<CorsError> {
        let name = match self {
            Failure::Access { error, preflight, .. } => {
                let (plain, in_preflight) = match error {
                    AccessError::Missing => {
                        (CorsError::MissingAllowOriginHeader, CorsError::PreflightMissingAllowOriginHeader)
                    }
                    AccessError::WildcardWithCredentials => {
                        (CorsError::WildcardOriginNotAllowed, CorsError::PreflightWildcardOriginNotAllowed)
                    }
                    AccessError::MultipleValues(_) | AccessError::MultipleLines(_) => {
                        (CorsError::MultipleAllowOriginValues, CorsError::PreflightMultipleAllowOriginValues)
                    }
                    AccessError::InvalidValue(_) => {
                        (CorsError::InvalidAllowOriginValue, CorsError::PreflightInvalidAllowOriginValue)
                    }
                    AccessError::Mismatch(_) => {
                        (CorsError::AllowOriginMismatch, CorsError::PreflightAllowOriginMismatch)
                    }
                    AccessError::InvalidCredentials(_) => {
                        (CorsError::InvalidAllowCredentials, CorsError::PreflightInvalidAllowCredentials)
                    }
                };
                if *preflight { in_preflight } else { plain }
            }
            Failure::PreflightInvalidStatus { .. } => CorsError::PreflightInvalidStatus,
            Failure::PreflightDisallowedRedirect { .. } => CorsError::PreflightDisallowedRedirect,
            Failure::InvalidAllowMethods { .. } => CorsError::InvalidAllowMethodsPreflightResponse,
            Failure::InvalidAllowHeaders { .. } => CorsError::InvalidAllowHeadersPreflightResponse,
            Failure::MethodDisallowed { .. } => CorsError::MethodDisallowedByPreflightResponse,
            Failure::HeaderDisallowed { .. } => CorsError::HeaderDisallowedByPreflightResponse,
            Failure::RedirectContainsCredentials { .. } => CorsError::RedirectContainsCredentials,
            Failure::RedirectToNonHttp { .. } | Failure::UnsupportedScheme { .. } => {
                CorsError::CorsDisabledScheme
            }
            Failure::SameOriginModeRedirect | Failure::SameOriginMode => CorsError::DisallowedByMode,
            Failure::NoCorsRedirectNotFollow => CorsError::NoCorsRedirectModeNotFollow,
            Failure::LocalNetwork { refusal, .. } => match refusal {
                Refusal::Denied { .. } => CorsError::LocalNetworkAccessPermissionDenied,
                Refusal::Insecure { .. } => CorsError::InsecureLocalNetwork,
                Refusal::TargetMismatch { .. } => CorsError::InvalidLocalNetworkAccess,
            },
            Failure::Network { .. }
            | Failure::CachedAnswerUnknown
            | Failure::MixedContent { .. }
            | Failure::RedirectModeError
            | Failure::UnsafeRedirect { .. }
            | Failure::InvalidRedirect { .. }
            | Failure::TooManyRedirects => return None,
        };
        Some(name)
    }

    /// DevTools' `failedParameter`: the offending value, method, header name or scheme.
    pub(crate) fn failed_parameter(&self) -> Option<String> {
        match self {
            Failure::Access { error, .. } => match error {
                AccessError::Missing | AccessError::WildcardWithCredentials => None,
                AccessError::MultipleValues(v)
                | AccessError::MultipleLines(v)
                | AccessError::InvalidValue(v)
                | AccessError::Mismatch(v)
                | AccessError::InvalidCredentials(v) => Some(v.clone()),
            },
            Failure::MethodDisallowed { method } => Some(method.clone()),
            Failure::HeaderDisallowed { name } => Some(name.clone()),
            Failure::RedirectToNonHttp { scheme, .. } | Failure::UnsupportedScheme { scheme } => {
                Some(scheme.clone())
            }
            _ => None,
        }
    }

    /// Chromium's preflight family: these reasons get the prefix "Response to preflight
    /// request doesn't pass access control check: " (`IsPreflightError` in
    /// `cors_error_string.cc`). The method, header and "Cannot parse" errors do not.
    pub(crate) fn has_preflight_prefix(&self) -> bool {
        matches!(
            self,
            Failure::Access { preflight: true, .. }
                | Failure::PreflightInvalidStatus { .. }
                | Failure::PreflightDisallowedRedirect { .. }
        )
    }

    /// The failures `fetch_manager.cc` reports itself, in the "Fetch API cannot load" format
    /// with no `Failed to load resource` line after them.
    pub(crate) fn is_early(&self) -> bool {
        matches!(
            self,
            Failure::SameOriginMode | Failure::NoCorsRedirectNotFollow | Failure::UnsupportedScheme { .. }
        )
    }

    /// The status of the answer the failed check looked at, when it looked at one.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            Failure::Access { status, .. }
            | Failure::PreflightInvalidStatus { status }
            | Failure::PreflightDisallowedRedirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the request failed while the browser was handling a preflight.
    pub(crate) fn is_preflight(&self) -> bool {
        self.has_preflight_prefix()
            || matches!(
                self,
                Failure::InvalidAllowMethods { .. }
                    | Failure::Network { preflight: true, .. }
                    | Failure::LocalNetwork { preflight: true, .. }
                    | Failure::InvalidAllowHeaders { .. }
                    | Failure::MethodDisallowed { .. }
                    | Failure::HeaderDisallowed { .. }
            )
    }
}
