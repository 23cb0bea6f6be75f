//! Which failures print a line: found by writing, not by a second table.
//!
//! For a line read as sentence S, every failure the model knows is built with what the line told (the
//! value, the method, the status…), its lines are written by `messages` exactly as a verdict's are, and
//! read back; the failures whose lines include S with the same values are the candidates. So the
//! ambiguities `explain` reports — WebKit's one sentence for a missing and a mismatched
//! `Access-Control-Allow-Origin`, Firefox's "did not succeed" — are the writer's own, and stay right when
//! the writer changes.

use crate::cors_check::classify_mismatch;
use crate::engine::Engine;
use crate::failure::{AccessError, Failure, FirefoxPreflightRedirect};
use crate::messages::{self, MessageContext};
use crate::sentences::{
    CHROMIUM_JS_ERROR, FIREFOX_JS_ERROR, WEBKIT_CANNOT_LOAD, WEBKIT_JS_ERROR, WEBKIT_XHR_CANNOT_LOAD,
};
use crate::template::Hole;

use super::read::{Reading, read};

/// Where in the `fetch()` a failure happened, besides what failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The answer to the request itself.
    Response,
    /// The preflight's (`OPTIONS`) answer.
    Preflight,
    /// A redirect answer (3xx), on its way.
    RedirectHop,
    /// The answer after a redirect to another origin (the request's `Origin` was then `null`).
    AfterRedirect,
    /// Before anything was sent: the browser refused the request itself.
    BeforeRequest,
    /// The request got no answer at all.
    NoAnswer,
}

impl Stage {
    /// The stage's stable word: `response`, `preflight`, `redirect-hop`, … (the JSON's).
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Response => "response",
            Stage::Preflight => "preflight",
            Stage::RedirectHop => "redirect-hop",
            Stage::AfterRedirect => "after-redirect",
            Stage::BeforeRequest => "before-request",
            Stage::NoAnswer => "no-answer",
        }
    }

    /// Where in the walk, in words, for a person: `on the preflight, the OPTIONS request`; `None` for the
    /// answer itself.
    pub const fn words(self) -> Option<&'static str> {
        match self {
            Stage::Response => None,
            Stage::Preflight => Some("on the preflight, the OPTIONS request"),
            Stage::RedirectHop => Some("on a redirect on the way"),
            Stage::AfterRedirect => Some("after a redirect to another origin"),
            Stage::BeforeRequest => Some("before anything was sent"),
            Stage::NoAnswer => Some("with no answer at all"),
        }
    }
}

/// One failure to try, and the redirect before it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    pub(crate) failure: Failure,
    /// `Some(cross)`: the failing answer came after a redirect, to another origin when `cross` (the
    /// request's `Origin` was then `null`). `None`: no redirect before it, for the CORS check's failures.
    pub(crate) redirected: Option<bool>,
}

impl Probe {
    /// Where the failure happened.
    pub(crate) fn stage(&self) -> Stage {
        match &self.failure {
            Failure::Access { preflight: true, .. } => Stage::Preflight,
            Failure::Access { on_redirect: true, .. } => Stage::RedirectHop,
            _ if self.redirected == Some(true) => Stage::AfterRedirect,
            Failure::Network { preflight, .. } => {
                if *preflight {
                    Stage::Preflight
                } else {
                    Stage::NoAnswer
                }
            }
            f if f.is_early() => Stage::BeforeRequest,
            f if f.is_preflight() => Stage::Preflight,
            Failure::RedirectContainsCredentials { .. }
            | Failure::RedirectToNonHttp { .. }
            | Failure::UnsafeRedirect { .. }
            | Failure::InvalidRedirect { .. }
            | Failure::TooManyRedirects
            | Failure::SameOriginModeRedirect
            | Failure::RedirectModeError => Stage::RedirectHop,
            _ => Stage::Response,
        }
    }
}

/// The network errors Chromium prints that are no CORS failure (Chromium's `net_error_list.h`): a line
/// naming one of them is read as "the request got no answer".
pub(crate) const NETWORK_ERRORS: [&str; 16] = [
    "net::ERR_CONNECTION_REFUSED",
    "net::ERR_EMPTY_RESPONSE",
    "net::ERR_CONNECTION_RESET",
    "net::ERR_CONNECTION_CLOSED",
    "net::ERR_CONNECTION_TIMED_OUT",
    "net::ERR_TIMED_OUT",
    "net::ERR_NAME_NOT_RESOLVED",
    "net::ERR_ADDRESS_UNREACHABLE",
    "net::ERR_INTERNET_DISCONNECTED",
    "net::ERR_CERT_AUTHORITY_INVALID",
    "net::ERR_CERT_COMMON_NAME_INVALID",
    "net::ERR_CERT_DATE_INVALID",
    "net::ERR_SSL_PROTOCOL_ERROR",
    "net::ERR_BLOCKED_BY_CLIENT",
    "net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS",
    "net::ERR_NETWORK_CHANGED",
];

/// Every failure the model knows, built from what `reading` told, likeliest first.
pub(crate) fn probes(reading: &Reading) -> Vec<Probe> {
    let h = |hole| reading.holes.get(hole);
    let status = h(Hole::Status).and_then(|s| s.parse::<u16>().ok());
    let method = h(Hole::Method).unwrap_or("PUT").to_string();
    let header = h(Hole::Header).unwrap_or("x-custom-header").to_ascii_lowercase();
    let token = h(Hole::Token).unwrap_or("PUT POST").to_string();
    let scheme = h(Hole::Scheme).unwrap_or("foo").to_string();
    let target = h(Hole::Target).unwrap_or("foo://elsewhere/").to_string();
    let url = h(Hole::Url).unwrap_or("http://api.example/").to_string();
    // The value decides between Chromium's three comparison failures, as Chromium decides (row 2-4).
    let compared = match h(Hole::Value) {
        Some(value) => vec![classify_mismatch(value)],
        None => vec![
            AccessError::Mismatch("https://other.example".into()),
            AccessError::InvalidValue("other.example".into()),
            AccessError::MultipleValues("https://a.example, https://b.example".into()),
        ],
    };
    let credentials = AccessError::InvalidCredentials(h(Hole::Value).unwrap_or_default().to_string());
    let mut errors = vec![AccessError::Missing];
    errors.extend(compared.iter().filter(|e| matches!(e, AccessError::Mismatch(_))).cloned());
    errors.push(AccessError::WildcardWithCredentials);
    errors.push(credentials);
    errors.extend(compared.iter().filter(|e| !matches!(e, AccessError::Mismatch(_))).cloned());

    let access = |error: &AccessError, preflight, on_redirect, status| Failure::Access {
        error: error.clone(),
        preflight,
        status,
        on_redirect,
        redirect_to: on_redirect.then(|| target.clone()),
    };
    let plain = |failure| Probe { failure, redirected: None };
    let mut list = Vec::new();
    for error in &errors {
        list.push(plain(access(error, false, false, status.unwrap_or(200))));
    }
    list.push(plain(Failure::MethodDisallowed { method }));
    list.push(plain(Failure::HeaderDisallowed { name: header }));
    for error in &errors {
        list.push(plain(access(error, true, false, status.unwrap_or(204))));
    }
    list.push(plain(Failure::PreflightInvalidStatus { status: status.unwrap_or(404) }));
    let redirect_status = status.filter(|s| (300..400).contains(s)).unwrap_or(302);
    for firefox in [
        FirefoxPreflightRedirect::External,
        FirefoxPreflightRedirect::AccessFirst(AccessError::Missing),
        FirefoxPreflightRedirect::ExternalThenAccess(AccessError::Missing),
    ] {
        list.push(plain(Failure::PreflightDisallowedRedirect { status: redirect_status, firefox }));
    }
    // The line's token is Firefox's first bad item or WebKit's whole value: either way it is both here.
    list.push(plain(Failure::InvalidAllowMethods { token: token.clone(), value: token.clone() }));
    list.push(plain(Failure::InvalidAllowHeaders { value: token.clone(), token }));
    for error in &errors {
        list.push(plain(access(error, false, true, redirect_status)));
    }
    // After a redirect: to another origin first when the line's two URLs say so.
    let cross_first = match (h(Hole::InitialUrl), h(Hole::Url)) {
        (Some(initial), Some(url)) => origin_of(initial) != origin_of(url),
        _ => true,
    };
    for cross in [cross_first, !cross_first] {
        for error in &errors {
            let failure = access(error, false, false, status.unwrap_or(200));
            list.push(Probe { failure, redirected: Some(cross) });
        }
    }
    let net_error = h(Hole::NetError).and_then(|e| NETWORK_ERRORS.iter().find(|n| **n == e).copied());
    list.push(plain(Failure::Network { net_error: net_error.or(Some(NETWORK_ERRORS[0])), preflight: false }));
    list.push(plain(Failure::Network { net_error: net_error.or(Some(NETWORK_ERRORS[1])), preflight: true }));
    list.push(plain(Failure::RedirectContainsCredentials { target: target.clone() }));
    list.push(plain(Failure::RedirectToNonHttp { scheme: scheme.clone(), from: url }));
    list.push(plain(Failure::UnsafeRedirect { target: target.clone() }));
    list.push(plain(Failure::InvalidRedirect { location: target }));
    list.push(plain(Failure::TooManyRedirects));
    list.push(Probe { failure: Failure::SameOriginModeRedirect, redirected: Some(true) });
    list.push(plain(Failure::RedirectModeError));
    list.push(plain(Failure::SameOriginMode));
    list.push(plain(Failure::NoCorsRedirectNotFollow));
    list.push(plain(Failure::UnsupportedScheme { scheme }));
    list
}

/// The lines `engine` prints for `probe`, in a context built from what `reading` told, followed by what
/// JavaScript gets (the console shows that too, when the rejection is not handled).
fn lines_of(engine: Engine, probe: &Probe, reading: &Reading) -> Vec<String> {
    let h = |hole| reading.holes.get(hole);
    let failing_url = h(Hole::Url).unwrap_or("http://api.example/x");
    let origin = h(Hole::Origin).filter(|o| *o != "null").unwrap_or("http://page.example");
    // The CORS check's failures with no redirect before them name one URL; every other failure names the
    // URLs the line named.
    let initial_url = match (h(Hole::InitialUrl), probe.redirected) {
        (_, None) if matches!(probe.failure, Failure::Access { .. }) => failing_url,
        (Some(initial), _) => initial,
        (None, Some(_)) => "http://redirect.example/x",
        (None, None) => failing_url,
    };
    let page_url = h(Hole::PageUrl).map_or_else(|| format!("{origin}/"), str::to_string);
    let cx = MessageContext {
        initial_url,
        failing_url,
        origin,
        request_origin: if probe.redirected == Some(true) { "null" } else { origin },
        page_url: &page_url,
    };
    let failure = &probe.failure;
    let (mut lines, js_error) = match engine {
        Engine::Chromium => (
            messages::chromium_console(failure, &cx)
                .into_iter()
                .chain(messages::chromium_network(failure))
                .collect::<Vec<_>>(),
            CHROMIUM_JS_ERROR,
        ),
        Engine::Firefox => (messages::firefox_console(failure, &cx), FIREFOX_JS_ERROR),
        Engine::Webkit => (messages::webkit_console(failure, &cx), WEBKIT_JS_ERROR),
    };
    // Every failure rejects the promise.
    lines.push(js_error.fill(&[]));
    lines
}

/// The holes whose text tells failures apart (the URL and the page's origin only say where).
const DECISIVE: [Hole; 9] = [
    Hole::Value,
    Hole::Method,
    Hole::Header,
    Hole::Status,
    Hole::Token,
    Hole::Scheme,
    Hole::NetError,
    Hole::Space,
    Hole::TargetSpace,
];

/// Whether `written`, a line the model wrote, is the sentence `reading` read, with the same values.
fn same_sentence(reading: &Reading, written: &Reading) -> bool {
    // Old Chromium frames are read as today's, and a reason pasted alone fits either frame.
    let frame_fits = match (reading.frame, written.frame) {
        (None, _) | (Some(crate::sentences::CHROMIUM_OLD_XHR), Some(crate::sentences::CHROMIUM_ACCESS)) => {
            true
        }
        (a, b) => a == b,
    };
    let holes_agree =
        DECISIVE.iter().all(|hole| match (reading.holes.get(*hole), written.holes.get(*hole)) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        });
    // WebKit names the origin `null` after a redirect to another origin: that, too, tells failures apart.
    let is_null = |r: &Reading| r.holes.get(Hole::Origin) == Some("null");
    // XMLHttpRequest's "cannot load" line is fetch()'s, for another API.
    let as_fetch = |t| if t == WEBKIT_XHR_CANNOT_LOAD { WEBKIT_CANNOT_LOAD } else { t };
    as_fetch(reading.sentence) == written.sentence
        && frame_fits
        && reading.preflight_prefix == written.preflight_prefix
        && holes_agree
        && is_null(reading) == is_null(written)
}

/// The probes whose lines, in the reading's engine, include the line read, likeliest first.
pub(crate) fn writers_of(reading: &Reading) -> Vec<Probe> {
    probes(reading)
        .into_iter()
        .filter(|probe| {
            lines_of(reading.engine, probe, reading)
                .iter()
                .filter_map(|line| read(line))
                .any(|written| same_sentence(reading, &written))
        })
        .collect()
}

/// `scheme://host[:port]` of a URL's text.
fn origin_of(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    url[after..].find(['/', '?', '#']).map_or(url, |end| &url[..after + end])
}
