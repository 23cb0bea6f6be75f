//! The policy as a Caddyfile (Caddy 2.6, Debian's), in the lines people paste: Caddy has no CORS
//! directive.
//!
//! Caddy sends what it is told, as nginx does. What the export gets right, from Caddy's source
//! (modules/caddyhttp/headers, caddyhttp/server.go at v2.6.2):
//!
//! - `header` sets its fields on the answer before the next handler runs, so they are on every status,
//!   Caddy's own error answers included (a 502 when the application behind it is down) — unless the
//!   block says `defer` (or deletes a field, which defers it), when they are set only as a handler
//!   writes its answer: Caddy's own error answer never gets them.
//! - A preflight is a named matcher (`method OPTIONS` and an `Access-Control-Request-Method`), answered
//!   first inside a `route`, whose handlers run in the order written.
//! - An allowlist is a `header_regexp` matcher on `Origin` (RE2, as Go 1.19 reads it) and the
//!   `{http.request.header.Origin}` placeholder.

use crate::HeadersOn;
use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare, fails, not_found, refuses, wrong_method,
};
use super::regex::{Engine, translate};
use super::{Exchange, Probe, Written, sandbox_sends};

/// Which requests a group of header lines is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answers {
    Both,
    Preflight,
    Actual,
}

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    if (300..400).contains(&policy.preflight_status) {
        return Err(format!(
            "This policy answers preflights with a redirect ({}), which the browser never follows for a preflight. The export does not write a redirect for it; export the fixed policy (preflight status 204) instead.",
            policy.preflight_status
        ));
    }
    let fields = [
        ("Access-Control-Allow-Origin", &policy.allow_origin),
        ("Access-Control-Allow-Credentials", &policy.allow_credentials),
        ("Access-Control-Allow-Methods", &policy.allow_methods),
        ("Access-Control-Allow-Headers", &policy.allow_headers),
        ("Access-Control-Expose-Headers", &policy.expose_headers),
        ("Access-Control-Max-Age", &policy.max_age),
        ("Vary", &policy.vary),
    ];
    for (name, value) in fields {
        let Some(value) = value else { continue };
        if name == "Access-Control-Allow-Origin" && policy.origin_matcher.is_some() {
            continue;
        }
        if let Some(c) = value.as_str().chars().find(|c| "\"\\`{}".contains(*c)) {
            return Err(format!(
                "{name}: {value} holds {c:?}, which a Caddyfile reads as a quote, an escape or a placeholder; this export does not write it. Remove it from the value."
            ));
        }
    }
    let on_preflight = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Preflight);
    let on_actual = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Actual);
    let cors_answers = match (on_preflight, on_actual) {
        (true, true) => Some(Answers::Both),
        (true, false) => Some(Answers::Preflight),
        (false, true) => Some(Answers::Actual),
        (false, false) => None,
    };
    // (matcher name, the lines it sets)
    let mut groups: Vec<(Answers, bool, Vec<String>)> = Vec::new();
    let mut add = |answers: Option<Answers>, origin_matched: bool, line: String| {
        let Some(answers) = answers else { return };
        match groups.iter_mut().find(|(a, o, _)| *a == answers && *o == origin_matched) {
            Some((_, _, lines)) => lines.push(line),
            None => groups.push((answers, origin_matched, vec![line])),
        }
    };
    let quoted = |value: &str| format!("\"{value}\"");
    let pattern = match &policy.origin_matcher {
        None => {
            if let Some(value) = policy.allow_origin.as_ref().filter(|v| !v.as_str().trim().is_empty()) {
                add(cors_answers, false, format!("Access-Control-Allow-Origin {}", quoted(value.as_str())));
            }
            None
        }
        Some(matcher) => {
            add(cors_answers, true, "Access-Control-Allow-Origin {http.request.header.Origin}".to_owned());
            Some(match matcher {
                OriginMatcher::Reflect => ".".to_owned(),
                OriginMatcher::Exact(origins) => {
                    let escaped: Vec<String> = origins.iter().map(|o| re2_escape(o)).collect();
                    format!("^(?:{})$", escaped.join("|"))
                }
                OriginMatcher::Prefix(text) => format!("^{}", re2_escape(text)),
                OriginMatcher::Suffix(text) => format!("{}$", re2_escape(text)),
                OriginMatcher::Substring(text) => re2_escape(text),
                OriginMatcher::Regex(source) => translate(source.as_str(), Engine::Re2),
            })
        }
    };
    // The pattern goes between backticks, a Caddyfile's raw string, where a backtick would end it and
    // `{$NAME}` would be replaced by an environment variable.
    if let Some(pattern) = pattern.as_deref().filter(|p| p.contains('`') || p.contains("{$")) {
        return Err(format!(
            "The allowlist's pattern {pattern} holds a backtick or {{$, which a Caddyfile reads as the end of a raw string or an environment variable; this export does not write it. An Origin never holds either."
        ));
    }
    let empty = |value: &crate::HeaderText| value.as_str().trim().is_empty();
    let preflight_only = cors_answers.and_then(|a| (a != Answers::Actual).then_some(Answers::Preflight));
    let actual_only = cors_answers.and_then(|a| (a != Answers::Preflight).then_some(Answers::Actual));
    for (name, value, answers) in [
        ("Access-Control-Allow-Credentials", &policy.allow_credentials, cors_answers),
        ("Access-Control-Allow-Methods", &policy.allow_methods, preflight_only),
        ("Access-Control-Allow-Headers", &policy.allow_headers, preflight_only),
        ("Access-Control-Max-Age", &policy.max_age, preflight_only),
        ("Access-Control-Expose-Headers", &policy.expose_headers, actual_only),
        ("Vary", &policy.vary, Some(Answers::Both)),
    ] {
        let Some(value) = value.as_ref().filter(|v| !empty(v)) else { continue };
        add(answers, false, format!("{name} {}", quoted(value.as_str())));
    }

    let one_method = OneMethod::for_probe(probe);
    let site = |deferred: bool, no_fallback: bool| -> String {
        let mut code = String::from(
            "# The sandbox's CORS policy as a Caddyfile (Caddy has no CORS directive: these are the lines people\n# paste), then `caddy run` (or `caddy reload`) beside it.\n# `header` sets its fields before the rest runs, so every answer has them, Caddy's own errors included.\n:8080 {\n\tbind 127.0.0.1\n\n\t# A preflight is an OPTIONS request with Access-Control-Request-Method.\n\t@preflight {\n\t\tmethod OPTIONS\n\t\theader Access-Control-Request-Method *\n\t}\n",
        );
        let kinds = |answers: Answers| match answers {
            Answers::Both => "",
            Answers::Preflight => "\t\tmethod OPTIONS\n\t\theader Access-Control-Request-Method *\n",
            Answers::Actual => {
                "\t\tnot {\n\t\t\tmethod OPTIONS\n\t\t\theader Access-Control-Request-Method *\n\t\t}\n"
            }
        };
        let name = |answers: Answers, origin: bool| match (answers, origin) {
            (Answers::Both, false) => String::new(),
            (Answers::Preflight, false) => "@preflight ".to_owned(),
            (Answers::Actual, false) => "@actual ".to_owned(),
            (Answers::Both, true) => "@allowed ".to_owned(),
            (Answers::Preflight, true) => "@allowed_preflight ".to_owned(),
            (Answers::Actual, true) => "@allowed_actual ".to_owned(),
        };
        for (answers, origin, _) in &groups {
            if (*answers, *origin) == (Answers::Preflight, false) {
                continue;
            }
            let matcher = name(*answers, *origin);
            if matcher.is_empty() {
                continue;
            }
            let mut body = kinds(*answers).to_owned();
            if *origin {
                body.push_str(&format!(
                    "\t\theader_regexp Origin `{}`\n",
                    pattern.as_deref().unwrap_or_default()
                ));
            }
            let what = if *origin {
                "an Origin the allowlist takes (RE2, found anywhere in it, as JavaScript's RegExp.test finds it)"
            } else {
                "an answer that is not a preflight"
            };
            code.push_str(&format!("\t# {what}\n\t{} {{\n{body}\t}}\n", matcher.trim_end()));
        }
        code.push('\n');
        for (answers, origin, lines) in &groups {
            code.push_str(&format!("\theader {}{{\n", name(*answers, *origin)));
            if deferred {
                code.push_str(
                    "\t\t# The mistake: deferred to when a handler writes its answer.\n\t\tdefer\n",
                );
            }
            for line in lines {
                code.push_str(&format!("\t\t{line}\n"));
            }
            code.push_str("\t}\n");
        }
        code.push_str(&format!(
            "\n\t# the route that takes only {method}\n\t@{name} {{\n\t\tpath {path}\n\t\tmethod {methods}\n\t}}\n",
            method = one_method.method,
            name = one_method.method.to_ascii_lowercase(),
            path = one_method.path,
            methods = one_method.allow().replace(',', ""),
        ));
        code.push_str(&format!(
            "\n\t# In the order written: the preflight first, then the endpoint, then routes that show an error\n\t# keeping its CORS headers (delete them): the application behind Caddy is down (502), a refusal, a\n\t# route that takes only {method} (405 for any other method), and every other path (404).\n\troute {{\n\t\trespond @preflight {status}\n\t\trespond /api \"Hello\" 200\n\t\treverse_proxy /api/fail 127.0.0.1:9\n\t\trespond /api/private \"Log in first\" 401\n\t\trespond @{name} \"Hello\" 200\n\t\trespond {path} \"Method Not Allowed\" 405\n",
            method = one_method.method,
            name = one_method.method.to_ascii_lowercase(),
            path = one_method.path,
            status = policy.preflight_status
        ));
        if !no_fallback {
            code.push_str("\t\t# Without this last line, Caddy answers a request no handler takes with an empty 200.\n\t\trespond \"Not Found\" 404\n");
        }
        code.push_str("\t}\n}\n");
        code
    };
    let sends = sandbox_sends(policy, probe);
    Ok(Written {
        code: site(false, false),
        errors: errors(&sends, one_method, site(true, false), site(false, true)),
        // Caddy sends the lines as written: exactly what the sandbox sends.
        sends,
        notes: vec![
            "`header` sets its fields before the rest of the site runs, so they are on every answer, errors included — unless the block says `defer` (or deletes a field), which leaves them off Caddy's own error answers.".to_owned(),
            "The preflight is answered inside `route`, whose handlers run in the order written; outside it Caddy sorts directives its own way (respond after reverse_proxy's handle blocks, for one).".to_owned(),
            "An allowlist is a header_regexp matcher on Origin, in RE2 as Go 1.19 reads it (\\u003a is written \\x{003a}, a named group (?P<name>…)).".to_owned(),
            "Empty values: the export leaves a header whose value is empty out (an empty list is no list to the browser).".to_owned(),
        ],
        why: |_, header| format!("Caddy sends its own {header} here."),
    })
}

/// `text` as an RE2 pattern that matches it literally: every ASCII punctuation character escaped.
fn re2_escape(text: &str) -> String {
    let mut escaped = String::new();
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// What the error routes send: the `header` lines are on the 502 and the 401 alike.
fn errors(sends: &Exchange, one_method: OneMethod, deferred: String, no_fallback: String) -> Vec<ErrorRoute> {
    vec![
        fails(
            actual_status(sends, 502),
            "The application behind Caddy is down: reverse_proxy fails, Caddy answers 502 itself, and the header lines, set before it ran, are on it: the browser shows the 502.".to_owned(),
            Some(Mistake {
                what: "With `defer` in the header block (or a field deleted there, which defers it), Caddy sets the fields only as a handler writes its answer: its own 502 goes out without them, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: sends.preflight.clone(), actual: bare(502) },
                code: deferred,
            }),
        ),
        refuses(
            actual_status(sends, 401),
            "The preflight is answered first, and the header lines are on the 401 like on any answer: the browser shows the 401.".to_owned(),
            None,
        ),
        not_found(
            actual_status(sends, 404),
            "The last line of the route, `respond \"Not Found\" 404`, answers every path nothing above took, and the header lines are on it like on any answer: the browser shows the 404.".to_owned(),
            Some(Mistake {
                what: "Without that last line, Caddy answers a request no handler takes with an empty 200, headers and all: the browser shows a success with an empty body instead of the 404.".to_owned(),
                sends: actual_status(sends, 200),
                code: no_fallback,
            }),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("The route's matcher takes {}; the line after it answers the path's other methods 405, and the header lines are on it like on any answer: the browser shows the 405.", one_method.allow().replace(", ", " and ")),
            None,
        ),
    ]
}
