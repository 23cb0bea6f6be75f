//! The HAR judge on real DevTools exports (tests/fixtures/har/: Chromium's sanitized and full exports and
//! Firefox's, 22 recordings each), compared entry by entry with what the browser did (INDEX.json): every
//! request's verdict and failing check, its failed parameter, the page's origin, the entries it is made of
//! (hops and preflights), the console lines of all three engines, and every other entry skipped.
//!
//! `HAR_FIXTURES_TABLE=1` prints the per-file table the README quotes.

use std::path::PathBuf;

use client_site::har::{self, Judged, Options, Outcome, Report, Skip};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/har")
}

fn index() -> Value {
    let text = std::fs::read_to_string(fixtures().join("INDEX.json")).expect("INDEX.json");
    serde_json::from_str(&text).expect("INDEX.json is JSON")
}

fn judge_file(file: &str) -> Report {
    let bytes = std::fs::read(fixtures().join(file)).expect("the fixture");
    har::judge(&bytes, &Options::default()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The verdict the browser's own credentials mode leads to (both are given when the file cannot tell).
fn under_credentials<'a>(judged: &'a Judged, credentials: &str) -> &'a browser_model::Verdict {
    match &judged.outcome {
        Outcome::Known(verdict) => verdict,
        Outcome::DependsOnCredentials { included, not_included } => {
            if credentials == "include" {
                included
            } else {
                not_included
            }
        }
    }
}

fn lines(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(|l| l.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// What one fixture's comparison found.
#[derive(Default)]
struct Tally {
    requests: usize,
    agree: usize,
    undecided: usize,
    problems: Vec<String>,
}

fn compare(file: &Value) -> Tally {
    let name = file["file"].as_str().expect("file");
    let engine = file["engine"].as_str().expect("engine");
    let report = judge_file(name);
    let mut tally = Tally::default();
    let mut problem = |what: String| tally.problems.push(format!("{name}: {what}"));
    // The stepper walks as the browser that recorded the file (they differ in the preflights after a
    // redirect).
    if report.engine.as_str() != engine {
        problem(format!("walked as {}", report.engine));
    }
    for entry in file["entries"].as_array().expect("entries") {
        let index = entry["index"].as_u64().expect("index") as usize;
        let role = entry["role"].as_str().expect("role");
        let judged = report.requests.iter().find(|r| r.entries.contains(&index));
        let http = entry["url"].as_str().is_some_and(|u| u.starts_with("http:") || u.starts_with("https:"));
        match role {
            "request" | "redirect" | "preflight" if http => {}
            _ => {
                // The page itself, Firefox's data: icon, and a fetch() of a data: URL: nothing CORS judges.
                let why = if http { Skip::Page } else { Skip::NotHttp };
                if !report.skipped.iter().any(|s| s.entry == index && s.why == why) {
                    problem(format!(
                        "entry {index} ({role}, {}) is not listed as skipped: {why:?}",
                        entry["url"]
                    ));
                }
                continue;
            }
        }
        let Some(judged) = judged else {
            problem(format!("entry {index} ({role}, {}) belongs to no judged request", entry["url"]));
            continue;
        };
        // A fetch is compared once, on its last entry: the request's, or the hop where Chromium's record
        // of a redirect blocked at the hop ends.
        let request_id = &entry["request_id"];
        let last_of_its_fetch = !file["entries"].as_array().expect("entries").iter().any(|e| {
            &e["request_id"] == request_id
                && e["index"].as_u64() > Some(index as u64)
                && e["role"] != "preflight"
        });
        if role == "preflight" || !last_of_its_fetch {
            continue; // judged with its request, checked there
        }
        tally.requests += 1;
        let credentials = entry["credentials"].as_str().unwrap_or("same-origin");
        let verdict = under_credentials(judged, credentials);
        let mut wrong = Vec::new();
        if judged.allowed().is_none() {
            tally.undecided += 1;
            // Chromium's `_error` says whether each request failed: it leaves no credentials question open.
            if engine == "chromium" {
                wrong.push("undecided, though Chromium's record settles it".into());
            }
        } else if judged.allowed() != entry["allowed"].as_bool() {
            wrong.push(format!("allowed {:?}, the browser {}", judged.allowed(), entry["allowed"]));
        }
        if verdict.allowed != entry["allowed"].as_bool().unwrap_or_default() {
            wrong.push(format!("under credentials {credentials}: allowed {}", verdict.allowed));
        }
        let failed = verdict.failed_check.as_ref();
        let ours = failed.and_then(|f| f.devtools_enum).map(|e| e.as_str().to_string());
        if ours.as_deref() != entry["failed_check"].as_str() {
            wrong.push(format!("failed check {ours:?}, the browser {}", entry["failed_check"]));
        }
        // DevTools' failedParameter is "" when there is none; INDEX.json writes null.
        let parameter = failed.and_then(|f| f.failed_parameter.clone()).filter(|p| !p.is_empty());
        if parameter.as_deref() != entry["failed_parameter"].as_str() {
            wrong.push(format!("failed parameter {parameter:?}, the browser {}", entry["failed_parameter"]));
        }
        if judged.origin != entry["page_origin"].as_str().unwrap_or_default() {
            wrong.push(format!("page origin {}", judged.origin));
        }
        if judged.same_origin() == entry["cross_origin"].as_bool().unwrap_or(true) {
            wrong.push(format!("same-origin {}", judged.same_origin()));
        }
        let cached = judged.exchanges.iter().any(|x| x.answered == "from the preflight cache");
        if cached != entry["preflight_cache_hit"].as_bool().unwrap_or_default() {
            wrong.push(format!("preflight cache hit {cached}"));
        }
        let ours_lines = [
            (
                "chromium",
                verdict.chromium_message.iter().chain(&verdict.chromium_network_message).cloned().collect(),
            ),
            ("firefox", verdict.firefox_messages.clone()),
            ("webkit", verdict.webkit_messages.clone()),
        ];
        for (each, ours) in ours_lines {
            let said =
                if each == engine { &entry["console"][each] } else { &entry["console_other_engines"][each] };
            let said = lines(said);
            if ours != said {
                wrong.push(format!("{each}'s lines {ours:#?}, the browser printed {said:#?}"));
            }
        }
        if wrong.is_empty() {
            tally.agree += 1;
        } else {
            problem(format!("entry {index} {}: {}", entry["url"], wrong.join("; ")));
        }
    }
    tally
}

/// Every request in every fixture: the judge says what the browser did.
#[test]
fn every_request_in_every_real_har_is_judged_as_the_browser_did() {
    let index = index();
    let files = index["files"].as_array().expect("files");
    assert_eq!(files.len(), 66, "22 recordings in three exports");
    let mut problems = Vec::new();
    let mut table = Vec::new();
    let (mut requests, mut agree, mut undecided) = (0, 0, 0);
    for file in files {
        let tally = compare(file);
        table.push(format!(
            "| `{}` | {} | {} | {} |",
            file["file"].as_str().unwrap_or_default(),
            tally.requests,
            tally.agree,
            tally.undecided
        ));
        requests += tally.requests;
        agree += tally.agree;
        undecided += tally.undecided;
        problems.extend(tally.problems);
    }
    if std::env::var_os("HAR_FIXTURES_TABLE").is_some() {
        println!(
            "| file | requests | agree | undecided by the file |\n|---|---|---|---|\n{}",
            table.join("\n")
        );
        println!("total: {requests} requests, {agree} agree, {undecided} undecided");
    }
    assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
}
