//! The policy as Flask 3 with Flask-CORS (6.0), served by Werkzeug's development server.
//!
//! What it sends follows flask_cors/core.py (`get_cors_headers`) and extension.py:
//!
//! - Flask-CORS never sends a fixed origin: given origins, it echoes the request's `Origin` when one of
//!   them matches (a literal compared without case, a compiled pattern with `re.match`, which anchors only
//!   the start) and sends no CORS header at all when none does. Only `origins="*"` with
//!   `send_wildcard=True` sends `*`; `origins="*"` alone (its default) echoes every origin — with
//!   `supports_credentials=True`, every origin with credentials.
//! - On an `OPTIONS` it adds `Access-Control-Allow-Methods` (the methods sorted, upper-cased, joined with
//!   `, `), `-Allow-Headers` (the requested names that match, sorted) and `-Max-Age` only when the
//!   requested method is *found in that string* (`in` on a `str`), and drops every empty value (a
//!   `max_age` of 0 included). `Access-Control-Expose-Headers` goes on every answer, preflights too.
//! - `Vary: Origin` is added, as a line of its own, when the origin was echoed and more than one origin
//!   (or a pattern) could have matched.
//! - Flask answers a preflight itself (automatic OPTIONS, 200), and Flask-CORS wraps Flask's exception
//!   handlers, so a 500 carries its headers too.

use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{ErrorRoute, Mistake, OneMethod, actual_status, fails, not_found, refuses, wrong_method};
use super::python::{is_origin, py_escape, py_list};
use super::regex::{Engine, translate};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, not_empty, not_options, on_every_answer,
    preflight_succeeds, string_literal, whole_number,
};

const LIBRARY: &str = "Flask-CORS";
/// The characters that make Flask-CORS read a string as a regular expression (its `probably_regex`).
const REGEX_HINTS: &str = "*\\]?$^[]()";

/// Which origins the extension echoes.
enum Origins {
    /// `origins="*", send_wildcard=True`: `*` itself.
    Wildcard,
    /// Literal origins, compared without case.
    Literal(Vec<String>),
    /// One compiled pattern, matched with `re.match`; `accepts` is the sandbox's matcher it stands for.
    Pattern(String),
}

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    not_options(probe, "Flask")?;
    on_every_answer(policy, LIBRARY)?;
    preflight_succeeds(policy, "Flask (its automatic OPTIONS answer)", 200)?;
    not_empty(policy, LIBRARY)?;
    let credentials = credentials_flag(policy, LIBRARY)?;
    let origins = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => match matcher {
            OriginMatcher::Reflect => Origins::Pattern(".*".to_owned()),
            OriginMatcher::Exact(list) if list.iter().all(|o| !o.contains(|c| REGEX_HINTS.contains(c))) => {
                Origins::Literal(list.clone())
            }
            OriginMatcher::Exact(list) => {
                let escaped: Vec<String> = list.iter().map(|o| py_escape(o)).collect();
                Origins::Pattern(format!("(?:{})$", escaped.join("|")))
            }
            OriginMatcher::Prefix(text) => Origins::Pattern(py_escape(text)),
            OriginMatcher::Suffix(text) => Origins::Pattern(format!(".*{}$", py_escape(text))),
            OriginMatcher::Substring(text) => Origins::Pattern(format!(".*{}", py_escape(text))),
            OriginMatcher::Regex(pattern) => {
                Origins::Pattern(format!(".*(?:{})", translate(pattern.as_str(), Engine::Python)))
            }
        },
        (None, Some(value)) if value.as_str() == "*" => {
            if credentials {
                return Err("Flask-CORS cannot send Access-Control-Allow-Origin: * with credentials: with origins=\"*\" and supports_credentials=True it echoes every request's Origin, with credentials, so every site reads the answer with the user's cookies (and with send_wildcard=True as well, it refuses to start). The browser refuses `*` with credentials; name the origins you trust.".to_owned());
            }
            Origins::Wildcard
        }
        (None, Some(value))
            if is_origin(value.as_str()) && !value.as_str().contains(|c| REGEX_HINTS.contains(c)) =>
        {
            Origins::Literal(vec![value.as_str().to_owned()])
        }
        (None, Some(value)) => {
            return Err(format!(
                "This policy sends Access-Control-Allow-Origin: {value}, which is not one origin. {LIBRARY} sends the request's Origin when it matches one of its origins and nothing otherwise, so it cannot send this value as it is; the browser refuses it either way. List each origin on its own."
            ));
        }
        (None, None) => Origins::Literal(Vec::new()),
    };
    let methods: Vec<String> = match &policy.allow_methods {
        Some(value) => items(value.as_str()).into_iter().map(str::to_owned).collect(),
        None => ["GET", "HEAD", "POST"].iter().map(|m| (*m).to_owned()).collect(),
    };
    let headers: Vec<String> = policy
        .allow_headers
        .as_ref()
        .map(|v| items(v.as_str()).into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(name) = headers.iter().find(|h| *h != "*" && h.contains(|c| REGEX_HINTS.contains(c))) {
        return Err(format!(
            "Access-Control-Allow-Headers names {name:?}, and {LIBRARY} reads a name holding any of {REGEX_HINTS} as a regular expression, not as the name. List plain header names (or `*`)."
        ));
    }
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

    let mut options = vec![match &origins {
        Origins::Wildcard => "origins=\"*\",\n    send_wildcard=True".to_owned(),
        Origins::Literal(list) => format!("origins={}", py_list(list)),
        Origins::Pattern(pattern) => format!("origins=[re.compile({})]", string_literal(pattern)),
    }];
    if credentials {
        options.push("supports_credentials=True".to_owned());
    }
    options.push(format!("methods={}", py_list(&methods)));
    options.push(format!("allow_headers={}", py_list(&headers)));
    if !expose.is_empty() {
        options.push(format!("expose_headers={}", py_list(&expose)));
    }
    if let Some(seconds) = &max_age {
        options.push(format!("max_age={seconds}"));
    }
    let mut route_methods: Vec<String> =
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].iter().map(|m| (*m).to_owned()).collect();
    let upper = probe.method.to_ascii_uppercase();
    if !route_methods.contains(&upper) {
        route_methods.push(upper);
    }
    let vary = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty()).map(|v| v.as_str().to_owned());
    let one_method = OneMethod::for_probe(probe);
    let code = |login_skips_preflights: bool, answers_preflights: bool| -> String {
        let mut code = String::from(
            "# A server that sends the sandbox's CORS policy with Flask and Flask-CORS.\n# pip install flask flask-cors   then   python app.py\nimport os\nimport re\n\nfrom flask import Flask, request\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(\n    app,\n",
        );
        for option in &options {
            code.push_str(&format!("    {option},\n"));
        }
        code.push_str(")\n\n");
        if let Some(vary) = &vary {
            code.push_str(&format!(
                "\n# The policy's Vary, on every answer (Flask-CORS adds a Vary: Origin line of its own where it echoes).\n@app.after_request\ndef vary(response):\n    response.headers.add(\"Vary\", {})\n    return response\n\n",
                string_literal(vary)
            ));
        }
        let methods = py_list(&route_methods);
        code.push_str(&format!(
            "\n@app.route(\"/api\", methods={methods})\ndef hello():\n    return \"Hello\"\n\n\n# Two routes that show an error keeping its CORS headers (delete them): a handler that throws, which\n# Flask answers 500 through the error handler Flask-CORS wraps,\n@app.route(\"/api/fail\", methods={methods})\ndef fail():\n    raise RuntimeError(\"the handler failed\")\n\n\n# and a route a login check refuses with 401.\n@app.route(\"/api/private\", methods={methods})\ndef private():\n    return \"Hello\"\n\n\n@app.before_request\ndef require_login():\n"
        ));
        if login_skips_preflights {
            code.push_str("    # A preflight never carries credentials: let Flask answer it, or the browser gets a 401 instead.\n    if request.method == \"OPTIONS\":\n        return None\n");
        }
        code.push_str("    if request.path == \"/api/private\":\n        # This example has no users: it refuses every request.\n        return \"Log in first\", 401\n    return None\n\n\n");
        if answers_preflights {
            code.push_str(ANSWER_PREFLIGHTS);
        }
        code.push_str(&format!(
            "# A route that takes only {0}: Flask answers any other method 405, and a path no route takes\n# (/api/missing, say) 404.\n@app.route(\"{1}\", methods=[\"{0}\"])\ndef one_method():\n    return \"Hello\"\n\n\n",
            one_method.method, one_method.path
        ));
        code.push_str("if __name__ == \"__main__\":\n    app.run(host=\"127.0.0.1\", port=int(os.environ.get(\"PORT\", \"8080\")))\n");
        code
    };

    let sends = sends(policy, probe, &origins, credentials, &methods, &headers, &expose, max_age.as_deref());
    let mut notes = vec![
        "Flask answers a preflight itself, with 200 (its automatic OPTIONS), whether Flask-CORS allowed it or not: an origin it refuses gets no CORS header at all.".to_owned(),
        "Flask-CORS never sends a fixed origin: it echoes the request's Origin when it matches one of yours, comparing without case, and sends nothing otherwise. Its default, origins=\"*\", echoes every origin.".to_owned(),
        "It sends Access-Control-Allow-Methods, -Allow-Headers and -Max-Age only when the requested method is found in its string of methods, sorts both lists, and lists only the requested headers it allows; Expose-Headers goes on preflights too.".to_owned(),
        "Empty values: Flask-CORS drops every header whose value is empty, a max_age of 0 included, and the export leaves an empty Vary out.".to_owned(),
    ];
    if policy.allow_methods.is_none() {
        notes.push("The policy allows no method by name; Flask-CORS's default is all of them, so the export allows GET, HEAD and POST, the three a browser sends without asking.".to_owned());
    }
    Ok(Written {
        code: code(true, true),
        errors: errors(&sends, one_method, code(false, true), code(true, false)),
        sends,
        notes,
        why,
    })
}

/// What Flask and Flask-CORS send the probe, as `get_cors_headers` decides.
#[allow(clippy::too_many_arguments)]
fn sends(
    policy: &Policy,
    probe: &Probe,
    origins: &Origins,
    credentials: bool,
    methods: &[String],
    headers: &[String],
    expose: &[String],
    max_age: Option<&str>,
) -> Exchange {
    let echoed = match origins {
        Origins::Wildcard => Some("*".to_owned()),
        Origins::Literal(list) => {
            list.iter().any(|o| o.to_lowercase() == probe.origin.to_lowercase()).then(|| probe.origin.clone())
        }
        Origins::Pattern(_) => policy
            .origin_matcher
            .as_ref()
            .is_some_and(|m| m.accepts(&probe.origin))
            .then(|| probe.origin.clone()),
    };
    let mut preflight = Sent::status(200);
    let mut actual = Sent::status(200);
    if let Some(origin) = &echoed {
        let many = match origins {
            Origins::Wildcard => false,
            Origins::Literal(list) => list.len() > 1,
            Origins::Pattern(_) => true,
        };
        for sent in [&mut preflight, &mut actual] {
            sent.add("access-control-allow-origin", origin);
            if !expose.is_empty() {
                let mut sorted = expose.to_vec();
                sorted.sort();
                sent.add("access-control-expose-headers", &sorted.join(", "));
            }
            if credentials {
                sent.add("access-control-allow-credentials", "true");
            }
        }
        // flexible_str sorts the list, joins it, then upper-cases the string; and `acl_request_method in
        // methods` looks for a substring of that string, not an item of a list.
        let mut sorted = methods.to_vec();
        sorted.sort();
        let joined = sorted.join(", ").to_ascii_uppercase();
        let requested = probe.method.to_ascii_uppercase();
        if !joined.is_empty() && joined.contains(&requested) {
            let all = headers.iter().any(|h| h == "*");
            let mut allowed: Vec<&String> = probe
                .request_headers
                .iter()
                .filter(|r| all || headers.iter().any(|h| h.eq_ignore_ascii_case(r)))
                .collect();
            allowed.sort();
            let allowed: Vec<&str> = allowed.into_iter().map(String::as_str).collect();
            if !allowed.is_empty() {
                preflight.add("access-control-allow-headers", &allowed.join(", "));
            }
            if let Some(seconds) = max_age.filter(|s| *s != "0") {
                preflight.add("access-control-max-age", seconds);
            }
            preflight.add("access-control-allow-methods", &joined);
        }
        if many && origin != "*" {
            preflight.add("vary", "Origin");
            actual.add("vary", "Origin");
        }
    }
    if let Some(vary) = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty()) {
        for sent in [&mut preflight, &mut actual] {
            sent.add("vary", vary.as_str());
        }
    }
    Exchange { preflight, actual }
}

/// Flask answers an `OPTIONS` itself only on a path one of its routes takes; this answers every preflight,
/// so that the preflight for a path no route takes gets 200 (with Flask-CORS's headers) instead of 404.
const ANSWER_PREFLIGHTS: &str = "# Flask answers an OPTIONS itself only on a path one of its routes takes: the preflight for any other path
# (/api/missing, say) would get 404, which fails it, and the browser would report a CORS error instead of the
# 404. This answers every preflight (after the login check), and Flask-CORS adds its headers.
@app.before_request
def answer_preflights():
    if request.method == \"OPTIONS\" and \"Access-Control-Request-Method\" in request.headers:
        return app.make_default_options_response()
    return None


";

/// What the error routes send: Flask-CORS adds its headers to the 500 Flask's wrapped error handler makes
/// and, through `after_request`, to the login check's 401; the preflight is Flask's automatic answer.
fn errors(
    sends: &Exchange,
    one_method: OneMethod,
    login_on_preflights: String,
    no_preflight_answer: String,
) -> Vec<ErrorRoute> {
    let refused_preflight = Exchange {
        preflight: Sent { status: 401, ..sends.preflight.clone() },
        actual: Sent { status: 401, ..sends.actual.clone() },
    };
    vec![
        fails(
            actual_status(sends, 500),
            "Flask-CORS wraps Flask's exception handlers, so the 500 Flask makes of the exception carries its headers: the browser shows the 500.".to_owned(),
            None,
        ),
        refuses(
            actual_status(sends, 401),
            "The login check lets preflights through to Flask's automatic answer, and Flask-CORS adds its headers to the 401 (after_request runs for a before_request's answer too): the browser shows the 401.".to_owned(),
            Some(Mistake {
                what: "A login check that does not let OPTIONS through answers the preflight, which never carries credentials, with 401. Flask-CORS still adds its headers, but the browser fails every preflight that is not 2xx, and reports a CORS error.".to_owned(),
                sends: refused_preflight,
                code: login_on_preflights,
            }),
        ),
        not_found(
            actual_status(sends, 404),
            "answer_preflights answers the preflight, Flask-CORS adds its headers to it, and to the 404 Flask makes for a path no route takes (after_request runs for Flask's own errors too): the browser shows the 404.".to_owned(),
            Some(Mistake {
                what: "Without answer_preflights, Flask answers the preflight for a path no route takes with 404: Flask-CORS adds its headers, but the browser fails every preflight that is not 2xx, and reports a CORS error instead of the 404.".to_owned(),
                sends: Exchange {
                    preflight: Sent { status: 404, ..sends.preflight.clone() },
                    actual: Sent { status: 404, ..sends.actual.clone() },
                },
                code: no_preflight_answer,
            }),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("Flask answers the preflight itself (every route takes OPTIONS), and the 405 werkzeug makes for a method the route does not take passes through Flask-CORS's after_request, which adds its headers: the browser shows the 405 (its Allow: {}).", one_method.allow()),
            None,
        ),
    ]
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        ("preflight", "status") => "Flask answers a preflight itself (automatic OPTIONS) with 200; the browser accepts any 2xx.".to_owned(),
        (_, "access-control-allow-origin") => "Flask-CORS never sends a fixed origin: it echoes the request's Origin when it matches one of yours (without case) and sends no CORS header at all when none does.".to_owned(),
        ("preflight", "access-control-allow-methods") => "Flask-CORS sends its methods sorted and upper-cased, and only when the requested method is found in that string.".to_owned(),
        ("preflight", "access-control-allow-headers") => "Flask-CORS lists only the requested headers it allows, sorted (none when none were requested or allowed).".to_owned(),
        ("preflight", "access-control-max-age") => "Flask-CORS sends Max-Age only with the methods, and drops a max_age of 0.".to_owned(),
        ("preflight", "access-control-expose-headers") => "Flask-CORS sends Access-Control-Expose-Headers on preflights too; the browser ignores it there.".to_owned(),
        (_, "vary") => "Flask-CORS adds a Vary: Origin line when it echoed an origin that could have been another (more than one origin, or a pattern), and none when it refused the origin.".to_owned(),
        _ => format!("Flask-CORS sends its own {header} here."),
    }
}
