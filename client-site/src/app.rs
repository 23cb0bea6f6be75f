//! The client site assembled: pages, static files, the control API and the live feed, behind the guard.

use std::any::Any;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::error;
use crate::site::Site;
use crate::{control, feed, guard, har, local_network, pages, paste};

/// The client site's router: pages, static files and the control API, behind the guard.
pub fn app(site: Site) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(local_network::routes())
        .merge(control::routes())
        .merge(har::route::routes())
        .merge(paste::route::routes())
        .route("/sandbox/events", axum::routing::get(feed::feed))
        // A bug in a handler is a logged 500 with a sentence; the site goes on serving.
        .layer(CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(site.clone(), guard::guard))
        // No other site may frame the controls and trick a click (clickjacking), or sniff a type.
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(site)
}

/// The answer to a request whose handler panicked.
fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    let what = server::panic_message(&*panic);
    tracing::error!(%what, "a handler panicked; answered 500 and kept serving");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The sandbox failed on this request (a bug: its terminal says where); reload the page to go on.",
    )
}

#[cfg(test)]
mod tests;
