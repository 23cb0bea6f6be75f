//! The policy as Go's net/http with rs/cors — version 1.7.0, Debian's golang-github-rs-cors-dev, which
//! the prediction follows (later versions changed what `*` does with credentials, among other things).
//!
//! What it sends follows rs/cors's cors.go and utils.go:
//!
//! - A preflight (`OPTIONS` with `Access-Control-Request-Method`) always gets three `Vary` lines (Origin,
//!   Access-Control-Request-Method, Access-Control-Request-Headers) and status 200. Only when the origin,
//!   the method and every requested header are allowed does it get `Access-Control-Allow-Origin` (`*` for
//!   `AllowedOrigins: ["*"]`, the Origin otherwise), `-Allow-Methods` (the requested method alone,
//!   upper-cased), `-Allow-Headers` (the requested names, canonicalised), `-Allow-Credentials` and
//!   `-Max-Age` (when above 0).
//! - Any other request gets `Vary: Origin`, and — when the origin is allowed *and its method is one of the
//!   allowed methods* — `Access-Control-Allow-Origin`, `-Expose-Headers` (canonicalised) and
//!   `-Allow-Credentials`.
//! - Left empty, `AllowedOrigins` allows every origin, `AllowedMethods` is GET, POST and HEAD, and
//!   `AllowedHeaders` is Origin, Accept, Content-Type and X-Requested-With: "none" cannot be said. Origins
//!   and methods are compared without case.
//! - net/http answers a handler's panic by closing the connection, with no answer at all.

use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare_but_vary, cors_on_some_paths, fails, not_found,
    refuses, wrong_method,
};
use super::python::is_origin;
use super::regex::{Engine, translate};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, not_empty, on_every_answer, preflight_succeeds,
    string_literal, whole_number,
};

const LIBRARY: &str = "rs/cors";

/// How rs/cors decides which origins it allows.
enum Origins {
    /// `AllowedOrigins: []string{"*"}`.
    All,
    /// `AllowedOrigins`, compared without case.
    List(Vec<String>),
    /// `AllowOriginFunc`: the sandbox's matcher, written as Go.
    Func(String),
}

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    on_every_answer(policy, LIBRARY)?;
    preflight_succeeds(policy, LIBRARY, 200)?;
    not_empty(policy, LIBRARY)?;
    let credentials = credentials_flag(policy, LIBRARY)?;
    let mut imports = vec!["net/http", "os"];
    let origins = match (&policy.origin_matcher, &policy.allow_origin) {
        (Some(matcher), _) => match matcher {
            OriginMatcher::Reflect => Origins::Func("true".to_owned()),
            OriginMatcher::Exact(list) => Origins::List(list.clone()),
            OriginMatcher::Prefix(text) => {
                imports.push("strings");
                Origins::Func(format!("strings.HasPrefix(origin, {})", string_literal(text)))
            }
            OriginMatcher::Suffix(text) => {
                imports.push("strings");
                Origins::Func(format!("strings.HasSuffix(origin, {})", string_literal(text)))
            }
            OriginMatcher::Substring(text) => {
                imports.push("strings");
                Origins::Func(format!("strings.Contains(origin, {})", string_literal(text)))
            }
            OriginMatcher::Regex(pattern) => {
                if pattern.as_str().contains('`') {
                    return Err(format!(
                        "The pattern {} holds a backtick, which ends a Go raw string; this export does not write it.",
                        pattern.as_str()
                    ));
                }
                imports.push("regexp");
                Origins::Func(format!(
                    "regexp.MustCompile(`{}`).MatchString(origin)",
                    translate(pattern.as_str(), Engine::Re2)
                ))
            }
        },
        (None, Some(value)) if value.as_str() == "*" => Origins::All,
        (None, Some(value)) if is_origin(value.as_str()) && !value.as_str().contains('*') => {
            Origins::List(vec![value.as_str().to_owned()])
        }
        (None, Some(value)) => {
            return Err(format!(
                "This policy sends Access-Control-Allow-Origin: {value}, which is not one origin. {LIBRARY} sends the request's Origin when it is one of AllowedOrigins (or * for \"*\") and nothing otherwise, so it cannot send this value as it is; the browser refuses it either way. List each origin on its own."
            ));
        }
        (None, None) => {
            return Err(format!(
                "This policy sends no Access-Control-Allow-Origin at all. {LIBRARY} allows every origin when AllowedOrigins is left empty; export a policy that names an origin."
            ));
        }
    };
    let list = |value: &Option<crate::HeaderText>| -> Vec<String> {
        value.as_ref().map(|v| items(v.as_str()).into_iter().map(str::to_owned).collect()).unwrap_or_default()
    };
    let (methods, headers, expose) =
        (list(&policy.allow_methods), list(&policy.allow_headers), list(&policy.expose_headers));
    let max_age = match &policy.max_age {
        Some(value) => {
            let digits = whole_number(value.as_str()).ok_or_else(|| {
                format!("Access-Control-Max-Age: {value} is not a number of seconds, and {LIBRARY}'s MaxAge is an int. Send a number.")
            })?;
            Some(digits.parse::<i64>().map_err(|_| {
                format!("Access-Control-Max-Age: {value} is more seconds than Go's int holds (at most 9223372036854775807); send a smaller number.")
            })?)
        }
        None => None,
    };

    let go_list = |names: &[String]| {
        let quoted: Vec<String> = names.iter().map(|n| string_literal(n)).collect();
        format!("[]string{{{}}}", quoted.join(", "))
    };
    let mut options = Vec::new();
    match &origins {
        Origins::All => options.push("AllowedOrigins: []string{\"*\"},".to_owned()),
        Origins::List(list) => options.push(format!("AllowedOrigins: {},", go_list(list))),
        Origins::Func(test) => {
            options.push(format!("AllowOriginFunc: func(origin string) bool {{ return {test} }},"))
        }
    }
    if credentials {
        options.push("AllowCredentials: true,".to_owned());
    }
    if !methods.is_empty() {
        options.push(format!("AllowedMethods: {},", go_list(&methods)));
    }
    if !headers.is_empty() {
        options.push(format!("AllowedHeaders: {},", go_list(&headers)));
    }
    if !expose.is_empty() {
        options.push(format!("ExposedHeaders: {},", go_list(&expose)));
    }
    if let Some(seconds) = max_age {
        options.push(format!("MaxAge: {seconds},"));
    }
    imports.sort();
    let vary = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty());

    let one_method = OneMethod::for_probe(probe);
    let code = |app: App| -> String {
        let mut code = String::from(
            "// A server that sends the sandbox's CORS policy with Go's net/http and rs/cors (this export follows\n// rs/cors 1.7.0: go mod init example && go get github.com/rs/cors@v1.7.0 && go run .).\npackage main\n\nimport (\n",
        );
        for import in &imports {
            code.push_str(&format!("\t\"{import}\"\n"));
        }
        code.push_str("\n\t\"github.com/rs/cors\"\n)\n\n");
        code.push_str("// requireLogin refuses every request with 401: this example has no users.\nfunc requireLogin(next http.Handler) http.Handler {\n\treturn http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {\n\t\thttp.Error(w, \"Log in first\", http.StatusUnauthorized)\n\t})\n}\n\n");
        code.push_str("// answerPanics turns a handler's panic into a 500, inside the CORS handler, whose headers are then on it.\n// (net/http answers a panic by closing the connection, with no answer at all.)\nfunc answerPanics(next http.Handler) http.Handler {\n\treturn http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {\n\t\tdefer func() {\n\t\t\tif recover() != nil {\n\t\t\t\thttp.Error(w, \"Internal Server Error\", http.StatusInternalServerError)\n\t\t\t}\n\t\t}()\n\t\tnext.ServeHTTP(w, r)\n\t})\n}\n\n");
        code.push_str("func main() {\n\tc := cors.New(cors.Options{\n");
        for option in &options {
            code.push_str(&format!("\t\t{option}\n"));
        }
        code.push_str("\t})\n\n\tmux := http.NewServeMux()\n\thello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(\"Hello\")) })\n\tmux.Handle(\"/api\", hello)\n\t// Two routes that show an error keeping its CORS headers (delete them): a handler that panics, and a\n\t// route a login check refuses with 401.\n\tfail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(\"the handler failed\") })\n");
        if app == App::NoRecover {
            code.push_str("\t// The mistake: no recover, so a panic closes the connection.\n\tmux.Handle(\"/api/fail\", fail)\n");
        } else {
            code.push_str("\tmux.Handle(\"/api/fail\", answerPanics(fail))\n");
        }
        code.push_str(&format!(
            "\t// Two that show a refusal keeping them: a route that takes only {0}, which answers any other method\n\t// 405 (ServeMux routes by path alone), and any path no route takes (/api/missing, say), which\n\t// ServeMux answers 404; both inside the CORS handler.\n\tmux.HandleFunc(\"{1}\", func(w http.ResponseWriter, r *http.Request) {{\n\t\tif {2} {{\n\t\t\tw.Header().Set(\"Allow\", \"{3}\")\n\t\t\thttp.Error(w, \"Method Not Allowed\", http.StatusMethodNotAllowed)\n\t\t\treturn\n\t\t}}\n\t\tw.Write([]byte(\"Hello\"))\n\t}})\n",
            one_method.method,
            one_method.path,
            if one_method.method == "GET" {
                "r.Method != http.MethodGet && r.Method != http.MethodHead"
            } else {
                "r.Method != http.MethodPost"
            },
            one_method.allow()
        ));
        let mut handler = "c.Handler(mux)".to_owned();
        if app == App::LoginOutside {
            code.push_str("\tmux.Handle(\"/api/private\", hello)\n\t// The mistake: the login check wraps the CORS handler.\n\tprivate := http.NewServeMux()\n\tprivate.Handle(\"/api/private\", requireLogin(nil))\n\tprivate.Handle(\"/\", c.Handler(mux))\n");
            handler = "private".to_owned();
        } else {
            code.push_str("\tmux.Handle(\"/api/private\", requireLogin(hello))\n");
        }
        if let Some(vary) = vary {
            code.push_str(&format!(
                "\n\t// The policy's Vary, on every answer (rs/cors adds its own Vary lines).\n\tinner := {handler}\n\thandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {{\n\t\tw.Header().Set(\"Vary\", {})\n\t\tinner.ServeHTTP(w, r)\n\t}})\n",
                string_literal(vary.as_str())
            ));
        } else {
            code.push_str(&format!("\thandler := {handler}\n"));
        }
        code.push_str("\n\tport := os.Getenv(\"PORT\")\n\tif port == \"\" {\n\t\tport = \"8080\"\n\t}\n\tif err := http.ListenAndServe(\"127.0.0.1:\"+port, handler); err != nil {\n\t\tpanic(err)\n\t}\n}\n");
        code
    };

    let sends = sends(policy, probe, &origins, credentials, &methods, &headers, &expose, max_age);
    Ok(Written {
        code: code(App::Exported),
        errors: errors(&sends, policy, one_method, code(App::NoRecover), code(App::LoginOutside), cors_on_api_only(&code(App::Exported))),
        sends,
        notes: vec![
            "rs/cors answers a preflight itself with 200 whatever it decides, and adds its CORS headers only when the origin, the method and every requested header are allowed; its Access-Control-Allow-Methods names the requested method alone.".to_owned(),
            "On an actual request it adds the CORS headers only when the request's method is one of AllowedMethods too: a method outside them is readable by nobody.".to_owned(),
            "Left empty, AllowedOrigins allows every origin, AllowedMethods is GET, POST and HEAD, and AllowedHeaders is Origin, Accept, Content-Type and X-Requested-With: rs/cors cannot say \"none\".".to_owned(),
            "This follows rs/cors 1.7.0 (Debian's); later versions differ, in what * does with credentials among other things.".to_owned(),
            "Empty values: rs/cors sends no header for an empty list (it uses its defaults instead) and no Max-Age for 0; the export leaves an empty Vary out.".to_owned(),
        ],
        why,
    })
}

/// The mistake: the CORS handler around the endpoint only, not around the mux.
fn cors_on_api_only(code: &str) -> String {
    code.replacen(
        "\tmux.Handle(\"/api\", hello)\n",
        "\t// The mistake: the CORS handler around the endpoint only.\n\tmux.Handle(\"/api\", c.Handler(hello))\n",
        1,
    )
    .replacen("c.Handler(mux)", "mux", 1)
}

/// The app as exported, or with a mistake that takes the CORS headers off an error.
#[derive(Clone, Copy, PartialEq, Eq)]
enum App {
    Exported,
    /// No recover: a panic closes the connection.
    NoRecover,
    /// The login check wraps the CORS handler.
    LoginOutside,
}

/// Go's `http.CanonicalHeaderKey`: a token's first letter and every letter after `-` upper-cased, the
/// others lower-cased; anything that is not a token is returned as it is.
fn canonical(name: &str) -> String {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    {
        return name.to_owned();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() };
            upper = c == '-';
            out
        })
        .collect()
}

/// rs/cors's `parseHeaderList`: names split at commas and spaces, only letters, digits, `-` and `_` kept,
/// each canonicalised (upper-case after `-` and `_`).
fn parse_header_list(list: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut name = String::new();
    let mut upper = true;
    let bytes = list.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'a'..=b'z' => name.push(if upper { b.to_ascii_uppercase() } else { b } as char),
            b'A'..=b'Z' => name.push(if upper { b } else { b.to_ascii_lowercase() } as char),
            b'-' | b'_' | b'0'..=b'9' => name.push(b as char),
            _ => {}
        }
        if b == b' ' || b == b',' || i == bytes.len() - 1 {
            if !name.is_empty() {
                names.push(std::mem::take(&mut name));
                upper = true;
            }
        } else {
            upper = b == b'-' || b == b'_';
        }
    }
    names
}

/// What net/http and rs/cors send the probe.
#[allow(clippy::too_many_arguments)]
fn sends(
    policy: &Policy,
    probe: &Probe,
    origins: &Origins,
    credentials: bool,
    methods: &[String],
    headers: &[String],
    expose: &[String],
    max_age: Option<i64>,
) -> Exchange {
    let origin_allowed = match origins {
        Origins::All => true,
        Origins::List(list) => list.iter().any(|o| o.to_lowercase() == probe.origin.to_lowercase()),
        Origins::Func(_) => policy.origin_matcher.as_ref().is_some_and(|m| m.accepts(&probe.origin)),
    };
    let allowed_methods: Vec<String> = if methods.is_empty() {
        ["GET", "POST", "HEAD"].iter().map(|m| (*m).to_owned()).collect()
    } else {
        methods.iter().map(|m| m.to_uppercase()).collect()
    };
    let method_allowed = |method: &str| {
        let method = method.to_uppercase();
        method == "OPTIONS" || allowed_methods.contains(&method)
    };
    let all_headers = headers.iter().any(|h| h == "*");
    let allowed_headers: Vec<String> = if headers.is_empty() {
        ["Origin", "Accept", "Content-Type", "X-Requested-With"].iter().map(|h| (*h).to_owned()).collect()
    } else {
        headers.iter().chain(std::iter::once(&"Origin".to_owned())).map(|h| canonical(h)).collect()
    };
    let requested = parse_header_list(&probe.request_headers.join(","));
    let headers_allowed = all_headers || requested.iter().all(|h| allowed_headers.contains(&canonical(h)));
    let acao = if matches!(origins, Origins::All) { "*".to_owned() } else { probe.origin.clone() };
    let policy_vary = policy.vary.as_ref().filter(|v| !items(v.as_str()).is_empty());

    let mut preflight = Sent::status(200);
    if let Some(vary) = policy_vary {
        preflight.add("vary", vary.as_str());
    }
    preflight.add("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    if origin_allowed && method_allowed(&probe.method) && headers_allowed {
        preflight.add("access-control-allow-origin", &acao);
        preflight.add("access-control-allow-methods", &probe.method.to_uppercase());
        if !requested.is_empty() {
            preflight.add("access-control-allow-headers", &requested.join(", "));
        }
        if credentials {
            preflight.add("access-control-allow-credentials", "true");
        }
        if let Some(seconds) = max_age.filter(|s| *s > 0) {
            preflight.add("access-control-max-age", &seconds.to_string());
        }
    }
    let mut actual = Sent::status(200);
    if let Some(vary) = policy_vary {
        actual.add("vary", vary.as_str());
    }
    actual.add("vary", "Origin");
    if origin_allowed && method_allowed(&probe.method) {
        actual.add("access-control-allow-origin", &acao);
        if !expose.is_empty() {
            let names: Vec<String> = expose.iter().map(|h| canonical(h)).collect();
            actual.add("access-control-expose-headers", &names.join(", "));
        }
        if credentials {
            actual.add("access-control-allow-credentials", "true");
        }
    }
    Exchange { preflight, actual }
}

/// What the error routes send: rs/cors set its headers before the recovered 500 and the login check's 401.
fn errors(
    sends: &Exchange,
    policy: &Policy,
    one_method: OneMethod,
    no_recover: String,
    login_outside: String,
    cors_on_api_only: String,
) -> Vec<ErrorRoute> {
    // The policy's Vary is set around everything, the CORS handler or not.
    let vary = policy.vary.as_ref().map(|v| v.as_str());
    let refused = bare_but_vary(401, vary);
    let api_only = |status: u16| {
        cors_on_some_paths(
            "The CORS handler wrapped around one route (mux.Handle(\"/api\", c.Handler(hello))) instead of the whole mux leaves every other path without it: the preflight for one of them gets ServeMux's 404 (or the route's 405), bare, and the browser reports a CORS error.",
            status,
            vary,
            &cors_on_api_only,
        )
    };
    vec![
        fails(
            actual_status(sends, 500),
            "answerPanics, inside the CORS handler, answers the panic with 500; rs/cors had set its headers before calling it, so they are on the 500: the browser shows it.".to_owned(),
            Some(Mistake {
                what: "Without a recover, net/http answers a handler's panic by closing the connection: no answer at all, which the browser reports as a network error (\"Failed to fetch\"), with no status to show.".to_owned(),
                sends: Exchange { preflight: sends.preflight.clone(), actual: Sent::status(0) },
                code: no_recover,
            }),
        ),
        refuses(
            actual_status(sends, 401),
            "The login check is inside the CORS handler, which answers the preflight itself and sets its headers before the 401: the browser shows the 401.".to_owned(),
            Some(Mistake {
                what: "A login check that wraps the CORS handler answers the preflight, which never carries credentials, with a bare 401, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: refused.clone(), actual: refused },
                code: login_outside,
            }),
        ),
        not_found(
            actual_status(sends, 404),
            "The CORS handler wraps the whole mux: it answers the preflight for any path, and sets its headers before ServeMux answers a path no route takes with 404, so the browser shows the 404.".to_owned(),
            Some(api_only(404)),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("ServeMux routes by path alone, so the handler answers a method other than {} with 405 itself, inside the CORS handler, which has answered the preflight and set its headers: the browser shows the 405.", one_method.allow().replace(", ", " or ")),
            Some(api_only(405)),
        ),
    ]
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        ("preflight", "status") => "rs/cors answers every preflight with 200, allowed or not; the browser needs a 2xx and the headers.".to_owned(),
        ("preflight", "vary") => "rs/cors's preflights always vary on Origin, Access-Control-Request-Method and Access-Control-Request-Headers.".to_owned(),
        ("actual", "vary") => "rs/cors adds Vary: Origin to every answer: the fix of the Vary lesson.".to_owned(),
        ("preflight", "access-control-allow-methods") => "rs/cors names only the requested method, upper-cased, and only when it is allowed.".to_owned(),
        ("preflight", "access-control-allow-headers") => "rs/cors names only the requested headers, canonicalised, and only when all of them are allowed.".to_owned(),
        ("preflight", "access-control-max-age") => "rs/cors sends MaxAge only when it is above 0.".to_owned(),
        (_, "access-control-allow-origin") => "rs/cors echoes an allowed Origin (or sends * for \"*\"), only when the method (and, on a preflight, every requested header) is allowed too, and never a fixed value.".to_owned(),
        _ => format!("rs/cors sends its own {header} here."),
    }
}
