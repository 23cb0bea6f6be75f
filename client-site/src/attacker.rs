//! The other site: the attacker's origin (port 4000 by default), the "website that … attempts to make a
//! connection to your bank in the background maliciously" of the article, made real.
//!
//! Its page tries, with one button each, to read the learner's account from the API
//! (`GET /api/account` with the session cookie), from three origins: its own, a sandboxed frame
//! (`Origin: null`), and a frame on `http://localhost.evil.localhost:<port>` (every `*.localhost` name is
//! loopback in Chromium and Firefox, with no DNS). It also sends one blocked write (`POST /api/counter`)
//! to show that CORS stops the read, not the request, and tries three ways to change the sandbox's own
//! policy, which the control API refuses.
//!
//! It has no control of its own: it cannot change the policy or read the secret except as any web page
//! would. `/curtain` (its own origin) tells its page the two things a real attacker would have to infer —
//! which policy is in force and what the counter says — so the lesson can show them; never the secret.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::error::error;
use crate::site::Site;

/// The attacker site's router: its page, the page its frames load, `/curtain`, and its two files.
pub fn app(site: Site) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/frame", get(frame))
        .route("/curtain", get(curtain))
        .route("/bounce", get(bounce))
        .route("/static/attacker.js", get(|| asset(JS, include_str!("../../static/attacker.js"))))
        .route(
            "/static/attacker.css",
            get(|| asset("text/css; charset=utf-8", include_str!("../../static/attacker.css"))),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "The other site has only its front page, at /.") })
        .layer(axum::middleware::from_fn_with_state(site.clone(), guard))
        .with_state(site)
}

const JS: &str = "text/javascript; charset=utf-8";

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// `templates/attacker.html`.
#[derive(Template)]
#[template(path = "../../templates/attacker.html")]
struct AttackerPage {
    /// Where the bank's API is, e.g. `http://localhost:8000`.
    api_origin: String,
    /// The sandbox's own site (the bank's page), e.g. `http://localhost:3000`.
    site_origin: String,
    /// This page's origin, e.g. `http://localhost:4000`.
    own_origin: String,
    /// The look-alike name a broken allowlist admits, e.g. `http://localhost.evil.localhost:4000`.
    evil_origin: String,
}

async fn page(State(site): State<Site>) -> Response {
    let config = &site.config;
    let page = AttackerPage {
        api_origin: format!("http://localhost:{}", config.api_port),
        site_origin: format!("http://localhost:{}", config.client_port),
        own_origin: format!("http://localhost:{}", config.attacker_port),
        evil_origin: evil_origin(config.attacker_port),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(why) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("The other site's page failed to render: {why}."),
        ),
    }
}

/// The look-alike origin, on this site's port: it starts with `http://localhost`, as a careless
/// prefix check or an unanchored regular expression wants, and is another *site*.
pub fn evil_origin(port: u16) -> String {
    format!("http://localhost.evil.localhost:{port}")
}

/// The page the attacker's frames load: it runs the attack its query names and posts what it got to the
/// page that framed it.
async fn frame() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>frame</title></head>",
        "<body><p>A frame of the other site.</p>",
        // A classic script, not a module: a module is fetched in CORS mode, which a sandboxed frame's
        // opaque origin would need this site's permission for.
        "<script src=\"/static/attacker.js\"></script></body></html>"
    ))
}

/// `GET /bounce?to=URL`: a redirect the attacker's page fetches on another of this site's names
/// (`127.0.0.1`), so that the request it becomes carries `Origin: null` — a CORS request redirected by
/// an origin other than its own has a "tainted" origin (Fetch §4.4, HTTP-redirect fetch). The attacker
/// allows its own page to follow it, credentials included. Only loopback URLs are followed.
async fn bounce(headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let to = uri.query().and_then(|q| q.strip_prefix("to=")).map(percent_decoded).unwrap_or_default();
    let loopback = ["http://localhost:", "http://127.0.0.1:"].iter().any(|start| to.starts_with(start));
    let Ok(location) =
        HeaderValue::from_str(&to).map_err(|_| ()).and_then(|l| if loopback { Ok(l) } else { Err(()) })
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "`/bounce?to=` takes an http://localhost: or http://127.0.0.1: URL.",
        );
    };
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    response.headers_mut().insert(header::LOCATION, location);
    // The attacker's own server lets its own page read this hop (a redirect must pass CORS too).
    if let Some(origin) = headers.get(header::ORIGIN) {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
    response
}

/// `%XX` escapes decoded (as `encodeURIComponent` writes them); anything malformed is left as it is.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a real attacker would have to infer, told to the attacker's page for the lesson: the policy in
/// force (its version and `Access-Control-Allow-Origin` setting) and the counter. Never the secret.
async fn curtain(State(site): State<Site>) -> Json<serde_json::Value> {
    let snapshot = site.api.policy.snapshot();
    Json(
        json!({ "policy_version": snapshot.version, "policy": snapshot.policy, "counter": site.api.counter() }),
    )
}

/// The attacker site answers to loopback names on its own port, `*.localhost` names included; anything
/// else is refused (DNS rebinding). It has no controls, so no `Origin` rule.
async fn guard(State(site): State<Site>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !is_attacker_host(&site, host) {
        return error(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "The other site answers only to loopback names on port {port} (http://localhost:{port}, http://localhost.evil.localhost:{port}).",
                port = site.config.attacker_port
            ),
        );
    }
    next.run(request).await.into_response()
}

fn is_attacker_host(site: &Site, host: &str) -> bool {
    let Some((name, port)) = host.rsplit_once(':') else { return false };
    let name = name.to_ascii_lowercase();
    port == site.config.attacker_port.to_string()
        && (name.ends_with(".localhost")
            || site.config.host_names().iter().any(|own| own.eq_ignore_ascii_case(&name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site::for_tests()
    }

    #[test]
    fn answers_loopback_and_localhost_names_on_its_port_only() {
        let site = site();
        for host in
            ["localhost:4000", "127.0.0.1:4000", "localhost.evil.localhost:4000", "EVIL.localhost:4000"]
        {
            assert!(is_attacker_host(&site, host), "{host}");
        }
        for host in ["localhost:3000", "evil.example:4000", "localhost", "localhost.evil.example:4000", ""] {
            assert!(!is_attacker_host(&site, host), "{host}");
        }
    }

    #[test]
    fn bounce_targets_are_decoded() {
        assert_eq!(
            percent_decoded("http%3A%2F%2Flocalhost%3A8000%2Fapi%2Faccount"),
            "http://localhost:8000/api/account"
        );
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz"), "%zz");
    }

    #[test]
    fn the_look_alike_origin_starts_like_the_sandbox() {
        let evil = evil_origin(4000);
        assert!(evil.starts_with("http://localhost"));
        assert_ne!(evil, "http://localhost:3000");
    }
}
