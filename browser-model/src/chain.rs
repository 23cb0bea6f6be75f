//! Walking the actual request's responses: redirects first, then the final response.
//!
//! HTTP fetch (Fetch §4.3) runs the CORS check on *every* response while the CORS flag is set
//! — each redirect hop as well as the last response — before §4.4 decides whether to follow.
//! The CORS flag is set once the request's URL is cross-origin to the page (in `cors` mode)
//! and stays set, so a same-origin request redirected elsewhere becomes a CORS request there.

use crate::cors_check::cors_check;
use crate::exposure::readable_headers;
use crate::failure::Failure;
use crate::names::{CheckId, ResponseType};
use crate::origin::Page;
use crate::preflight;
use crate::redirect::{self, MAX_REDIRECTS};
use crate::request::{Credentials, Mode, RedirectMode, Response};
use crate::url::{Origin, Url};
use crate::verdict::{Blocked, Delivered, Trace};

/// The state of the request as it moves along the redirect chain.
pub(crate) struct Chain<'a> {
    pub(crate) page: &'a Page,
    pub(crate) credentials: Credentials,
    pub(crate) mode: Mode,
    pub(crate) redirect_mode: RedirectMode,
    /// The request's current URL.
    pub(crate) current: Url,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    /// Fetch's CORS flag (response tainting "cors").
    pub(crate) cors_flag: bool,
    /// Fetch's tainted-origin flag: the origin is now serialized as `null`.
    pub(crate) tainted: bool,
    /// Response tainting "opaque" (a no-cors request that went cross-origin).
    pub(crate) opaque: bool,
}

fn block(failure: Failure, check: CheckId, step: &'static str, url: String) -> Blocked {
    Blocked { failure, check, step, url }
}

impl Chain<'_> {
    /// The request's origin as the CORS check sees it.
    fn request_origin(&self) -> Origin {
        if self.tainted { Origin::Opaque } else { self.page.origin.clone() }
    }

    /// Follows `actual` to the response JS gets, or to the check that blocks it.
    pub(crate) fn walk(mut self, trace: &mut Trace, actual: &[Response]) -> Result<Delivered, Blocked> {
        let mut redirects = 0;
        let mut responses = actual.iter();
        loop {
            let url = self.current.serialize();
            let Some(response) = responses.next() else {
                return Err(self.no_response(trace, url, redirects));
            };
            let location = redirect::location(response);
            if self.cors_flag {
                // §4.3 HTTP fetch: the CORS check on this response, redirect or not.
                let cors = cors_check(response, &self.request_origin(), self.credentials);
                let what = if location.is_some() { "Redirect response" } else { "Response" };
                let explanation = format!("{what} from {url}: {}", cors.explanation);
                if let Err(error) = cors.result {
                    trace.fail(CheckId::CorsCheck, cors.step, explanation);
                    let failure = Failure::Access {
                        error,
                        preflight: false,
                        status: response.status,
                        on_redirect: location.is_some(),
                        redirect_to: location.and_then(|l| self.current.resolve(l)).map(|u| u.serialize()),
                    };
                    return Err(block(failure, CheckId::CorsCheck, cors.step, url));
                }
                trace.pass(CheckId::CorsCheck, cors.step, explanation);
            }
            let Some(location) = location else {
                return Ok(self.deliver(trace, response));
            };
            if self.redirect_mode == RedirectMode::Manual {
                // §4.3: redirect mode "manual" hands JS an opaque-redirect filtered response.
                trace.pass(
                    CheckId::RedirectMode,
                    "Fetch §4.3 HTTP fetch (redirect mode \"manual\")",
                    format!(
                        "redirect: \"manual\": the {} redirect is not followed; JS gets an \
                         opaqueredirect response with status 0.",
                        response.status
                    ),
                );
                return Ok(Delivered {
                    response_type: ResponseType::OpaqueRedirect,
                    status: 0,
                    readable_headers: Vec::new(),
                });
            }
            if self.redirect_mode == RedirectMode::Error {
                // §4.3 HTTP fetch: redirect mode "error" turns a redirect into a network error.
                const STEP: &str = "Fetch §4.3 HTTP fetch (redirect mode \"error\")";
                trace.fail(
                    CheckId::RedirectMode,
                    STEP,
                    format!(
                        "redirect: \"error\": the {} redirect is a network error; JS gets a TypeError.",
                        response.status
                    ),
                );
                return Err(block(Failure::RedirectModeError, CheckId::RedirectMode, STEP, url));
            }
            redirects += 1;
            self.follow(trace, response, location, &url, redirects)?;
        }
    }

    /// §4.4 for one redirect, step by step; on success `self.current` is the new URL.
    fn follow(
        &mut self,
        trace: &mut Trace,
        response: &Response,
        location: &str,
        url: &str,
        count: u32,
    ) -> Result<(), Blocked> {
        check_count(trace, url, count)?;
        let target = self.resolve(trace, location, url)?;
        self.check_userinfo(trace, &target, url)?;
        check_scheme(trace, &target, self.mode)?;
        self.rewrite_request(trace, response.status, &target, url, count);
        self.enter_mode(trace, &target)?;
        self.note_new_preflight(trace, &target);
        self.current = target;
        Ok(())
    }

    /// §4.4 steps 2–4: the `Location` must parse, relative to the current URL.
    fn resolve(&self, trace: &mut Trace, location: &str, url: &str) -> Result<Url, Blocked> {
        const STEP: &str = "Fetch §4.4 HTTP-redirect fetch, steps 2–4";
        self.current.resolve(location).ok_or_else(|| {
            trace.fail(
                CheckId::RedirectLocation,
                STEP,
                format!("The Location {location:?} is not a valid URL."),
            );
            let failure = Failure::Network { net_error: Some("net::ERR_INVALID_REDIRECT"), preflight: false };
            block(failure, CheckId::RedirectLocation, STEP, url.into())
        })
    }

    /// §4.4 steps 8–9: no credentials in the URL of a cross-origin CORS redirect.
    fn check_userinfo(&self, trace: &mut Trace, target: &Url, url: &str) -> Result<(), Blocked> {
        const STEP: &str = "Fetch §4.4 HTTP-redirect fetch, steps 8–9";
        let cross_to_page = !self.page.origin.same_origin(&target.origin());
        let fails = target.has_credentials()
            && ((self.mode == Mode::Cors && (self.tainted || cross_to_page)) || self.cors_flag);
        if !fails {
            return Ok(());
        }
        trace.fail(
            CheckId::RedirectCredentials,
            STEP,
            "The redirect's Location contains a username and password, which a cross-origin CORS \
             request may not follow."
                .into(),
        );
        Err(block(Failure::RedirectContainsCredentials, CheckId::RedirectCredentials, STEP, url.into()))
    }

    /// §4.4 steps 11–13: the method may become GET (dropping the body headers), Authorization stays
    /// behind on another origin, and leaving a URL that was already cross-origin taints the origin.
    fn rewrite_request(&mut self, trace: &mut Trace, status: u16, target: &Url, url: &str, count: u32) {
        let target_origin = target.origin();
        let new_method = redirect::method_after(status, &self.method);
        if new_method != self.method {
            self.headers.retain(|(name, _)| !redirect::is_request_body_header(name));
        }
        if !self.current.origin().same_origin(&target_origin) {
            self.headers.retain(|(name, _)| name != "authorization");
        }
        if !self.current.origin().same_origin(&target_origin)
            && !self.page.origin.same_origin(&self.current.origin())
        {
            self.tainted = true;
        }
        trace.pass(
            CheckId::Redirect,
            "Fetch §4.4 HTTP-redirect fetch",
            format!(
                "{status} redirect {count} of at most {MAX_REDIRECTS}: {url} → {} (method {new_method}{}).",
                target.serialize(),
                if self.tainted {
                    "; the request's origin is now tainted and sent as Origin: null"
                } else {
                    ""
                }
            ),
        );
        self.method = new_method;
    }

    /// What the request's mode makes of a hop to `target`: `same-origin` fails on another origin,
    /// `cors` sets the CORS flag there, `no-cors` makes the response opaque.
    fn enter_mode(&mut self, trace: &mut Trace, target: &Url) -> Result<(), Blocked> {
        let cross_to_page = !self.page.origin.same_origin(&target.origin());
        match self.mode {
            // Chromium restarts the request at the new URL and fails it there
            // (`CorsURLLoader::StartRequest`, DisallowedByMode).
            Mode::SameOrigin if cross_to_page => {
                const STEP: &str = "Fetch §4.1 main fetch (mode \"same-origin\")";
                let target_text = target.serialize();
                trace.fail(
                    CheckId::Mode,
                    STEP,
                    format!("mode: \"same-origin\" forbids following the redirect to {target_text}."),
                );
                return Err(block(Failure::SameOriginModeRedirect, CheckId::Mode, STEP, target_text));
            }
            Mode::Cors if cross_to_page => self.cors_flag = true,
            Mode::NoCors if cross_to_page => self.opaque = true,
            _ => {}
        }
        Ok(())
    }

    /// §4.3: a CORS request that still needs a preflight gets a new one before the next hop. The
    /// recorded exchange has no answer to it, so the model assumes it passed, and says so.
    fn note_new_preflight(&self, trace: &mut Trace, target: &Url) {
        if !self.cors_flag {
            return;
        }
        let Some(reason) = preflight::reason_for(&self.method, &self.headers) else {
            return;
        };
        let target_text = target.serialize();
        let origin = self.request_origin().serialize();
        trace.pass(
            CheckId::RedirectPreflight,
            "Fetch §4.3 HTTP fetch (a CORS-preflight fetch before each cross-origin hop)",
            format!(
                "Chromium sends a new preflight to {target_text} (Origin: {origin}) because {}. No \
                 response for it was given; the model assumes it passed.",
                reason.explain()
            ),
        );
        trace.note(format!(
            "Assumed: the preflight Chromium sends to {target_text} after the redirect passed (it was \
             not part of the recorded exchange)."
        ));
    }

    /// The final response: what JS gets.
    fn deliver(&self, trace: &mut Trace, response: &Response) -> Delivered {
        let (response_type, status) = if self.cors_flag {
            (ResponseType::Cors, response.status)
        } else if self.opaque {
            (ResponseType::Opaque, 0)
        } else {
            (ResponseType::Basic, response.status)
        };
        let readable = readable_headers(response, response_type, self.credentials);
        let explanation = match response_type {
            ResponseType::Opaque => "An opaque response: status 0, no headers, no body. no-cors never \
                         lets JS read a cross-origin response."
                .to_string(),
            ResponseType::Basic => format!(
                "A same-origin answer: the page reads all of it (status {status}, every header but \
                 Set-Cookie: {}).",
                if readable.is_empty() { "none".to_string() } else { readable.join(", ") }
            ),
            _ => format!(
                "JavaScript gets a {response_type} response: status {status}, the body, and of \
                 the headers only these: {}.",
                if readable.is_empty() { "none".to_string() } else { readable.join(", ") }
            ),
        };
        trace.pass(CheckId::Exposure, "Fetch §4.1 main fetch, step 14 (CORS-filtered response)", explanation);
        Delivered { response_type, status, readable_headers: readable }
    }

    /// No response was recorded where the browser expected one.
    fn no_response(&self, trace: &mut Trace, url: String, redirects: u32) -> Blocked {
        const STEP: &str = "Fetch §4.6 HTTP-network fetch (network error)";
        let explanation = if redirects == 0 {
            format!(
                "No response was recorded for {url}. To the browser that is a network error \
                 (server down, connection refused): Chromium prints only a net::ERR_* line, \
                 Firefox calls it \"CORS request did not succeed\"."
            )
        } else {
            format!("The browser followed the redirect to {url}, but no response for it was recorded.")
        };
        trace.fail(CheckId::Response, STEP, explanation);
        block(Failure::Network { net_error: None, preflight: false }, CheckId::Response, STEP, url)
    }
}

/// §4.4 steps 6–7: at most 20 redirects.
fn check_count(trace: &mut Trace, url: &str, count: u32) -> Result<(), Blocked> {
    const STEP: &str = "Fetch §4.4 HTTP-redirect fetch, steps 6–7";
    if count <= MAX_REDIRECTS {
        return Ok(());
    }
    trace.fail(
        CheckId::RedirectCount,
        STEP,
        "This would be redirect number 21; a request may follow at most 20.".into(),
    );
    let failure = Failure::Network { net_error: Some("net::ERR_TOO_MANY_REDIRECTS"), preflight: false };
    Err(block(failure, CheckId::RedirectCount, STEP, url.into()))
}

/// §4.4 step 5: only HTTP(S) locations. Chromium reports CorsDisabledScheme once the request starts
/// again at the new URL (the model names that URL; not measured).
fn check_scheme(trace: &mut Trace, target: &Url, mode: Mode) -> Result<(), Blocked> {
    const STEP: &str = "Fetch §4.4 HTTP-redirect fetch, step 5";
    if target.is_http() {
        return Ok(());
    }
    trace.fail(
        CheckId::RedirectScheme,
        STEP,
        format!("The redirect goes to a {}: URL; CORS only works over HTTP(S).", target.scheme),
    );
    let failure = if mode == Mode::NoCors {
        Failure::Network { net_error: None, preflight: false }
    } else {
        Failure::RedirectToNonHttp { scheme: target.scheme.clone() }
    };
    Err(block(failure, CheckId::RedirectScheme, STEP, target.serialize()))
}
