//! The recorded door: one `fetch()` judged from what a server recorded of it, by driving the stepper
//! (`fetch`) with the recorded answers instead of a network.
//!
//! The lab, the live log and the table tests know what came back — the preflight's answer, if any, and
//! the actual request's responses, redirects first — but not always everything the browser sent: a
//! missing `OPTIONS` before a recorded request means the browser's preflight cache answered it, and a
//! preflight after a redirect that was not recorded is assumed to have passed (and the verdict says so).

use crate::address_space::Permission;
use crate::engine::Engine;
use crate::fetch::{Answer, Fetch, Sending, Step};
use crate::local_network::PageState;
use crate::request::{Preflight, Request, Response};
use crate::verdict::Verdict;

/// Judges one `fetch()`: `page_origin` is the calling page's origin (or its URL, or `null`),
/// `request` what it passed to `fetch()`, `preflight` what the server recorded for the
/// `OPTIONS`, and `actual` the responses to the actual request — redirects first, the final
/// response last; empty when the browser never sent it or never got an answer.
///
/// ```
/// use browser_model::{judge, Preflight, Request, Response};
///
/// let request = Request::get("http://localhost:8000/api");
/// let response = Response::new("http://localhost:8000/api", 200);
/// let verdict = judge("http://localhost:3000", &request, Preflight::NotSent, &[response]);
/// assert!(!verdict.allowed);
/// assert_eq!(
///     verdict.chromium_message.as_deref(),
///     Some("Access to fetch at 'http://localhost:8000/api' from origin 'http://localhost:3000' \
///           has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present \
///           on the requested resource.")
/// );
/// ```
pub fn judge(page_origin: &str, request: &Request, preflight: Preflight<'_>, actual: &[Response]) -> Verdict {
    judge_as(Engine::Chromium, page_origin, request, preflight, actual)
}

/// [`judge`], walking as `engine` walks (which matters only for the requests after a redirect).
pub fn judge_as(
    engine: Engine,
    page_origin: &str,
    request: &Request,
    preflight: Preflight<'_>,
    actual: &[Response],
) -> Verdict {
    // What was recorded went out: Local Network Access did not refuse it (a refusal leaves no record).
    let state = PageState { permission: Permission::Granted, ..PageState::default() };
    judge_in(engine, page_origin, request, &state, preflight, actual)
}

/// [`judge_as`], in a page whose state is `state` — its address space and its Local Network Access
/// permission, as a page that asked to be public reports them. A request the browser refused before sending
/// left no record (`actual` empty, [`Preflight::NotSent`]): with the permission denied it is judged refused,
/// with each engine's lines.
///
/// ```
/// use browser_model::{judge_in, AddressSpace, Engine, PageState, Permission, Preflight, Request};
///
/// let state = PageState { address_space: Some(AddressSpace::Public), permission: Permission::Denied, ..PageState::default() };
/// let request = Request::get("http://localhost:8000/api");
/// let verdict = judge_in(Engine::Chromium, "http://localhost:3000", &request, &state, Preflight::NotSent, &[]);
/// assert!(verdict.chromium_message.expect("Chromium prints a line").ends_with("Permission was denied for this request to access the `loopback` address space."));
/// ```
pub fn judge_in(
    engine: Engine,
    page_origin: &str,
    request: &Request,
    state: &PageState,
    preflight: Preflight<'_>,
    actual: &[Response],
) -> Verdict {
    let mut fetch = Fetch::start_in(engine, page_origin, request, state);
    let mut responses = actual.iter();
    let mut preflight_used = false;
    let mut actual_sent = false;
    loop {
        let answer = match fetch.step() {
            Step::Done(_) => break,
            Step::Send(out) if out.sending == Sending::Preflight && out.hop == 0 => {
                preflight_used = true;
                match preflight {
                    Preflight::Sent(response) => Answer::Response(response),
                    Preflight::NotSent if actual.is_empty() => Answer::NotRecorded,
                    Preflight::NotSent => Answer::FromPreflightCache,
                }
            }
            Step::Send(out) if out.sending == Sending::Preflight => Answer::NotRecorded,
            Step::Send(_) => {
                actual_sent = true;
                responses.next().map_or(Answer::NotRecorded, Answer::Response)
            }
        };
        fetch.feed(answer);
    }
    let mut verdict = fetch.into_verdict().unwrap_or_default();
    if let Preflight::Sent(_) = preflight
        && !preflight_used
    {
        verdict.notes.push(
            "An OPTIONS was recorded, but this request needs no preflight: it did not come from this \
             fetch()."
                .into(),
        );
    }
    if preflight_used && !actual_sent && !actual.is_empty() {
        verdict.notes.push(
            "Responses to an actual request were given, but a browser never sends the actual request \
             after a failed preflight; they were ignored."
                .into(),
        );
    }
    verdict
}

/// One `fetch()` the browser answered from its HTTP cache: nothing reached the server. `stored` is the answer
/// the cache held — in a recording, the server's last answer to that URL before the request — judged as if it
/// had just arrived, which is what the engines do (docs/console-messages.md row 39): without `Vary: Origin`
/// another origin's `Access-Control-Allow-Origin`, and its usual line. `None` when the recording no longer
/// holds it: the verdict then says the prediction is unknown, never "a network error".
///
/// ```
/// use browser_model::{judge_from_http_cache, Engine, Request, Response};
///
/// let request = Request::get("http://localhost:8000/api/cacheable");
/// let stored = Response::new("http://localhost:8000/api/cacheable", 200)
///     .header("Access-Control-Allow-Origin", "http://localhost:4000");
/// let verdict = judge_from_http_cache(Engine::Chromium, "http://localhost:3000", &request, Some(&stored));
/// assert!(verdict.chromium_message.expect("Chromium prints a line").contains("has a value 'http://localhost:4000'"));
/// let unknown = judge_from_http_cache(Engine::Chromium, "http://localhost:3000", &request, None);
/// assert!(!unknown.allowed && unknown.chromium_message.is_none());
/// ```
pub fn judge_from_http_cache(
    engine: Engine,
    page_origin: &str,
    request: &Request,
    stored: Option<&Response>,
) -> Verdict {
    let state = PageState { permission: Permission::Granted, ..PageState::default() };
    let mut fetch = Fetch::start_in(engine, page_origin, request, &state);
    let mut first = true;
    loop {
        let answer = match fetch.step() {
            Step::Done(_) => break,
            // A preflight before a cached answer was answered from the preflight cache.
            Step::Send(out) if out.sending == Sending::Preflight => Answer::FromPreflightCache,
            // The stored answer for the URL fetch() was given; a hop it redirects to is not known.
            Step::Send(_) if first => {
                first = false;
                Answer::FromHttpCache(stored)
            }
            Step::Send(_) => Answer::FromHttpCache(None),
        };
        fetch.feed(answer);
    }
    fetch.into_verdict().unwrap_or_default()
}
