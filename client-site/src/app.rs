//! The client site assembled: pages, static files, the control API and the live feed, behind the guard.

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::site::Site;
use crate::{control, feed, guard, pages};

/// The client site's router: pages, static files and the control API, behind the guard.
pub fn app(site: Site) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(control::routes())
        .route("/sandbox/events", axum::routing::get(feed::feed))
        .layer(axum::middleware::from_fn_with_state(site.clone(), guard::guard))
        // No other site may frame the controls and trick a click (clickjacking), or sniff a type.
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(site)
}
