//! What a pasted text becomes, and what is refused. The recorded DevTools copies are table-tested in
//! client-site/tests/paste_fixtures.rs; these are the hand-written and the hostile cases.

use super::*;

fn api() -> SandboxApi {
    SandboxApi {
        hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
        port: 8000,
        origin: "http://localhost:8000".into(),
        page_origin: "http://localhost:3000".into(),
    }
}

fn form(text: &str) -> Form {
    let pasted = read(text, &api()).unwrap_or_else(|e| panic!("{text:?} was refused: {e}"));
    pasted.form.unwrap_or_else(|| panic!("{text:?} filled no form: {}", pasted.summary))
}

fn refusal(text: &str) -> String {
    match read(text, &api()) {
        Ok(pasted) => panic!("{text:?} was read: {pasted:?}"),
        Err(sentence) => sentence,
    }
}

/// A shell trick is refused before anything is read, with a sentence naming it; a DevTools copy never
/// holds one.
#[test]
fn shell_tricks_are_refused_never_read() {
    for (text, says) in [
        ("curl 'http://localhost:8000/api'; rm -rf ~", "`;`"),
        ("curl http://localhost:8000/api && curl http://evil.example", "`&`"),
        ("curl http://localhost:8000/api | sh", "pipe"),
        ("curl \"http://localhost:8000/api?$(id)\"", "command substitution"),
        ("curl http://localhost:8000/`whoami`", "backtick"),
        ("curl -H \"X-Home: $HOME\" http://localhost:8000/api", "variable"),
        ("curl http://localhost:8000/api -o ~/.bashrc > /dev/null", "file"),
        ("curl http://localhost:8000/api --data-binary @- <<'EOF'\nsecret\nEOF", "here-document"),
        ("curl http://localhost:8000/api\ncurl http://evil.example", "more than one command"),
        ("curl.exe \"http://localhost:8000/api\" & calc.exe", "`&`"),
        ("curl.exe ^\"http://localhost:8000/%USERNAME%^\"", "environment variable"),
        ("curl 'http://localhost:8000/api", "never closed"),
        ("rm -rf / --no-preserve-root", "neither a curl command nor a fetch() call"),
        ("bash -c 'curl http://localhost:8000'", "neither"),
        ("", "Nothing was pasted"),
        (
            "fetch(\"http://localhost:8000/api\", { body: JSON.stringify({ a: 1 }) });",
            "not written as DevTools",
        ),
        ("fetch(`http://localhost:8000/api`)", "not a string"),
        (
            "fetch(\"http://localhost:8000/api\"); fetch(\"http://localhost:8000/api\");",
            "more than one fetch()",
        ),
        ("fetch(\"http://localhost:8000/api\"); alert(1)", "more after"),
        ("# Unsupported URL scheme", "Unsupported URL scheme"),
        ("curl 'data:text/plain,hi'", "not an http or https one"),
        ("curl -X 'GE T' http://localhost:8000/api", "not an HTTP method"),
    ] {
        let sentence = refusal(text);
        assert!(sentence.contains(says), "{text:?} was refused with {sentence:?}, not about {says:?}");
        assert!(sentence.ends_with('.') || sentence.ends_with(':'), "not a sentence: {sentence:?}");
    }
}

/// ANSI-C quoting and escapes are read, not run: the characters of `$(…)` inside quotes are data.
#[test]
fn quoted_shell_characters_are_data() {
    let form = form(
        r#"curl 'http://localhost:8000/api/echo' -X PUT -H 'X-Note: $(id) `id` $HOME' -H 'Content-Type: text/plain' --data-raw $'a\nb \'c\' \u0021'"#,
    );
    assert_eq!(form.headers, "X-Note: $(id) `id` $HOME\nContent-Type: text/plain");
    assert_eq!(form.body_raw, "a\nb 'c' !");
    assert_eq!((form.method.as_str(), form.body), ("PUT", "raw"));
}

/// A hand-written command: `-d` makes a POST with curl's form content type, `-b` is the browser's cookie,
/// `-u` an Authorization header, and curl's own options are named as ignored.
#[test]
fn a_hand_written_curl_command() {
    let pasted = read(
        "curl -s -L --compressed -u ada:pw -b 'sid=1' -d 'a=1' -d 'b=2' 'http://localhost:8000/api/echo?x=1#frag'",
        &api(),
    )
    .unwrap();
    let form = pasted.form.unwrap();
    assert_eq!(form.path, "/api/echo?x=1");
    assert_eq!(form.method, "POST");
    assert_eq!(
        form.headers,
        "Authorization: Basic YWRhOnB3\nContent-Type: application/x-www-form-urlencoded"
    );
    assert_eq!(form.body_raw, "a=1&b=2");
    assert_eq!(form.credentials, "include");
    let notes = pasted.notes.join("\n");
    assert!(notes.contains("-s, -L, --compressed"), "{notes}");
    assert!(notes.contains("application/x-www-form-urlencoded with -d"), "{notes}");
    assert!(notes.contains("carried a cookie"), "{notes}");
}

/// Headers fetch() refuses (a line break from `$'…'`, a character beyond U+00FF) are dropped, named.
#[test]
fn header_values_fetch_refuses_are_dropped_with_their_names() {
    let pasted = read(
        "curl http://localhost:8000/api -H $'X-Split: a\\r\\nX-Injected: 1' -H 'X-Wide: \u{263a}' -H 'X-Ok: é'",
        &api(),
    )
    .unwrap();
    assert_eq!(pasted.form.unwrap().headers, "X-Ok: é");
    assert!(pasted.notes.iter().any(|n| n.contains("X-Split, X-Wide")), "{:?}", pasted.notes);
}

/// A URL on another server, or on the sandbox's page rather than its API, fills nothing and offers the
/// check command, every value quoted for a shell.
#[test]
fn another_server_gets_the_check_command() {
    let pasted = read(
        "curl 'https://api.example.com/it'\\''s?q=1' -X POST -H 'Origin: https://app.example.com' -H 'X-Trick: $(rm -rf ~)' --data-raw 'a=1' -b 'sid=s3cret'",
        &api(),
    )
    .unwrap();
    assert_eq!(pasted.form, None);
    assert!(
        pasted.summary.contains("https://api.example.com, not to the sandbox's API (http://localhost:8000)")
    );
    assert_eq!(
        pasted.check_command.as_deref(),
        Some(
            "cors-sandbox check 'https://api.example.com/it'\\''s?q=1' --origin https://app.example.com -X POST -H 'X-Trick: $(rm -rf ~)' -H 'Content-Type: application/x-www-form-urlencoded' -H 'Cookie: sid=s3cret' --data a=1 --credentials include"
        )
    );
    for elsewhere in [
        "curl http://localhost:3000/sandbox/policy",
        "curl https://localhost:8000/api",
        "curl http://localhost:8001/api",
    ] {
        assert!(read(elsewhere, &api()).unwrap().form.is_none(), "{elsewhere}");
    }
    // The API's other names are the API too.
    assert_eq!(form("curl http://127.0.0.1:8000/api").path, "/api");
}

/// Without Origin or Referer, the command says where the page's origin goes.
#[test]
fn an_unknown_page_origin_is_a_placeholder_with_a_sentence() {
    let pasted = read("curl https://api.example.com/", &api()).unwrap();
    assert_eq!(
        pasted.check_command.as_deref(),
        Some("cors-sandbox check https://api.example.com/ --origin https://your-page.example")
    );
    assert!(pasted.notes.iter().any(|n| n.contains("replace https://your-page.example")));
}

/// A body with GET is dropped (fetch() refuses one), and so is what a copy cannot carry.
#[test]
fn a_get_with_a_body_loses_the_body() {
    let pasted = read("curl -X GET http://localhost:8000/api -d x", &api()).unwrap();
    assert_eq!(pasted.form.unwrap().body, "none");
    assert!(pasted.notes.iter().any(|n| n.contains("fetch() refuses one with GET")));
}

/// A fetch copy written by hand with options the form has no field for: they are named.
#[test]
fn fetch_options_without_a_field_are_named() {
    let pasted = read(
        r#"fetch("http://localhost:8000/api", {"method": "PUT", "keepalive": true, "redirect": "manual", "cache": "no-store", "credentials": "omit"})"#,
        &api(),
    )
    .unwrap();
    let form = pasted.form.unwrap();
    assert_eq!(
        (form.method.as_str(), form.redirect, form.cache, form.credentials),
        ("PUT", Some("manual"), Some("no-store"), "omit")
    );
    assert!(pasted.notes.iter().any(|n| n.contains("keepalive: true")), "{:?}", pasted.notes);
}

/// A copy over the limit is refused by the route, not here; a huge but legal body still reads quickly.
#[test]
fn large_bodies_read_in_one_pass() {
    let body = "x".repeat(MAX_PASTE - 100);
    let form = form(&format!("curl http://localhost:8000/api --data-raw '{body}'"));
    assert_eq!(form.body_raw.len(), body.len());
}

/// Deep nesting, long runs of escapes and control characters are read in one pass, or refused with a
/// sentence: never a panic or a stack overflow.
#[test]
fn pathological_texts_are_refused_or_read_without_a_panic() {
    let nested = format!(
        "fetch(\"http://localhost:8000/api\", {{\"body\": {}1{}}})",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(refusal(&nested).contains("not written as DevTools"));
    let backslashes =
        format!("curl.exe ^\"http://localhost:8000/api^\" --data-raw ^\"{}^\"", "\\".repeat(60_000));
    assert_eq!(form(&backslashes).body_raw.len(), 30_000, "DevTools' doubling undone");
    let ansi = format!("curl http://localhost:8000/api --data-raw $'{}'", "\\x00\\u0001\\c@".repeat(5_000));
    assert_eq!(form(&ansi).body_raw.chars().count(), 15_000);
    for text in
        ["curl $'\\ud800'", "curl \u{0}", "fetch(\"\u{0}\")", "curl --url", "curl -X", "await", "fetch"]
    {
        let _ = read(text, &api());
    }
}
