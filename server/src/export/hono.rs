//! The policy as Hono 4 with its `cors` middleware, served on Node by @hono/node-server.
//!
//! What it sends follows hono's middleware/cors/index.ts (dist/cjs/middleware/cors/index.js, 4.13.23):
//!
//! - On every request, `Access-Control-Allow-Origin`: `*` for `origin: "*"`; for another string, the
//!   request's Origin only when it is that string; for a list, the Origin when the list holds it; for a
//!   function, what it returns. Then `-Allow-Credentials` and `-Expose-Headers` (preflights included).
//!   `origin: "*"` with `credentials: true` sends both as they are: this version does not echo the origin.
//! - Every `OPTIONS` is a preflight, answered 204 with no body and no check of what it asks: `-Max-Age`,
//!   `-Allow-Methods` (joined with `,`) and `-Allow-Headers` — which, when `allowHeaders` is empty,
//!   mirrors the request's `Access-Control-Request-Headers`, so "no header allowed" cannot be said.
//! - `Vary`: `Origin` is appended unless the origin option is `"*"` (after the handler on actual requests),
//!   and `Access-Control-Request-Headers` on a preflight that sends `-Allow-Headers`. Appended, not merged:
//!   a Vary holding `*` or `Origin` keeps them and gets one more.
//! - Headers set before the handler are copied onto its answer, the 500 of a handler that throws included.

use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare_but_vary, cors_on_some_paths, fails, not_found,
    refuses, wrong_method,
};
use super::node::{node_accepts, regex_escape};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, not_empty, not_options, on_every_answer,
    preflight_succeeds, string_literal, whole_number,
};

const LIBRARY: &str = "Hono's cors middleware";
/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    not_options(probe, LIBRARY)?;
    node_accepts(probe)?;
    on_every_answer(policy, LIBRARY)?;
    preflight_succeeds(policy, LIBRARY, 204)?;
    not_empty(policy, LIBRARY)?;
    let credentials = credentials_flag(policy, LIBRARY)?;
    let test = |condition: String| format!("(origin) => ({condition} ? origin : null)");
    let origin = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => match matcher {
            OriginMatcher::Reflect => "(origin) => origin".to_owned(),
            OriginMatcher::Exact(origins) => {
                let list: Vec<String> = origins.iter().map(|o| string_literal(o)).collect();
                format!("[{}]", list.join(", "))
            }
            OriginMatcher::Prefix(text) => test(format!("origin.startsWith({})", string_literal(text))),
            OriginMatcher::Suffix(text) => test(format!("origin.endsWith({})", string_literal(text))),
            OriginMatcher::Substring(text) => test(format!("/{}/.test(origin)", regex_escape(text))),
            OriginMatcher::Regex(pattern) => {
                test(format!("new RegExp({}).test(origin)", string_literal(pattern.as_str())))
            }
        },
        (None, Some(value)) => string_literal(value.as_str()),
        (None, None) => {
            return Err(format!(
                "This policy sends no Access-Control-Allow-Origin at all. {LIBRARY} always allows an origin (`*` when none is given); export a policy that names an origin."
            ));
        }
    };
    let list = |value: &Option<crate::HeaderText>| -> Vec<String> {
        value.as_ref().map(|v| items(v.as_str()).into_iter().map(str::to_owned).collect()).unwrap_or_default()
    };
    let js_list = |names: &[String]| {
        let quoted: Vec<String> = names.iter().map(|n| string_literal(n)).collect();
        format!("[{}]", quoted.join(", "))
    };
    let (methods, headers, expose) =
        (list(&policy.allow_methods), list(&policy.allow_headers), list(&policy.expose_headers));
    // maxAge is a number (sent with toString()): written as one while a number holds it exactly.
    let max_age = match &policy.max_age {
        Some(value) => {
            let digits = whole_number(value.as_str()).ok_or_else(|| {
                format!("Access-Control-Max-Age: {value} is not a number of seconds, and {LIBRARY}'s maxAge takes a number. Send a number.")
            })?;
            let exact = digits.parse::<u64>().is_ok_and(|n| n <= MAX_SAFE_INTEGER);
            Some((if exact { digits.clone() } else { string_literal(&digits) }, digits))
        }
        None => None,
    };

    let mut options = vec![format!("origin: {origin}")];
    if credentials {
        options.push("credentials: true".to_owned());
    }
    // Always set: left out, allowMethods is GET, HEAD, PUT, POST, DELETE, PATCH and QUERY.
    options.push(format!("allowMethods: {}", js_list(&methods)));
    options.push(format!("allowHeaders: {}", js_list(&headers)));
    if !expose.is_empty() {
        options.push(format!("exposeHeaders: {}", js_list(&expose)));
    }
    if let Some((literal, _)) = &max_age {
        options.push(format!("maxAge: {literal}"));
    }
    let vary = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty());

    let one_method = OneMethod::for_probe(probe);
    let code = |login_first: bool| -> String {
        let mut code = String::from(
            "// A server that sends the sandbox's CORS policy with Hono and its cors middleware, on Node.\n// npm install hono@4 @hono/node-server   then   node server.js\nconst { Hono } = require(\"hono\");\nconst { cors } = require(\"hono/cors\");\nconst { serve } = require(\"@hono/node-server\");\n\nconst app = new Hono();\n\n",
        );
        if let Some(vary) = vary {
            code.push_str(&format!(
                "// The policy's Vary, on every answer (the cors middleware appends Origin to it where it needs to).\napp.use(\"*\", async (c, next) => {{\n  c.header(\"Vary\", {});\n  await next();\n}});\n\n",
                string_literal(vary.as_str())
            ));
        }
        let login = "async function requireLogin(c) {\n  // This example has no users: it refuses every request.\n  return c.text(\"Log in first\", 401);\n}\n";
        if login_first {
            code.push_str("// The mistake: a login check registered before the cors middleware.\n");
            code.push_str(login);
            code.push_str("app.use(\"/api/private\", requireLogin);\n\n");
        }
        code.push_str("app.use(\n  \"*\",\n  cors({\n");
        for option in &options {
            code.push_str(&format!("    {option},\n"));
        }
        code.push_str("  }),\n);\n\napp.all(\"/api\", (c) => c.text(\"Hello\"));\n\n// Two routes that show an error keeping its CORS headers (delete them): a handler that throws, which\n// Hono answers 500 keeping the headers the cors middleware set,\napp.all(\"/api/fail\", () => {\n  throw new Error(\"the handler failed\");\n});\n");
        if !login_first {
            code.push_str("// and a route a login check refuses with 401, registered after the cors middleware, which has\n// answered the preflight.\n");
            code.push_str(login);
            code.push_str("app.use(\"/api/private\", requireLogin);\n");
        }
        code.push_str("app.all(\"/api/private\", (c) => c.text(\"Hello\"));\n");
        code.push_str(&one_method_routes(one_method));
        code.push_str("\nserve({ fetch: app.fetch, port: Number(process.env.PORT) || 8080, hostname: \"127.0.0.1\" });\n");
        code
    };

    let sends = sends(
        policy,
        probe,
        credentials,
        &methods,
        &headers,
        &expose,
        max_age.as_ref().map(|(_, d)| d.as_str()),
    );
    Ok(Written {
        code: code(false),
        errors: errors(&sends, policy, one_method, code(true), cors_on_api_only(&code(false))),
        sends,
        notes: vec![
            "Hono's cors middleware answers every OPTIONS request as a preflight, with 204, without checking the origin, the method or the headers asked for (the browser checks them).".to_owned(),
            "A string origin other than * is sent only to a request from that very origin (nothing otherwise); a list or a function decides per request. Vary: Origin is added for anything but *.".to_owned(),
            "An empty allowHeaders mirrors what the preflight asks for: Hono cannot say \"no header is allowed\".".to_owned(),
            "Empty values: Hono sends no header for an empty list (an empty allowHeaders mirrors the request's instead), and the export leaves an empty Vary out.".to_owned(),
        ],
        why,
    })
}

/// What Hono and its cors middleware send the probe.
#[allow(clippy::too_many_arguments)]
fn sends(
    policy: &Policy,
    probe: &Probe,
    credentials: bool,
    methods: &[String],
    headers: &[String],
    expose: &[String],
    max_age: Option<&str>,
) -> Exchange {
    let star =
        policy.origin_matcher.is_none() && policy.allow_origin.as_ref().is_some_and(|v| v.as_str() == "*");
    let allow_origin = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(OriginMatcher::Reflect), _) => (!probe.origin.is_empty()).then(|| probe.origin.clone()),
        (Some(matcher), _) => matcher.accepts(&probe.origin).then(|| probe.origin.clone()),
        (None, Some(_)) if star => Some("*".to_owned()),
        (None, Some(value)) => (value.as_str() == probe.origin).then(|| probe.origin.clone()),
        (None, None) => None,
    };
    let mut preflight = Sent::status(204);
    let mut actual = Sent::status(200);
    let vary = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty());
    for sent in [&mut preflight, &mut actual] {
        if let Some(vary) = vary {
            sent.add("vary", vary.as_str());
        }
        if let Some(origin) = &allow_origin {
            sent.add("access-control-allow-origin", origin);
        }
        if credentials {
            sent.add("access-control-allow-credentials", "true");
        }
        if !expose.is_empty() {
            sent.add("access-control-expose-headers", &expose.join(","));
        }
        if !star {
            sent.add("vary", "Origin");
        }
    }
    if let Some(seconds) = max_age {
        preflight.add("access-control-max-age", seconds);
    }
    if !methods.is_empty() {
        preflight.add("access-control-allow-methods", &methods.join(","));
    }
    // Empty, it mirrors the request's (trimmed, joined with `,`).
    let allowed = if headers.is_empty() { probe.request_headers.join(",") } else { headers.join(",") };
    if !allowed.is_empty() {
        preflight.add("access-control-allow-headers", &allowed);
        preflight.add("vary", "Access-Control-Request-Headers");
    }
    Exchange { preflight, actual }
}

/// The mistake: the cors middleware registered for the endpoint's path only.
fn cors_on_api_only(code: &str) -> String {
    code.replacen(
        "app.use(\n  \"*\",\n  cors({",
        "// The mistake: the cors middleware for /api only (a path, not a pattern).\napp.use(\n  \"/api\",\n  cors({",
        1,
    )
}

/// The route that takes one method only. Hono has no 405 of its own (a method no route takes is its 404), so
/// an `app.all` after the route answers the other methods 405.
fn one_method_routes(route: OneMethod) -> String {
    format!(
        "
// Two routes that show a refusal keeping its CORS headers: /api/missing, which no route answers (Hono's own
// 404), and a route that takes only {0}. Hono has no 405 of its own (a method no route takes is its 404), so
// the route answers the other methods itself.
app.{1}(\"{2}\", (c) => c.text(\"Hello\"));
app.all(\"{2}\", (c) => c.text(\"Method Not Allowed\", 405, {{ Allow: \"{3}\" }}));
",
        route.method,
        route.method.to_ascii_lowercase(),
        route.path,
        route.allow()
    )
}

/// What the error routes send: the cors middleware's headers are copied onto the handler's 500 and the
/// login check's 401, and it appends `Vary: Origin` after either.
fn errors(
    sends: &Exchange,
    policy: &Policy,
    one_method: OneMethod,
    login_first: String,
    cors_on_api_only: String,
) -> Vec<ErrorRoute> {
    // The policy's Vary middleware runs on every path, before the cors middleware or without it.
    let vary = policy.vary.as_ref().map(|v| v.as_str());
    let refused = bare_but_vary(401, vary);
    let api_only = |status: u16| {
        cors_on_some_paths(
            "The cors middleware registered for \"/api\" (a path, where \"*\" or \"/api/*\" is a pattern) runs for that path alone: the preflight for any other gets Hono's 404 (or the route's 405), bare, and the browser reports a CORS error.",
            status,
            vary,
            &cors_on_api_only,
        )
    };
    vec![
        fails(
            actual_status(sends, 500),
            "Hono answers the exception with its error handler's 500, onto which it copies the headers the cors middleware set before the handler ran: the browser shows the 500.".to_owned(),
            None,
        ),
        refuses(
            actual_status(sends, 401),
            "The login check comes after the cors middleware, which answers the preflight itself and whose headers are copied onto the 401: the browser shows the 401.".to_owned(),
            Some(Mistake {
                what: "A login check registered before the cors middleware answers the preflight, which never carries credentials, with a bare 401, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: refused.clone(), actual: refused },
                code: login_first,
            }),
        ),
        not_found(
            actual_status(sends, 404),
            "The cors middleware is registered for \"*\", every path: it answers the preflight, and its headers are set on Hono's own 404 for a path no route takes: the browser shows the 404.".to_owned(),
            Some(api_only(404)),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("Hono has no 405 of its own (a method no route takes is its 404): app.all after the route answers the other methods 405 (Allow: {}), and the cors middleware, which has answered the preflight, sets its headers on it: the browser shows the 405.", one_method.allow()),
            Some(api_only(405)),
        ),
    ]
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        ("preflight", "status") => "Hono's cors middleware answers every preflight with 204.".to_owned(),
        (_, "access-control-allow-origin") => "Hono sends a string origin other than * only to a request from that very origin, and a list's or a function's answer otherwise.".to_owned(),
        (_, "vary") => "Hono appends Vary: Origin for any origin option but *, and Access-Control-Request-Headers on a preflight that sends Allow-Headers.".to_owned(),
        ("preflight", "access-control-allow-headers") => "An empty allowHeaders makes Hono mirror the headers the preflight asks for.".to_owned(),
        ("preflight", "access-control-max-age") => "Hono's maxAge is a number, sent back with toString().".to_owned(),
        ("preflight", "access-control-expose-headers") => "Hono sends Access-Control-Expose-Headers on preflights too; the browser ignores it there.".to_owned(),
        _ => format!("Hono sends its own {header} here."),
    }
}
