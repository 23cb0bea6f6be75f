//! Export: the policy in force as the configuration of the stacks people use, each with what it will send.
//!
//! For one request of the lab's (a [`Probe`]: the page's origin, the method, the request headers that
//! need permission, credentials or not), [`export`] writes complete, runnable configuration for each of
//! [`STACKS`] — axum with tower-http's `CorsLayer`, express with `cors`, Fastify with `@fastify/cors`, Hono's
//! `cors`, nginx's `add_header` lines, a Caddyfile, Starlette's (FastAPI's) `CORSMiddleware`, Flask with
//! Flask-CORS, Django with django-cors-headers and Go's net/http with rs/cors — and, for each, the headers
//! that stack will send on the preflight and on the actual answer, predicted from the library's own
//! source. Where the stack sends something else than the sandbox, each difference is listed with the
//! reason; where it cannot express the policy at all, the export says so and why instead of emitting
//! something close. Those differences are the lesson.
//!
//! Every export's code also has a route whose handler throws, one a login check refuses, a path no route
//! takes (404) and a route that takes one method only (405) (`errors`): what those send, and the common
//! mistake that takes the CORS headers off them, are predicted too — the most common "CORS error" is a
//! crash or a refusal without CORS headers.
//!
//! The predictions are not trusted: tests/api/exports.rs runs every export for real (nginx, Caddy and Go
//! from Debian, the Node stacks from npm, the Python stacks from PyPI, tower-http as
//! `examples/tower_http_cors.rs` of this workspace) and checks that what each sends differs from what the
//! sandbox sends in exactly the listed ways, header by header, and that the error routes and the mistakes
//! send what is predicted.
//!
//! Values are compared as the browser reads them ([`same_value`]): the list headers (`Allow-Methods`,
//! `Allow-Headers`, `Expose-Headers`, `Vary`) as sets of names, an empty list as no header; the others
//! byte for byte.
//!
//! # Layout
//!
//! - `compare`: what the sandbox sends, and how two answers differ as the browser reads them.
//! - `commands`: the `curl` and `cors-sandbox check` commands, quoted for a shell.
//! - `refuse`: the refusals several stacks share; `errors`: the error routes and their mistakes.
//! - `regex`: an allowlist's pattern in each engine's spelling; `node` and `python`: what those stacks share.
//! - One file per stack.

mod caddy;
mod commands;
mod compare;
mod django;
mod errors;
mod express;
mod fastify;
mod flask;
mod go;
mod hono;
mod nginx;
mod node;
mod python;
mod refuse;
mod regex;
mod starlette;
mod tower_http;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::policy::Policy;

pub use commands::{check, curl, needs_preflight, shell_quote};
pub use compare::{differences, same_value, sandbox_sends};
pub use errors::{
    ErrorRoute, FAIL_PATH, GET_ONLY_PATH, MISSING_PATH, Mistake, OneMethod, POST_ONLY_PATH, PRIVATE_PATH,
};
use refuse::{
    credentials_flag, method_accepted, not_empty, not_options, on_every_answer, preflight_succeeds,
};

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
    /// The stack's id, one of [`STACKS`]' (`tower-http`, `express`, …).
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
    /// What its route that throws, its route that refuses, a path no route takes and its route that takes
    /// one method only send the probe, and the mistake that takes their CORS headers off.
    pub errors: Vec<ErrorRoute>,
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
    /// What the error routes send.
    pub errors: Vec<ErrorRoute>,
}

/// A stack the export writes: how it is named, where its code goes, how it runs, and its writer.
pub struct Stack {
    /// The name `?stack=` takes, e.g. `express`.
    pub id: &'static str,
    /// A heading for a person.
    pub title: &'static str,
    /// The file the code goes in.
    pub file: &'static str,
    /// How to run it.
    pub run: &'static str,
    write: fn(&Policy, &Probe) -> Result<Written, String>,
}

/// Every stack, in the order the lab lists them.
pub const STACKS: [Stack; 10] = [
    Stack {
        id: "tower-http",
        title: "Rust: axum with tower-http's CorsLayer",
        file: "src/main.rs",
        run: "cargo run (with the dependencies in the file's first lines)",
        write: tower_http::write,
    },
    Stack {
        id: "express",
        title: "Node: express with the cors package",
        file: "server.js",
        run: "npm install express@4 cors@2.8 && node server.js",
        write: express::write,
    },
    Stack {
        id: "fastify",
        title: "Node: Fastify with @fastify/cors",
        file: "server.js",
        run: "npm install fastify@5 @fastify/cors@11 && node server.js",
        write: fastify::write,
    },
    Stack {
        id: "hono",
        title: "Node: Hono with its cors middleware",
        file: "server.js",
        run: "npm install hono@4 @hono/node-server && node server.js",
        write: hono::write,
    },
    Stack {
        id: "nginx",
        title: "nginx: add_header lines",
        file: "/etc/nginx/conf.d/cors.conf",
        run: "nginx -t && nginx -s reload",
        write: nginx::write,
    },
    Stack {
        id: "caddy",
        title: "Caddy: header lines in a Caddyfile",
        file: "Caddyfile",
        run: "caddy run (or caddy reload) in the Caddyfile's folder",
        write: caddy::write,
    },
    Stack {
        id: "starlette",
        title: "Python: Starlette's (and FastAPI's) CORSMiddleware",
        file: "app.py",
        run: "pip install starlette uvicorn && python app.py",
        write: starlette::write,
    },
    Stack {
        id: "flask",
        title: "Python: Flask with Flask-CORS",
        file: "app.py",
        run: "pip install flask flask-cors && python app.py",
        write: flask::write,
    },
    Stack {
        id: "django",
        title: "Python: Django with django-cors-headers",
        file: "app.py",
        run: "pip install django django-cors-headers uvicorn && python app.py",
        write: django::write,
    },
    Stack {
        id: "go",
        title: "Go: net/http with rs/cors",
        file: "main.go",
        run: "go mod init example && go get github.com/rs/cors@v1.7.0 && go run .",
        write: go::write,
    },
];

/// The stack called `id`, or a sentence naming the ones there are.
pub fn stack(id: &str) -> Result<&'static Stack, String> {
    STACKS.iter().find(|s| s.id == id).ok_or_else(|| {
        let known: Vec<&str> = STACKS.iter().map(|s| s.id).collect();
        format!(
            "The export knows no stack called {id:?}. Ask for one of {} (or leave stack out for all of them).",
            known.join(", ")
        )
    })
}

/// Every stack's export of `policy` for `probe`, and the commands that verify `url` (a server's URL for
/// the probe's path).
pub fn export(policy: &Policy, probe: &Probe, url: &str) -> Export {
    export_of(&STACKS.iter().collect::<Vec<_>>(), policy, probe, url)
}

/// The export of `stacks` only (`GET /sandbox/export?stack=…` asks for one).
pub fn export_of(stacks: &[&Stack], policy: &Policy, probe: &Probe, url: &str) -> Export {
    let sandbox = sandbox_sends(policy, probe);
    let stacks = stacks
        .iter()
        .map(|stack| {
            let Stack { id, title, file, run, write } = **stack;
            match write(policy, probe) {
                Ok(written) => StackExport {
                    stack: id,
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
                    errors: written.errors,
                    sends: Some(written.sends),
                },
                Err(why) => StackExport {
                    stack: id,
                    title,
                    file,
                    run,
                    code: None,
                    unsupported: Some(why),
                    notes: Vec::new(),
                    differences: Vec::new(),
                    errors: Vec::new(),
                    sends: None,
                },
            }
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

/// A string literal for JavaScript and Python alike: JSON's, which both read the same way.
fn string_literal(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// A number of seconds as a language with unbounded integers writes it (Python's `int`): the digits of
/// `value`, leading zeros dropped (`007` is 7, and a syntax error as a Python literal); `None` when `value`
/// is not digits. A language with bounded integers checks the size itself.
fn whole_number(value: &str) -> Option<String> {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() })
}

/// The items of a comma-separated header value, as the browser reads the list (`browser_model::http`).
fn items(value: &str) -> Vec<&str> {
    browser_model::http::list_items(value).collect()
}

#[cfg(test)]
mod tests;
