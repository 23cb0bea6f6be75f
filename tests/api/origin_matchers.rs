//! The attacker's presets over real sockets: what `Access-Control-Allow-Origin` the API sends each origin
//! under each of them, on actual answers and preflights; the origin matcher through the control API; and
//! `/api/account`, the secret they guard.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::*;

/// The attacker's site, the same site under a lookalike name, another site, and a sandboxed iframe.
const ATTACKER: &str = "http://localhost:4000";
const LOOKALIKE: &str = "http://localhost.evil.localhost:4000";
const OTHER_SITE: &str = "http://evil.localhost:4000";
const SANDBOXED_IFRAME: &str = "null";

/// Applies the named policy `id` as the lab does: `PUT /sandbox/policy` with the preset's `policy`.
async fn apply_preset(sandbox: &Sandbox, id: &str) -> Value {
    let presets = sandbox.get_json("/sandbox/presets").await;
    let preset =
        presets.as_array().unwrap().iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("no {id}"));
    let (status, policy) = sandbox.send_policy(Method::PUT, &preset["policy"].to_string()).await;
    assert_eq!(status, StatusCode::OK, "{id}: {policy}");
    policy
}

/// Every `Access-Control-Allow-Origin` line of an answer.
fn allow_origin_lines(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// A preflight for a `PUT` to `/api` from `origin`.
async fn preflight_from(sandbox: &Sandbox, origin: &str) -> reqwest::Response {
    sandbox
        .http
        .request(Method::OPTIONS, format!("{}/api", sandbox.api))
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap()
}

/// Each preset echoes exactly the origins its matcher accepts — the broken ones the attacker's too —
/// byte for byte, on the actual answer and the preflight alike, and sends no `Access-Control-Allow-Origin`
/// to the others; `Allow-Credentials: true` goes to everyone.
#[tokio::test]
async fn each_attackers_preset_echoes_the_origins_it_admits_and_no_others() {
    let sandbox = spawn_sandbox().await;
    let page = sandbox.site.clone();
    let origins = [page.as_str(), ATTACKER, LOOKALIKE, OTHER_SITE, SANDBOXED_IFRAME];
    for (id, admitted) in [
        ("reflect-origin-credentials", [true, true, true, true, true]),
        ("trust-null", [true, false, false, false, true]),
        ("allowlist-prefix", [true, true, true, false, false]),
        ("allowlist-regex", [true, true, true, false, false]),
        ("allowlist-correct", [true, false, false, false, false]),
    ] {
        apply_preset(&sandbox, id).await;
        for (origin, admitted) in origins.iter().zip(admitted) {
            let expected: Vec<String> = if admitted { vec![origin.to_string()] } else { vec![] };
            let actual = sandbox.fetch_api_from(origin).await;
            assert_eq!(allow_origin_lines(&actual), expected, "{id}, GET from {origin}");
            assert_eq!(actual.headers()["access-control-allow-credentials"], "true", "{id}, {origin}");
            let preflight = preflight_from(&sandbox, origin).await;
            assert_eq!(allow_origin_lines(&preflight), expected, "{id}, preflight from {origin}");
        }
    }
    sandbox.stop().await;
}

/// Only the correct allowlist sends `Vary: Origin`, on both kinds of answer: the others' answers differ
/// per `Origin` too, and a shared cache could hand one origin's to another.
#[tokio::test]
async fn the_correct_allowlist_sends_vary_origin() {
    let sandbox = spawn_sandbox().await;
    apply_preset(&sandbox, "allowlist-correct").await;
    assert_eq!(sandbox.fetch_api_from(&sandbox.site).await.headers()["vary"], "Origin");
    assert_eq!(preflight_from(&sandbox, ATTACKER).await.headers()["vary"], "Origin");
    apply_preset(&sandbox, "allowlist-prefix").await;
    assert!(sandbox.fetch_api_from(&sandbox.site).await.headers().get("vary").is_none());
    sandbox.stop().await;
}

/// The control API shows the matcher with its code and what it sends, says that `allow_origin` is not
/// sent, and takes its own answer back whole.
#[tokio::test]
async fn the_policy_shows_the_matcher_and_takes_it_back_as_shown() {
    let sandbox = spawn_sandbox().await;
    let applied = apply_preset(&sandbox, "allowlist-regex").await;
    let policy = sandbox.policy().await;
    assert_eq!(policy, applied);
    assert_eq!(policy["allow_origin"], "https://yoursite.com");
    let matcher = &policy["origin_matcher"];
    assert_eq!(matcher["kind"], "regex");
    assert_eq!(matcher["pattern"], r"^http://localhost(:\d+)?");
    assert_eq!(matcher["code"], r"origin: /^http:\/\/localhost(:\d+)?/");
    assert!(matcher["sends"].as_str().unwrap().contains("allow_origin is kept but not sent"), "{matcher}");
    let (status, again) = sandbox.send_policy(Method::PUT, &policy.to_string()).await;
    assert_eq!((status, again), (StatusCode::OK, policy));
    // The article's header is not sent, even to a request without an `Origin` (curl).
    let curl = sandbox.http.get(format!("{}/api", sandbox.api)).send().await.unwrap();
    assert!(allow_origin_lines(&curl).is_empty());
    sandbox.stop().await;
}

/// A matcher that is not one gets a 422 with one sentence, and the policy stays as it was.
#[tokio::test]
async fn a_bad_matcher_is_a_422_sentence_and_changes_nothing() {
    let sandbox = spawn_sandbox().await;
    let before = apply_preset(&sandbox, "trust-null").await;
    for (body, expected) in [
        (json!({ "origin_matcher": { "kind": "wildcard" } }), "`origin_matcher.kind` must be one of"),
        (json!({ "origin_matcher": { "kind": "suffix" } }), "needs `value`"),
        (
            json!({ "origin_matcher": { "kind": "prefix", "value": ["http://localhost"] } }),
            "must be a string",
        ),
        (json!({ "origin_matcher": { "kind": "exact", "origins": [] } }), "is empty"),
        (json!({ "origin_matcher": { "kind": "exact", "origins": ["localhost:3000"] } }), "is not an origin"),
        (json!({ "origin_matcher": { "kind": "regex", "pattern": "^(http" } }), "not a regular expression"),
    ] {
        let (status, answer) = sandbox.send_policy(Method::PATCH, &body.to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let sentence = answer["error"].as_str().unwrap();
        assert!(sentence.contains(expected) && sentence.ends_with('.'), "{body}: {sentence}");
        assert_eq!(sandbox.policy().await, before, "{body}");
    }
    sandbox.stop().await;
}

/// The named policies list their matcher's code, as a real express server would have written it.
#[tokio::test]
async fn the_presets_list_their_matchers_code() {
    let sandbox = spawn_sandbox().await;
    let presets = sandbox.get_json("/sandbox/presets").await;
    let code = |id: &str| presets.as_array().unwrap().iter().find(|p| p["id"] == id).unwrap()["code"].clone();
    assert_eq!(code("reflect-origin-credentials"), "origin: true");
    assert_eq!(code("allowlist-correct"), json!(format!("origin: [\"{}\"]", sandbox.site)));
    assert_eq!(code("article"), Value::Null);
    sandbox.stop().await;
}

/// `/api/account` is a 401 with a sentence without the login cookie, and the secret with it — the same
/// secret each time.
#[tokio::test]
async fn the_account_needs_the_login_cookie() {
    let sandbox = spawn_sandbox().await;
    let account = format!("{}/api/account", sandbox.api);
    let without = sandbox.http.get(&account).header("origin", &sandbox.site).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
    let sentence = without.json::<Value>().await.unwrap()["error"].as_str().unwrap().to_owned();
    assert!(sentence.contains("log in first, at /api/login"), "{sentence}");

    let login = sandbox.http.post(format!("{}/api/login", sandbox.api)).send().await.unwrap();
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let mut secrets = Vec::new();
    for _ in 0..2 {
        let with = sandbox.http.get(&account).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(with.status(), StatusCode::OK);
        let body: Value = with.json().await.unwrap();
        assert_eq!(body["user"], "learner");
        secrets.push(body["secret"].as_str().unwrap().to_owned());
    }
    assert_eq!(secrets[0], secrets[1]);
    assert_eq!(secrets[0].len(), 32);
    sandbox.stop().await;
}

/// Under the correct allowlist the API still answers the attacker's credentialed request, secret and all:
/// only the missing `Access-Control-Allow-Origin` keeps the attacker's script from reading it. Under a
/// broken one the same answer carries the attacker's origin.
#[tokio::test]
async fn the_policy_decides_who_may_read_the_account_not_who_gets_an_answer() {
    let sandbox = spawn_sandbox().await;
    let login = sandbox.http.post(format!("{}/api/login", sandbox.api)).send().await.unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let steal = || {
        sandbox
            .http
            .get(format!("{}/api/account", sandbox.api))
            .header("origin", LOOKALIKE)
            .header("cookie", &cookie)
            .send()
    };
    apply_preset(&sandbox, "allowlist-correct").await;
    let refused = steal().await.unwrap();
    assert!(allow_origin_lines(&refused).is_empty());
    assert_eq!(refused.status(), StatusCode::OK);
    assert!(refused.json::<Value>().await.unwrap()["secret"].is_string());
    apply_preset(&sandbox, "allowlist-prefix").await;
    assert_eq!(allow_origin_lines(&steal().await.unwrap()), [LOOKALIKE]);
    sandbox.stop().await;
}

/// The attacker lesson ticks from the API's log, part by part, as the other site's requests arrive: the
/// secret read under each broken policy, refused under the correct one, and the blocked write that ran.
#[tokio::test]
async fn the_attacker_lesson_ticks_from_the_other_sites_requests() {
    let sandbox = spawn_sandbox().await;
    let login = sandbox.http.post(format!("{}/api/login?samesite=none", sandbox.api)).send().await.unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let attack = |method: Method, path: &'static str, origin: &'static str| {
        let request = sandbox
            .http
            .request(method, format!("{}{path}", sandbox.api))
            .header("origin", origin)
            .header("sec-fetch-mode", "cors")
            .header("cookie", &cookie);
        async move { request.send().await.unwrap().status() }
    };
    let parts = |lessons: &Value| -> Vec<bool> {
        let lesson =
            lessons["lessons"].as_array().unwrap().iter().find(|l| l["id"] == "be-the-attacker").unwrap();
        lesson["parts"].as_array().unwrap().iter().map(|p| p["seen"] == true).collect()
    };
    let wait_for = |want: [bool; 5]| {
        let sandbox = &sandbox;
        async move {
            for _ in 0..100 {
                let seen = parts(&sandbox.get_json("/sandbox/lessons").await);
                if seen == want {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            panic!(
                "the attacker lesson's parts never became {want:?}: {:?}",
                parts(&sandbox.get_json("/sandbox/lessons").await)
            );
        }
    };
    // A read the policy refuses ticks nothing under a broken policy.
    apply_preset(&sandbox, "reflect-origin-credentials").await;
    assert_eq!(attack(Method::GET, "/api/account", ATTACKER).await, StatusCode::OK);
    wait_for([true, false, false, false, false]).await;
    apply_preset(&sandbox, "trust-null").await;
    attack(Method::GET, "/api/account", ATTACKER).await; // refused: not the null part
    attack(Method::GET, "/api/account", SANDBOXED_IFRAME).await;
    wait_for([true, true, false, false, false]).await;
    apply_preset(&sandbox, "allowlist-regex").await;
    attack(Method::GET, "/api/account", LOOKALIKE).await;
    wait_for([true, true, true, false, false]).await;
    apply_preset(&sandbox, "allowlist-correct").await;
    attack(Method::GET, "/api/account", OTHER_SITE).await;
    wait_for([true, true, true, true, false]).await;
    assert_eq!(attack(Method::POST, "/api/counter", ATTACKER).await, StatusCode::OK);
    wait_for([true, true, true, true, true]).await;
    sandbox.stop().await;
}

/// `cors-sandbox check --scan` finds what each attacker preset lets through, and nothing under the
/// correct allowlist.
#[tokio::test]
async fn check_scan_finds_what_each_broken_policy_lets_in() {
    let sandbox = spawn_sandbox().await;
    let scan = |sandbox_api: String, origin: String| async move {
        tokio::task::spawn_blocking(move || {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
                .args([
                    "check",
                    &format!("{sandbox_api}/api/account"),
                    "--origin",
                    &origin,
                    "--scan",
                    "--json",
                ])
                .output()
                .unwrap();
            let out: Value = serde_json::from_slice(&output.stdout).unwrap();
            out["scan"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["with_credentials"] == true)
                .map(|p| p["kind"].as_str().unwrap().to_owned())
                .collect::<Vec<String>>()
        })
        .await
        .unwrap()
    };
    let cases: [(&str, &[&str]); 4] = [
        (
            "reflect-origin-credentials",
            &[
                "any origin",
                "null",
                "prefix: your host, then more",
                "suffix: more, then your host",
                "a subdomain of your host",
                "the other scheme",
                "substring: part of your host",
            ],
        ),
        ("trust-null", &["null"]),
        ("allowlist-prefix", &["prefix: your host, then more"]),
        ("allowlist-correct", &[]),
    ];
    for (preset, accepted) in cases {
        apply_preset(&sandbox, preset).await;
        let found = scan(sandbox.api.clone(), sandbox.site.clone()).await;
        assert_eq!(found, accepted, "{preset}");
    }
    sandbox.stop().await;
}

/// When `--scan` finds any origin echoed with credentials, it names the framework settings that commonly
/// do that (the lab's framework presets); an allowlist that echoes only `null` gets no such sentence.
#[tokio::test]
async fn check_scan_names_the_framework_settings_that_reflect_every_origin() {
    let sandbox = spawn_sandbox().await;
    let scan = |api: String, origin: String| async move {
        tokio::task::spawn_blocking(move || {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
                .args(["check", &format!("{api}/api/account"), "--origin", &origin, "--scan"])
                .output()
                .unwrap();
            String::from_utf8_lossy(&output.stdout).into_owned()
        })
        .await
        .unwrap()
    };
    apply_preset(&sandbox, "django-allow-all-credentials").await;
    let text = scan(sandbox.api.clone(), sandbox.site.clone()).await;
    assert!(text.contains("most often one line of framework configuration"), "{text}");
    assert!(text.contains("CORS_ALLOW_ALL_ORIGINS = True and CORS_ALLOW_CREDENTIALS = True"), "{text}");
    assert!(text.contains("allow_origins=[\"*\"], allow_credentials=True"), "{text}");
    apply_preset(&sandbox, "trust-null").await;
    let text = scan(sandbox.api.clone(), sandbox.site.clone()).await;
    assert!(!text.contains("framework configuration"), "{text}");
    sandbox.stop().await;
}
