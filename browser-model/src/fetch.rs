//! One `fetch()`, as a state machine that says what the browser sends next (sans-IO, as `quinn-proto`
//! and `rustls` are): the model never touches a socket, and every door drives it the same way — the
//! lab with the API's records, `cors-sandbox check` with real sockets, a HAR file with its entries.
//!
//! ```
//! use browser_model::{Answer, Engine, Fetch, Request, Response, Step};
//!
//! let mut fetch = Fetch::start(Engine::Chromium, "http://localhost:3000", &Request::get("http://localhost:8000/api"));
//! let verdict = loop {
//!     match fetch.step() {
//!         Step::Send(out) => {
//!             // A door sends `out` (its method, URL and `out.headers()`) and feeds back the answer.
//!             let answer = Response::new(out.url.as_str(), 200).header("Access-Control-Allow-Origin", "*");
//!             fetch.feed(Answer::Response(&answer));
//!         }
//!         Step::Done(verdict) => break verdict.clone(),
//!     }
//! };
//! assert!(verdict.allowed);
//! ```
//!
//! The walk, in the Fetch Standard's order (Blink's `FetchManager::Loader::Start`, the network service's
//! `CorsURLLoader`):
//!
//! 1. the Request constructor (`request_init`): bad methods throw, forbidden headers vanish;
//! 2. main fetch (§4.1) picks a path: same-origin, `same-origin` mode to another origin (an error),
//!    `no-cors` (opaque), an unsupported scheme (an error), or CORS;
//! 3. a CORS-preflight fetch (§4.8) when the request needs one and the preflight cache has no match;
//! 4. the request, its answer's CORS check (§4.9), and each redirect (§4.4): the method rewrite, the
//!    headers that go with the body, `Authorization` left behind on another origin, the `Origin` tainted
//!    to `null`, at most 20 hops, and a new preflight before a hop that needs one;
//! 5. the verdict, with every engine's console lines.
//!
//! The engines agree on every check and differ in a few requests (measured, docs/requests.md): after a
//! redirect, Firefox and WebKit preflight again whenever the request needed a preflight at the start —
//! Firefox with the page's own `Origin`, WebKit asking for the headers the request started with — where
//! Chromium preflights only when the request as it now stands needs one.

use crate::chain::{Chain, Next};
use crate::engine::Engine;
use crate::failure::Failure;
use crate::messages::MessageContext;
use crate::names::CheckId;
use crate::origin::Page;
use crate::preflight::{self, PreflightReason};
use crate::preflight_cache::PreflightCache;
use crate::preflight_response::{self, PreflightInput};
use crate::request::{Credentials, Mode, RedirectMode, Request, Response};
use crate::request_init::{self, Prepared};
use crate::url::{Origin, Url};
use crate::verdict::{self, Blocked, PreflightSummary, Trace, Verdict};
use crate::wire::{self, Lines, SecFetchSite};

/// What the browser's cookie jar holds for one host: `cookie` is the `Cookie` header's value for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieJar {
    /// The host the cookies belong to (`localhost`, `api.example.com`).
    pub host: String,
    /// `a=1; b=2`.
    pub cookie: String,
}

/// Which request of the walk this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// The `OPTIONS` CORS-preflight request, before the request (or before a redirect's next hop).
    Preflight,
    /// The request itself, at the URL `fetch()` was given.
    Request,
    /// The request again, at the URL a redirect pointed to.
    Redirect,
}

impl Sending {
    /// `preflight`, `request` or `redirect`: the word `check --json` and the HAR reader use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sending::Preflight => "preflight",
            Sending::Request => "request",
            Sending::Redirect => "redirect",
        }
    }
}

/// A request the browser sends, exactly as the engine sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub sending: Sending,
    /// How many redirects were followed before this request.
    pub hop: u32,
    /// The method, normalised as `fetch()` normalises it (`patch` stays `patch`).
    pub method: String,
    /// The URL, its fragment included; the request line carries [`Url::request_target`].
    pub url: Url,
    /// The `Origin` header, when the engine sends one: the page's origin, or `null` once tainted.
    pub origin: Option<String>,
    /// The body, when the request still has one.
    pub body: Option<String>,
    /// Whether the browser attaches its cookies (and HTTP authentication) to this request.
    pub credentials: bool,
    engine: Engine,
    /// `Access-Control-Request-Method` and `-Headers`, for a preflight.
    asks: Option<(String, Option<String>)>,
    /// The page's own headers that go, as the page wrote their names.
    author: Vec<(String, String)>,
    mode: Mode,
    site: SecFetchSite,
    referrer: String,
    storage_access: bool,
    cross_origin_hop: bool,
    cookie: Option<String>,
}

impl Outgoing {
    /// Every header line the engine writes for this request, in its order: the page's own headers and
    /// the engine's (`Accept`, `Origin`, `Sec-Fetch-*`, `Referer`, `Access-Control-Request-*`, the
    /// cookie). The transport's lines (`Host`, `Connection`, `Content-Length`) are the door's.
    pub fn headers(&self) -> Vec<(String, String)> {
        Lines {
            engine: self.engine,
            preflight: self.asks.as_ref().map(|(m, h)| (m.as_str(), h.as_deref())),
            author: &self.author,
            origin: self.origin.as_deref(),
            mode: self.mode,
            site: self.site,
            referrer: &self.referrer,
            trustworthy: is_potentially_trustworthy(&self.url),
            storage_access: self.storage_access,
            cross_origin_hop: self.cross_origin_hop,
            cookie: self.cookie.as_deref(),
        }
        .headers()
    }

    /// `Access-Control-Request-Method`, for a preflight.
    pub fn access_control_request_method(&self) -> Option<&str> {
        self.asks.as_ref().map(|(method, _)| method.as_str())
    }

    /// `Access-Control-Request-Headers`, for a preflight that asks for any.
    pub fn access_control_request_headers(&self) -> Option<&str> {
        self.asks.as_ref().and_then(|(_, headers)| headers.as_deref())
    }
}

/// What came back for an [`Outgoing`] request. The door keeps the response; the model only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// The server answered (its status and every header line; its `url` is not read).
    Response(&'a Response),
    /// No answer: the connection was refused or reset, or timed out; the `net::ERR_*` name when known.
    NetworkError(Option<&'static str>),
    /// A door that replays a recording: the browser answered this preflight from its preflight cache
    /// (no `OPTIONS` was recorded, yet the request was).
    FromPreflightCache,
    /// A door that replays a recording: nothing was recorded for this request. For the first preflight
    /// and for a request that is a network error; for a preflight after a redirect the model assumes it
    /// passed, and says so.
    NotRecorded,
}

/// What the browser does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// Send this request and [`Fetch::feed`] its answer.
    Send(&'a Outgoing),
    /// The `fetch()` is settled.
    Done(&'a Verdict),
}

/// One `fetch()` in progress. See the module's documentation.
#[derive(Debug, Clone)]
pub struct Fetch {
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    /// `out` has gone out; its answer is awaited.
    Waiting(Box<Walk>, Box<Outgoing>),
    Done(Box<Verdict>),
}

/// The walk's memory between steps.
#[derive(Debug, Clone)]
struct Walk {
    engine: Engine,
    /// The body `fetch()` was given.
    body: Option<String>,
    /// The page's header names as it wrote them (the constructor lower-cases them).
    written_names: Vec<String>,
    trace: Trace,
    summary: PreflightSummary,
    /// The `Origin` header on the first request.
    origin_header: Option<String>,
    initial_url: String,
    chain: Chain,
    /// Why the request as constructed needed a preflight (Firefox and WebKit preflight again after a
    /// redirect whenever it did).
    first_reason: Option<PreflightReason>,
    /// The least trusting `Sec-Fetch-Site` over the URLs so far.
    site: SecFetchSite,
    /// The origin of the URL `fetch()` was given.
    first_origin: Origin,
    /// `Referer` on the first request (WebKit's preflights after a redirect repeat it).
    first_referrer: String,
    cache: PreflightCache,
    cookie: Option<CookieJar>,
    /// The preflight now out, and what it asks for.
    pending_preflight: Option<PendingPreflight>,
}

#[derive(Debug, Clone)]
struct PendingPreflight {
    method: String,
    names: Vec<String>,
    origin: Origin,
}

impl crate::preflight_cache::Asks for PendingPreflight {
    fn method(&self) -> &str {
        &self.method
    }

    fn names(&self) -> &[String] {
        &self.names
    }
}

impl Fetch {
    /// Starts `fetch(init.url, init)` from a page at `page_origin` (an origin, a page's URL, or `null`),
    /// as `engine` runs it: the Request constructor and main fetch's first decisions.
    pub fn start(engine: Engine, page_origin: &str, init: &Request) -> Fetch {
        Fetch::start_with_cookie(engine, page_origin, init, None)
    }

    /// As [`Fetch::start`], with the browser's cookie for the request's site (`a=1; b=2`): it goes with
    /// every request the credentials mode lets carry it, never with a preflight.
    pub fn start_with_cookie(
        engine: Engine,
        page_origin: &str,
        init: &Request,
        cookie: Option<&CookieJar>,
    ) -> Fetch {
        let page = Page::parse(page_origin);
        let mut trace = Trace::default();
        let prepared = match request_init::prepare(init) {
            Ok(prepared) => prepared,
            Err(error) => {
                let verdict = verdict::type_error(
                    trace,
                    CheckId::RequestConstructor,
                    error.step,
                    error.js_error,
                    error.explanation,
                    init.url.clone(),
                );
                return Fetch { state: State::Done(Box::new(verdict)) };
            }
        };
        record_construction(&mut trace, &prepared);
        let initial_url = prepared.url.serialize();
        let same_origin = prepared.url.is_of(&page.origin);
        if let Err(blocked) = main_fetch(&mut trace, &page, init, &prepared, same_origin) {
            let origin = page.origin_text();
            let cx = context(&page, &origin, &origin, &initial_url, &initial_url);
            let verdict = verdict::blocked(trace, PreflightSummary::default(), None, blocked, &cx);
            return Fetch { state: State::Done(Box::new(verdict)) };
        }
        let cors_flag = !same_origin && init.mode == Mode::Cors;
        // The `Origin` header Chromium puts on the first request (CorsURLLoader::StartRequest).
        let origin_header = (cors_flag || (prepared.method != "GET" && prepared.method != "HEAD"))
            .then(|| page.origin_text());
        let chain = Chain {
            engine,
            page: page.clone(),
            credentials: init.credentials,
            mode: init.mode,
            redirect_mode: init.redirect,
            current: prepared.url.clone(),
            method: prepared.method.clone(),
            headers: prepared.headers.clone(),
            has_body: init.body.is_some(),
            cors_flag,
            tainted: false,
            opaque: !same_origin && init.mode == Mode::NoCors,
            redirects: 0,
            crossed_origin: false,
            ever_crossed_origin: false,
        };
        // Only Firefox and WebKit look back at it (after a redirect).
        let first_reason = (engine != Engine::Chromium)
            .then(|| preflight::reason_for(&prepared.method, &prepared.headers))
            .flatten();
        let walk = Walk {
            engine,
            body: init.body.clone(),
            written_names: init.headers.iter().map(|(name, _)| name.clone()).collect(),
            trace,
            summary: PreflightSummary::default(),
            origin_header,
            initial_url,
            chain,
            first_reason,
            site: SecFetchSite::SameOrigin,
            first_origin: prepared.url.origin(),
            first_referrer: String::new(),
            cache: PreflightCache::default(),
            cookie: cookie.cloned(),
            pending_preflight: None,
        };
        Fetch { state: Box::new(walk).next() }
    }

    /// What the browser does next: send a request, or nothing more.
    pub fn step(&self) -> Step<'_> {
        match &self.state {
            State::Waiting(_, out) => Step::Send(out),
            State::Done(verdict) => Step::Done(verdict),
        }
    }

    /// Gives the answer to the request [`Fetch::step`] asked for. After `Done`, it changes nothing.
    pub fn feed(&mut self, answer: Answer<'_>) {
        let state = std::mem::replace(&mut self.state, State::Done(Box::default()));
        self.state = match state {
            State::Waiting(walk, out) => walk.answer(&out, answer),
            done @ State::Done(_) => done,
        };
    }

    /// The verdict, once the walk is done (`None` while a request is still out).
    pub fn into_verdict(self) -> Option<Verdict> {
        match self.state {
            State::Done(verdict) => Some(*verdict),
            State::Waiting(..) => None,
        }
    }
}

impl Walk {
    /// The next request at `chain.current`: a preflight first when one is needed and not cached.
    fn next(mut self: Box<Self>) -> State {
        if let Some(asks) = self.preflight_needed() {
            let cached = self.cache.allows(&asks.origin, &self.chain.current, self.include(), &asks);
            if cached {
                self.trace.pass(
                    CheckId::PreflightCache,
                    "Fetch §4.3 HTTP fetch (CORS-preflight cache match)",
                    format!(
                        "The preflight cache still holds an answer from {} that allows {}: no new preflight.",
                        self.chain.current.serialize(),
                        asks.method
                    ),
                );
            } else {
                let out = self.outgoing_preflight(&asks);
                self.pending_preflight = Some(asks);
                return State::Waiting(self, Box::new(out));
            }
        }
        let out = self.outgoing_request();
        State::Waiting(self, Box::new(out))
    }

    fn include(&self) -> bool {
        self.chain.credentials == Credentials::Include
    }

    /// Whether a preflight goes before the request at `chain.current`, and what it asks for.
    fn preflight_needed(&mut self) -> Option<PendingPreflight> {
        if !self.chain.cors_flag {
            return None;
        }
        let now = preflight::reason_for(&self.chain.method, &self.chain.headers);
        let first = self.chain.redirects == 0;
        if first {
            let reason = self.record_preflight_reason(now)?;
            return Some(PendingPreflight {
                method: self.chain.method.clone(),
                names: reason.unsafe_header_names(),
                origin: self.chain.request_origin(),
            });
        }
        // After a redirect: measured per engine (docs/requests.md, "The second preflight").
        let (needed, names, origin) = match self.engine {
            Engine::Chromium => {
                let names = now.as_ref().map(PreflightReason::unsafe_header_names).unwrap_or_default();
                (now.is_some(), names, self.chain.request_origin())
            }
            Engine::Firefox => {
                let names = now.as_ref().map(PreflightReason::unsafe_header_names).unwrap_or_default();
                (now.is_some() || self.first_reason.is_some(), names, self.chain.page.origin.clone())
            }
            Engine::Webkit => {
                let mut names =
                    self.first_reason.as_ref().map(PreflightReason::unsafe_header_names).unwrap_or_default();
                for name in now.as_ref().map(PreflightReason::unsafe_header_names).unwrap_or_default() {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                names.sort();
                (now.is_some() || self.first_reason.is_some(), names, self.chain.request_origin())
            }
        };
        if !needed {
            return None;
        }
        let target = self.chain.current.serialize();
        let why = match &now {
            Some(reason) => reason.explain(),
            None => format!(
                "{} preflights every hop of a request that needed a preflight at the start",
                self.engine.name()
            ),
        };
        self.trace.pass(
            CheckId::RedirectPreflight,
            "Fetch §4.3 HTTP fetch (a CORS-preflight fetch before each cross-origin hop)",
            format!(
                "{} sends a new preflight to {target} (Origin: {}) because {why}.",
                self.engine.name(),
                origin.serialize()
            ),
        );
        Some(PendingPreflight { method: self.chain.method.clone(), names, origin })
    }

    /// The first preflight's reason, recorded in the trace and the summary either way.
    fn record_preflight_reason(&mut self, reason: Option<PreflightReason>) -> Option<PreflightReason> {
        const STEP: &str = "Fetch §4.1 main fetch, step 12; §4.3 HTTP fetch";
        let method = self.chain.method.clone();
        let Some(reason) = reason else {
            self.trace.pass(
                CheckId::PreflightNeeded,
                STEP,
                format!("No preflight: {method} is CORS-safelisted and every header is CORS-safelisted."),
            );
            return None;
        };
        let acrh = reason
            .access_control_request_headers()
            .map(|h| format!(" and Access-Control-Request-Headers: {h}"))
            .unwrap_or_default();
        self.trace.pass(
            CheckId::PreflightNeeded,
            STEP,
            format!(
                "A preflight is needed because {}. The browser first sends OPTIONS {} with \
                 Access-Control-Request-Method: {method}{acrh}, without cookies.",
                reason.explain(),
                self.chain.current.serialize(),
            ),
        );
        self.summary.sent = true;
        self.summary.reason = Some(reason.explain());
        Some(reason)
    }

    /// The request at `chain.current`, as the engine writes it.
    fn outgoing_request(&mut self) -> Outgoing {
        let referrer = self.referrer();
        if self.chain.redirects == 0 {
            self.first_referrer = referrer.clone();
        }
        let chain = &self.chain;
        let cors_or_unsafe_method = chain.cors_flag || !matches!(chain.method.as_str(), "GET" | "HEAD");
        let origin = cors_or_unsafe_method.then(|| chain.request_origin_text());
        // Fetch §4.5 step 8: cookies go with `include`, and with `same-origin` while the response
        // tainting is still "basic" (a request that has been cross-origin never gets them back).
        let credentials = match chain.credentials {
            Credentials::Include => true,
            Credentials::SameOrigin => !chain.cors_flag && !chain.opaque,
            Credentials::Omit => false,
        };
        self.site = self.fetch_site();
        let author = self.author_headers();
        let sending = if chain.redirects == 0 { Sending::Request } else { Sending::Redirect };
        Outgoing {
            sending,
            hop: chain.redirects,
            method: chain.method.clone(),
            url: chain.current.clone(),
            origin,
            body: if chain.has_body { self.body.clone() } else { None },
            credentials,
            engine: self.engine,
            asks: None,
            author,
            mode: chain.mode,
            site: self.site,
            referrer,
            storage_access: self.storage_access(),
            cross_origin_hop: chain.redirects > 0 && chain.crossed_origin,
            cookie: self
                .cookie
                .as_ref()
                .filter(|jar| credentials && jar.host == chain.current.host())
                .map(|jar| jar.cookie.clone()),
        }
    }

    /// The preflight before the request at `chain.current`.
    fn outgoing_preflight(&mut self, asks: &PendingPreflight) -> Outgoing {
        // Measured: WebKit's preflight after a redirect repeats the first request's Referer and counts
        // every URL so far in its Sec-Fetch-Site; Chromium's and Firefox's name this URL alone.
        let (referrer, site) = match self.engine {
            Engine::Webkit if self.chain.redirects > 0 => (self.first_referrer.clone(), self.fetch_site()),
            _ => (self.referrer(), self.site_of(&self.chain.current)),
        };
        let chain = &self.chain;
        let headers = (!asks.names.is_empty()).then(|| asks.names.join(","));
        Outgoing {
            sending: Sending::Preflight,
            hop: chain.redirects,
            method: "OPTIONS".into(),
            url: chain.current.clone(),
            origin: Some(asks.origin.serialize()),
            body: None,
            credentials: false,
            engine: self.engine,
            asks: Some((asks.method.clone(), headers)),
            author: Vec::new(),
            mode: Mode::Cors,
            site,
            referrer,
            storage_access: self.engine == Engine::Firefox && self.storage_access(),
            cross_origin_hop: false,
            cookie: None,
        }
    }

    /// Whether a credentialed request says `Sec-Fetch-Storage-Access: none` (measured, docs/requests.md):
    /// Chromium on every request to another site; Firefox only while the request is still at its first
    /// URL's origin (and on its preflights); WebKit never.
    fn storage_access(&self) -> bool {
        let chain = &self.chain;
        let cross_site = self.site_of(&chain.current) == SecFetchSite::CrossSite;
        let include = chain.credentials == Credentials::Include;
        match self.engine {
            Engine::Chromium => include && cross_site,
            Engine::Firefox => include && cross_site && chain.current.is_of(&self.first_origin),
            Engine::Webkit => false,
        }
    }

    /// The page's headers still on the request, with the names as the page wrote them.
    fn author_headers(&self) -> Vec<(String, String)> {
        self.chain
            .headers
            .iter()
            .map(|(name, value)| {
                let written = self
                    .written_names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(name))
                    .map_or_else(|| name.clone(), Clone::clone);
                (written, value.clone())
            })
            .collect()
    }

    /// `Sec-Fetch-Site` for the request at `chain.current` (measured, docs/requests.md): the least
    /// trusting relation over the URLs since the request last started — a preflight after a redirect
    /// starts it again — and for Firefox, cross-site once any hop went to another origin.
    fn fetch_site(&self) -> SecFetchSite {
        let here = self.site_of(&self.chain.current);
        if self.engine == Engine::Firefox && self.chain.redirects > 0 && self.chain.ever_crossed_origin {
            return SecFetchSite::CrossSite;
        }
        self.site.max(here)
    }

    fn site_of(&self, url: &Url) -> SecFetchSite {
        match &self.chain.page.origin {
            Origin::Tuple { scheme, host, port } => {
                wire::site_of((scheme, host, *port), (url.scheme(), url.host(), url.explicit_port()))
            }
            Origin::Opaque => SecFetchSite::CrossSite,
        }
    }

    /// `Referer` under `strict-origin-when-cross-origin`: the page's URL while every URL so far was on the
    /// page's origin, its origin alone once one was not (measured: a redirect back to the page's origin
    /// does not bring the path back).
    fn referrer(&self) -> String {
        let page = &self.chain.page;
        let left_the_page = self.chain.cors_flag || self.chain.opaque;
        if !left_the_page && self.chain.current.is_of(&page.origin) {
            page.url.split('#').next().unwrap_or_default().to_string()
        } else {
            format!("{}/", page.origin_str())
        }
    }

    /// Takes the answer to `out`.
    fn answer(mut self: Box<Self>, out: &Outgoing, answer: Answer<'_>) -> State {
        if out.sending == Sending::Preflight {
            return self.preflight_answered(answer);
        }
        let response = match answer {
            Answer::Response(response) => response,
            Answer::NetworkError(net_error) => {
                let blocked = self.network_error(net_error, false);
                return self.blocked(blocked);
            }
            Answer::NotRecorded | Answer::FromPreflightCache => {
                let blocked = self.chain.no_response(&mut self.trace);
                return self.blocked(blocked);
            }
        };
        match self.chain.answer(&mut self.trace, response) {
            Ok(Next::Deliver(delivered)) => {
                let verdict = verdict::allowed(self.trace, self.summary, self.origin_header, delivered);
                State::Done(Box::new(verdict))
            }
            Ok(Next::Follow) => self.next(),
            Err(blocked) => self.blocked(blocked),
        }
    }

    /// Takes the answer to the preflight now out.
    fn preflight_answered(mut self: Box<Self>, answer: Answer<'_>) -> State {
        let asks = self.pending_preflight.take().unwrap_or_else(|| PendingPreflight {
            method: self.chain.method.clone(),
            names: Vec::new(),
            origin: self.chain.request_origin(),
        });
        let first = self.chain.redirects == 0;
        let url_text = self.chain.current.serialize();
        let response = match answer {
            Answer::Response(response) => response,
            Answer::FromPreflightCache => {
                self.trace.pass(
                    CheckId::PreflightCache,
                    "Fetch §4.3 HTTP fetch (CORS-preflight cache match)",
                    "No OPTIONS was recorded but the actual request was: the browser must have \
                     reused a cached preflight result, so the model assumes it allowed the request."
                        .into(),
                );
                self.trace.note(
                    "Assumed: a cached preflight result allowed this request (no OPTIONS was \
                     recorded). Use cache: \"no-store\" or Access-Control-Max-Age: 0 to see every \
                     preflight.",
                );
                return self.request_after_preflight();
            }
            Answer::NotRecorded if !first => {
                self.trace.note(format!(
                    "Assumed: the preflight {} sends to {url_text} after the redirect passed (it was \
                     not part of the recorded exchange).",
                    self.engine.name()
                ));
                return self.request_after_preflight();
            }
            Answer::NotRecorded => {
                const STEP: &str = "Fetch §4.8 CORS-preflight fetch (network error)";
                self.trace.fail(
                    CheckId::PreflightResponse,
                    STEP,
                    "No response to the preflight was recorded: to the browser that is a network \
                     error, and the actual request is never sent."
                        .into(),
                );
                let failure = Failure::Network { net_error: None, preflight: true };
                let blocked =
                    Blocked { failure, check: CheckId::PreflightResponse, step: STEP, url: url_text };
                return self.blocked(blocked);
            }
            Answer::NetworkError(net_error) => {
                let blocked = self.network_error(net_error, true);
                return self.blocked(blocked);
            }
        };
        let input = PreflightInput {
            method: &asks.method,
            unsafe_names: &asks.names,
            has_authorization: self.chain.headers.iter().any(|(n, _)| n == "authorization"),
            credentials: self.chain.credentials,
            origin: &asks.origin,
            url: &self.chain.current,
        };
        match preflight_response::check(&mut self.trace, response, &input) {
            Ok(seconds) => {
                if first {
                    self.summary.cache_seconds = Some(seconds);
                }
                let include = self.include();
                self.cache.store(
                    &asks.origin,
                    &self.chain.current,
                    include,
                    &asks.method,
                    &asks.names,
                    seconds,
                );
                self.request_after_preflight()
            }
            Err((failure, check, step)) => self.blocked(Blocked { failure, check, step, url: url_text }),
        }
    }

    fn request_after_preflight(mut self: Box<Self>) -> State {
        let out = self.outgoing_request();
        State::Waiting(self, Box::new(out))
    }

    /// A request that got no answer at all.
    fn network_error(&mut self, net_error: Option<&'static str>, preflight: bool) -> Blocked {
        const STEP: &str = "Fetch §4.6 HTTP-network fetch (network error)";
        let url = self.chain.current.serialize();
        let what = if preflight { "The preflight to" } else { "The request to" };
        let name = net_error.map(|e| format!(" ({e})")).unwrap_or_default();
        self.trace.fail(
            if preflight { CheckId::PreflightResponse } else { CheckId::Response },
            STEP,
            format!(
                "{what} {url} got no answer{name}: the connection was refused, reset or timed out. To \
                 the browser that is a network error, not a CORS failure, though Firefox words it as one."
            ),
        );
        let check = if preflight { CheckId::PreflightResponse } else { CheckId::Response };
        Blocked { failure: Failure::Network { net_error, preflight }, check, step: STEP, url }
    }

    fn blocked(self: Box<Self>, blocked: Blocked) -> State {
        let walk = *self;
        let failing_url = blocked.url.clone();
        let origin = walk.chain.page.origin_text();
        let request_origin = walk.chain.request_origin().serialize();
        let cx = context(&walk.chain.page, &origin, &request_origin, &walk.initial_url, &failing_url);
        let verdict = verdict::blocked(walk.trace, walk.summary, walk.origin_header, blocked, &cx);
        State::Done(Box::new(verdict))
    }
}

/// What the console lines name besides the failure.
fn context<'a>(
    page: &'a Page,
    origin: &'a str,
    request_origin: &'a str,
    initial_url: &'a str,
    failing_url: &'a str,
) -> MessageContext<'a> {
    MessageContext { initial_url, failing_url, origin, request_origin, page_url: &page.url }
}

/// Whether `host` is this machine's (a loopback address, `localhost` or a name under it).
pub(crate) fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.") || host == "[::1]"
}

/// A "potentially trustworthy" URL (Secure Contexts §3.1): `https:`, or `http:` to this machine, which
/// Chromium and Firefox let an `https:` page fetch without calling it mixed content.
pub fn is_potentially_trustworthy(url: &Url) -> bool {
    url.is_secure() || is_loopback(url.host())
}

/// Main fetch's switch (Fetch §4.1 step 12, in Blink's `FetchManager::Loader::Start` order):
/// same-origin goes straight through; `same-origin` mode, `no-cors` with a non-follow
/// redirect mode and non-HTTP(S) URLs fail before anything is sent.
fn main_fetch(
    trace: &mut Trace,
    page: &Page,
    request: &Request,
    prepared: &Prepared,
    same_origin: bool,
) -> Result<(), Blocked> {
    const MAIN_FETCH: &str = "Fetch §4.1 main fetch";
    let url_text = prepared.url.serialize();
    if same_origin {
        trace.pass(
            CheckId::SameOrigin,
            MAIN_FETCH,
            format!(
                "{url_text} has the page's scheme, host and port: a same-origin request, so no \
                 CORS check runs."
            ),
        );
        return Ok(());
    }
    let early = match (request.mode, request.redirect) {
        (Mode::SameOrigin, _) => Some((
            Failure::SameOriginMode,
            "mode: \"same-origin\" allows only the page's own origin, so fetch() fails before \
             sending anything.",
        )),
        (Mode::NoCors, RedirectMode::Manual | RedirectMode::Error) => {
            Some((Failure::NoCorsRedirectNotFollow, "mode: \"no-cors\" requires redirect: \"follow\"."))
        }
        _ if !prepared.url.is_http() => Some((
            Failure::UnsupportedScheme { scheme: prepared.url.scheme().to_string() },
            "fetch() only loads http: and https: URLs cross-origin.",
        )),
        _ => None,
    };
    if let Some((failure, why)) = early {
        trace.fail(CheckId::Mode, MAIN_FETCH, why.to_string());
        return Err(Blocked { failure, check: CheckId::Mode, step: MAIN_FETCH, url: url_text });
    }
    let path = if request.mode == Mode::NoCors {
        "mode \"no-cors\" gives an opaque response and skips every CORS check"
    } else {
        "the CORS protocol applies"
    };
    trace.pass(
        CheckId::SameOrigin,
        MAIN_FETCH,
        format!("{url_text} is cross-origin to {}: {path}.", page.origin_text()),
    );
    Ok(())
}

/// Records what the constructor did, including the headers it dropped without a word.
fn record_construction(trace: &mut Trace, prepared: &Prepared) {
    let mut explanation = format!("fetch() builds a {} request.", prepared.method);
    for (name, why) in &prepared.dropped {
        explanation.push_str(&format!(" The header {name} is not sent: {why}."));
        // Without a word from the browser: say it where the learner reads.
        trace.note(format!("The header {name} was dropped without a word: {why}."));
    }
    trace.pass(CheckId::RequestConstructor, "Fetch §5.4 Request constructor", explanation);
}
