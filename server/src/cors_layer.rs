//! The CORS layer: it writes the policy's CORS headers, answers preflights and records each exchange.
//!
//! Every request to the API goes through [`CorsLayer`], and it is the only code that writes
//! `Access-Control-*` headers. An endpoint that must answer differently (an error page "outside the CORS
//! layer", a cache-friendly endpoint that reflects the `Origin`) says so with a [`CorsHeaders`] response
//! extension; the layer reads it and still writes the lines itself, from the same policy snapshot.
//!
//! The layer writes the headers itself rather than using tower-http's `CorsLayer` on purpose: `CorsLayer`
//! refuses some combinations (credentials with `*`, say) that the learner must be able to send in order to
//! see the browser reject them.
//!
//! Where things happen, for a reader looking for them:
//!
//! - a preflight is recognised in `Seen::of` and answered in `Seen::preflight_answer`;
//! - `Access-Control-Allow-Origin` and the other lines are written in `Seen::finish`, from the
//!   [`PolicySnapshot`]'s pre-encoded lines ([`crate::store`]) — or, when the policy has an origin
//!   matcher ([`crate::origin_matcher`]), `Access-Control-Allow-Origin` is the request's `Origin` if the
//!   matcher accepts it and absent if not, decided per request in `write_policy_lines`;
//! - the exchange is recorded at the end of `Seen::finish`.
//!
//! The shape is tower-http's own (its `cors` module): a `Layer`, a `Service`, and a pin-projected
//! [`ResponseFuture`], so nothing is boxed per request. Measured with `cargo bench --bench api` against
//! the same layer returning a `Pin<Box<dyn Future>>` and against `axum::middleware::from_fn_with_state`;
//! this shape was the fastest (31,547 instructions a request against 31,738 boxed and 33,462 with
//! `from_fn_with_state`; the README's "Benchmarks" says how they were counted).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::body::HttpBody;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::cors_headers::CorsHeaders;
use crate::exchange::{ExchangeLog, NewExchange, RecordedHeaders};
use crate::store::{Answer, PolicySnapshot, PolicyStore};

/// The layer that puts [`Cors`] in front of every endpoint.
#[derive(Clone, Debug)]
pub struct CorsLayer {
    policy: Arc<PolicyStore>,
    log: Arc<ExchangeLog>,
}

impl CorsLayer {
    /// A layer that sends `policy`'s lines and records into `log`.
    pub fn new(policy: Arc<PolicyStore>, log: Arc<ExchangeLog>) -> CorsLayer {
        CorsLayer { policy, log }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors { inner, policy: Arc::clone(&self.policy), log: Arc::clone(&self.log) }
    }
}

/// Writes the policy's headers on every answer, answers preflights, and records what happened.
#[derive(Clone, Debug)]
pub struct Cors<S> {
    inner: S,
    policy: Arc<PolicyStore>,
    log: Arc<ExchangeLog>,
}

impl<S> Service<Request> for Cors<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let seen = Seen::of(self.policy.snapshot(), &request);
        let log = Arc::clone(&self.log);
        let kind = if seen.preflight {
            // Preflights never reach an endpoint.
            let answer = seen.preflight_answer();
            Kind::Answered { answer: Some(seen.finish(&log, answer)) }
        } else {
            Kind::Endpoint { future: self.inner.call(request), seen: Some(seen), log }
        };
        ResponseFuture { kind }
    }
}

pin_project! {
    /// The answer [`Cors`] gives: the endpoint's, finished by the layer, or the layer's own preflight answer.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        /// A preflight, answered and recorded when the request arrived.
        Answered { answer: Option<Response> },
        /// Waiting for the endpoint; `seen` is taken when it answers.
        Endpoint {
            #[pin]
            future: F,
            seen: Option<Seen>,
            log: Arc<ExchangeLog>,
        },
    }
}

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Answered { answer } => match answer.take() {
                Some(answer) => Poll::Ready(Ok(answer)),
                // Polled again after it completed: tower's contract forbids it; answer a plain 500.
                None => Poll::Ready(Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response())),
            },
            KindProj::Endpoint { future, seen, log } => {
                let answer = ready!(future.poll(cx))?;
                Poll::Ready(Ok(match seen.take() {
                    Some(seen) => seen.finish(log, answer),
                    None => answer,
                }))
            }
        }
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
    fn of(policy: Arc<PolicySnapshot>, request: &Request) -> Seen {
        Seen {
            policy,
            // A CORS preflight is an OPTIONS request carrying `Access-Control-Request-Method` (Fetch
            // Standard §4.8 step 1). A bare OPTIONS is an ordinary request, as in rs/cors.
            preflight: request.method() == Method::OPTIONS
                && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD),
            method: request.method().clone(),
            uri: request.uri().clone(),
            origin: request.headers().get(header::ORIGIN).cloned(),
            request_headers: RecordedHeaders::of_request(request.headers()),
        }
    }

    /// The answer to a preflight: the policy's status and preflight lines; endpoints never see one.
    fn preflight_answer(&self) -> Response {
        let status =
            StatusCode::from_u16(self.policy.policy.preflight_status).unwrap_or(StatusCode::NO_CONTENT);
        let mut response = status.into_response();
        write_policy_lines(response.headers_mut(), &self.policy, Answer::Preflight, self.origin.as_ref());
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
                CorsHeaders::Policy => {
                    write_policy_lines(headers, &self.policy, Answer::Actual, self.origin.as_ref())
                }
                CorsHeaders::None => {}
                CorsHeaders::ReflectOrigin => {
                    // The endpoint's own reflection stands in for the policy's line and its matcher alike.
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

/// Appends the policy's lines for `answer` to a request from `origin`: first the origin matcher's
/// `Access-Control-Allow-Origin` when it has one for this request, in the place `allow_origin`'s line
/// would take, then the pre-encoded lines, as they are. A repeated name stays repeated, which is part of
/// what the learner may configure and must see.
fn write_policy_lines(
    headers: &mut HeaderMap,
    policy: &PolicySnapshot,
    answer: Answer,
    origin: Option<&HeaderValue>,
) {
    if let Some(allowed) = policy.matched_allow_origin(answer, origin) {
        headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
    }
    let lines: &[(HeaderName, HeaderValue)] = match answer {
        Answer::Preflight => policy.preflight_headers(),
        Answer::Actual => policy.actual_headers(),
    };
    for (name, value) in lines {
        headers.append(name.clone(), value.clone());
    }
}

/// The Fetch Standard's "redirect status" (`browser_model::http`).
fn is_redirect(status: StatusCode) -> bool {
    browser_model::http::is_redirect_status(status.as_u16())
}
