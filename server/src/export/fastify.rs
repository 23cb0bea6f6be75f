//! The policy as Fastify 5 with @fastify/cors (11).
//!
//! What it sends follows @fastify/cors's index.js, whose `onRequest` hook runs before routing:
//!
//! - On every request, `Access-Control-Allow-Origin` (a string option is sent as it is; a list, a RegExp
//!   or `true` echoes an allowed Origin and sends nothing otherwise), `-Allow-Credentials` and
//!   `-Expose-Headers` — preflights included. An origin option that is not a string also adds `Origin` to
//!   `Vary` (its vary.js, which writes a list holding `*` as `*` alone), whether the origin was allowed or
//!   not.
//! - On an `OPTIONS` it requires `Origin` and `Access-Control-Request-Method` (`strictPreflight`: a 400
//!   "Invalid Preflight Request" otherwise), then adds `-Allow-Methods` (default `GET,HEAD,POST`),
//!   `-Allow-Headers` (left out, it mirrors the request's and adds `Vary: Access-Control-Request-Headers`)
//!   and `-Max-Age`, and answers `optionsSuccessStatus` (204) with no body — whatever the origin.
//! - Its values go out as given: a list joined with `, `, an empty list as an empty line.
//! - Fastify keeps the headers a hook set when a handler throws: its error handler removes only
//!   Content-Type and Content-Length.

use crate::policy::Policy;

use super::errors::{ErrorRoute, Mistake, OneMethod, actual_status, fails, not_found, refuses, wrong_method};
use super::node::{node_accepts, origin_option, vary_with_origin};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, not_empty, on_every_answer, string_literal,
};

const LIBRARY: &str = "@fastify/cors";
/// The methods Fastify routes without `addHttpMethod` (its `supportedMethods`), which `fastify.all` takes.
const FASTIFY_METHODS: [&str; 9] =
    ["GET", "HEAD", "TRACE", "DELETE", "OPTIONS", "PATCH", "PUT", "POST", "QUERY"];

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    if probe.method == "OPTIONS" {
        return Err(format!(
            "This request's own method is OPTIONS. {LIBRARY} takes every OPTIONS for a preflight, and answers one without Access-Control-Request-Method with 400 \"Invalid Preflight Request\" (strictPreflight), so its answer to this one would not be the endpoint's; export it for another method."
        ));
    }
    node_accepts(probe)?;
    on_every_answer(policy, LIBRARY)?;
    if (300..400).contains(&policy.preflight_status) {
        return Err(format!(
            "This policy answers preflights with a redirect ({}), which the browser never follows for a preflight. {LIBRARY} can send the status (optionsSuccessStatus) but not a Location; export the fixed policy (preflight status 204) instead.",
            policy.preflight_status
        ));
    }
    not_empty(policy, LIBRARY)?;
    let credentials = credentials_flag(policy, LIBRARY)?;
    let origin = origin_option(policy, LIBRARY)?;
    let list = |value: &Option<crate::HeaderText>| match value {
        Some(value) if !items(value.as_str()).is_empty() => string_literal(value.as_str()),
        _ => "[]".to_owned(),
    };
    let mut options = vec![format!("origin: {origin}")];
    if credentials {
        options.push("credentials: true".to_owned());
    }
    // Both always set: left out, methods is GET,HEAD,POST and allowedHeaders mirrors the request's.
    options.push(format!("methods: {}", list(&policy.allow_methods)));
    options.push(format!("allowedHeaders: {}", list(&policy.allow_headers)));
    if let Some(expose) = policy.expose_headers.as_ref().filter(|v| !items(v.as_str()).is_empty()) {
        options.push(format!("exposedHeaders: {}", string_literal(expose.as_str())));
    }
    if let Some(max_age) = &policy.max_age {
        options.push(format!("maxAge: {}", string_literal(max_age.as_str())));
    }
    options.push(format!("optionsSuccessStatus: {}", policy.preflight_status));
    let vary = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty());
    let extra_method = (!FASTIFY_METHODS.contains(&probe.method.as_str())).then(|| probe.method.clone());

    let one_method = OneMethod::for_probe(probe);
    let code = |login_first: bool| -> String {
        let mut code = String::from(
            "// A server that sends the sandbox's CORS policy with Fastify and @fastify/cors.\n// npm install fastify@5 @fastify/cors@11   then   node server.js\nconst fastify = require(\"fastify\")();\nconst cors = require(\"@fastify/cors\");\n\n",
        );
        if let Some(method) = &extra_method {
            code.push_str(&format!(
                "// Fastify routes only the common methods unless told of another (fastify.all then takes it too).\nfastify.addHttpMethod({}, {{ hasBody: true }});\n\n",
                string_literal(method)
            ));
        }
        if let Some(vary) = vary {
            code.push_str(&format!(
                "// The policy's Vary, on every answer (@fastify/cors adds Origin to it where it needs to). A hook\n// added here runs before the plugin's.\nfastify.addHook(\"onRequest\", async (request, reply) => {{\n  reply.header(\"Vary\", {});\n}});\n\n",
                string_literal(vary.as_str())
            ));
        }
        if login_first {
            code.push_str("// The mistake: a login check as a global onRequest hook, added before the plugin's.\nfastify.addHook(\"onRequest\", async (request, reply) => {\n  if (request.url === \"/api/private\") {\n    reply.code(401).send(\"Log in first\");\n    return reply;\n  }\n});\n\n");
        }
        code.push_str("fastify.register(cors, {\n");
        for option in &options {
            code.push_str(&format!("  {option},\n"));
        }
        code.push_str("});\n\nfastify.all(\"/api\", async () => \"Hello\");\n");
        code.push_str("\n// Two routes that show an error keeping its CORS headers (delete them): a handler that throws, which\n// Fastify answers 500 keeping the headers the plugin's hook set,\nfastify.all(\"/api/fail\", async () => {\n  throw new Error(\"the handler failed\");\n});\n");
        if login_first {
            code.push_str("fastify.all(\"/api/private\", async () => \"Hello\");\n");
        } else {
            code.push_str("// and a route a login check refuses with 401: a preHandler runs after the plugin's onRequest hook,\n// which has answered the preflight.\nasync function requireLogin(request, reply) {\n  // This example has no users: it refuses every request.\n  reply.code(401).send(\"Log in first\");\n  return reply;\n}\nfastify.all(\"/api/private\", { preHandler: requireLogin }, async () => \"Hello\");\n");
        }
        code.push_str(&one_method_routes(one_method, extra_method.as_deref()));
        code.push_str("\nfastify.listen({ port: Number(process.env.PORT) || 8080, host: \"127.0.0.1\" });\n");
        code
    };

    let sends = sends(policy, probe, credentials);
    Ok(Written {
        code: code(false),
        errors: errors(&sends, policy, one_method, body_status(probe), code(true)),
        sends,
        notes: vec![
            "@fastify/cors answers every OPTIONS request as a preflight, whatever the origin: one without Access-Control-Request-Method gets 400 \"Invalid Preflight Request\".".to_owned(),
            "Fastify parses the body before any handler: a request sent as application/json with an empty body gets 400, and one of a media type it has no parser for (only application/json and text/plain have one) 415, both with the CORS headers.".to_owned(),
            "Left out, methods is GET,HEAD,POST and allowedHeaders mirrors what the preflight asks for: the export always sets both, to the policy's own.".to_owned(),
            "A list, a RegExp or `origin: true` echoes the request's Origin when it matches, sends no Access-Control-Allow-Origin when it does not, and adds Vary: Origin either way; a string is sent as it is, with no Vary.".to_owned(),
            "Empty values: @fastify/cors sends its values as given, so an empty list of methods or headers goes out as an empty line (the browser reads it as none); the export leaves an empty Expose-Headers or Vary out.".to_owned(),
        ],
        why,
    })
}

/// The status Fastify answers the probe's request with before any handler when it parses its body:
/// for a method that may have one (and the probe's never has one), an empty body with Content-Type
/// application/json is a 400 (FST_ERR_CTP_EMPTY_JSON_BODY) and a media type it has no parser for (only
/// application/json and text/plain have one) a 415. `None`: the handler runs.
fn body_status(probe: &Probe) -> Option<u16> {
    let bodyless = ["GET", "HEAD", "TRACE"].contains(&probe.method.as_str());
    let content_type = probe.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-type"))?;
    if bodyless {
        return None;
    }
    let essence = content_type.1.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Some(400),
        "text/plain" => None,
        _ => Some(415),
    }
}

/// What Fastify and @fastify/cors send the probe.
fn sends(policy: &Policy, probe: &Probe, credentials: bool) -> Exchange {
    let mut preflight = Sent::status(policy.preflight_status);
    let mut actual = Sent::status(body_status(probe).unwrap_or(200));
    let allow_origin = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => matcher.accepts(&probe.origin).then(|| probe.origin.clone()),
        (None, Some(value)) => Some(value.as_str().to_owned()),
        (None, None) => None,
    };
    let vary = vary_with_origin(policy, policy.origin_matcher.is_some());
    for sent in [&mut preflight, &mut actual] {
        if let Some(vary) = &vary {
            sent.add("vary", vary);
        }
        if let Some(origin) = &allow_origin {
            sent.add("access-control-allow-origin", origin);
        }
        if credentials {
            sent.add("access-control-allow-credentials", "true");
        }
        if let Some(expose) = policy.expose_headers.as_ref().filter(|v| !items(v.as_str()).is_empty()) {
            sent.add("access-control-expose-headers", expose.as_str());
        }
    }
    for (name, value) in [
        ("access-control-allow-methods", &policy.allow_methods),
        ("access-control-allow-headers", &policy.allow_headers),
    ] {
        let value = value.as_ref().filter(|v| !items(v.as_str()).is_empty());
        preflight.add(name, value.map(|v| v.as_str()).unwrap_or_default());
    }
    if let Some(value) = &policy.max_age {
        preflight.add("access-control-max-age", value.as_str());
    }
    Exchange { preflight, actual }
}

/// The route that takes one method only. Fastify has no 405 of its own (a method no route takes is its 404,
/// "Route PUT:/api/get-only not found"), so a second route answers the other methods 405; the probe's own
/// method, when Fastify was told of it, is among them.
fn one_method_routes(route: OneMethod, extra_method: Option<&str>) -> String {
    let mut others: Vec<String> = ["DELETE", "GET", "PATCH", "POST", "PUT"]
        .iter()
        .filter(|m| **m != route.method)
        .map(|m| format!("\"{m}\""))
        .collect();
    if let Some(method) = extra_method {
        others.push(string_literal(method));
    }
    format!(
        "
// Two routes that show a refusal keeping its CORS headers: /api/missing, which no route answers (Fastify's
// own 404, after the plugin's hook), and a route that takes only {0}. Fastify has no 405 of its own (a method
// no route takes is its 404), so a second route answers the other methods.
fastify.{1}(\"{2}\", async () => \"Hello\");
fastify.route({{
  method: [{3}],
  url: \"{2}\",
  handler: async (request, reply) => reply.code(405).header(\"Allow\", \"{4}\").send(\"Method Not Allowed\"),
}});
",
        route.method,
        route.method.to_ascii_lowercase(),
        route.path,
        others.join(", "),
        route.allow()
    )
}

/// What the error routes send: the plugin's hook has set its headers before either handler runs.
fn errors(
    sends: &Exchange,
    policy: &Policy,
    one_method: OneMethod,
    body_status: Option<u16>,
    login_first: String,
) -> Vec<ErrorRoute> {
    // The policy's Vary hook runs before the mistaken login check; the plugin's never does.
    let mut refused = Sent::status(401);
    if let Some(vary) = vary_with_origin(policy, false) {
        refused.add("vary", &vary);
    }
    vec![
        // A body Fastify refuses is answered before any handler or preHandler.
        fails(
            actual_status(sends, body_status.unwrap_or(500)),
            "The plugin's onRequest hook set the CORS headers before the handler ran, and Fastify's error handler keeps them on its 500 (it removes only Content-Type and Content-Length): the browser shows the 500.".to_owned(),
            None,
        ),
        refuses(
            actual_status(sends, body_status.unwrap_or(401)),
            "The login check is a preHandler, which runs after the plugin's onRequest hook: the hook answers the preflight, and the 401 carries its headers, so the browser shows the 401.".to_owned(),
            Some(Mistake {
                what: "A login check as a global onRequest hook added before the plugin runs first: it answers the preflight, which never carries credentials, with a bare 401, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: refused.clone(), actual: refused },
                code: login_first,
            }),
        ),
        not_found(
            actual_status(sends, body_status.unwrap_or(404)),
            "Fastify's 404 for a path no route takes (\"Route PUT:/api/missing not found\") runs the plugin's onRequest hook first, which answers the preflight and sets the headers the 404 keeps: the browser shows the 404.".to_owned(),
            None,
        ),
        wrong_method(
            one_method,
            actual_status(sends, body_status.unwrap_or(405)),
            format!("Fastify has no 405 of its own (a method no route takes is its 404): the second route answers the other methods 405 (Allow: {}), after the plugin's hook has answered the preflight and set the headers the 405 keeps: the browser shows the 405.", one_method.allow()),
            None,
        ),
    ]
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        (_, "vary") => "@fastify/cors adds Vary: Origin whenever its origin option is not a string, and writes a list holding `*` as `*` alone. Vary: Origin is the fix of the Vary lesson.".to_owned(),
        ("actual", "status") => "Fastify parses a request's body before its handler: an empty body sent as application/json is a 400, and a media type it has no parser for a 415 (add one with addContentTypeParser).".to_owned(),
        ("preflight", "access-control-expose-headers") => {
            "@fastify/cors sends Access-Control-Expose-Headers on preflights too; the browser ignores it there.".to_owned()
        }
        ("preflight", "access-control-allow-methods" | "access-control-allow-headers") => {
            format!("@fastify/cors always sends {header} on a preflight, even an empty one.")
        }
        _ => format!("@fastify/cors sends its own {header} here."),
    }
}
