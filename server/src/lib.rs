//! # The API origin
//!
//! A plain API, like the article's express server, that sends whatever CORS headers the learner's policy
//! says and records what it saw. It knows nothing of the tutorial page: the client site changes the policy
//! through [`PolicyStore`] and watches the [`ExchangeLog`].
//!
//! ## Layout
//!
//! - [`policy`]: the CORS response headers as raw values, and the rules a change must follow.
//! - [`origin_matcher`]: how the API decides per request whether `Access-Control-Allow-Origin` echoes the
//!   `Origin` (reflect, an exact list, and the broken prefix, suffix, substring and regex checks).
//! - `describe`: how a refusal names the JSON value it refused.
//! - [`store`]: the live policy, read lock-free on every request.
//! - [`exchange`]: what the API saw and sent, in a bounded ring with a live feed.
//! - `date`: the `Date` header, written here so the log records it.
//! - [`cors_layer`]: the layer that writes the CORS headers, answers preflights and records each
//!   exchange, in front of every endpoint.
//! - [`cors_headers`]: the one thing an endpoint tells the layer: which CORS lines its answer gets.
//! - `app`: [`Api`], the shared state, and [`app`], the router: the endpoints behind the layer.
//! - [`endpoints`]: the routes, one lesson each: `/api` (the article's), `/api/echo`, `/api/headers`,
//!   `/api/login` with `/api/logout`, `/api/whoami` and `/api/account`, `/api/counter`, `/api/error`,
//!   `/api/redirect`, `/api/cacheable`.

mod app;
pub mod cors_headers;
pub mod cors_layer;
mod date;
mod describe;
pub mod endpoints;
pub mod exchange;
pub mod export;
pub mod origin_matcher;
pub mod policy;
pub mod store;

pub use app::{Api, app, panic_message};
pub use exchange::{Exchange, ExchangeLog};
pub use origin_matcher::OriginMatcher;
pub use policy::{HeaderText, HeadersOn, Policy, PolicyError};
pub use store::{Answer, PolicySnapshot, PolicyStore};
