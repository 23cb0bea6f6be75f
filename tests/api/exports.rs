//! Every export run for real: nginx (Debian), express with cors (npm, the machine's Node), Starlette with
//! uvicorn (PyPI) and tower-http (`examples/tower_http_cors.rs`, compiled by `cargo test`), each sent the
//! same preflight and actual request as the sandbox's API, and compared header by header.
//!
//! Two things are checked for every case and every stack that can express its policy: the sandbox sends
//! what `server::export` says it sends, and the stack sends what its export predicts. Then the
//! differences the export lists (and explains) are exactly the differences on the wire. The stacks'
//! own installs come from `.ci/run` (into `target/exports/`); without them these tests print a notice and
//! pass, and under `CI=true` they fail.

mod cases;
mod errors;
mod presets;
mod refusals;
mod run;

use std::path::Path;

use reqwest::Client;
use serde_json::{Value, json};
use server::export;

use super::spawn_sandbox;
use cases::{cases, lines};
use run::{exchange, run, stacks_available};

/// Every case through the sandbox and through every stack that can express it: the endpoint, and the four
/// error routes (a handler that throws, a route a login check refuses, a path no route takes, a route that
/// takes one method only), each compared with the prediction.
#[tokio::test]
async fn every_export_sends_what_it_says_and_differs_from_the_sandbox_only_as_it_says() {
    if !stacks_available() {
        return;
    }
    let sandbox = spawn_sandbox().await;
    let http = Client::new();
    let mut ran = 0;
    let mut unsupported = Vec::new();
    let mut failures = Vec::new();
    for case in cases() {
        let (status, answer) = sandbox.send_policy(reqwest::Method::PUT, &case.policy.to_string()).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{}: {answer}", case.name);
        let (policy, probe) = (case.policy(), case.probe());
        let expected = export::export(&policy, &probe, "http://localhost:8000/api");

        let sandbox_real = exchange(&http, &format!("{}/api", sandbox.api), &probe).await;
        let off = export::differences(&expected.sandbox_sends, &sandbox_real);
        assert!(
            off.is_empty(),
            "{}: the sandbox does not send what export says it does: {:?}",
            case.name,
            lines(&off)
        );
        // The stacks of one case run side by side: most of a run is a process starting.
        let runs = expected.stacks.iter().filter(|s| s.code.is_some()).map(|stack| {
            let (http, probe, sandbox_real) = (&http, &probe, &sandbox_real);
            async move { run_and_compare(http, case.name, stack, probe, sandbox_real).await }
        });
        for found in futures_util::future::join_all(runs).await {
            ran += 1;
            failures.extend(found);
        }
        unsupported.extend(expected.stacks.iter().filter(|s| s.code.is_none()).map(|s| (case.name, s.stack)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Only the combinations the libraries refuse; each reason has a test of its own in
    // exports/refusals.rs or server/src/export/tests.rs.
    let refused = |stack: &str| -> Vec<&str> {
        unsupported.iter().filter(|(_, s)| *s == stack).map(|(case, _)| *case).collect()
    };
    let found: Vec<(&str, Vec<&str>)> = export::STACKS.iter().map(|s| (s.id, refused(s.id))).collect();
    let expected: Vec<(&str, Vec<&str>)> = REFUSED.iter().map(|(s, cases)| (*s, cases.to_vec())).collect();
    assert_eq!(found, expected, "the cases each stack's export refuses");
    assert_eq!(ran, cases().len() * export::STACKS.len() - unsupported.len());
}

/// The cases each stack's export refuses, in `export::STACKS`'s order; each reason has a test of its own in
/// exports/refusals.rs or server/src/export/tests.rs.
const REFUSED: [(&str, &[&str]); 10] = [
    (
        "tower-http",
        &[
            "wildcard_credentials",
            "preflight_only",
            "preflight_500",
            "headers_on_actual",
            "headers_star_credentials",
            "credentials_false",
            "options_request",
        ],
    ),
    (
        "express",
        &["preflight_only", "lowercase_patch", "headers_on_actual", "credentials_false", "options_request"],
    ),
    (
        "fastify",
        &["preflight_only", "lowercase_patch", "headers_on_actual", "credentials_false", "options_request"],
    ),
    (
        "hono",
        &[
            "preflight_only",
            "preflight_500",
            "lowercase_patch",
            "headers_on_actual",
            "credentials_false",
            "options_request",
        ],
    ),
    ("nginx", &["lowercase_patch", "named_group"]),
    // Caddy sends what it is told, and Go's server takes any method token.
    ("caddy", &[]),
    (
        "starlette",
        &[
            "wildcard_credentials",
            "preflight_only",
            "preflight_500",
            "lowercase_patch",
            "headers_on_actual",
            "credentials_false",
            "options_request",
        ],
    ),
    // Werkzeug upper-cases the method, so Flask takes a lower-case `patch`.
    (
        "flask",
        &[
            "wildcard_credentials",
            "preflight_only",
            "preflight_500",
            "headers_on_actual",
            "credentials_false",
            "options_request",
        ],
    ),
    // Django upper-cases the method, and lets an OPTIONS that is not a preflight through to the view.
    (
        "django",
        &[
            "wildcard_credentials",
            "preflight_only",
            "preflight_500",
            "headers_on_actual",
            "credentials_false",
        ],
    ),
    ("go", &["preflight_only", "preflight_500", "headers_on_actual", "credentials_false"]),
];

/// Runs one stack's export of one case, sends it the probe at the endpoint and at the error routes, and
/// says what differs from the prediction (nothing, when the export is right).
async fn run_and_compare(
    http: &Client,
    case: &str,
    stack: &export::StackExport,
    probe: &export::Probe,
    sandbox_real: &export::Exchange,
) -> Vec<String> {
    let mut failures = Vec::new();
    let mut running = run(stack.stack, case, stack.code.as_deref().unwrap_or_default()).await;
    let real = exchange(http, &running.url, probe).await;
    let mut errors = Vec::new();
    for route in &stack.errors {
        errors.push((route, exchange(http, &running.at(route.path), probe).await));
    }
    running.assert_alive(&format!("{case} / {}", stack.stack));
    drop(running);
    // The export leaves a header with an empty value out, or says the stack sends it: an empty line only
    // where predicted (express once wrote `res.append("Vary", "")`, an empty Vary line).
    let predicted = stack.sends.as_ref().unwrap();
    for (answer, sent, expected) in
        [("preflight", &real.preflight, &predicted.preflight), ("actual", &real.actual, &predicted.actual)]
    {
        for (name, value) in &sent.headers {
            if value.trim().is_empty() && expected.headers.get(name).is_none_or(|v| !v.trim().is_empty()) {
                failures
                    .push(format!("{case} / {}: sends an empty {name} line on the {answer}", stack.stack));
            }
        }
    }
    let mispredicted = export::differences(stack.sends.as_ref().unwrap(), &real);
    if !mispredicted.is_empty() {
        failures.push(format!(
            "{case} / {}: sends other than predicted (predicted -> real): {:?}",
            stack.stack,
            lines(&mispredicted)
        ));
    } else {
        // Then the listed differences are the real ones.
        let real_differences = export::differences(sandbox_real, &real);
        if !same_differences(&real_differences, &stack.differences) {
            failures.push(format!(
                "{case} / {}: listed {:?}, real {:?}",
                stack.stack,
                lines(&stack.differences),
                lines(&real_differences)
            ));
        }
    }
    if stack.errors.len() != 4 {
        failures.push(format!("{case} / {}: {} error routes, not 4", stack.stack, stack.errors.len()));
    }
    for (route, real) in errors {
        let mispredicted = export::differences(&route.sends, &real);
        if !mispredicted.is_empty() {
            failures.push(format!(
                "{case} / {} {}: sends other than predicted (predicted -> real): {:?}",
                stack.stack,
                route.path,
                lines(&mispredicted)
            ));
        }
    }
    failures
}

/// The same (answer, header) pairs, with values that mean the same to the browser.
fn same_differences(real: &[export::Difference], listed: &[export::Difference]) -> bool {
    real.len() == listed.len()
        && real.iter().zip(listed).all(|(r, l)| {
            r.answer == l.answer
                && r.header == l.header
                && (r.header == "status"
                    || (export::same_value(&r.header, r.sandbox.as_deref(), l.sandbox.as_deref())
                        && export::same_value(&r.header, r.stack.as_deref(), l.stack.as_deref())))
                && (r.header != "status" || (r.sandbox == l.sandbox && r.stack == l.stack))
        })
}

/// The tower-http example is made of the exports of these cases, as `GET /sandbox/export` writes them:
/// what the tests compile and run is what a learner copies.
#[test]
fn the_tower_http_example_is_the_export_of_every_case() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tower_http_cors.rs");
    let wanted = tower_example_source();
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != wanted {
        if std::env::var("UPDATE_EXPORTS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &wanted).unwrap();
            return;
        }
        panic!(
            "examples/tower_http_cors.rs is not the tower-http export of tests/api/exports.rs's cases; rewrite it with UPDATE_EXPORTS=1 cargo test --test api exports, then run the tests again"
        );
    }
}

fn tower_example_source() -> String {
    let mut source = String::from(
        "//! tower-http's exports of the policies tests/api/exports.rs runs, one module per case, as `GET /sandbox/export`\n//! writes them. Generated: `UPDATE_EXPORTS=1 cargo test --test api exports` rewrites this file.\n//!\n//! `tower_http_cors <case>` serves `/api`, and the export's error routes, with that case's layer on\n//! `127.0.0.1:$PORT`; `tower_http_cors <case> panic-outside` with the mistake of CatchPanicLayer outside the\n//! CORS layer, `tower_http_cors <case> route-layer` with the CORS layer on the routes only (not the\n//! fallback); `tower_http_cors wildcard_with_credentials` builds the layer naive code would write for `*`\n//! with credentials, which panics.\n\nuse axum::Router;\nuse axum::http::StatusCode;\nuse axum::routing::{any, get, post};\nuse tower_http::catch_panic::CatchPanicLayer;\n",
    );
    let mut arms = Vec::new();
    for case in cases() {
        let Ok(module) = export::tower_http_layer(&case.policy()) else { continue };
        source.push_str(&format!("\n#[rustfmt::skip]\nmod {} {{\n", case.name));
        for line in module.lines() {
            if line.is_empty() {
                source.push('\n');
            } else {
                source.push_str(&format!("    {line}\n"));
            }
        }
        source.push_str("}\n");
        arms.push(format!("        \"{0}\" => {0}::cors(),\n", case.name));
    }
    source.push_str("\n/// This example has no users: the login check refuses every request.\nasync fn private() -> (StatusCode, &'static str) {\n    (StatusCode::UNAUTHORIZED, \"Log in first\")\n}\n\nasync fn fail() -> &'static str {\n    panic!(\"the handler failed\")\n}\n\n#[tokio::main]\nasync fn main() {\n    let case = std::env::args().nth(1).unwrap_or_default();\n    let mistake = std::env::args().nth(2).unwrap_or_default();\n    let cors = match case.as_str() {\n");
    for arm in arms {
        source.push_str(&arm);
    }
    source.push_str("        // What the tower-http docs' types allow and its layer refuses.\n        \"wildcard_with_credentials\" => {\n            tower_http::cors::CorsLayer::new().allow_origin(tower_http::cors::Any).allow_credentials(true)\n        }\n        other => panic!(\"no case {other:?}\"),\n    };\n    let routes = Router::new()\n        .route(\"/api\", any(|| async { \"Hello\" }))\n        .route(\"/api/fail\", any(fail))\n        .route(\"/api/private\", any(private))\n        .route(\"/api/get-only\", get(|| async { \"Hello\" }))\n        .route(\"/api/post-only\", post(|| async { \"Hello\" }));\n    let app = match mistake.as_str() {\n        \"panic-outside\" => routes.layer(cors).layer(CatchPanicLayer::new()),\n        \"route-layer\" => routes.layer(CatchPanicLayer::new()).route_layer(cors),\n        _ => routes.layer(CatchPanicLayer::new()).layer(cors),\n    };\n    let port = std::env::var(\"PORT\").unwrap_or_else(|_| \"8080\".to_owned());\n    let listener = tokio::net::TcpListener::bind(format!(\"127.0.0.1:{port}\")).await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n");
    source
}

/// `GET /sandbox/export` works the preflight out with the browser model, and refuses bad input with a
/// sentence and a 400, changing nothing.
#[tokio::test]
async fn the_export_endpoint_asks_the_model_and_refuses_bad_input() {
    let sandbox = spawn_sandbox().await;
    let before = sandbox.policy().await;
    let url = |query: &str| format!("{}/sandbox/export?{query}", sandbox.site);
    let answer: Value = sandbox
        .http
        .get(url("method=put&header=Content-Type:%20text/plain&header=X-Api-Key:%20k1&credentials=include&path=/api/echo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["probe"]["method"], "PUT", "normalised as fetch() does");
    assert_eq!(
        answer["probe"]["request_headers"],
        json!(["x-api-key"]),
        "a safelisted Content-Type needs no permission"
    );
    assert_eq!(answer["probe"]["origin"], sandbox.site);
    let stacks: Vec<&str> =
        answer["stacks"].as_array().unwrap().iter().map(|s| s["stack"].as_str().unwrap()).collect();
    let known: Vec<&str> = export::STACKS.iter().map(|s| s.id).collect();
    assert_eq!(stacks, known, "every stack when none is asked for");
    assert!(
        answer["check"]
            .as_str()
            .unwrap()
            .starts_with(&format!("cors-sandbox check {}/api/echo ", sandbox.api))
    );
    for (query, says) in [
        ("method=a%20b", "method must be an HTTP method"),
        ("header=no-colon", "header must be written Name: value"),
        ("path=/sandbox/policy", "path must be one of the API's"),
        ("stack=rails", "The export knows no stack called \"rails\". Ask for one of tower-http, express,"),
    ] {
        let response = sandbox.http.get(url(query)).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(says), "{query}: {body}");
    }
    // `?stack=` asks for one stack, in the same shape.
    let one: Value = sandbox.http.get(url("stack=nginx")).send().await.unwrap().json().await.unwrap();
    let stacks = one["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 1);
    assert_eq!(stacks[0]["stack"], "nginx");
    assert!(one["curl"].is_array() && one["check"].is_string() && one["sandbox_sends"].is_object());
    assert_eq!(sandbox.policy().await, before);
}
