//! The policy as tower-http's `CorsLayer` (0.6), in front of an axum router.
//!
//! What it sends follows tower-http's `cors` module: on any `OPTIONS` (a preflight or not) `Vary`,
//! `Access-Control-Allow-Origin`, `-Allow-Credentials`, `-Allow-Methods`, `-Allow-Headers` and `-Max-Age`,
//! with status 200 and no body; on every other request `Vary`, `-Allow-Origin`, `-Allow-Credentials` and
//! `-Expose-Headers`. Its `Vary` defaults to `origin, access-control-request-method,
//! access-control-request-headers`, so the export always sets it. Lists are joined with `,`, names written
//! in lower case; the comparison reads them as the browser does. Building the layer panics when
//! credentials are combined with a `*` (its `ensure_usable_cors_rules`).

use std::collections::BTreeSet;

use crate::origin_matcher::OriginMatcher;
use crate::policy::Policy;

use super::errors::{
    ErrorRoute, Mistake, OneMethod, actual_status, bare, fails, not_found, refuses, wrong_method,
};
use super::{
    Exchange, Probe, Sent, Written, credentials_flag, items, not_options, on_every_answer,
    preflight_succeeds, whole_number,
};

/// The file's first lines: what it is and what it needs.
const HEADER: &str = "//! A server that sends the sandbox's CORS policy with tower-http's CorsLayer.
//!
//! Cargo.toml:
//!   [dependencies]
//!   axum = \"0.8\"
//!   tokio = { version = \"1\", features = [\"full\"] }
//!   tower-http = { version = \"0.6\", features = [\"cors\", \"catch-panic\"] }
";

/// The server around the layer: the endpoint, and two routes that show an error keeping its CORS headers.
/// `{LAYERS}` is where the layers go: [`LAYERS`], or the mistake [`PANIC_OUTSIDE`].
const MAIN: &str = "
/// This example has no users: the login check refuses every request.
async fn private() -> (StatusCode, &'static str) {
    (StatusCode::UNAUTHORIZED, \"Log in first\")
}

async fn fail() -> &'static str {
    panic!(\"the handler failed\")
}

#[tokio::main]
async fn main() {
    let app = Router::new()
        .route(\"/api\", any(|| async { \"Hello\" }))
        // Two routes that show an error keeping its CORS headers (delete them): a handler that panics,
        .route(\"/api/fail\", any(fail))
        // and a route a login check refuses with 401.
        .route(\"/api/private\", any(private))
        // Two more show a refusal keeping them: a route that takes only {METHOD}, which axum answers 405
        // for any other method, and every path no route takes (/api/missing, say), which the router's
        // fallback answers 404, both inside the CORS layer.
        .route(\"{PATH}\", {ROUTING}(|| async { \"Hello\" }))
{LAYERS};
    let port = std::env::var(\"PORT\").unwrap_or_else(|_| \"8080\".to_owned());
    let listener = tokio::net::TcpListener::bind(format!(\"127.0.0.1:{port}\")).await.expect(\"a free port\");
    axum::serve(listener, app).await.expect(\"the server runs\");
}
";

/// The layers as exported: a panic becomes a 500 inside the CORS layer, which adds its headers to it.
pub const LAYERS: &str =
    "        // A panic becomes a 500 here, inside the CORS layer, which adds its headers to it. (Without
        // CatchPanicLayer a panic closes the connection with no answer at all.)
        .layer(CatchPanicLayer::new())
        .layer(cors())";

/// The mistake: CatchPanicLayer outside the CORS layer, whose headers never reach its 500.
pub const PANIC_OUTSIDE: &str = "        // The mistake: CatchPanicLayer outside the CORS layer.
        .layer(cors())
        .layer(CatchPanicLayer::new())";

/// The mistake: the CORS layer on the routes only, not on the router's fallback (404).
pub const ROUTE_LAYER: &str = "        .layer(CatchPanicLayer::new())
        // The mistake: route_layer, which wraps only the routes above, not the fallback's 404.
        .route_layer(cors())";

pub(super) fn write(policy: &Policy, probe: &Probe) -> Result<Written, String> {
    not_options(probe, "tower-http's CorsLayer")?;
    let layer = layer(policy)?;
    let mut code = String::from(HEADER);
    if layer.regex {
        code.push_str("//!   regex-lite = \"0.1\"\n");
    }
    code.push('\n');
    let one_method = OneMethod::for_probe(probe);
    let routing = one_method.method.to_ascii_lowercase();
    code.push_str(&format!("use axum::Router;\nuse axum::http::StatusCode;\nuse axum::routing::{{any, {routing}}};\nuse tower_http::catch_panic::CatchPanicLayer;\n"));
    code.push_str(&layer.module);
    let main = |layers: &str| {
        MAIN.replace("{METHOD}", one_method.method)
            .replace("{PATH}", one_method.path)
            .replace("{ROUTING}", &routing)
            .replace("{LAYERS}", layers)
    };
    let sends = sends(policy, probe);
    Ok(Written {
        errors: errors(&sends, one_method, code.clone() + &main(PANIC_OUTSIDE), code.clone() + &main(ROUTE_LAYER)),
        code: code + &main(LAYERS),
        sends,
        notes: vec![
            "tower-http answers every OPTIONS request as a preflight, with 200 and an empty body (the sandbox answers 204); the browser accepts any 2xx.".to_owned(),
            "tower-http's Vary defaults to origin, access-control-request-method and access-control-request-headers: the export sets it to the policy's own.".to_owned(),
            "tower-http refuses to build a layer that combines credentials with a `*`: it panics, where the sandbox sends what the browser refuses.".to_owned(),
            "Empty values: an empty list is left out (no allow_methods, allow_headers or expose_headers call, and `.vary([])`), so tower-http sends no such header, which the browser reads as the empty list.".to_owned(),
        ],
        why,
    })
}

/// The code of the layer: the `use` lines it needs and `pub fn cors() -> CorsLayer`. It is also a
/// module of `examples/tower_http_cors.rs`, which the tests compile and run.
pub struct Layer {
    pub module: String,
    /// Whether it uses `regex_lite`.
    pub regex: bool,
}

/// The layer for `policy`, or why tower-http cannot express it.
pub fn layer(policy: &Policy) -> Result<Layer, String> {
    on_every_answer(policy, "tower-http's CorsLayer")?;
    preflight_succeeds(policy, "tower-http's CorsLayer", 200)?;
    let credentials = credentials_flag(policy, "tower-http's CorsLayer")?;
    // tower-http's own test (`is_wildcard`): the value it would send is exactly `*`. A list of the one
    // item `*` is sent as `*`; an origin is sent as it is, so ` *` is not its wildcard.
    let wildcard =
        |value: &Option<crate::HeaderText>| value.as_ref().is_some_and(|v| items(v.as_str()) == ["*"]);
    if credentials {
        let origin_star = policy.origin_matcher.is_none()
            && policy.allow_origin.as_ref().is_some_and(|v| v.as_str() == "*");
        for (name, star) in [
            ("Access-Control-Allow-Headers", wildcard(&policy.allow_headers)),
            ("Access-Control-Allow-Methods", wildcard(&policy.allow_methods)),
            ("Access-Control-Allow-Origin", origin_star),
            ("Access-Control-Expose-Headers", wildcard(&policy.expose_headers)),
        ] {
            if star {
                return Err(format!(
                    "tower-http cannot send this policy: building a CorsLayer with allow_credentials(true) and {name}: * panics with \"Invalid CORS configuration: Cannot combine `Access-Control-Allow-Credentials: true` with `{name}: *`\". The browser refuses the combination too; name the origin (or the methods, or the headers) instead of `*`."
                ));
            }
        }
    }

    let mut uses = BTreeSet::new();
    uses.insert("use tower_http::cors::CorsLayer;");
    let mut calls = Vec::new();
    let mut regex = false;
    match &policy.origin_matcher {
        Some(matcher) => {
            uses.insert("use tower_http::cors::AllowOrigin;");
            let predicate = |test: String| {
                format!(
                    "AllowOrigin::predicate(|origin: &HeaderValue, _request: &Parts| {{\n            {test}\n        }})"
                )
            };
            let call = match matcher {
                OriginMatcher::Reflect => "AllowOrigin::mirror_request()".to_owned(),
                OriginMatcher::Exact(origins) => {
                    uses.insert("use axum::http::HeaderValue;");
                    let list: Vec<String> = origins
                        .iter()
                        .map(|o| format!("HeaderValue::from_static({})", rust_string(o)))
                        .collect();
                    format!("AllowOrigin::list([{}])", list.join(", "))
                }
                OriginMatcher::Prefix(text) => {
                    uses.insert("use axum::http::HeaderValue;");
                    uses.insert("use axum::http::request::Parts;");
                    predicate(format!("origin.as_bytes().starts_with({})", rust_bytes(text)))
                }
                OriginMatcher::Suffix(text) => {
                    uses.insert("use axum::http::HeaderValue;");
                    uses.insert("use axum::http::request::Parts;");
                    predicate(format!("origin.as_bytes().ends_with({})", rust_bytes(text)))
                }
                OriginMatcher::Substring(text) => {
                    uses.insert("use axum::http::HeaderValue;");
                    uses.insert("use axum::http::request::Parts;");
                    predicate(format!(
                        "origin.to_str().is_ok_and(|origin| origin.contains({}))",
                        rust_string(text)
                    ))
                }
                OriginMatcher::Regex(pattern) => {
                    uses.insert("use axum::http::HeaderValue;");
                    uses.insert("use axum::http::request::Parts;");
                    uses.insert("use std::sync::LazyLock;");
                    uses.insert("use regex_lite::Regex;");
                    regex = true;
                    format!(
                        "{{\n            // Found anywhere in the Origin, as JavaScript's RegExp.test finds it.\n            static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new({}).expect(\"the sandbox checked the pattern\"));\n            {}\n        }}",
                        rust_string(pattern.as_str()),
                        predicate("origin.to_str().is_ok_and(|origin| PATTERN.is_match(origin))".to_owned())
                    )
                }
            };
            calls.push(format!(".allow_origin({call})"));
        }
        None => {
            if let Some(value) = &policy.allow_origin {
                if value.as_str() == "*" {
                    uses.insert("use tower_http::cors::Any;");
                    calls.push(".allow_origin(Any)".to_owned());
                } else {
                    // `exact` sends the value as it is, whatever the request's Origin: the sandbox's
                    // `allow_origin` exactly, mistakes included.
                    uses.insert("use axum::http::HeaderValue;");
                    calls.push(format!(
                        ".allow_origin(HeaderValue::from_static({}))",
                        rust_string(value.as_str())
                    ));
                }
            }
        }
    }
    if credentials {
        calls.push(".allow_credentials(true)".to_owned());
    }
    if let Some(methods) = &policy.allow_methods {
        if methods.as_str() == "*" {
            uses.insert("use tower_http::cors::Any;");
            calls.push(".allow_methods(Any)".to_owned());
        } else {
            let mut list = Vec::new();
            for method in items(methods.as_str()) {
                if !method.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
                    return Err(format!(
                        "Access-Control-Allow-Methods: {methods} is not a list of methods (\"{method}\" is not one), and tower-http's allow_methods takes methods only. The browser reads it as a failed preflight either way; list the methods, separated by commas."
                    ));
                }
                list.push(match method {
                    "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS" | "CONNECT" | "PATCH"
                    | "TRACE" => {
                        format!("Method::{method}")
                    }
                    other => format!("Method::from_bytes({}).expect(\"a method token\")", rust_bytes(other)),
                });
            }
            if !list.is_empty() {
                uses.insert("use axum::http::Method;");
                calls.push(format!(".allow_methods([{}])", list.join(", ")));
            }
        }
    }
    for (field, call, value) in [
        ("Access-Control-Allow-Headers", "allow_headers", &policy.allow_headers),
        ("Access-Control-Expose-Headers", "expose_headers", &policy.expose_headers),
    ] {
        let Some(value) = value else { continue };
        if value.as_str() == "*" {
            uses.insert("use tower_http::cors::Any;");
            calls.push(format!(".{call}(Any)"));
            continue;
        }
        let names = header_names(field, value.as_str())?;
        if !names.is_empty() {
            uses.insert("use axum::http::HeaderName;");
            calls.push(format!(".{call}([{}])", names.join(", ")));
        }
    }
    if let Some(max_age) = &policy.max_age {
        let Some(digits) = whole_number(max_age.as_str()) else {
            return Err(format!(
                "Access-Control-Max-Age: {max_age} is not a number of seconds, and tower-http's max_age takes a Duration. The browser ignores a value it cannot read (it caches the preflight for 5 seconds); send a number."
            ));
        };
        let Ok(seconds) = digits.parse::<u64>() else {
            return Err(format!(
                "Access-Control-Max-Age: {max_age} is more seconds than a Duration holds (Duration::from_secs takes a u64, at most 18446744073709551615). Browsers cap the cache at hours anyway (Chromium at 2 hours, Firefox at 24); send a smaller number."
            ));
        };
        uses.insert("use std::time::Duration;");
        calls.push(format!(".max_age(Duration::from_secs({seconds}))"));
    }
    // Always set: tower-http's own default Vary is not the policy's.
    let vary = match &policy.vary {
        Some(value) => header_names("Vary", value.as_str())?,
        None => Vec::new(),
    };
    if !vary.is_empty() {
        uses.insert("use axum::http::HeaderName;");
    }
    calls.push(format!(".vary([{}])", vary.join(", ")));

    let mut module = String::new();
    for line in uses {
        module.push_str(line);
        module.push('\n');
    }
    module.push_str(
        "\n/// The sandbox's policy as a CorsLayer.\npub fn cors() -> CorsLayer {\n    CorsLayer::new()",
    );
    for call in calls {
        module.push_str("\n        ");
        module.push_str(&call);
    }
    module.push_str("\n}\n");
    Ok(Layer { module, regex })
}

/// The header names of a comma-separated `value`, as `HeaderName::from_static` calls.
fn header_names(field: &str, value: &str) -> Result<Vec<String>, String> {
    items(value)
        .into_iter()
        .map(|name| {
            if name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
                Ok(format!("HeaderName::from_static({})", rust_string(&name.to_ascii_lowercase())))
            } else {
                Err(format!(
                    "{field}: {value} is not a list of header names (\"{name}\" is not one), and tower-http takes header names only. List the names, separated by commas."
                ))
            }
        })
        .collect()
}

/// What the layer sends the probe: tower-http's rules, from its `cors` module.
fn sends(policy: &Policy, probe: &Probe) -> Exchange {
    let mut preflight = Sent::status(200);
    let mut actual = Sent::status(200);
    let allow_origin = match &policy.origin_matcher {
        Some(matcher) => matcher.accepts(&probe.origin).then(|| probe.origin.clone()),
        None => policy.allow_origin.as_ref().map(|v| v.as_str().to_owned()),
    };
    for sent in [&mut preflight, &mut actual] {
        if let Some(vary) = &policy.vary {
            sent.add("vary", &vary.as_str().to_ascii_lowercase());
        }
        if let Some(origin) = &allow_origin {
            sent.add("access-control-allow-origin", origin);
        }
        if policy.allow_credentials.is_some() {
            sent.add("access-control-allow-credentials", "true");
        }
    }
    for (name, value) in [
        ("access-control-allow-methods", &policy.allow_methods),
        ("access-control-allow-headers", &policy.allow_headers),
    ] {
        if let Some(value) = value {
            preflight.add(name, value.as_str().trim());
        }
    }
    // A Duration, written back as its seconds: `007` goes out as `7`.
    if let Some(seconds) = policy.max_age.as_ref().and_then(|v| v.as_str().trim().parse::<u64>().ok()) {
        preflight.add("access-control-max-age", &seconds.to_string());
    }
    if let Some(value) = &policy.expose_headers {
        actual.add("access-control-expose-headers", value.as_str().trim());
    }
    Exchange { preflight, actual }
}

/// What the error routes send: the CORS layer wraps both answers, and answers the preflight itself.
fn errors(
    sends: &Exchange,
    one_method: OneMethod,
    panic_outside: String,
    route_layer: String,
) -> Vec<ErrorRoute> {
    vec![
        fails(
            actual_status(sends, 500),
            "CatchPanicLayer, inside the CORS layer, turns the panic into a 500, and the CORS layer adds its headers to it: the browser shows the 500. Without CatchPanicLayer the panic closes the connection with no answer at all, which the browser reports as a network error.".to_owned(),
            Some(Mistake {
                what: "CatchPanicLayer added after the CORS layer (so outside it) catches the panic of the CORS layer's own future: its 500 has no CORS headers, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: sends.preflight.clone(), actual: bare(500) },
                code: panic_outside,
            }),
        ),
        refuses(
            actual_status(sends, 401),
            "The CORS layer wraps the whole router: it answers the preflight itself and adds its headers to the handler's 401, so the browser shows the 401.".to_owned(),
            None,
        ),
        not_found(
            actual_status(sends, 404),
            "A path no route takes goes to the router's fallback, which answers 404 inside the CORS layer: the layer answers its preflight and adds its headers to the 404, so the browser shows the 404.".to_owned(),
            Some(Mistake {
                what: "The CORS layer added with route_layer (or to each route) wraps only the routes, not the router's fallback: the 404 for a path no route takes, and the 404 its preflight gets, go out bare, and the browser reports a CORS error.".to_owned(),
                sends: Exchange { preflight: bare(404), actual: bare(404) },
                code: route_layer,
            }),
        ),
        wrong_method(
            one_method,
            actual_status(sends, 405),
            format!("axum answers a method the route does not take with 405 (and Allow: {}), inside the CORS layer, which has answered the preflight and adds its headers to the 405: the browser shows the 405.", one_method.allow()),
            None,
        ),
    ]
}

fn why(answer: &'static str, header: &str) -> String {
    match (answer, header) {
        ("preflight", "status") => {
            "tower-http answers a preflight with 200 and no body; the sandbox with 204. Both are 2xx, which is all the browser asks.".to_owned()
        }
        (_, "access-control-max-age") => {
            "tower-http's max_age is a Duration, sent back as its number of seconds.".to_owned()
        }
        _ => format!("tower-http sends its own {header} here."),
    }
}

/// A Rust string literal: Rust's escapes are a superset of what `{:?}` writes.
fn rust_string(text: &str) -> String {
    format!("{text:?}")
}

/// A Rust byte-string literal.
fn rust_bytes(text: &str) -> String {
    format!("b{text:?}")
}
