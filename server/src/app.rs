//! The API origin assembled: its shared state and its router — the endpoints, behind the CORS layer.

use std::sync::Arc;

use axum::Router;

use crate::cors_layer::CorsLayer;
use crate::endpoints::{self, EndpointState};
use crate::exchange::ExchangeLog;
use crate::store::PolicyStore;

/// The API's shared state: cheap handles, shared with the client site that controls it.
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

/// The API origin's router: every endpoint of [`crate::endpoints`], each behind [`CorsLayer`].
pub fn app(api: Api) -> Router {
    endpoints::routes().with_state(Arc::clone(&api.endpoints)).layer(CorsLayer::new(api.policy, api.log))
}
