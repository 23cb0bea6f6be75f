//! `cors-sandbox check` against real Chromium and real Firefox on a peer's suite: the subtests of the Web
//! Platform Tests' `fetch/api/cors/` that `check` can express (tests/fixtures/wpt-cors.json, each with its WPT
//! file and subtest name), served by stand-ins for WPT's own handlers (`preflight.py`, `redirect.py`,
//! `top.txt`, `inspect-headers.py`: tests/support/wpt_handlers.rs) on four loopback origins
//! (tests/support/wpt_server.rs).
//!
//! For each case and each engine, the page at A runs the case's `fetch()`; then `cors-sandbox check URL
//! --origin A --json --engine ENGINE` runs the same request against the same handlers, under the same path
//! and stash token, the stash emptied in between. They are compared as tests/browser/redirects.rs compares
//! them (tests/browser/compare.rs): the verdict, every console line, and the requests the handlers received,
//! request by request. The browsers' cookie jar holds `a_page=1` for the host `localhost` (A and D); `check`
//! is given the same jar (`-H 'Cookie: a_page=1' --cookie-host localhost`).
//!
//! The browsers are the judges; what the WPT subtest asserts (`wpt_expects`) is counted, not required. A
//! console difference the table explains (`known_difference`) is reported and let pass; any other fails. By
//! default the cases marked `in_ci` run (the rest differ from one of them only in a redirect's status or a
//! header's value); run others by id:
//!
//! ```sh
//! WPT_CASES=all cargo test --test browser wpt                       # every case of the table
//! WPT_CASES='preflight-status-*,star-04' cargo test --test browser wpt
//! ```

use serde_json::{Value, json};

#[path = "../support/wpt_handlers.rs"]
mod wpt_handlers;
#[path = "../support/wpt_server.rs"]
mod wpt_server;

use crate::attacker::Engine;
use crate::compare::{self, Recorder, Tally};
use crate::redirects::redirect_server::Received;
use wpt_server::Handlers;

impl Recorder for Handlers {
    fn mark(&self) -> usize {
        Handlers::mark(self)
    }

    fn received_since(&self, mark: usize, id: &str) -> Vec<Received> {
        Handlers::received_since(self, mark, id)
    }
}

/// The case table.
pub fn table() -> Value {
    serde_json::from_str(include_str!("../fixtures/wpt-cors.json"))
        .expect("tests/fixtures/wpt-cors.json is JSON")
}

/// The cases `WPT_CASES` names: `all`, exact ids or prefixes ending in `*`; the `in_ci` ones when unset.
fn chosen_cases(table: &Value) -> Vec<Value> {
    let wanted = std::env::var("WPT_CASES").unwrap_or_default();
    let named = compare::chosen_by("WPT_CASES");
    table["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| match wanted.trim() {
            "" => c["in_ci"] == json!(true),
            "all" => true,
            _ => named(c["id"].as_str().unwrap_or_default()),
        })
        .cloned()
        .collect()
}

/// `text` with `{A}`…`{D}`, `{PA}`…`{PD}`, `{HA}`…`{HD}` (host and port) and `{id}` filled in, then each
/// `{enc:…}` replaced by its content encoded as `encodeURIComponent` does.
fn fill(handlers: &Handlers, text: &str, id: &str) -> String {
    let mut out = text.replace("{id}", id);
    for (label, origin) in handlers.origins.iter() {
        let authority = origin.trim_start_matches("http://");
        let port = origin.rsplit(':').next().unwrap_or_default();
        out = out
            .replace(&format!("{{{label}}}"), origin)
            .replace(&format!("{{P{label}}}"), port)
            .replace(&format!("{{H{label}}}"), authority);
    }
    while let Some(start) = out.find("{enc:") {
        let Some(length) = out[start..].find('}') else { break };
        let encoded = encode_uri_component(&out[start + 5..start + length]);
        out.replace_range(start..=start + length, &encoded);
    }
    out
}

/// JavaScript's `encodeURIComponent`.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `check`'s arguments for the case's `init`, and the browsers' cookie jar.
fn check_args(init: &Value) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(method) = init["method"].as_str() {
        args.extend(["-X".to_owned(), method.to_owned()]);
    }
    for pair in init["headers"].as_array().into_iter().flatten() {
        let (name, value) = (pair[0].as_str().unwrap_or_default(), pair[1].as_str().unwrap_or_default());
        args.extend(["-H".to_owned(), format!("{name}: {value}")]);
    }
    for option in ["credentials", "mode"] {
        if let Some(value) = init[option].as_str() {
            args.extend([format!("--{option}"), value.to_owned()]);
        }
    }
    if let Some(body) = init["body"].as_str() {
        args.extend(["--data".to_owned(), body.to_owned()]);
    }
    args.extend(["-H", "Cookie: a_page=1", "--cookie-host", "localhost"].map(str::to_owned));
    args
}

/// Runs every chosen case in Chromium and Firefox and compares `check` with each; panics with every
/// difference, case by case, after the counts per engine.
pub async fn run() {
    let table = table();
    let cases = chosen_cases(&table);
    assert!(!cases.is_empty(), "WPT_CASES names no case of tests/fixtures/wpt-cors.json");
    let Some((chromium, firefox)) = compare::start_both().await else { return };
    let handlers = wpt_server::start().await;
    let page = format!("{}/page", handlers.origin("A"));
    let engines = [Engine::Chromium(&chromium), Engine::Firefox(&firefox)];
    compare::open_page(&engines, &page).await;
    let mut problems = Vec::new();
    let mut tallies = [Tally::default(), Tally::default()];
    let mut as_wpt_expects = [0, 0];
    let mut known_differences = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or_default();
        for (n, engine) in engines.iter().enumerate() {
            let name = engine.name().to_lowercase();
            // One URL for the engine and check (their console lines name it); the stash forgotten in between.
            let run = format!("{id}~{name}");
            let url = fill(&handlers, case["url"].as_str().unwrap_or_default(), &run);
            let init = json!(case["init"]).to_string();
            let browser = match compare::run_in_browser(engine, &handlers, &url, &init, &run).await {
                Ok(run) => run,
                Err(e) => {
                    problems.push(format!("{id} in {}: {e}", engine.name()));
                    continue;
                }
            };
            handlers.forget(&run);
            let args = check_args(&case["init"]);
            let origin = handlers.origin("A");
            let check = match compare::run_check(&handlers, &url, origin, &name, args, &run).await {
                Ok(run) => run,
                Err(e) => {
                    problems.push(format!("{id}, check --engine {name}: {e}"));
                    continue;
                }
            };
            let expected = case["wpt_expects"] == json!(if browser.resolved { "resolve" } else { "reject" });
            as_wpt_expects[n] += usize::from(expected);
            let found = compare::compare(engine.name(), &browser, &check, &mut tallies[n]);
            eprintln!(
                "wpt case {id} in {}: {}{}; check {}",
                engine.name(),
                if browser.resolved { "resolved" } else { "rejected" },
                if expected { "" } else { " (WPT expects otherwise)" },
                if found.is_empty() { "agrees".to_owned() } else { format!("differs ({})", found.len()) }
            );
            // A console difference the table explains is reported, not failed.
            let known = case["known_difference"][engine.name()].as_str();
            if let Some(why) = known
                && !found.is_empty()
                && found.iter().all(|f| f.starts_with("console:"))
            {
                eprintln!("  a known difference: {why}");
                known_differences.push(format!("{id} in {}: {why}", engine.name()));
                continue;
            }
            if !found.is_empty() {
                problems.push(format!(
                    "{id} ({} — {:?}) in {}:\n  {}",
                    case["file"].as_str().unwrap_or_default(),
                    case["subtest"].as_str().unwrap_or_default(),
                    engine.name(),
                    found.join("\n  ")
                ));
            }
        }
    }
    firefox.quit().await.expect("quit Firefox");
    chromium.quit().await.expect("quit Chromium");
    let summary: Vec<String> = ["Chromium", "Firefox"]
        .iter()
        .zip(&tallies)
        .zip(as_wpt_expects)
        .map(|((engine, tally), expected)| {
            format!(
                "WPT fetch/api/cors cases in {engine}: {} subtests; check agreed on {} verdicts, {} console-line lists, {} request sequences; {engine} did as WPT expects in {expected}",
                tally.runs, tally.verdicts, tally.lines, tally.requests
            )
        })
        .collect();
    let mut summary = summary.join("\n");
    for known in &known_differences {
        summary.push_str(&format!("\nknown difference, {known}"));
    }
    eprintln!("{summary}");
    if let Ok(path) = std::env::var("WPT_REPORT") {
        let _ = std::fs::write(path, format!("{summary}\n\n{}", problems.join("\n\n")));
    }
    assert!(problems.is_empty(), "{summary}\n{} difference(s):\n\n{}", problems.len(), problems.join("\n\n"));
}

/// The stand-ins answer as WPT's handlers do, without a browser.
#[cfg(test)]
mod handlers_offline {
    use std::sync::Mutex;

    use super::wpt_handlers::{Answer, Incoming, Stash, answer};

    fn ask(stash: &Mutex<Stash>, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
        let headers: Vec<(String, String)> =
            headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        answer(&Incoming { method, target, headers: &headers }, stash)
    }

    fn lines(answer: &Answer, name: &str) -> Vec<String> {
        answer.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }

    const PREFLIGHT: [(&str, &str); 2] = [("access-control-request-method", "PUT"), ("accept", "*/*")];

    #[test]
    fn preflight_py_checks_the_preflight_and_reports_it_on_the_request() {
        let stash = Mutex::default();
        let url = "/r/preflight.py?token=t&allow_methods=PUT&origin=http%3A%2F%2Fa%2C%20*";
        // No `Accept: */*`, or no `Access-Control-Request-Method`: 400, without a CORS header.
        for headers in [&PREFLIGHT[..1], &PREFLIGHT[1..]] {
            let refused = ask(&stash, "OPTIONS", url, headers);
            assert_eq!((refused.status, refused.headers.len()), (400, 0));
        }
        let preflight = ask(&stash, "OPTIONS", url, &PREFLIGHT);
        assert_eq!(preflight.status, 200);
        assert_eq!(lines(&preflight, "Access-Control-Allow-Origin"), ["http://a", "*"]);
        assert_eq!(lines(&preflight, "Access-Control-Allow-Methods"), ["PUT"]);
        let request = ask(&stash, "PUT", url, &[("origin", "http://a")]);
        assert_eq!(lines(&request, "x-did-preflight"), ["1"]);
        assert_eq!(lines(&request, "x-origin"), ["http://a"]);
        // The same token again, or a second preflight before the request took it: as wptserve does.
        assert_eq!(lines(&ask(&stash, "PUT", url, &[]), "x-did-preflight"), ["1"]);
        let fresh = Mutex::default();
        assert_eq!(lines(&ask(&fresh, "PUT", url, &[]), "x-did-preflight"), ["0"]);
        ask(&fresh, "OPTIONS", url, &PREFLIGHT);
        assert_eq!(ask(&fresh, "OPTIONS", url, &PREFLIGHT).status, 500);
        // A User-Agent unlike the preflight's, or no preflight at all (a missing key in Python).
        let ua = "/r/preflight.py?checkUserAgentHeaderInPreflight&token=u";
        assert_eq!(ask(&fresh, "GET", ua, &[]).status, 500);
        ask(&fresh, "OPTIONS", ua, &[PREFLIGHT[0], PREFLIGHT[1], ("user-agent", "A")]);
        assert_eq!(ask(&fresh, "GET", ua, &[("user-agent", "B")]).status, 400);
    }

    #[test]
    fn redirect_py_carries_its_parameters_to_the_location() {
        let stash = Mutex::default();
        let url = "/r/redirect.py?token=t&redirect_status=307&location=http%3A%2F%2Fb%2Fx%3Fq%3D1";
        let first = ask(&stash, "GET", url, &[("origin", "http://a")]);
        assert_eq!(first.status, 307);
        assert_eq!(
            lines(&first, "Location"),
            ["http://b/x?q=1&token=t&redirect_status=307&location=http%3A%2F%2Fb%2Fx%3Fq%3D1&count=1"]
        );
        assert_eq!(lines(&first, "Access-Control-Allow-Credentials"), ["true"]);
        let second = ask(&stash, "GET", url, &[]);
        assert!(lines(&second, "Location")[0].ends_with("&count=2"));
        assert_eq!(lines(&second, "Access-Control-Allow-Origin"), ["*"]);
        // A preflight is answered 200 unless `redirect_preflight`; a non-HTTP Location goes as it is.
        assert_eq!(ask(&stash, "OPTIONS", url, &[]).status, 200);
        let data = ask(&stash, "GET", "/r/redirect.py?location=data%3A%2Cx", &[]);
        assert_eq!((data.status, lines(&data, "Location")), (302, vec!["data:,x".to_owned()]));
    }

    #[test]
    fn top_txt_applies_the_header_pipe() {
        let stash = Mutex::default();
        let url =
            "/r/top.txt?pipe=header(A,1)|header(A,2,True)|header(Content-Type,x\\,y)|header(B,1)|header(B,2)";
        let answer = ask(&stash, "GET", url, &[]);
        assert_eq!(lines(&answer, "A"), ["1", "2"]);
        assert_eq!(lines(&answer, "B"), ["2"]);
        assert_eq!(lines(&answer, "Content-Type"), ["x,y"]);
        assert_eq!(answer.body, "top");
    }

    #[test]
    fn inspect_headers_py_reports_and_allows_what_it_is_asked() {
        let stash = Mutex::default();
        let answer = ask(
            &stash,
            "GET",
            "/r/inspect-headers.py?cors&headers=cookie|x-a",
            &[("origin", "http://a"), ("cookie", "a_page=1")],
        );
        assert_eq!(lines(&answer, "x-request-cookie"), ["a_page=1"]);
        assert_eq!(lines(&answer, "Access-Control-Allow-Origin"), ["http://a"]);
        assert_eq!(lines(&answer, "Access-Control-Expose-Headers"), ["x-request-cookie, x-request-x-a"]);
        assert_eq!(lines(&answer, "Access-Control-Allow-Headers"), ["origin, cookie"]);
    }
}
