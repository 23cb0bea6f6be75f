//! Who may talk to the client site.
//!
//! Two rules keep a web page elsewhere from flipping the learner's policy:
//!
//! 1. **Host**: the request must name one of this sandbox's own host names and port in `Host`. A page on
//!    `evil.example` that re-points its DNS name at 127.0.0.1 (DNS rebinding) still sends
//!    `Host: evil.example`, so it is refused.
//! 2. **Origin**: a request to `/sandbox/…` that carries an `Origin` must come from this very origin.
//!    Browsers send `Origin` on every cross-origin request and on every same-origin one that is not a GET
//!    or HEAD, so a form or `fetch()` from another site is refused. Requests with no `Origin` at all (curl,
//!    a teacher's script) are not from a web page, and are accepted.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::error;
use crate::site::Site;

/// The middleware that applies both rules.
pub async fn guard(State(site): State<Site>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !is_own_host(&site, host) {
        let shown = if host.is_empty() { "nothing".to_string() } else { format!("`{host}`") };
        return error(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "This CORS sandbox answers only to its own addresses (http://localhost:{port}, http://127.0.0.1:{port}); the request's Host header said {shown}. Open http://localhost:{port}/ instead.",
                port = site.config.client_port
            ),
        );
    }
    let origin = request.headers().get(header::ORIGIN);
    if let Some(origin) = origin.filter(|_| request.uri().path().starts_with("/sandbox/")) {
        let own = site.config.origin_for(host);
        if origin.as_bytes() != own.as_bytes() {
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "The sandbox's controls accept requests only from its own page ({own}); this one came from `{}`. Use the page at {own}/, or send the request without an Origin header (curl, a script).",
                    String::from_utf8_lossy(origin.as_bytes())
                ),
            );
        }
    }
    next.run(request).await.into_response()
}

/// Whether `host` (a `Host` header value) is `name:port` for one of the sandbox's names and its port.
fn is_own_host(site: &Site, host: &str) -> bool {
    // Browsers leave the port out of `Host` when it is the scheme's default (80 for http).
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.ends_with(']') => (name, port),
        _ => (host, "80"),
    };
    port == site.config.client_port.to_string()
        && site.config.host_names().iter().any(|own| own.eq_ignore_ascii_case(name))
}
