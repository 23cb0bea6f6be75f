//! # The browser model
//!
//! What a browser does with a cross-origin `fetch()`, with no I/O: a stepper ([`Fetch`]) that says
//! which request the browser sends next — the preflight, the request, each redirect's next hop, with
//! every header Chromium 156, Firefox 153 or WebKitGTK 2.50 sets — and, fed the answers, whether the
//! promise resolves, which CORS checks ran, which one failed, and the exact console lines each of the
//! three engines prints. Every door of the CORS Sandbox drives it: the lab and the live log with the
//! API's records ([`judge`]), `cors-sandbox check` with real sockets, a HAR file with its entries.
//!
//! ```
//! use browser_model::{judge, Preflight, Request, Response};
//!
//! let request = Request::get("http://localhost:8000/api");
//! let response = Response::new("http://localhost:8000/api", 200)
//!     .header("Access-Control-Allow-Origin", "*");
//! let verdict = judge("http://localhost:3000", &request, Preflight::NotSent, &[response]);
//! assert!(verdict.allowed);
//! assert_eq!(verdict.response_type, Some(browser_model::ResponseType::Cors));
//! ```
//!
//! # Layout
//!
//! The rules follow the Fetch Standard's algorithms; each file holds one idea.
//!
//! - `request` — the inputs: [`Request`] (the `fetch()` init), [`Response`], [`Preflight`].
//! - `fetch` — [`Fetch`], the whole `fetch()` from start to finish as a stepper: [`Step`], [`Outgoing`],
//!   [`Answer`]; `fetch/walk` its state between steps, `fetch/outgoing` each request as it goes out,
//!   `fetch/main_fetch` main fetch's first decisions (§4.1).
//! - `judge` — [`judge`], the recorded door: the stepper fed with a recording's answers.
//! - `engine` — [`Engine`]: Chromium, Firefox, WebKit.
//! - `wire` — each engine's header lines, in its order (docs/requests.md).
//! - `preflight_cache` — the CORS-preflight cache one walk keeps.
//! - `http` — tokens, header lists, redirect statuses, method names, for every part of the project.
//! - `request_init` — the Request constructor: `TypeError`s and silently dropped headers.
//! - `method` — normalising methods; forbidden and CORS-safelisted methods.
//! - `safelist` — forbidden request headers and CORS-safelisted request headers.
//! - `preflight` — [`preflight_needed`]: whether, and why, the browser asks first.
//! - `preflight_response` — judging the `OPTIONS` response (§4.8).
//! - `allow_list` — parsing `Access-Control-Allow-Methods/-Headers/-Max-Age`.
//! - `cors_check` — the CORS check on a response (§4.9).
//! - `chain` — the actual request's responses: redirect hops, then the final one (§4.3).
//! - `redirect` — what a redirect does to the request (§4.4).
//! - `exposure` — which response headers JS may read.
//! - `failure` — why a fetch failed, in Chromium's DevTools names.
//! - `sentences` — every console sentence of the three engines, once, as a `template` with holes.
//! - `messages` — the console lines, word for word, written from `sentences`.
//! - `explain` — [`explain_line`]: a pasted console line read back with the same sentences.
//! - `verdict` — [`Verdict`], [`Check`], [`FailedCheck`].
//! - `not_cors` — [`NotCors`]: a block that is the server's error answer, not its CORS policy.
//! - `names` — the stable names: [`CheckId`], [`CorsError`] (DevTools'), [`ResponseType`] (`res.type`).
//! - `origin`, `url`, `headers` — the page's origin, [`Url`] (the URL Standard, by the `url` crate),
//!   header-list helpers.
//! - `samples` — [`sample_scenarios`], a fixed set of exchanges for benchmarks.
//!
//! # Where the model follows the engines rather than the spec
//!
//! The browser is the judge, so where an engine and the Fetch Standard differ the model follows
//! the engine and says so where the rule is written:
//!
//! - `Access-Control-Allow-Headers: *` covers `Authorization` (`preflight_response`).
//! - A redirected preflight fails before its CORS check is even looked at (`preflight_response`).
//! - A failed ACAO comparison is split into multiple / invalid / mismatch (`cors_check`).
//! - A few client-hint headers are CORS-safelisted and `User-Agent` is forbidden (`safelist`).
//! - When several headers are disallowed, Chromium names one in hash-map order; the model
//!   names the first in sorted order, as the spec walks them (`preflight_response`).
//! - After a redirect, Firefox and WebKit preflight again whenever the request needed a preflight
//!   at the start, Firefox with the page's `Origin` (`fetch/walk`); an empty `Location` and a
//!   `data:` one are each engine's own (`redirect`, `chain`).

mod address_space;
mod allow_list;
mod chain;
mod cors_check;
mod engine;
mod explain;
mod exposure;
mod failure;
mod fetch;
mod headers;
pub mod http;
mod judge;
mod local_network;
mod messages;
mod method;
mod names;
mod not_cors;
mod origin;
mod preflight;
mod preflight_cache;
mod preflight_response;
mod redirect;
mod request;
mod request_init;
mod safelist;
mod samples;
mod sentences;
mod template;
mod url;
mod verdict;
mod wire;

pub use address_space::{AddressSpace, Permission};
pub use allow_list::header_names as allowed_header_names;
pub use engine::Engine;
pub use explain::{
    Candidate, Cause, Extracted, LineExplanation, MAX_INPUT, NotRecognised, Role, Stage, explain_line,
};
pub use fetch::{Answer, CookieJar, Fetch, Outgoing, Sending, Step, is_potentially_trustworthy};
pub use judge::{judge, judge_as, judge_from_http_cache, judge_in};
pub use local_network::{LocalNetworkAccess, PageState};
pub use names::{CheckId, CorsError, ResponseType};
pub use not_cors::NotCors;
pub use preflight::{PreflightReason, preflight_needed};
pub use request::{Credentials, Mode, Preflight, RedirectMode, Request, Response};
pub use safelist::{UnsafeHeader, is_forbidden_request_header};
pub use samples::sample_scenarios;
pub use url::Url;
pub use verdict::{Check, FailedCheck, Verdict};
