//! The control API under `/sandbox/`: JSON in, JSON out, used by the page and by teachers' scripts.
//!
//! | request | answer |
//! |---|---|
//! | `GET /sandbox/policy` | the policy object |
//! | `PUT /sandbox/policy` | replaces the whole policy (fields left out take their defaults) |
//! | `PATCH /sandbox/policy` | changes only the fields given |
//! | `GET /sandbox/log[?after=N]` | the most recent exchanges, oldest first, each with the browser's verdict |
//! | `GET /sandbox/progress` | the tutorial's steps and which are done |
//! | `POST /sandbox/progress/console` | `{"text": …}`: checks a console line pasted by the learner |
//! | `DELETE /sandbox/progress` | starts the tutorial over, with the article's policy |
//! | `GET /sandbox/lessons` | the lab's lessons and which parts the sandbox has seen |
//! | `DELETE /sandbox/lessons` | starts the lessons over |
//! | `GET /sandbox/presets` | named policies, with the page's origin filled in |
//! | `GET /sandbox/export[?origin=…&method=…&header=Name:%20value&credentials=include&path=…]` | the policy as tower-http, express, nginx and Starlette configuration, what each sends that request and how it differs from the sandbox, and the `curl` and `cors-sandbox check` commands (`server::export`) |
//! | `POST /sandbox/attempts` | the lab's report of one request; answers its three views and the verdict |
//! | `POST /sandbox/har` | a DevTools HAR judged request by request (`crate::har::route`) |
//! | `POST /sandbox/explain` | `{"text": …}`: a console line explained, with a lab link that sets it up (`pasted_line`); 422 when it is no line the model knows |
//!
//! Every refusal is a 4xx with `{"error": "<a sentence saying what was wrong and what to do>"}`, and
//! leaves the policy as it was.

use std::convert::Infallible;

use axum::body::to_bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use server::{Policy, PolicyError};

use crate::error::error;
use crate::events::SiteEvent;
use crate::explain;
use crate::judgement::Judgement;
use crate::lab::{self, Attempt};
use crate::site::Site;

/// The largest request body the control API reads.
pub const MAX_BODY: usize = 16 * 1024;

/// The control API's routes.
pub fn routes() -> Router<Site> {
    Router::new()
        .route("/sandbox/policy", get(get_policy).put(put_policy).patch(patch_policy))
        .route("/sandbox/log", get(get_log))
        .route("/sandbox/progress", get(get_progress).delete(reset_progress))
        .route("/sandbox/progress/console", post(check_console))
        .route("/sandbox/attempts", post(report_attempt))
        .route("/sandbox/presets", get(get_presets))
        .route("/sandbox/export", get(crate::export::get_export))
        .route("/sandbox/lessons", get(get_lessons).delete(reset_lessons))
        .route("/sandbox/explain", post(explain_line))
}

/// The lab's "Explain a console line" box: the line explained, with the lab link on this site's origin.
async fn explain_line(State(site): State<Site>, headers: HeaderMap, request: Request) -> Response {
    let body = match read_json(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let Some(text) = body.get("text").and_then(Value::as_str) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Send {\"text\": \"…\"} with the console line you copied.",
        );
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let lab = crate::pasted_line::Lab { page_origin: site.config.origin_for(host) };
    match crate::pasted_line::explain(text, &lab) {
        Ok(explained) => Json(explained).into_response(),
        Err(refusal) => (StatusCode::UNPROCESSABLE_ENTITY, Json(refusal)).into_response(),
    }
}

async fn get_policy(State(site): State<Site>) -> Json<Policy> {
    Json(site.api.policy.snapshot().policy.clone())
}

async fn put_policy(State(site): State<Site>, request: Request) -> Response {
    change_policy(site, request, |_current, body| Policy::from_json(body)).await
}

async fn patch_policy(State(site): State<Site>, request: Request) -> Response {
    change_policy(site, request, |current, body| current.patched(body)).await
}

async fn change_policy(
    site: Site,
    request: Request,
    change: impl FnOnce(&Policy, &Value) -> Result<Policy, PolicyError>,
) -> Response {
    let body = match read_json(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    match site.api.policy.update(|current| change(current, &body)) {
        Ok(snapshot) => {
            site.announce_policy(&snapshot);
            Json(snapshot.policy.clone()).into_response()
        }
        Err(why) => error(StatusCode::UNPROCESSABLE_ENTITY, why.0),
    }
}

/// Reads a JSON body: `Content-Type: application/json`, at most [`MAX_BODY`] bytes, well-formed.
async fn read_json(request: Request) -> Result<Value, Response> {
    if !is_json(request.headers()) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the policy as JSON, with the header Content-Type: application/json.",
        ));
    }
    let too_large = || {
        // The rest of the body is never read, so the connection cannot carry another request: say so,
        // and the client opens a new one (without it, its next request on this connection fails).
        closing(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is over {} KiB; a policy is a small JSON object.", MAX_BODY / 1024),
        ))
    };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(too_large());
    }
    let bytes = match to_bytes(request.into_body(), MAX_BODY).await.map_err(axum::Error::into_inner) {
        Ok(bytes) => bytes,
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        // The client stopped sending before the end of its body (fewer bytes than its Content-Length).
        Err(_) => {
            return Err(closing(error(
                StatusCode::BAD_REQUEST,
                "The request body ended before its Content-Length said it would; send the whole body.",
            )));
        }
    };
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            format!("The body is not valid JSON ({e}); send an object such as {{\"allow_origin\": \"*\"}}."),
        )
    })?;
    // serde_json keeps the last of two equal keys; a policy saying both `*` and a site is no policy.
    if value.is_object()
        && let Err(e) = serde_json::from_slice::<UniqueKeys>(&bytes)
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("The body is not a policy: {e}; give each field once."),
        ));
    }
    Ok(value)
}

/// `response` with `Connection: close`: the server closes the connection after it.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    response
}

/// A JSON object whose keys are all different (only the top level is checked).
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<UniqueKeys, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = UniqueKeys;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
                let mut seen = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!("the field `{key}` is given twice")));
                    }
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(UniqueKeys)
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

#[derive(Deserialize)]
struct LogQuery {
    /// Only exchanges with a larger `seq`.
    after: Option<u64>,
}

/// The most one answer of `GET /sandbox/log` holds, in bytes of JSON (1 MiB): past it the answer stops,
/// oldest first, and the caller asks again with `after=` the last `seq` it got. Every record is capped
/// already; this bounds what 200 of them can add up to, and what parallel reads hold at once.
pub const MAX_LOG_ANSWER: usize = 1024 * 1024;

async fn get_log(
    State(site): State<Site>,
    query: Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(LogQuery { after })) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "`after` must be a whole number: the `seq` of the last exchange you have, e.g. /sandbox/log?after=12.",
        );
    };
    let after = after.unwrap_or(0);
    let recent = site.api.log.recent();
    // Built as text, one record at a time, so the cap holds without first building the whole answer.
    let mut answer = String::from("[");
    for exchange in recent.iter().filter(|exchange| exchange.seq > after) {
        let view = explain::view(exchange, &site.verdicts.of(exchange, &site.api.log)).to_string();
        if answer.len() > 1 && answer.len() + view.len() + 2 > MAX_LOG_ANSWER {
            break;
        }
        if answer.len() > 1 {
            answer.push(',');
        }
        answer.push_str(&view);
    }
    answer.push(']');
    ([(header::CONTENT_TYPE, "application/json")], answer).into_response()
}

async fn get_progress(State(site): State<Site>) -> Json<Value> {
    Json(site.progress().to_json())
}

/// Starts the tutorial over, and from the article's policy: the tutorial's steps assume it, and a policy
/// the lab left behind (CORS headers on the preflight only, say) would make them say the opposite of what
/// the browser does.
async fn reset_progress(State(site): State<Site>) -> Json<Value> {
    let snapshot = site.api.policy.update(|_| Ok::<_, Infallible>(Policy::default()));
    let Ok(snapshot) = snapshot;
    site.announce_policy(&snapshot);
    let progress = {
        let mut progress = site.progress();
        *progress = Default::default();
        progress.to_json()
    };
    site.events.send(SiteEvent::progress(&progress));
    Json(progress)
}

/// Step 2 of the tutorial: the learner pastes the console line; it ticks if it is the line Chromium,
/// Firefox or WebKit printed (as the model predicts it) for one of the recent blocked requests.
async fn check_console(State(site): State<Site>, request: Request) -> Response {
    let body = match read_json(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let Some(text) = body.get("text").and_then(Value::as_str) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Send {\"text\": \"…\"} with the console line you copied from DevTools.",
        );
    };
    let recent = site.api.log.recent();
    let matched = recent.iter().rev().find_map(|exchange| {
        let judgement = site.verdicts.of(exchange, &site.api.log);
        let (engine, message) =
            judgement.engine_messages().into_iter().find(|(_, message)| is_console_line(text, message))?;
        Some((engine, message.to_owned()))
    });
    match matched {
        Some((engine, message)) => {
            let progress = {
                let mut progress = site.progress();
                progress.console_read();
                progress.to_json()
            };
            site.events.send(SiteEvent::progress(&progress));
            Json(json!({ "matched": true, "engine": engine, "message": message, "progress": progress }))
                .into_response()
        }
        // What JavaScript got, not the console's line: each engine's words, and where the reason is.
        None if JS_ERRORS.iter().any(|(error, _)| text.contains(error)) => {
            let (error, engine) = JS_ERRORS.iter().find(|(error, _)| text.contains(error)).copied().unwrap_or_default();
            Json(json!({
                "matched": false,
                "hint": format!("{error} is what JavaScript gets in {engine} for every CORS failure, and all it gets: it never says why. The reason is in the console (F12, Console tab): copy the line above it — in Chromium \"Access to fetch at …\", in Firefox \"Cross-Origin Request Blocked: …\", in Safari or another WebKit browser \"Origin … is not allowed by Access-Control-Allow-Origin …\" — and paste that here.")
            }))
            .into_response()
        }
        None => Json(json!({
            "matched": false,
            "hint": "That is not a line Chromium, Firefox or WebKit printed for a recent blocked request. In DevTools (F12), Console tab, copy the red line — in Chromium it starts with \"Access to fetch at\" — then paste it here."
        }))
        .into_response(),
    }
}

/// What JavaScript gets for a CORS failure in each engine, and the engine: "Load failed" is WebKit's.
const JS_ERRORS: [(&str, &str); 3] = [
    ("Failed to fetch", "Chromium"),
    ("NetworkError when attempting to fetch resource", "Firefox"),
    ("Load failed", "Safari and every WebKit browser"),
];

/// The shortest part of a console line that counts as the line when pasted alone: long enough to hold
/// "Access to fetch at '…' from origin '…'", so that no short phrase ("blocked by CORS") matches.
const MIN_PASTED_LEN: usize = 60;

/// Whether `pasted` is the console line `message`, as a learner copies it from DevTools.
///
/// DevTools may put the page's file name and line before the message (`localhost/:1 Access to fetch…`),
/// so the pasted text may hold more than the message; a learner selecting by hand may drop the final
/// "Have the server…" sentence, or more. So it matches when it contains the message up to that
/// sentence, or when it is a part of the message at least [`MIN_PASTED_LEN`] characters long.
pub fn is_console_line(pasted: &str, message: &str) -> bool {
    let pasted = pasted.trim();
    let core = message.split(" Have the server").next().unwrap_or(message);
    pasted.contains(core) || (pasted.chars().count() >= MIN_PASTED_LEN && message.contains(pasted))
}

/// The lab reports one request: what it sent and what JavaScript got. The answer joins that with the
/// API's records and the browser model's verdict (`sandbox.send()` resolves to it).
async fn report_attempt(State(site): State<Site>, headers: HeaderMap, request: Request) -> Response {
    let body = match read_json(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let attempt: Attempt = match serde_json::from_value(body) {
        Ok(attempt) => attempt,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The attempt report is not in the lab's format ({e})."),
            );
        }
    };
    if let Err(why) = attempt.validate() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, why);
    }
    // The guard has checked `Host`; the page's origin is this site under the name it was opened with.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let page_origin = site.config.origin_for(host);
    let joined = lab::join(&page_origin, &attempt, &site.api.log.recent());
    // From now on the log shows this request with the verdict its report proved.
    for exchange in joined.exchanges.iter().filter(|x| !x.preflight) {
        site.verdicts.replace(exchange.seq, Judgement::Known(Box::new(joined.verdict.clone())));
    }
    let progress = {
        let own_origins = site.own_origins();
        let mut progress = site.progress();
        let mut changed = false;
        for exchange in joined.exchanges.iter().filter(|x| !x.preflight) {
            changed |= progress.observe(exchange, Some(&joined.verdict), &own_origins);
        }
        changed.then(|| progress.to_json())
    };
    if let Some(progress) = progress {
        site.events.send(SiteEvent::progress(&progress));
    }
    let view = lab::view(&attempt, &joined);
    site.events.send(SiteEvent::verdict(&view));
    let lessons = {
        let mut lessons = site.lessons();
        lessons.observe(&attempt, &joined).then(|| lessons.to_json())
    };
    if let Some(lessons) = lessons {
        site.events.send(SiteEvent::lessons(&lessons));
    }
    Json(view).into_response()
}

async fn get_presets(headers: HeaderMap, State(site): State<Site>) -> Json<Value> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    Json(crate::presets::list(&site.config.origin_for(host)))
}

async fn get_lessons(State(site): State<Site>) -> Json<Value> {
    Json(site.lessons().to_json())
}

async fn reset_lessons(State(site): State<Site>) -> Json<Value> {
    let lessons = {
        let mut lessons = site.lessons();
        *lessons = Default::default();
        lessons.to_json()
    };
    site.events.send(SiteEvent::lessons(&lessons));
    Json(lessons)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chromium 156's line for the article's request, written out by hand.
    const LINE: &str = "Access to fetch at 'http://localhost:8000/api' from origin 'http://localhost:3000' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://yoursite.com' that is not equal to the supplied origin. Have the server send the header with a valid value.";

    #[test]
    fn the_whole_line_matches_with_or_without_devtools_prefix() {
        assert!(is_console_line(LINE, LINE));
        assert!(is_console_line(&format!("localhost/:1 {LINE}"), LINE));
        assert!(is_console_line(&format!("  {LINE}\n"), LINE));
    }

    #[test]
    fn the_line_without_its_last_sentence_matches() {
        let core = LINE.split(" Have the server").next().unwrap();
        assert!(is_console_line(core, LINE));
        // With DevTools' prefix too: then it is neither the whole line nor a part of it.
        assert!(is_console_line(&format!("localhost/:1 {core}"), LINE));
    }

    #[test]
    fn a_part_of_the_line_matches_from_sixty_characters() {
        let part: String = LINE.chars().take(MIN_PASTED_LEN).collect();
        assert!(is_console_line(&part, LINE), "{} characters", part.chars().count());
        let shorter: String = LINE.chars().take(MIN_PASTED_LEN - 1).collect();
        assert!(!is_console_line(&shorter, LINE), "{} characters", shorter.chars().count());
        // From the middle of the line too, and white space around it does not count towards the length.
        let middle: String = LINE.chars().skip(41).take(MIN_PASTED_LEN).collect(); // no space at either end
        assert!(is_console_line(&middle, LINE));
        let padded = format!("   {shorter}   ");
        assert!(!is_console_line(&padded, LINE));
    }

    #[test]
    fn other_text_does_not_match() {
        assert!(!is_console_line("", LINE));
        assert!(!is_console_line("blocked by CORS policy", LINE));
        let other_origin = LINE.replace("http://localhost:3000", "http://127.0.0.1:3000");
        assert!(!is_console_line(&other_origin, LINE));
        // Sixty characters that are not in the line.
        assert!(!is_console_line(&"x".repeat(MIN_PASTED_LEN), LINE));
    }
}
