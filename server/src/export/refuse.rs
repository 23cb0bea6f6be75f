//! The refusals several stacks share: what a library cannot write, each a sentence that says why and what
//! to export instead.

use super::Probe;
use crate::policy::{HeadersOn, Policy};

/// Refuses a policy whose `headers_on` keeps the CORS lines off one kind of answer, for a library that
/// writes them on every answer.
pub(super) fn on_every_answer(policy: &Policy, library: &str) -> Result<(), String> {
    match policy.headers_on {
        HeadersOn::Both => Ok(()),
        HeadersOn::Preflight | HeadersOn::Actual => Err(format!(
            "This policy sends the CORS headers on {} answers only, the bug of a server whose OPTIONS handler and other handlers disagree. {library} writes them on every answer it handles, so it cannot reproduce the bug; export the fixed policy (headers on both) instead.",
            if policy.headers_on == HeadersOn::Preflight { "preflight" } else { "actual" }
        )),
    }
}

/// Refuses a preflight status outside 2xx, for a library that always answers a preflight with success.
pub(super) fn preflight_succeeds(policy: &Policy, library: &str, answers: u16) -> Result<(), String> {
    if (200..300).contains(&policy.preflight_status) {
        return Ok(());
    }
    Err(format!(
        "This policy answers preflights with {}, the bug of a server whose OPTIONS route fails. {library} answers every preflight it accepts with {answers}, so it cannot reproduce the bug; export the fixed policy (preflight status 204) instead.",
        policy.preflight_status
    ))
}

/// Refuses a probe whose actual request is an `OPTIONS`, for a library that answers every `OPTIONS` as a
/// preflight.
pub(super) fn not_options(probe: &Probe, library: &str) -> Result<(), String> {
    if probe.method != "OPTIONS" {
        return Ok(());
    }
    Err(format!(
        "This request's own method is OPTIONS. {library} answers every OPTIONS request as a preflight, so its answer to this one would not be the endpoint's; export it for another method."
    ))
}

/// Refuses a method `server` rejects before any CORS code runs: `fetch()` sends `patch` as it was written
/// (it upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT), and `accepts` says whether `server` takes it.
pub(super) fn method_accepted(
    probe: &Probe,
    server: &str,
    answer: &str,
    accepts: fn(&str) -> bool,
) -> Result<(), String> {
    if accepts(&probe.method) {
        return Ok(());
    }
    Err(format!(
        "This request's method is {:?}, and {server} answers it {answer}. fetch() sends a method as it was written, but for DELETE, GET, HEAD, OPTIONS, POST and PUT, which it upper-cases: write {:?}.",
        probe.method,
        probe.method.to_ascii_uppercase()
    ))
}

/// Refuses an `Access-Control-Allow-Credentials` other than `true`, for a library that sends `true` or nothing.
pub(super) fn credentials_flag(policy: &Policy, library: &str) -> Result<bool, String> {
    match policy.allow_credentials.as_ref().map(|v| v.as_str()) {
        None => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(format!(
            "This policy sends Access-Control-Allow-Credentials: {other:?}. {library} sends `true` or no header at all, and the browser accepts only `true`, exactly: export `true` or no header."
        )),
    }
}

/// Refuses an empty value, for a library that sends no header whose value is empty.
pub(super) fn not_empty(policy: &Policy, library: &str) -> Result<(), String> {
    let fields =
        [("Access-Control-Allow-Origin", &policy.allow_origin), ("Access-Control-Max-Age", &policy.max_age)];
    for (name, value) in fields {
        if value.as_ref().is_some_and(|v| v.as_str().trim().is_empty())
            && !(name == "Access-Control-Allow-Origin" && policy.origin_matcher.is_some())
        {
            return Err(format!(
                "This policy sends {name} with an empty value. {library} sends no header with an empty value, so it cannot send this one; the browser reads an empty value as a failure either way."
            ));
        }
    }
    Ok(())
}
