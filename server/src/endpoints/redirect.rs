//! `/api/redirect`: a redirect to `/api`, on the same origin or on the API's other loopback name.
//!
//! | method | path | answer | lesson |
//! |---|---|---|---|
//! | any | `/api/redirect` | the redirect (empty body) with `Location`, and the policy's lines unless `cors=no` | redirects: every hop is CORS-checked, and a cross-origin hop turns the `Origin` into `null` |
//!
//! | parameter | values | what it changes |
//! |---|---|---|
//! | `to` | `same` (default), `cross` | where `Location` points (below) |
//! | `status` | `307` (default), `301`, `302`, `303`, `308` | the status: 307 and 308 keep the method; 301 and 302 turn a `POST` into a `GET`, 303 any method but `GET` and `HEAD` (Fetch §4.4 step 11) |
//! | `cors` | `yes` (default), `no` | `no`: none of the policy's lines on the redirect itself, which the browser then refuses to follow ("No 'Access-Control-Allow-Origin' header is present") |
//!
//! Where it points:
//!
//! - `to=same` → `Location: /api`, a relative reference: the browser resolves it against the URL it asked
//!   for, so the hop stays on whichever origin the request used.
//! - `to=cross` → the same server under its other loopback name, always over `http`: a request whose
//!   `Host` is `localhost:PORT` goes to `http://127.0.0.1:PORT/api`; any other `Host` (`127.0.0.1:PORT`,
//!   `[::1]:PORT`, …) to `http://localhost:PORT/api`. That is a different origin, so after the hop the
//!   browser sends `Origin: null` (Fetch §4.4 step 13: the request's origin becomes opaque) and only an
//!   `Access-Control-Allow-Origin` of `*` or `null` lets the page read the answer.
//!
//! The lab's `trace=…` parameter, when present, is carried over to the `Location` so that both hops of one
//! `fetch()` carry the same trace id in the log. A missing or unreadable `Host` (with `to=cross`) and any
//! value outside the lists above are a 400 with a sentence.

use axum::extract::{Extension, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{BadRequest, choose, query_param};
use crate::cors_headers::CorsHeaders;

/// Where the redirect points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// `/api` on the origin the request used.
    Same,
    /// `/api` on the API's other loopback name.
    Cross,
}

/// `/api/redirect?to=same|cross&status=301|302|303|307|308&cors=yes|no`, any method.
pub(super) async fn redirect(request: Request) -> Result<Response, BadRequest> {
    answer(&request)
}

fn answer(request: &Request) -> Result<Response, BadRequest> {
    let uri = request.uri();
    let target = choose(uri, "to", ("same", Target::Same), &[("cross", Target::Cross)])?;
    let status = choose(
        uri,
        "status",
        ("307", StatusCode::TEMPORARY_REDIRECT),
        &[
            ("301", StatusCode::MOVED_PERMANENTLY),
            ("302", StatusCode::FOUND),
            ("303", StatusCode::SEE_OTHER),
            ("308", StatusCode::PERMANENT_REDIRECT),
        ],
    )?;
    let cors = choose(uri, "cors", ("yes", CorsHeaders::Policy), &[("no", CorsHeaders::None)])?;

    let origin = match target {
        Target::Same => String::new(),
        Target::Cross => other_loopback_origin(request)?,
    };
    let mut location = format!("{origin}/api");
    if let Some(trace) = query_param(uri, "trace") {
        location.push_str("?trace=");
        location.push_str(trace);
    }
    // Built from a known name, a number and a query taken from a valid URI: always a valid header value.
    let location = HeaderValue::try_from(location).map_err(|_| {
        BadRequest(
            "The `trace` parameter cannot be copied into a Location header; use letters, digits and dashes."
                .to_owned(),
        )
    })?;
    Ok((status, Extension(cors), [(header::LOCATION, location)]).into_response())
}

/// `http://127.0.0.1:PORT` for a request to `localhost:PORT`, `http://localhost:PORT` for any other host.
fn other_loopback_origin(request: &Request) -> Result<String, BadRequest> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    let parsed = host.and_then(split_host);
    let Some((name, port)) = parsed else {
        return Err(BadRequest(
            "to=cross needs the request's Host header (a host name and port, such as localhost:8000) to know \
             which of the API's two loopback names you used; send one, or use to=same."
                .to_owned(),
        ));
    };
    let other = if name.eq_ignore_ascii_case("localhost") { "127.0.0.1" } else { "localhost" };
    Ok(match port {
        Some(port) => format!("http://{other}:{port}"),
        None => format!("http://{other}"),
    })
}

/// Splits a `Host` value into its name and port: `localhost:8000`, `127.0.0.1`, `[::1]:8000`.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = match host.strip_prefix('[') {
        Some(bracketed) => {
            let (name, after) = bracketed.split_once(']')?;
            match after {
                "" => (name, None),
                after => (name, Some(after.strip_prefix(':')?)),
            }
        }
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    if name.is_empty() {
        return None;
    }
    // Digits only: `u16::from_str` would also take a leading `+`.
    let port = match port {
        Some(port) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            Some(port.parse().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some((name, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, host: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(uri);
        if let Some(host) = host {
            builder = builder.header(header::HOST, host);
        }
        builder.body(axum::body::Body::empty()).expect("a valid request")
    }

    fn location(response: &Response) -> &str {
        response.headers()[header::LOCATION].to_str().expect("ASCII")
    }

    #[test]
    fn host_values_split_into_name_and_port() {
        assert_eq!(split_host("localhost:8000"), Some(("localhost", Some(8000))));
        assert_eq!(split_host("127.0.0.1"), Some(("127.0.0.1", None)));
        assert_eq!(split_host("[::1]:8000"), Some(("::1", Some(8000))));
        assert_eq!(split_host("[::1]"), Some(("::1", None)));
        for bad in ["", ":8000", "localhost:", "localhost:+80", "localhost:99999", "[::1]x", "[::1"] {
            assert_eq!(split_host(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cross_swaps_localhost_and_127_0_0_1_and_keeps_the_port() {
        for (host, expected) in [
            ("localhost:8000", "http://127.0.0.1:8000/api"),
            ("LocalHost:8000", "http://127.0.0.1:8000/api"),
            ("127.0.0.1:8000", "http://localhost:8000/api"),
            ("[::1]:8000", "http://localhost:8000/api"),
            ("localhost", "http://127.0.0.1/api"),
        ] {
            let response = answer(&request("/api/redirect?to=cross", Some(host))).expect(host);
            assert_eq!(location(&response), expected, "{host}");
        }
    }

    #[test]
    fn the_defaults_are_a_307_to_the_same_origin_with_the_policys_headers() {
        let response = answer(&request("/api/redirect", Some("localhost:8000"))).expect("valid");
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(location(&response), "/api");
        assert_eq!(response.extensions().get::<CorsHeaders>(), Some(&CorsHeaders::Policy));
    }

    #[test]
    fn the_trace_id_is_carried_to_the_next_hop() {
        let response =
            answer(&request("/api/redirect?trace=t-7&to=cross", Some("localhost:1"))).expect("valid");
        assert_eq!(location(&response), "http://127.0.0.1:1/api?trace=t-7");
    }

    #[test]
    fn cross_without_a_host_is_a_400() {
        let response = answer(&request("/api/redirect?to=cross", None)).expect_err("no Host").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}
