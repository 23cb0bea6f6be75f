//! Each refusal's reason shown true by the real stack: what naive code does, and what the stack does with
//! what the export will not write.

use reqwest::{Client, Method};
use server::export::{self, Probe, StackExport};
use tokio::process::Command;

use super::cases::{case_named, cases, stack_of};
use super::run::{NGINX, exchange, free_port, run, stacks_available, temp_dir, tower_example};

/// What `StackExport::unsupported` says, for one stack of one case.
pub fn unsupported(case: &str, stack: &str) -> String {
    let case = case_named(case);
    let export = case.export();
    let found: &StackExport = stack_of(&export, stack);
    found.unsupported.clone().unwrap_or_else(|| panic!("{stack} can express {}", case.name))
}

/// tower-http's reason is its own panic message: the naive layer really panics with it.
#[tokio::test]
async fn tower_http_panics_as_its_export_says_on_a_wildcard_with_credentials() {
    if !stacks_available() {
        return;
    }
    let reason = unsupported("wildcard_credentials", "tower-http");
    let output = Command::new(tower_example())
        .arg("wildcard_with_credentials")
        .env("PORT", free_port().to_string())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message =
        "Cannot combine `Access-Control-Allow-Credentials: true` with `Access-Control-Allow-Origin: *`";
    assert!(stderr.contains(message), "{stderr}");
    assert!(reason.contains(message), "{reason}");
}

/// Starlette's reason: given `*` and credentials, it echoes any origin, with credentials.
#[tokio::test]
async fn starlette_echoes_every_origin_as_its_export_says_on_a_wildcard_with_credentials() {
    if !stacks_available() {
        return;
    }
    let reason = unsupported("wildcard_credentials", "starlette");
    assert!(reason.contains("echoes every request's Origin"), "{reason}");
    // What a learner would write without the export: the same arguments, `*` and credentials.
    let naive = "import os\nimport uvicorn\nfrom starlette.applications import Starlette\nfrom starlette.middleware import Middleware\nfrom starlette.middleware.cors import CORSMiddleware\nfrom starlette.responses import PlainTextResponse\nfrom starlette.routing import Route\n\nasync def hello(request):\n    return PlainTextResponse(\"Hello\")\n\napp = Starlette(routes=[Route(\"/api\", hello)], middleware=[Middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)])\n\nuvicorn.run(app, host=\"127.0.0.1\", port=int(os.environ[\"PORT\"]))\n";
    let running = run("starlette", "naive", naive).await;
    let evil = Probe {
        origin: "https://evil.example".to_owned(),
        method: "GET".to_owned(),
        headers: Vec::new(),
        request_headers: Vec::new(),
        credentials: true,
    };
    let real = exchange(&Client::new(), &running.url, &evil).await;
    assert_eq!(
        real.actual.headers.get("access-control-allow-origin").map(String::as_str),
        Some("https://evil.example")
    );
    assert_eq!(real.actual.headers.get("access-control-allow-credentials").map(String::as_str), Some("true"));
}

/// nginx's note: without `always`, a preflight answered 500 carries no CORS header at all.
#[tokio::test]
async fn nginx_drops_the_headers_from_an_error_without_always_as_its_note_says() {
    if !stacks_available() {
        return;
    }
    let case = cases().into_iter().find(|c| c.name == "preflight_500").unwrap();
    let export = case.export();
    let nginx = stack_of(&export, "nginx");
    assert!(nginx.notes.iter().any(|n| n.contains("without it nginx sends the header only on 200")));
    let code = nginx.code.as_deref().unwrap();
    let with_always = run("nginx", "always", code).await;
    let without = run("nginx", "without-always", &code.replace(" always;", ";")).await;
    let http = Client::new();
    let kept = exchange(&http, &with_always.url, &case.probe()).await;
    let dropped = exchange(&http, &without.url, &case.probe()).await;
    assert_eq!(kept.preflight.status, 500);
    assert_eq!(kept.preflight.headers.get("access-control-allow-origin").map(String::as_str), Some("*"));
    assert_eq!(dropped.preflight.status, 500);
    assert_eq!(dropped.preflight.headers, Default::default(), "no CORS header on the 500 without `always`");
    // On the 200 the header is there either way.
    assert_eq!(dropped.actual.headers.get("access-control-allow-origin").map(String::as_str), Some("*"));
}

/// express's note: a list of origins is never sent as a list; each request gets its own Origin or nothing.
#[tokio::test]
async fn express_turns_a_list_into_one_echoed_origin_as_its_note_says() {
    if !stacks_available() {
        return;
    }
    let case = case_named("allowlist_refused");
    let export = case.export();
    let express = stack_of(&export, "express");
    assert!(express.notes.iter().any(|n| n.contains("a list can never be sent as one header")));
    let running = run("express", "list", express.code.as_deref().unwrap()).await;
    let http = Client::new();
    for (origin, expected) in [
        ("http://localhost:3000", Some("http://localhost:3000")),
        ("null", Some("null")),
        ("http://localhost:4000", None),
    ] {
        let probe = Probe { origin: origin.to_owned(), ..case.probe() };
        let real = exchange(&http, &running.url, &probe).await;
        assert_eq!(
            real.actual.headers.get("access-control-allow-origin").map(String::as_str),
            expected,
            "{origin}"
        );
    }
}

/// The lower-case method refusals: fetch() sends `patch` as written, and Node, nginx and Starlette's
/// Route refuse it before any CORS code runs, as their exports say.
#[tokio::test]
async fn a_lower_case_method_is_refused_before_cors_as_the_exports_say() {
    if !stacks_available() {
        return;
    }
    let case = case_named("lowercase_patch");
    let any = case_named("any_origin");
    let export = any.export();
    let http = Client::new();
    for (stack, status) in [("express", 400), ("nginx", 400), ("starlette", 405)] {
        let reason = unsupported("lowercase_patch", stack);
        assert!(reason.contains("fetch() sends a method as it was written"), "{stack}: {reason}");
        assert!(reason.contains(&format!("with {status}")), "{stack}: {reason}");
        let code = stack_of(&export, stack).code.clone().unwrap();
        let running = run(stack, "lowercase", &code).await;
        let answer = http
            .request(Method::from_bytes(case.method.as_bytes()).unwrap(), &running.url)
            .header("Origin", case.origin)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), status, "{stack}");
        // Starlette's middleware still writes its headers on the Route's 405, and nginx its server-level
        // lines (`always`) on its 400; Node refuses the request line before express runs.
        let cors_ran = answer.headers().get("access-control-allow-origin").is_some();
        assert_eq!(cors_ran, stack != "express", "{stack}");
    }
}

/// The OPTIONS refusal: express's cors answers a plain OPTIONS (no Access-Control-Request-Method) as a
/// preflight, so the endpoint never sees it.
#[tokio::test]
async fn express_answers_every_options_as_a_preflight_as_its_export_says() {
    if !stacks_available() {
        return;
    }
    assert!(
        unsupported("options_request", "express").contains("answers every OPTIONS request as a preflight")
    );
    let case = case_named("credentialed");
    let export = case.export();
    let code = stack_of(&export, "express").code.clone().unwrap();
    let running = run("express", "options", &code).await;
    let answer = Client::new()
        .request(Method::OPTIONS, &running.url)
        .header("Origin", case.origin)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 204, "cors's preflight answer, not the endpoint's 200");
    assert_eq!(answer.headers()["access-control-allow-methods"], "GET, PUT");
    assert_eq!(answer.text().await.unwrap(), "", "not the endpoint's Hello");
}

/// The named-group refusal: in nginx a named group is a variable, and `host` is one of nginx's own.
#[tokio::test]
async fn nginx_refuses_a_named_group_that_clashes_with_its_variables_as_its_export_says() {
    if !stacks_available() {
        return;
    }
    assert!(unsupported("named_group", "nginx").contains("named group"));
    let any = case_named("any_origin");
    let export = any.export();
    let code = stack_of(&export, "nginx").code.clone().unwrap();
    // What the export would have written: the pattern as nginx's map reads it.
    let with_group = code.replacen(
        "\nserver {",
        "map $http_origin $cors_allow_origin {\n    default \"\";\n    \"~^http://(?<host>localhost)(:\\d+)?$\" $http_origin;\n}\n\nserver {",
        1,
    );
    let tmp = temp_dir("named-group");
    std::fs::write(tmp.0.join("cors.conf"), &with_group).unwrap();
    std::fs::write(
        tmp.0.join("nginx.conf"),
        format!("error_log stderr;\nevents {{}}\nhttp {{\n    include {}/cors.conf;\n}}\n", tmp.0.display()),
    )
    .unwrap();
    let output = Command::new(NGINX)
        .arg("-t")
        .arg("-p")
        .arg(&tmp.0)
        .arg("-c")
        .arg(tmp.0.join("nginx.conf"))
        .arg("-e")
        .arg("stderr")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success(), "nginx -t accepted a named group called host");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("host"), "{stderr}");
}

/// Why the libraries refuse the server bugs: tower-http, express and Starlette write their headers on the
/// preflight and the actual answer alike (so "preflight only" or "actual only" cannot be written), and
/// tower-http and Starlette answer a preflight they handle with 200 (so a failing preflight status cannot
/// be either); tower-http and Starlette answer a plain OPTIONS themselves too.
#[tokio::test]
async fn the_libraries_write_every_answer_and_succeed_every_preflight_as_their_refusals_say() {
    if !stacks_available() {
        return;
    }
    for (case, stack) in [
        ("preflight_only", "tower-http"),
        ("preflight_only", "express"),
        ("preflight_only", "starlette"),
        ("headers_on_actual", "tower-http"),
        ("preflight_500", "tower-http"),
        ("preflight_500", "starlette"),
    ] {
        let reason = unsupported(case, stack);
        assert!(
            reason.contains("on every answer") || reason.contains("answers every preflight"),
            "{case} / {stack}: {reason}"
        );
    }
    let any = case_named("any_origin");
    let export = export::export(
        &any.policy(),
        &Probe { method: "PUT".to_owned(), ..any.probe() },
        "http://localhost:8000/api",
    );
    let http = Client::new();
    for (stack, preflight_status) in [("tower-http", 200), ("express", 204), ("starlette", 200)] {
        let code = stack_of(&export, stack).code.clone().unwrap();
        let running = run(stack, "any_origin", &code).await;
        let real = exchange(&http, &running.url, &any.probe()).await;
        assert_eq!(real.preflight.status, preflight_status, "{stack}");
        for (answer, sent) in [("preflight", &real.preflight), ("actual", &real.actual)] {
            assert_eq!(
                sent.headers.get("access-control-allow-origin").map(String::as_str),
                Some("*"),
                "{stack} {answer}"
            );
        }
    }
}
