//! Which CORS lines an endpoint wants on its answer: the one thing the endpoints tell the CORS layer.
//!
//! The endpoints attach a [`CorsHeaders`] response extension; [`crate::cors_layer`] reads it and writes
//! the lines. Neither module sees the other: both see only this one.

/// Which CORS header lines the layer puts on an endpoint's answer (a response extension).
///
/// An endpoint that does not attach one gets [`CorsHeaders::Policy`]. Preflights never reach an endpoint:
/// the layer answers them, always with the policy's preflight lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CorsHeaders {
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
