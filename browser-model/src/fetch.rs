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

mod before_sending;
mod main_fetch;
mod outgoing;
mod walk;

use crate::address_space::AddressSpace;
use crate::chain::Chain;
use crate::engine::Engine;
use crate::local_network::{self, PageState};
use crate::names::CheckId;
use crate::origin::Page;
use crate::preflight;
use crate::preflight_cache::PreflightCache;
use crate::request::{Mode, Request, Response};
use crate::request_init;
use crate::url::Url;
use crate::verdict::{self, PreflightSummary, Trace, Verdict};
use crate::wire::{Lines, SecFetchSite};

use main_fetch::{main_fetch, record_construction};
pub use outgoing::is_potentially_trustworthy;
use walk::{Walk, context};

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
    /// The target's address space, when the URL's host says it (an IP address, `localhost`); for any other
    /// name the door that resolves it may tell the model with [`Answer::AddressSpace`] before sending, so
    /// that Local Network Access is judged on the address the browser would connect to.
    pub address_space: Option<AddressSpace>,
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
    /// A door that replays a recording: nothing reached the server, because the browser answered this request
    /// from its HTTP cache (Fetch §4.5) with the response it had stored — the recording's earlier answer for
    /// the same URL, judged as if it had just arrived, as the engines do (docs/console-messages.md row 39) —
    /// or `None` when that response is not known: the verdict then says so instead of guessing.
    FromHttpCache(Option<&'a Response>),
    /// Not an answer yet: the request's host resolved to an address in this space. The model judges Local
    /// Network Access again and either refuses the request or asks for it again.
    AddressSpace(AddressSpace),
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

impl Fetch {
    /// Starts `fetch(init.url, init)` from a page at `page_origin` (an origin, a page's URL, or `null`),
    /// as `engine` runs it: the Request constructor and main fetch's first decisions.
    pub fn start(engine: Engine, page_origin: &str, init: &Request) -> Fetch {
        Fetch::start_with_cookie(engine, page_origin, init, None)
    }

    /// As [`Fetch::start`], with the browser's cookie for one host: it goes with every request to that
    /// host the credentials mode lets carry it, never with a preflight.
    pub fn start_with_cookie(
        engine: Engine,
        page_origin: &str,
        init: &Request,
        cookie: Option<&CookieJar>,
    ) -> Fetch {
        let state = PageState { cookie: cookie.cloned(), ..PageState::default() };
        Fetch::start_in(engine, page_origin, init, &state)
    }

    /// As [`Fetch::start`], in a page whose state is `state`: its cookies, its address space, its Local
    /// Network Access permission.
    pub fn start_in(engine: Engine, page_origin: &str, init: &Request, state: &PageState) -> Fetch {
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
            cookie: state.cookie.clone(),
            page_space: local_network::page_space(state, page.origin.host()),
            permission: state.permission,
            declared_space: init.target_address_space,
            resolved: Vec::new(),
            local_network_access: None,
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
