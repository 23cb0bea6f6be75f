//! The policy as nginx `add_header` lines, in a file for `/etc/nginx/conf.d/`.
//!
//! nginx sends what it is told, so every policy the sandbox can send has an nginx export but for a few
//! characters its configuration language cannot carry. Two things are easy to get wrong, and the export
//! gets them right: without `always`, `add_header` applies only to 200, 201, 204, 206, 301, 302, 303, 304,
//! 307 and 308 answers, so a 401 or a 502 goes out with no CORS headers (the error lesson); and
//! `add_header` is inherited only by a block with none of its own, so the lines sit at the server's level,
//! once, and a line meant for one kind of answer takes its value from a `map` on `$cors_preflight`. A
//! header whose value is empty is not sent at all.

use crate::HeadersOn;
use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare, fails, not_found, refuses, wrong_method,
};
use super::regex::{Engine, has_named_group, translate};
use super::{Exchange, Probe, Sent, Written, method_accepted, sandbox_sends};

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    // nginx's request-line parser takes capital letters, `_` and `-` only.
    // Its 400 then carries the server's CORS lines (`always`), so the page reads a 400, not the endpoint.
    method_accepted(probe, "nginx", "with 400 Bad Request before any location runs", |m| {
        m.bytes().all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
    })?;
    if matches!(policy.preflight_status, 408 | 444 | 494..=497 | 499) {
        return Err(format!(
            "nginx gives the status {} a meaning of its own (it closes the connection, or answers 400 instead), so `return {}` would not send it; export another status, or the fixed policy (204).",
            policy.preflight_status, policy.preflight_status
        ));
    }
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
        // An empty list is no list to the browser: its line is simply left out (`line` below).
        let list = matches!(
            name,
            "Access-Control-Allow-Methods"
                | "Access-Control-Allow-Headers"
                | "Access-Control-Expose-Headers"
                | "Vary"
        );
        if value.as_str().trim().is_empty() && !list {
            return Err(format!(
                "This policy sends {name} with no value (empty, or spaces only), and nginx sends no header whose value is empty; the browser reads an empty {name} as a failure either way."
            ));
        }
        if let Some(c) = value.as_str().chars().find(|c| matches!(c, '$' | '\\' | '"')) {
            return Err(format!(
                "{name}: {value} holds {c:?}, which nginx's configuration reads as a variable or an escape; this export does not write it. Remove it from the value."
            ));
        }
    }

    let mut maps = String::from(
        "# A preflight is an OPTIONS request with Access-Control-Request-Method.\nmap \"$request_method:$http_access_control_request_method\" $cors_preflight {\n    default 0;\n    \"~^OPTIONS:.\" 1;\n}\n",
    );
    let allow_origin: Option<String> = match &policy.origin_matcher {
        None => policy.allow_origin.as_ref().map(|v| quote(v.as_str())),
        Some(OriginMatcher::Reflect) => Some("$http_origin".to_owned()),
        Some(matcher) => {
            let text = match matcher {
                OriginMatcher::Prefix(t) | OriginMatcher::Suffix(t) | OriginMatcher::Substring(t) => {
                    t.as_str()
                }
                _ => "",
            };
            if text.contains('\\') {
                return Err(format!(
                    "The matcher's text {text:?} holds a backslash, which nginx's configuration reads as an escape before PCRE sees it; this export does not write it."
                ));
            }
            let patterns: Vec<String> = match matcher {
                OriginMatcher::Exact(origins) => origins.iter().map(|o| format!("^{}$", escape(o))).collect(),
                OriginMatcher::Prefix(text) => vec![format!("^{}", escape(text))],
                OriginMatcher::Suffix(text) => vec![format!("{}$", escape(text))],
                OriginMatcher::Substring(text) => vec![escape(text)],
                OriginMatcher::Regex(pattern) => {
                    let source = pattern.as_str();
                    if has_named_group(source) {
                        return Err(format!(
                            "The pattern {source} has a named group. In nginx a named group becomes a variable, and a name such as host is one of nginx's own, so nginx refuses to start; use a plain group, (…), instead."
                        ));
                    }
                    if source.contains('"') || source.contains("\\\\") || source.contains("\\t") {
                        return Err(format!(
                            "The pattern {source} holds a quote or a backslash escape that nginx's configuration would rewrite before PCRE sees it; this export does not write it."
                        ));
                    }
                    // PCRE2 has no `\u003a`: the same character as `\x{003a}`.
                    vec![translate(source, Engine::Pcre)]
                }
                OriginMatcher::Reflect => unreachable!("handled above"),
            };
            maps.push_str(&format!(
                "# Access-Control-Allow-Origin: the request's Origin when {}, else none (an empty value is not sent).\nmap $http_origin $cors_allow_origin {{\n    default \"\";\n",
                match matcher {
                    OriginMatcher::Exact(_) => "it is one of these",
                    OriginMatcher::Regex(_) => "the pattern is found in it (PCRE, as JavaScript's RegExp.test)",
                    _ => "it matches",
                }
            ));
            for pattern in patterns {
                maps.push_str(&format!("    \"~{pattern}\" $http_origin;\n"));
            }
            maps.push_str("}\n");
            Some("$cors_allow_origin".to_owned())
        }
    };

    // Every line is at the server's level, so that every location (the error routes' too) inherits it; a
    // line for one kind of answer only takes its value from a map on $cors_preflight, empty (not sent)
    // on the other kind.
    let on_preflight = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Preflight);
    let on_actual = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Actual);
    let empty = |value: &crate::HeaderText| value.as_str().trim().is_empty();
    let mut lines = vec![("Cache-Control".to_owned(), "\"no-store\"".to_owned())];
    let mut wanted: Vec<(&str, String, bool, bool)> = Vec::new();
    if let Some(origin) = allow_origin {
        wanted.push(("Access-Control-Allow-Origin", origin, on_preflight, on_actual));
    }
    for (name, value, preflight, actual) in [
        ("Access-Control-Allow-Credentials", &policy.allow_credentials, on_preflight, on_actual),
        ("Access-Control-Allow-Methods", &policy.allow_methods, on_preflight, false),
        ("Access-Control-Allow-Headers", &policy.allow_headers, on_preflight, false),
        ("Access-Control-Max-Age", &policy.max_age, on_preflight, false),
        ("Access-Control-Expose-Headers", &policy.expose_headers, false, on_actual),
        ("Vary", &policy.vary, true, true),
    ] {
        let Some(value) = value.as_ref().filter(|v| !empty(v)) else { continue };
        wanted.push((name, quote(value.as_str()), preflight, actual));
    }
    for (name, value, preflight, actual) in wanted {
        if preflight && actual {
            lines.push((name.to_owned(), value));
            continue;
        }
        if !preflight && !actual {
            continue;
        }
        let variable = format!(
            "$cors_{}",
            name.trim_start_matches("Access-Control-").to_ascii_lowercase().replace('-', "_")
        );
        let (on, off) = if preflight { ("1", "0") } else { ("0", "1") };
        maps.push_str(&format!(
            "# {name} on {} only.\nmap $cors_preflight {variable} {{\n    {on} {value};\n    {off} \"\";\n}}\n",
            if preflight { "preflights" } else { "actual answers" }
        ));
        lines.push((name.to_owned(), variable));
    }

    let one_method = OneMethod::for_probe(probe);
    let server = |always: &str| -> String {
        let mut code = String::from(
            "# The sandbox's CORS policy as nginx configuration: put this file in /etc/nginx/conf.d/ (it is read\n# inside nginx.conf's http block), then `nginx -t && nginx -s reload`.\n# `always` puts a header on every status: without it, nginx leaves it off 4xx and 5xx answers.\n",
        );
        code.push_str(&maps);
        code.push_str("\nserver {\n    listen 127.0.0.1:8080;\n\n    # On every answer of this server, errors included (`always`). A location with an add_header of its own\n    # would lose all of these: add_header is inherited only by a block that has none.\n");
        for (name, value) in &lines {
            code.push_str(&format!("    add_header {name} {value}{always};\n"));
        }
        code.push_str(&format!(
            "\n    # A preflight is answered here, before any location.\n    if ($cors_preflight) {{\n        return {};\n    }}\n",
            policy.preflight_status
        ));
        code.push_str(LOCATIONS);
        code.push_str(&one_method_locations(one_method));
        code
    };
    let sends = sandbox_sends(policy, probe);
    Ok(Written {
        code: server(" always"),
        errors: errors(&sends, one_method, policy.preflight_status, server("")),
        // nginx sends the lines as written: exactly what the sandbox sends.
        sends,
        notes: vec![
            "Every add_header line ends in `always`: without it nginx sends the header only on 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308 answers, so a 401, a 404 or a 502 reaches the browser with no CORS headers and looks like a CORS failure.".to_owned(),
            "The lines are at the server's level, and every location inherits them — unless it has an add_header of its own, which replaces them all.".to_owned(),
            "Empty values: nginx does not send a header whose value is empty, so an empty list is no line at all (an empty Allow-Origin, Credentials or Max-Age is refused). That is also how the maps leave a header off the answers it is not for, and Access-Control-Allow-Origin off for an origin the allowlist refuses.".to_owned(),
        ],
        why: |_, header| format!("nginx sends its own {header} here."),
    })
}

/// The locations: the endpoint, and the two that show an error keeping its CORS headers.
const LOCATIONS: &str = "
    location = /api {
        default_type text/plain;
        return 200 \"Hello\";
    }

    # Two routes that show an error keeping its CORS headers (delete them): the application behind nginx is
    # down, and nginx answers 502 Bad Gateway,
    location = /api/fail {
        proxy_pass http://127.0.0.1:9;
    }
    # and a route nginx refuses with 401.
    location = /api/private {
        return 401 \"Log in first\";
    }
";

/// The location that takes one method only, and the one every other path falls into: 404.
fn one_method_locations(route: OneMethod) -> String {
    let methods = route.allow().replace(", ", "|");
    format!(
        "
    # Two more that show a refusal keeping its CORS headers: a route that takes only {0}, which answers any
    # other method 405,
    location = {1} {{
        if ($request_method !~ ^({methods})$) {{
            return 405;
        }}
        default_type text/plain;
        return 200 \"Hello\";
    }}
    # and every path no location above takes (/api/missing, say): 404. Without this location nginx looks for
    # a file under its root: a 404, or a 405 for a method other than GET, HEAD and POST.
    location / {{
        return 404;
    }}
}}
",
        route.method, route.path
    )
}

/// The statuses nginx puts an add_header line without `always` on.
const WITHOUT_ALWAYS: [u16; 10] = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308];

/// What the error routes send: the server's lines, `always`, on the 502 and the 401; the preflight is
/// answered before any location, as on /api.
fn errors(
    sends: &Exchange,
    one_method: OneMethod,
    preflight_status: u16,
    without_always: String,
) -> Vec<ErrorRoute> {
    let mistake = |status: u16| {
        Mistake {
        what: "Without `always`, nginx puts add_header lines only on 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308 answers: this error goes out with no CORS header, and the browser reports a CORS error instead of its status.".to_owned(),
        sends: Exchange {
            preflight: if WITHOUT_ALWAYS.contains(&preflight_status) {
                sends.preflight.clone()
            } else {
                Sent::status(preflight_status)
            },
            actual: bare(status),
        },
        code: without_always.clone(),
    }
    };
    vec![
        fails(
            actual_status(sends, 502),
            "The application behind nginx is down: nginx answers 502 Bad Gateway, and `always` keeps the server's CORS lines on it, so the browser shows the 502.".to_owned(),
            Some(mistake(502)),
        ),
        refuses(
            actual_status(sends, 401),
            "nginx answers the preflight before any location, and `always` keeps the CORS lines on the 401, so the browser shows the 401.".to_owned(),
            Some(mistake(401)),
        ),
        not_found(
            actual_status(sends, 404),
            "nginx answers the preflight before any location, and `location /` answers every other path 404, with the server's CORS lines (`always`): the browser shows the 404.".to_owned(),
            Some(mistake(404)),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("nginx answers the preflight before any location, and the location answers a method other than {} with 405, with the server's CORS lines (`always`): the browser shows the 405.", one_method.allow().replace(", ", " or ")),
            Some(mistake(405)),
        ),
    ]
}

/// A value in double quotes (the caller has refused `"`, `\` and `$`).
fn quote(value: &str) -> String {
    format!("\"{value}\"")
}

/// `text` as a PCRE pattern that matches it literally: every character but letters and digits behind a
/// backslash (nginx keeps a backslash before anything but a quote, a backslash, `t`, `n` and `r`).
fn escape(text: &str) -> String {
    let mut escaped = String::new();
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
