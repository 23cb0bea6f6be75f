//! Reading one pasted line with the templates of `sentences`: which engine wrote it, which sentence it
//! is, and what its holes held.
//!
//! A line may carry more than the engine's sentence: a source location (`x.js:75:22: CONSOLE SECURITY
//! ERROR …`, `localhost/:1 …`), a console's prefix (`[Error] `, `Uncaught (in promise) `), trailing
//! spaces. So each sentence is looked for anywhere in the line, and the one that starts first wins.

use std::cell::Cell;

use crate::engine::Engine;
use crate::sentences::*;
use crate::template::{Hole, Holes, READ_BUDGET, Template};

/// A line read as one engine's sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reading {
    pub(crate) engine: Engine,
    /// The sentence that names the check: Chromium's reason, WebKit's check inside a redirection
    /// refusal, or the whole line.
    pub(crate) sentence: Template,
    /// The sentence around it, when there is one: Chromium's "Access to fetch at …" (with or without
    /// "redirected from"), WebKit's "Cross-origin redirection to …".
    pub(crate) frame: Option<Template>,
    /// Chromium's "Response to preflight request doesn't pass access control check: ".
    pub(crate) preflight_prefix: bool,
    /// Every hole's text, the frame's first.
    pub(crate) holes: Holes,
}

/// The sentences a whole line can be, per engine, in the order ties are broken.
const LINES: [(Engine, &[Template]); 3] = [
    (
        Engine::Chromium,
        &[
            CHROMIUM_ACCESS_REDIRECTED,
            CHROMIUM_ACCESS,
            CHROMIUM_OLD_XHR,
            CHROMIUM_SAME_ORIGIN_MODE,
            CHROMIUM_NO_CORS_REDIRECT,
            CHROMIUM_UNSUPPORTED_SCHEME,
            CHROMIUM_ERROR_STATUS,
            CHROMIUM_MIXED_CONTENT,
            CHROMIUM_NETWORK,
            CHROMIUM_JS_ERROR,
        ],
    ),
    (
        Engine::Firefox,
        &[
            FIREFOX_MISSING,
            FIREFOX_NOT_MATCHING,
            FIREFOX_MULTIPLE,
            FIREFOX_NOT_SUPPORTING_CREDENTIALS,
            FIREFOX_MISSING_CREDENTIALS,
            FIREFOX_PREFLIGHT_STATUS,
            FIREFOX_EXTERNAL_REDIRECT,
            FIREFOX_INVALID_METHOD,
            FIREFOX_INVALID_HEADER,
            FIREFOX_METHOD,
            FIREFOX_HEADER,
            FIREFOX_NOT_HTTP,
            FIREFOX_DID_NOT_SUCCEED,
            FIREFOX_DISABLED,
            FIREFOX_ORIGIN_NOT_ADDED,
            FIREFOX_SECURITY_ERROR,
            FIREFOX_MIXED_CONTENT,
            FIREFOX_JS_ERROR,
        ],
    ),
    (
        Engine::Webkit,
        &[
            WEBKIT_REDIRECTION,
            WEBKIT_NOT_ALLOWED,
            WEBKIT_MULTIPLE,
            WEBKIT_WILDCARD,
            WEBKIT_CREDENTIALS,
            WEBKIT_PREFLIGHT_STATUS,
            WEBKIT_METHOD,
            WEBKIT_HEADER,
            WEBKIT_INVALID_HEADERS,
            WEBKIT_INVALID_METHODS,
            WEBKIT_REDIRECT_MODE,
            WEBKIT_FTP,
            WEBKIT_TOO_MANY_REDIRECTS,
            WEBKIT_CANNOT_LOAD,
            WEBKIT_XHR_CANNOT_LOAD,
            WEBKIT_CANNOT_LOAD_PLAIN,
            WEBKIT_NO_CORS_FOLLOW,
            WEBKIT_NOT_ALLOWED_TO_REQUEST,
            WEBKIT_ONLY_HTTP,
            WEBKIT_CONNECTION_TERMINATED,
            WEBKIT_MIXED_CONTENT,
            WEBKIT_MIXED_CONTENT_CUT,
            WEBKIT_JS_ERROR,
        ],
    ),
];

/// Every template the reader knows, for the table tests.
pub(crate) fn every_template() -> Vec<Template> {
    let mut all: Vec<Template> = LINES.iter().flat_map(|(_, lines)| lines.iter().copied()).collect();
    all.extend(CHROMIUM_REASONS);
    all.push(CHROMIUM_PREFLIGHT);
    all.extend(WEBKIT_CHECKS.iter().filter(|t| !all.contains(t)).copied().collect::<Vec<_>>());
    all
}

/// Reads `line`, or `None` when no sentence of any engine is in it.
pub(crate) fn read(line: &str) -> Option<Reading> {
    let budget = Cell::new(READ_BUDGET);
    let line = line.trim_end();
    let mut best: Option<(usize, Reading)> = None;
    for (engine, templates) in LINES {
        for &template in templates {
            let Some((start, holes)) = template.find(line, &budget) else { continue };
            if best.as_ref().is_some_and(|(at, _)| *at <= start) {
                continue;
            }
            if let Some(reading) = inside(engine, template, holes, &budget) {
                best = Some((start, reading));
            }
        }
    }
    // A Chromium reason pasted alone, without "Access to fetch at …".
    if best.is_none() {
        let (start, reading) = chromium_reason_anywhere(line, &budget)?;
        best = Some((start, reading));
    }
    best.map(|(_, reading)| reading)
}

/// The reading of a line whose outer sentence is `template`: for a sentence with a sentence inside
/// (Chromium's reason, WebKit's refused redirection), the inner one too.
fn inside(engine: Engine, template: Template, mut holes: Holes, budget: &Cell<usize>) -> Option<Reading> {
    let whole =
        |holes| Some(Reading { engine, sentence: template, frame: None, preflight_prefix: false, holes });
    match template {
        CHROMIUM_ACCESS | CHROMIUM_ACCESS_REDIRECTED | CHROMIUM_OLD_XHR => {
            let reason = holes.get(Hole::Reason)?.to_string();
            let (sentence, preflight_prefix, inner) = chromium_reason(&reason, budget)?;
            holes.0.extend(inner.0);
            Some(Reading { engine, sentence, frame: Some(template), preflight_prefix, holes })
        }
        WEBKIT_REDIRECTION => {
            let check = holes.get(Hole::Check)?.to_string();
            let (sentence, inner) = WEBKIT_CHECKS.iter().find_map(|t| Some((*t, t.read(&check, budget)?)))?;
            holes.0.extend(inner.0);
            Some(Reading { engine, sentence, frame: Some(template), preflight_prefix: false, holes })
        }
        _ => whole(holes),
    }
}

/// Chromium's reason: without the preflight prefix and the suffixes some callers and older versions add,
/// read with the reason templates.
fn chromium_reason(reason: &str, budget: &Cell<usize>) -> Option<(Template, bool, Holes)> {
    let (preflight, reason) = match reason.strip_prefix(CHROMIUM_PREFLIGHT.fill(&[]).as_str()) {
        Some(rest) => (true, rest),
        None => (false, reason),
    };
    let mut reason = reason.trim_end();
    for suffix in std::iter::once(CHROMIUM_HAVE_THE_SERVER).chain(CHROMIUM_OTHER_SUFFIXES) {
        reason = reason.strip_suffix(suffix).unwrap_or(reason);
    }
    let mut extra = Holes::default();
    // Chrome up to about 70: "… Origin '{origin}' is therefore not allowed access." after the reason.
    let owned;
    if let Some(holes) = CHROMIUM_OLD_THEREFORE.read(reason, budget) {
        owned = holes.get(Hole::Reason).unwrap_or_default().to_string();
        extra.0.extend(holes.0.into_iter().filter(|(h, _)| *h == Hole::Origin));
        reason = owned.as_str();
    }
    let (template, mut holes) = CHROMIUM_REASONS
        .iter()
        .filter(|t| **t != CHROMIUM_OLD_THEREFORE)
        .find_map(|t| Some((*t, t.read(reason, budget)?)))?;
    holes.0.extend(extra.0);
    Some((template, preflight, holes))
}

/// A Chromium reason found alone in `line` (a learner may copy only the part after "CORS policy: ").
fn chromium_reason_anywhere(line: &str, budget: &Cell<usize>) -> Option<(usize, Reading)> {
    let mut best: Option<(usize, Reading)> = None;
    let prefix = CHROMIUM_PREFLIGHT.fill(&[]);
    for template in CHROMIUM_REASONS.iter().filter(|t| **t != CHROMIUM_OLD_THEREFORE) {
        let mut candidates = vec![line.to_string()];
        for suffix in std::iter::once(CHROMIUM_HAVE_THE_SERVER).chain(CHROMIUM_OTHER_SUFFIXES) {
            if let Some(cut) = line.strip_suffix(suffix) {
                candidates.push(cut.to_string());
            }
        }
        for text in candidates {
            let Some((start, holes)) = template.find(&text, budget) else { continue };
            if best.as_ref().is_some_and(|(at, _)| *at <= start) {
                continue;
            }
            let preflight_prefix = text[..start].ends_with(prefix.as_str());
            let reading = Reading {
                engine: Engine::Chromium,
                sentence: *template,
                frame: None,
                preflight_prefix,
                holes,
            };
            best = Some((start, reading));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chromium_line_is_read_down_to_its_reason() {
        let line = "Access to fetch at 'http://a/x' from origin 'http://p' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: The 'Access-Control-Allow-Origin' header has a value 'http://q' that is not equal to the supplied origin. Have the server send the header with a valid value.";
        let reading = read(line).expect("read");
        assert_eq!(reading.engine, Engine::Chromium);
        assert_eq!(reading.sentence, CHROMIUM_MISMATCH);
        assert!(reading.preflight_prefix);
        assert_eq!(reading.holes.get(Hole::Value), Some("http://q"));
        assert_eq!(reading.holes.get(Hole::Url), Some("http://a/x"));
    }

    #[test]
    fn older_chromium_wordings_are_read() {
        let line = "XMLHttpRequest cannot load http://a/x. No 'Access-Control-Allow-Origin' header is present on the requested resource. Origin 'http://p' is therefore not allowed access.";
        let reading = read(line).expect("read");
        assert_eq!(reading.sentence, CHROMIUM_MISSING);
        assert_eq!(reading.holes.get(Hole::Origin), Some("http://p"));
        let old = "Access to fetch at 'http://a/x' from origin 'http://p' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource. If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled.";
        assert_eq!(read(old).expect("read").sentence, CHROMIUM_MISSING);
    }

    #[test]
    fn a_webkit_line_with_its_place_is_read() {
        let line = "http://localhost:3000/static/sandbox-api.js:75:22: CONSOLE JS ERROR Fetch API cannot load http://a/x.";
        let reading = read(line).expect("read");
        assert_eq!((reading.engine, reading.sentence), (Engine::Webkit, WEBKIT_CANNOT_LOAD_PLAIN));
        assert_eq!(reading.holes.get(Hole::Url), Some("http://a/x"));
    }

    #[test]
    fn other_text_is_not_read() {
        assert!(read("hello").is_none());
        assert!(read("Access to fetch at").is_none());
    }
}
