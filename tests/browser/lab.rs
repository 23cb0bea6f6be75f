//! The request lab in Chromium: request/policy scenarios covering every check of the CORS algorithm, each
//! run through the lab's own `sandbox.send()`, asserting that the browser model's verdict equals what
//! Chromium did (read or blocked, preflight sent or not, which headers JavaScript could read) and that its
//! predicted console line equals the one Chromium printed.

use serde_json::{Value, json};

use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

/// One scenario: a policy, a request, and what a developer should expect of it.
pub struct Scenario {
    pub name: &'static str,
    /// The whole policy (`PUT /sandbox/policy`); `{origin}` is the lab page's origin.
    pub policy: &'static str,
    pub path: &'static str,
    /// The `fetch()` init, as JavaScript.
    pub init: &'static str,
    /// Whether `fetch()` should resolve.
    pub allowed: bool,
    /// A piece of Chromium's console line, when blocked.
    pub says: Option<&'static str>,
}

const fn s(
    name: &'static str,
    policy: &'static str,
    path: &'static str,
    init: &'static str,
    allowed: bool,
    says: Option<&'static str>,
) -> Scenario {
    Scenario { name, policy, path, init, allowed, says }
}

const STAR: &str = r#"{"allow_origin": "*"}"#;

/// The scenarios; every check of `docs/cors-checks.md` fails in at least one of them.
pub const SCENARIOS: &[Scenario] = &[
    // C. The CORS check on a simple response.
    s("article's policy: mismatch", r#"{}"#, "/api", "{}", false, Some("not equal to the supplied origin")),
    s(
        "no Allow-Origin",
        r#"{"allow_origin": null}"#,
        "/api",
        "{}",
        false,
        Some("No 'Access-Control-Allow-Origin' header"),
    ),
    s("Allow-Origin *", STAR, "/api", "{}", true, None),
    s("the exact origin", r#"{"allow_origin": "{origin}"}"#, "/api", "{}", true, None),
    s(
        "a trailing slash",
        r#"{"allow_origin": "{origin}/"}"#,
        "/api",
        "{}",
        false,
        Some("not equal to the supplied origin"),
    ),
    s(
        "two origins in one header",
        r#"{"allow_origin": "{origin}, https://yoursite.com"}"#,
        "/api",
        "{}",
        false,
        Some("contains multiple values"),
    ),
    s(
        "an empty value",
        r#"{"allow_origin": ""}"#,
        "/api",
        "{}",
        false,
        Some("contains the invalid value ''"),
    ),
    s("the value null", r#"{"allow_origin": "null"}"#, "/api", "{}", false, Some("has a value 'null'")),
    // Credentials.
    s(
        "* with credentials",
        r#"{"allow_origin": "*", "allow_credentials": "true"}"#,
        "/api",
        "{credentials: 'include'}",
        false,
        Some("must not be the wildcard '*'"),
    ),
    s(
        "credentials without Allow-Credentials",
        r#"{"allow_origin": "{origin}"}"#,
        "/api",
        "{credentials: 'include'}",
        false,
        Some("is '' which must be 'true'"),
    ),
    s(
        "Allow-Credentials: TRUE",
        r#"{"allow_origin": "{origin}", "allow_credentials": "TRUE"}"#,
        "/api",
        "{credentials: 'include'}",
        false,
        Some("is 'TRUE' which must be 'true'"),
    ),
    s(
        "a correct credentialed request",
        r#"{"allow_origin": "{origin}", "allow_credentials": "true"}"#,
        "/api/whoami",
        "{credentials: 'include'}",
        true,
        None,
    ),
    s(
        "omit ignores Allow-Credentials",
        r#"{"allow_origin": "*", "allow_credentials": "true"}"#,
        "/api",
        "{credentials: 'omit'}",
        true,
        None,
    ),
    // D. Exposure.
    s("custom headers unexposed", STAR, "/api/headers", "{}", true, None),
    s(
        "Expose-Headers names one",
        r#"{"allow_origin": "*", "expose_headers": "X-Request-Id"}"#,
        "/api/headers",
        "{}",
        true,
        None,
    ),
    s(
        "Expose-Headers *",
        r#"{"allow_origin": "*", "expose_headers": "*"}"#,
        "/api/headers",
        "{}",
        true,
        None,
    ),
    s(
        "Expose-Headers * with credentials",
        r#"{"allow_origin": "{origin}", "allow_credentials": "true", "expose_headers": "*"}"#,
        "/api/headers",
        "{credentials: 'include'}",
        true,
        None,
    ),
    s(
        "Set-Cookie is never exposed",
        r#"{"allow_origin": "*", "expose_headers": "*"}"#,
        "/api/login",
        "{}",
        true,
        None,
    ),
    // Error statuses.
    s("a 500 with CORS headers", STAR, "/api/error?cors=yes", "{}", true, None),
    s(
        "a 500 without CORS headers",
        STAR,
        "/api/error?cors=no",
        "{}",
        false,
        Some("No 'Access-Control-Allow-Origin' header"),
    ),
    // A. Is a preflight needed?
    s("POST text: no preflight", STAR, "/api/echo", "{method: 'POST', body: 'hello'}", true, None),
    s(
        "POST form: no preflight",
        STAR,
        "/api/echo",
        "{method: 'POST', body: new URLSearchParams({a: '1'})}",
        true,
        None,
    ),
    s(
        "safelisted headers: no preflight",
        STAR,
        "/api",
        "{headers: {'Accept-Language': 'de', 'Content-Language': 'fr'}}",
        true,
        None,
    ),
    s(
        "a blocked POST still ran",
        r#"{}"#,
        "/api/counter",
        "{method: 'POST', body: 'x'}",
        false,
        Some("not equal to the supplied origin"),
    ),
    s(
        "text/plain; application/json: no preflight",
        STAR,
        "/api/echo",
        "{method: 'POST', headers: {'Content-Type': 'text/plain; application/json'}, body: '{}'}",
        true,
        None,
    ),
    s(
        "a safelisted name with an unsafe value",
        STAR,
        "/api",
        "{headers: {'Content-Language': 'fr (x)'}}",
        false,
        Some("Request header field content-language is not allowed"),
    ),
    s(
        "mode same-origin to another origin",
        STAR,
        "/api",
        "{mode: 'same-origin'}",
        false,
        Some("Request mode is \"same-origin\""),
    ),
    // B. The preflight.
    s(
        "JSON POST: content-type refused",
        STAR,
        "/api/echo",
        "{method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}",
        false,
        Some("Request header field content-type is not allowed"),
    ),
    s(
        "JSON POST allowed",
        r#"{"allow_origin": "*", "allow_headers": "Content-Type"}"#,
        "/api/echo",
        "{method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}",
        true,
        None,
    ),
    s(
        "PUT not in Allow-Methods",
        r#"{"allow_origin": "*", "allow_methods": "GET, POST"}"#,
        "/api",
        "{method: 'PUT', body: 'x'}",
        false,
        Some("Method PUT is not allowed"),
    ),
    s(
        "PUT allowed",
        r#"{"allow_origin": "*", "allow_methods": "PUT"}"#,
        "/api",
        "{method: 'PUT', body: 'x'}",
        true,
        None,
    ),
    s(
        "Allow-Methods * without credentials",
        r#"{"allow_origin": "*", "allow_methods": "*"}"#,
        "/api",
        "{method: 'DELETE'}",
        true,
        None,
    ),
    s(
        "Allow-Methods * with credentials",
        r#"{"allow_origin": "{origin}", "allow_credentials": "true", "allow_methods": "*"}"#,
        "/api",
        "{method: 'DELETE', credentials: 'include'}",
        false,
        Some("Method DELETE is not allowed"),
    ),
    s(
        "Allow-Headers * without credentials",
        r#"{"allow_origin": "*", "allow_headers": "*"}"#,
        "/api",
        "{headers: {'X-Api-Key': 'k1'}}",
        true,
        None,
    ),
    s(
        "Allow-Headers * with credentials",
        r#"{"allow_origin": "{origin}", "allow_credentials": "true", "allow_headers": "*"}"#,
        "/api",
        "{headers: {'X-Api-Key': 'k1'}, credentials: 'include'}",
        false,
        Some("Request header field x-api-key is not allowed"),
    ),
    s(
        "Authorization under Allow-Headers * (Chromium and Firefox; not the standard)",
        r#"{"allow_origin": "*", "allow_headers": "*"}"#,
        "/api",
        "{headers: {'Authorization': 'Bearer abc'}}",
        true,
        None,
    ),
    s(
        "lower-case patch is not PATCH",
        r#"{"allow_origin": "*", "allow_methods": "PATCH"}"#,
        "/api",
        "{method: 'patch'}",
        false,
        Some("Method patch is not allowed"),
    ),
    s(
        "Allow-Methods that does not parse",
        r#"{"allow_origin": "*", "allow_methods": "PUT POST"}"#,
        "/api",
        "{method: 'PUT'}",
        false,
        Some("Cannot parse Access-Control-Allow-Methods"),
    ),
    s(
        // A good name, then a bad one: Firefox names the bad token, WebKit quotes the whole value.
        "Allow-Headers that does not parse",
        r#"{"allow_origin": "*", "allow_headers": "x-api-key, bad name"}"#,
        "/api",
        "{headers: {'X-Api-Key': '1'}}",
        false,
        Some("Cannot parse Access-Control-Allow-Headers"),
    ),
    s(
        "a 404 preflight",
        r#"{"allow_origin": "*", "allow_methods": "PUT", "preflight_status": 404}"#,
        "/api",
        "{method: 'PUT'}",
        false,
        Some("It does not have HTTP ok status"),
    ),
    s(
        "a redirected preflight",
        r#"{"allow_origin": "*", "allow_methods": "PUT", "preflight_status": 301}"#,
        "/api",
        "{method: 'PUT'}",
        false,
        Some("Redirect is not allowed for a preflight request"),
    ),
    s(
        "a redirected preflight without Allow-Origin",
        r#"{"allow_origin": null, "allow_methods": "PUT", "preflight_status": 301}"#,
        "/api",
        "{method: 'PUT'}",
        false,
        Some("Redirect is not allowed for a preflight request"),
    ),
    s(
        "preflight without Allow-Origin",
        r#"{"allow_origin": "*", "allow_methods": "PUT", "headers_on": "actual", "preflight_status": 405}"#,
        "/api",
        "{method: 'PUT'}",
        false,
        Some(
            "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin'",
        ),
    ),
    s(
        "preflight Allow-Origin mismatch",
        r#"{"allow_origin": "{origin}/", "allow_methods": "PUT"}"#,
        "/api",
        "{method: 'PUT'}",
        false,
        Some(
            "Response to preflight request doesn't pass access control check: The 'Access-Control-Allow-Origin' header has a value",
        ),
    ),
    s(
        "preflight * with credentials",
        r#"{"allow_origin": "*", "allow_credentials": "true", "allow_methods": "PUT"}"#,
        "/api",
        "{method: 'PUT', credentials: 'include'}",
        false,
        Some(
            "Response to preflight request doesn't pass access control check: The value of the 'Access-Control-Allow-Origin' header",
        ),
    ),
    s(
        "preflight without Allow-Credentials",
        r#"{"allow_origin": "{origin}", "allow_methods": "PUT"}"#,
        "/api",
        "{method: 'PUT', credentials: 'include'}",
        false,
        Some(
            "Response to preflight request doesn't pass access control check: The value of the 'Access-Control-Allow-Credentials'",
        ),
    ),
    s(
        "the preflight passes, the request does not",
        r#"{"allow_origin": "*", "allow_methods": "PUT", "headers_on": "preflight"}"#,
        "/api",
        "{method: 'PUT'}",
        false,
        Some("No 'Access-Control-Allow-Origin' header"),
    ),
    // no-cors.
    s("no-cors gives an opaque response", r#"{}"#, "/api", "{mode: 'no-cors'}", true, None),
    // E. Redirects.
    s("a same-origin redirect", STAR, "/api/redirect?to=same", "{}", true, None),
    s(
        "redirect: 'manual' gives an opaqueredirect",
        STAR,
        "/api/redirect?to=same",
        "{redirect: 'manual'}",
        true,
        None,
    ),
    s("redirect: 'error' on a redirect", STAR, "/api/redirect?to=same", "{redirect: 'error'}", false, None),
    s(
        "no-cors with redirect: 'manual'",
        STAR,
        "/api/redirect?to=same",
        "{mode: 'no-cors', redirect: 'manual'}",
        false,
        Some("Request mode is \"no-cors\" but the redirect mode is not \"follow\""),
    ),
    s(
        "no-cors with redirect: 'error'",
        STAR,
        "/api/redirect?to=same",
        "{mode: 'no-cors', redirect: 'error'}",
        false,
        Some("Request mode is \"no-cors\" but the redirect mode is not \"follow\""),
    ),
    s("a cross-origin redirect under *", STAR, "/api/redirect?to=cross", "{}", true, None),
    s(
        "a cross-origin redirect: Origin becomes null",
        r#"{"allow_origin": "{origin}"}"#,
        "/api/redirect?to=cross",
        "{}",
        false,
        Some("(redirected from"),
    ),
    s(
        "a redirect without CORS headers",
        STAR,
        "/api/redirect?to=cross&cors=no",
        "{}",
        false,
        Some("No 'Access-Control-Allow-Origin' header"),
    ),
    s(
        "a 303 turns the POST into a GET",
        STAR,
        "/api/redirect?to=same&status=303",
        "{method: 'POST', body: 'x'}",
        true,
        None,
    ),
];

/// Runs every scenario in the lab; returns (scenarios, agreements) and a description of each failure.
pub async fn run_all(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<(usize, usize, Vec<String>), String> {
    let lab = format!("{}/lab", sandbox.site);
    browser.goto(&lab).await?;
    browser.find("#lab-send").await?;
    // A cookie for the credentialed scenarios: cookies are per host, so the API on another port gets it.
    browser.eval("document.cookie = 'sid=abc123; path=/'; return true;").await?;
    Ok(tally(|scenario| run_one(browser, sandbox, scenario)).await)
}

/// What either engine must show of a scenario's `sandbox.send()` result: JavaScript got what a developer
/// should expect, and the model agrees with the browser (read or blocked, preflight, readable headers).
pub fn engine_neutral_problems(result: &serde_json::Value, scenario: &Scenario) -> Vec<String> {
    let mut problems = Vec::new();
    let resolved = result["js"]["error"].is_null();
    if resolved != scenario.allowed {
        problems.push(format!(
            "fetch() {} (js: {})",
            if resolved { "resolved" } else { "rejected" },
            result["js"]
        ));
    }
    if result["agrees"] != json!(true) || result["disagreements"] != json!([]) {
        problems.push(format!("the model disagrees: {}", result["disagreements"]));
    }
    let preflight_sent =
        result["server"].as_array().is_some_and(|s| s.iter().any(|x| x["preflight"] == true));
    if result["verdict"]["preflight"] != json!(preflight_sent) {
        problems
            .push(format!("preflight predicted {}, sent {preflight_sent}", result["verdict"]["preflight"]));
    }
    problems
}

/// Runs `run_one` on every scenario, in order; returns (scenarios, agreements) and each failure.
pub async fn tally<'a, F, Fut>(mut run_one: F) -> (usize, usize, Vec<String>)
where
    F: FnMut(&'static Scenario) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>> + 'a,
{
    let mut agreements = 0;
    let mut problems = Vec::new();
    for scenario in SCENARIOS {
        match run_one(scenario).await {
            Ok(()) => agreements += 1,
            Err(e) => problems.push(format!("{}: {e}", scenario.name)),
        }
    }
    (SCENARIOS.len(), agreements, problems)
}

async fn run_one(browser: &Browser, sandbox: &SandboxProcess, scenario: &Scenario) -> Result<(), String> {
    let policy = scenario.policy.replace("{origin}", &sandbox.site);
    browser.eval(&format!("return sandbox.replacePolicy({policy});")).await?;
    browser.clear_console().await?;
    let result =
        browser.eval(&format!("return sandbox.send({}, {});", json!(scenario.path), scenario.init)).await?;
    let printed = crate::cors_lines(browser).await?;
    let verdict = &result["verdict"];
    let mut problems = engine_neutral_problems(&result, scenario);
    // The predicted console line against the one Chromium printed.
    let predicted: Vec<String> =
        verdict["chromium_message"].as_str().map(str::to_owned).into_iter().collect();
    if printed != predicted {
        let all: Vec<String> = browser.console_lines().await?.iter().map(|l| l.to_string()).collect();
        problems.push(format!(
            "Chromium printed {printed:?}, the model predicted {predicted:?} (console: {all:?})"
        ));
    }
    if let Some(says) = scenario.says
        && !printed.iter().any(|line| line.contains(says))
    {
        problems.push(format!("expected a console line containing {says:?}"));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// The lab's result for a request whose preflight the browser took from its cache: no OPTIONS reached
/// the API, and the lab reports that as what the API's log shows — not as a disagreement, since what
/// JavaScript got is what the model predicted.
pub async fn cached_preflight_is_reported(
    browser: &Browser,
    sandbox: &SandboxProcess,
) -> Result<Value, String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#lab-send").await?;
    browser
        .eval(r#"return sandbox.replacePolicy({allow_origin: '*', allow_methods: 'PUT', max_age: '600'});"#)
        .await?;
    let send = "return sandbox.send('/api', {method: 'PUT', cache: 'default'});";
    let first = browser.eval(send).await?;
    let second = browser.eval(send).await?;
    let preflights =
        |r: &Value| r["server"].as_array().map_or(0, |s| s.iter().filter(|x| x["preflight"] == true).count());
    if preflights(&first) != 1 || preflights(&second) != 0 {
        return Err(format!(
            "expected OPTIONS then none; got {} then {}",
            preflights(&first),
            preflights(&second)
        ));
    }
    if second["agrees"] != json!(true) || second["disagreements"] != json!([]) {
        return Err(format!("the lab called the cached preflight a disagreement: {second}"));
    }
    if !second["observations"].to_string().contains("preflight cache") {
        return Err(format!("the lab did not report the cached preflight: {second}"));
    }
    // Both requests are in the live log, and each opens onto its timeline.
    let opened = browser
        .eval(
            "const entries = document.querySelectorAll('#lab-log details');
             if (entries.length < 2) return entries.length;
             return new Promise(done => {
               // The page's own toggle listener, registered first, draws the timeline before this one runs.
               entries[0].addEventListener('toggle', () => done(!!entries[0].querySelector('.timeline')), { once: true });
               entries[0].open = true;
             });",
        )
        .await?;
    if opened != json!(true) {
        return Err(format!("the live log did not show the requests' timelines ({opened})"));
    }
    Ok(second)
}
