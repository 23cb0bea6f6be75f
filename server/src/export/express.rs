//! The policy as express 4 with the `cors` package (2.8).
//!
//! What it sends follows cors's lib/index.js: on any `OPTIONS`, `Access-Control-Allow-Origin` (from the
//! `origin` option), `-Allow-Credentials` (`true` only), `-Allow-Methods`, `-Allow-Headers`, `-Max-Age`
//! and `-Expose-Headers`, then `optionsSuccessStatus` with an empty body; on other requests
//! `-Allow-Origin`, `-Allow-Credentials` and `-Expose-Headers`. A fixed origin other than `*`, a list, a
//! RegExp or `true` also adds `Vary: Origin`. Left out, `methods` defaults to
//! `GET,HEAD,PUT,PATCH,POST,DELETE` and `allowedHeaders` mirrors the request's
//! `Access-Control-Request-Headers`, so the export always sets both (an empty list sends no header).
//! A falsy `origin` turns the middleware off, and an `origin` function that refuses skips it altogether,
//! so the export writes allowlists as lists and regular expressions, never as functions.

use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare_but_vary, cors_on_some_paths, fails, not_found,
    refuses, wrong_method,
};
use super::node::{node_accepts, origin_option, vary_with_origin};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, not_empty, not_options, on_every_answer,
    string_literal,
};

const LIBRARY: &str = "express's cors package";

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    not_options(probe, LIBRARY)?;
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

    let mut options = vec![format!("origin: {origin}")];
    if credentials {
        options.push("credentials: true".to_owned());
    }
    // An empty list, not "": an empty string is falsy, and cors then mirrors the request's headers.
    let list_or_none = |value: &Option<crate::HeaderText>| match value {
        Some(value) if !items(value.as_str()).is_empty() => string_literal(value.as_str()),
        _ => "[]".to_owned(),
    };
    options.push(format!("methods: {}", list_or_none(&policy.allow_methods)));
    options.push(format!("allowedHeaders: {}", list_or_none(&policy.allow_headers)));
    if let Some(expose) = policy.expose_headers.as_ref().filter(|v| !items(v.as_str()).is_empty()) {
        options.push(format!("exposedHeaders: {}", string_literal(expose.as_str())));
    }
    if let Some(max_age) = &policy.max_age {
        options.push(format!("maxAge: {}", string_literal(max_age.as_str())));
    }
    options.push(format!("optionsSuccessStatus: {}", policy.preflight_status));
    let one_method = OneMethod::for_probe(probe);
    let code = |login_first: bool| -> String {
        let mut code = String::from(
            "// A server that sends the sandbox's CORS policy with express and the cors package.\n// npm install express@4 cors@2.8   then   node server.js\nconst express = require(\"express\");\nconst cors = require(\"cors\");\n\nconst app = express();\n",
        );
        // An empty Vary is no Vary to the browser: the export writes none (res.append would send an empty line).
        if let Some(vary) = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty()) {
            code.push_str(&format!(
            "// The policy's Vary, on every answer (cors adds Origin to it where it needs to).\napp.use((req, res, next) => {{\n  res.append(\"Vary\", {});\n  next();\n}});\n",
            string_literal(vary.as_str())
        ));
        }
        if login_first {
            code.push_str(LOGIN_FIRST);
        }
        code.push_str("app.use(\n  cors({\n");
        for option in &options {
            code.push_str(&format!("    {option},\n"));
        }
        code.push_str("  }),\n);\n\napp.all(\"/api\", (req, res) => res.send(\"Hello\"));\n");
        code.push_str(if login_first { ERROR_ROUTES_LOGIN_FIRST } else { ERROR_ROUTES });
        code.push_str(&one_method_routes(one_method));
        code.push_str("\nconst port = process.env.PORT || 8080;\napp.listen(port, \"127.0.0.1\", () => console.log(`listening on http://127.0.0.1:${port}`));\n");
        code
    };

    let sends = sends(policy, probe);
    Ok(Written {
        code: code(false),
        errors: errors(
            &sends,
            one_method,
            policy.vary.as_ref().map(|v| v.as_str()),
            code(true),
            cors_on_one_route(&code(false)),
        ),
        sends,
        notes: vec![
            "cors answers every OPTIONS request as a preflight, and sends Access-Control-Expose-Headers on it too (the browser reads it only on the actual answer).".to_owned(),
            "Left out, `methods` defaults to GET,HEAD,PUT,PATCH,POST,DELETE and `allowedHeaders` mirrors what the preflight asks for: the export always sets both, to the policy's own.".to_owned(),
            "A list, a RegExp or `origin: true` echoes the request's Origin when it matches and sends no Access-Control-Allow-Origin when it does not; a list can never be sent as one header.".to_owned(),
            "Empty values: an empty list is written `[]`, which cors sends as no header, and an empty Vary is left out; an empty Access-Control-Allow-Origin or Max-Age is refused, since cors sends neither.".to_owned(),
        ],
        why,
    })
}

/// Two routes that show an error keeping its CORS headers, after cors(): one that throws and one a login
/// check refuses.
const ERROR_ROUTES: &str = "
// Two routes that show an error keeping its CORS headers, because they come after cors() (delete them):
// a handler that throws, which express's own error handler answers 500 with the headers cors() set,
app.all(\"/api/fail\", () => {
  throw new Error(\"the handler failed\");
});
// and a route behind a login check, which answers 401 (the preflight never gets here: cors() answered it).
function requireLogin(req, res, next) {
  // This example has no users: it refuses every request.
  res.status(401).send(\"Log in first\");
}
app.all(\"/api/private\", requireLogin, (req, res) => res.send(\"Hello\"));
";

/// The mistake: the login check before cors(), so that it answers the preflight (which never carries
/// credentials) with a bare 401.
const LOGIN_FIRST: &str = "// The mistake: a login check before cors().
function requireLogin(req, res, next) {
  // This example has no users: it refuses every request.
  res.status(401).send(\"Log in first\");
}
app.use(\"/api/private\", requireLogin);
";

/// The error routes of the mistaken code: the login check is already in place.
const ERROR_ROUTES_LOGIN_FIRST: &str = "
app.all(\"/api/fail\", () => {
  throw new Error(\"the handler failed\");
});
app.all(\"/api/private\", (req, res) => res.send(\"Hello\"));
";

/// The mistake: cors() on the endpoint's route only, so that no other path gets it.
fn cors_on_one_route(code: &str) -> String {
    code.replacen(
        "app.use(\n  cors({\n",
        "// The mistake: cors() on one route only.\nconst corsOnApi = cors({\n",
        1,
    )
    .replacen(
        "  }),\n);\n\napp.all(\"/api\", (req, res)",
        "});\n\napp.all(\"/api\", corsOnApi, (req, res)",
        1,
    )
}

/// The route that takes one method only. express has no 405 of its own: a method no route takes falls
/// through to its 404 ("Cannot PUT /api/get-only"), so the route answers the other methods itself.
fn one_method_routes(route: OneMethod) -> String {
    let method = route.method.to_ascii_lowercase();
    format!(
        "
// Two routes that show a refusal keeping its CORS headers, after cors() too: /api/missing, which no route
// answers (express's own 404), and a route that takes only {0}. express has no 405 of its own (a method no
// route takes falls through to its 404), so the route answers the other methods itself.
app.{method}(\"{1}\", (req, res) => res.send(\"Hello\"));
app.all(\"{1}\", (req, res) => res.set(\"Allow\", \"{2}\").status(405).send(\"Method Not Allowed\"));
",
        route.method,
        route.path,
        route.allow()
    )
}

/// What the error routes send: cors() ran before either, so both keep its headers (express 4's final
/// handler, finalhandler 1.3, removes only Content-Encoding, -Language and -Range before its 500 page).
fn errors(
    sends: &Exchange,
    one_method: OneMethod,
    vary: Option<&str>,
    login_first: String,
    cors_on_one_route: String,
) -> Vec<ErrorRoute> {
    // The policy's Vary middleware runs before the login check, even when that comes before cors(), and on
    // every path, cors() or not.
    let refused = bare_but_vary(401, vary);
    let on_one_route = |status: u16| {
        cors_on_some_paths(
            "cors() on one route only (app.all(\"/api\", cors(…), …)) leaves every other path without it: the preflight for one of them gets express's 404 (or the route's 405), bare, and the browser reports a CORS error.",
            status,
            vary,
            &cors_on_one_route,
        )
    };
    vec![
        fails(
            actual_status(sends, 500),
            "The handler's exception reaches express's own error handler, which answers 500 and keeps the headers cors() had already set (it removes only Content-Encoding, Content-Language and Content-Range): the browser shows the 500.".to_owned(),
            None,
        ),
        refuses(
            actual_status(sends, 401),
            "cors() comes first, so it answers the preflight itself, and the login check's 401 carries its headers: the browser shows the 401.".to_owned(),
            Some(Mistake {
                what: "A login check placed before cors() (app.use(requireLogin) above app.use(cors())) answers the preflight, which never carries credentials, with a bare 401: the browser reports a CORS error and never sends the request.".to_owned(),
                sends: Exchange { preflight: refused.clone(), actual: refused },
                code: login_first,
            }),
        ),
        not_found(
            actual_status(sends, 404),
            "cors() runs before the router on every path: it answers the preflight, and express's own 404 for a path no route takes (\"Cannot PUT /api/missing\") keeps its headers, so the browser shows the 404.".to_owned(),
            Some(on_one_route(404)),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("express has no 405 of its own: a method no route takes falls through to its 404. The route's second line answers the other methods 405 (Allow: {}), after cors(), which has answered the preflight and whose headers stay: the browser shows the 405.", one_method.allow()),
            Some(on_one_route(405)),
        ),
    ]
}

/// What express and cors send the probe.
fn sends(policy: &Policy, probe: &Probe) -> Exchange {
    let mut preflight = Sent::status(policy.preflight_status);
    let mut actual = Sent::status(200);
    // cors's configureOrigin: a fixed string is sent as it is, anything else echoes an allowed Origin.
    let (allow_origin, varies) = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => (matcher.accepts(&probe.origin).then(|| probe.origin.clone()), true),
        (None, Some(value)) => (Some(value.as_str().to_owned()), value.as_str() != "*"),
        (None, None) => (None, false),
    };
    let vary = vary_with_origin(policy, varies);
    for sent in [&mut preflight, &mut actual] {
        if let Some(vary) = &vary {
            sent.add("vary", vary);
        }
        if let Some(origin) = &allow_origin {
            sent.add("access-control-allow-origin", origin);
        }
        if policy.allow_credentials.is_some() {
            sent.add("access-control-allow-credentials", "true");
        }
        if let Some(expose) = policy.expose_headers.as_ref().filter(|v| !v.as_str().is_empty()) {
            sent.add("access-control-expose-headers", expose.as_str());
        }
    }
    for (name, value) in [
        ("access-control-allow-methods", &policy.allow_methods),
        ("access-control-allow-headers", &policy.allow_headers),
    ] {
        if let Some(value) = value.as_ref().filter(|v| !items(v.as_str()).is_empty()) {
            preflight.add(name, value.as_str());
        }
    }
    if let Some(value) = policy.max_age.as_ref().filter(|v| !v.as_str().is_empty()) {
        preflight.add("access-control-max-age", value.as_str());
    }
    Exchange { preflight, actual }
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        (_, "vary") => "cors adds Vary: Origin whenever its origin option is anything but `*` (a fixed origin included), through the vary package, which then writes a list holding `*` as `*` alone. Vary: Origin is the fix of the Vary lesson.".to_owned(),
        ("preflight", "access-control-expose-headers") => {
            "cors sends Access-Control-Expose-Headers on preflights too; the browser ignores it there.".to_owned()
        }
        _ => format!("cors sends its own {header} here."),
    }
}
