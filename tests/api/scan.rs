//! `cors-sandbox check --scan` against the fixed-answer server: each origin an attacker would try graded
//! by what a page there reads (with the user's cookies: high; without: low), a reflected
//! `Access-Control-Allow-Origin` without `Vary: Origin`, and a preflight that allows any method or header
//! with credentials.

use std::process::Command;

use serde_json::Value;

use crate::check::fixed_server;

const ORIGIN: &str = "http://localhost:5555";

/// `cors-sandbox check URL --origin ORIGIN --scan --json`: the grades by probe kind, and the findings'
/// grades and kinds.
async fn scan(url: String) -> (Vec<(String, Value)>, Vec<(String, String)>) {
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .args(["check", &url, "--origin", ORIGIN, "--scan", "--json"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let out: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let probes = out["scan"].as_array().unwrap_or_else(|| panic!("no scan: {out}"));
    let grades =
        probes.iter().map(|p| (p["kind"].as_str().unwrap().to_owned(), p["grade"].clone())).collect();
    let findings = out["scan_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["grade"].as_str().unwrap().to_owned(), f["kind"].as_str().unwrap().to_owned()))
        .collect();
    (grades, findings)
}

fn all(grades: &[(String, Value)], grade: Value) -> bool {
    !grades.is_empty() && grades.iter().all(|(_, g)| *g == grade)
}

/// Every origin echoed with credentials: each probe is high, the missing `Vary: Origin` is flagged, and the
/// preflight that echoes any method and header is high for any origin and low for the page's own.
#[tokio::test]
async fn an_origin_echoed_with_credentials_is_high_and_its_cache_and_preflight_are_flagged() {
    let (port, _) = fixed_server::server().await;
    let (grades, findings) = scan(format!("http://127.0.0.1:{port}/reflect")).await;
    assert!(all(&grades, "high".into()), "{grades:?}");
    let preflight = "preflight allows anything with credentials".to_string();
    assert!(findings.contains(&("low".into(), "no Vary: Origin".into())), "{findings:?}");
    assert!(findings.contains(&("high".into(), preflight.clone())), "{findings:?}");
    assert!(findings.contains(&("low".into(), preflight)), "{findings:?}");
    assert_eq!(findings[0].0, "high", "worst first: {findings:?}");
}

/// Echoed without credentials, with `Vary: Origin`: each probe reads what needs no cookie (low), and
/// nothing else is flagged.
#[tokio::test]
async fn an_origin_echoed_without_credentials_is_low() {
    let (port, _) = fixed_server::server().await;
    let (grades, findings) = scan(format!("http://127.0.0.1:{port}/reflect-vary")).await;
    assert!(all(&grades, "low".into()), "{grades:?}");
    assert!(findings.iter().all(|(grade, kind)| grade == "low" && kind == "origin accepted"), "{findings:?}");
    // `*` is not a reflection: no Vary needed.
    let (grades, findings) = scan(format!("http://127.0.0.1:{port}/star")).await;
    assert!(all(&grades, "low".into()), "{grades:?}");
    assert!(!findings.iter().any(|(_, kind)| kind == "no Vary: Origin"), "{findings:?}");
}

/// Only the page's own origin, with credentials, methods listed — echoed with `Vary: Origin`, or always the
/// same without it: nothing found. The same with a preflight that echoes any method and header: a low
/// finding for the page's own origin alone.
#[tokio::test]
async fn an_exact_allowlist_finds_nothing_but_an_echoing_preflight() {
    let (port, _) = fixed_server::server().await;
    let (grades, findings) = scan(format!("http://127.0.0.1:{port}/allowlist")).await;
    assert!(all(&grades, Value::Null), "{grades:?}");
    assert!(findings.is_empty(), "{findings:?}");
    // The same origin always, without Vary: nothing to vary on, nothing found.
    let (grades, findings) = scan(format!("http://127.0.0.1:{port}/exact")).await;
    assert!(all(&grades, Value::Null), "{grades:?}");
    assert!(findings.is_empty(), "{findings:?}");
    let (grades, findings) = scan(format!("http://127.0.0.1:{port}/own-any-method")).await;
    assert!(all(&grades, Value::Null), "{grades:?}");
    assert_eq!(findings, [("low".to_string(), "preflight allows anything with credentials".to_string())]);
}
