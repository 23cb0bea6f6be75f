//! The walk's memory between steps, and what each answer does to it: the preflight decided (per engine
//! after a redirect), its answer judged and cached, the request's answer handed to the redirect chain, and
//! the verdict built when the walk ends.

use crate::address_space::{AddressSpace, Permission};
use crate::chain::{Chain, Next};
use crate::engine::Engine;
use crate::failure::Failure;
use crate::local_network::LocalNetworkAccess;
use crate::messages::MessageContext;
use crate::names::CheckId;
use crate::origin::Page;
use crate::preflight::{self, PreflightReason};
use crate::preflight_cache::PreflightCache;
use crate::preflight_response::{self, PreflightInput};
use crate::request::Credentials;
use crate::url::Origin;
use crate::verdict::{self, Blocked, PreflightSummary, Trace};
use crate::wire::SecFetchSite;

use super::{Answer, CookieJar, Outgoing, Sending, State};

/// The walk's memory between steps.
#[derive(Debug, Clone)]
pub(super) struct Walk {
    pub(super) engine: Engine,
    /// The body `fetch()` was given.
    pub(super) body: Option<String>,
    /// The page's header names as it wrote them (the constructor lower-cases them).
    pub(super) written_names: Vec<String>,
    pub(super) trace: Trace,
    pub(super) summary: PreflightSummary,
    /// The `Origin` header on the first request.
    pub(super) origin_header: Option<String>,
    pub(super) initial_url: String,
    pub(super) chain: Chain,
    /// Why the request as constructed needed a preflight (Firefox and WebKit preflight again after a
    /// redirect whenever it did).
    pub(super) first_reason: Option<PreflightReason>,
    /// The least trusting `Sec-Fetch-Site` over the URLs so far.
    pub(super) site: SecFetchSite,
    /// The origin of the URL `fetch()` was given.
    pub(super) first_origin: Origin,
    /// `Referer` on the first request (WebKit's preflights after a redirect repeat it).
    pub(super) first_referrer: String,
    pub(super) cache: PreflightCache,
    pub(super) cookie: Option<CookieJar>,
    /// The page's address space as the engine classifies it (`None`: unknown, an opaque origin).
    pub(super) page_space: Option<AddressSpace>,
    /// The Local Network Access permission of the page's origin.
    pub(super) permission: Permission,
    /// `fetch()`'s `targetAddressSpace`.
    pub(super) declared_space: Option<AddressSpace>,
    /// The spaces doors resolved host names to.
    pub(super) resolved: Vec<(String, AddressSpace)>,
    /// What the verdict says of Local Network Access, once a request needed it.
    pub(super) local_network_access: Option<LocalNetworkAccess>,
    /// The preflight now out, and what it asks for.
    pub(super) pending_preflight: Option<PendingPreflight>,
}

#[derive(Debug, Clone)]
pub(super) struct PendingPreflight {
    pub(super) method: String,
    pub(super) names: Vec<String>,
    pub(super) origin: Origin,
}

impl crate::preflight_cache::Asks for PendingPreflight {
    fn method(&self) -> &str {
        &self.method
    }

    fn names(&self) -> &[String] {
        &self.names
    }
}

impl Walk {
    /// The next request at `chain.current`: a preflight first when one is needed and not cached.
    pub(super) fn next(mut self: Box<Self>) -> State {
        if let Err(blocked) = self.may_go_out() {
            return self.blocked(blocked);
        }
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

    pub(super) fn include(&self) -> bool {
        self.chain.credentials == Credentials::Include
    }

    /// Whether a preflight goes before the request at `chain.current`, and what it asks for.
    pub(super) fn preflight_needed(&mut self) -> Option<PendingPreflight> {
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
    pub(super) fn record_preflight_reason(
        &mut self,
        reason: Option<PreflightReason>,
    ) -> Option<PreflightReason> {
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

    /// Takes the answer to `out`.
    pub(super) fn answer(mut self: Box<Self>, out: &Outgoing, answer: Answer<'_>) -> State {
        if let Answer::AddressSpace(space) = answer {
            return self.resolved(Box::new(out.clone()), space);
        }
        if out.sending == Sending::Preflight {
            return self.preflight_answered(answer);
        }
        let response = match answer {
            Answer::Response(response) => response,
            Answer::FromHttpCache(stored) => match self.cached_answer(stored) {
                Ok(response) => response,
                Err(blocked) => return self.blocked(blocked),
            },
            Answer::NetworkError(net_error) => {
                let blocked = self.network_error(net_error, false);
                return self.blocked(blocked);
            }
            // (An address space is taken above.)
            Answer::NotRecorded | Answer::FromPreflightCache | Answer::AddressSpace(_) => {
                let blocked = self.chain.no_response(&mut self.trace);
                return self.blocked(blocked);
            }
        };
        match self.chain.answer(&mut self.trace, response) {
            Ok(Next::Deliver(delivered)) => {
                let mut verdict = verdict::allowed(self.trace, self.summary, self.origin_header, delivered);
                verdict.local_network_access = self.local_network_access;
                State::Done(Box::new(verdict))
            }
            Ok(Next::Follow) => self.next(),
            Err(blocked) => self.blocked(blocked),
        }
    }

    /// Takes the answer to the preflight now out.
    pub(super) fn preflight_answered(mut self: Box<Self>, answer: Answer<'_>) -> State {
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
            // A preflight is never answered from the HTTP cache; a door that says so recorded nothing of it.
            Answer::NotRecorded | Answer::AddressSpace(_) | Answer::FromHttpCache(_) if !first => {
                self.trace.note(format!(
                    "Assumed: the preflight {} sends to {url_text} after the redirect passed (it was \
                     not part of the recorded exchange).",
                    self.engine.name()
                ));
                return self.request_after_preflight();
            }
            Answer::NotRecorded | Answer::AddressSpace(_) | Answer::FromHttpCache(_) => {
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

    pub(super) fn request_after_preflight(mut self: Box<Self>) -> State {
        let out = self.outgoing_request();
        State::Waiting(self, Box::new(out))
    }

    /// The answer the browser took from its HTTP cache: the stored response, to be judged as if it had just
    /// arrived; or, when nobody knows it, a verdict that says so.
    fn cached_answer<'r>(
        &mut self,
        stored: Option<&'r crate::request::Response>,
    ) -> Result<&'r crate::request::Response, Blocked> {
        const STEP: &str = "Fetch §4.5 HTTP-network-or-cache fetch (a stored response is reused)";
        let url = self.chain.current.serialize();
        match stored {
            Some(response) => {
                self.trace.pass(
                    CheckId::HttpCache,
                    STEP,
                    format!(
                        "Nothing reached the server: the browser answered {url} from its HTTP cache, with the \
                         response stored earlier (status {}). It is judged as if it had just arrived: without \
                         Vary: Origin it can carry another origin's Access-Control-Allow-Origin, or none.",
                        response.status
                    ),
                );
                Ok(response)
            }
            None => {
                self.trace.fail(
                    CheckId::HttpCache,
                    STEP,
                    format!(
                        "Nothing reached the server: the browser answered {url} from its HTTP cache, and the \
                         response it stored is not in the recording. Which check failed, and what the console \
                         printed, cannot be predicted from here: the console names the stored response's headers."
                    ),
                );
                Err(Blocked {
                    failure: Failure::CachedAnswerUnknown,
                    check: CheckId::HttpCache,
                    step: STEP,
                    url,
                })
            }
        }
    }

    /// A request that got no answer at all.
    pub(super) fn network_error(&mut self, net_error: Option<&'static str>, preflight: bool) -> Blocked {
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

    pub(super) fn blocked(self: Box<Self>, blocked: Blocked) -> State {
        let walk = *self;
        let failing_url = blocked.url.clone();
        let origin = walk.chain.page.origin_text();
        let request_origin = walk.chain.request_origin().serialize();
        let cx = context(&walk.chain.page, &origin, &request_origin, &walk.initial_url, &failing_url);
        let mut verdict = verdict::blocked(walk.trace, walk.summary, walk.origin_header, blocked, &cx);
        verdict.local_network_access = walk.local_network_access;
        State::Done(Box::new(verdict))
    }
}

/// What the console lines name besides the failure.
pub(super) fn context<'a>(
    page: &'a Page,
    origin: &'a str,
    request_origin: &'a str,
    initial_url: &'a str,
    failing_url: &'a str,
) -> MessageContext<'a> {
    MessageContext { initial_url, failing_url, origin, request_origin, page_url: &page.url }
}
