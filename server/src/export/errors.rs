//! Errors keep their CORS headers — or the export says they don't.
//!
//! The most common "CORS error" is not a policy problem: the server crashed or refused, its error answer
//! carries no CORS header, and the console says "No 'Access-Control-Allow-Origin' header is present",
//! hiding a 500 or a 401. So every export's code has more routes: [`FAIL_PATH`], whose handler throws
//! (for nginx and Caddy, the application behind them is down), [`PRIVATE_PATH`], which a login check
//! refuses with 401, [`MISSING_PATH`], which no route answers (a typo in a URL: 404), and a route that
//! takes one method only, not the probe's ([`OneMethod`]: 405). Each stack predicts what those send the
//! probe, from its own source, says what keeps the CORS headers on them (or what to add so that they are),
//! and names the common mistake that takes the headers off, with what it sends then. tests/api/exports.rs
//! runs them all, the code as exported and the code with the mistake, and compares.

use serde::Serialize;

use super::{Exchange, Probe, Sent};

/// The route whose handler throws.
pub const FAIL_PATH: &str = "/api/fail";
/// The route a login check refuses with 401.
pub const PRIVATE_PATH: &str = "/api/private";

/// A path no route of the export answers.
pub const MISSING_PATH: &str = "/api/missing";
/// The route that takes only GET (and the HEAD frameworks answer with it).
pub const GET_ONLY_PATH: &str = "/api/get-only";
/// The route that takes only POST, for a probe that is a GET or a HEAD.
pub const POST_ONLY_PATH: &str = "/api/post-only";

/// The route that takes one method only, which is not the probe's: GET, or POST when the probe is a GET
/// or a HEAD (frameworks answer a HEAD with a GET route). Its path says which.
#[derive(Clone, Copy, Debug)]
pub struct OneMethod {
    pub path: &'static str,
    /// `GET` or `POST`.
    pub method: &'static str,
}

impl OneMethod {
    /// The route for `probe`.
    pub fn for_probe(probe: &Probe) -> OneMethod {
        if matches!(probe.method.as_str(), "GET" | "HEAD") {
            OneMethod { path: POST_ONLY_PATH, method: "POST" }
        } else {
            OneMethod { path: GET_ONLY_PATH, method: "GET" }
        }
    }

    /// The methods the route takes, as an `Allow` header lists them.
    pub fn allow(self) -> &'static str {
        if self.method == "GET" { "GET, HEAD" } else { "POST" }
    }
}

/// What one error route sends.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorRoute {
    /// [`FAIL_PATH`], [`PRIVATE_PATH`], [`MISSING_PATH`], [`GET_ONLY_PATH`] or [`POST_ONLY_PATH`].
    pub path: &'static str,
    /// What the route does, for a person: "a handler that throws".
    pub does: &'static str,
    /// What the stack sends the probe's preflight and request there, with the export's code. A status of
    /// 0 means the connection closed with no answer at all.
    pub sends: Exchange,
    /// Why, in a sentence or two: whether the CORS headers are on the error, and what keeps them there.
    pub why: String,
    /// The common mistake that takes them off, when the stack has one.
    pub mistake: Option<Mistake>,
}

/// A common way to lose the CORS headers on an error, and what the stack sends then.
#[derive(Clone, Debug, Serialize)]
pub struct Mistake {
    /// The mistake, in a sentence.
    pub what: String,
    /// What the stack sends with it.
    pub sends: Exchange,
    /// The export's code with the mistake made (what the tests run).
    #[serde(skip)]
    pub code: String,
}

/// What a route sends when its handler throws, `status` and all.
pub(super) fn fails(sends: Exchange, why: String, mistake: Option<Mistake>) -> ErrorRoute {
    ErrorRoute { path: FAIL_PATH, does: "a handler that throws", sends, why, mistake }
}

/// What a route sends when a login check refuses it.
pub(super) fn refuses(sends: Exchange, why: String, mistake: Option<Mistake>) -> ErrorRoute {
    ErrorRoute { path: PRIVATE_PATH, does: "a route a login check refuses with 401", sends, why, mistake }
}

/// What a path no route answers sends.
pub(super) fn not_found(sends: Exchange, why: String, mistake: Option<Mistake>) -> ErrorRoute {
    ErrorRoute { path: MISSING_PATH, does: "a path no route answers (404)", sends, why, mistake }
}

/// What a route that does not take the probe's method sends.
pub(super) fn wrong_method(
    route: OneMethod,
    sends: Exchange,
    why: String,
    mistake: Option<Mistake>,
) -> ErrorRoute {
    let does = if route.method == "GET" {
        "a route that takes only GET (405 for other methods)"
    } else {
        "a route that takes only POST (405 for other methods)"
    };
    ErrorRoute { path: route.path, does, sends, why, mistake }
}

/// `sends` with the actual answer's status set to `status`, its headers kept: what a stack whose CORS
/// code wraps the handler sends when the handler fails.
pub(super) fn actual_status(sends: &Exchange, status: u16) -> Exchange {
    Exchange { preflight: sends.preflight.clone(), actual: Sent { status, ..sends.actual.clone() } }
}

/// An answer with `status` and none of the compared headers.
pub(super) fn bare(status: u16) -> Sent {
    Sent::status(status)
}

/// An answer with `status`, none of the CORS headers, and `vary` (the policy's own, which the exports set
/// outside the CORS handling) when it names something.
pub(super) fn bare_but_vary(status: u16, vary: Option<&str>) -> Sent {
    let mut sent = Sent::status(status);
    if let Some(vary) = vary.filter(|v| !super::items(v).is_empty()) {
        sent.add("vary", vary);
    }
    sent
}

/// The mistake of CORS handling on some paths only: a path outside them answers `status` (its preflight
/// too) with no CORS header, only the policy's `vary`.
pub(super) fn cors_on_some_paths(what: &str, status: u16, vary: Option<&str>, code: &str) -> Mistake {
    let sent = bare_but_vary(status, vary);
    Mistake {
        what: what.to_owned(),
        sends: Exchange { preflight: sent.clone(), actual: sent },
        code: code.to_owned(),
    }
}
