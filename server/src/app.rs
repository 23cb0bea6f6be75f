//! The API origin assembled: its shared state and its router — the endpoints, behind the CORS layer.

use std::any::Any;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;

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
    /// What the endpoints remember between requests: the counter, the sessions, the account's secret.
    endpoints: Arc<EndpointState>,
}

impl Api {
    /// The count `/api/counter` shows now.
    pub fn counter(&self) -> u64 {
        self.endpoints.counter.get()
    }

    /// The secret `/api/account` answers a logged-in learner: drawn when this `Api` was made (when the
    /// sandbox starts), the same for every request after. A page that shows it has read it from the API.
    pub fn account_secret(&self) -> &str {
        self.endpoints.account_secret.as_str()
    }

    /// Sets `/api/counter` back to 0, for a control that starts the lesson over. (The API itself has no
    /// reset route: every request but a `GET` or `HEAD` counts.)
    pub fn reset_counter(&self) {
        self.endpoints.counter.reset();
    }
}

/// The API origin's router: every endpoint of [`crate::endpoints`], each behind [`CorsLayer`].
pub fn app(api: Api) -> Router {
    behind_the_layer(endpoints::routes().with_state(Arc::clone(&api.endpoints)), api.policy, api.log)
}

/// `routes` behind the CORS layer, with a panic in a handler turned into a logged 500 inside it, so that
/// even that answer carries the policy's headers and is recorded, and the server goes on serving.
fn behind_the_layer(routes: Router, policy: Arc<PolicyStore>, log: Arc<ExchangeLog>) -> Router {
    routes.layer(CatchPanicLayer::custom(panicked)).layer(CorsLayer::new(policy, log))
}

/// What a panic said, for the log: its message, or "a panic" when it carried none.
pub fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// The answer to a request whose handler panicked.
fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    let what = panic_message(&*panic);
    tracing::error!(%what, "an API handler panicked; answered 500 and kept serving");
    let body = serde_json::json!({ "error": "The sandbox's API failed on this request (a bug: its log says where); it goes on serving." });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use axum::routing::get;

    use super::*;

    async fn boom() -> &'static str {
        panic!("a bug in a handler")
    }

    /// A handler that panics gets a 500 with the policy's headers, recorded like any answer, and the
    /// server answers the next request.
    #[tokio::test]
    async fn a_panicking_handler_is_a_recorded_500_and_the_server_goes_on() {
        let api = Api::default();
        let routes = Router::new().route("/api/boom", get(boom)).route("/api", get(|| async { "Hello" }));
        let app = behind_the_layer(routes, Arc::clone(&api.policy), Arc::clone(&api.log));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        let http = reqwest::Client::new();

        let boom = http.get(format!("{base}/api/boom")).send().await.expect("an answer");
        assert_eq!(boom.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(boom.headers()["access-control-allow-origin"], "https://yoursite.com");
        let body: serde_json::Value = boom.json().await.expect("JSON");
        assert!(body["error"].as_str().expect("a sentence").contains("goes on serving"));
        let recorded = api.log.recent();
        assert_eq!(recorded.last().map(|x| x.status.as_u16()), Some(500));

        let next = http.get(format!("{base}/api")).send().await.expect("an answer");
        assert_eq!(next.status(), reqwest::StatusCode::OK);
    }
}
