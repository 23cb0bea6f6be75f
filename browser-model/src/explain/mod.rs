//! Explaining a console line: the model's lines read backwards.
//!
//! [`explain_line`] takes what a developer pasted from a console — Chromium's, Firefox's or WebKit's,
//! today's wording or an older Chromium one, the CORS line or a generic one printed beside it — and says
//! which engine printed it, which check failed (the DevTools `CorsError` name), what the line held (URL,
//! page origin, the header's value, the method or header refused, the status), what that means and the
//! fix. Where the words cannot tell failures apart it lists every failure that prints them, likeliest
//! first, with the question that settles it.
//!
//! - `read` finds the sentence with the same templates `messages` writes with (`sentences`);
//! - `probe` finds the failures that print it by writing every failure's lines and reading them back;
//! - `advice` holds the meaning, the fix and the settling question.

mod advice;
mod probe;
mod read;

use crate::engine::Engine;
use crate::failure::Failure;
use crate::names::CorsError;
use crate::sentences::*;
use crate::template::{Hole, Template};

pub use probe::Stage;
pub(crate) use read::every_template;

/// The most text [`explain_line`] reads: a console line, even with a long URL, is far shorter.
pub const MAX_INPUT: usize = 64 * 1024;

/// What failed, in DevTools' words where DevTools has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// A CORS failure, by its DevTools `Network.CorsError` name.
    Cors(CorsError),
    /// No answer at all: the server is down, the name does not resolve, TLS failed.
    NetworkError,
    /// `redirect: "error"` met a redirect.
    RedirectModeError,
    /// A redirect to a URL `fetch()` never follows (`data:`, `file:`, …).
    UnsafeRedirect,
    /// A redirect whose `Location` does not parse.
    InvalidRedirect,
    /// More than 20 redirects.
    TooManyRedirects,
    /// An `https:` page fetched an `http:` URL.
    MixedContent,
    /// The page could read the answer; only its status was an error.
    ErrorStatus,
    /// Firefox's own setting refused CORS (rows 30, 31).
    FirefoxSetting,
}

impl Cause {
    /// The cause's stable name: the `CorsError` name, or a name of the same style.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Cors(error) => error.as_str(),
            Cause::NetworkError => "NetworkError",
            Cause::RedirectModeError => "RedirectModeError",
            Cause::UnsafeRedirect => "UnsafeRedirect",
            Cause::InvalidRedirect => "InvalidRedirect",
            Cause::TooManyRedirects => "TooManyRedirects",
            Cause::MixedContent => "MixedContent",
            Cause::ErrorStatus => "ErrorStatus",
            Cause::FirefoxSetting => "FirefoxSetting",
        }
    }

    /// The `CorsError` name, when it is a CORS failure.
    pub fn cors_error(self) -> Option<CorsError> {
        match self {
            Cause::Cors(error) => Some(error),
            _ => None,
        }
    }

    fn of(failure: &Failure) -> Cause {
        match failure {
            Failure::Network { .. } => Cause::NetworkError,
            Failure::RedirectModeError => Cause::RedirectModeError,
            Failure::UnsafeRedirect { .. } => Cause::UnsafeRedirect,
            Failure::InvalidRedirect { .. } => Cause::InvalidRedirect,
            Failure::TooManyRedirects => Cause::TooManyRedirects,
            other => other.devtools_enum().map_or(Cause::NetworkError, Cause::Cors),
        }
    }
}

/// One failure that prints the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub cause: Cause,
    pub stage: Stage,
    /// What it means, in a sentence or two.
    pub meaning: String,
    /// The fix, in one sentence.
    pub fix: String,
}

/// What a line's holes held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The URL that failed (after redirects, the last one).
    pub url: Option<String>,
    /// The URL the page fetched, when the line says it was redirected.
    pub initial_url: Option<String>,
    /// The page's origin (`null` in WebKit's line after a redirect to another origin).
    pub origin: Option<String>,
    /// The page's URL (Firefox's "Security Error", WebKit's mixed content).
    pub page_url: Option<String>,
    /// Chromium's resource word: `fetch`, `XMLHttpRequest`, …
    pub kind: Option<String>,
    /// The header's value, as the server sent it.
    pub value: Option<String>,
    /// The method refused.
    pub method: Option<String>,
    /// The request header refused.
    pub header: Option<String>,
    /// The status of the answer that failed.
    pub status: Option<u16>,
    /// The part of an allow list that does not parse.
    pub token: Option<String>,
    /// A URL scheme.
    pub scheme: Option<String>,
    /// Where a redirect pointed.
    pub target: Option<String>,
    /// A network error, `net::ERR_…`.
    pub net_error: Option<String>,
    /// An address space (Local Network Access).
    pub space: Option<String>,
    /// The address space `fetch()` named.
    pub target_space: Option<String>,
}

/// What a line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It names the check that failed (or the failure, when it is not CORS).
    Names,
    /// A generic line printed beside the one that names it (`Failed to load resource: net::ERR_FAILED`,
    /// `TypeError: Failed to fetch`, WebKit's `Fetch API cannot load …`).
    Companion,
}

/// A console line, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineExplanation {
    pub engine: Engine,
    /// The line explained, as pasted (trimmed); of several pasted lines, the one that says most.
    pub line: String,
    /// The sentence it is, with its holes: `Origin {origin} is not allowed by …`.
    pub sentence: &'static str,
    pub role: Role,
    /// The failing check, when the line names one failure.
    pub cors_error: Option<CorsError>,
    /// Every failure that prints this line, likeliest first.
    pub candidates: Vec<Candidate>,
    /// What the line held.
    pub extracted: Extracted,
    /// When the candidates are several: what settles it.
    pub settle: Option<String>,
}

/// Why a text is not explained: a sentence, and the known line closest to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRecognised {
    pub why: String,
    /// The closest known sentence, with its holes, e.g. `Access to {kind} at '{url}' from origin …`.
    pub closest: Option<&'static str>,
}

/// Explains `text`, a console line (or a few lines: the one that says most is explained).
pub fn explain_line(text: &str) -> Result<LineExplanation, NotRecognised> {
    let refuse = |why: &str| NotRecognised { why: why.to_string(), closest: None };
    if text.len() > MAX_INPUT {
        return Err(refuse(&format!(
            "That is {} bytes: a console line is far shorter (at most {} KiB here). Paste only the red line.",
            text.len(),
            MAX_INPUT / 1024
        )));
    }
    if text.contains('\0') || text.chars().filter(|c| c.is_control() && !c.is_whitespace()).count() > 8 {
        return Err(refuse(
            "That is not text a console prints (it holds control characters). Paste the red line from the console.",
        ));
    }
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(64).collect();
    if lines.is_empty() {
        return Err(refuse("Nothing to explain: paste the red line from the browser's console."));
    }
    let mut best: Option<LineExplanation> = None;
    for line in &lines {
        let Some(reading) = read::read(line) else { continue };
        let explained = explain_reading(line, reading);
        let better = match &best {
            None => true,
            Some(b) => b.role == Role::Companion && explained.role == Role::Names,
        };
        if better {
            best = Some(explained);
        }
    }
    best.ok_or_else(|| NotRecognised {
        why: "That is not a CORS line of Chromium, Firefox or WebKit that this sandbox knows.".to_string(),
        closest: closest(lines[0]),
    })
}

/// The sentences printed beside the one that names the check.
const COMPANIONS: [Template; 6] = [
    CHROMIUM_JS_ERROR,
    FIREFOX_JS_ERROR,
    WEBKIT_JS_ERROR,
    WEBKIT_CANNOT_LOAD,
    WEBKIT_XHR_CANNOT_LOAD,
    WEBKIT_NOT_ALLOWED_TO_REQUEST,
];

/// Failures of sentences the writer does not write (yet): read, not probed.
fn unwritten(reading: &read::Reading) -> Vec<(Cause, Stage)> {
    use CorsError as E;
    let lna = |e| vec![(Cause::Cors(e), Stage::BeforeRequest)];
    match reading.sentence {
        CHROMIUM_LNA_DENIED => lna(E::LocalNetworkAccessPermissionDenied),
        CHROMIUM_LNA_INSECURE => lna(E::InsecureLocalNetwork),
        CHROMIUM_LNA_TARGET => lna(E::InvalidLocalNetworkAccess),
        CHROMIUM_ERROR_STATUS => vec![(Cause::ErrorStatus, Stage::Response)],
        FIREFOX_MULTIPLE => vec![
            (Cause::Cors(E::MultipleAllowOriginValues), Stage::Response),
            (Cause::Cors(E::PreflightMultipleAllowOriginValues), Stage::Preflight),
        ],
        FIREFOX_DISABLED | FIREFOX_ORIGIN_NOT_ADDED => vec![(Cause::FirefoxSetting, Stage::BeforeRequest)],
        CHROMIUM_MIXED_CONTENT | FIREFOX_MIXED_CONTENT | WEBKIT_MIXED_CONTENT | WEBKIT_MIXED_CONTENT_CUT => {
            vec![(Cause::MixedContent, Stage::BeforeRequest)]
        }
        // Firefox's refusal of Local Network Access reads as a server that is down (row 32).
        FIREFOX_DID_NOT_SUCCEED => lna(E::LocalNetworkAccessPermissionDenied),
        WEBKIT_CANNOT_LOAD_PLAIN => vec![(Cause::Cors(E::DisallowedByMode), Stage::BeforeRequest)],
        WEBKIT_NO_CORS_FOLLOW => vec![(Cause::Cors(E::NoCorsRedirectModeNotFollow), Stage::BeforeRequest)],
        WEBKIT_NOT_ALLOWED_TO_REQUEST | WEBKIT_CANNOT_LOAD | WEBKIT_XHR_CANNOT_LOAD => vec![
            (Cause::Cors(E::NoCorsRedirectModeNotFollow), Stage::BeforeRequest),
            (Cause::MixedContent, Stage::BeforeRequest),
        ],
        WEBKIT_ONLY_HTTP => vec![(Cause::Cors(E::CorsDisabledScheme), Stage::BeforeRequest)],
        WEBKIT_CONNECTION_TERMINATED => vec![(Cause::NetworkError, Stage::Preflight)],
        // Any net error the writer does not know is still no answer at all.
        CHROMIUM_NETWORK => vec![(Cause::NetworkError, Stage::NoAnswer)]
            .into_iter()
            .filter(|_| reading.holes.get(Hole::NetError).is_some_and(|e| e != "net::ERR_FAILED"))
            .collect(),
        _ => Vec::new(),
    }
}

fn explain_reading(line: &str, reading: read::Reading) -> LineExplanation {
    let mut found: Vec<(Cause, Stage)> =
        probe::writers_of(&reading).iter().map(|p| (Cause::of(&p.failure), p.stage())).collect();
    // A line that names no check and was printed alone: the likeliest is that nothing answered.
    if reading.sentence == FIREFOX_DID_NOT_SUCCEED {
        found.sort_by_key(|(cause, _)| *cause != Cause::NetworkError);
    }
    found.extend(unwritten(&reading));
    let h = |hole| reading.holes.get(hole).map(str::to_string);
    let status = reading.holes.get(Hole::Status).and_then(|s| s.parse::<u16>().ok());
    // The status says where it most likely failed: 204 is a preflight's answer, 3xx a redirect's.
    if let Some(status) = status {
        let redirect = Cause::Cors(CorsError::PreflightDisallowedRedirect);
        let bad_status = Cause::Cors(CorsError::PreflightInvalidStatus);
        let rank = |(cause, stage): &(Cause, Stage)| match (status, stage) {
            // A line that names a preflight's error status most likely means just that.
            (400..=599, _) if *cause == bad_status => 0,
            (400..=599, _) => 1,
            (204, Stage::Preflight) | (300..=399, Stage::RedirectHop) => 0,
            (300..=399, _) if *cause == redirect => 1,
            (300..=399, Stage::Preflight) => 2,
            (204, _) | (300..=399, _) => 3,
            _ => 0,
        };
        found.sort_by_key(rank);
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|c| seen.insert(*c));
    let said = advice::Said {
        origin: reading.holes.get(Hole::Origin),
        value: reading.holes.get(Hole::Value),
        method: reading.holes.get(Hole::Method),
        header: reading.holes.get(Hole::Header),
        status,
        token: reading.holes.get(Hole::Token),
        scheme: reading.holes.get(Hole::Scheme),
        space: reading.holes.get(Hole::Space),
        target_space: reading.holes.get(Hole::TargetSpace),
    };
    let candidates: Vec<Candidate> = found
        .iter()
        .map(|&(cause, stage)| {
            let (meaning, fix) = advice::meaning_and_fix(cause, stage, &said);
            Candidate { cause, stage, meaning, fix }
        })
        .collect();
    let causes: std::collections::HashSet<Cause> = found.iter().map(|c| c.0).collect();
    let cors_error = match causes.iter().next() {
        Some(Cause::Cors(error)) if causes.len() == 1 => Some(*error),
        _ => None,
    };
    let settle = advice::settling_question(&found, reading.engine == Engine::Firefox);
    let role = if COMPANIONS.contains(&reading.sentence)
        || (reading.sentence == CHROMIUM_NETWORK && h(Hole::NetError).as_deref() == Some("net::ERR_FAILED"))
    {
        Role::Companion
    } else {
        Role::Names
    };
    LineExplanation {
        engine: reading.engine,
        line: line.to_string(),
        sentence: reading.frame.map_or(reading.sentence.0, |frame| frame.0),
        role,
        cors_error,
        candidates,
        extracted: Extracted {
            url: h(Hole::Url),
            initial_url: h(Hole::InitialUrl),
            origin: h(Hole::Origin),
            page_url: h(Hole::PageUrl),
            kind: h(Hole::Kind),
            value: h(Hole::Value),
            method: h(Hole::Method),
            header: h(Hole::Header),
            status,
            token: h(Hole::Token),
            scheme: h(Hole::Scheme),
            target: h(Hole::Target),
            net_error: h(Hole::NetError),
            space: h(Hole::Space),
            target_space: h(Hole::TargetSpace),
        },
        settle,
    }
}

/// The known sentence sharing most words with `text` (Chromium's usual line when none shares any).
fn closest(text: &str) -> Option<&'static str> {
    let words = |t: &str| -> std::collections::HashSet<String> {
        t.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2).map(str::to_lowercase).collect()
    };
    let mine = words(&text.chars().take(4096).collect::<String>());
    every_template()
        .into_iter()
        .map(|t| (words(t.0).intersection(&mine).count(), t.0))
        .max_by_key(|(shared, _)| *shared)
        .filter(|(shared, _)| *shared > 0)
        .map_or(Some(CHROMIUM_ACCESS.0), |(_, sentence)| Some(sentence))
}
