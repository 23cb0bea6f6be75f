//! `cors-sandbox check` against what real Chromium does with the same request: a page on
//! `http://localhost:<port>` fetches the fixed-answer server as `http://127.0.0.1:<port>` (another origin),
//! and for each case the verdict, the exit status and the console line equal Chromium's.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

#[path = "../support/fixed_server.rs"]
mod fixed_server;

use crate::harness::Browser;

/// `(what, path, fetch() init as JavaScript, the same request as check's arguments)`.
const CASES: [(&str, &str, &str, &[&str]); 6] = [
    ("Allow-Origin *", "/star", "{}", &[]),
    ("another origin allowed", "/mismatch", "{}", &[]),
    ("two Allow-Origin lines", "/two", "{}", &[]),
    ("a redirect, followed", "/redirect", "{}", &[]),
    ("* with credentials", "/star", "{credentials: 'include'}", &["--credentials", "include"]),
    (
        "a failed preflight",
        "/preflight-404",
        "{method: 'PUT', headers: {'X-Api-Key': '1'}}",
        &["-X", "PUT", "-H", "X-Api-Key: 1"],
    ),
];

pub async fn equals_chromium(browser: &Browser) -> Result<(), String> {
    let (port, _seen) = fixed_server::server().await;
    let origin = format!("http://localhost:{port}");
    browser.goto(&format!("{origin}/page")).await?;
    let mut problems = Vec::new();
    for (what, path, init, args) in CASES {
        let url = format!("http://127.0.0.1:{port}{path}?case={}", what.replace(' ', "-"));
        browser.clear_console().await?;
        let got = browser
            .eval(&format!("return fetch({}, {init}).then(() => 'resolved', (e) => String(e));", json!(url)))
            .await?;
        let resolved = got == json!("resolved");
        // Off the test's runtime: the fixed server it asks runs on this runtime.
        let (check_url, check_origin) = (url.clone(), origin.clone());
        let (code, out) = tokio::task::spawn_blocking(move || run_check(&check_url, &check_origin, args))
            .await
            .map_err(|e| e.to_string())??;
        let chromium_line = if resolved {
            None
        } else {
            Some(
                browser
                    .wait_for_console("has been blocked by CORS policy", Duration::from_secs(5))
                    .await?
                    .text(),
            )
        };
        let predicted = out["chromium_message"].as_str().map(str::to_owned);
        let expected_code = if resolved { 0 } else { 1 };
        if code != expected_code || out["allowed"] != json!(resolved) || predicted != chromium_line {
            problems.push(format!(
                "{what}: Chromium {} ({chromium_line:?}); check exited {code} with {predicted:?}",
                if resolved { "let the page read it" } else { "blocked it" }
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

fn run_check(url: &str, origin: &str, args: &[&'static str]) -> Result<(i32, Value), String> {
    let output = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
        .args(["check", url, "--origin", origin, "--json"])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let out = serde_json::from_slice(&output.stdout).map_err(|e| format!("check's JSON: {e}"))?;
    Ok((output.status.code().unwrap_or(-1), out))
}
