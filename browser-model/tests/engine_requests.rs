//! The stepper against what real engines did: every case of `browser-model/tests/fixtures/fetch-steps.json` (measured in
//! Chromium 156, Firefox 153 ESR and WebKitGTK 2.50 with a raw recorder, docs/requests.md) is walked as
//! that engine walks it. Each request the stepper asks to send must be the one the engine sent — method,
//! URL, `Origin`, `Access-Control-Request-*`, `Authorization`, `Content-Type`, no cookie on a preflight —
//! and, fed the answers the engine got, its verdict and every console line must be the engine's.

use browser_model::{
    Answer, Credentials, Engine, Fetch, Mode, RedirectMode, Request, Response, Sending, Step,
};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fetch-steps.json");
    let text = std::fs::read_to_string(path)
        .expect("browser-model/tests/fixtures/fetch-steps.json is in the repository");
    serde_json::from_str(&text).expect("the fixture is JSON")
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// `Name: value` lines as pairs.
fn pairs(lines: &Value) -> Vec<(String, String)> {
    lines
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|line| line.as_str()?.split_once(": ").map(|(n, v)| (n.to_string(), v.to_string())))
        .collect()
}

fn request_of(row: &Value) -> Request {
    let init = &row["init"];
    let mut request = Request::new(text(&init["method"]), text(&row["url"]));
    for header in init["headers"].as_array().into_iter().flatten() {
        request = request.header(text(&header[0]), text(&header[1]));
    }
    if let Some(body) = init["body"].as_str() {
        if init["body_type"] == "URLSearchParams" {
            request = request.header("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8");
        }
        request = request.body(body);
    }
    request.credentials = match init["credentials"].as_str() {
        Some("omit") => Credentials::Omit,
        Some("include") => Credentials::Include,
        _ => Credentials::SameOrigin,
    };
    request.mode = match init["mode"].as_str() {
        Some("no-cors") => Mode::NoCors,
        Some("same-origin") => Mode::SameOrigin,
        _ => Mode::Cors,
    };
    request.redirect = match init["redirect"].as_str() {
        Some("manual") => RedirectMode::Manual,
        Some("error") => RedirectMode::Error,
        _ => RedirectMode::Follow,
    };
    request
}

fn get<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The cases whose page sets several headers that Chromium mixes with its own (see `walk`).
const HASH_ORDERED: [&str; 2] = ["acrh-format", "get-accept-set"];

/// Walks one row; returns every difference from what the engine did.
fn walk(row: &Value) -> Vec<String> {
    let engine: Engine = text(&row["engine"]).parse().expect("an engine");
    // The measuring pages: /page in Chromium and Firefox, WebKit's runner page (docs/requests.md).
    let page =
        format!("{}/{}", text(&row["page_origin"]), if engine == Engine::Webkit { "runner" } else { "page" });
    let mut fetch = Fetch::start(engine, &page, &request_of(row));
    let mut problems = Vec::new();
    for (i, step) in row["steps"].as_array().into_iter().flatten().enumerate() {
        let Step::Send(out) = fetch.step() else {
            problems.push(format!(
                "step {i}: the engine sent {} {}, the stepper was done",
                text(&step["method"]),
                text(&step["url"])
            ));
            return problems;
        };
        let sent = pairs(&step["headers"]);
        let kind = match text(&step["kind"]).as_str() {
            "preflight" => Sending::Preflight,
            "hop" => Sending::Redirect,
            _ => Sending::Request,
        };
        let ours = out.headers();
        let url = out.url.as_str().split('#').next().unwrap_or_default().to_string();
        let mut compare = |what: &str, engine_said: Option<String>, stepper: Option<String>| {
            if engine_said != stepper {
                problems.push(format!(
                    "step {i} ({}): {what}: the engine sent {engine_said:?}, the stepper {stepper:?}",
                    text(&step["url"])
                ));
            }
        };
        compare("kind", Some(format!("{kind:?}")), Some(format!("{:?}", out.sending)));
        compare("method", Some(text(&step["method"])), Some(out.method.clone()));
        compare("url", Some(text(&step["url"])), Some(url));
        for name in [
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Content-Type",
            "Accept",
            "Referer",
            "Sec-Fetch-Site",
            "Sec-Fetch-Mode",
            "Sec-Fetch-Dest",
            "Sec-Fetch-Storage-Access",
        ] {
            compare(name, get(&sent, name).map(str::to_owned), get(&ours, name).map(str::to_owned));
        }
        // Every line the engine wrote itself, by name and in order, but the transport's and the cookie
        // (which depends on the browser's jar).
        let names = |headers: &[(String, String)]| -> Vec<String> {
            headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .filter(|n| !matches!(n.as_str(), "host" | "connection" | "content-length" | "cookie"))
                .collect()
        };
        let (theirs, mine) = (names(&sent), names(&ours));
        // Chromium lays several page headers out in its header map's hash order, which the model does
        // not reproduce: for these cases the lines are compared in any order.
        let hash_ordered = engine == Engine::Chromium && HASH_ORDERED.contains(&text(&row["case"]).as_str());
        if out.hop == 0 && !hash_ordered {
            compare("header lines", Some(theirs.join(", ")), Some(mine.join(", ")));
        } else {
            // After a redirect the engines reorder lines (Firefox moves Origin up, Chromium moves it
            // down): the same lines, in any order.
            let sorted = |mut names: Vec<String>| {
                names.sort();
                names.join(", ")
            };
            compare("header lines (any order, after a redirect)", Some(sorted(theirs)), Some(sorted(mine)));
        }
        compare(
            "Authorization present",
            Some(get(&sent, "Authorization").is_some().to_string()),
            Some(get(&ours, "Authorization").is_some().to_string()),
        );
        let answer = &step["answer"];
        if answer.is_null() {
            fetch.feed(Answer::NetworkError(None));
            continue;
        }
        let status = answer["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
        let response = pairs(&answer["headers"])
            .into_iter()
            .fold(Response::new(text(&step["url"]), status), |r, (n, v)| r.header(n, v));
        fetch.feed(Answer::Response(&response));
    }
    let verdict = match fetch.step() {
        Step::Done(verdict) => verdict.clone(),
        Step::Send(out) => {
            problems.push(format!(
                "the stepper would send {} {} more; the engine sent nothing more",
                out.method, out.url
            ));
            return problems;
        }
    };
    let resolved = row["outcome"]["resolved"].as_bool().unwrap_or(false);
    if verdict.allowed != resolved {
        problems.push(format!(
            "verdict: the engine {}, the stepper {}",
            if resolved { "resolved" } else { "rejected" },
            if verdict.allowed { "resolves" } else { "rejects" }
        ));
    }
    let console: Vec<String> = row["console"].as_array().into_iter().flatten().map(text).collect();
    let predicted: Vec<String> = match engine {
        Engine::Chromium => verdict
            .chromium_message
            .iter()
            .map(|l| format!("[javascript] {l}"))
            .chain(verdict.chromium_network_message.iter().map(|l| format!("[network] {l}")))
            .collect(),
        Engine::Firefox => verdict.firefox_messages.iter().map(|l| format!("[javascript] {l}")).collect(),
        Engine::Webkit => verdict
            .webkit_messages
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let last = i + 1 == verdict.webkit_messages.len() && l.starts_with("Fetch API cannot load");
                format!("CONSOLE {} {l}", if last { "JS ERROR" } else { "SECURITY ERROR" })
            })
            .collect(),
    };
    if predicted != console {
        problems.push(format!("console:\n    the engine:  {console:?}\n    the stepper: {predicted:?}"));
    }
    problems
}

#[test]
fn the_stepper_sends_and_judges_what_each_engine_did() {
    let fixture = fixture();
    let only = std::env::var("CASE").ok();
    let mut failures = Vec::new();
    let mut walked = 0;
    for row in fixture["rows"].as_array().expect("rows") {
        let name = format!("{} in {}", text(&row["case"]), text(&row["engine"]));
        if only.as_deref().is_some_and(|only| !name.starts_with(only)) {
            continue;
        }
        walked += 1;
        let problems = walk(row);
        if !problems.is_empty() {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(walked > 0, "no case named {only:?}");
    assert!(
        failures.is_empty(),
        "{} of {walked} walks differ from the engine:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
