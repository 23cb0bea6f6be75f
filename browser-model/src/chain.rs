//! Walking the actual request's responses: redirects first, then the final response.
//!
//! HTTP fetch (Fetch §4.3) runs the CORS check on *every* response while the CORS flag is set
//! — each redirect hop as well as the last response — before §4.4 decides whether to follow.
//! The CORS flag is set once the request's URL is cross-origin to the page (in `cors` mode)
//! and stays set, so a same-origin request redirected elsewhere becomes a CORS request there.

use crate::cors_check::cors_check;
use crate::engine::Engine;
use crate::exposure::readable_headers;
use crate::failure::Failure;
use crate::names::{CheckId, ResponseType};
use crate::origin::Page;
use crate::redirect::{self, MAX_REDIRECTS};
use crate::request::{Credentials, Mode, RedirectMode, Response};
use crate::url::{Origin, Url};
use crate::verdict::{Blocked, Delivered, Trace};

/// The state of the request as it moves along the redirect chain.
#[derive(Debug, Clone)]
pub(crate) struct Chain {
    /// The engine whose walk this is (it decides how a `Location` is read).
    pub(crate) engine: Engine,
    pub(crate) page: Page,
    pub(crate) credentials: Credentials,
    pub(crate) mode: Mode,
    pub(crate) redirect_mode: RedirectMode,
    /// The request's current URL.
    pub(crate) current: Url,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    /// Whether the request still has its body (a method rewritten to GET drops it).
    pub(crate) has_body: bool,
    /// Fetch's CORS flag (response tainting "cors").
    pub(crate) cors_flag: bool,
    /// Fetch's tainted-origin flag: the origin is now serialized as `null`.
    pub(crate) tainted: bool,
    /// Response tainting "opaque" (a no-cors request that went cross-origin).
    pub(crate) opaque: bool,
    /// Redirects followed so far.
    pub(crate) redirects: u32,
    /// The last hop went to another origin than the URL before it.
    pub(crate) crossed_origin: bool,
    /// Some hop went to another origin than the URL before it.
    pub(crate) ever_crossed_origin: bool,
}

/// What one response does to the walk.
pub(crate) enum Next {
    /// It is what JavaScript gets.
    Deliver(Delivered),
    /// It was a redirect, followed: `current` is the next URL.
    Follow,
}

fn block(failure: Failure, check: CheckId, step: &'static str, url: String) -> Blocked {
    Blocked { failure, check, step, url }
}

impl Chain {
    /// The request's origin as `Origin:` carries it: the page's, or `null` once tainted.
    pub(crate) fn request_origin_text(&self) -> String {
        if self.tainted { "null".to_string() } else { self.page.origin_text() }
    }

    /// The request's origin as the CORS check sees it.
    pub(crate) fn request_origin(&self) -> Origin {
        if self.tainted { Origin::Opaque } else { self.page.origin.clone() }
    }

    /// Takes one response to the request at `current`: the CORS check when the CORS flag is set
    /// (§4.3 HTTP fetch runs it on every response, redirect or not), then, for a redirect, the redirect
    /// mode and §4.4's steps; otherwise the response is what JS gets.
    pub(crate) fn answer(&mut self, trace: &mut Trace, response: &Response) -> Result<Next, Blocked> {
        let url = self.current.serialize();
        let location = redirect::location_for(self.engine, response);
        let location = location.as_deref();
        if self.cors_flag {
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
            return Ok(Next::Deliver(self.deliver(trace, response)));
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
            return Ok(Next::Deliver(Delivered {
                response_type: ResponseType::OpaqueRedirect,
                status: 0,
                readable_headers: Vec::new(),
            }));
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
        self.redirects += 1;
        self.follow(trace, response, location, &url, self.redirects)?;
        Ok(Next::Follow)
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
        check_scheme(trace, &target, self.mode, url)?;
        self.rewrite_request(trace, response.status, &target, url, count);
        self.enter_mode(trace, &target)?;
        self.crossed_origin = !self.current.same_origin_as(&target);
        self.ever_crossed_origin |= self.crossed_origin;
        self.current = target;
        Ok(())
    }

    /// §4.4 steps 2–4: the `Location` must parse, relative to the current URL.
    fn resolve(&self, trace: &mut Trace, location: &str, url: &str) -> Result<Url, Blocked> {
        const STEP: &str = "Fetch §4.4 HTTP-redirect fetch, steps 2–4";
        // WebKit refuses an empty `Location` where the URL parser would resolve it to this URL
        // (measured: Firefox follows it to the same URL until the 21st redirect).
        let resolved = if location.is_empty() && self.engine == Engine::Webkit {
            None
        } else {
            self.current.resolve(location)
        };
        resolved.ok_or_else(|| {
            trace.fail(
                CheckId::RedirectLocation,
                STEP,
                format!("The Location {location:?} is not a valid URL."),
            );
            let failure = Failure::InvalidRedirect { location: location.to_string() };
            block(failure, CheckId::RedirectLocation, STEP, url.into())
        })
    }

    /// §4.4 steps 8–9: no credentials in the URL of a cross-origin CORS redirect.
    fn check_userinfo(&self, trace: &mut Trace, target: &Url, url: &str) -> Result<(), Blocked> {
        const STEP: &str = "Fetch §4.4 HTTP-redirect fetch, steps 8–9";
        let cross_to_page = !target.is_of(&self.page.origin);
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
        let failure = Failure::RedirectContainsCredentials { target: target.serialize() };
        Err(block(failure, CheckId::RedirectCredentials, STEP, url.into()))
    }

    /// §4.4 steps 11–13: the method may become GET (dropping the body headers), Authorization stays
    /// behind on another origin, and leaving a URL that was already cross-origin taints the origin.
    fn rewrite_request(&mut self, trace: &mut Trace, status: u16, target: &Url, url: &str, count: u32) {
        let new_method = redirect::method_after(status, &self.method);
        if new_method != self.method {
            // §4.4 step 11: the body goes, and with it the headers that describe it.
            self.headers.retain(|(name, _)| !redirect::is_request_body_header(name));
            self.has_body = false;
        }
        if !self.current.same_origin_as(target) {
            self.headers.retain(|(name, _)| name != "authorization");
        }
        if !self.current.same_origin_as(target) && !self.current.is_of(&self.page.origin) {
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
        let cross_to_page = !target.is_of(&self.page.origin);
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
    pub(crate) fn no_response(&self, trace: &mut Trace) -> Blocked {
        let (url, redirects) = (self.current.serialize(), self.redirects);
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
    Err(block(Failure::TooManyRedirects, CheckId::RedirectCount, STEP, url.into()))
}

/// §4.4 step 5: only HTTP(S) locations. Chromium reports CorsDisabledScheme once the request starts
/// again at the new URL (measured: `ftp:`), but refuses the schemes it never follows from the network
/// (`data:` measured; `file:`, `about:`, `javascript:`, `blob:`, `filesystem:` by its
/// `IsSafeRedirectTarget`) as an unsafe redirect, with no CORS line.
fn check_scheme(trace: &mut Trace, target: &Url, mode: Mode, from: &str) -> Result<(), Blocked> {
    const STEP: &str = "Fetch §4.4 HTTP-redirect fetch, step 5";
    if target.is_http() {
        return Ok(());
    }
    trace.fail(
        CheckId::RedirectScheme,
        STEP,
        format!("The redirect goes to a {}: URL; CORS only works over HTTP(S).", target.scheme()),
    );
    let unsafe_target =
        matches!(target.scheme(), "data" | "file" | "about" | "javascript" | "blob" | "filesystem");
    if unsafe_target {
        let failure = Failure::UnsafeRedirect { target: target.serialize() };
        return Err(block(failure, CheckId::RedirectScheme, STEP, from.into()));
    }
    let failure = if mode == Mode::NoCors {
        Failure::Network { net_error: None, preflight: false }
    } else {
        Failure::RedirectToNonHttp { scheme: target.scheme().to_string(), from: from.to_string() }
    };
    Err(block(failure, CheckId::RedirectScheme, STEP, target.serialize()))
}
