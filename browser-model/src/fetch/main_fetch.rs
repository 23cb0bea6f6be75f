//! The first decisions of a `fetch()`: what the Request constructor did, and main fetch's switch.

use crate::failure::Failure;
use crate::names::CheckId;
use crate::origin::Page;
use crate::request::{Mode, RedirectMode, Request};
use crate::request_init::Prepared;
use crate::verdict::{Blocked, Trace};

/// Main fetch's switch (Fetch §4.1 step 12, in Blink's `FetchManager::Loader::Start` order):
/// same-origin goes straight through; `same-origin` mode, `no-cors` with a non-follow
/// redirect mode and non-HTTP(S) URLs fail before anything is sent.
pub(super) fn main_fetch(
    trace: &mut Trace,
    page: &Page,
    request: &Request,
    prepared: &Prepared,
    same_origin: bool,
) -> Result<(), Blocked> {
    const MAIN_FETCH: &str = "Fetch §4.1 main fetch";
    let url_text = prepared.url.serialize();
    if same_origin {
        trace.pass(
            CheckId::SameOrigin,
            MAIN_FETCH,
            format!(
                "{url_text} has the page's scheme, host and port: a same-origin request, so no \
                 CORS check runs."
            ),
        );
        return Ok(());
    }
    let early = match (request.mode, request.redirect) {
        (Mode::SameOrigin, _) => Some((
            Failure::SameOriginMode,
            "mode: \"same-origin\" allows only the page's own origin, so fetch() fails before \
             sending anything.",
        )),
        (Mode::NoCors, RedirectMode::Manual | RedirectMode::Error) => {
            Some((Failure::NoCorsRedirectNotFollow, "mode: \"no-cors\" requires redirect: \"follow\"."))
        }
        _ if !prepared.url.is_http() => Some((
            Failure::UnsupportedScheme { scheme: prepared.url.scheme().to_string() },
            "fetch() only loads http: and https: URLs cross-origin.",
        )),
        _ => None,
    };
    if let Some((failure, why)) = early {
        trace.fail(CheckId::Mode, MAIN_FETCH, why.to_string());
        return Err(Blocked { failure, check: CheckId::Mode, step: MAIN_FETCH, url: url_text });
    }
    let path = if request.mode == Mode::NoCors {
        "mode \"no-cors\" gives an opaque response and skips every CORS check"
    } else {
        "the CORS protocol applies"
    };
    trace.pass(
        CheckId::SameOrigin,
        MAIN_FETCH,
        format!("{url_text} is cross-origin to {}: {path}.", page.origin_text()),
    );
    Ok(())
}

/// Records what the constructor did, including the headers it dropped without a word.
pub(super) fn record_construction(trace: &mut Trace, prepared: &Prepared) {
    let mut explanation = format!("fetch() builds a {} request.", prepared.method);
    for (name, why) in &prepared.dropped {
        explanation.push_str(&format!(" The header {name} is not sent: {why}."));
        // Without a word from the browser: say it where the learner reads.
        trace.note(format!("The header {name} was dropped without a word: {why}."));
    }
    trace.pass(CheckId::RequestConstructor, "Fetch §5.4 Request constructor", explanation);
}
