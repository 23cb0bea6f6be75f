//! Judging the server's answer to the `OPTIONS` preflight (Fetch §4.8 "CORS-preflight fetch",
//! step 7), in the order Chromium's `preflight_controller.cc` runs the checks:
//!
//! 1. a redirect fails at once (`PreflightDisallowedRedirect`);
//! 2. the CORS check, with the *actual* request's credentials mode;
//! 3. the status must be ok (200–299) — so a 404 *without* ACAO reports the missing ACAO;
//! 4. `Access-Control-Allow-Methods` and `-Allow-Headers` must parse;
//! 5. the method must be allowed; 6. every unsafe header must be allowed.
//!
//! **Chromium over the spec.** The spec has no separate redirect check: a 3xx simply is not
//! an ok status, checked after the CORS check. Chromium rejects any redirect first, so a 301
//! preflight without ACAO says "Redirect is not allowed". And Chromium lets
//! `Access-Control-Allow-Headers: *` cover `Authorization` (`CorsNonWildcardRequestHeadersSupport`
//! is disabled by default), where the spec requires it to be listed. Firefox 153 and WebKitGTK 2.50
//! were measured doing as Chromium does (docs/cors-checks.md, "Where Chromium and Firefox deviate").

use crate::allow_list::{self, AllowList};
use crate::cors_check::cors_check;
use crate::failure::{Failure, FirefoxPreflightRedirect};
use crate::headers::get_combined;
use crate::method;
use crate::names::CheckId;
use crate::redirect;
use crate::request::{Credentials, Response};
use crate::url::{Origin, Url};
use crate::verdict::Trace;

/// What the preflight is judged against: the actual request.
pub(crate) struct PreflightInput<'a> {
    /// The actual request's normalised method.
    pub(crate) method: &'a str,
    /// The CORS-unsafe request-header names, lower-case, sorted, de-duplicated.
    pub(crate) unsafe_names: &'a [String],
    /// Whether the actual request carries `Authorization`.
    pub(crate) has_authorization: bool,
    /// The actual request's credentials mode (the preflight itself never carries credentials).
    pub(crate) credentials: Credentials,
    /// The request's origin.
    pub(crate) origin: &'a Origin,
    /// The URL the preflight went to.
    pub(crate) url: &'a Url,
}

/// A failed preflight: the failure, the check's name and its step.
pub(crate) type PreflightFailure = (Failure, CheckId, &'static str);

/// Runs every check on the preflight response; `Ok` carries the cache lifetime in seconds.
pub(crate) fn check(
    trace: &mut Trace,
    response: &Response,
    input: &PreflightInput<'_>,
) -> Result<u64, PreflightFailure> {
    let status = response.status;
    // Chromium: any redirect ends the preflight (spec: not an ok status, §4.8 step 7).
    const REDIRECT_STEP: &str = "Fetch §4.8 CORS-preflight fetch, step 7 (a redirect is not an ok status; Chromium \
         rejects it before the CORS check)";
    if redirect::location(response).is_some() {
        trace.fail(
            CheckId::PreflightRedirect,
            REDIRECT_STEP,
            format!(
                "The preflight was answered with a {status} redirect. Browsers never follow \
                 redirects for a preflight: answer OPTIONS at this URL directly."
            ),
        );
        // Firefox looks at the redirect's CORS headers first and, if they fail, says that instead; a
        // redirect to another origin is checked again for the origin `null` (measured, row 14).
        let firefox = match cors_check(response, input.origin, input.credentials).result {
            Err(error) => FirefoxPreflightRedirect::AccessFirst(error),
            Ok(()) => {
                let elsewhere = redirect::location(response)
                    .and_then(|location| input.url.resolve(location))
                    .is_some_and(|target| !target.origin().same_origin(&input.url.origin()));
                match elsewhere.then(|| cors_check(response, &Origin::Opaque, input.credentials).result.err())
                {
                    Some(Some(error)) => FirefoxPreflightRedirect::ExternalThenAccess(error),
                    _ => FirefoxPreflightRedirect::External,
                }
            }
        };
        return Err((
            Failure::PreflightDisallowedRedirect { status, firefox },
            CheckId::PreflightRedirect,
            REDIRECT_STEP,
        ));
    }
    trace.pass(
        CheckId::PreflightRedirect,
        REDIRECT_STEP,
        format!("The preflight response ({status}) is not a redirect."),
    );

    // §4.8 step 7: "a CORS check for request and response returns success" — with the
    // actual request's credentials mode, although the OPTIONS itself carried no cookie.
    let cors = cors_check(response, input.origin, input.credentials);
    let explanation = format!("Preflight: {}", cors.explanation);
    if let Err(error) = cors.result {
        trace.fail(CheckId::PreflightCorsCheck, cors.step, explanation);
        let failure =
            Failure::Access { error, preflight: true, status, on_redirect: false, redirect_to: None };
        return Err((failure, CheckId::PreflightCorsCheck, cors.step));
    }
    trace.pass(CheckId::PreflightCorsCheck, cors.step, explanation);

    // §4.8 step 7: "… and response's status is an ok status" (200–299).
    const STATUS_STEP: &str = "Fetch §4.8 CORS-preflight fetch, step 7 (ok status)";
    if !(200..=299).contains(&status) {
        trace.fail(
            CheckId::PreflightOkStatus,
            STATUS_STEP,
            format!(
                "The preflight's status is {status}; it must be 200–299. A common cause is \
                 authentication or routing that answers OPTIONS before the CORS layer does."
            ),
        );
        return Err((Failure::PreflightInvalidStatus { status }, CheckId::PreflightOkStatus, STATUS_STEP));
    }
    trace.pass(
        CheckId::PreflightOkStatus,
        STATUS_STEP,
        format!("The preflight's status {status} is an ok status."),
    );

    let (methods, headers) = parse_lists(trace, response)?;
    check_method(trace, &methods, input)?;
    check_headers(trace, &headers, input)?;

    // §4.8 step 7.8: the max-age decides how long the result may be reused.
    let seconds = allow_list::max_age(get_combined(&response.headers, "Access-Control-Max-Age").as_deref());
    Ok(seconds)
}

/// §4.8 steps 7.1–7.3: parse both lists; a parse failure is a network error.
fn parse_lists(trace: &mut Trace, response: &Response) -> Result<(AllowList, AllowList), PreflightFailure> {
    const STEP: &str = "Fetch §4.8 CORS-preflight fetch, steps 7.1–7.3 (#token lists)";
    let acam = get_combined(&response.headers, "Access-Control-Allow-Methods");
    let methods = allow_list::parse(acam.as_deref(), false).map_err(|token| {
        trace.fail(
            CheckId::PreflightAllowMethodsParse,
            STEP,
            format!(
                "Access-Control-Allow-Methods '{}' does not parse: '{token}' is not a method \
                 name. Separate methods with commas.",
                acam.as_deref().unwrap_or_default()
            ),
        );
        let value = acam.clone().unwrap_or_default();
        (Failure::InvalidAllowMethods { token, value }, CheckId::PreflightAllowMethodsParse, STEP)
    })?;
    let acah = get_combined(&response.headers, "Access-Control-Allow-Headers");
    let headers = allow_list::parse(acah.as_deref(), true).map_err(|token| {
        trace.fail(
            CheckId::PreflightAllowHeadersParse,
            STEP,
            format!(
                "Access-Control-Allow-Headers '{}' does not parse: '{token}' is not a header \
                 name. Separate names with commas.",
                acah.as_deref().unwrap_or_default()
            ),
        );
        let value = acah.clone().unwrap_or_default();
        (Failure::InvalidAllowHeaders { token, value }, CheckId::PreflightAllowHeadersParse, STEP)
    })?;
    trace.pass(
        CheckId::PreflightAllowListsParse,
        STEP,
        "Access-Control-Allow-Methods and Access-Control-Allow-Headers parse as lists.".into(),
    );
    Ok((methods, headers))
}

/// §4.8 step 7.5: the method must be listed (case-sensitively) or be GET/HEAD/POST; `*`
/// counts only without credentials.
fn check_method(
    trace: &mut Trace,
    methods: &AllowList,
    input: &PreflightInput<'_>,
) -> Result<(), PreflightFailure> {
    const STEP: &str = "Fetch §4.8 CORS-preflight fetch, step 7.5 (method)";
    let method = input.method;
    let include = input.credentials == Credentials::Include;
    let explanation = if methods.contains(method) {
        format!("Access-Control-Allow-Methods lists {method}.")
    } else if method::is_cors_safelisted(method) {
        format!("{method} is CORS-safelisted, so it needs no Access-Control-Allow-Methods entry.")
    } else if !include && methods.contains("*") {
        format!("Access-Control-Allow-Methods is * and there are no credentials, so {method} is allowed.")
    } else {
        let hint = if methods.items.iter().any(|m| m.eq_ignore_ascii_case(method)) {
            " Methods are compared case-sensitively: list it exactly as the request sends it."
        } else if methods.contains("*") {
            " With credentials: 'include', * is taken literally as a method named \"*\"."
        } else {
            ""
        };
        trace.fail(
            CheckId::PreflightMethod,
            STEP,
            format!("Access-Control-Allow-Methods ({}) does not allow {method}.{hint}", describe(methods)),
        );
        let failure = Failure::MethodDisallowed { method: method.to_string() };
        return Err((failure, CheckId::PreflightMethod, STEP));
    };
    trace.pass(CheckId::PreflightMethod, STEP, explanation);
    Ok(())
}

/// §4.8 steps 7.6–7.7: every CORS-unsafe header name must be listed (case-insensitively);
/// `*` counts only without credentials.
fn check_headers(
    trace: &mut Trace,
    headers: &AllowList,
    input: &PreflightInput<'_>,
) -> Result<(), PreflightFailure> {
    const STEP: &str = "Fetch §4.8 CORS-preflight fetch, steps 7.6–7.7 (headers)";
    let include = input.credentials == Credentials::Include;
    if !include && headers.contains("*") {
        if input.has_authorization && !headers.contains("authorization") {
            // Chromium: `*` covers Authorization; spec step 7.6 would fail here.
            trace.pass(
                CheckId::PreflightHeaders,
                "Fetch §4.8 step 7.6 — Chromium deviation (CorsNonWildcardRequestHeadersSupport \
                 disabled)",
                "Access-Control-Allow-Headers is *. Chromium (like Firefox and WebKit) lets * \
                 cover Authorization; the Fetch Standard requires Authorization to be listed by name."
                    .into(),
            );
            trace.note(
                "Chromium allows Authorization under Access-Control-Allow-Headers: * (so do Firefox \
                 153 and WebKit), but the Fetch Standard requires it to be listed explicitly, and \
                 older browsers follow it: send 'Access-Control-Allow-Headers: *, Authorization' to \
                 work everywhere.",
            );
            return Ok(());
        }
        trace.pass(
            CheckId::PreflightHeaders,
            STEP,
            "Access-Control-Allow-Headers is * and there are no credentials, so every request \
             header is allowed."
                .into(),
        );
        return Ok(());
    }
    // The spec walks the sorted unsafe names; Chromium walks its header map, whose order
    // is not the page's. The model reports the first missing name in sorted order.
    for name in input.unsafe_names {
        if !headers.contains(name) {
            let hint = if headers.contains("*") {
                " With credentials: 'include', * is taken literally as a header named \"*\"."
            } else {
                ""
            };
            trace.fail(
                CheckId::PreflightHeaders,
                STEP,
                format!(
                    "The request carries {name}, which is not CORS-safelisted, and \
                     Access-Control-Allow-Headers ({}) does not list it.{hint}",
                    describe(headers)
                ),
            );
            let failure = Failure::HeaderDisallowed { name: name.clone() };
            return Err((failure, CheckId::PreflightHeaders, STEP));
        }
    }
    let explanation = if input.unsafe_names.is_empty() {
        "The request has no CORS-unsafe headers to allow.".to_string()
    } else {
        format!("Access-Control-Allow-Headers lists every unsafe header: {}.", input.unsafe_names.join(", "))
    };
    trace.pass(CheckId::PreflightHeaders, STEP, explanation);
    Ok(())
}

fn describe(list: &AllowList) -> String {
    if list.items.is_empty() {
        "missing or empty".to_string()
    } else {
        format!("'{}'", list.items.join(", "))
    }
}
