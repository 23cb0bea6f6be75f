//! The policy as nginx `add_header` lines, in a file for `/etc/nginx/conf.d/`.
//!
//! nginx sends what it is told, so every policy the sandbox can send has an nginx export but for a few
//! characters its configuration language cannot carry. Two things are easy to get wrong, and the export
//! gets them right: without `always`, `add_header` applies only to 200, 201, 204, 206, 301, 302, 303, 304,
//! 307 and 308 answers, so a 404 or a 500 goes out with no CORS headers (the error lesson); and an
//! `add_header` inside an `if` replaces every `add_header` of the enclosing block, so the preflight's
//! block repeats the lines it needs. A header whose value is empty is not sent at all.

use crate::HeadersOn;
use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::{Probe, Written, method_accepted, sandbox_sends};

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    // nginx's request-line parser takes capital letters, `_` and `-` only.
    method_accepted(probe, "nginx", "with 400 Bad Request before any CORS code runs", |m| {
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
                    if source.contains("(?<") {
                        return Err(format!(
                            "The pattern {source} has a named group. In nginx a named group becomes a variable, and a name such as host is one of nginx's own, so nginx refuses to start; use a plain group, (…), instead."
                        ));
                    }
                    if source.contains('"') || source.contains("\\\\") || source.contains("\\t") {
                        return Err(format!(
                            "The pattern {source} holds a quote or a backslash escape that nginx's configuration would rewrite before PCRE sees it; this export does not write it."
                        ));
                    }
                    vec![source.to_owned()]
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

    let line = |name: &str, value: &str| format!("add_header {name} {value} always;");
    // As the sandbox does, and so that the preflight's block always has a line of its own: an `if` block
    // with no add_header inherits the location's.
    let mut preflight_lines = vec![line("Cache-Control", "\"no-store\"")];
    let mut actual_lines = vec![line("Cache-Control", "\"no-store\"")];
    let empty = |value: &crate::HeaderText| value.as_str().trim().is_empty();
    let on_preflight = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Preflight);
    let on_actual = matches!(policy.headers_on, HeadersOn::Both | HeadersOn::Actual);
    if let Some(origin) = &allow_origin {
        if on_preflight {
            preflight_lines.push(line("Access-Control-Allow-Origin", origin));
        }
        if on_actual {
            actual_lines.push(line("Access-Control-Allow-Origin", origin));
        }
    }
    for (name, value, preflight, actual) in [
        ("Access-Control-Allow-Credentials", &policy.allow_credentials, true, true),
        ("Access-Control-Allow-Methods", &policy.allow_methods, true, false),
        ("Access-Control-Allow-Headers", &policy.allow_headers, true, false),
        ("Access-Control-Max-Age", &policy.max_age, true, false),
        ("Access-Control-Expose-Headers", &policy.expose_headers, false, true),
    ] {
        let Some(value) = value.as_ref().filter(|v| !empty(v)) else { continue };
        if preflight && on_preflight {
            preflight_lines.push(line(name, &quote(value.as_str())));
        }
        if actual && on_actual {
            actual_lines.push(line(name, &quote(value.as_str())));
        }
    }
    if let Some(vary) = policy.vary.as_ref().filter(|v| !empty(v)) {
        preflight_lines.push(line("Vary", &quote(vary.as_str())));
        actual_lines.push(line("Vary", &quote(vary.as_str())));
    }

    let mut code = String::from(
        "# The sandbox's CORS policy as nginx configuration: put this file in /etc/nginx/conf.d/ (it is read\n# inside nginx.conf's http block), then `nginx -t && nginx -s reload`.\n# `always` puts a header on every status: without it, nginx leaves it off 4xx and 5xx answers.\n",
    );
    code.push_str(&maps);
    code.push_str(
        "\nserver {\n    listen 127.0.0.1:8080;\n\n    location = /api {\n        if ($cors_preflight) {\n",
    );
    code.push_str(
        "            # An add_header in here replaces the location's own, so the preflight's lines are all here.\n",
    );
    for l in &preflight_lines {
        code.push_str(&format!("            {l}\n"));
    }
    code.push_str(&format!("            return {};\n        }}\n", policy.preflight_status));
    for l in &actual_lines {
        code.push_str(&format!("        {l}\n"));
    }
    code.push_str("        default_type text/plain;\n        return 200 \"Hello\";\n    }\n}\n");

    Ok(Written {
        code,
        // nginx sends the lines as written: exactly what the sandbox sends.
        sends: sandbox_sends(policy, probe),
        notes: vec![
            "Every add_header line ends in `always`: without it nginx sends the header only on 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308 answers, so a 404 or a 500 reaches the browser with no CORS headers and looks like a CORS failure.".to_owned(),
            "An add_header inside `if` (or a nested location) replaces all the add_header lines around it, so the preflight's block repeats what it needs.".to_owned(),
            "nginx does not send a header whose value is empty: that is how the map leaves Access-Control-Allow-Origin off for an origin it refuses.".to_owned(),
        ],
        why: |_, header| format!("nginx sends its own {header} here."),
    })
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
