//! `cors-sandbox check` against what real Chromium does with the same request: a page on
//! `http://localhost:<port>` fetches the fixed-answer server as `http://127.0.0.1:<port>` (another origin),
//! and for each case the verdict, the exit status and the console line equal Chromium's; then the same in
//! Firefox, against `firefox_message`. WebKit runs the same cases from its runner page (tests/browser/webkit.rs).

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "../support/fixed_server.rs"]
pub(crate) mod fixed_server;

use crate::attacker::Engine;
use crate::firefox::Firefox;
use crate::harness::Browser;

/// `(what, path, fetch() init as JavaScript, the same request as check's arguments)`.
pub(crate) const CASES: [(&str, &str, &str, &[&str]); 8] = [
    ("Allow-Origin *", "/star", "{}", &[]),
    ("another origin allowed", "/mismatch", "{}", &[]),
    ("two Allow-Origin lines", "/two", "{}", &[]),
    ("two Allow-Origin lines, both *", "/two-star", "{}", &[]),
    ("two Allow-Origin lines, the page's first", "/two-echo", "{}", &[]),
    ("a redirect, followed", "/redirect", "{}", &[]),
    ("* with credentials", "/star", "{credentials: 'include'}", &["--credentials", "include"]),
    (
        "a failed preflight",
        "/preflight-404",
        "{method: 'PUT', headers: {'X-Api-Key': '1'}}",
        &["-X", "PUT", "-H", "X-Api-Key: 1"],
    ),
];

/// In Chromium: verdict, exit status and `chromium_message` equal what Chromium did.
pub async fn equals_chromium(browser: &Browser) -> Result<(), String> {
    equals_engine(&Engine::Chromium(browser)).await
}

/// In Firefox: verdict, exit status and `firefox_message` equal what Firefox did.
pub async fn equals_firefox(firefox: &Firefox) -> Result<(), String> {
    equals_engine(&Engine::Firefox(firefox)).await
}

async fn equals_engine(engine: &Engine<'_>) -> Result<(), String> {
    let (port, _seen) = fixed_server::server().await;
    let origin = format!("http://localhost:{port}");
    engine.goto(&format!("{origin}/page")).await?;
    let (message_field, is_cors_line): (&str, fn(&str) -> bool) = match engine {
        Engine::Chromium(_) => ("chromium_message", |l| l.contains("has been blocked by CORS policy")),
        Engine::Firefox(_) => ("firefox_message", crate::firefox_lab::is_cors_line),
    };
    let mut problems = Vec::new();
    for (what, path, init, args) in CASES {
        let url = format!("http://127.0.0.1:{port}{path}?case={}", what.replace(' ', "-"));
        engine.engine_lines().await?; // what came before this request is out of the way
        let got = engine
            .js(&format!("fetch({}, {init}).then(() => 'resolved', (e) => String(e))", json!(url)))
            .await?;
        let resolved = got == json!("resolved");
        // Off the test's runtime: the fixed server it asks runs on this runtime.
        let (check_url, check_origin) = (url.clone(), origin.clone());
        let (code, out) = tokio::task::spawn_blocking(move || run_check(&check_url, &check_origin, args))
            .await
            .map_err(|e| e.to_string())??;
        let engine_line = if resolved { None } else { first_cors_line(engine, is_cors_line).await? };
        let predicted = out[message_field].as_str().map(str::to_owned);
        let expected_code = if resolved { 0 } else { 1 };
        if code != expected_code || out["allowed"] != json!(resolved) || predicted != engine_line {
            problems.push(format!(
                "{what}: {} {} ({engine_line:?}); check exited {code} with {predicted:?}",
                engine.name(),
                if resolved { "let the page read it" } else { "blocked it" }
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// The engine's first CORS console line for the request just made, waiting up to 5 s for it.
async fn first_cors_line(
    engine: &Engine<'_>,
    is_cors_line: fn(&str) -> bool,
) -> Result<Option<String>, String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut lines = Vec::new();
    loop {
        lines.extend(engine.engine_lines().await?);
        if let Some(line) = lines.iter().find(|l| is_cors_line(l)) {
            return Ok(Some(line.clone()));
        }
        if Instant::now() >= deadline {
            return Err(format!("{} printed no CORS line within 5 s (it printed {lines:?})", engine.name()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn run_check(url: &str, origin: &str, args: &[&'static str]) -> Result<(i32, Value), String> {
    let output = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
        .args(["check", url, "--origin", origin, "--json"])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let out = serde_json::from_slice(&output.stdout).map_err(|e| format!("check's JSON: {e}"))?;
    Ok((output.status.code().unwrap_or(-1), out))
}
