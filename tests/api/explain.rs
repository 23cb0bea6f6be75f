//! `cors-sandbox explain` as a process, the lab's `POST /sandbox/explain`, and the promise of the lab
//! link: the scenario it sets up, run against the real API, makes the engine print the same line.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cors_sandbox::check::{CheckArgs, run};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::spawn_sandbox;

const MISMATCH: &str = "Access to fetch at 'http://127.0.0.1:47181/c/acao-trailing-slash' from origin 'http://127.0.0.1:47180' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'http://127.0.0.1:47180/' that is not equal to the supplied origin. Have the server send the header with a valid value.";

/// Runs `cors-sandbox explain ARGS` with `stdin`; returns the exit status, standard output and error.
fn explain(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
        .arg("explain")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut pipe = child.stdin.take().expect("piped");
    let input = stdin.map(<[u8]>::to_vec).unwrap_or_default();
    // The command may stop reading early (a huge input): a broken pipe is its right.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("the binary ends");
    let _ = writer.join();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// A Chromium line as an argument: the engine, the check, what it held, the fix, the lab link and the
/// check command, for a person.
#[test]
fn a_line_given_as_an_argument_is_explained_for_a_person() {
    let (code, out, _) = explain(&[MISMATCH], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Chromium printed this line. The failing check: AllowOriginMismatch."), "{out}");
    assert!(out.contains("header value \"http://127.0.0.1:47180/\""), "{out}");
    assert!(out.contains("The fix: Send exactly http://127.0.0.1:47180 "), "{out}");
    assert!(out.contains("http://localhost:3000/lab#share="), "{out}");
    assert!(
        out.contains(
            "cors-sandbox check http://127.0.0.1:47181/c/acao-trailing-slash --origin http://127.0.0.1:47180"
        ),
        "{out}"
    );
}

/// `--json` from standard input: one object with the fields the issue names.
#[test]
fn json_from_standard_input_has_every_field() {
    let line = format!("{MISMATCH}  \r\n");
    let (code, out, _) = explain(&["--json"], Some(line.as_bytes()));
    assert_eq!(code, 0, "{out}");
    let x: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(x["engine"], "chromium");
    assert_eq!(x["cors_error"], "AllowOriginMismatch");
    assert_eq!(x["url"], "http://127.0.0.1:47181/c/acao-trailing-slash");
    assert_eq!(x["origin"], "http://127.0.0.1:47180");
    assert_eq!(x["candidates"][0]["cause"], "AllowOriginMismatch");
    assert!(x["fix"].as_str().is_some_and(|f| !f.is_empty()));
    assert_eq!(
        x["lab"]["policy"]["allow_origin"], "http://localhost:3000/",
        "the user's page becomes the lab's"
    );
    assert!(x["lab_link"].as_str().is_some_and(|l| l.starts_with("http://localhost:3000/lab#share=")));
}

/// WebKit's line cannot tell missing from mismatched: `cors_error` is null, the candidates are listed
/// with what settles it.
#[test]
fn an_ambiguous_line_says_so() {
    let line = "x.js:75:22: CONSOLE SECURITY ERROR Origin http://localhost:5173 is not allowed by Access-Control-Allow-Origin. Status code: 200";
    let (code, out, _) = explain(&["--json", line], None);
    assert_eq!(code, 0, "{out}");
    let x: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        (&x["engine"], &x["cors_error"], &x["ambiguous"]),
        (&json!("webkit"), &Value::Null, &json!(true))
    );
    let causes: Vec<&str> =
        x["candidates"].as_array().unwrap().iter().filter_map(|c| c["cause"].as_str()).collect();
    assert!(causes.starts_with(&["MissingAllowOriginHeader", "AllowOriginMismatch"]), "{causes:?}");
    assert!(x["settle"].as_str().is_some_and(|s| s.contains("check command")), "{x}");
}

/// A URL full of quotes, `$(…)` and backquotes: the check command quotes it so a POSIX shell gives it
/// back byte for byte, and runs nothing.
#[test]
fn the_check_command_is_safe_to_paste_into_a_shell() {
    let url = "http://127.0.0.1:1/x'$(id)`id`;'\"a\"$HOME";
    let line = format!(
        "Access to fetch at '{url}' from origin 'http://localhost:3000' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
    let (code, out, _) = explain(&["--json", &line], None);
    assert_eq!(code, 0, "{out}");
    let x: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(x["url"], url);
    let command = x["check_command"].as_str().expect("a command");
    let echoed = Command::new("sh")
        .arg("-c")
        .arg(command.replacen("cors-sandbox check", "printf '%s\\n'", 1))
        .output()
        .expect("sh");
    let args = String::from_utf8_lossy(&echoed.stdout);
    assert_eq!(args.lines().collect::<Vec<_>>(), [url, "--origin", "http://localhost:3000"], "{command}");
}

/// What is not a line: a sentence, the closest known line, status 2 — quickly, whatever the size.
#[test]
fn what_is_not_a_console_line_gets_a_sentence_and_status_2() {
    let (code, _, err) = explain(&["blocked by cors?"], None);
    assert_eq!(code, 2);
    assert!(err.contains("not a CORS line") && err.contains("The closest line it knows: "), "{err}");

    let (code, out, _) = explain(&["--json", "hello"], None);
    assert_eq!(code, 2);
    let x: Value = serde_json::from_str(&out).expect("JSON even when refused");
    assert!(x["error"].as_str().is_some() && x["closest"].as_str().is_some(), "{x}");

    let (code, _, err) = explain(&[], Some(b"   \n"));
    assert_eq!(code, 2);
    assert!(err.contains("Nothing to explain"), "{err}");

    let started = Instant::now();
    let huge = vec![b'a'; 50 * 1024 * 1024];
    let (code, _, err) = explain(&[], Some(&huge));
    assert_eq!(code, 2);
    assert!(err.contains("a console line is far shorter"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());

    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let (code, _, err) = explain(&[], Some(&garbage));
    assert_eq!(code, 2);
    assert!(err.contains("not text"), "{err}");

    let mut controls = b"Access to fetch at '".to_vec();
    controls.extend([1u8, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14]);
    let (code, _, err) = explain(&[], Some(&controls));
    assert_eq!(code, 2);
    assert!(err.contains("control characters"), "{err}");
}

/// The lab's box: `POST /sandbox/explain` answers the same explanation, its lab link on this site; bad
/// input is a 4xx with a sentence, and another site may not use it.
#[tokio::test]
async fn the_lab_endpoint_explains_and_refuses_bad_input() {
    let sandbox = spawn_sandbox().await;
    let url = format!("{}/sandbox/explain", sandbox.site);
    let post =
        |body: String| sandbox.http.post(&url).header("content-type", "application/json").body(body).send();

    let res = post(json!({ "text": MISMATCH }).to_string()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let x: Value = res.json().await.unwrap();
    assert_eq!(x["cors_error"], "AllowOriginMismatch");
    let lab = format!("{}/lab#share=", sandbox.site);
    assert!(x["lab_link"].as_str().is_some_and(|l| l.starts_with(&lab)), "{x}");

    for (body, status) in [
        (json!({ "text": "hello" }).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "line": MISMATCH }).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        ("{not json".to_string(), StatusCode::BAD_REQUEST),
        (json!({ "text": "x".repeat(20_000) }).to_string(), StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let res = post(body.clone()).await.unwrap();
        assert_eq!(res.status(), status, "{}", &body[..body.len().min(40)]);
        let x: Value = res.json().await.unwrap();
        assert!(x["error"].as_str().is_some_and(|e| e.ends_with('.') || e.contains("closest")), "{x}");
    }
    let res = sandbox
        .http
        .post(&url)
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body(json!({ "text": MISMATCH }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    sandbox.stop().await;
}

/// Every recorded line that names a check, in every engine: its lab link's scenario, set on the real
/// API and run by `check` as that engine, prints the same sentence with the same values — the URL and
/// the page's origin being the lab's.
#[tokio::test]
async fn every_lab_link_makes_the_engine_print_the_same_line() {
    let sandbox = spawn_sandbox().await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/console-lines.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let lab = client_site::pasted_line::Lab { page_origin: sandbox.site.clone() };
    let (mut reproduced, mut without_link, mut redirect_modes, mut wrong) = (0, 0, 0, Vec::new());
    for line in fixture["lines"].as_array().unwrap().iter().filter(|l| l["role"] == "cors") {
        let text = line["text"].as_str().unwrap();
        let x = client_site::pasted_line::explain(text, &lab).expect("every recorded line is explained");
        let Some(scenario) = x["lab"].as_object() else {
            without_link += 1;
            continue;
        };
        let (form, policy) = (&scenario["form"], &scenario["policy"]);
        // `check` sends no redirect mode: those scenarios are the browser test's.
        if form["redirect"] != "follow" {
            redirect_modes += 1;
            continue;
        }
        let (status, answer) = sandbox.send_policy(reqwest::Method::PUT, &policy.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{text}: the lab refused its own policy: {answer}");
        let mut headers: Vec<(String, String)> = form["headers"]
            .as_str()
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        let data = match form["body"].as_str() {
            Some("text") => Some("hello".to_string()),
            Some("json") => {
                headers.push(("Content-Type".into(), "application/json".into()));
                Some("{}".to_string())
            }
            _ => None,
        };
        let engine: browser_model::Engine = x["engine"].as_str().unwrap().parse().unwrap();
        let args = CheckArgs {
            url: format!("{}{}", sandbox.api, form["path"].as_str().unwrap()),
            origin: sandbox.site.clone(),
            method: form["method"].as_str().unwrap().to_string(),
            headers,
            data,
            credentials: form["credentials"].as_str().unwrap().parse().unwrap(),
            mode: form["mode"].as_str().unwrap().parse().unwrap(),
            json: true,
            scan: false,
            cacert: None,
            engine,
            ..CheckArgs::default()
        };
        let (_, out) = run(&args).await;
        let verdict: Value = serde_json::from_str(&out).unwrap();
        let printed: Vec<String> = match engine {
            browser_model::Engine::Chromium => verdict["chromium_messages"].clone(),
            browser_model::Engine::Firefox => verdict["firefox_messages"].clone(),
            browser_model::Engine::Webkit => verdict["webkit_messages"].clone(),
        }
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
        // A value that named the user's page names the lab's page.
        let mut expected = x["extracted"].clone();
        if let Some(value) = expected["value"].as_str() {
            let user = x["origin"].as_str();
            expected["value"] = json!(client_site::pasted_line::lab_value(value, user, &sandbox.site));
        }
        let same = printed.iter().any(|p| {
            let Ok(y) = client_site::pasted_line::explain(p, &lab) else { return false };
            ["value", "method", "header", "status", "token"].iter().all(|k| y["extracted"][k] == expected[k])
                && y["sentence"] == x["sentence"]
                && (y["cors_error"] == x["cors_error"] || y["candidates"][0]["cause"] == x["lab"]["sets_up"])
        });
        if same {
            reproduced += 1;
        } else {
            wrong.push(format!("{text}\n   the lab printed {printed:?}"));
        }
    }
    println!(
        "lab links reproduced: {reproduced}; with a redirect mode (not run): {redirect_modes}; lines the lab cannot set up: {without_link}"
    );
    assert!(wrong.is_empty(), "{} lab link(s) print another line:\n{}", wrong.len(), wrong.join("\n"));
    assert!(reproduced > 150, "only {reproduced} reproduced");
    sandbox.stop().await;
}
