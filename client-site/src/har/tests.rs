//! The HAR door on small hand-built files, one behaviour each; the real exports are compared with what
//! the browsers did in `client-site/tests/har_fixtures.rs`.

use serde_json::{Value, json};

use super::*;

const PAGE: &str = "http://app.test";
const API: &str = "http://api.test/data";

/// One entry: `headers` as `[name, value]` pairs; `extra` merged into the entry (`_resourceType`, …).
fn entry(
    method: &str,
    url: &str,
    request: &[(&str, &str)],
    status: i64,
    response: &[(&str, &str)],
    extra: Value,
) -> Value {
    let pairs = |headers: &[(&str, &str)]| {
        headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>()
    };
    let mut entry = json!({
        "request": {"method": method, "url": url, "headers": pairs(request)},
        "response": {"status": status, "headers": pairs(response), "content": {"text": "a body"}},
    });
    if let (Some(entry), Some(extra)) = (entry.as_object_mut(), extra.as_object()) {
        entry.extend(extra.clone());
    }
    entry
}

fn har(creator: &str, entries: Vec<Value>) -> Vec<u8> {
    json!({"log": {"creator": {"name": creator, "version": "1"}, "entries": entries}})
        .to_string()
        .into_bytes()
}

fn judged(bytes: &[u8]) -> Report {
    judge(bytes, &Options::default()).expect("a HAR")
}

fn cors_get(acao: Option<&str>, status: i64) -> Value {
    let response: Vec<(&str, &str)> = acao.map(|v| ("Access-Control-Allow-Origin", v)).into_iter().collect();
    entry(
        "GET",
        API,
        &[("Origin", PAGE), ("Sec-Fetch-Mode", "cors"), ("Sec-Fetch-Dest", "empty")],
        status,
        &response,
        json!({}),
    )
}

#[test]
fn a_500_without_cors_headers_says_it_is_not_cors_first() {
    let report = judged(&har("Firefox", vec![cors_get(None, 500)]));
    let request = &report.requests[0];
    assert_eq!(request.allowed(), Some(false));
    assert_eq!(
        request.reason(),
        "Your server answered 500 without CORS headers: fix that answer, not the CORS policy."
    );
    let out = report.to_json();
    assert_eq!(out["requests"][0]["not_cors"]["status"], 500);
    assert_eq!(out["summary"]["not_cors"], 1);
    // The same answer with a 200 is CORS's: no such line.
    let report = judged(&har("Firefox", vec![cors_get(None, 200)]));
    assert!(report.requests[0].not_cors().is_none());
}

#[test]
fn without_a_cookie_a_credentials_question_is_given_both_ways() {
    let report = judged(&har("Firefox", vec![cors_get(Some("*"), 200)]));
    let request = &report.requests[0];
    assert_eq!(request.allowed(), None);
    let out = report.to_json();
    assert_eq!(out["requests"][0]["allowed"], Value::Null);
    assert_eq!(out["requests"][0]["if_not"]["allowed"], true);
    assert_eq!(out["requests"][0]["if_credentials_included"]["failed_check"], "WildcardOriginNotAllowed");
    assert_eq!(report.exit_status(), 0, "not blocked for sure");
    // A cookie settles it.
    let mut with_cookie = cors_get(Some("*"), 200);
    with_cookie["request"]["headers"]
        .as_array_mut()
        .expect("headers")
        .push(json!({"name": "Cookie", "value": "sid=1"}));
    let report = judged(&har("Firefox", vec![with_cookie]));
    assert_eq!(report.requests[0].allowed(), Some(false));
    assert_eq!(report.exit_status(), 1);
}

#[test]
fn chromium_s_error_settles_the_credentials_question() {
    let mut failed = cors_get(Some("*"), 200);
    failed["_resourceType"] = json!("fetch");
    failed["response"]["_error"] = json!("net::ERR_FAILED");
    let report = judged(&har("WebInspector", vec![failed]));
    assert_eq!(report.requests[0].allowed(), Some(false));
    assert!(report.requests[0].assumed.iter().any(|a| a.starts_with("credentials: 'include'")));
    let mut succeeded = cors_get(Some("*"), 200);
    succeeded["_resourceType"] = json!("fetch");
    succeeded["response"]["_error"] = Value::Null;
    assert_eq!(judged(&har("WebInspector", vec![succeeded])).requests[0].allowed(), Some(true));
}

#[test]
fn secrets_are_redacted_unless_asked_for() {
    let request = [("Origin", PAGE), ("Cookie", "sid=s3cret"), ("Authorization", "Bearer t0ken")];
    let response = [
        ("Access-Control-Allow-Origin", PAGE),
        ("Access-Control-Allow-Credentials", "true"),
        ("Set-Cookie", "sid=n3w; Path=/"),
    ];
    let bytes = har("Firefox", vec![entry("GET", API, &request, 200, &response, json!({}))]);
    let text = judged(&bytes).to_json().to_string();
    for secret in ["s3cret", "t0ken", "n3w"] {
        assert!(!text.contains(secret), "{secret} shown: {text}");
    }
    assert!(text.contains(REDACTED));
    let shown = judge(&bytes, &Options { show_secrets: true, ..Options::default() }).expect("a HAR");
    let text = shown.to_json().to_string();
    assert!(text.contains("s3cret") && text.contains("t0ken") && text.contains("n3w"));
}

#[test]
fn a_file_with_nothing_cross_origin_says_so() {
    let same = entry(
        "GET",
        "http://app.test/api",
        &[("Sec-Fetch-Mode", "cors"), ("Sec-Fetch-Dest", "empty"), ("Referer", "http://app.test/")],
        200,
        &[],
        json!({}),
    );
    let page = entry("GET", "http://app.test/", &[("Sec-Fetch-Mode", "navigate")], 200, &[], json!({}));
    let report = judged(&har("Firefox", vec![page, same]));
    assert_eq!(report.requests.len(), 1);
    assert!(report.requests[0].same_origin());
    let said = report.nothing_to_judge().expect("nothing cross-origin");
    assert!(said.starts_with("No cross-origin fetch() or XHR in this HAR"), "{said}");
    assert_eq!(report.exit_status(), 2);
    assert_eq!(report.to_json()["error"], said);
}

#[test]
fn the_page_s_origin_comes_from_the_file_or_from_origin() {
    // Chromium's record of a request refused by its preflight keeps only the provisional headers.
    let provisional = entry(
        "PUT",
        API,
        &[("Content-Type", "application/json")],
        0,
        &[],
        json!({"_resourceType": "fetch", "response": {"status": 0, "headers": [], "_error": "net::ERR_FAILED"}}),
    );
    let report = judged(&har("WebInspector", vec![provisional]));
    assert!(report.requests.is_empty());
    assert_eq!(report.skipped[0].why, Skip::NoOrigin);
    assert_eq!(report.exit_status(), 2);
    assert!(report.nothing_to_judge().expect("nothing judged").contains("--origin"));
    let options = Options { origin: Some(PAGE.into()), ..Options::default() };
    let report = judge(
        &har("WebInspector", vec![entry("PUT", API, &[], 0, &[], json!({"_resourceType": "fetch"}))]),
        &options,
    )
    .expect("a HAR");
    assert_eq!(report.requests[0].origin, PAGE);
    // No preflight in the file for a request that needed one and got no answer: the preflight failed.
    assert_eq!(report.requests[0].allowed(), Some(false));
    assert_eq!(report.requests[0].verdict().failed_check.as_ref().map(|f| f.in_preflight), Some(true));
}

#[test]
fn an_origin_the_browser_sent_wins_over_origin_and_says_so() {
    let options = Options { origin: Some("http://elsewhere.test".into()), ..Options::default() };
    let report = judge(&har("Firefox", vec![cors_get(Some(PAGE), 200)]), &options).expect("a HAR");
    assert_eq!(report.requests[0].origin, PAGE);
    assert!(report.requests[0].assumed[0].contains("not --origin http://elsewhere.test"));
}

#[test]
fn two_fetches_in_flight_each_get_their_own_preflight() {
    let allow = |methods| {
        [
            ("Access-Control-Allow-Origin", PAGE),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", methods),
        ]
    };
    let put = |url: &str| {
        entry(
            "PUT",
            url,
            &[("Origin", PAGE), ("Sec-Fetch-Mode", "cors"), ("Sec-Fetch-Dest", "empty")],
            200,
            &allow("PUT"),
            json!({}),
        )
    };
    let preflight = |url: &str, methods| {
        entry(
            "OPTIONS",
            url,
            &[("Origin", PAGE), ("Access-Control-Request-Method", "PUT")],
            204,
            &allow(methods),
            json!({}),
        )
    };
    let other = "http://api.test/other";
    let report =
        judged(&har("Firefox", vec![put(API), put(other), preflight(API, "PUT"), preflight(other, "GET")]));
    assert_eq!(report.requests[0].entries, [0, 2]);
    assert_eq!(report.requests[1].entries, [1, 3]);
    assert_eq!(report.requests[0].allowed(), Some(true));
    assert_eq!(
        report.requests[1].verdict().failed_check.as_ref().and_then(|f| f.devtools_enum).map(|e| e.as_str()),
        Some("MethodDisallowedByPreflightResponse")
    );
    // A preflight no request took is listed, not judged.
    let report = judged(&har("Firefox", vec![preflight(API, "PUT")]));
    assert_eq!(report.skipped[0].why, Skip::LonePreflight);
}

#[test]
fn a_connection_refused_is_a_network_error_not_a_cors_failure() {
    let refused = entry(
        "GET",
        API,
        &[("Origin", PAGE)],
        0,
        &[],
        json!({"_resourceType": "fetch", "response": {"status": 0, "headers": [], "_error": "net::ERR_CONNECTION_REFUSED"}}),
    );
    let report = judged(&har("WebInspector", vec![refused]));
    let verdict = report.requests[0].verdict();
    assert!(!verdict.allowed);
    assert_eq!(verdict.failed_check.as_ref().and_then(|f| f.devtools_enum), None);
    assert_eq!(
        verdict.chromium_network_message.as_deref(),
        Some("Failed to load resource: net::ERR_CONNECTION_REFUSED")
    );
}

#[test]
fn hostile_strings_are_data() {
    let url = "http://api.test/\u{1b}[2J\r\n\u{202e}x";
    let bytes = har(
        "\u{1b}]0;t\u{7}",
        vec![entry(
            "GET",
            url,
            &[("Origin", PAGE), ("X-\u{0}", "\u{1b}[31m")],
            200,
            &[("Access-Control-Allow-Origin", "\u{1b}[31mred")],
            json!({}),
        )],
    );
    let report = judged(&bytes);
    let out = report.to_json().to_string();
    assert!(!out.contains('\u{1b}'), "JSON escapes control characters");
    assert_eq!(report.requests[0].allowed(), Some(false));
}

#[test]
fn no_panic_on_any_cut_or_flipped_byte_of_a_real_har() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/har/chromium/mixed.full.har");
    let real = std::fs::read(path).expect("the fixture");
    for at in (0..real.len()).step_by(61) {
        let _ = judge(&real[..at], &Options::default());
        let mut flipped = real.clone();
        flipped[at] ^= 0x20;
        let _ = judge(&flipped, &Options::default());
    }
}

#[test]
fn without_an_origin_header_the_page_is_its_referer_or_its_page_entry() {
    // A no-cors request carries no Origin: its Referer names the page (strict-origin-when-cross-origin).
    let no_cors = entry(
        "GET",
        API,
        &[("Sec-Fetch-Mode", "no-cors"), ("Sec-Fetch-Dest", "empty"), ("Referer", "http://app.test/home")],
        200,
        &[],
        json!({}),
    );
    let report = judged(&har("Firefox", vec![no_cors]));
    assert_eq!(report.requests[0].origin, PAGE);
    assert!(report.requests[0].assumed[0].ends_with("is taken from its Referer."));
    // No Referer either: the page the entry belongs to, as its title (the page's URL) says.
    let bare = entry(
        "GET",
        API,
        &[("Sec-Fetch-Mode", "no-cors"), ("Sec-Fetch-Dest", "empty")],
        200,
        &[],
        json!({"pageref": "page_1"}),
    );
    let file =
        json!({"log": {"pages": [{"id": "page_1", "title": "http://app.test/home"}], "entries": [bare]}});
    let report = judged(file.to_string().as_bytes());
    assert_eq!(report.requests[0].origin, PAGE);
    assert!(report.requests[0].assumed[0].ends_with("is taken from the page it belongs to."));
}

#[test]
fn a_preflight_belongs_to_the_request_before_it_from_the_same_origin() {
    let put = || {
        entry(
            "PUT",
            API,
            &[("Origin", PAGE), ("Sec-Fetch-Dest", "empty")],
            200,
            &[("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Credentials", "true")],
            json!({}),
        )
    };
    let preflight = |origin: &str| {
        entry(
            "OPTIONS",
            API,
            &[("Origin", origin), ("Access-Control-Request-Method", "PUT")],
            204,
            &[
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "PUT"),
            ],
            json!({}),
        )
    };
    // The first PUT's preflight was answered from the cache (it came before the recording): the OPTIONS
    // after the second PUT is the second's.
    let report = judged(&har("Firefox", vec![put(), put(), preflight(PAGE)]));
    assert_eq!(report.requests[0].entries, [0]);
    assert!(report.requests[0].exchanges.iter().any(|x| x.answered == "from the preflight cache"));
    assert_eq!(report.requests[1].entries, [1, 2]);
    // Another page's preflight to the same URL is not this request's.
    let report = judged(&har("Firefox", vec![put(), preflight("http://other.test"), preflight(PAGE)]));
    assert_eq!(report.requests[0].entries, [0, 2]);
    assert_eq!(report.requests[0].allowed(), Some(true));
    assert_eq!(
        report.skipped.iter().map(|s| (s.entry, s.why)).collect::<Vec<_>>(),
        [(1, Skip::LonePreflight)]
    );
}

#[test]
fn a_relative_location_leads_to_its_hop() {
    let cors = [("Origin", PAGE), ("Sec-Fetch-Dest", "empty")];
    let allow = [
        ("Access-Control-Allow-Origin", PAGE),
        ("Access-Control-Allow-Credentials", "true"),
        ("Location", "../final?x=1"),
    ];
    let hop = entry("GET", "http://api.test/a/start", &cors, 302, &allow, json!({}));
    let other = entry("GET", "http://api.test/final?x=1", &cors, 200, &allow[..2], json!({}));
    let last = entry("GET", "http://api.test/final?x=1", &cors, 200, &allow[..2], json!({}));
    let report = judged(&har("Firefox", vec![hop, other, last]));
    assert_eq!(report.requests[0].entries, [0, 1], "the nearest entry for the resolved Location");
    assert_eq!(report.requests[0].allowed(), Some(true));
    assert_eq!(report.requests[1].entries, [2]);
}
