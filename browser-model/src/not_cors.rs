//! When a blocked request is not a CORS problem at all: the server answered with an error, and the error
//! carried no CORS headers.
//!
//! Every engine reports it as a CORS failure — Chromium's line does not even carry the status
//! (`No 'Access-Control-Allow-Origin' header is present on the requested resource.` reads the same for a
//! 200 and a 500, docs/evidence.md) — so people loosen their CORS policy, which changes nothing: the
//! answer that failed was written by something that never ran the CORS middleware. The fix is that answer.
//!
//! This is a fact about what the browser saw (the status of the answer whose check failed, and that it had
//! no `Access-Control-Allow-Origin`), so it lives beside the verdict: `check`, the HAR judge, the console
//! line explainer and the page all say it in the same words.

use crate::names::CorsError;
use crate::verdict::Verdict;

/// A request the browser blocked because the server answered 4xx or 5xx without
/// `Access-Control-Allow-Origin`: fix that answer, not the CORS policy.
///
/// ```
/// use browser_model::{judge, NotCors, Preflight, Request, Response};
///
/// let request = Request::get("http://localhost:8000/api");
/// let answer = Response::new("http://localhost:8000/api", 500);
/// let verdict = judge("http://localhost:3000", &request, Preflight::NotSent, &[answer]);
/// let not_cors = NotCors::of(&verdict).expect("a 500 without CORS headers");
/// assert_eq!(
///     not_cors.headline(),
///     "Your server answered 500 without CORS headers: fix that answer, not the CORS policy."
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotCors {
    /// The status of the answer that failed (400–599).
    pub status: u16,
    /// Whether that answer was the preflight's (`OPTIONS`), not the request's.
    pub preflight: bool,
}

impl NotCors {
    /// The verdict's failure, when it is an error answer without `Access-Control-Allow-Origin`.
    pub fn of(verdict: &Verdict) -> Option<NotCors> {
        let failed = verdict.failed_check.as_ref()?;
        let missing = match failed.devtools_enum? {
            CorsError::MissingAllowOriginHeader => false,
            CorsError::PreflightMissingAllowOriginHeader => true,
            _ => return None,
        };
        NotCors::from_answer(failed.status?, false, missing)
    }

    /// From what is known of the answer alone — its status, whether it had an
    /// `Access-Control-Allow-Origin`, and whether it answered the preflight — as a console line tells it
    /// (Firefox and WebKit print the status; Chromium does not).
    pub fn from_answer(status: u16, has_allow_origin: bool, preflight: bool) -> Option<NotCors> {
        ((400..=599).contains(&status) && !has_allow_origin).then_some(NotCors { status, preflight })
    }

    /// The sentence that leads: `Your server answered 500 without CORS headers: fix that answer, not the
    /// CORS policy.`
    pub fn headline(&self) -> String {
        let to = if self.preflight { " to the preflight (OPTIONS)" } else { "" };
        format!(
            "Your server answered {}{to} without CORS headers: fix that answer, not the CORS policy.",
            self.status
        )
    }

    /// The usual causes, the likeliest for this status first.
    pub fn causes(&self) -> Vec<&'static str> {
        let mut causes = vec![ERROR_HANDLER, AUTH_FIRST, NO_OPTIONS_ROUTE];
        match self.status {
            // A preflight carries no cookie and no `Authorization`: an auth check in front of CORS refuses it.
            401 | 403 => causes.swap(0, 1),
            // The framework's router answers an OPTIONS it has no route for, before any middleware.
            404 | 405 if self.preflight => causes.rotate_right(1),
            404 | 405 => causes.swap(1, 2),
            _ => {}
        }
        if (502..=504).contains(&self.status) {
            causes.insert(0, GATEWAY);
        }
        causes
    }

    /// The headline, then the causes, in one paragraph.
    pub fn explain(&self) -> String {
        format!("{} Usual causes: {}.", self.headline(), self.causes().join("; "))
    }
}

const ERROR_HANDLER: &str = "an error handler outside the CORS middleware (it writes the error page \
    without the CORS headers: move the CORS layer outermost, or add the headers to error answers)";
const AUTH_FIRST: &str = "an auth layer before the CORS middleware (it refuses the request, or the \
    preflight, which never carries cookies or Authorization, before CORS adds its headers)";
const NO_OPTIONS_ROUTE: &str = "a route that does not accept OPTIONS (the router answers 404 or 405 to \
    the preflight before the CORS middleware sees it)";
const GATEWAY: &str = "a proxy or load balancer answered for a server that is down or slow (it knows \
    nothing of your CORS policy)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Preflight, Request, Response, judge};

    fn verdict_for(status: u16, acao: Option<&str>, method: &str) -> Verdict {
        let request = Request::new(method, "http://api.test/x");
        let mut answer = Response::new("http://api.test/x", status);
        if let Some(acao) = acao {
            answer = answer.header("Access-Control-Allow-Origin", acao);
        }
        if method == "GET" {
            judge("http://page.test", &request, Preflight::NotSent, &[answer])
        } else {
            judge("http://page.test", &request, Preflight::Sent(&answer), &[])
        }
    }

    #[test]
    fn an_error_without_allow_origin_is_not_cors() {
        let not_cors = NotCors::of(&verdict_for(500, None, "GET")).expect("500 without ACAO");
        assert_eq!(not_cors, NotCors { status: 500, preflight: false });
        assert!(not_cors.causes()[0].starts_with("an error handler outside the CORS middleware"));
    }

    #[test]
    fn a_preflight_refused_by_auth_or_a_missing_route_is_not_cors() {
        let auth = NotCors::of(&verdict_for(401, None, "PUT")).expect("401 to the preflight");
        assert_eq!(
            auth.headline(),
            "Your server answered 401 to the preflight (OPTIONS) without CORS headers: fix that answer, \
             not the CORS policy."
        );
        assert!(auth.causes()[0].starts_with("an auth layer"));
        let route = NotCors::of(&verdict_for(405, None, "PUT")).expect("405 to the preflight");
        assert!(
            route.causes()[0].starts_with("a route that does not accept OPTIONS"),
            "{:?}",
            route.causes()
        );
    }

    #[test]
    fn a_success_or_an_error_with_cors_headers_is_cors() {
        assert_eq!(NotCors::of(&verdict_for(200, None, "GET")), None, "a 200 without ACAO is CORS's");
        assert_eq!(NotCors::of(&verdict_for(500, Some("http://other.test"), "GET")), None);
        assert_eq!(NotCors::of(&verdict_for(500, Some("*"), "GET")), None, "readable: not blocked");
        assert_eq!(NotCors::from_answer(404, true, true), None);
        assert_eq!(NotCors::from_answer(302, false, false), None);
    }

    #[test]
    fn a_gateway_error_names_the_gateway_first() {
        let gateway = NotCors::from_answer(502, false, false).expect("502");
        assert!(gateway.causes()[0].starts_with("a proxy or load balancer"));
        assert_eq!(gateway.causes().len(), 4);
    }
}
