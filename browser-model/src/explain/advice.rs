//! What each failure means and how to fix it, in a sentence each, and the question that tells
//! candidates apart. The rules behind them are in docs/cors-checks.md; the rows cited are
//! docs/console-messages.md's.

use crate::names::CorsError;

use super::Cause;
use super::probe::Stage;

/// What it means, and the fix, for `cause` at `stage`. `value`, `method`, `header` and `status` are what
/// the line said, when it said it.
pub(crate) fn meaning_and_fix(cause: Cause, stage: Stage, said: &Said<'_>) -> (String, String) {
    let on = match stage {
        Stage::Preflight => "the preflight's answer (the OPTIONS request the browser sent first)",
        Stage::RedirectHop => "a redirect answer (3xx) on the way",
        Stage::AfterRedirect => {
            "the answer after a redirect to another origin (the browser then sent Origin: null)"
        }
        _ => "the answer",
    };
    let value = said.value.map_or_else(|| "not it".to_string(), |v| format!("'{v}'"));
    let method = said.method.unwrap_or("the method");
    let header = said.header.unwrap_or("the header");
    let error_status = said.status.filter(|s| *s >= 400);
    use CorsError as E;
    let (meaning, fix) = match cause {
        Cause::Cors(E::MissingAllowOriginHeader | E::PreflightMissingAllowOriginHeader) => match error_status {
            Some(status) => (
                format!("Your server answered {status} without CORS headers, on {on}: the browser hid that answer behind a CORS error. This is not a CORS policy problem first."),
                "Fix that answer, not the CORS policy: make error answers (an error handler outside the CORS middleware, an auth layer before it, a route that does not accept OPTIONS) carry Access-Control-Allow-Origin too, then fix the error itself.".to_string(),
            ),
            None => (
                format!("{on} has no Access-Control-Allow-Origin header, so no other origin may read it.", on = capital(on)),
                format!("Have the server send Access-Control-Allow-Origin: {} on {on} (the page's exact origin, or * without credentials).", said.origin_or("the page's origin")),
            ),
        },
        Cause::Cors(E::AllowOriginMismatch | E::PreflightAllowOriginMismatch) => (
            match said.value {
                Some(_) => format!("Access-Control-Allow-Origin on {on} is {value}, which is not byte for byte the page's origin{}.", said.origin.map(|o| format!(" {o}")).unwrap_or_default()),
                None => format!("Access-Control-Allow-Origin on {on} names another origin than the page's{}.", said.origin.map(|o| format!(" ({o})")).unwrap_or_default()),
            },
            format!("Send exactly {} (scheme, host and port, no trailing slash, no path), or * when no credentials are involved.", said.origin_or("the page's origin")),
        ),
        Cause::Cors(E::InvalidAllowOriginValue | E::PreflightInvalidAllowOriginValue) => (
            format!("Access-Control-Allow-Origin on {on} is {}, which is not an origin at all (an origin is scheme://host[:port]).", if said.value.is_some() { value.as_str() } else { "a value" }),
            format!("Send the page's origin in full, e.g. {}, or *.", said.origin_or("https://app.example.com")),
        ),
        Cause::Cors(E::MultipleAllowOriginValues | E::PreflightMultipleAllowOriginValues) => (
            format!("Access-Control-Allow-Origin on {on} holds more than one origin{}; the browser accepts exactly one. Two layers (a proxy and the app) often each add one.", said.value.map(|_| format!(" ({value})")).unwrap_or_default()),
            "Send one Access-Control-Allow-Origin line with one origin: check the request's Origin against your list on the server and echo the one that matches (with Vary: Origin).".to_string(),
        ),
        Cause::Cors(E::WildcardOriginNotAllowed | E::PreflightWildcardOriginNotAllowed) => (
            format!("The request carried credentials (credentials: 'include' or withCredentials), and {on} said Access-Control-Allow-Origin: *, which never covers a credentialed request."),
            format!("Send the page's exact origin ({}) with Access-Control-Allow-Credentials: true, or drop credentials from the request.", said.origin_or("the page's origin")),
        ),
        Cause::Cors(E::InvalidAllowCredentials | E::PreflightInvalidAllowCredentials) => (
            format!("The request carried credentials, and {on} lacks Access-Control-Allow-Credentials: true (it was {}).", said.value.filter(|v| !v.is_empty()).map_or("missing".to_string(), |v| format!("'{v}'"))),
            "Send Access-Control-Allow-Credentials: true (lower case, exactly) beside the page's exact origin, or drop credentials from the request.".to_string(),
        ),
        Cause::Cors(E::PreflightInvalidStatus) => (
            format!("The preflight (OPTIONS) was answered {}, not a 2xx status, so the browser never sent the request itself.", said.status.map_or("with an error".into(), |s| s.to_string())),
            "Answer OPTIONS with 204 (or 200) and the CORS headers before any authentication or routing that rejects it: preflights carry no cookies or Authorization.".to_string(),
        ),
        Cause::Cors(E::PreflightDisallowedRedirect) => (
            "The preflight (OPTIONS) was answered with a redirect, and a preflight may not be redirected.".to_string(),
            "Fetch the final URL directly (the https:// one, with or without the trailing slash the server wants), or answer OPTIONS at this URL without redirecting.".to_string(),
        ),
        Cause::Cors(E::InvalidAllowMethodsPreflightResponse) => (
            format!("Access-Control-Allow-Methods on the preflight's answer does not parse{}.", said.token.map(|t| format!(" ('{t}')")).unwrap_or_default()),
            "Send the methods as a comma-separated list of tokens, e.g. Access-Control-Allow-Methods: GET, POST, PUT.".to_string(),
        ),
        Cause::Cors(E::InvalidAllowHeadersPreflightResponse) => (
            format!("Access-Control-Allow-Headers on the preflight's answer does not parse{}.", said.token.map(|t| format!(" ('{t}')")).unwrap_or_default()),
            "Send the header names as a comma-separated list, e.g. Access-Control-Allow-Headers: Content-Type, X-Api-Key.".to_string(),
        ),
        Cause::Cors(E::MethodDisallowedByPreflightResponse) => (
            format!("The preflight's answer does not list {method} in Access-Control-Allow-Methods (names are case-sensitive, and * does not count with credentials)."),
            format!("Add {method} to Access-Control-Allow-Methods on the OPTIONS answer."),
        ),
        Cause::Cors(E::HeaderDisallowedByPreflightResponse) => (
            format!("The page sets the request header {header}, and the preflight's answer does not list it in Access-Control-Allow-Headers."),
            format!("Add {header} to Access-Control-Allow-Headers on the OPTIONS answer (or stop sending it)."),
        ),
        Cause::Cors(E::RedirectContainsCredentials) => (
            "A redirect pointed to a URL with a user name and password in it (https://user:pass@…), which a cross-origin fetch may not follow.".to_string(),
            "Redirect to a URL without user:pass@, and send credentials in a header instead.".to_string(),
        ),
        Cause::Cors(E::CorsDisabledScheme) => (
            format!("The request (or a redirect) went to a {} URL; CORS requests are http: and https: only.", said.scheme.map_or("non-HTTP".to_string(), |s| format!("{s}:"))),
            "Fetch an http:// or https:// URL, and redirect only to one.".to_string(),
        ),
        Cause::Cors(E::DisallowedByMode) => (
            "The request had mode: 'same-origin' and went (or was redirected) to another origin.".to_string(),
            "Drop mode: 'same-origin' (the default, 'cors', lets CORS decide), or keep the request on the page's origin.".to_string(),
        ),
        Cause::Cors(E::NoCorsRedirectModeNotFollow) => (
            "mode: 'no-cors' allows only redirect: 'follow'.".to_string(),
            "Drop redirect: 'manual' / 'error', or use mode: 'cors'.".to_string(),
        ),
        Cause::Cors(E::LocalNetworkAccessPermissionDenied) => (
            format!("Local Network Access: a public page asked for a {} address, and the permission was not given (refused, dismissed, or a headless browser). No request was sent; no CORS header changes this.", said.space.unwrap_or("loopback or local")),
            "Allow the page in the site's settings (the loopback-network / local-network permission), give an iframe allow=\"loopback-network\", or serve the local API through the page's own origin.".to_string(),
        ),
        Cause::Cors(E::InsecureLocalNetwork) => (
            format!("Local Network Access: a page that is not a secure context (http: on a non-loopback address) asked for the more private {} address space, which it may never do.", said.space.unwrap_or("local")),
            "Serve the page over https:, or serve the API from the page's own origin.".to_string(),
        ),
        Cause::Cors(E::InvalidLocalNetworkAccess) => (
            format!("fetch() said targetAddressSpace: '{}', but the server is in the {} address space.", said.target_space.unwrap_or("?"), said.space.unwrap_or("?")),
            "Give targetAddressSpace the server's real address space, or leave it out.".to_string(),
        ),
        Cause::NetworkError => (
            format!("The request{} got no answer at all: the server is down, the name does not resolve, TLS failed, or the connection was cut. That is not a CORS failure.", if stage == Stage::Preflight { " (its preflight)" } else { "" }),
            "Make sure the server is up and reachable at that URL (open it in a tab, or run the check command below).".to_string(),
        ),
        Cause::RedirectModeError => (
            "The request had redirect: 'error' and was answered with a redirect.".to_string(),
            "Fetch the URL the server redirects to, or drop redirect: 'error'.".to_string(),
        ),
        Cause::UnsafeRedirect | Cause::InvalidRedirect | Cause::TooManyRedirects => (
            "A redirect could not be followed: it pointed to a URL fetch() never follows (data:, file:, a bad Location), or there were more than 20.".to_string(),
            "Fix the server's Location header so it points to an http(s) URL, once.".to_string(),
        ),
        Cause::MixedContent => (
            "An https: page fetched an http: URL: mixed content. Firefox and WebKit block it before any CORS check and send nothing; Chromium lets an http: private address through with a warning, and loopback silently.".to_string(),
            "Serve the API over https:.".to_string(),
        ),
        Cause::ErrorStatus => (
            format!("The server answered {} and CORS let the page read it: this line only reports the error status.", said.status.map_or("with an error".into(), |s| s.to_string())),
            "Look at why the server answered with an error; CORS is not the problem.".to_string(),
        ),
        Cause::FirefoxSetting => (
            "Firefox itself refused CORS (the content.cors.disable preference, or an extension's request that cannot carry Origin).".to_string(),
            "Reset the preference in about:config, or make the request from a page.".to_string(),
        ),
    };
    (meaning, fix)
}

/// What the line said, for the sentences.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Said<'a> {
    pub(crate) origin: Option<&'a str>,
    pub(crate) value: Option<&'a str>,
    pub(crate) method: Option<&'a str>,
    pub(crate) header: Option<&'a str>,
    pub(crate) status: Option<u16>,
    pub(crate) token: Option<&'a str>,
    pub(crate) scheme: Option<&'a str>,
    pub(crate) space: Option<&'a str>,
    pub(crate) target_space: Option<&'a str>,
}

impl Said<'_> {
    fn origin_or(&self, otherwise: &str) -> String {
        self.origin.filter(|o| *o != "null").unwrap_or(otherwise).to_string()
    }
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The question that tells `candidates` apart, for a line of `engine` that cannot; `None` when there is
/// one candidate.
pub(crate) fn settling_question(candidates: &[(Cause, Stage)], firefox: bool) -> Option<String> {
    if candidates.len() < 2 {
        return None;
    }
    let has = |f: &dyn Fn(&(Cause, Stage)) -> bool| candidates.iter().any(f);
    let mut asks = Vec::new();
    if has(&|c| c.0 == Cause::NetworkError) {
        asks.push("Is this the only line the console printed for the request? If a line just before it names a check, explain that one instead; if it is alone, the request got no answer: run the check command below, which says whether the server answers at all.");
    }
    if has(&|c| c.1 == Stage::Preflight) && has(&|c| c.1 != Stage::Preflight) {
        asks.push(if firefox {
            "Did Firefox print “CORS request did not succeed” right after this line? Then it was the preflight (OPTIONS) that failed; if not, the answer to the request itself."
        } else {
            "Was a preflight sent (a method other than GET, HEAD or POST, or a header such as Content-Type: application/json or Authorization)? The Network panel shows the OPTIONS request; a 204 status usually means it failed there."
        });
    }
    let acao = |c: &(Cause, Stage)| {
        matches!(
            c.0,
            Cause::Cors(
                CorsError::MissingAllowOriginHeader
                    | CorsError::PreflightMissingAllowOriginHeader
                    | CorsError::AllowOriginMismatch
                    | CorsError::PreflightAllowOriginMismatch
                    | CorsError::InvalidAllowOriginValue
                    | CorsError::PreflightInvalidAllowOriginValue
            )
        )
    };
    if candidates.iter().filter(|c| acao(c)).map(|c| c.0).collect::<std::collections::HashSet<_>>().len() > 1
    {
        asks.push("What did the server send as Access-Control-Allow-Origin: nothing, another origin, or something that is no origin? The check command below prints the header it got.");
    }
    if has(&|c| matches!(c.1, Stage::RedirectHop | Stage::AfterRedirect)) && has(&|c| c.1 == Stage::Response)
    {
        asks.push("Was the answer a redirect (a 3xx status, or a final URL unlike the one fetched)? The Network panel shows each hop.");
    }
    if asks.is_empty() {
        asks.push("The check command below runs the same request against your server and names the check that fails.");
    }
    Some(asks.join(" "))
}
