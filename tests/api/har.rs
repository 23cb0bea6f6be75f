//! `cors-sandbox check --har FILE` as a process: the real DevTools exports of tests/fixtures/har, the
//! secrets they hold, and every kind of bad file — each a sentence and exit status 2, nothing executed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/har").join(name).display().to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cors-sandbox")).arg("check").args(args).output().expect("run the binary")
}

/// `check --har FILE --json`: the exit status and the JSON.
fn json(file: &str, more: &[&str]) -> (i32, Value) {
    let mut args = vec!["--har", file, "--json"];
    args.extend(more);
    let output = run(&args);
    let out = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), out)
}

/// `check --har FILE`: the exit status, standard output and standard error.
fn text(file: &str, more: &[&str]) -> (i32, String, String) {
    let mut args = vec!["--har", file];
    args.extend(more);
    let output = run(&args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap_or(-1), stdout, String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A file of its own in the temporary directory.
fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cors-sandbox-har-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// Seven requests in one page: each judged, the JSON's fields present, the blocked ones counted by cause.
#[test]
fn a_real_har_is_judged_request_by_request() {
    let (code, out) = json(&fixture("chromium/mixed.sanitized.har"), &[]);
    assert_eq!(code, 1, "something blocked: {out}");
    let requests = out["requests"].as_array().expect("requests");
    assert_eq!(requests.len(), 7);
    for field in [
        "url",
        "method",
        "origin",
        "allowed",
        "failed_check",
        "chromium_message",
        "firefox_message",
        "webkit_message",
        "reason",
    ] {
        assert!(requests.iter().all(|r| r.get(field).is_some()), "every request has {field}");
    }
    assert_eq!(out["summary"]["blocked"], 3);
    assert_eq!(out["summary"]["same_origin"], 1);
    assert_eq!(out["summary"]["blocked_by"]["MethodDisallowedByPreflightResponse"], 1);
    let (code, out) = json(&fixture("chromium/allowed-simple-get.full.har"), &[]);
    assert_eq!(code, 0, "{out}");
}

/// A 500 without CORS headers leads its request's listing, in the text and in the JSON.
#[test]
fn a_500_without_cors_headers_leads_its_verdict() {
    let headline = "Your server answered 500 without CORS headers: fix that answer, not the CORS policy.";
    let (code, out) = json(&fixture("firefox/not-cors-500.har"), &[]);
    assert_eq!(code, 1);
    assert_eq!(out["requests"][0]["reason"], headline);
    let (_, stdout, _) = text(&fixture("chromium/not-cors-500.sanitized.har"), &[]);
    let listing = stdout.split("✗ BLOCKED").nth(1).expect("a blocked request");
    assert_eq!(listing.lines().nth(1).map(str::trim), Some(headline), "{stdout}");
}

/// Cookie, Authorization and Set-Cookie values are redacted in the JSON and the text unless
/// `--show-secrets`.
#[test]
fn secrets_are_shown_only_when_asked_for() {
    let file = fixture("chromium/credentialed-cookie.full.har");
    let secrets = ["made-up-session-0001", "made-up-token-0002", "made-up-pref-77"];
    let (_, out) = json(&file, &[]);
    let (_, stdout, _) = text(&file, &[]);
    for secret in secrets {
        assert!(!out.to_string().contains(secret), "{secret} in the JSON");
        assert!(!stdout.contains(secret), "{secret} in the text");
    }
    let (_, out) = json(&file, &["--show-secrets"]);
    for secret in secrets {
        assert!(out.to_string().contains(secret), "{secret} shown with --show-secrets");
    }
    // A blocked request's exchange is printed with its headers: the secret ones redacted.
    let blocked = serde_json::json!({"log": {"entries": [{
        "request": {"method": "GET", "url": "http://api.test/me", "headers": [
            {"name": "Origin", "value": "http://app.test"}, {"name": "Cookie", "value": "sid=s3cret"},
            {"name": "Authorization", "value": "Bearer t0ken"}]},
        "response": {"status": 200, "headers": [
            {"name": "Access-Control-Allow-Origin", "value": "*"}, {"name": "Set-Cookie", "value": "sid=n3w"}]},
    }]}});
    let path = scratch("secrets.har", blocked.to_string().as_bytes()).display().to_string();
    let (code, stdout, _) = text(&path, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains(">   Cookie: [redacted: --show-secrets shows it]"), "{stdout}");
    assert!(!stdout.contains("s3cret") && !stdout.contains("t0ken") && !stdout.contains("n3w"), "{stdout}");
    let (_, stdout, _) = text(&path, &["--show-secrets"]);
    assert!(
        stdout.contains(">   Cookie: sid=s3cret") && stdout.contains("<   Set-Cookie: sid=n3w"),
        "{stdout}"
    );
}

/// A HAR whose requests all stay on the page's origin: nothing to judge, said in a sentence, status 2.
#[test]
fn a_har_with_no_cross_origin_request_says_so() {
    let (code, out) = json(&fixture("firefox/same-origin.har"), &[]);
    assert_eq!(code, 2);
    assert!(
        out["error"].as_str().expect("a sentence").starts_with("No cross-origin fetch() or XHR"),
        "{out}"
    );
    assert_eq!(out["requests"][0]["same_origin"], true, "the same-origin one is listed");
    let (code, _, stderr) = text(&fixture("firefox/same-origin.har"), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("No cross-origin fetch() or XHR in this HAR"), "{stderr}");
}

/// Each bad file: one sentence, status 2, never a panic.
#[test]
fn bad_files_get_a_sentence_and_status_2() {
    let real = std::fs::read(fixture("chromium/mixed.full.har")).expect("a fixture");
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("empty.har", Vec::new(), "The file is empty"),
        ("cut.har", real[..real.len() / 2].to_vec(), "The HAR ends early"),
        ("page.har", b"<!doctype html><p>not a HAR".to_vec(), "This is not a HAR"),
        ("other.json", br#"{"name": "a package.json"}"#.to_vec(), "This is JSON, but not a HAR"),
    ];
    for (name, bytes, said) in cases {
        let path = scratch(name, &bytes).display().to_string();
        let (code, stdout, stderr) = text(&path, &[]);
        assert_eq!(code, 2, "{name}");
        assert!(stdout.is_empty(), "{name}: {stdout}");
        assert!(stderr.starts_with(&format!("cors-sandbox check --har: {said}")), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: one sentence: {stderr}");
        let (code, out) = json(&path, &[]);
        assert_eq!(code, 2);
        assert!(out["error"].as_str().is_some_and(|e| e.starts_with(said)), "{name}: {out}");
    }
    let (code, _, stderr) = text("/nonexistent/file.har", &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read /nonexistent/file.har"), "{stderr}");
}

/// A 200 MB file is refused before it is read, with the limit and what to do.
#[test]
fn a_200_mb_har_is_refused_before_it_is_read() {
    let path = scratch("huge.har", b"");
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(200_000_000))
        .expect("a sparse file");
    let started = std::time::Instant::now();
    let (code, _, stderr) = text(&path.display().to_string(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("The HAR is 200 MB: the judge reads at most 64 MiB"), "{stderr}");
    assert!(stderr.contains("filter to Fetch/XHR"), "{stderr}");
    assert!(started.elapsed().as_secs() < 5, "not read: {:?}", started.elapsed());
    let _ = std::fs::remove_file(path);
    // A stream without end (a device, a pipe) is read up to the limit, and no further: the process never
    // holds much more than the limit.
    #[expect(clippy::zombie_processes, reason = "wait4 reaps it, for its resource usage")]
    let child = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
        .args(["check", "--har", "/dev/zero"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    let (code, peak) = wait_with_peak_memory(child.id());
    assert_eq!(code, 2);
    assert!(peak < 160 * 1024 * 1024, "peak resident memory {} MiB", peak / (1024 * 1024));
}

/// Waits for the child `pid`; returns its exit status and the most memory it held (resident set, bytes).
fn wait_with_peak_memory(pid: u32) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: `rusage` is a plain C struct that wait4 fills in; `pid` is our own child, waited for once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as libc::pid_t, "wait4");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    // Linux reports ru_maxrss in KiB.
    (code, usage.ru_maxrss as u64 * 1024)
}

/// A file built to attack the terminal or a shell: its strings are printed as data, escapes written out,
/// and nothing in it runs.
#[test]
fn hostile_strings_are_printed_as_data_and_nothing_runs() {
    let marker = std::env::temp_dir().join(format!("cors-sandbox-pwned-{}", std::process::id()));
    let url = format!("http://api.test/$(touch {})\u{1b}[2J\u{202e}", marker.display());
    let har = serde_json::json!({"log": {"entries": [{
        "request": {"method": "GET", "url": url, "headers": [{"name": "Origin", "value": "http://app.test"}]},
        "response": {"status": 200, "headers": [{"name": "Access-Control-Allow-Origin", "value": "\u{1b}]0;owned\u{7}"}]},
    }]}});
    let path = scratch("hostile.har", har.to_string().as_bytes()).display().to_string();
    let (code, stdout, _) = text(&path, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}') && !stdout.contains('\u{202e}'),
        "{stdout:?}"
    );
    assert!(stdout.contains("\\u{1b}"), "escapes are written out: {stdout}");
    assert!(!marker.exists(), "nothing in a HAR is executed");
}

/// `-` reads the HAR from standard input; `--har` with a URL is refused by the argument parser.
#[test]
fn standard_input_and_arguments() {
    let bytes = std::fs::read(fixture("firefox/missing-acao.har")).expect("a fixture");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
        .args(["check", "--har", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &bytes).expect("write");
    let output = child.wait_with_output().expect("wait");
    let out: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(out["requests"][0]["failed_check"], "MissingAllowOriginHeader");
    let refused = run(&["http://localhost:8000/api", "--har", "x.har"]);
    assert_eq!(refused.status.code(), Some(2));
}

/// The lab's drop, `POST /sandbox/har`: the same report as `--json`, secrets redacted; a bad file a 4xx
/// with a sentence; another site's page refused by the guard; and the site goes on serving.
#[tokio::test]
async fn the_lab_s_drop_judges_a_har_and_refuses_bad_ones() {
    let sandbox = crate::spawn_sandbox().await;
    let url = format!("{}/sandbox/har", sandbox.site);
    let post = |body: Vec<u8>| sandbox.http.post(&url).body(body).send();
    let real = std::fs::read(fixture("chromium/credentialed-cookie.full.har")).expect("a fixture");
    let answer = post(real.clone()).await.expect("posted");
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let report: Value = answer.json().await.expect("JSON");
    let (_, cli) = json(&fixture("chromium/credentialed-cookie.full.har"), &[]);
    assert_eq!(report, cli, "the page and the command line say the same");
    assert!(!report.to_string().contains("made-up-session-0001"), "redacted on the page too");

    let cases: [(&[u8], u16, &str); 4] = [
        (b"", 400, "The file is empty"),
        (&real[..100], 400, "The HAR ends early"),
        (b"GIF89a", 400, "This is not a HAR"),
        (&std::fs::read(fixture("firefox/same-origin.har")).expect("a fixture"), 422, "No cross-origin"),
    ];
    for (body, status, said) in cases {
        let answer = post(body.to_vec()).await.expect("posted");
        assert_eq!(answer.status().as_u16(), status, "{said}");
        let out: Value = answer.json().await.expect("JSON");
        assert!(out["error"].as_str().is_some_and(|e| e.starts_with(said)), "{out}");
    }
    // Over the limit: refused from its Content-Length, before a byte of it is read.
    let port = sandbox.client_port;
    let head =
        format!("POST /sandbox/har HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Length: 68157440\r\n\r\n");
    let (status, body) = crate::raw_request(port, &head).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert!(body.contains("the judge reads at most 64 MiB"), "{body}");
    // Another site's page may not use the sandbox's controls.
    let refused = sandbox
        .http
        .post(&url)
        .header("origin", "http://evil.example")
        .body(real)
        .send()
        .await
        .expect("posted");
    assert_eq!(refused.status().as_u16(), 403);
    sandbox.policy().await; // still serving
    sandbox.stop().await;
}
