//! Export: the policy in force as the configuration of the stacks people use, each with what it will send.
//!
//! For one request of the lab's (a [`Probe`]: the page's origin, the method, the request headers that
//! need permission, credentials or not), [`export`] writes complete, runnable configuration for tower-http's
//! `CorsLayer`, express with the `cors` package, nginx's `add_header` lines and Starlette's (FastAPI's)
//! `CORSMiddleware` — and, for each, the headers that stack will send on the preflight and on the actual
//! answer, predicted from the library's own source. Where the stack sends something else than the sandbox,
//! each difference is listed with the reason; where it cannot express the policy at all, the export says so
//! and why instead of emitting something close. Those differences are the lesson.
//!
//! The predictions are not trusted: tests/api/exports.rs runs every export for real (nginx from Debian,
//! express and cors from npm, Starlette and uvicorn from PyPI, tower-http as `examples/tower_http_cors.rs`
//! of this workspace) and checks that what each sends differs from what the sandbox sends in exactly the
//! listed ways, header by header.
//!
//! Values are compared as the browser reads them ([`same_value`]): the list headers (`Allow-Methods`,
//! `Allow-Headers`, `Expose-Headers`, `Vary`) as sets of names, an empty list as no header; the others
//! byte for byte.

mod express;
mod nginx;
mod starlette;
mod tower_http;

use std::collections::BTreeMap;

use axum::http::HeaderValue;
use serde::Serialize;

use crate::policy::{HeadersOn, Policy};
use crate::store::{Answer, PolicyStore};

/// The headers the exports are compared on: CORS's own, and `Vary`.
pub const COMPARED: [&str; 7] = [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
    "vary",
];

/// The path every exported server answers, as the sandbox's `/api` does: `Hello`, for any method.
pub const EXPORT_PATH: &str = "/api";

/// The lab's request an export is worked out for.
#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    /// The page's origin: the request's `Origin`.
    pub origin: String,
    /// The request's method, normalised as `fetch()` does (`put` becomes `PUT`).
    pub method: String,
    /// The request's headers, as the page set them.
    pub headers: Vec<(String, String)>,
    /// The lower-cased, sorted names the preflight's `Access-Control-Request-Headers` carries.
    pub request_headers: Vec<String>,
    /// Whether the request is sent with credentials (`credentials: 'include'`).
    pub credentials: bool,
}

impl Probe {
    /// A probe whose every header needs the preflight's permission (none of them CORS-safelisted, as
    /// `X-…` headers are): `request_headers` is their names, lower-cased and sorted. The lab's endpoint
    /// asks the browser model instead; this is for tables of cases.
    pub fn with_unsafe_headers(
        origin: &str,
        method: &str,
        headers: &[(&str, &str)],
        credentials: bool,
    ) -> Probe {
        let mut request_headers: Vec<String> = headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        request_headers.sort();
        Probe {
            origin: origin.to_owned(),
            method: method.to_owned(),
            headers: headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
            request_headers,
            credentials,
        }
    }
}

/// What one answer carried: its status and the [`COMPARED`] headers, lower-cased names, repeated lines
/// joined with `", "`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
}

impl Sent {
    /// An answer with `status` and no header yet.
    pub fn status(status: u16) -> Sent {
        Sent { status, headers: BTreeMap::new() }
    }

    /// Records a header line, if it is one of the [`COMPARED`] ones.
    pub fn add(&mut self, name: &str, value: &str) {
        let name = name.to_ascii_lowercase();
        if !COMPARED.contains(&name.as_str()) {
            return;
        }
        self.headers
            .entry(name)
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What a server sends to the probe's preflight and to its actual request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exchange {
    pub preflight: Sent,
    pub actual: Sent,
}

/// One way a stack's answer differs from the sandbox's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `"preflight"` or `"actual"`.
    pub answer: &'static str,
    /// A lower-cased header name, or `"status"`.
    pub header: String,
    /// What the sandbox sends (`None`: no such header).
    pub sandbox: Option<String>,
    /// What the stack sends.
    pub stack: Option<String>,
    /// Why, in a sentence.
    pub why: String,
}

/// One stack's export.
#[derive(Clone, Debug, Serialize)]
pub struct StackExport {
    /// `tower-http`, `express`, `nginx` or `starlette`.
    pub stack: &'static str,
    /// A heading for a person.
    pub title: &'static str,
    /// The file the code goes in.
    pub file: &'static str,
    /// How to run it.
    pub run: &'static str,
    /// The whole file; `None` when the stack cannot express the policy.
    pub code: Option<String>,
    /// Why the stack cannot express the policy, when it cannot.
    pub unsupported: Option<String>,
    /// What a reader of this code should know about the stack.
    pub notes: Vec<String>,
    /// How what it sends differs from what the sandbox sends, for the probe.
    pub differences: Vec<Difference>,
    /// What it sends, for the probe (the prediction the tests check).
    #[serde(skip)]
    pub sends: Option<Exchange>,
}

/// The whole export: every stack, and the commands that verify a server.
#[derive(Clone, Debug, Serialize)]
pub struct Export {
    pub probe: Probe,
    /// What the sandbox sends the probe.
    pub sandbox_sends: Exchange,
    pub stacks: Vec<StackExport>,
    /// `curl` commands that send the probe's preflight and actual request to `url`.
    pub curl: Vec<String>,
    /// The `cors-sandbox check` command that judges `url` as a browser would.
    pub check: String,
}

/// A stack's configuration for a policy: the code, what it sends, and the explanations.
pub(crate) struct Written {
    pub code: String,
    pub sends: Exchange,
    pub notes: Vec<String>,
    /// Why a header differs from the sandbox's, for this stack.
    pub why: fn(&'static str, &str) -> String,
}

/// Every stack's export of `policy` for `probe`, and the commands that verify `url` (a server's URL for
/// the probe's path).
pub fn export(policy: &Policy, probe: &Probe, url: &str) -> Export {
    let sandbox = sandbox_sends(policy, probe);
    type Writer = fn(&Policy, &Probe) -> Result<Written, String>;
    let stacks: [(&str, &str, &str, &str, Writer); 4] = [
        (
            "tower-http",
            "Rust: axum with tower-http's CorsLayer",
            "src/main.rs",
            "cargo run (with the dependencies in the file's first lines)",
            tower_http::write,
        ),
        (
            "express",
            "Node: express with the cors package",
            "server.js",
            "npm install express@4 cors@2.8 && node server.js",
            express::write,
        ),
        (
            "nginx",
            "nginx: add_header lines",
            "/etc/nginx/conf.d/cors.conf",
            "nginx -t && nginx -s reload",
            nginx::write,
        ),
        (
            "starlette",
            "Python: Starlette's (and FastAPI's) CORSMiddleware",
            "app.py",
            "pip install starlette uvicorn && python app.py",
            starlette::write,
        ),
    ];
    let stacks = stacks
        .into_iter()
        .map(|(stack, title, file, run, write)| match write(policy, probe) {
            Ok(written) => StackExport {
                stack,
                title,
                file,
                run,
                differences: differences(&sandbox, &written.sends)
                    .into_iter()
                    .map(|d| Difference { why: (written.why)(d.answer, &d.header), ..d })
                    .collect(),
                code: Some(written.code),
                unsupported: None,
                notes: written.notes,
                sends: Some(written.sends),
            },
            Err(why) => StackExport {
                stack,
                title,
                file,
                run,
                code: None,
                unsupported: Some(why),
                notes: Vec::new(),
                differences: Vec::new(),
                sends: None,
            },
        })
        .collect();
    Export {
        curl: curl(probe, url),
        check: check(probe, url),
        probe: probe.clone(),
        sandbox_sends: sandbox,
        stacks,
    }
}

/// tower-http's export as a module: its `use` lines and `pub fn cors() -> CorsLayer`, or why it cannot
/// be written. `examples/tower_http_cors.rs` is made of these, so that the tests compile and run them.
pub fn tower_http_layer(policy: &Policy) -> Result<String, String> {
    tower_http::layer(policy).map(|layer| layer.module)
}

/// What the sandbox's API sends the probe, from the same snapshot code the API answers with.
pub fn sandbox_sends(policy: &Policy, probe: &Probe) -> Exchange {
    let snapshot = PolicyStore::new(policy.clone()).snapshot();
    let origin = HeaderValue::from_str(&probe.origin).ok();
    let mut preflight = Sent::status(policy.preflight_status);
    let mut actual = Sent::status(200);
    for (answer, sent) in [(Answer::Preflight, &mut preflight), (Answer::Actual, &mut actual)] {
        if let Some(allowed) = snapshot.matched_allow_origin(answer, origin.as_ref()) {
            sent.add("access-control-allow-origin", allowed.to_str().unwrap_or_default());
        }
        let lines = match answer {
            Answer::Preflight => snapshot.preflight_headers(),
            Answer::Actual => snapshot.actual_headers(),
        };
        for (name, value) in lines {
            sent.add(name.as_str(), value.to_str().unwrap_or_default());
        }
    }
    Exchange { preflight, actual }
}

/// Where `stack` differs from `sandbox`, header by header, as the browser reads the values (`why` left
/// empty for the caller to fill).
pub fn differences(sandbox: &Exchange, stack: &Exchange) -> Vec<Difference> {
    let mut found = Vec::new();
    for (answer, ours, theirs) in
        [("preflight", &sandbox.preflight, &stack.preflight), ("actual", &sandbox.actual, &stack.actual)]
    {
        if ours.status != theirs.status {
            found.push(Difference {
                answer,
                header: "status".to_owned(),
                sandbox: Some(ours.status.to_string()),
                stack: Some(theirs.status.to_string()),
                why: String::new(),
            });
        }
        for name in COMPARED {
            let (a, b) = (ours.get(name), theirs.get(name));
            if !same_value(name, a, b) {
                found.push(Difference {
                    answer,
                    header: name.to_owned(),
                    sandbox: a.map(str::to_owned),
                    stack: b.map(str::to_owned),
                    why: String::new(),
                });
            }
        }
    }
    found
}

/// Whether two values of header `name` (`None`: absent) mean the same to the browser.
///
/// The list headers are read as lists (Fetch §4.8's "extracting header list values"): split at commas,
/// trimmed, empty items dropped, order and repeats ignored, and header names (not methods) compared
/// without case; an empty list is no header. The other headers are compared byte for byte.
pub fn same_value(name: &str, a: Option<&str>, b: Option<&str>) -> bool {
    let list = |value: Option<&str>, fold_case: bool| -> Vec<String> {
        let mut items: Vec<String> = browser_model::http::list_items(value.unwrap_or_default())
            .map(|item| if fold_case { item.to_ascii_lowercase() } else { item.to_owned() })
            .collect();
        items.sort();
        items.dedup();
        items
    };
    match name {
        "access-control-allow-methods" => list(a, false) == list(b, false),
        "access-control-allow-headers" | "access-control-expose-headers" | "vary" => {
            list(a, true) == list(b, true)
        }
        _ => a == b,
    }
}

/// The probe as `curl` commands against `url`: the preflight (when the request needs one) and the request.
pub fn curl(probe: &Probe, url: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let origin = format!("-H {}", shell_quote(&format!("Origin: {}", probe.origin)));
    if needs_preflight(probe) {
        let mut preflight = format!(
            "curl -si -X OPTIONS {} {origin} -H {}",
            shell_quote(url),
            shell_quote(&format!("Access-Control-Request-Method: {}", probe.method))
        );
        if !probe.request_headers.is_empty() {
            preflight.push_str(&format!(
                " -H {}",
                shell_quote(&format!("Access-Control-Request-Headers: {}", probe.request_headers.join(",")))
            ));
        }
        commands.push(preflight);
    }
    let mut actual = format!("curl -si -X {} {} {origin}", shell_quote(&probe.method), shell_quote(url));
    for (name, value) in &probe.headers {
        actual.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    commands.push(actual);
    commands
}

/// The `cors-sandbox check` command for the probe against `url`.
pub fn check(probe: &Probe, url: &str) -> String {
    let mut command =
        format!("cors-sandbox check {} --origin {}", shell_quote(url), shell_quote(&probe.origin));
    if probe.method != "GET" {
        command.push_str(&format!(" -X {}", shell_quote(&probe.method)));
    }
    for (name, value) in &probe.headers {
        command.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    if probe.credentials {
        command.push_str(" --credentials include");
    }
    command
}

/// Whether the probe's request needs a preflight: a method other than GET, HEAD and POST, or a header
/// that needs permission (the caller worked the latter out with the browser model).
pub fn needs_preflight(probe: &Probe) -> bool {
    !matches!(probe.method.as_str(), "GET" | "HEAD" | "POST") || !probe.request_headers.is_empty()
}

/// `text` quoted for a POSIX shell: between single quotes, each of its own written `'\''`.
fn shell_quote(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:@=".contains(&b)) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A string literal for JavaScript and Python alike: JSON's, which both read the same way.
fn string_literal(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// The items of a comma-separated header value, as the browser reads the list (`browser_model::http`).
fn items(value: &str) -> Vec<&str> {
    browser_model::http::list_items(value).collect()
}

/// Refuses a policy whose `headers_on` keeps the CORS lines off one kind of answer, for a library that
/// writes them on every answer.
fn on_every_answer(policy: &Policy, library: &str) -> Result<(), String> {
    match policy.headers_on {
        HeadersOn::Both => Ok(()),
        HeadersOn::Preflight | HeadersOn::Actual => Err(format!(
            "This policy sends the CORS headers on {} answers only, the bug of a server whose OPTIONS handler and other handlers disagree. {library} writes them on every answer it handles, so it cannot reproduce the bug; export the fixed policy (headers on both) instead.",
            if policy.headers_on == HeadersOn::Preflight { "preflight" } else { "actual" }
        )),
    }
}

/// Refuses a preflight status outside 2xx, for a library that always answers a preflight with success.
fn preflight_succeeds(policy: &Policy, library: &str, answers: u16) -> Result<(), String> {
    if (200..300).contains(&policy.preflight_status) {
        return Ok(());
    }
    Err(format!(
        "This policy answers preflights with {}, the bug of a server whose OPTIONS route fails. {library} answers every preflight it accepts with {answers}, so it cannot reproduce the bug; export the fixed policy (preflight status 204) instead.",
        policy.preflight_status
    ))
}

/// Refuses a probe whose actual request is an `OPTIONS`, for a library that answers every `OPTIONS` as a
/// preflight.
fn not_options(probe: &Probe, library: &str) -> Result<(), String> {
    if probe.method != "OPTIONS" {
        return Ok(());
    }
    Err(format!(
        "This request's own method is OPTIONS. {library} answers every OPTIONS request as a preflight, so its answer to this one would not be the endpoint's; export it for another method."
    ))
}

/// Refuses a method `server` rejects before any CORS code runs: `fetch()` sends `patch` as it was written
/// (it upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT), and `accepts` says whether `server` takes it.
fn method_accepted(
    probe: &Probe,
    server: &str,
    answer: &str,
    accepts: fn(&str) -> bool,
) -> Result<(), String> {
    if accepts(&probe.method) {
        return Ok(());
    }
    Err(format!(
        "This request's method is {:?}, and {server} answers it {answer}. fetch() sends a method as it was written, but for DELETE, GET, HEAD, OPTIONS, POST and PUT, which it upper-cases: write {:?}.",
        probe.method,
        probe.method.to_ascii_uppercase()
    ))
}

/// Refuses an `Access-Control-Allow-Credentials` other than `true`, for a library that sends `true` or nothing.
fn credentials_flag(policy: &Policy, library: &str) -> Result<bool, String> {
    match policy.allow_credentials.as_ref().map(|v| v.as_str()) {
        None => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(format!(
            "This policy sends Access-Control-Allow-Credentials: {other:?}. {library} sends `true` or no header at all, and the browser accepts only `true`, exactly: export `true` or no header."
        )),
    }
}

/// Refuses an empty value, for a library that sends no header whose value is empty.
fn not_empty(policy: &Policy, library: &str) -> Result<(), String> {
    let fields =
        [("Access-Control-Allow-Origin", &policy.allow_origin), ("Access-Control-Max-Age", &policy.max_age)];
    for (name, value) in fields {
        if value.as_ref().is_some_and(|v| v.as_str().trim().is_empty())
            && !(name == "Access-Control-Allow-Origin" && policy.origin_matcher.is_some())
        {
            return Err(format!(
                "This policy sends {name} with an empty value. {library} sends no header with an empty value, so it cannot send this one; the browser reads an empty value as a failure either way."
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
