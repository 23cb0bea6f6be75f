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
//! - [`api`]: the routes, and the layer that writes the headers and records each exchange.

pub mod api;
pub mod exchange;
pub mod policy;
pub mod store;

use std::sync::Arc;

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
}
