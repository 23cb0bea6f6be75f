//! An answer from the browser's HTTP cache (docs/console-messages.md row 39): nothing reaches the server, and
//! the stored answer is judged as if it had just arrived — in every engine's words — or, when nobody knows
//! it, the verdict says the prediction is unknown and never calls it a network error.

use browser_model::{Engine, Request, Response, judge_from_http_cache};

const URL: &str = "http://localhost:8000/api/cacheable";
const PAGE_B: &str = "http://localhost:3000";

fn stored(acao: Option<&str>) -> Response {
    let response = Response::new(URL, 200).header("Cache-Control", "public, max-age=60");
    match acao {
        Some(value) => response.header("Access-Control-Allow-Origin", value),
        None => response,
    }
}

/// (what the cache stored, allowed, Chromium's reason, Firefox's reason and status, WebKit's first line)
type Row = (Option<&'static str>, bool, Option<&'static str>, Option<&'static str>, Option<&'static str>);

const ROWS: [Row; 3] = [
    // Cached for page A (same site, another port), no Vary: Origin: page B gets A's answer.
    (
        Some("http://localhost:4000"),
        false,
        Some(
            "The 'Access-Control-Allow-Origin' header has a value 'http://localhost:4000' that is not equal to the supplied origin. Have the server send the header with a valid value.",
        ),
        Some("CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://localhost:4000’)."),
        Some("Origin http://localhost:3000 is not allowed by Access-Control-Allow-Origin. Status code: 200"),
    ),
    // Cached from the address bar (no Origin, so no Allow-Origin): the lab's Vary lesson.
    (
        None,
        false,
        Some("No 'Access-Control-Allow-Origin' header is present on the requested resource."),
        Some("CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."),
        Some("Origin http://localhost:3000 is not allowed by Access-Control-Allow-Origin. Status code: 200"),
    ),
    // Cached with *: read, though the server saw nothing.
    (Some("*"), true, None, None, None),
];

#[test]
fn a_stored_answer_is_judged_as_if_it_had_just_arrived() {
    let request = Request::get(URL);
    for (acao, allowed, chromium, firefox, webkit) in ROWS {
        let answer = stored(acao);
        let verdict = judge_from_http_cache(Engine::Chromium, PAGE_B, &request, Some(&answer));
        assert_eq!(verdict.allowed, allowed, "{acao:?}");
        let chromium = chromium.map(|reason| {
            format!(
                "Access to fetch at '{URL}' from origin '{PAGE_B}' has been blocked by CORS policy: {reason}"
            )
        });
        assert_eq!(verdict.chromium_message, chromium, "{acao:?}");
        let firefox = firefox.map(|reason| {
            format!(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {URL}. (Reason: {reason}"
            )
        });
        assert_eq!(verdict.firefox_message, firefox, "{acao:?}");
        assert_eq!(verdict.webkit_message.as_deref(), webkit, "{acao:?}");
        let said: Vec<&str> = verdict.checks.iter().map(|c| c.explanation.as_str()).collect();
        assert!(said.iter().any(|c| c.contains("from its HTTP cache")), "{said:?}");
        assert!(!said.iter().any(|c| c.contains("network error")), "{said:?}");
    }
}

#[test]
fn an_unknown_stored_answer_is_said_unknown_never_a_network_error() {
    let verdict = judge_from_http_cache(Engine::Chromium, PAGE_B, &Request::get(URL), None);
    assert!(!verdict.allowed);
    assert_eq!(verdict.chromium_message, None);
    assert_eq!(verdict.chromium_network_message, None);
    assert!(verdict.firefox_messages.is_empty() && verdict.webkit_messages.is_empty());
    let failed = verdict.checks.iter().find(|c| !c.passed).expect("a failed check");
    assert!(failed.explanation.contains("cannot be predicted"), "{}", failed.explanation);
    assert!(!failed.explanation.contains("network error") && !failed.explanation.contains("server down"));
}
