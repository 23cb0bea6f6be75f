//! The API's routes, and the layer that writes the policy's CORS headers and records each exchange.
//!
//! The layer writes the headers itself rather than using tower-http's `CorsLayer` on purpose: `CorsLayer`
//! refuses some combinations (credentials with `*`, say) that the learner must be able to send in order to
//! see the browser reject them.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};

use crate::Api;
use crate::exchange::NewExchange;

/// The API origin's router: `/api` answers `"Hello"`, like the article's express server.
pub fn app(api: Api) -> Router {
    Router::new()
        .route("/api", any(hello))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(api, cors_and_record))
}

/// `GET /api`: the article's endpoint.
async fn hello() -> Json<&'static str> {
    Json("Hello")
}

async fn not_found(method: Method) -> Response {
    let message = format!(
        "This sandbox API has no such endpoint; try {method} /api. The answer still carries the policy's CORS headers."
    );
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// Writes the policy's headers on every answer, answers preflights, and records what happened.
async fn cors_and_record(State(api): State<Api>, request: Request, next: Next) -> Response {
    // One snapshot per request: the headers sent and the record kept come from the same policy version.
    let policy = api.policy.snapshot();

    // A CORS preflight is an OPTIONS request carrying `Access-Control-Request-Method` (Fetch Standard
    // §4.8 step 1). A bare OPTIONS is an ordinary request, as in rs/cors.
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let method = request.method().clone();
    let uri = request.uri().clone();
    let request_headers = request.headers().clone();

    let (mut response, cors_headers) = if preflight {
        let status = StatusCode::from_u16(policy.policy.preflight_status).unwrap_or(StatusCode::NO_CONTENT);
        (status.into_response(), policy.preflight_headers())
    } else {
        (next.run(request).await, policy.actual_headers())
    };

    let headers = response.headers_mut();
    for (name, value) in cors_headers {
        headers.append(name.clone(), value.clone());
    }
    // The sandbox's whole point is that a flipped toggle shows at once: never let the HTTP cache answer.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));

    api.log.record(NewExchange {
        method,
        uri,
        request_headers,
        preflight,
        status: response.status(),
        response_headers: response.headers().clone(),
        policy_version: policy.version,
    });
    response
}
