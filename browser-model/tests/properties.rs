//! Properties of the browser model on any input (proptest): it never panics, and every verdict keeps the
//! invariants the page relies on.

use browser_model::{Credentials, Mode, Preflight, RedirectMode, Request, Response, Verdict, judge};
use proptest::prelude::*;

const PAGE: &str = "http://localhost:3000";
const API: &str = "http://localhost:8000/api";

/// A header value: the ones that matter to CORS, and anything at all.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        Just(PAGE.to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("PUT, PATCH".to_owned()),
        Just("x-api-key, Authorization".to_owned()),
        ".{0,40}",
    ]
}

/// A header name: the CORS ones, the ones a page sets, and anything token-like or not.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Access-Control-Allow-Origin".to_owned()),
        Just("Access-Control-Allow-Credentials".to_owned()),
        Just("Access-Control-Allow-Methods".to_owned()),
        Just("Access-Control-Allow-Headers".to_owned()),
        Just("Access-Control-Expose-Headers".to_owned()),
        Just("Access-Control-Max-Age".to_owned()),
        Just("Location".to_owned()),
        Just("Content-Type".to_owned()),
        Just("X-Api-Key".to_owned()),
        Just("Authorization".to_owned()),
        "[A-Za-z-]{1,12}",
        ".{0,12}",
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((name(), value()), 0..6)
}

fn request() -> impl Strategy<Value = Request> {
    let method = prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        Just("PUT".to_owned()),
        Just("patch".to_owned()),
        Just("CONNECT".to_owned()),
        ".{0,8}",
    ];
    let url = prop_oneof![
        Just(API.to_owned()),
        Just(format!("{PAGE}/same")),
        Just("http://127.0.0.1:8000/api".to_owned()),
        Just("ftp://x/y".to_owned()),
        ".{0,20}",
    ];
    let credentials =
        prop_oneof![Just(Credentials::Omit), Just(Credentials::SameOrigin), Just(Credentials::Include)];
    let mode = prop_oneof![Just(Mode::Cors), Just(Mode::NoCors), Just(Mode::SameOrigin)];
    let redirect =
        prop_oneof![Just(RedirectMode::Follow), Just(RedirectMode::Manual), Just(RedirectMode::Error)];
    (method, url, headers(), credentials, mode, redirect).prop_map(
        |(method, url, headers, credentials, mode, redirect)| Request {
            url,
            method,
            headers,
            credentials,
            mode,
            redirect,
            body: None,
            target_address_space: None,
        },
    )
}

fn response() -> impl Strategy<Value = Response> {
    let url = prop_oneof![Just(API.to_owned()), Just("http://127.0.0.1:8000/api".to_owned()), ".{0,20}"];
    (url, 0u16..700, headers()).prop_map(|(url, status, headers)| Response { url, status, headers })
}

fn run(request: &Request, preflight: &Option<Response>, actual: &[Response]) -> Verdict {
    judge(PAGE, request, preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent), actual)
}

/// The same headers with every name's case changed.
fn recased(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let flipped: String = name
                .chars()
                .map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            (flipped, value.clone())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// A verdict the page can read has no failed check and no console line; a refusal always has the
    /// error JavaScript gets. (Not every refusal prints a line: a network error prints none in Chromium,
    /// and `no-cors` with a non-follow redirect mode none in Firefox — both measured.)
    #[test]
    fn a_verdict_keeps_its_invariants(
        request in request(),
        preflight in prop::option::of(response()),
        actual in prop::collection::vec(response(), 0..4),
    ) {
        let verdict = run(&request, &preflight, &actual);
        if verdict.allowed {
            prop_assert!(verdict.failed_check.is_none(), "{verdict:#?}");
            prop_assert!(verdict.checks.iter().all(|check| check.passed), "{verdict:#?}");
            prop_assert!(verdict.chromium_message.is_none() && verdict.firefox_messages.is_empty(), "{verdict:#?}");
            prop_assert!(verdict.js_error.is_none() && verdict.response_type.is_some(), "{verdict:#?}");
        } else {
            prop_assert!(verdict.failed_check.is_some(), "{verdict:#?}");
            prop_assert!(verdict.js_error.is_some(), "{verdict:#?}");
            prop_assert_eq!(verdict.firefox_message.as_ref(), verdict.firefox_messages.first());
        }
    }

    /// Header names are case-insensitive: changing only their case, in the request or in any response,
    /// never changes whether the page may read the answer, nor which check failed.
    #[test]
    fn the_case_of_header_names_changes_nothing(
        request in request(),
        preflight in prop::option::of(response()),
        actual in prop::collection::vec(response(), 0..3),
    ) {
        let verdict = run(&request, &preflight, &actual);
        let request_recased = Request { headers: recased(&request.headers), ..request.clone() };
        let preflight_recased = preflight.as_ref().map(|r| Response { headers: recased(&r.headers), ..r.clone() });
        let actual_recased: Vec<Response> =
            actual.iter().map(|r| Response { headers: recased(&r.headers), ..r.clone() }).collect();
        let other = run(&request_recased, &preflight_recased, &actual_recased);
        prop_assert_eq!(verdict.allowed, other.allowed);
        prop_assert_eq!(verdict.preflight, other.preflight);
        prop_assert_eq!(
            verdict.failed_check.as_ref().map(|f| f.devtools_enum),
            other.failed_check.as_ref().map(|f| f.devtools_enum)
        );
    }
}
