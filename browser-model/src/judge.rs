//! The entry point: one `fetch()`, start to finish, as Chromium runs it.
//!
//! 1. Build the request (`request_init`): bad methods throw, forbidden headers vanish.
//! 2. Main fetch (Fetch §4.1) picks a path: same-origin (no CORS at all), `same-origin` mode
//!    to another origin (error), `no-cors` (opaque), an unsupported scheme (error), or CORS.
//! 3. CORS path: preflight if needed (`preflight`, `preflight_response`), then the actual
//!    request's responses (`chain`), each passing the CORS check.

use crate::chain::Chain;
use crate::failure::Failure;
use crate::messages::MessageContext;
use crate::names::CheckId;
use crate::origin::Page;
use crate::preflight::{self, PreflightReason};
use crate::preflight_response::{self, PreflightInput};
use crate::request::{Mode, Preflight, RedirectMode, Request, Response};
use crate::request_init::{self, Prepared};
use crate::verdict::{self, Blocked, PreflightSummary, Trace, Verdict};

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
    let page = Page::parse(page_origin);
    let mut trace = Trace::default();

    // Step 1: the Request constructor.
    let prepared = match request_init::prepare(request) {
        Ok(prepared) => prepared,
        Err(error) => {
            return verdict::type_error(
                trace,
                CheckId::RequestConstructor,
                error.step,
                error.js_error,
                error.explanation,
                request.url.clone(),
            );
        }
    };
    record_construction(&mut trace, &prepared);
    let url_text = prepared.url.serialize();
    let origin_text = page.origin_text();
    let cx = MessageContext {
        initial_url: &url_text,
        failing_url: &url_text,
        origin: &origin_text,
        page_url: &page.url,
    };
    let same_origin = page.origin.same_origin(&prepared.url.origin());
    let mut summary = PreflightSummary::default();

    // Step 2: main fetch's switch (Blink `FetchManager::Loader::Start` order).
    if let Err(blocked) = main_fetch(&mut trace, &page, request, &prepared, same_origin) {
        return verdict::blocked(trace, summary, None, blocked, &cx);
    }
    let cors_flag = !same_origin && request.mode == Mode::Cors;

    // The `Origin` header Chromium puts on the first actual request (CorsURLLoader::StartRequest).
    let origin_header =
        (cors_flag || (prepared.method != "GET" && prepared.method != "HEAD")).then(|| page.origin_text());

    // Step 3: the preflight.
    if cors_flag {
        let fetch = Fetch { page: &page, request, prepared: &prepared };
        if let Err(blocked) = run_preflight(&mut trace, &mut summary, &fetch, preflight, actual) {
            if !actual.is_empty() {
                trace.note(
                    "Responses to an actual request were given, but a browser never sends the \
                     actual request after a failed preflight; they were ignored.",
                );
            }
            return verdict::blocked(trace, summary, origin_header, blocked, &cx);
        }
    } else if let Preflight::Sent(_) = preflight {
        trace.note(
            "An OPTIONS was recorded, but this request needs no preflight: it did not come \
             from this fetch().",
        );
    }

    // Step 4: the actual request and its redirects.
    let chain = Chain {
        page: &page,
        credentials: request.credentials,
        mode: request.mode,
        redirect_mode: request.redirect,
        current: prepared.url.clone(),
        method: prepared.method.clone(),
        headers: prepared.headers.clone(),
        cors_flag,
        tainted: false,
        opaque: !same_origin && request.mode == Mode::NoCors,
    };
    match chain.walk(&mut trace, actual) {
        Ok(delivered) => verdict::allowed(trace, summary, origin_header, delivered),
        Err(blocked) => {
            let failing_url = blocked.url.clone();
            let cx = MessageContext { failing_url: &failing_url, ..cx };
            verdict::blocked(trace, summary, origin_header, blocked, &cx)
        }
    }
}

/// Main fetch's switch (Fetch §4.1 step 12, in Blink's `FetchManager::Loader::Start` order):
/// same-origin goes straight through; `same-origin` mode, `no-cors` with a non-follow
/// redirect mode and non-HTTP(S) URLs fail before anything is sent.
fn main_fetch(
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
            Failure::UnsupportedScheme { scheme: prepared.url.scheme.clone() },
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
fn record_construction(trace: &mut Trace, prepared: &Prepared) {
    let mut explanation = format!("fetch() builds a {} request.", prepared.method);
    for (name, why) in &prepared.dropped {
        explanation.push_str(&format!(" The header {name} is not sent: {why}."));
        // Without a word from the browser: say it where the learner reads.
        trace.note(format!("The header {name} was dropped without a word: {why}."));
    }
    trace.pass(CheckId::RequestConstructor, "Fetch §5.4 Request constructor", explanation);
}

/// What the preflight stage needs to know of the `fetch()`: the page, the request as given, and the
/// request as the constructor prepared it.
struct Fetch<'a> {
    page: &'a Page,
    request: &'a Request,
    prepared: &'a Prepared,
}

/// The preflight stage: is one needed, was it answered (or served from the preflight cache), and does
/// the answer pass (§4.8). Fills `summary`.
fn run_preflight(
    trace: &mut Trace,
    summary: &mut PreflightSummary,
    fetch: &Fetch<'_>,
    preflight: Preflight<'_>,
    actual: &[Response],
) -> Result<(), Blocked> {
    let Some(reason) = preflight_reason(trace, fetch.prepared, preflight) else {
        return Ok(());
    };
    summary.sent = true;
    summary.reason = Some(reason.explain());
    let url_text = fetch.prepared.url.serialize();
    let Some(response) = recorded_preflight(trace, preflight, actual, &url_text)? else {
        return Ok(()); // served from the preflight cache
    };
    let unsafe_names = reason.unsafe_header_names();
    let input = PreflightInput {
        method: &fetch.prepared.method,
        unsafe_names: &unsafe_names,
        has_authorization: fetch.prepared.headers.iter().any(|(n, _)| n == "authorization"),
        credentials: fetch.request.credentials,
        origin: &fetch.page.origin,
    };
    match preflight_response::check(trace, response, &input) {
        Ok(seconds) => {
            summary.cache_seconds = Some(seconds);
            Ok(())
        }
        Err((failure, check, step)) => Err(Blocked { failure, check, step, url: url_text }),
    }
}

/// §4.1 step 12: why the request needs a preflight, or `None` (recorded either way).
fn preflight_reason(
    trace: &mut Trace,
    prepared: &Prepared,
    preflight: Preflight<'_>,
) -> Option<PreflightReason> {
    const STEP: &str = "Fetch §4.1 main fetch, step 12; §4.3 HTTP fetch";
    let Some(reason) = preflight::reason_for(&prepared.method, &prepared.headers) else {
        trace.pass(
            CheckId::PreflightNeeded,
            STEP,
            format!(
                "No preflight: {} is CORS-safelisted and every header is CORS-safelisted.",
                prepared.method
            ),
        );
        if let Preflight::Sent(_) = preflight {
            trace.note(
                "An OPTIONS was recorded, but this request needs no preflight: it did not \
                 come from this fetch().",
            );
        }
        return None;
    };
    let acrh = reason
        .access_control_request_headers()
        .map(|h| format!(" and Access-Control-Request-Headers: {h}"))
        .unwrap_or_default();
    trace.pass(
        CheckId::PreflightNeeded,
        STEP,
        format!(
            "A preflight is needed because {}. The browser first sends OPTIONS {} with \
             Access-Control-Request-Method: {}{acrh}, without cookies.",
            reason.explain(),
            prepared.url.serialize(),
            prepared.method
        ),
    );
    Some(reason)
}

/// The preflight's answer as recorded: `Some` when the API answered one, `None` when the actual request
/// came without one (the browser's preflight cache allowed it), and a network error when neither
/// reached the API.
fn recorded_preflight<'r>(
    trace: &mut Trace,
    preflight: Preflight<'r>,
    actual: &[Response],
    url_text: &str,
) -> Result<Option<&'r Response>, Blocked> {
    match preflight {
        Preflight::Sent(response) => Ok(Some(response)),
        Preflight::NotSent if actual.is_empty() => {
            const STEP: &str = "Fetch §4.8 CORS-preflight fetch (network error)";
            trace.fail(
                CheckId::PreflightResponse,
                STEP,
                "No response to the preflight was recorded: to the browser that is a network \
                 error, and the actual request is never sent."
                    .into(),
            );
            Err(Blocked {
                failure: Failure::Network { net_error: None, preflight: true },
                check: CheckId::PreflightResponse,
                step: STEP,
                url: url_text.to_owned(),
            })
        }
        Preflight::NotSent => {
            trace.pass(
                CheckId::PreflightCache,
                "Fetch §4.3 HTTP fetch (CORS-preflight cache match)",
                "No OPTIONS was recorded but the actual request was: the browser must have \
                 reused a cached preflight result, so the model assumes it allowed the request."
                    .into(),
            );
            trace.note(
                "Assumed: a cached preflight result allowed this request (no OPTIONS was \
                 recorded). Use cache: \"no-store\" or Access-Control-Max-Age: 0 to see every \
                 preflight.",
            );
            Ok(None)
        }
    }
}
