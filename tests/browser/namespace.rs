//! `cors-sandbox check` against what Chromium did with Local Network Access, on private addresses as well as
//! loopback: inside a network namespace of its own (`unshare -n`), the test puts `10.77.0.1` and `10.77.0.2`
//! on `lo` (this sandbox refuses dummy interfaces; browsers classify by the address they connect to, so
//! 10.77.0.x is `local`), serves a target on `10.77.0.2` and `127.0.0.1`, and pages from each space:
//!
//! - public and a secure context: `http://127.0.0.1` served with `Content-Security-Policy: treat-as-public-address`;
//! - public and not a secure context: `http://10.77.0.1` with the same header;
//! - local: `http://10.77.0.1`; loopback: `http://127.0.0.1`.
//!
//! For each page, target, permission (denied, granted, prompt — set with DevTools' `Browser.setPermission` for
//! the page's origin) and `targetAddressSpace` (none, the target's, another), headless Chromium runs the
//! `fetch()` and `check` judges the same request with `--page-address-space`, `--lna-permission` and
//! `--target-address-space`: the verdict and Chromium's line must be equal. `prompt`: headless Chromium
//! cannot ask and refuses, so the refusal must be the one `check` says a refusal prints.
//!
//! The outer test re-runs this test binary inside the namespace (the inner test is `#[ignore]`d for every
//! other run). Where namespaces cannot be made it prints a notice; under `CI=true` that is a failure, because
//! CI runs as root on this kind of machine, where `unshare -n` works (measured).

use std::process::Command;

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::harness::Browser;

/// The inner test's name, and the variable that tells it it runs inside the namespace.
const INNER: &str = "namespace::check_equals_chromium_inside_the_namespace";
const INSIDE: &str = "CORS_SANDBOX_INSIDE_NETNS";

/// The outer test: makes the namespace and runs the inner test in it.
pub fn run_in_a_namespace() -> Result<(), String> {
    let setup = "ip link set lo up && ip addr add 10.77.0.1/24 dev lo && ip addr add 10.77.0.2/24 dev lo";
    let probe = Command::new("unshare").args(["-n", "sh", "-c", setup]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = match probe {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_owned(),
            Err(e) => e.to_string(),
        };
        // CI runs as root on this kind of machine, where `unshare -n` works: there it is a failure.
        return crate::missing::missing(
            &format!("a network namespace with private addresses (`unshare -n` said: {why})"),
            "run the tests as root, or where unprivileged user namespaces are allowed (`unshare -rn`)",
        );
    }
    let test_binary = std::env::current_exe().map_err(|e| e.to_string())?;
    let command = format!("{setup} && exec \"$0\" --exact {INNER} --ignored --nocapture --test-threads=1");
    let output = Command::new("unshare")
        .args(["-n", "sh", "-c", &command])
        .arg(&test_binary)
        .env(INSIDE, "1")
        .output()
        .map_err(|e| e.to_string())?;
    let printed = String::from_utf8_lossy(&output.stdout);
    // What the inner run printed: how many cases agreed, and the failures.
    for line in printed.lines().filter_map(|l| l.split_once("namespace: ").map(|(_, said)| said)) {
        println!("in the namespace: {line}");
    }
    if output.status.success() && printed.contains("1 passed") {
        Ok(())
    } else {
        Err(format!("inside the namespace:\n{printed}\n{}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// The page: empty, served public (`?public`) with the header or not.
async fn page(Query(query): Query<Vec<(String, String)>>) -> Response {
    let mut response = Html("<!doctype html><title>page</title><p>A page.").into_response();
    if query.iter().any(|(name, _)| name == "public") {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("treat-as-public-address"));
    }
    response
}

/// The target: lets any origin read it, and allows every preflight.
async fn target(method: Method) -> Response {
    let mut response = if method == Method::OPTIONS { "".into_response() } else { "{}".into_response() };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("*"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn serve(address: &str, port: u16, app: Router) -> Result<u16, String> {
    let listener =
        tokio::net::TcpListener::bind((address, port)).await.map_err(|e| format!("{address}:{port}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(port)
}

/// The inner test: every case, in Chromium and in `check`.
pub async fn inside() -> Result<(), String> {
    let pages = Router::new().route("/page", get(page));
    let targets = Router::new().route("/api", get(target).post(target).options(target));
    let loopback_page = serve("127.0.0.1", 0, pages.clone()).await?;
    let local_page = serve("10.77.0.1", 0, pages).await?;
    let target_port = serve("127.0.0.1", 0, targets.clone()).await?;
    serve("10.77.0.2", target_port, targets).await?;
    let Some(browser) = Browser::start().await? else { return Err("no Chromium".into()) };
    let outcome = cases(&browser, loopback_page, local_page, target_port).await;
    browser.quit().await?;
    outcome
}

async fn cases(
    browser: &Browser,
    loopback_page: u16,
    local_page: u16,
    target_port: u16,
) -> Result<(), String> {
    // (what, the page's origin, public by the header, the space `check` is told)
    let pages = [
        ("public, secure", format!("http://127.0.0.1:{loopback_page}"), true, "public"),
        ("public, not a secure context", format!("http://10.77.0.1:{local_page}"), true, "public"),
        ("local", format!("http://10.77.0.1:{local_page}"), false, "local"),
        ("loopback", format!("http://127.0.0.1:{loopback_page}"), false, "loopback"),
    ];
    let targets = [("loopback", "127.0.0.1"), ("local", "10.77.0.2")];
    let mut problems = Vec::new();
    let (mut agreed, mut refused) = (0, 0);
    for (what, origin, public, space) in &pages {
        browser.goto(&format!("{origin}/page{}", if *public { "?public" } else { "" })).await?;
        for (target_space, address) in targets {
            let other = if target_space == "local" { "loopback" } else { "local" };
            let cases = [
                ("denied", None),
                ("granted", None),
                ("prompt", None),
                ("granted", Some(target_space)),
                ("granted", Some(other)),
            ];
            for (n, (permission, declared)) in cases.into_iter().enumerate() {
                let url = format!("http://{address}:{target_port}/api?case={n}");
                let name = format!(
                    "{what} page → {target_space} target, {permission}, targetAddressSpace {declared:?}"
                );
                match one(browser, origin, space, &url, permission, declared).await {
                    Ok(resolved) => {
                        agreed += 1;
                        refused += usize::from(!resolved);
                    }
                    Err(e) => problems.push(format!("{name}: {e}")),
                }
            }
        }
    }
    println!(
        "namespace: {agreed} of {} cases, check equals Chromium ({refused} refused by Chromium)",
        agreed + problems.len()
    );
    if refused == 0 || refused == agreed {
        problems.push(format!("{refused} of {agreed} refused: the cases do not tell refusal from access"));
    }
    for problem in &problems {
        println!("namespace: {problem}");
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// One `fetch()` in Chromium and the same request in `check`.
async fn one(
    browser: &Browser,
    origin: &str,
    space: &str,
    url: &str,
    permission: &str,
    declared: Option<&str>,
) -> Result<bool, String> {
    for name in ["loopback-network", "local-network"] {
        let set = json!({ "permission": { "name": name }, "setting": permission, "origin": origin });
        match browser.cdp("Browser.setPermission", set).await {
            Ok(_) => {}
            // A page that is not a secure context (`http://10.77.0.1`) cannot hold the permission at all
            // (measured: "feature cannot be used in insecure context"): Chromium never asks it.
            Err(e) if e.contains("cannot be used in insecure context") => {}
            Err(e) => return Err(e.lines().next().unwrap_or_default().to_owned()),
        }
    }
    browser.clear_console().await?;
    let init = match declared {
        Some(space) => json!({ "cache": "no-store", "targetAddressSpace": space }),
        None => json!({ "cache": "no-store" }),
    };
    let got = browser
        .eval(&format!("return fetch({}, {init}).then(() => 'resolved', (e) => String(e));", json!(url)))
        .await?;
    let resolved = got == json!("resolved");
    let printed = crate::cors_lines(browser).await?;
    let mut args = vec!["--page-address-space", space, "--lna-permission", permission];
    if let Some(declared) = declared {
        args.extend(["--target-address-space", declared]);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
        .args(["check", url, "--origin", origin, "--json"])
        .args(&args)
        .output()
        .map_err(|e| e.to_string())?;
    let out: Value = serde_json::from_slice(&output.stdout).map_err(|e| format!("check's JSON: {e}"))?;
    let code = output.status.code().unwrap_or(-1);
    // Headless Chromium cannot ask: a prompt is refused, with the line check says a refusal prints (when
    // check lets it out pending the user's answer; a request refused before the permission is refused as is).
    let prompting = out["local_network_access"]["state"] == json!("prompt") && code == 0;
    let (check_allowed, check_line) = if prompting {
        (false, out["local_network_access"]["chromium_if_refused"][0].as_str().map(str::to_owned))
    } else {
        (code == 0 && out["allowed"] == json!(true), out["chromium_message"].as_str().map(str::to_owned))
    };
    if check_allowed != resolved
        || check_line.as_deref() != printed.first().map(String::as_str)
        || printed.len() > 1
    {
        return Err(format!(
            "Chromium {got} and printed {printed:?}; check exited {code}, allowed {}, line {check_line:?}",
            out["allowed"]
        ));
    }
    Ok(resolved)
}

/// `cors-sandbox check` against Chromium on loopback and private targets, inside a network namespace the test
/// makes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_equals_chromium_on_private_addresses() {
    let _turn = crate::ONE_AT_A_TIME.lock().await;
    tokio::task::spawn_blocking(run_in_a_namespace).await.expect("joined").expect("check equals Chromium");
}

/// The same, inside the namespace: run by the test above, never alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run inside a network namespace by check_equals_chromium_on_private_addresses"]
async fn check_equals_chromium_inside_the_namespace() {
    assert!(std::env::var_os(INSIDE).is_some(), "run it through check_equals_chromium_on_private_addresses");
    inside().await.expect("check equals Chromium inside the namespace");
}
