//! The model's stable names: the check ids, the DevTools CORS error names and `res.type`.
//!
//! Each is an enum, so a typo is a compile error rather than a lesson that silently never ticks. Each
//! serializes (and prints) as the exact string the page, the JSON API and DevTools use.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares a fieldless enum whose variants each have one exact string, with `as_str`, `Display` and
/// `Serialize` built from that one table.
macro_rules! named {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The exact string for this value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

named! {
    /// One check the browser runs, in the order `judge` runs them (docs/cors-checks.md).
    pub enum CheckId {
        /// The Request constructor accepted the `fetch()` init (Fetch §5.4).
        RequestConstructor => "request-constructor",
        /// Whether the URL is the page's own origin (main fetch, §4.1).
        SameOrigin => "same-origin",
        /// The request mode allows this URL (main fetch, §4.1).
        Mode => "mode",
        /// Whether a preflight is needed (§4.1 step 12 / §4.8).
        PreflightNeeded => "preflight-needed",
        /// The preflight got a response at all.
        PreflightResponse => "preflight-response",
        /// The browser's preflight cache answered instead of the network (the CORS-preflight cache, https://fetch.spec.whatwg.org/#cors-preflight-cache).
        PreflightCache => "preflight-cache",
        /// The preflight was not redirected (§4.8 step 7).
        PreflightRedirect => "preflight-redirect",
        /// The CORS check on the preflight's response (§4.8 → §4.9).
        PreflightCorsCheck => "preflight-cors-check",
        /// The preflight's status is 2xx (§4.8).
        PreflightOkStatus => "preflight-ok-status",
        /// `Access-Control-Allow-Methods` parses.
        PreflightAllowMethodsParse => "preflight-allow-methods-parse",
        /// `Access-Control-Allow-Headers` parses.
        PreflightAllowHeadersParse => "preflight-allow-headers-parse",
        /// Both allow lists parse.
        PreflightAllowListsParse => "preflight-allow-lists-parse",
        /// The method is allowed by the preflight.
        PreflightMethod => "preflight-method",
        /// Every unsafe header is allowed by the preflight.
        PreflightHeaders => "preflight-headers",
        /// The CORS check on an actual response (§4.9).
        CorsCheck => "cors-check",
        /// A redirect is followed (§4.4 HTTP-redirect fetch).
        Redirect => "redirect",
        /// `redirect: "manual"` stops at the redirect.
        RedirectMode => "redirect-mode",
        /// At most 20 redirects (§4.4).
        RedirectCount => "redirect-count",
        /// The redirect's `Location` parses (§4.4).
        RedirectLocation => "redirect-location",
        /// The redirect's URL has no `user:pass@` (§4.4).
        RedirectCredentials => "redirect-credentials",
        /// The redirect's URL is HTTP(S) (§4.4).
        RedirectScheme => "redirect-scheme",
        /// A redirected request that needs a preflight gets a new one.
        RedirectPreflight => "redirect-preflight",
        /// The response was delivered at all (not a network error).
        Response => "response",
        /// The browser answered from its HTTP cache: nothing reached the server (Fetch §4.5,
        /// HTTP-network-or-cache fetch).
        HttpCache => "http-cache",
        /// Which response headers JavaScript may read.
        Exposure => "exposure",
        /// An `https:` page may not fetch `http:` (mixed content), decided before anything is sent.
        MixedContent => "mixed-content",
        /// A public page reaching `localhost` or the local network needs the user's permission (Local
        /// Network Access), decided before anything is sent.
        LocalNetworkAccess => "local-network-access",
    }
}

named! {
    /// Chromium's DevTools `Network.CorsError` names (spelled without the `k` of
    /// `network::mojom::CorsError`), as the Issues panel and the Protocol show them.
    pub enum CorsError {
        MissingAllowOriginHeader => "MissingAllowOriginHeader",
        PreflightMissingAllowOriginHeader => "PreflightMissingAllowOriginHeader",
        WildcardOriginNotAllowed => "WildcardOriginNotAllowed",
        PreflightWildcardOriginNotAllowed => "PreflightWildcardOriginNotAllowed",
        MultipleAllowOriginValues => "MultipleAllowOriginValues",
        PreflightMultipleAllowOriginValues => "PreflightMultipleAllowOriginValues",
        InvalidAllowOriginValue => "InvalidAllowOriginValue",
        PreflightInvalidAllowOriginValue => "PreflightInvalidAllowOriginValue",
        AllowOriginMismatch => "AllowOriginMismatch",
        PreflightAllowOriginMismatch => "PreflightAllowOriginMismatch",
        InvalidAllowCredentials => "InvalidAllowCredentials",
        PreflightInvalidAllowCredentials => "PreflightInvalidAllowCredentials",
        PreflightInvalidStatus => "PreflightInvalidStatus",
        PreflightDisallowedRedirect => "PreflightDisallowedRedirect",
        InvalidAllowMethodsPreflightResponse => "InvalidAllowMethodsPreflightResponse",
        InvalidAllowHeadersPreflightResponse => "InvalidAllowHeadersPreflightResponse",
        MethodDisallowedByPreflightResponse => "MethodDisallowedByPreflightResponse",
        HeaderDisallowedByPreflightResponse => "HeaderDisallowedByPreflightResponse",
        RedirectContainsCredentials => "RedirectContainsCredentials",
        CorsDisabledScheme => "CorsDisabledScheme",
        DisallowedByMode => "DisallowedByMode",
        NoCorsRedirectModeNotFollow => "NoCorsRedirectModeNotFollow",
        /// Local Network Access refused (docs/console-messages.md rows 32 and 40).
        LocalNetworkAccessPermissionDenied => "LocalNetworkAccessPermissionDenied",
        /// Local Network Access from a page that is not a secure context (row 33).
        InsecureLocalNetwork => "InsecureLocalNetwork",
        /// `targetAddressSpace` that is not the target's address space (row 34).
        InvalidLocalNetworkAccess => "InvalidLocalNetworkAccess",
    }
}

impl CorsError {
    /// Whether this is the CORS check failing because `Access-Control-Allow-Origin` is `*` while the
    /// request carried credentials, on the actual response or on the preflight.
    pub fn is_wildcard_with_credentials(self) -> bool {
        matches!(self, CorsError::WildcardOriginNotAllowed | CorsError::PreflightWildcardOriginNotAllowed)
    }
}

/// `res.type`, the Response's type as JavaScript reads it (Fetch §2.2.6, "response type").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseType {
    /// A same-origin response.
    Basic,
    /// A cross-origin response the CORS check let through.
    Cors,
    /// What `Response` objects built by script report.
    Default,
    /// `Response.error()`.
    Error,
    /// A `mode: "no-cors"` response: status 0, no headers, no body.
    Opaque,
    /// A `redirect: "manual"` redirect.
    #[serde(rename = "opaqueredirect")]
    OpaqueRedirect,
}

impl ResponseType {
    /// The exact string `res.type` gives.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResponseType::Basic => "basic",
            ResponseType::Cors => "cors",
            ResponseType::Default => "default",
            ResponseType::Error => "error",
            ResponseType::Opaque => "opaque",
            ResponseType::OpaqueRedirect => "opaqueredirect",
        }
    }
}

impl fmt::Display for ResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_serialize_as_their_exact_strings() {
        for &id in CheckId::ALL {
            assert_eq!(serde_json::to_value(id).unwrap(), id.as_str());
        }
        assert_eq!(serde_json::to_value(CorsError::AllowOriginMismatch).unwrap(), "AllowOriginMismatch");
        for text in ["basic", "cors", "default", "error", "opaque", "opaqueredirect"] {
            let parsed: ResponseType = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(parsed.as_str(), text);
            assert_eq!(serde_json::to_value(parsed).unwrap(), text);
        }
        assert!(serde_json::from_value::<ResponseType>(serde_json::json!("Cors")).is_err());
    }

    #[test]
    fn every_name_is_distinct() {
        let mut checks: Vec<_> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        checks.sort_unstable();
        checks.dedup();
        assert_eq!(checks.len(), CheckId::ALL.len());
        let mut errors: Vec<_> = CorsError::ALL.iter().map(|c| c.as_str()).collect();
        errors.sort_unstable();
        errors.dedup();
        assert_eq!(errors.len(), CorsError::ALL.len());
    }
}
