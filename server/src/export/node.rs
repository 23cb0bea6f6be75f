//! What the Node stacks (express, Fastify, Hono) share: the methods Node's HTTP parser takes, and the
//! `origin` option of express's cors and @fastify/cors, which read it the same way.

use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::refuse::method_accepted;
use super::{Probe, items, string_literal};

/// The methods Node's HTTP parser accepts: Node 20's `http.METHODS`, all 35 of them (its llhttp parser
/// refuses any other with a 400 before express runs). Shared by every Node stack: express, Fastify, Hono.
pub(super) const NODE_METHODS: [&str; 35] = [
    "ACL",
    "BIND",
    "CHECKOUT",
    "CONNECT",
    "COPY",
    "DELETE",
    "GET",
    "HEAD",
    "LINK",
    "LOCK",
    "M-SEARCH",
    "MERGE",
    "MKACTIVITY",
    "MKCALENDAR",
    "MKCOL",
    "MOVE",
    "NOTIFY",
    "OPTIONS",
    "PATCH",
    "POST",
    "PROPFIND",
    "PROPPATCH",
    "PURGE",
    "PUT",
    "QUERY",
    "REBIND",
    "REPORT",
    "SEARCH",
    "SOURCE",
    "SUBSCRIBE",
    "TRACE",
    "UNBIND",
    "UNLINK",
    "UNLOCK",
    "UNSUBSCRIBE",
];

/// Refuses a method Node's HTTP parser answers with 400 before any JavaScript runs.
pub(super) fn node_accepts(probe: &Probe) -> Result<(), String> {
    method_accepted(probe, "Node's HTTP parser", "with 400 Bad Request before any CORS code runs", |m| {
        NODE_METHODS.contains(&m)
    })
}

/// The `origin` option of express's cors and @fastify/cors: `true` to echo any origin, a list, a
/// RegExp, or a string sent as it is. Never a function: express's cors skips the whole middleware when
/// one refuses. `library` names the package in the refusal.
pub(super) fn origin_option(policy: &Policy, library: &str) -> Result<String, String> {
    Ok(match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => match matcher {
            OriginMatcher::Reflect => "true".to_owned(),
            OriginMatcher::Exact(origins) => {
                let list: Vec<String> = origins.iter().map(|o| string_literal(o)).collect();
                format!("[{}]", list.join(", "))
            }
            OriginMatcher::Prefix(text) => format!("/^{}/", regex_escape(text)),
            OriginMatcher::Suffix(text) => format!("/{}$/", regex_escape(text)),
            OriginMatcher::Substring(text) => format!("/{}/", regex_escape(text)),
            OriginMatcher::Regex(pattern) => format!("new RegExp({})", string_literal(pattern.as_str())),
        },
        (None, Some(value)) => string_literal(value.as_str()),
        (None, None) => {
            return Err(format!(
                "This policy sends no Access-Control-Allow-Origin at all. {library} always sends one when it is on (`*` by default) and nothing at all when its origin option is false; export a policy that names an origin."
            ));
        }
    })
}

/// The Vary the policy's own middleware writes, once the CORS package has added `Origin` to it when it
/// does (`varies`), as the `vary` package (express) and @fastify/cors's vary.js both do: `Origin` is
/// appended unless the list names it, and a list holding `*` becomes `*` alone. `None`: no Vary.
pub(super) fn vary_with_origin(policy: &Policy, varies: bool) -> Option<String> {
    let names: Vec<&str> = policy.vary.as_ref().map(|v| items(v.as_str())).unwrap_or_default();
    if !varies {
        return (!names.is_empty()).then(|| names.join(", "));
    }
    if names.contains(&"*") {
        return Some("*".to_owned());
    }
    let mut vary = names.join(", ");
    if !names.iter().any(|n| n.eq_ignore_ascii_case("origin")) {
        vary = if vary.is_empty() { "Origin".to_owned() } else { format!("{vary}, Origin") };
    }
    Some(vary)
}

/// `text` escaped for a JavaScript regular-expression literal: every character that means something in
/// a pattern, and `/`, behind a backslash.
pub(super) fn regex_escape(text: &str) -> String {
    let mut escaped = String::new();
    for c in text.chars() {
        if "\\^$.*+?()[]{}|/".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
