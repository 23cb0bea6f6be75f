//! The origin matchers, table-tested: what each accepts, the origins that get past the broken ones,
//! and every refusal of bad matcher JSON.
use super::*;
use serde_json::json;

fn matcher(value: Value) -> OriginMatcher {
    OriginMatcher::from_json(&value).unwrap_or_else(|why| panic!("{value}: {why}"))
}

fn refusal(value: Value) -> String {
    OriginMatcher::from_json(&value).expect_err(&value.to_string())
}

/// The origins the tests throw at every matcher: the page's, the attacker's, and the tricky ones.
const PAGE: &str = "http://localhost:3000";
const ATTACKER: &str = "http://localhost:4000";
const LOOKALIKE: &str = "http://localhost.evil.localhost:4000";
const OTHER_SITE: &str = "http://evil.localhost:4000";
const SANDBOXED_IFRAME: &str = "null";

fn accepted(matcher: &OriginMatcher, origins: &[&str]) -> Vec<bool> {
    origins.iter().map(|o| matcher.accepts(o)).collect()
}

#[test]
fn reflect_accepts_every_origin_null_included() {
    let reflect = matcher(json!({ "kind": "reflect" }));
    assert_eq!(
        accepted(&reflect, &[PAGE, ATTACKER, LOOKALIKE, OTHER_SITE, SANDBOXED_IFRAME, "HTTP://X", ""]),
        [true; 7]
    );
}

#[test]
fn exact_accepts_only_the_listed_origins_byte_for_byte() {
    let exact = matcher(json!({ "kind": "exact", "origins": [PAGE] }));
    assert!(exact.accepts(PAGE));
    for refused in [
        ATTACKER,
        LOOKALIKE,
        OTHER_SITE,
        SANDBOXED_IFRAME,
        "http://LOCALHOST:3000",
        "http://localhost:3000/",
        "http://localhost:30000",
        "http://localhost:300",
        "https://localhost:3000",
        "http://127.0.0.1:3000",
        " http://localhost:3000",
    ] {
        assert!(!exact.accepts(refused), "{refused}");
    }
}

#[test]
fn an_exact_list_with_null_trusts_every_sandboxed_iframe() {
    let trust_null = matcher(json!({ "kind": "exact", "origins": ["null", PAGE] }));
    assert_eq!(
        accepted(&trust_null, &[SANDBOXED_IFRAME, PAGE, ATTACKER, "Null"]),
        [true, true, false, false]
    );
}

#[test]
fn a_prefix_admits_any_port_and_a_lookalike_host() {
    let prefix = matcher(json!({ "kind": "prefix", "value": "http://localhost" }));
    assert_eq!(
        accepted(&prefix, &[PAGE, ATTACKER, LOOKALIKE, OTHER_SITE, SANDBOXED_IFRAME]),
        [true, true, true, false, false]
    );
    // Even a full origin as the prefix admits a longer port and a lookalike host.
    let origin_prefix = matcher(json!({ "kind": "prefix", "value": PAGE }));
    assert_eq!(
        accepted(
            &origin_prefix,
            &["http://localhost:30001", "http://localhost:3000.evil.localhost:4000", ATTACKER]
        ),
        [true, true, false]
    );
    // The comparison is by bytes: case and a trailing slash count.
    assert_eq!(accepted(&prefix, &["HTTP://LOCALHOST:3000", "http://localhostx"]), [false, true]);
    assert!(!matcher(json!({ "kind": "prefix", "value": "http://localhost:3000/" })).accepts(PAGE));
}

#[test]
fn a_suffix_admits_any_host_that_ends_the_same() {
    let suffix = matcher(json!({ "kind": "suffix", "value": "localhost:4000" }));
    assert_eq!(
        accepted(
            &suffix,
            &[ATTACKER, OTHER_SITE, LOOKALIKE, "http://evillocalhost:4000", PAGE, SANDBOXED_IFRAME]
        ),
        [true, true, true, true, false, false]
    );
    assert!(!suffix.accepts("http://localhost:4000/"));
}

#[test]
fn a_substring_admits_anything_that_mentions_it() {
    let substring = matcher(json!({ "kind": "substring", "value": "localhost:3000" }));
    assert_eq!(
        accepted(
            &substring,
            &[PAGE, "http://localhost:3000.evil.localhost:4000", "http://evil.localhost:30001", ATTACKER]
        ),
        [true, true, true, false]
    );
    assert!(!substring.accepts("http://LOCALHOST:3000"));
}

#[test]
fn an_unanchored_regex_is_found_inside_a_lookalike() {
    let regex = matcher(json!({ "kind": "regex", "pattern": r"^http://localhost(:\d+)?" }));
    assert_eq!(
        accepted(&regex, &[PAGE, ATTACKER, LOOKALIKE, OTHER_SITE, SANDBOXED_IFRAME, "HTTP://LOCALHOST:3000"]),
        [true, true, true, false, false, false]
    );
    // No `^` either: found anywhere, as `RegExp.test` finds it.
    let nowhere_anchored = matcher(json!({ "kind": "regex", "pattern": "localhost:3000" }));
    assert!(nowhere_anchored.accepts("http://evil.localhost:4000/?localhost:3000"));
    assert!(nowhere_anchored.accepts("http://xlocalhost:3000"));
}

#[test]
fn an_unescaped_dot_matches_any_character() {
    let regex = matcher(json!({ "kind": "regex", "pattern": r"^http://app.localhost:3000$" }));
    assert_eq!(accepted(&regex, &["http://app.localhost:3000", "http://appxlocalhost:3000"]), [true, true]);
}

#[test]
fn an_anchored_escaped_regex_holds() {
    let regex = matcher(json!({ "kind": "regex", "pattern": r"^http://localhost:3000$" }));
    assert_eq!(
        accepted(
            &regex,
            &[
                PAGE,
                ATTACKER,
                "http://localhost:3000.evil.localhost:4000",
                "http://localhost:30000",
                "http://localhost:3000/"
            ]
        ),
        [true, false, false, false, false]
    );
}

#[test]
fn allow_origin_echoes_the_origin_byte_for_byte_or_nothing() {
    let prefix = matcher(json!({ "kind": "prefix", "value": "http://localhost" }));
    let lookalike = HeaderValue::from_static(LOOKALIKE);
    assert_eq!(prefix.allow_origin(Some(&lookalike)), Some(lookalike));
    assert_eq!(prefix.allow_origin(Some(&HeaderValue::from_static(OTHER_SITE))), None);
    assert_eq!(prefix.allow_origin(None), None);
    // Reflect mirrors even bytes that are not visible ASCII; the string checks refuse them.
    let odd = HeaderValue::from_bytes(b"http://localhost\xe9").expect("obs-text is a legal header value");
    assert_eq!(matcher(json!({ "kind": "reflect" })).allow_origin(Some(&odd)), Some(odd.clone()));
    assert_eq!(prefix.allow_origin(Some(&odd)), None);
}

#[test]
fn code_is_the_express_option_a_real_server_would_write() {
    let cases = [
        (json!({ "kind": "reflect" }), "origin: true"),
        (
            json!({ "kind": "exact", "origins": ["null", PAGE] }),
            r#"origin: ["null", "http://localhost:3000"]"#,
        ),
        (
            json!({ "kind": "prefix", "value": "http://localhost" }),
            r#"origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))"#,
        ),
        (
            json!({ "kind": "suffix", "value": "localhost:3000" }),
            r#"origin: (origin, cb) => cb(null, origin.endsWith("localhost:3000"))"#,
        ),
        (
            json!({ "kind": "substring", "value": "say\"hi\"\\" }),
            r#"origin: (origin, cb) => cb(null, origin.includes("say\"hi\"\\"))"#,
        ),
        (
            json!({ "kind": "regex", "pattern": r"^http://localhost(:\d+)?" }),
            r"origin: /^http:\/\/localhost(:\d+)?/",
        ),
        (json!({ "kind": "regex", "pattern": r"^https?:\/\/a\\/b" }), r"origin: /^https?:\/\/a\\\/b/"),
    ];
    for (json, code) in cases {
        assert_eq!(matcher(json.clone()).code(), code, "{json}");
    }
}

#[test]
fn serializes_kind_parameter_code_and_what_it_sends() {
    let value =
        serde_json::to_value(matcher(json!({ "kind": "prefix", "value": "http://localhost" }))).unwrap();
    assert_eq!(value["kind"], "prefix");
    assert_eq!(value["value"], "http://localhost");
    assert_eq!(value["code"], r#"origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))"#);
    assert!(value["sends"].as_str().unwrap().contains("allow_origin is kept but not sent"), "{value}");
    assert!(value["sends"].as_str().unwrap().contains(r#"when it starts with "http://localhost", else"#));
    let regex =
        serde_json::to_value(matcher(json!({ "kind": "regex", "pattern": r"^a\.b(:\d+)?" }))).unwrap();
    assert!(regex["sends"].as_str().unwrap().contains(r"the pattern ^a\.b(:\d+)? matches"), "{regex}");
    assert_eq!(serde_json::to_value(OriginMatcher::Reflect).unwrap().as_object().unwrap().len(), 3);
}

#[test]
fn what_it_serializes_reads_back_as_the_same_matcher() {
    for json in [
        json!({ "kind": "reflect" }),
        json!({ "kind": "exact", "origins": [PAGE, "null"] }),
        json!({ "kind": "substring", "value": "localhost" }),
        json!({ "kind": "regex", "pattern": "^a$" }),
    ] {
        let matcher = matcher(json);
        let shown = serde_json::to_value(&matcher).unwrap();
        assert_eq!(OriginMatcher::from_json(&shown), Ok(matcher), "{shown}");
    }
}

#[test]
fn bad_json_is_refused_with_a_sentence_naming_what_is_wrong() {
    let cases = [
        (json!("reflect"), "must be null (send `allow_origin` as it is) or an object"),
        (
            json!({}),
            "needs a `kind`: one of \"reflect\", \"exact\", \"prefix\", \"suffix\", \"substring\" or \"regex\".",
        ),
        (json!({ "kind": "glob" }), "`origin_matcher.kind` must be one of"),
        (json!({ "kind": 1 }), "not the number 1"),
        (json!({ "kind": "prefix" }), "of kind \"prefix\" needs `value`"),
        (json!({ "kind": "exact" }), "of kind \"exact\" needs `origins`"),
        (json!({ "kind": "regex" }), "of kind \"regex\" needs `pattern`"),
        (json!({ "kind": "prefix", "origins": [PAGE] }), "takes `value` and nothing else, not `origins`"),
        (json!({ "kind": "reflect", "value": "x" }), "takes nothing but its `kind`, not `value`"),
        (
            json!({ "kind": "prefix", "value": 5 }),
            "`origin_matcher.value` must be a string, not the number 5",
        ),
        (json!({ "kind": "prefix", "value": "" }), "is empty, and every origin matches the empty text"),
        (json!({ "kind": "suffix", "value": "a b" }), "contains ' ' (U+0020), which no Origin holds"),
        (json!({ "kind": "exact", "origins": PAGE }), "must be a list of origins"),
        (json!({ "kind": "exact", "origins": [] }), "`origin_matcher.origins` is empty"),
        (json!({ "kind": "exact", "origins": [3000] }), "must hold strings"),
        (
            json!({ "kind": "regex", "pattern": "^(http" }),
            "not a regular expression the sandbox can run (found open group",
        ),
        (json!({ "kind": "regex", "pattern": "^(?=http)" }), "look-around is not supported"),
        (json!({ "kind": "regex", "pattern": "(?i)^http" }), "inline flag `(?i)`"),
        (json!({ "kind": "regex", "pattern": r"\Ahttp" }), "`\\A`"),
        (json!({ "kind": "regex", "pattern": "[[:digit:]]" }), "a POSIX class"),
        // JavaScript without the u flag reads these as letters; regex-lite as characters by their code.
        (json!({ "kind": "regex", "pattern": r"^http\u{3a}" }), "a code in braces"),
        (json!({ "kind": "regex", "pattern": r"^http\x{3a}" }), "a code in braces"),
        (json!({ "kind": "regex", "pattern": r"^http\U0000003a" }), "`\\U`"),
    ];
    for (json, expected) in cases {
        let why = refusal(json.clone());
        assert!(why.contains(expected), "{json}: {why}");
        assert!(why.ends_with('.') && why.lines().count() == 1, "one sentence: {why}");
    }
}

#[test]
fn overlong_texts_and_lists_are_refused() {
    let long = "a".repeat(MAX_MATCHER_TEXT + 1);
    assert!(refusal(json!({ "kind": "regex", "pattern": long })).contains("at most 256 bytes"));
    assert!(
        matcher(json!({ "kind": "regex", "pattern": "a".repeat(MAX_MATCHER_TEXT) }))
            .accepts(&"a".repeat(300))
    );
    let many: Vec<String> = (1..=MAX_ORIGINS + 1).map(|n| format!("http://localhost:{n}")).collect();
    assert!(refusal(json!({ "kind": "exact", "origins": many })).contains("at most 32"));
}

#[test]
fn an_exact_list_holds_only_what_a_browser_sends_as_an_origin() {
    for good in [
        PAGE,
        "null",
        "https://example.com",
        "http://127.0.0.1:8000",
        "http://[::1]:3000",
        "http://localhost.evil.localhost:4000",
    ] {
        assert!(OriginMatcher::from_json(&json!({ "kind": "exact", "origins": [good] })).is_ok(), "{good}");
    }
    for (bad, why) in [
        ("http://localhost:3000/", "has a path, query or fragment (\"/\")"),
        ("http://LOCALHOST:3000", "upper-case"),
        ("Null", "is not an origin"),
        ("localhost:3000", "is not an origin"),
        ("http://localhost:80", "default port :80 of http"),
        ("https://localhost:443", "default port :443 of https"),
        ("http://localhost:65536", "not a port number"),
        ("http://localhost:03000", "not a port number"),
        ("http://user@localhost", "user name"),
        ("http://", "has no host"),
        ("http://[::1", "never closes"),
        ("*", "is not an origin"),
    ] {
        let refused = refusal(json!({ "kind": "exact", "origins": [PAGE, bad] }));
        assert!(refused.contains(why) && refused.contains(&format!("{bad:?}")), "{bad}: {refused}");
    }
}
