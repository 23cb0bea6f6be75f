//! Errors keep their CORS headers — or the export says they don't.
//!
//! The most common "CORS error" is not a policy problem: the server crashed or refused, its error answer
//! carries no CORS header, and the console says "No 'Access-Control-Allow-Origin' header is present",
//! hiding a 500 or a 401. So every export's code has two more routes: [`FAIL_PATH`], whose handler throws
//! (for nginx and Caddy, the application behind them is down), and [`PRIVATE_PATH`], which a login check
//! refuses with 401. Each stack predicts what those send the probe, from its own source, and names the
//! common mistake that takes the headers off, with what it sends then. tests/api/exports.rs runs both, the
//! code as exported and the code with the mistake, and compares.

use serde::Serialize;

use super::{Exchange, Sent};

/// The route whose handler throws.
pub const FAIL_PATH: &str = "/api/fail";
/// The route a login check refuses with 401.
pub const PRIVATE_PATH: &str = "/api/private";

/// What one error route sends.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorRoute {
    /// [`FAIL_PATH`] or [`PRIVATE_PATH`].
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

/// `sends` with the actual answer's status set to `status`, its headers kept: what a stack whose CORS
/// code wraps the handler sends when the handler fails.
pub(super) fn actual_status(sends: &Exchange, status: u16) -> Exchange {
    Exchange { preflight: sends.preflight.clone(), actual: Sent { status, ..sends.actual.clone() } }
}

/// An answer with `status` and none of the compared headers.
pub(super) fn bare(status: u16) -> Sent {
    Sent::status(status)
}
