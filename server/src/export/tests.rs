//! The exports' predictions, table-tested against the libraries' documented rules. (That the libraries
//! really send what is predicted is tests/api/exports.rs's job: it runs them.)

use serde_json::json;

use super::*;

fn policy(json: serde_json::Value) -> Policy {
    Policy::from_json(&json).expect("a valid policy")
}

fn probe(origin: &str, method: &str, headers: &[(&str, &str)], credentials: bool) -> Probe {
    Probe::with_unsafe_headers(origin, method, headers, credentials)
}

fn stack_of<'a>(export: &'a Export, name: &str) -> &'a StackExport {
    export.stacks.iter().find(|s| s.stack == name).expect("every stack is exported")
}

/// The differences as `answer header: sandbox -> stack`, for short assertions.
fn diff_lines(stack: &StackExport) -> Vec<String> {
    stack
        .differences
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

const URL: &str = "http://localhost:8000/api";

#[test]
fn any_origin_is_sent_the_same_by_nginx_and_express_and_differently_by_starlette() {
    let export = export(
        &policy(json!({"allow_origin": "*"})),
        &probe("http://localhost:3000", "GET", &[], false),
        URL,
    );
    assert_eq!(diff_lines(stack_of(&export, "nginx")), Vec::<String>::new());
    assert_eq!(diff_lines(stack_of(&export, "express")), Vec::<String>::new());
    assert_eq!(diff_lines(stack_of(&export, "tower-http")), ["preflight status: 204 -> 200"]);
    assert_eq!(
        diff_lines(stack_of(&export, "starlette")),
        [
            "preflight status: 204 -> 200",
            "preflight access-control-allow-methods: none -> GET, HEAD, POST",
            "preflight access-control-allow-headers: none -> Accept, Accept-Language, Content-Language, Content-Type",
            "preflight access-control-max-age: none -> 600",
            "preflight vary: none -> Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
            "actual vary: none -> Origin",
        ]
    );
    for s in &export.stacks {
        assert!(s.differences.iter().all(|d| !d.why.is_empty()), "{}: every difference says why", s.stack);
        let star = match s.stack {
            "tower-http" => ".allow_origin(Any)",
            "django" => "CORS_ALLOW_ALL_ORIGINS=True",
            _ => "\"*\"",
        };
        assert!(s.code.as_deref().is_some_and(|c| c.contains(star)), "{}: the code sends *", s.stack);
    }
}

#[test]
fn a_wildcard_with_credentials_is_refused_by_tower_http_and_starlette_with_the_reason() {
    let export = export(
        &policy(json!({"allow_origin": "*", "allow_credentials": "true"})),
        &probe("http://localhost:3000", "GET", &[], true),
        URL,
    );
    let tower = stack_of(&export, "tower-http");
    assert!(tower.code.is_none());
    assert!(tower.unsupported.as_deref().unwrap().contains(
        "Cannot combine `Access-Control-Allow-Credentials: true` with `Access-Control-Allow-Origin: *`"
    ));
    let starlette = stack_of(&export, "starlette");
    assert!(starlette.code.is_none());
    assert!(starlette.unsupported.as_deref().unwrap().contains("echoes every request's Origin"));
    // express and nginx send what they are told, and so what the browser refuses.
    assert_eq!(diff_lines(stack_of(&export, "express")), Vec::<String>::new());
    assert_eq!(diff_lines(stack_of(&export, "nginx")), Vec::<String>::new());
}

#[test]
fn a_fixed_origin_gets_vary_origin_from_express_and_is_echoed_only_when_it_matches_by_starlette() {
    let fixed = policy(json!({"allow_origin": "https://yoursite.com"}));
    let export = export(&fixed, &probe("http://localhost:3000", "GET", &[], false), URL);
    assert_eq!(
        diff_lines(stack_of(&export, "express")),
        ["preflight vary: none -> Origin", "actual vary: none -> Origin"]
    );
    let starlette = diff_lines(stack_of(&export, "starlette"));
    assert!(
        starlette.contains(&"actual access-control-allow-origin: https://yoursite.com -> none".to_owned())
    );
    assert!(starlette.contains(&"preflight status: 204 -> 400".to_owned()), "{starlette:?}");
}

#[test]
fn an_allowlist_is_a_list_a_regexp_a_map_and_a_regex_never_a_function() {
    let list =
        policy(json!({"origin_matcher": {"kind": "exact", "origins": ["http://localhost:3000", "null"]},
        "allow_credentials": "true", "vary": "Origin"}));
    let export = export(&list, &probe("http://localhost:4000", "GET", &[], true), URL);
    let code = |name| stack_of(&export, name).code.clone().expect("supported");
    assert!(code("express").contains("origin: [\"http://localhost:3000\", \"null\"]"));
    assert!(code("tower-http").contains("AllowOrigin::list([HeaderValue::from_static(\"http://localhost:3000\"), HeaderValue::from_static(\"null\")])"));
    assert!(code("nginx").contains("\"~^http\\:\\/\\/localhost\\:3000$\" $http_origin;"));
    assert!(code("starlette").contains("allow_origins=[\"http://localhost:3000\", \"null\"]"));
    assert_eq!(diff_lines(stack_of(&export, "express")), Vec::<String>::new());

    let prefix = policy(json!({"origin_matcher": {"kind": "prefix", "value": "http://localhost"}}));
    let export =
        super::export(&prefix, &probe("http://localhost.evil.localhost:4000", "GET", &[], false), URL);
    assert!(
        stack_of(&export, "express").code.as_deref().unwrap().contains("origin: /^http:\\/\\/localhost/")
    );
    assert!(
        stack_of(&export, "starlette")
            .code
            .as_deref()
            .unwrap()
            .contains("allow_origin_regex=\"http\\\\:\\\\/\\\\/localhost.*\"")
    );
    // The look-alike is let in by every stack, as by the sandbox.
    for s in &export.stacks {
        let sends = s.sends.as_ref().expect("supported");
        assert_eq!(
            sends.actual.headers.get("access-control-allow-origin").map(String::as_str),
            Some("http://localhost.evil.localhost:4000"),
            "{}",
            s.stack
        );
    }
}

#[test]
fn a_policy_that_reproduces_a_server_bug_is_exported_only_to_nginx() {
    for broken in [
        json!({"allow_origin": "*", "headers_on": "preflight"}),
        json!({"allow_origin": "*", "preflight_status": 500}),
    ] {
        let export = export(&policy(broken.clone()), &probe("http://localhost:3000", "PUT", &[], false), URL);
        assert!(stack_of(&export, "tower-http").unsupported.is_some(), "{broken}");
        assert!(stack_of(&export, "starlette").unsupported.is_some(), "{broken}");
        assert_eq!(diff_lines(stack_of(&export, "nginx")), Vec::<String>::new(), "{broken}");
    }
    let preflight_only = export(
        &policy(json!({"allow_origin": "*", "headers_on": "preflight"})),
        &probe("http://localhost:3000", "PUT", &[], false),
        URL,
    );
    assert!(
        stack_of(&preflight_only, "express")
            .unsupported
            .as_deref()
            .unwrap()
            .contains("preflight answers only")
    );
}

#[test]
fn values_are_compared_as_the_browser_reads_them() {
    let cases: [(&str, Option<&str>, Option<&str>, bool); 9] = [
        ("access-control-allow-methods", Some("GET, PUT"), Some("GET,PUT"), true),
        ("access-control-allow-methods", Some("PUT, GET"), Some("GET,PUT"), true),
        // Methods are case-sensitive: `put` is not `PUT` (Fetch §4.8 step 7.7).
        ("access-control-allow-methods", Some("put"), Some("PUT"), false),
        ("access-control-allow-headers", Some("X-Api-Key"), Some("x-api-key"), true),
        ("access-control-allow-headers", Some(""), None, true),
        ("vary", Some("Origin, Origin"), Some("origin"), true),
        ("access-control-allow-origin", Some("http://localhost:3000"), Some("http://localhost:3000/"), false),
        ("access-control-allow-origin", Some(""), None, false),
        ("access-control-max-age", Some("600"), Some("600"), true),
    ];
    for (name, a, b, same) in cases {
        assert_eq!(same_value(name, a, b), same, "{name}: {a:?} and {b:?}");
    }
}

#[test]
fn curl_and_check_send_the_probe_quoted_for_a_shell() {
    let probe = probe("http://localhost:3000", "PUT", &[("X-Api-Key", "it's k1")], true);
    assert_eq!(
        curl(&probe, URL),
        [
            "curl -si -X OPTIONS http://localhost:8000/api -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: x-api-key'",
            "curl -si -X PUT http://localhost:8000/api -H 'Origin: http://localhost:3000' -H 'X-Api-Key: it'\\''s k1'",
        ]
    );
    assert_eq!(
        check(&probe, URL),
        "cors-sandbox check http://localhost:8000/api --origin http://localhost:3000 -X PUT -H 'X-Api-Key: it'\\''s k1' --credentials include"
    );
    let simple = super::tests::probe("http://localhost:3000", "GET", &[], false);
    assert_eq!(curl(&simple, URL).len(), 1, "no preflight for a simple GET");
}

/// A method is a token, and a token may hold `|`, `$`, `&` and `'`: quoted, it stays one word of the
/// command (found by review: unquoted, `X|touch$IFS'pwned'|` ran a command).
#[test]
fn a_method_cannot_break_out_of_the_commands() {
    let probe = probe("http://localhost:3000", "X|touch$IFS'pwned'|", &[], false);
    let quoted = "-X 'X|touch$IFS'\\''pwned'\\''|'";
    let commands = curl(&probe, URL);
    assert!(
        commands[0].ends_with("-H 'Access-Control-Request-Method: X|touch$IFS'\\''pwned'\\''|'"),
        "{}",
        commands[0]
    );
    for command in [&commands[1], &check(&probe, URL)] {
        assert!(command.contains(quoted), "{command}");
    }
}

#[test]
fn an_unknown_stack_is_refused_with_the_names_of_the_known_ones() {
    let why = stack("rails").err().expect("no such stack");
    assert!(
        why.starts_with("The export knows no stack called \"rails\". Ask for one of tower-http, express,")
    );
    assert!(why.contains(", go (or leave stack out for all of them)."), "{why}");
    assert_eq!(stack("django").map(|s| s.id), Ok("django"));
}

/// Every stack that can express a policy has the error routes in its code — one that throws, one a login
/// check refuses, a path no route takes and a route that takes one method only, not the probe's — and
/// predicts each.
#[test]
fn every_export_has_its_error_routes() {
    for (method, one_method) in [("PUT", GET_ONLY_PATH), ("GET", POST_ONLY_PATH)] {
        let export = export(
            &policy(json!({"allow_origin": "http://localhost:3000", "allow_methods": "PUT"})),
            &probe("http://localhost:3000", method, &[], false),
            URL,
        );
        for s in &export.stacks {
            every_error_route(s, one_method);
        }
    }
}

fn every_error_route(s: &StackExport, one_method: &str) {
    {
        let code = s.code.as_deref().unwrap_or_else(|| panic!("{} expresses it", s.stack));
        let paths: Vec<&str> = s.errors.iter().map(|e| e.path).collect();
        assert_eq!(paths, [FAIL_PATH, PRIVATE_PATH, MISSING_PATH, one_method], "{}", s.stack);
        assert!(code.contains("api/fail") && code.contains("api/private"), "{}", s.stack);
        // The route that takes one method is in the code; /api/missing is named in a comment at most.
        assert!(code.contains(one_method.trim_start_matches('/')), "{}: {one_method}", s.stack);
        assert_eq!(s.errors[2].sends.actual.status, 404, "{}", s.stack);
        assert_eq!(s.errors[3].sends.actual.status, 405, "{}", s.stack);
        for route in &s.errors {
            assert!(!route.why.is_empty(), "{} {}", s.stack, route.path);
            if let Some(mistake) = &route.mistake {
                assert_ne!(mistake.code, code, "{} {}: the mistake changes the code", s.stack, route.path);
            }
        }
    }
}

/// A backtick ends a Caddyfile's raw string and a Go raw string: a pattern holding one is refused there,
/// never written.
#[test]
fn a_backtick_never_ends_a_raw_string() {
    let probe = probe("http://localhost:3000", "GET", &[], false);
    for matcher in
        [json!({"kind": "prefix", "value": "http://a`b"}), json!({"kind": "regex", "pattern": "^a`b"})]
    {
        let export = export(&policy(json!({"origin_matcher": matcher})), &probe, URL);
        let caddy = stack_of(&export, "caddy");
        assert!(caddy.unsupported.as_deref().is_some_and(|w| w.contains("backtick")), "{matcher}");
        // Go writes a prefix as a quoted string, where a backtick is a character, and refuses a pattern.
        let go = stack_of(&export, "go");
        match &go.code {
            Some(code) => assert!(code.contains("strings.HasPrefix(origin, \"http://a`b\")"), "{code}"),
            None => assert!(go.unsupported.as_deref().is_some_and(|w| w.contains("backtick")), "{matcher}"),
        }
    }
}
