//! `cors-sandbox check` against a loopback server whose answers the sandbox does not control: a small
//! server with fixed answers per path. Each case runs the real binary and reads its `--json` and its exit
//! status; the server keeps what it received, to show that the command sent what a browser would.

use std::process::Command;

use serde_json::Value;

#[path = "../support/fixed_server.rs"]
pub mod fixed_server;
#[path = "../support/tls_server.rs"]
mod tls_server;

/// Runs `cors-sandbox check … --json`; returns the exit status and the JSON.
async fn check(args: &[&str]) -> (i32, Value) {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .arg("check")
            .args(&args)
            .arg("--json")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    (output.status.code().unwrap_or(-1), serde_json::from_str(text.trim()).unwrap_or(Value::Null))
}

const ORIGIN: &str = "http://localhost:5555";

#[tokio::test]
async fn check_judges_a_server_it_does_not_control_as_a_browser_would() {
    let (port, seen) = fixed_server::server().await;
    let base = format!("http://127.0.0.1:{port}");
    let url = |path: &str| format!("{base}{path}");

    let (code, out) = check(&[&url("/star"), "--origin", ORIGIN]).await;
    assert_eq!((code, &out["allowed"]), (0, &Value::Bool(true)), "{out}");
    assert_eq!(out["preflight"], false);
    assert_eq!(out["chromium_message"], Value::Null);

    let (code, out) = check(&[&url("/mismatch"), "--origin", ORIGIN]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out["chromium_message"],
        format!(
            "Access to fetch at '{}' from origin '{ORIGIN}' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://yoursite.com' that is not equal to the supplied origin. Have the server send the header with a valid value.",
            url("/mismatch")
        )
    );
    assert_eq!(
        out["webkit_message"],
        format!("Origin {ORIGIN} is not allowed by Access-Control-Allow-Origin. Status code: 200")
    );

    // Two Access-Control-Allow-Origin lines: each engine refuses them.
    let (code, out) = check(&[&url("/two"), "--origin", ORIGIN]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out["chromium_message"].as_str().unwrap().contains("contains multiple values"), "{out}");

    // A redirect is followed, and judged hop by hop.
    let (code, out) = check(&[&url("/redirect"), "--origin", ORIGIN]).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["exchanges"].as_array().unwrap().len(), 2, "{out}");

    // `*` with credentials: blocked; the cookie given goes with the request.
    seen.lock().unwrap().clear();
    let (code, out) =
        check(&[&url("/star"), "--origin", ORIGIN, "--credentials", "include", "-H", "Cookie: sid=1"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out["chromium_message"].as_str().unwrap().contains("must not be the wildcard '*'"), "{out}");
    let cookies: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, _, lines)| lines.iter().filter(|(n, _)| n == "cookie").map(|(_, v)| v.clone()))
        .collect();
    assert_eq!(cookies, ["sid=1"]);

    // A failed preflight: the actual request is never sent, as in a browser; the preflight carries no
    // body, no cookie and the lower-cased, sorted header names.
    seen.lock().unwrap().clear();
    let (code, out) = check(&[
        &url("/preflight-404"),
        "--origin",
        ORIGIN,
        "-X",
        "PUT",
        "-H",
        "X-Api-Key: 1",
        "-H",
        "Authorization: Bearer a",
        "-H",
        "Cookie: sid=1",
        "--credentials",
        "include",
    ])
    .await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["preflight"], true);
    // Chromium checks the preflight's Access-Control-Allow-Origin before its status.
    let line = out["chromium_message"].as_str().unwrap();
    assert!(line.contains("Response to preflight request doesn't pass access control check"), "{out}");
    assert_eq!(out["webkit_message"], "Preflight response is not successful. Status code: 404");
    let checks = out["checks"].to_string();
    assert!(
        !checks.contains("cookie is not sent"),
        "a given Cookie is the browser's, not the page's: {checks}"
    );
    let received = seen.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "only the preflight: {received:?}");
    let (method, _, lines) = &received[0];
    assert_eq!(method, "OPTIONS");
    let get = |name: &str| lines.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(get("access-control-request-method"), Some("PUT"));
    assert_eq!(get("access-control-request-headers"), Some("authorization,x-api-key"));
    assert_eq!(get("cookie"), None);
    assert_eq!(get("origin"), Some(ORIGIN));

    // Nothing to judge: a sentence and status 2.
    let (code, out) = check(&["http://127.0.0.1:9/api", "--origin", ORIGIN]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out["error"].as_str().unwrap().contains("cannot connect"), "{out}");
    let (code, out) = check(&["ftp://127.0.0.1/", "--origin", ORIGIN]).await;
    assert_eq!(code, 2);
    assert!(out["error"].as_str().unwrap().contains("not an http:// or https:// URL"), "{out}");
}

/// Over TLS: the same verdicts, a certificate checked against Mozilla's roots and `--cacert`, and mixed
/// content refused as the browser refuses it, before any CORS check.
#[tokio::test]
async fn check_judges_an_https_server_and_refuses_mixed_content() {
    // The TLS client the binary finds beside it, built from the current source (the first `check https://`
    // would build it when missing, but not rebuild an old one).
    crate::tls_pipe::program().await;
    let (port, seen) = tls_server::server().await;
    let ca = tls_server::ca_file();
    let url = |path: &str| format!("https://localhost:{port}{path}");
    const SECURE_PAGE: &str = "https://app.example";

    let (code, out) = check(&[&url("/star"), "--origin", SECURE_PAGE, "--cacert", &ca]).await;
    assert_eq!((code, &out["allowed"]), (0, &Value::Bool(true)), "{out}");
    let (code, out) = check(&[&url("/mismatch"), "--origin", SECURE_PAGE, "--cacert", &ca]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out["chromium_message"],
        format!(
            "Access to fetch at '{}' from origin '{SECURE_PAGE}' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://yoursite.com' that is not equal to the supplied origin. Have the server send the header with a valid value.",
            url("/mismatch")
        )
    );
    // A failed preflight over TLS: only the OPTIONS reached the server.
    let before = seen.lock().unwrap().len();
    let (code, out) =
        check(&[&url("/preflight-404"), "--origin", SECURE_PAGE, "-X", "PUT", "--cacert", &ca]).await;
    assert_eq!((code, out["preflight"].clone()), (1, Value::Bool(true)), "{out}");
    assert_eq!(
        seen.lock().unwrap()[before..].iter().map(|(m, _, _)| m.as_str()).collect::<Vec<_>>(),
        ["OPTIONS"]
    );

    // The test authority is not one of Mozilla's: without --cacert, no verdict, and a sentence saying why.
    let (code, out) = check(&[&url("/star"), "--origin", SECURE_PAGE]).await;
    assert_eq!(code, 2, "{out}");
    let error = out["error"].as_str().unwrap();
    assert!(error.contains("cannot make a TLS connection") && error.contains("--cacert"), "{error}");
    let (code, out) = check(&[&url("/star"), "--origin", SECURE_PAGE, "--cacert", "/nonexistent.pem"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out["error"].as_str().unwrap().contains("--cacert /nonexistent.pem: cannot read it"), "{out}");

    // An https page cannot fetch http from another machine: every engine blocks it as mixed content,
    // before anything is sent (so the name need not even resolve).
    let (code, out) = check(&["http://api.example/data", "--origin", SECURE_PAGE]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["exchanges"], Value::Array(Vec::new()), "nothing is sent: {out}");
    assert_eq!(
        out["firefox_message"], "Blocked loading mixed active content “http://api.example/data”",
        "{out}"
    );
    assert!(out["chromium_message"].as_str().unwrap().starts_with("Mixed Content: The page at"), "{out}");
    // This machine's http is potentially trustworthy to Chromium and Firefox; WebKit blocks it (measured,
    // docs/local-network-access.md).
    let (plain, _) = fixed_server::server().await;
    let loopback = format!("http://127.0.0.1:{plain}/star");
    let (code, out) = check(&[&loopback, "--origin", SECURE_PAGE]).await;
    assert_eq!(code, 0, "loopback http is potentially trustworthy: {out}");
    let (code, out) = check(&[&loopback, "--origin", SECURE_PAGE, "--engine", "webkit"]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["webkit_messages"][1], "Not allowed to request resource", "{out}");
}

/// Local Network Access: a public page (`https://app.example.com`, or any page said to be public) reaching
/// this machine. Denied, Chromium refuses before anything is sent, with its line; granted, the request goes
/// out as usual; prompting, the verdict is the allowed one and says what a refusal prints; a wrong
/// `targetAddressSpace` is refused first (docs/local-network-access.md; lines in tests/fixtures/lna-lines.json).
#[tokio::test]
async fn check_knows_local_network_access() {
    let (port, seen) = fixed_server::server().await;
    let url = format!("http://127.0.0.1:{port}/star");
    const PUBLIC_PAGE: &str = "https://app.example.com";
    let denied_line = format!(
        "Access to fetch at '{url}' from origin '{PUBLIC_PAGE}' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space."
    );

    let before = seen.lock().unwrap().len();
    let (code, out) = check(&[&url, "--origin", PUBLIC_PAGE, "--lna-permission", "denied"]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["chromium_message"], denied_line.as_str(), "{out}");
    assert_eq!(out["failed_check"], "LocalNetworkAccessPermissionDenied", "{out}");
    assert_eq!(seen.lock().unwrap().len(), before, "a refused request never reaches the server");
    assert_eq!(out["local_network_access"]["permission"], "loopback-network", "{out}");

    let (code, out) = check(&[&url, "--origin", PUBLIC_PAGE, "--lna-permission", "granted"]).await;
    assert_eq!((code, &out["allowed"]), (0, &Value::Bool(true)), "{out}");
    assert_eq!(seen.lock().unwrap().len(), before + 1, "granted, the request goes out");

    let (code, out) = check(&[&url, "--origin", PUBLIC_PAGE]).await;
    assert_eq!(code, 0, "prompting: allowed if the user allows it: {out}");
    assert_eq!(out["local_network_access"]["state"], "prompt", "{out}");
    assert_eq!(out["local_network_access"]["chromium_if_refused"][0], denied_line.as_str(), "{out}");

    // A loopback page needs no permission; but Chromium checks a declared space first.
    let (code, _) = check(&[&url, "--origin", "http://localhost:5555", "--lna-permission", "denied"]).await;
    assert_eq!(code, 0);
    let (code, out) =
        check(&[&url, "--origin", "http://localhost:5555", "--target-address-space", "local"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out["chromium_message"]
            .as_str()
            .unwrap()
            .ends_with("Request had a target IP address space of `local` yet the resource is in address space `loopback`."),
        "{out}"
    );
    // Said to be public (a page served with treat-as-public-address), a loopback page is gated too; WebKit
    // has no Local Network Access.
    let args = [
        &url,
        "--origin",
        "http://127.0.0.1:18080",
        "--page-address-space",
        "public",
        "--lna-permission",
        "denied",
    ];
    let (code, _) = check(&args).await;
    assert_eq!(code, 1);
    let (code, out) = check(&[&args[..], &["--engine", "webkit"]].concat()).await;
    assert_eq!(code, 0, "WebKit sends it: {out}");
}

/// A 500 without CORS headers is the server's error, not its CORS policy: `check` says so first, in its
/// text and in its JSON, with the usual causes. A 200 without them is CORS's, and says nothing of it.
#[tokio::test]
async fn an_error_without_cors_headers_is_said_to_be_no_cors_problem_first() {
    let (port, _) = fixed_server::server().await;
    let url = format!("http://127.0.0.1:{port}/error-500");
    let (code, out) = check(&[&url, "--origin", ORIGIN]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out["not_cors"]["headline"],
        "Your server answered 500 without CORS headers: fix that answer, not the CORS policy."
    );
    assert!(out["not_cors"]["causes"][0].as_str().unwrap().starts_with("an error handler outside the CORS"));
    let text = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .args(["check", &url, "--origin", ORIGIN])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.starts_with(
            "Your server answered 500 without CORS headers: fix that answer, not the CORS policy.\n"
        ),
        "{text}"
    );
    let (_, out) = check(&[&format!("http://127.0.0.1:{port}/mismatch"), "--origin", ORIGIN]).await;
    assert_eq!(out["not_cors"], Value::Null);
}
