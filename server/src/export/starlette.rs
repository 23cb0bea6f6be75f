//! The policy as Starlette's `CORSMiddleware` (1.x; FastAPI's `CORSMiddleware` is the same class).
//!
//! Starlette is opinionated, and what it sends follows its `middleware/cors.py`:
//!
//! - A preflight is an `OPTIONS` with `Origin` and `Access-Control-Request-Method`. It always gets
//!   `Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers,
//!   Access-Control-Request-Private-Network`, `Access-Control-Allow-Methods` (all of them for `*`),
//!   `Access-Control-Max-Age` (600 by default), and — unless `allow_headers` is `*` — an
//!   `Access-Control-Allow-Headers` listing the CORS-safelisted names as well as the allowed ones. It
//!   answers 200 `OK`, or 400 `Disallowed CORS origin, method, headers` when one of them is not allowed.
//! - `Access-Control-Allow-Origin` is `*` only for `allow_origins=["*"]` without credentials. Otherwise it
//!   is the request's `Origin`, echoed when allowed, and nothing when not — so `*` with credentials
//!   becomes "every origin, with credentials".
//! - An actual answer gets `Vary: Origin` added to the endpoint's own.

use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare, fails, not_found, refuses, wrong_method,
};
use super::python::{is_origin, py_escape};
use super::regex::{Engine, translate};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, method_accepted, not_empty, not_options,
    on_every_answer, preflight_succeeds, string_literal, whole_number,
};

const LIBRARY: &str = "Starlette's CORSMiddleware";
const ALL_METHODS: [&str; 8] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"];
const SAFELISTED: [&str; 4] = ["Accept", "Accept-Language", "Content-Language", "Content-Type"];
const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";
/// The methods the export allows when the policy names none: the three that need no permission.
const SIMPLE_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// How the middleware decides which origins it allows.
enum Origins {
    /// `allow_origins=["*"]`.
    All,
    /// `allow_origins=[…]`.
    List(Vec<String>),
    /// `allow_origin_regex=…`, matched against the whole `Origin`.
    Regex(String),
}

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    not_options(probe, LIBRARY)?;
    // A Route upper-cases the methods it is given and compares the request's as it came.
    method_accepted(
        probe,
        "Starlette's Route",
        "with 405 Method Not Allowed, CORS headers and all: the endpoint never runs",
        |m| m.bytes().all(|b| !b.is_ascii_lowercase()),
    )?;
    on_every_answer(policy, LIBRARY)?;
    preflight_succeeds(policy, LIBRARY, 200)?;
    not_empty(policy, LIBRARY)?;
    let credentials = credentials_flag(policy, LIBRARY)?;
    let origins = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => match matcher {
            OriginMatcher::Reflect => Origins::Regex(".*".to_owned()),
            OriginMatcher::Exact(origins) => Origins::List(origins.clone()),
            OriginMatcher::Prefix(text) => Origins::Regex(format!("{}.*", py_escape(text))),
            OriginMatcher::Suffix(text) => Origins::Regex(format!(".*{}", py_escape(text))),
            OriginMatcher::Substring(text) => Origins::Regex(format!(".*{}.*", py_escape(text))),
            OriginMatcher::Regex(pattern) => {
                Origins::Regex(format!(".*(?:{}).*", translate(pattern.as_str(), Engine::Python)))
            }
        },
        (None, Some(value)) if value.as_str() == "*" => {
            if credentials {
                return Err("Starlette cannot send Access-Control-Allow-Origin: * with credentials: given allow_origins=[\"*\"] and allow_credentials=True, it echoes every request's Origin instead, and so lets every site read the answer with the user's cookies. The browser refuses `*` with credentials; name the origins you trust.".to_owned());
            }
            Origins::All
        }
        (None, Some(value)) if is_origin(value.as_str()) => Origins::List(vec![value.as_str().to_owned()]),
        (None, Some(value)) => {
            return Err(format!(
                "This policy sends Access-Control-Allow-Origin: {value}, which is not one origin. {LIBRARY} sends the request's Origin when it is one of allow_origins and nothing otherwise, so it cannot send this value as it is; the browser refuses it either way. List each origin on its own."
            ));
        }
        (None, None) => Origins::List(Vec::new()),
    };
    let methods: Vec<String> = match &policy.allow_methods {
        Some(value) => items(value.as_str()).into_iter().map(str::to_owned).collect(),
        None => SIMPLE_METHODS.iter().map(|m| (*m).to_owned()).collect(),
    };
    let headers: Vec<String> = policy
        .allow_headers
        .as_ref()
        .map(|v| items(v.as_str()).into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let expose: Vec<String> = policy
        .expose_headers
        .as_ref()
        .map(|v| items(v.as_str()).into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let max_age = match &policy.max_age {
        Some(value) => Some(whole_number(value.as_str()).ok_or_else(|| {
            format!("Access-Control-Max-Age: {value} is not a number of seconds, and {LIBRARY}'s max_age takes an int. Send a number.")
        })?),
        None => None,
    };

    let list = |items: &[String]| {
        let quoted: Vec<String> = items.iter().map(|i| string_literal(i)).collect();
        format!("[{}]", quoted.join(", "))
    };
    let mut options = Vec::new();
    match &origins {
        Origins::All => options.push("allow_origins=[\"*\"]".to_owned()),
        Origins::List(list_of) => options.push(format!("allow_origins={}", list(list_of))),
        Origins::Regex(pattern) => options.push(format!("allow_origin_regex={}", string_literal(pattern))),
    }
    if credentials {
        options.push("allow_credentials=True".to_owned());
    }
    options.push(format!("allow_methods={}", list(&methods)));
    options.push(format!("allow_headers={}", list(&headers)));
    if !expose.is_empty() {
        options.push(format!("expose_headers={}", list(&expose)));
    }
    // A Python int has no upper bound: 4294967296 is written, and sent, as it is.
    if let Some(seconds) = &max_age {
        options.push(format!("max_age={seconds}"));
    }
    let mut route_methods: Vec<String> =
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].iter().map(|m| (*m).to_owned()).collect();
    if !route_methods.contains(&probe.method) && probe.method != "OPTIONS" {
        route_methods.push(probe.method.clone());
    }
    let vary = match policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty()) {
        Some(vary) => format!(", headers={{\"Vary\": {}}}", string_literal(vary.as_str())),
        None => String::new(),
    };
    let one_method = OneMethod::for_probe(probe);
    let code = |app: App| -> String {
        let mut code = String::from(
            "# A server that sends the sandbox's CORS policy with Starlette's CORSMiddleware (FastAPI's is the same class:\n# app.add_middleware(CORSMiddleware, ...) with the same arguments).\n# pip install starlette uvicorn   then   python app.py\nimport os\n\nimport uvicorn\nfrom starlette.applications import Starlette\nfrom starlette.middleware import Middleware\nfrom starlette.middleware.base import BaseHTTPMiddleware\nfrom starlette.middleware.cors import CORSMiddleware\nfrom starlette.responses import PlainTextResponse\nfrom starlette.routing import Route\n\n\n",
        );
        code.push_str(&format!(
            "async def hello(request):\n    return PlainTextResponse(\"Hello\"{vary})\n\n\n"
        ));
        code.push_str(ERROR_ROUTES);
        let methods = list(&route_methods);
        code.push_str(&format!(
            "app = Starlette(\n    routes=[\n        Route(\"/api\", hello, methods={methods}),\n        Route(\"/api/fail\", fail, methods={methods}),\n        Route(\"/api/private\", hello, methods={methods}),\n        # A route that takes only {one}: Starlette answers any other method 405, and a path no route\n        # takes (/api/missing, say) 404, both inside CORSMiddleware.\n        Route(\"{path}\", hello, methods=[\"{one}\"]),\n    ],\n    middleware=[\n",
            one = one_method.method,
            path = one_method.path,
        ));
        if app == App::LoginFirst {
            code.push_str("        # The mistake: the login check outside CORSMiddleware.\n        Middleware(RequireLogin),\n");
        }
        code.push_str("        Middleware(\n            CORSMiddleware,\n");
        for option in &options {
            code.push_str(&format!("            {option},\n"));
        }
        code.push_str("        ),\n");
        if app != App::LoginFirst {
            code.push_str("        # Inside CORSMiddleware, so that their answers carry its headers.\n        Middleware(RequireLogin),\n");
        }
        if app != App::NoCatch {
            code.push_str("        Middleware(AnswerErrors),\n");
        }
        code.push_str("    ],\n)\n\nif __name__ == \"__main__\":\n    uvicorn.run(app, host=\"127.0.0.1\", port=int(os.environ.get(\"PORT\", \"8080\")))\n");
        code
    };

    let mut notes = vec![
        "Starlette answers a preflight it accepts with 200 OK and one it refuses with 400 \"Disallowed CORS …\" (with its headers; the browser fails any preflight that is not 2xx).".to_owned(),
        "Starlette always sends Access-Control-Max-Age (600 seconds unless max_age says otherwise), a Vary of four request headers on preflights, and Vary: Origin on every other answer.".to_owned(),
        "Its Access-Control-Allow-Headers always lists the CORS-safelisted names (Accept, Accept-Language, Content-Language, Content-Type) with yours.".to_owned(),
        "Empty values: Starlette always sends Access-Control-Allow-Methods, so an empty list of methods goes out as an empty line (the browser reads it as no method); an empty Expose-Headers or Vary is left out.".to_owned(),
    ];
    if policy.allow_methods.is_none() {
        notes.push("The policy allows no method by name; Starlette needs a list (its default is GET only), so the export allows GET, HEAD and POST, the three a browser sends without asking.".to_owned());
    }
    if matches!(origins, Origins::Regex(_)) {
        notes.push("allow_origin_regex must match the whole Origin (Python's re.fullmatch), so the export wraps the check in .* where it looks for a part.".to_owned());
    }
    let sends = sends(policy, probe, &origins, credentials, &methods, &headers, &expose, max_age.clone());
    Ok(Written {
        code: code(App::Exported),
        errors: errors(&sends, one_method, code(App::NoCatch), code(App::LoginFirst)),
        sends,
        notes,
        why,
    })
}

/// The app as exported, or with one of the mistakes that take the CORS headers off an error.
#[derive(Clone, Copy, PartialEq, Eq)]
enum App {
    Exported,
    /// Without AnswerErrors: Starlette's ServerErrorMiddleware, outside every user middleware, answers.
    NoCatch,
    /// RequireLogin listed before CORSMiddleware, outside it.
    LoginFirst,
}

/// The handler that throws, the login check, and the middleware that answers an exception inside
/// CORSMiddleware.
const ERROR_ROUTES: &str =
    "# Two routes that show an error keeping its CORS headers (delete them): a handler that throws,
async def fail(request):
    raise RuntimeError(\"the handler failed\")


# and a route a login check refuses with 401.
class RequireLogin(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path == \"/api/private\":
            # This example has no users: it refuses every request.
            return PlainTextResponse(\"Log in first\", status_code=401)
        return await call_next(request)


# Starlette answers an unhandled exception in ServerErrorMiddleware, which sits outside every middleware of
# yours, CORSMiddleware included: its 500 has no CORS headers. This answers it inside CORSMiddleware instead
# (an exception handler for 500 or Exception would not: Starlette gives those to ServerErrorMiddleware too).
class AnswerErrors(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        try:
            return await call_next(request)
        except Exception:
            return PlainTextResponse(\"Internal Server Error\", status_code=500)


";

/// What the error routes send. Their answers are made inside CORSMiddleware, which adds its actual-answer
/// headers and `Vary: Origin` to them (the endpoint's own Vary is the endpoint's); the preflight never gets
/// past CORSMiddleware.
fn errors(sends: &Exchange, one_method: OneMethod, no_catch: String, login_first: String) -> Vec<ErrorRoute> {
    let mut on_error = sends.clone();
    on_error.actual.headers.insert("vary".to_owned(), "Origin".to_owned());
    vec![
        fails(
            actual_status(&on_error, 500),
            "AnswerErrors turns the exception into a 500 inside CORSMiddleware, which adds its headers to it: the browser shows the 500.".to_owned(),
            Some(Mistake {
                what: "Without AnswerErrors, Starlette's ServerErrorMiddleware answers the exception, outside CORSMiddleware: the 500 has no CORS headers, and the browser reports a CORS error. (An exception handler for 500 or Exception runs there too.)".to_owned(),
                sends: Exchange { preflight: sends.preflight.clone(), actual: bare(500) },
                code: no_catch,
            }),
        ),
        refuses(
            actual_status(&on_error, 401),
            "CORSMiddleware is listed first, so it answers the preflight itself and adds its headers to the login check's 401: the browser shows the 401.".to_owned(),
            Some(Mistake {
                what: "A login check listed before CORSMiddleware runs outside it: it answers the preflight, which never carries credentials, with a bare 401, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: bare(401), actual: bare(401) },
                code: login_first,
            }),
        ),
        not_found(
            actual_status(&on_error, 404),
            "CORSMiddleware answers the preflight before any route is looked for, and Starlette's 404 for a path no route takes is made inside it (its ExceptionMiddleware is the innermost), so it carries its headers: the browser shows the 404. Nothing to add.".to_owned(),
            None,
        ),
        wrong_method(
            one_method,
            actual_status(&on_error, 405),
            format!("CORSMiddleware answers the preflight; the route answers a method other than {} with 405 inside it, which adds its headers: the browser shows the 405. Nothing to add.", one_method.allow().replace(", ", " or ")),
            None,
        ),
    ]
}

/// What Starlette sends the probe, step by step as `CORSMiddleware` decides.
#[allow(clippy::too_many_arguments)]
fn sends(
    policy: &Policy,
    probe: &Probe,
    origins: &Origins,
    credentials: bool,
    methods: &[String],
    headers: &[String],
    expose: &[String],
    max_age: Option<String>,
) -> Exchange {
    let all_origins = matches!(origins, Origins::All);
    let all_headers = headers.iter().any(|h| h == "*");
    let explicit = !all_origins || credentials;
    let allowed = match origins {
        Origins::All => true,
        Origins::List(list) => list.contains(&probe.origin),
        // The regexes the export writes match whole origins exactly when the matcher accepts.
        Origins::Regex(_) => policy.origin_matcher.as_ref().is_some_and(|m| m.accepts(&probe.origin)),
    };
    let methods: Vec<String> = if methods.iter().any(|m| m == "*") {
        ALL_METHODS.iter().map(|m| (*m).to_owned()).collect()
    } else {
        methods.to_vec()
    };

    let mut preflight = Sent::status(200);
    preflight.add("vary", PREFLIGHT_VARY);
    if !explicit {
        preflight.add("access-control-allow-origin", "*");
    }
    preflight.add("access-control-allow-methods", &methods.join(", "));
    preflight.add("access-control-max-age", max_age.as_deref().unwrap_or("600"));
    let mut allow_headers: Vec<String> = SAFELISTED.iter().map(|h| (*h).to_owned()).collect();
    allow_headers.extend(headers.iter().cloned());
    if !all_headers {
        preflight.add("access-control-allow-headers", &allow_headers.join(", "));
    }
    if credentials {
        preflight.add("access-control-allow-credentials", "true");
    }
    let mut failed = false;
    if allowed {
        if explicit {
            preflight.add("access-control-allow-origin", &probe.origin);
        }
    } else {
        failed = true;
    }
    if !methods.contains(&probe.method) {
        failed = true;
    }
    let requested = probe.request_headers.join(",");
    if all_headers && !probe.request_headers.is_empty() {
        preflight.add("access-control-allow-headers", &requested);
    } else if !probe.request_headers.is_empty() {
        let allowed_names: Vec<String> = allow_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
        if probe.request_headers.iter().any(|h| !allowed_names.contains(h)) {
            failed = true;
        }
    }
    if failed {
        preflight.status = 400;
    }

    let mut actual = Sent::status(200);
    if all_origins {
        actual.add("access-control-allow-origin", if credentials { &probe.origin } else { "*" });
    } else if allowed {
        actual.add("access-control-allow-origin", &probe.origin);
    }
    if credentials {
        actual.add("access-control-allow-credentials", "true");
    }
    if !expose.is_empty() {
        actual.add("access-control-expose-headers", &expose.join(", "));
    }
    let mut vary: Vec<String> = policy.vary.iter().map(|v| v.as_str().to_owned()).collect();
    vary.push("Origin".to_owned());
    actual.add("vary", &vary.join(", "));
    Exchange { preflight, actual }
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        ("preflight", "status") => "Starlette answers a preflight it accepts with 200 OK and one it refuses (the origin, the method or a header) with 400 \"Disallowed CORS …\". The browser needs a 2xx, so a 400 fails the preflight whatever its headers say.".to_owned(),
        ("preflight", "vary") => "Starlette's preflights always vary on Origin and the three Access-Control-Request-* headers, and never carry the endpoint's own Vary.".to_owned(),
        ("actual", "vary") => "Starlette adds Vary: Origin to every answer: the fix of the Vary lesson.".to_owned(),
        (_, "access-control-allow-origin") => "Starlette never sends a fixed origin: it echoes the request's Origin when it is allowed and sends nothing when it is not.".to_owned(),
        (_, "access-control-max-age") => "Starlette always sends Access-Control-Max-Age, 600 seconds by default.".to_owned(),
        (_, "access-control-allow-headers") => "Starlette always lists the CORS-safelisted headers too (or, for `*`, echoes what the preflight asks for).".to_owned(),
        (_, "access-control-allow-methods") => "Starlette always sends a list of methods: the export's, or all of them for `*`.".to_owned(),
        _ => format!("Starlette sends its own {header} here."),
    }
}
