//! The measured fixtures, without a browser: `tests/fixtures/engine-requests.json` (what Chromium, Firefox
//! and WebKit sent, docs/requests.md) and the table made from it for a fetch stepper,
//! `browser-model/tests/fixtures/fetch-steps.json` (the browser model's own tests read it there). The scripted server of tests/support/redirect_server.rs must answer every
//! recorded request as the measurement's server did, so that the browser comparison
//! (tests/browser/redirects.rs) serves what the engines were measured against.

use serde_json::Value;

#[path = "../support/redirect_server.rs"]
#[allow(dead_code)] // shared with the browser tests, which also start it
mod redirect_server;

use redirect_server::Script;

/// The fixed origins the fixtures are written with.
fn offline_script(fixture: &Value) -> Script {
    let origins = redirect_server::LABELS
        .iter()
        .map(|label| {
            (*label, fixture["origins"][label].as_str().expect("every origin in the fixture").to_owned())
        })
        .collect();
    Script::offline(origins)
}

/// `"Name: value"` lines as pairs.
fn pairs(lines: &Value) -> Vec<(String, String)> {
    lines
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            (name.to_owned(), value.trim_start().to_owned())
        })
        .collect()
}

/// The stepper's table: each row is one case in one engine, its steps what that engine sent and was answered.
fn stepper_table() -> Value {
    serde_json::from_str(include_str!("../../browser-model/tests/fixtures/fetch-steps.json"))
        .expect("fetch-steps.json is JSON")
}

/// Every request each engine sent got, from the measurement's server, exactly what the scripted server
/// answers: the status and every header line, in order.
#[test]
fn the_scripted_server_answers_as_the_measured_one_did() {
    let fixture = redirect_server::fixture();
    let script = offline_script(&fixture);
    let mut checked = 0;
    for row in stepper_table()["rows"].as_array().expect("rows") {
        let (case, engine) = (row["case"].as_str().expect("case"), row["engine"].as_str().expect("engine"));
        for (n, step) in row["steps"].as_array().expect("steps").iter().enumerate() {
            let url = step["url"].as_str().expect("a url");
            let (label, origin) = script
                .origins
                .iter()
                .find(|(_, origin)| url.starts_with(origin.as_str()))
                .map(|(label, origin)| (*label, origin.clone()))
                .expect("a step to one of the four origins");
            let target = &url[origin.len()..];
            let method = step["method"].as_str().expect("a method");
            let (status, lines) = script.answer(label, method, target, &pairs(&step["headers"]));
            let recorded = &step["answer"];
            assert_eq!(
                (u64::from(status), lines),
                (recorded["status"].as_u64().expect("a status"), pairs(&recorded["headers"])),
                "{case} in {engine}, step {}: {method} {url}",
                n + 1
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} recorded requests");
}

/// Each case names its request once for the page (`init_js`) and once as data (`init`), and `check`'s
/// arguments say the same thing.
#[test]
fn each_case_says_its_request_once_as_javascript_and_once_as_data() {
    let fixture = redirect_server::fixture();
    for case in fixture["cases"].as_array().expect("cases") {
        let id = case["id"].as_str().expect("an id");
        let init = &case["init"];
        let args: Vec<&str> =
            case["check_args"].as_array().expect("check_args").iter().filter_map(Value::as_str).collect();
        let method = init["method"].as_str().unwrap_or("GET");
        assert_eq!(
            args.windows(2).find(|w| w[0] == "-X").map_or("GET", |w| w[1]),
            method,
            "{id}: the method in check_args"
        );
        for header in init["headers"].as_array().into_iter().flatten() {
            let line = format!(
                "{}: {}",
                header[0].as_str().unwrap_or_default(),
                header[1].as_str().unwrap_or_default()
            );
            assert!(args.contains(&line.as_str()), "{id}: check_args lack -H {line:?}");
        }
        if let Some(body) = init["body"].as_str() {
            assert!(args.windows(2).any(|w| w == ["--data", body]), "{id}: check_args lack --data {body:?}");
        }
        let init_js = case["init_js"].as_str().expect("init_js");
        for key in init.as_object().expect("init is an object").keys().filter(|k| *k != "body_type") {
            assert!(init_js.contains(key.as_str()), "{id}: init has {key} but init_js does not");
        }
    }
}

/// The stepper's table has one row per case and engine measured, and each row's steps are that engine's
/// requests with the answers the scripted server gives.
#[test]
fn the_stepper_table_is_the_measurement() {
    let fixture = redirect_server::fixture();
    let script = offline_script(&fixture);
    let table = stepper_table();
    let rows = table["rows"].as_array().expect("rows");
    let measured: usize = fixture["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["engines"].as_object().map_or(0, |e| e.len()))
        .sum();
    assert_eq!(rows.len(), measured, "one row per case and engine");
    for row in rows {
        let (case, engine) = (row["case"].as_str().expect("case"), row["engine"].as_str().expect("engine"));
        let recorded = fixture["cases"]
            .as_array()
            .and_then(|cases| cases.iter().find(|c| c["id"] == case))
            .map(|c| &c["engines"][engine]["requests"])
            .expect("the row's case and engine in engine-requests.json");
        let steps = row["steps"].as_array().expect("steps");
        assert_eq!(
            steps.len(),
            recorded.as_array().map_or(0, Vec::len),
            "{case} in {engine}: one step per request"
        );
        for (step, request) in steps.iter().zip(recorded.as_array().into_iter().flatten()) {
            let label = request["origin"].as_str().expect("origin");
            let url = format!("{}{}", script.origin(label), request["target"].as_str().expect("target"));
            assert_eq!(step["url"], Value::from(url.clone()), "{case} in {engine}");
            assert_eq!(step["method"], request["method"], "{case} in {engine}: {url}");
            assert_eq!(step["answer"]["status"], request["answer"], "{case} in {engine}: {url}");
            let kind = step["kind"].as_str().expect("kind");
            assert!(matches!(kind, "preflight" | "request" | "hop"), "{case} in {engine}: kind {kind}");
            assert_eq!(
                kind == "preflight",
                request["method"] == "OPTIONS",
                "{case} in {engine}: {url} is {kind}"
            );
        }
    }
}
