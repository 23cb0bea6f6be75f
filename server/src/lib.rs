//! # The API origin
//!
//! A plain API, like the article's express server, that sends whatever CORS headers the learner's policy
//! says and records what it saw. It knows nothing of the tutorial page: the client site changes the policy
//! through [`PolicyStore`] and watches the [`ExchangeLog`].
//!
//! ## Layout
//!
//! - [`policy`]: the CORS response headers as raw values, and the rules a change must follow.
//! - [`store`]: the live policy, read lock-free on every request.
//! - [`exchange`]: what the API saw and sent, in a bounded ring with a live feed.
//! - `date`: the `Date` header, written here so the log records it.
//! - [`api`]: the layer that writes the headers, answers preflights and records each exchange, in front
//!   of every endpoint.
//! - [`endpoints`]: the routes, one lesson each: `/api` (the article's), `/api/echo`, `/api/headers`,
//!   `/api/login` with `/api/logout` and `/api/whoami`, `/api/counter`, `/api/error`, `/api/redirect`,
//!   `/api/cacheable`.

pub mod api;
mod date;
pub mod endpoints;
pub mod exchange;
pub mod policy;
pub mod store;

use std::sync::Arc;

use endpoints::EndpointState;

pub use api::app;
pub use exchange::{Exchange, ExchangeLog};
pub use policy::{HeaderText, HeadersOn, Policy, PolicyError};
pub use store::{PolicySnapshot, PolicyStore};

/// The API's shared state: cheap handles, cloned into every request.
#[derive(Clone, Debug, Default)]
pub struct Api {
    /// The policy in force.
    pub policy: Arc<PolicyStore>,
    /// Every exchange, for the page's "what the API saw" view.
    pub log: Arc<ExchangeLog>,
    /// What the endpoints remember between requests: the counter, the sessions.
    endpoints: Arc<EndpointState>,
}

impl Api {
    /// The count `/api/counter` shows now.
    pub fn counter(&self) -> u64 {
        self.endpoints.counter.get()
    }

    /// Sets `/api/counter` back to 0, for a control that starts the lesson over. (The API itself has no
    /// reset route: every request but a `GET` or `HEAD` counts.)
    pub fn reset_counter(&self) {
        self.endpoints.counter.reset();
    }
}
