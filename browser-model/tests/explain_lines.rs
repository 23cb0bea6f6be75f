//! `explain_line` over every real line recorded from Chromium 156, Firefox 153 ESR and WebKitGTK 2.50
//! (`tests/fixtures/console-lines.json` and `lna-lines.json` at the repository's root, docs/evidence.md):
//! each is read as its engine's, and the check DevTools reported is the `cors_error` or among the
//! candidates.

use std::collections::BTreeMap;

use browser_model::{Cause, Engine, LineExplanation, Role, Url, explain_line};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("the fixture is JSON")
}

/// Whether `expected` (a DevTools name, or `None`: no CORS failure) is what `explained` says.
fn names(explained: &LineExplanation, expected: Option<&str>) -> bool {
    match expected {
        Some(name) => {
            explained.cors_error.map(|e| e.as_str()) == Some(name)
                || explained.candidates.iter().any(|c| c.cause.as_str() == name)
        }
        // Not a CORS failure: a line beside the CORS one, or a cause that is not a CorsError.
        None => {
            explained.role == Role::Companion
                || explained.candidates.iter().any(|c| c.cause.cors_error().is_none())
                || explained.candidates.is_empty()
        }
    }
}

/// Every line of the 67 recorded scenarios.
#[test]
fn every_recorded_line_is_read_as_its_engine_and_its_check() {
    let lines = fixture("console-lines.json");
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for line in lines["lines"].as_array().expect("lines") {
        let text = line["text"].as_str().expect("text");
        let engine: Engine = line["engine"].as_str().expect("engine").parse().expect("an engine");
        let expected = line["cors_error"].as_str();
        let entry = tally.entry(engine.as_str().to_string()).or_default();
        entry.1 += 1;
        match explain_line(text) {
            Ok(explained) if explained.engine == engine && names(&explained, expected) => {
                entry.0 += 1;
                if explained.role == Role::Names && line["role"] == "cors" {
                    assert!(
                        explained.extracted.url.is_some() || explained.sentence.find("{url}").is_none(),
                        "{text}: no URL read"
                    );
                }
            }
            Ok(explained) => wrong.push(format!(
                "{} {:?} {text}\n   read as {} {:?} {:?}",
                engine,
                expected,
                explained.engine,
                explained.cors_error,
                explained.candidates.iter().map(|c| (c.cause.as_str(), c.stage.as_str())).collect::<Vec<_>>()
            )),
            Err(not) => wrong.push(format!("{engine} {expected:?} {text}\n   not recognised: {}", not.why)),
        }
    }
    println!("recognised per engine: {tally:?}");
    assert!(wrong.is_empty(), "{} line(s) misread:\n{}", wrong.len(), wrong.join("\n"));
}

/// Where a line names one check, `cors_error` is that check; the URL, origin and value are the line's.
#[test]
fn a_line_that_names_one_check_gives_it_and_what_it_held() {
    let lines = fixture("console-lines.json");
    for line in lines["lines"].as_array().expect("lines") {
        if line["engine"] != "chromium" || line["role"] != "cors" {
            continue;
        }
        let text = line["text"].as_str().expect("text");
        let explained = explain_line(text).expect("recognised");
        assert_eq!(explained.cors_error.map(|e| e.as_str()), line["cors_error"].as_str(), "{text}");
        if text.starts_with("Access to") {
            // The fixture has the URL the page fetched; the line, its serialization (before any redirect).
            let fetched = Url::parse(line["url"].as_str().expect("url")).expect("a URL");
            let read = explained.extracted.initial_url.as_ref().or(explained.extracted.url.as_ref());
            assert_eq!(read.map(String::as_str), Some(fetched.as_str()), "{text}");
            assert_eq!(explained.extracted.origin.as_deref(), line["page_origin"].as_str(), "{text}");
        }
    }
}

/// Every line measured for Local Network Access, mixed content and `treat-as-public-address`
/// (`lna-lines.json`): the Local Network Access and mixed-content lines are read; the CSP notes are not
/// CORS lines at all.
#[test]
fn every_local_network_access_line_is_read() {
    let lines = fixture("lna-lines.json");
    let mut wrong = Vec::new();
    let mut count = 0;
    for case in lines["lines"].as_array().expect("lines") {
        let engine_text = case["engine"].as_str().expect("engine");
        let engine = ["Chromium", "Firefox", "WebKit"]
            .iter()
            .position(|name| engine_text.starts_with(name))
            .map(|i| Engine::ALL[i])
            .expect("a known engine");
        for entry in case["console"].as_array().expect("console") {
            let text = entry["text"].as_str().or(entry["raw"].as_str()).expect("a line");
            let explained = explain_line(text);
            count += 1;
            if case["topic"] == "csp" {
                if explained.is_ok() {
                    wrong.push(format!("read a CSP note as CORS: {text}"));
                }
                continue;
            }
            let Ok(explained) = explained else {
                wrong.push(format!("not recognised: {text}"));
                continue;
            };
            if explained.engine != engine {
                wrong.push(format!("read as {}: {text}", explained.engine));
            }
            let expected = if case["topic"] == "mixed-content" {
                "MixedContent"
            } else if text.contains("target IP address space") {
                "InvalidLocalNetworkAccess"
            } else if text.contains("not a secure context") {
                "InsecureLocalNetwork"
            } else if engine == Engine::Chromium && text.starts_with("Failed to load resource") {
                continue;
            } else {
                "LocalNetworkAccessPermissionDenied"
            };
            let causes: Vec<&str> = explained.candidates.iter().map(|c| c.cause.as_str()).collect();
            if !causes.contains(&expected) {
                wrong.push(format!("{expected} not among {causes:?}: {text}"));
            }
        }
    }
    println!("Local Network Access and mixed-content lines: {count}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// WebKit's one sentence for a missing, a mismatched and an invalid `Access-Control-Allow-Origin`:
/// the line cannot tell, so it says so, with the candidates and what settles it.
#[test]
fn an_ambiguous_line_lists_its_candidates_and_the_question() {
    let explained = explain_line(
        "Origin http://localhost:3000 is not allowed by Access-Control-Allow-Origin. Status code: 200",
    )
    .expect("recognised");
    assert_eq!(explained.engine, Engine::Webkit);
    assert_eq!(explained.cors_error, None);
    let causes: Vec<&str> = explained.candidates.iter().map(|c| c.cause.as_str()).collect();
    assert_eq!(&causes[..3], ["MissingAllowOriginHeader", "AllowOriginMismatch", "InvalidAllowOriginValue"]);
    assert!(explained.settle.as_deref().is_some_and(|s| s.contains("Access-Control-Allow-Origin")));
    // A 204 is a preflight's answer: the preflight comes first.
    let preflight = explain_line(
        "Origin http://localhost:3000 is not allowed by Access-Control-Allow-Origin. Status code: 204",
    )
    .expect("recognised");
    assert_eq!(preflight.candidates[0].cause.as_str(), "PreflightMissingAllowOriginHeader");
    // Firefox's "did not succeed" alone: most likely no answer at all.
    let firefox = explain_line("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:8000/api. (Reason: CORS request did not succeed). Status code: (null).").expect("recognised");
    assert_eq!(firefox.candidates[0].cause, Cause::NetworkError);
    assert!(firefox.candidates.iter().any(|c| c.cause.as_str() == "LocalNetworkAccessPermissionDenied"));
    assert!(firefox.candidates.iter().any(|c| c.cause.as_str() == "RedirectContainsCredentials"));
}

/// Every line the model writes for its sample scenarios, in every engine, is read back as that engine's
/// with the verdict's check among the candidates: the reader and the writer use one set of sentences.
#[test]
fn every_line_the_model_writes_is_read_back() {
    let mut read = 0;
    for (origin, request, preflight, responses) in browser_model::sample_scenarios() {
        let preflight =
            preflight.as_ref().map_or(browser_model::Preflight::NotSent, browser_model::Preflight::Sent);
        let verdict = browser_model::judge(&origin, &request, preflight, &responses);
        let Some(failed) = verdict.failed_check.as_ref().and_then(|f| f.devtools_enum) else { continue };
        let lines = [
            (Engine::Chromium, verdict.chromium_message.iter().collect::<Vec<_>>()),
            (Engine::Firefox, verdict.firefox_messages.iter().collect()),
            (Engine::Webkit, verdict.webkit_messages.iter().collect()),
        ];
        for (engine, lines) in lines {
            for line in lines {
                let explained = explain_line(line).unwrap_or_else(|e| panic!("{line}: {}", e.why));
                assert_eq!(explained.engine, engine, "{line}");
                assert!(
                    names(&explained, Some(failed.as_str())),
                    "{line}: {failed} not among the candidates"
                );
                read += 1;
            }
        }
    }
    assert!(read > 20, "only {read} lines read");
}

/// Chromium's network line: `net::ERR_FAILED` follows every CORS failure; any other error is no answer
/// at all, which no CORS header fixes.
#[test]
fn a_network_line_says_whether_it_is_cors() {
    let failed = explain_line("Failed to load resource: net::ERR_FAILED").expect("recognised");
    assert_eq!(failed.role, Role::Companion);
    assert!(failed.candidates.iter().all(|c| c.cause != Cause::NetworkError), "{:?}", failed.candidates);
    assert!(failed.candidates.iter().any(|c| c.cause.as_str() == "MissingAllowOriginHeader"));
    for error in ["net::ERR_CONNECTION_REFUSED", "net::ERR_SOME_FUTURE_ERROR"] {
        let refused = explain_line(&format!("Failed to load resource: {error}")).expect("recognised");
        let mut causes: Vec<&str> = refused.candidates.iter().map(|c| c.cause.as_str()).collect();
        causes.dedup();
        assert_eq!(causes, ["NetworkError"], "{error}");
        assert_eq!(refused.role, Role::Names);
    }
}

/// Lines built to make a reader backtrack — a frame repeated, quotes everywhere, 64 KiB of them — are
/// answered (read or refused) at once: the reader bounds its own work.
#[test]
fn hostile_lines_are_answered_quickly() {
    let started = std::time::Instant::now();
    let firefox =
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ";
    for piece in
        ["Access to fetch at '", "' from origin '", "'", "Origin ", firefox, "(Reason: ", "a '", "‘’"]
    {
        let inner = piece.repeat((browser_model::MAX_INPUT - 200) / piece.len());
        let _ = explain_line(&inner);
        let line = format!(
            "Access to fetch at 'http://a/' from origin '{inner}' has been blocked by CORS policy: x"
        );
        assert!(line.len() <= browser_model::MAX_INPUT);
        let _ = explain_line(&line);
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}
