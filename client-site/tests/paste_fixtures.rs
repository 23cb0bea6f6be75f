//! Every recorded DevTools copy in tests/fixtures/copied-requests/ (Chromium 156's four "Copy as" items,
//! Firefox 153's three; how they were made is in that folder's README.md) read back into the lab's form,
//! compared with what the page's `fetch()` really wrote (INDEX.json's `url` and `init`, restated below).
//!
//! Where a copy lost something — Firefox's cURL keeps only the body's last line, or none for `patch`;
//! cmd copies turn CRLF into LF and Chromium's turns non-ASCII into spaces; Chromium copies a no-cors
//! request with provisional headers — the expectation says what the copy lost, and the answer must carry
//! the sentence that says so where the loss can be seen in the text.

use std::path::PathBuf;

use client_site::paste::{Form, SandboxApi, read};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/copied-requests")
}

/// The sandbox the copies were recorded against: the lab on :3000, its API on :8000.
fn api() -> SandboxApi {
    SandboxApi {
        hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
        port: 8000,
        origin: "http://localhost:8000".into(),
        page_origin: "http://localhost:3000".into(),
    }
}

/// What the page wrote: the form a faithful copy gives.
struct Wrote {
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    cookies: bool,
    mode: &'static str,
}

const JSON_BODY: &str = r#"{"hello":"wörld","quote":"it's"}"#;
const SHELL_BODY: &str =
    "line one\nline two: $HOME `id` $(id) !bang\r\n50% done & more \"quoted\" ^caret \\ back";

fn wrote(scenario: &str) -> Wrote {
    let get = Wrote { method: "GET", path: "/api", headers: &[], body: None, cookies: false, mode: "cors" };
    match scenario {
        "get-query" => Wrote { path: "/api/echo?x=1&y=two%20words&z=[a]", ..get },
        "post-json-credentials" => Wrote {
            method: "POST",
            path: "/api/echo",
            headers: &[("content-type", "application/json"), ("x-api-key", "k1")],
            body: Some(JSON_BODY),
            cookies: true,
            ..get
        },
        "put-text-shell-characters" => Wrote {
            method: "PUT",
            path: "/api/echo",
            headers: &[("content-type", "text/plain"), ("x-note", "100% \"sure\" & done")],
            body: Some(SHELL_BODY),
            ..get
        },
        "delete-authorization" => Wrote {
            method: "DELETE",
            path: "/api/echo",
            headers: &[("accept", "application/json"), ("authorization", "Bearer made-up-token-0002")],
            ..get
        },
        // The Content-Type is the one URLSearchParams implies: the browser's, but the same from the page.
        "post-form-no-cors" => Wrote {
            method: "POST",
            path: "/api/counter",
            headers: &[("content-type", "application/x-www-form-urlencoded;charset=UTF-8")],
            body: Some("hello=world&q=a+b%26c"),
            mode: "no-cors",
            ..get
        },
        "patch-lowercase" => Wrote {
            method: "patch",
            path: "/api/echo",
            headers: &[("content-type", "application/merge-patch+json")],
            body: Some(r#"{"n":1}"#),
            ..get
        },
        "head" => Wrote { method: "HEAD", ..get },
        "post-multipart" => Wrote { method: "POST", path: "/api/echo", body: Some("(multipart)"), ..get },
        "blocked-by-preflight" => Wrote {
            method: "PUT",
            path: "/api/echo",
            headers: &[("content-type", "application/json"), ("x-blocked", "1")],
            body: Some(r#"{"a":1}"#),
            ..get
        },
        other => panic!("no expectation for {other}"),
    }
}

/// What one copy lost, and the note (a few words of it) that must say so; `""` when the text cannot
/// show the loss.
struct Lost {
    body: Option<Option<String>>,
    mode: Option<&'static str>,
    cookies: Option<bool>,
    note: &'static str,
}

fn lost(file: &str) -> Option<Lost> {
    let none = Lost { body: None, mode: None, cookies: None, note: "" };
    // "chromium/put-text-shell-characters.curl-cmd.txt": the engine, the scenario, the format.
    let (engine, name) = file.split_once('/').unwrap_or((file, ""));
    let mut parts = name.split('.');
    let (scenario, format) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let cmd = format == "curl-cmd" || format == "curl-windows";
    Some(match (engine, scenario, format) {
        ("chromium", "post-json-credentials", "curl-cmd") => {
            Lost { body: Some(Some(JSON_BODY.replace('ö', " "))), note: "outside ASCII", ..none }
        }
        (_, "put-text-shell-characters", "curl-posix" | "curl-windows") => {
            Lost { body: Some(Some(SHELL_BODY.rsplit("\r\n").next().unwrap_or("").to_owned())), ..none }
        }
        (_, "put-text-shell-characters", _) if cmd => {
            Lost { body: Some(Some(SHELL_BODY.replace("\r\n", "\n"))), note: "lost its CR", ..none }
        }
        ("chromium", "post-form-no-cors" | "blocked-by-preflight", "curl-bash" | "curl-cmd") => {
            Lost { mode: Some("cors"), note: "provisional headers", ..none }
        }
        // Chromium's fetch copies hide the provisional headers: nothing in them shows the mode.
        ("chromium", "post-form-no-cors", _) => Lost { mode: Some("cors"), ..none },
        ("firefox", "patch-lowercase" | "blocked-by-preflight", "curl-posix" | "curl-windows") => {
            Lost { body: Some(None), note: "7-byte body", ..none }
        }
        ("firefox", "blocked-by-preflight", "fetch") => Lost { body: Some(None), ..none },
        (_, "post-form-no-cors", "fetch") => Lost { note: "Sec-Fetch-Mode says no-cors", ..none },
        // DevTools' fetch copies say include for an Authorization header; Node.js copies say nothing.
        (_, "delete-authorization", "fetch") => {
            Lost { cookies: Some(true), note: "whenever the request carried", ..none }
        }
        ("chromium", "post-json-credentials", "fetch") => {
            Lost { note: "whenever the request carried", ..none }
        }
        _ => return None,
    })
}

fn copies() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for engine in ["chromium", "firefox"] {
        let dir = fixtures().join(engine);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let name = entry.expect("a directory entry").file_name().to_string_lossy().into_owned();
            if name.starts_with("copy-all") || name.starts_with("other-origin") {
                continue;
            }
            let text = std::fs::read_to_string(dir.join(&name)).expect("a fixture");
            files.push((format!("{engine}/{name}"), text));
        }
    }
    files.sort();
    files
}

fn headers_of(form: &Form) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = form
        .headers
        .lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    headers.sort();
    headers
}

/// Each of the 37 copies of nine requests fills the form with what the page wrote, less exactly what the
/// copy lost, and names the format it came in.
#[test]
fn every_recorded_copy_fills_the_form_with_what_the_page_wrote() {
    let mut failures = Vec::new();
    let copies = copies();
    for (file, text) in &copies {
        let scenario = file.split('/').nth(1).and_then(|f| f.split('.').next()).unwrap_or("");
        let wrote = wrote(scenario);
        let lost = lost(file);
        let pasted = match read(text, &api()) {
            Ok(pasted) => pasted,
            Err(e) => {
                failures.push(format!("{file}: refused: {e}"));
                continue;
            }
        };
        let Some(form) = &pasted.form else {
            failures.push(format!("{file}: no form: {}", pasted.summary));
            continue;
        };
        let mut expect_headers: Vec<(String, String)> =
            wrote.headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        if scenario == "post-multipart" {
            let boundary = form.headers.split("boundary=").nth(1).unwrap_or("?");
            expect_headers.push(("content-type".into(), format!("multipart/form-data; boundary={boundary}")));
        }
        expect_headers.sort();
        let body =
            lost.as_ref().and_then(|l| l.body.clone()).unwrap_or_else(|| wrote.body.map(str::to_owned));
        let mode = lost.as_ref().and_then(|l| l.mode).unwrap_or(wrote.mode);
        let cookies = lost.as_ref().and_then(|l| l.cookies).unwrap_or(wrote.cookies);
        let got_body = (form.body == "raw").then(|| form.body_raw.clone());
        let mut wrong = Vec::new();
        if (form.method.as_str(), form.path.as_str()) != (wrote.method, wrote.path) {
            wrong.push(format!("{} {}", form.method, form.path));
        }
        if headers_of(form) != expect_headers {
            wrong.push(format!("headers {:?}", form.headers));
        }
        if scenario == "post-multipart" {
            // The form's parts, whole (Firefox's cURL leaves the file's bytes out; cmd copies lose CRs).
            let full = file.ends_with("curl-bash.txt") || file.ends_with(".js");
            let parts = got_body.as_deref().unwrap_or("");
            if !parts.contains("name=\"name\"") || (full && !parts.contains("a,b\n1,2\n\r\n")) {
                wrong.push(format!("body {got_body:?}"));
            }
        } else if got_body != body {
            wrong.push(format!("body {got_body:?}, not {body:?}"));
        }
        if form.mode != mode {
            wrong.push(format!("mode {}", form.mode));
        }
        if (form.credentials == "include") != cookies {
            wrong.push(format!("credentials {}", form.credentials));
        }
        let note = lost.as_ref().map_or("", |l| l.note);
        if !note.is_empty() && !pasted.notes.iter().any(|n| n.contains(note)) {
            wrong.push(format!("no note about {note:?} in {:?}", pasted.notes));
        }
        let engine = file.split('/').next().unwrap_or("");
        if !pasted.read_as.to_ascii_lowercase().contains(engine) {
            wrong.push(format!("read as {}", pasted.read_as));
        }
        if !wrong.is_empty() {
            failures.push(format!("{file}: {}", wrong.join("; ")));
        }
    }
    assert_eq!(copies.len(), 9 * 7, "the copies of nine requests in seven formats");
    assert!(failures.is_empty(), "{} of {} copies:\n{}", failures.len(), copies.len(), failures.join("\n"));
}

/// The browser's own headers are dropped with a sentence naming them: Chromium's sec-ch-ua and
/// User-Agent, Firefox's Priority, both engines' Referer and Origin.
#[test]
fn the_browsers_own_headers_are_dropped_with_a_sentence() {
    for (file, text) in copies() {
        let Ok(pasted) = read(&text, &api()) else { continue };
        let notes = pasted.notes.join("\n");
        let form = pasted.form.map(|f| f.headers.to_ascii_lowercase()).unwrap_or_default();
        for own in [
            "user-agent",
            "sec-ch-ua",
            "sec-fetch-mode",
            "referer",
            "origin",
            "priority",
            "accept-language",
            "connection",
        ] {
            assert!(!form.contains(&format!("{own}:")), "{file}: {own} stayed in the form");
        }
        if file.contains("curl") {
            assert!(notes.contains("the browser sets itself"), "{file}: {notes}");
            assert!(notes.contains("User-Agent"), "{file}: {notes}");
        }
    }
}

/// The request to another origin fills nothing: each of its seven copies offers the check command, with
/// the page's origin from the copy.
#[test]
fn a_copy_for_another_server_offers_the_check_command() {
    for (engine, formats) in [
        ("chromium", &["curl-bash.txt", "curl-cmd.txt", "fetch.js", "fetch-nodejs.js"][..]),
        ("firefox", &["curl-posix.txt", "curl-windows.txt", "fetch.js"][..]),
    ] {
        for format in formats {
            let file = fixtures().join(engine).join(format!("other-origin.{format}"));
            let text = std::fs::read_to_string(&file).expect("a fixture");
            let pasted = read(&text, &api()).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(pasted.form.is_none(), "{engine} {format}");
            let command = pasted.check_command.unwrap_or_default();
            assert!(
                command.starts_with("cors-sandbox check 'http://127.0.0.1:47199/v1/items?id=7' --origin http://localhost:3000 -X POST")
                    && command.to_ascii_lowercase().contains("-h 'x-api-key: k1'")
                    && command.contains("--data '{\"a\":1}'"),
                "{engine} {format}: {command}"
            );
        }
    }
}

/// Chromium's "Copy all as cURL" joins its commands with ` ;`: refused, one request at a time.
#[test]
fn copy_all_is_refused_one_request_at_a_time() {
    let text =
        std::fs::read_to_string(fixtures().join("chromium/copy-all.curl-bash.txt")).expect("a fixture");
    let refusal = read(&text, &api()).expect_err("several commands");
    assert!(refusal.contains("Copy all as cURL"), "{refusal}");
}
