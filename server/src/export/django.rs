//! The policy as Django 5.2 with django-cors-headers (4.9), one file served by uvicorn.
//!
//! What it sends follows corsheaders/middleware.py:
//!
//! - `CorsMiddleware` answers a preflight (an `OPTIONS` with `Access-Control-Request-Method`) itself, 200
//!   with no body, and checks nothing of it: the method and the headers asked for are not compared with
//!   anything, and the lists go out as they are configured.
//! - On every answer it adds `origin` to `Vary` (Django's `patch_vary_headers`, which writes a list holding
//!   `*` as `*` alone), then — when the request's `Origin` is allowed — `Access-Control-Allow-Origin` (`*`
//!   for `CORS_ALLOW_ALL_ORIGINS` without credentials, the request's Origin otherwise),
//!   `-Allow-Credentials`, `-Expose-Headers` (on preflights too) and, on any `OPTIONS`, `-Allow-Headers`,
//!   `-Allow-Methods` and `-Max-Age` (unless it is 0, which is falsy; 86400 by default).
//! - `CORS_ALLOWED_ORIGINS` compares an origin's scheme and host (`urlsplit`, which lower-cases the
//!   scheme); `CORS_ALLOWED_ORIGIN_REGEXES` uses `re.match`, which anchors only the start.
//! - Django turns a view's exception into a 500 (`handler500`) inside the middleware, so the 500 passes
//!   through `CorsMiddleware` like any answer.

use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare_but_vary, cors_on_some_paths, fails, not_found,
    refuses, wrong_method,
};
use super::python::{is_origin, py_escape, py_list};
use super::regex::{Engine, translate};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, not_empty, on_every_answer, preflight_succeeds,
    string_literal, whole_number,
};

const LIBRARY: &str = "django-cors-headers";

/// Which origins `CorsMiddleware` allows.
enum Origins {
    /// `CORS_ALLOW_ALL_ORIGINS = True`.
    All,
    /// `CORS_ALLOWED_ORIGINS`.
    List(Vec<String>),
    /// `CORS_ALLOWED_ORIGIN_REGEXES`, one pattern.
    Regex(String),
}

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    on_every_answer(policy, LIBRARY)?;
    preflight_succeeds(policy, LIBRARY, 200)?;
    not_empty(policy, LIBRARY)?;
    let credentials = credentials_flag(policy, LIBRARY)?;
    let origins = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => match matcher {
            // With credentials, "allow all" echoes every origin: the sandbox's reflect exactly.
            OriginMatcher::Reflect if credentials => Origins::All,
            OriginMatcher::Reflect => Origins::Regex(".*".to_owned()),
            OriginMatcher::Exact(list) if list.iter().all(|o| is_origin(o)) => Origins::List(list.clone()),
            OriginMatcher::Exact(list) => {
                let escaped: Vec<String> = list.iter().map(|o| py_escape(o)).collect();
                Origins::Regex(format!("(?:{})$", escaped.join("|")))
            }
            OriginMatcher::Prefix(text) => Origins::Regex(py_escape(text)),
            OriginMatcher::Suffix(text) => Origins::Regex(format!(".*{}$", py_escape(text))),
            OriginMatcher::Substring(text) => Origins::Regex(format!(".*{}", py_escape(text))),
            OriginMatcher::Regex(pattern) => {
                Origins::Regex(format!(".*(?:{})", translate(pattern.as_str(), Engine::Python)))
            }
        },
        (None, Some(value)) if value.as_str() == "*" => {
            if credentials {
                return Err("django-cors-headers cannot send Access-Control-Allow-Origin: * with credentials: given CORS_ALLOW_ALL_ORIGINS = True and CORS_ALLOW_CREDENTIALS = True, it echoes every request's Origin instead, and so lets every site read the answer with the user's cookies. The browser refuses `*` with credentials; name the origins you trust.".to_owned());
            }
            Origins::All
        }
        (None, Some(value)) if is_origin(value.as_str()) => Origins::List(vec![value.as_str().to_owned()]),
        (None, Some(value)) => {
            return Err(format!(
                "This policy sends Access-Control-Allow-Origin: {value}, which is not one origin. {LIBRARY} sends the request's Origin when it is allowed and nothing otherwise, so it cannot send this value as it is; the browser refuses it either way. List each origin on its own."
            ));
        }
        (None, None) => Origins::List(Vec::new()),
    };
    let list = |value: &Option<crate::HeaderText>| -> Vec<String> {
        value.as_ref().map(|v| items(v.as_str()).into_iter().map(str::to_owned).collect()).unwrap_or_default()
    };
    let methods: Vec<String> = match &policy.allow_methods {
        Some(_) => list(&policy.allow_methods),
        None => ["GET", "HEAD", "POST"].iter().map(|m| (*m).to_owned()).collect(),
    };
    let headers = list(&policy.allow_headers);
    let expose = list(&policy.expose_headers);
    // Not set, django-cors-headers sends 86400; 0 sends none.
    let max_age = match &policy.max_age {
        Some(value) => whole_number(value.as_str()).ok_or_else(|| {
            format!("Access-Control-Max-Age: {value} is not a number of seconds, and {LIBRARY}'s CORS_PREFLIGHT_MAX_AGE takes an int. Send a number.")
        })?,
        None => "0".to_owned(),
    };
    let vary = list(&policy.vary);

    let mut settings = vec![match &origins {
        Origins::All => "CORS_ALLOW_ALL_ORIGINS=True".to_owned(),
        Origins::List(list) => format!("CORS_ALLOWED_ORIGINS={}", py_list(list)),
        Origins::Regex(pattern) => format!("CORS_ALLOWED_ORIGIN_REGEXES=[{}]", string_literal(pattern)),
    }];
    if credentials {
        settings.push("CORS_ALLOW_CREDENTIALS=True".to_owned());
    }
    settings.push(format!("CORS_ALLOW_METHODS={}", py_list(&methods)));
    settings.push(format!("CORS_ALLOW_HEADERS={}", py_list(&headers)));
    if !expose.is_empty() {
        settings.push(format!("CORS_EXPOSE_HEADERS={}", py_list(&expose)));
    }
    if policy.max_age.is_none() {
        settings.push(
            "# 0: no Access-Control-Max-Age (not set, it is 86400)\n    CORS_PREFLIGHT_MAX_AGE=0".to_owned(),
        );
    } else {
        settings.push(format!("CORS_PREFLIGHT_MAX_AGE={max_age}"));
    }
    let one_method = OneMethod::for_probe(probe);
    let code = |login_first: bool| -> String {
        let mut code = String::from(
            "# A server that sends the sandbox's CORS policy with Django and django-cors-headers, in one file.\n# pip install django django-cors-headers uvicorn   then   python app.py\nimport os\n\nimport uvicorn\nfrom django.conf import settings\nfrom django.core.asgi import get_asgi_application\nfrom django.http import HttpResponse\nfrom django.urls import path\nfrom django.utils.cache import patch_vary_headers\nfrom django.views.decorators.http import require_http_methods\n\n\n",
        );
        if !vary.is_empty() {
            code.push_str(&format!(
                "def policy_vary(get_response):\n    \"\"\"The policy's Vary, on every answer (CorsMiddleware adds origin to it).\"\"\"\n\n    def middleware(request):\n        response = get_response(request)\n        patch_vary_headers(response, {})\n        return response\n\n    return middleware\n\n\n",
                py_list(&vary)
            ));
        }
        code.push_str("def require_login(get_response):\n    \"\"\"A login check for /api/private. This example has no users: it refuses every request.\"\"\"\n\n    def middleware(request):\n        if request.path == \"/api/private\":\n            return HttpResponse(\"Log in first\", status=401)\n        return get_response(request)\n\n    return middleware\n\n\n");
        code.push_str("settings.configure(\n    DEBUG=False,\n    ALLOWED_HOSTS=[\"127.0.0.1\", \"localhost\"],\n    ROOT_URLCONF=__name__,\n    INSTALLED_APPS=[\"corsheaders\"],\n    MIDDLEWARE=[\n");
        if !vary.is_empty() {
            code.push_str("        \"__main__.policy_vary\",\n");
        }
        if login_first {
            code.push_str("        # The mistake: the login check above CorsMiddleware.\n        \"__main__.require_login\",\n");
        }
        code.push_str("        # As high as it can be: a middleware above it answers without the CORS headers.\n        \"corsheaders.middleware.CorsMiddleware\",\n");
        if !login_first {
            code.push_str("        \"__main__.require_login\",\n");
        }
        code.push_str("    ],\n");
        for setting in &settings {
            code.push_str(&format!("    {setting},\n"));
        }
        code.push_str(")\n\n\ndef hello(request):\n    return HttpResponse(\"Hello\")\n\n\n# Two routes that show an error keeping its CORS headers (delete them): a view that throws, which Django\n# answers 500 (handler500) inside the middleware, so CorsMiddleware adds its headers; and /api/private,\n# which the login check refuses with 401.\ndef fail(request):\n    raise RuntimeError(\"the view failed\")\n\n\n");
        code.push_str(&format!(
            "# Two that show a refusal keeping them: a view that takes only {0}, which answers any other method 405\n# (require_http_methods), and a path no route takes (/api/missing, say), which Django answers 404; both\n# pass through CorsMiddleware.\n@require_http_methods([\"{0}\"])\ndef one_method(request):\n    return HttpResponse(\"Hello\")\n\n\nurlpatterns = [\n    path(\"api\", hello),\n    path(\"api/fail\", fail),\n    path(\"api/private\", hello),\n    path(\"{1}\", one_method),\n]\n\n",
            one_method.method,
            one_method.path.trim_start_matches('/')
        ));
        code.push_str("if __name__ == \"__main__\":\n    uvicorn.run(get_asgi_application(), host=\"127.0.0.1\", port=int(os.environ.get(\"PORT\", \"8080\")))\n");
        code
    };

    let sends = sends(probe, &origins, policy, credentials, &methods, &headers, &expose, &max_age, &vary);
    let mut notes = vec![
        "CorsMiddleware answers every preflight itself with 200 and checks nothing of it: the method and headers asked for are not compared with yours, and the lists go out as configured (the browser compares them).".to_owned(),
        "It never sends a fixed origin: the request's Origin when it is allowed (or * for CORS_ALLOW_ALL_ORIGINS without credentials), and nothing otherwise. It adds origin to Vary on every answer, and its Access-Control-Allow-Methods, -Allow-Headers and -Max-Age go on any OPTIONS.".to_owned(),
        "CorsMiddleware must be listed above every middleware that may answer on its own (a login check, CommonMiddleware's redirects): what a middleware above it answers has no CORS headers.".to_owned(),
        "Empty values: django-cors-headers always sends Access-Control-Allow-Methods and -Allow-Headers on an OPTIONS, so an empty list goes out as an empty line (the browser reads it as none); CORS_PREFLIGHT_MAX_AGE = 0 sends no Max-Age at all.".to_owned(),
    ];
    if policy.allow_methods.is_none() {
        notes.push("The policy allows no method by name; django-cors-headers always sends a list, so the export allows GET, HEAD and POST, the three a browser sends without asking.".to_owned());
    }
    let api_only = code(false).replacen(
        ")\n\n\ndef hello(request):",
        "    # The mistake: CorsMiddleware only on the paths this matches.\n    CORS_URLS_REGEX=r\"^/api$\",\n)\n\n\ndef hello(request):",
        1,
    );
    Ok(Written {
        code: code(false),
        errors: errors(&sends, one_method, &vary, code(true), api_only),
        sends,
        notes,
        why,
    })
}

/// Django's Vary once `patch_vary_headers` has added `origin`, then the policy's names (the order the
/// middleware runs in): a list holding `*` becomes `*` alone.
fn vary_with(vary: &[String], origin: bool) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    if origin {
        names.push("origin".to_owned());
    }
    for name in vary {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.clone());
        }
    }
    if names.iter().any(|n| n == "*") {
        return Some("*".to_owned());
    }
    (!names.is_empty()).then(|| names.join(", "))
}

/// What Django and CorsMiddleware send the probe.
#[allow(clippy::too_many_arguments)]
fn sends(
    probe: &Probe,
    origins: &Origins,
    policy: &Policy,
    credentials: bool,
    methods: &[String],
    headers: &[String],
    expose: &[String],
    max_age: &str,
    vary: &[String],
) -> Exchange {
    let allowed = match origins {
        Origins::All => true,
        Origins::List(list) => list.iter().any(|o| same_origin_for_django(o, &probe.origin)),
        Origins::Regex(_) => policy.origin_matcher.as_ref().is_some_and(|m| m.accepts(&probe.origin)),
    };
    let mut preflight = Sent::status(200);
    let mut actual = Sent::status(200);
    let options_request = probe.method == "OPTIONS";
    for (sent, is_options) in [(&mut preflight, true), (&mut actual, options_request)] {
        if let Some(vary) = vary_with(vary, true) {
            sent.add("vary", &vary);
        }
        if !allowed {
            continue;
        }
        let echo = !matches!(origins, Origins::All) || credentials;
        sent.add("access-control-allow-origin", if echo { &probe.origin } else { "*" });
        if credentials {
            sent.add("access-control-allow-credentials", "true");
        }
        if !expose.is_empty() {
            sent.add("access-control-expose-headers", &expose.join(", "));
        }
        if is_options {
            sent.add("access-control-allow-headers", &headers.join(", "));
            sent.add("access-control-allow-methods", &methods.join(", "));
            if max_age != "0" {
                sent.add("access-control-max-age", max_age);
            }
        }
    }
    Exchange { preflight, actual }
}

/// `_url_in_whitelist`: the same scheme (which `urlsplit` lower-cases) and the same host and port, as
/// written; `null` only as itself.
fn same_origin_for_django(allowed: &str, origin: &str) -> bool {
    if origin == "null" || allowed == "null" {
        return origin == allowed;
    }
    let split = |o: &str| o.split_once("://").map(|(s, rest)| (s.to_ascii_lowercase(), rest.to_owned()));
    split(allowed).is_some_and(|a| split(origin).is_some_and(|b| a == b))
}

/// What the error routes send: Django's 500 and the login check's 401 both pass through CorsMiddleware.
fn errors(
    sends: &Exchange,
    one_method: OneMethod,
    vary: &[String],
    login_first: String,
    api_only: String,
) -> Vec<ErrorRoute> {
    // The policy's Vary middleware is above CorsMiddleware: on every answer, CorsMiddleware's or not.
    let vary = vary_with(vary, false);
    let refused = bare_but_vary(401, vary.as_deref());
    let urls_regex = |status: u16| {
        cors_on_some_paths(
            "A CORS_URLS_REGEX that matches only the paths you thought of (r\"^/api$\") leaves every other path to Django alone: the preflight for one of them gets Django's 404 (or the view's 405), bare, and the browser reports a CORS error.",
            status,
            vary.as_deref(),
            &api_only,
        )
    };
    vec![
        fails(
            actual_status(sends, 500),
            "Django turns the view's exception into a 500 (handler500) inside the middleware, so it passes through CorsMiddleware like any answer and carries its headers: the browser shows the 500. (An exception in a middleware listed above CorsMiddleware would not.)".to_owned(),
            None,
        ),
        refuses(
            actual_status(sends, 401),
            "CorsMiddleware is listed above the login check: it answers the preflight itself and adds its headers to the 401, so the browser shows the 401.".to_owned(),
            Some(Mistake {
                what: "A login check listed above CorsMiddleware answers before it, preflights included (a preflight never carries credentials): a bare 401, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: refused.clone(), actual: refused },
                code: login_first,
            }),
        ),
        not_found(
            actual_status(sends, 404),
            "CorsMiddleware answers the preflight for any path (CORS_URLS_REGEX is every path by default), and Django's 404 for a path no route takes is made inside the middleware, so CorsMiddleware adds its headers: the browser shows the 404.".to_owned(),
            Some(urls_regex(404)),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("CorsMiddleware answers the preflight; require_http_methods answers a method other than {} with 405, which passes through CorsMiddleware like any answer: the browser shows the 405.", one_method.method),
            Some(urls_regex(405)),
        ),
    ]
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        ("preflight", "status") => "CorsMiddleware answers a preflight itself with 200; the browser accepts any 2xx.".to_owned(),
        (_, "access-control-allow-origin") => "django-cors-headers never sends a fixed origin: it echoes the request's Origin when it is allowed and sends nothing when it is not.".to_owned(),
        (_, "vary") => "django-cors-headers adds origin to Vary on every answer (the fix of the Vary lesson), and Django writes a Vary holding * as * alone.".to_owned(),
        ("preflight", "access-control-max-age") => "django-cors-headers sends CORS_PREFLIGHT_MAX_AGE unless it is 0 (which it reads as not set).".to_owned(),
        ("preflight", "access-control-expose-headers") => "django-cors-headers sends Access-Control-Expose-Headers on preflights too; the browser ignores it there.".to_owned(),
        ("preflight", "access-control-allow-methods" | "access-control-allow-headers") => format!("django-cors-headers always sends {header} on a preflight, its configured list, empty or not."),
        ("actual", _) => format!("django-cors-headers sends {header} on every OPTIONS request, preflight or not."),
        _ => format!("django-cors-headers sends its own {header} here."),
    }
}
