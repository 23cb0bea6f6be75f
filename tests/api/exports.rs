//! Every export run for real: nginx (Debian), express with cors (npm, the machine's Node), Starlette with
//! uvicorn (PyPI) and tower-http (`examples/tower_http_cors.rs`, compiled by `cargo test`), each sent the
//! same preflight and actual request as the sandbox's API, and compared header by header.
//!
//! Two things are checked for every case and every stack that can express its policy: the sandbox sends
//! what `server::export` says it sends, and the stack sends what its export predicts. Then the
//! differences the export lists (and explains) are exactly the differences on the wire. The stacks'
//! own installs come from `.ci/run` (into `target/exports/`); without them these tests print a notice and
//! pass, and under `CI=true` they fail.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Client, Method};
use serde_json::{Value, json};
use server::Policy;
use server::export::{self, Exchange, Export, Probe, Sent, StackExport};
use tokio::process::{Child, Command};

use super::spawn_sandbox;

/// One policy and one request of the lab's.
struct Case {
    name: &'static str,
    policy: Value,
    origin: &'static str,
    method: &'static str,
    headers: &'static [(&'static str, &'static str)],
    credentials: bool,
}

fn cases() -> Vec<Case> {
    let case = |name, policy, origin, method, headers, credentials| Case {
        name,
        policy,
        origin,
        method,
        headers,
        credentials,
    };
    const PAGE: &str = "http://localhost:3000";
    const OTHER: &str = "http://localhost:4000";
    const LOOKALIKE: &str = "http://localhost.evil.localhost:4000";
    vec![
        case("article", json!({"allow_origin": "https://yoursite.com"}), PAGE, "GET", &[], false),
        case("any_origin", json!({"allow_origin": "*"}), PAGE, "GET", &[], false),
        case(
            "credentialed",
            json!({"allow_origin": PAGE, "allow_credentials": "true", "allow_methods": "GET, PUT",
                "allow_headers": "X-Api-Key", "expose_headers": "X-Request-Id", "max_age": "600", "vary": "Origin"}),
            PAGE,
            "PUT",
            &[("X-Api-Key", "k1")],
            true,
        ),
        case(
            "allowlist_refused",
            json!({"origin_matcher": {"kind": "exact", "origins": [PAGE, "null"]}, "allow_credentials": "true",
                "allow_methods": "GET, POST, PUT", "allow_headers": "Content-Type, X-Api-Key", "vary": "Origin"}),
            OTHER,
            "PUT",
            &[("X-Api-Key", "k1")],
            true,
        ),
        case(
            "prefix_lookalike",
            json!({"origin_matcher": {"kind": "prefix", "value": "http://localhost"}, "allow_credentials": "true"}),
            LOOKALIKE,
            "GET",
            &[],
            true,
        ),
        case(
            "regex_unanchored",
            json!({"origin_matcher": {"kind": "regex", "pattern": "^http://localhost(:\\d+)?"}}),
            LOOKALIKE,
            "GET",
            &[],
            false,
        ),
        case(
            "suffix_lookalike",
            json!({"origin_matcher": {"kind": "suffix", "value": "localhost:3000"}}),
            "http://evil-localhost:3000",
            "GET",
            &[],
            false,
        ),
        case(
            "reflect_null",
            json!({"origin_matcher": {"kind": "reflect"}, "allow_credentials": "true", "allow_methods": "DELETE",
                "allow_headers": "X-Api-Key"}),
            "null",
            "DELETE",
            &[("X-Api-Key", "k1")],
            true,
        ),
        case(
            "wildcards",
            json!({"allow_origin": "*", "allow_methods": "*", "allow_headers": "*", "expose_headers": "*"}),
            PAGE,
            "DELETE",
            &[("X-Custom", "1")],
            false,
        ),
        case(
            "wildcard_credentials",
            json!({"allow_origin": "*", "allow_credentials": "true"}),
            PAGE,
            "GET",
            &[],
            true,
        ),
        case(
            "preflight_only",
            json!({"allow_origin": "*", "allow_methods": "PUT", "headers_on": "preflight"}),
            PAGE,
            "PUT",
            &[],
            false,
        ),
        case("preflight_500", json!({"allow_origin": "*", "preflight_status": 500}), PAGE, "PUT", &[], false),
        // fetch() sends `patch` as written; only tower-http's server takes a lower-case method.
        case(
            "lowercase_patch",
            json!({"allow_origin": "*", "allow_methods": "put, patch", "allow_headers": "Content-Type"}),
            PAGE,
            "patch",
            &[],
            false,
        ),
        case(
            "empty_lists",
            json!({"allow_origin": "*", "allow_methods": "", "allow_headers": "", "vary": ""}),
            PAGE,
            "PUT",
            &[("X-A", "1")],
            false,
        ),
        case(
            "headers_on_actual",
            json!({"allow_origin": "*", "headers_on": "actual"}),
            PAGE,
            "PUT",
            &[],
            false,
        ),
        case(
            "named_group",
            json!({"origin_matcher": {"kind": "regex", "pattern": "^http://(?<host>localhost)(:\\d+)?$"}}),
            PAGE,
            "GET",
            &[],
            false,
        ),
        case("max_age_zeros", json!({"allow_origin": "*", "max_age": "007"}), PAGE, "PUT", &[], false),
        case("vary_star", json!({"allow_origin": PAGE, "vary": "Accept, *"}), PAGE, "GET", &[], false),
        case(
            "options_request",
            json!({"allow_origin": "*", "expose_headers": "X-Id"}),
            PAGE,
            "OPTIONS",
            &[],
            false,
        ),
    ]
}

/// The case called `name`.
fn case_named(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no case {name}"))
}

/// One stack's part of an export.
fn stack_of<'a>(export: &'a Export, stack: &str) -> &'a StackExport {
    export.stacks.iter().find(|s| s.stack == stack).unwrap_or_else(|| panic!("no stack {stack}"))
}

impl Case {
    /// Every stack's export of the case, for the sandbox's API at the article's URL.
    fn export(&self) -> Export {
        export::export(&self.policy(), &self.probe(), "http://localhost:8000/api")
    }

    fn policy(&self) -> Policy {
        Policy::from_json(&self.policy).expect("the case's policy is valid")
    }

    fn probe(&self) -> Probe {
        Probe::with_unsafe_headers(self.origin, self.method, self.headers, self.credentials)
    }
}

/// Sends the probe's preflight and actual request to `url`, as the browser would, and keeps what came back.
async fn exchange(http: &Client, url: &str, probe: &Probe) -> Exchange {
    let mut preflight = http
        .request(Method::OPTIONS, url)
        .header("Origin", &probe.origin)
        .header("Access-Control-Request-Method", &probe.method);
    if !probe.request_headers.is_empty() {
        preflight = preflight.header("Access-Control-Request-Headers", probe.request_headers.join(","));
    }
    let mut actual = http
        .request(Method::from_bytes(probe.method.as_bytes()).unwrap(), url)
        .header("Origin", &probe.origin);
    for (name, value) in &probe.headers {
        actual = actual.header(name, value);
    }
    if probe.credentials {
        actual = actual.header("Cookie", "sandbox_session=export-test");
    }
    let mut sent = Vec::new();
    for request in [preflight, actual] {
        let response = request.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let mut answer = Sent::status(response.status().as_u16());
        for (name, value) in response.headers() {
            answer.add(name.as_str(), value.to_str().unwrap_or_default());
        }
        sent.push(answer);
    }
    let actual = sent.pop().unwrap();
    Exchange { preflight: sent.pop().unwrap(), actual }
}

/// Differences as `answer header: a -> b`, for messages.
fn lines(differences: &[export::Difference]) -> Vec<String> {
    differences
        .iter()
        .map(|d| {
            format!(
                "{} {}: {} -> {}",
                d.answer,
                d.header,
                d.sandbox.as_deref().unwrap_or("none"),
                d.stack.as_deref().unwrap_or("none")
            )
        })
        .collect()
}

/// Where the stacks' installs live: `target/exports/`, beside the build.
fn exports_dir() -> PathBuf {
    // The test binary is target/<profile>/deps/api-…; target/ is three levels up.
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors().nth(3).expect("target/").join("exports")
}

/// The tower-http example `cargo test` built beside this test binary.
fn tower_example() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors().nth(2).expect("target/<profile>/").join("examples").join("tower_http_cors")
}

const NGINX: &str = "/usr/sbin/nginx";

/// What is missing to run the stacks, in words, or nothing.
fn missing() -> Vec<String> {
    let dir = exports_dir();
    let mut missing = Vec::new();
    if !Path::new(NGINX).exists() {
        missing.push("nginx (apt-get install nginx)".to_owned());
    }
    if !dir.join("node/node_modules/cors").exists() || !dir.join("node/node_modules/express").exists() {
        missing.push(format!(
            "express and cors (npm install --prefix {} express@4 cors@2.8)",
            dir.join("node").display()
        ));
    }
    if !dir.join("py/bin/python").exists() {
        missing.push(format!(
            "Starlette and uvicorn (python3 -m venv {0} && {0}/bin/pip install starlette uvicorn)",
            dir.join("py").display()
        ));
    }
    if !tower_example().exists() {
        missing.push("the tower_http_cors example (cargo build --examples)".to_owned());
    }
    missing
}

/// Whether the stacks can run here; if not, says so (and fails under `CI=true`, which must run them).
fn stacks_available() -> bool {
    let missing = missing();
    if missing.is_empty() {
        return true;
    }
    let notice = format!("the export tests need {}; .ci/run installs them", missing.join(", "));
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {notice}");
    }
    eprintln!("SKIPPED: {notice}");
    false
}

/// A free loopback port (a race only with other programs binding in the same instant).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running stack: killed when dropped.
struct Running {
    _child: Child,
    url: String,
    _dir: Option<TempDir>,
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `command` (which listens on `port`) and waits until it accepts connections.
async fn start(mut command: Command, port: u16, what: &str, dir: Option<TempDir>) -> Running {
    command.stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    for _ in 0..200 {
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = err.read_to_string(&mut stderr).await;
            }
            panic!("{what} exited ({status}) before it listened:\n{stderr}");
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Running { _child: child, url: format!("http://127.0.0.1:{port}/api"), _dir: dir };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not listen on port {port} within 10 s");
}

/// A fresh directory under target/exports/runs/.
fn temp_dir(name: &str) -> TempDir {
    let dir = exports_dir().join("runs").join(format!("{name}-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Runs one stack's code (or, for tower-http, the example's case) on a free port.
async fn run(stack: &str, case: &str, code: &str) -> Running {
    let port = free_port();
    let dir = exports_dir();
    match stack {
        "tower-http" => {
            let mut command = Command::new(tower_example());
            command.arg(case).env("PORT", port.to_string());
            start(command, port, "the tower-http example", None).await
        }
        "express" => {
            // In node/, so that require() finds node_modules.
            let file = dir.join("node").join(format!("{case}-{port}.js"));
            std::fs::write(&file, code).unwrap();
            let mut command = Command::new("node");
            command.arg(&file).current_dir(dir.join("node")).env("PORT", port.to_string());
            let running = start(command, port, "express", None).await;
            let _ = std::fs::remove_file(&file);
            running
        }
        "starlette" => {
            let tmp = temp_dir(case);
            let file = tmp.0.join("app.py");
            std::fs::write(&file, code).unwrap();
            let mut command = Command::new(dir.join("py/bin/python"));
            command.arg(&file).env("PORT", port.to_string());
            start(command, port, "Starlette", Some(tmp)).await
        }
        "nginx" => {
            let tmp = temp_dir(case);
            let conf = code.replace("listen 127.0.0.1:8080;", &format!("listen 127.0.0.1:{port};"));
            assert_ne!(conf, code, "the nginx export listens on 127.0.0.1:8080");
            std::fs::write(tmp.0.join("cors.conf"), conf).unwrap();
            let p = tmp.0.display();
            // The export is a conf.d file; this is the nginx.conf around it, as Debian's includes conf.d/.
            let main = format!(
                "master_process off;\nerror_log stderr;\npid {p}/nginx.pid;\nevents {{}}\nhttp {{\n    access_log off;\n    client_body_temp_path {p}/body;\n    proxy_temp_path {p}/proxy;\n    fastcgi_temp_path {p}/fastcgi;\n    uwsgi_temp_path {p}/uwsgi;\n    scgi_temp_path {p}/scgi;\n    include {p}/cors.conf;\n}}\n"
            );
            std::fs::write(tmp.0.join("nginx.conf"), main).unwrap();
            let mut command = Command::new(NGINX);
            command
                .arg("-p")
                .arg(&tmp.0)
                .arg("-c")
                .arg(tmp.0.join("nginx.conf"))
                .arg("-e")
                .arg("stderr")
                .arg("-g")
                .arg("daemon off;");
            start(command, port, "nginx", Some(tmp)).await
        }
        other => panic!("no runner for {other}"),
    }
}

/// Every case through the sandbox and through every stack that can express it.
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

        for stack in &expected.stacks {
            let Some(code) = &stack.code else {
                unsupported.push(format!("{} / {}", case.name, stack.stack));
                continue;
            };
            let running = run(stack.stack, case.name, code).await;
            let real = exchange(&http, &running.url, &probe).await;
            drop(running);
            ran += 1;
            let mispredicted = export::differences(stack.sends.as_ref().unwrap(), &real);
            if !mispredicted.is_empty() {
                failures.push(format!(
                    "{} / {}: sends other than predicted (predicted -> real): {:?}",
                    case.name,
                    stack.stack,
                    lines(&mispredicted)
                ));
                continue;
            }
            // Then the listed differences are the real ones.
            let real_differences = export::differences(&sandbox_real, &real);
            if !same_differences(&real_differences, &stack.differences) {
                failures.push(format!(
                    "{} / {}: listed {:?}, real {:?}",
                    case.name,
                    stack.stack,
                    lines(&stack.differences),
                    lines(&real_differences)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Only the combinations the libraries refuse; each reason has a test of its own below or in
    // server/src/export/tests.rs.
    assert_eq!(
        unsupported,
        [
            "wildcard_credentials / tower-http",
            "wildcard_credentials / starlette",
            "preflight_only / tower-http",
            "preflight_only / express",
            "preflight_only / starlette",
            "preflight_500 / tower-http",
            "preflight_500 / starlette",
            "lowercase_patch / express",
            "lowercase_patch / nginx",
            "lowercase_patch / starlette",
            "headers_on_actual / tower-http",
            "headers_on_actual / express",
            "headers_on_actual / starlette",
            "named_group / nginx",
            "options_request / tower-http",
            "options_request / express",
            "options_request / starlette",
        ]
    );
    assert_eq!(ran, 19 * 4 - 17);
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
        "//! tower-http's exports of the policies tests/api/exports.rs runs, one module per case, as `GET /sandbox/export`\n//! writes them. Generated: `UPDATE_EXPORTS=1 cargo test --test api exports` rewrites this file.\n//!\n//! `tower_http_cors <case>` serves `/api` with that case's layer on `127.0.0.1:$PORT`; `tower_http_cors\n//! wildcard_with_credentials` builds the layer naive code would write for `*` with credentials, which panics.\n\nuse axum::Router;\nuse axum::routing::any;\n",
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
    source.push_str("\n#[tokio::main]\nasync fn main() {\n    let case = std::env::args().nth(1).unwrap_or_default();\n    let cors = match case.as_str() {\n");
    for arm in arms {
        source.push_str(&arm);
    }
    source.push_str("        // What the tower-http docs' types allow and its layer refuses.\n        \"wildcard_with_credentials\" => {\n            tower_http::cors::CorsLayer::new().allow_origin(tower_http::cors::Any).allow_credentials(true)\n        }\n        other => panic!(\"no case {other:?}\"),\n    };\n    let app = Router::new().route(\"/api\", any(|| async { \"Hello\" })).layer(cors);\n    let port = std::env::var(\"PORT\").unwrap_or_else(|_| \"8080\".to_owned());\n    let listener = tokio::net::TcpListener::bind(format!(\"127.0.0.1:{port}\")).await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n");
    source
}

/// What `StackExport::unsupported` says, for one stack of one case.
fn unsupported(case: &str, stack: &str) -> String {
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
    assert_eq!(stacks, ["tower-http", "express", "nginx", "starlette"]);
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
    ] {
        let response = sandbox.http.get(url(query)).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(says), "{query}: {body}");
    }
    assert_eq!(sandbox.policy().await, before);
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
        // Starlette's middleware still writes its headers on the Route's 405; Node and nginx refuse the
        // request line before any of it runs.
        let cors_ran = answer.headers().get("access-control-allow-origin").is_some();
        assert_eq!(cors_ran, stack == "starlette", "{stack}");
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
