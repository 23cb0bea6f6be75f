//! The layer that writes the policy's CORS headers, answers preflights and records each exchange.
//!
//! Every request to the API goes through the `CorsAndRecord` layer, and it is the only code that writes
//! `Access-Control-*` headers. An endpoint that must answer differently (an error page "outside the CORS
//! layer", a cache-friendly endpoint that reflects the `Origin`) says so with a `CorsHeaders` response
//! extension; the layer reads it and still writes the lines itself, from the same policy snapshot.
//!
//! The layer writes the headers itself rather than using tower-http's `CorsLayer` on purpose: `CorsLayer`
//! refuses some combinations (credentials with `*`, say) that the learner must be able to send in order to
//! see the browser reject them.
//!
//! The endpoints themselves are in [`crate::endpoints`].

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::HttpBody;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::exchange::{ExchangeLog, NewExchange, RecordedHeaders};
use crate::store::PolicySnapshot;
use crate::{Api, endpoints};

/// The API origin's router: the endpoints of [`crate::endpoints`], every one behind the `CorsAndRecord` layer.
pub fn app(api: Api) -> Router {
    endpoints::routes().layer(CorsAndRecordLayer { api: api.clone() }).with_state(api)
}

/// Which CORS header lines the layer puts on an endpoint's answer (a response extension).
///
/// An endpoint that does not attach one gets [`CorsHeaders::Policy`]. Preflights never reach an endpoint:
/// the layer answers them, always with the policy's preflight lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum CorsHeaders {
    /// The policy's lines for an actual response, exactly as configured.
    #[default]
    Policy,
    /// None of the policy's lines, not even its `Vary`: the answer looks as if it came from code that
    /// runs outside the CORS layer (an error page, a proxy's redirect), whatever the policy says.
    None,
    /// `Access-Control-Allow-Origin` mirrors the request's `Origin` (none when the request has no
    /// `Origin`), in place of the policy's value, as express's `origin: true` and tower-http's
    /// `AllowOrigin::mirror_request()` do; the policy's other lines are sent as configured.
    ReflectOrigin,
}

/// The layer [`app`] puts in front of every endpoint.
#[derive(Clone)]
struct CorsAndRecordLayer {
    api: Api,
}

impl<S> Layer<S> for CorsAndRecordLayer {
    type Service = CorsAndRecord<S>;

    fn layer(&self, inner: S) -> CorsAndRecord<S> {
        CorsAndRecord { inner, api: self.api.clone() }
    }
}

/// Writes the policy's headers on every answer, answers preflights, and records what happened.
///
/// A hand-written `Service` rather than `axum::middleware::from_fn`: it runs on every request the API
/// answers, and this way the endpoint is called directly, with no boxed clone of it per request.
#[derive(Clone)]
struct CorsAndRecord<S> {
    inner: S,
    api: Api,
}

impl<S> Service<Request> for CorsAndRecord<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let seen = Seen::of(&self.api, &request);
        let log = Arc::clone(&self.api.log);
        if seen.preflight {
            let answer = seen.preflight_answer();
            return Box::pin(std::future::ready(Ok(seen.finish(&log, answer))));
        }
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await?;
            Ok(seen.finish(&log, answer))
        })
    }
}

/// What the layer keeps of a request while the endpoint answers it.
struct Seen {
    /// One snapshot per request: the headers sent and the record kept come from the same policy version.
    policy: Arc<PolicySnapshot>,
    preflight: bool,
    method: Method,
    uri: Uri,
    origin: Option<HeaderValue>,
    request_headers: RecordedHeaders,
}

impl Seen {
    fn of(api: &Api, request: &Request) -> Seen {
        Seen {
            policy: api.policy.snapshot(),
            // A CORS preflight is an OPTIONS request carrying `Access-Control-Request-Method` (Fetch
            // Standard §4.8 step 1). A bare OPTIONS is an ordinary request, as in rs/cors.
            preflight: request.method() == Method::OPTIONS
                && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD),
            method: request.method().clone(),
            uri: request.uri().clone(),
            origin: request.headers().get(header::ORIGIN).cloned(),
            request_headers: RecordedHeaders::of(request.headers()),
        }
    }

    /// The answer to a preflight: the policy's status and preflight lines; endpoints never see one.
    fn preflight_answer(&self) -> Response {
        let status =
            StatusCode::from_u16(self.policy.policy.preflight_status).unwrap_or(StatusCode::NO_CONTENT);
        let mut response = status.into_response();
        write_lines(response.headers_mut(), self.policy.preflight_headers());
        if is_redirect(status) {
            // Without a `Location` a 3xx is not a redirect at all (Fetch §4.4 step 3) and Chromium would
            // only say "It does not have HTTP ok status". Pointing back at the same path makes it a real
            // redirect, which a preflight may never follow: "Redirect is not allowed for a preflight
            // request" (Fetch §4.8 step 7).
            if let Ok(location) = HeaderValue::from_str(self.uri.path()) {
                response.headers_mut().insert(header::LOCATION, location);
            }
        }
        response
    }

    /// Writes the CORS lines the endpoint asked for (an actual answer) and the caching, length and date
    /// lines, records the exchange, and hands the response back.
    fn finish(self, log: &ExchangeLog, mut response: Response) -> Response {
        let status = response.status();
        let size = response.body().size_hint().exact();
        let wanted = response.extensions().get::<CorsHeaders>().copied().unwrap_or_default();
        let headers = response.headers_mut();
        if !self.preflight {
            match wanted {
                CorsHeaders::Policy => write_lines(headers, self.policy.actual_headers()),
                CorsHeaders::None => {}
                CorsHeaders::ReflectOrigin => {
                    if let Some(origin) = self.origin {
                        headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                    }
                    for (name, value) in self.policy.actual_headers() {
                        if name != header::ACCESS_CONTROL_ALLOW_ORIGIN {
                            headers.append(name.clone(), value.clone());
                        }
                    }
                }
            }
        }
        // The sandbox's whole point is that a flipped toggle shows at once: never let the HTTP cache
        // answer, unless the endpoint chose its own caching (a lesson about the cache).
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        // axum would add `Content-Length` after this layer, and then the record would lack a header the
        // browser saw (and JS may read: it is CORS-safelisted). Same rule as axum's, written here instead.
        // hyper sends none on a 204 or a 304 (on a 204 HTTP forbids it, RFC 9110 §8.6), so the record
        // has none either.
        if let Some(size) = size
            && !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
        {
            headers.entry(header::CONTENT_LENGTH).or_insert(HeaderValue::from(size));
        }
        headers.entry(header::DATE).or_insert_with(crate::date::now);

        log.record(NewExchange {
            method: self.method,
            uri: self.uri,
            request_headers: self.request_headers,
            preflight: self.preflight,
            status,
            response_headers: RecordedHeaders::of(response.headers()),
            policy_version: self.policy.version,
        });
        response
    }
}

/// Appends header lines as they are: a repeated name stays repeated, which is part of what the learner
/// may configure and must see.
fn write_lines(headers: &mut HeaderMap, lines: &[(HeaderName, HeaderValue)]) {
    for (name, value) in lines {
        headers.append(name.clone(), value.clone());
    }
}

/// The Fetch Standard's "redirect status": 301, 302, 303, 307 or 308.
fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}
