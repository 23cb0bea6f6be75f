//! The HAR door: one `fetch()` judged by driving the browser model's stepper with the file's entries.
//!
//! As `browser_model::judge` does for the lab's records, the door holds only its input: the stepper says
//! what the browser sends next (a preflight, the request, a redirect's next hop) and the door answers with
//! the entry the browser recorded for it — or, when the file has none, `FromPreflightCache` (a request that
//! needed a preflight was answered, so the browser's cache must have allowed it) or `NotRecorded`. Which
//! preflights go, where redirects lead and every check are the stepper's.
//!
//! When the file cannot say whether the page sent credentials and the verdict depends on it, the door
//! walks both ways, as the live log's `judgement` does. Chromium's file settles it when it can: its
//! `_error` says whether the request failed, and only one of the two walks fails.

use browser_model::{
    Answer, Credentials, Engine, Fetch, PageState, Permission, Response, ResponseType, Sending, Step, Verdict,
};

use super::entries::Item;
use super::file::Entry;
use super::group::{Group, Preflights};
use super::infer::Input;

/// One request of the walk and where its answer came from.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `preflight`, `request` or `redirect`.
    pub sending: Sending,
    pub method: String,
    pub url: String,
    /// The entry that answered it, or `None` when the file has none.
    pub entry: Option<usize>,
    /// How the stepper was answered: `recorded`, `no answer`, `from the preflight cache`, `not recorded`.
    pub answered: &'static str,
    /// What the entry recorded: the status (`None`: no answer), and both header lists, as in the file.
    pub status: Option<u16>,
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
}

impl Exchange {
    /// Copies what `entry` recorded, for the report.
    pub(crate) fn fill(&mut self, entry: &Entry<'_>) {
        let pairs = |headers: &[super::file::Header<'_>]| {
            headers.iter().map(|h| (h.name.to_string(), h.value.to_string())).collect::<Vec<_>>()
        };
        self.status = entry.status();
        self.request_headers = pairs(&entry.request.headers);
        self.response_headers = pairs(&entry.response.headers);
    }
}

/// What the browser made of one fetch.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The file says everything the verdict depends on.
    Known(Box<Verdict>),
    /// It depends on whether the page sent credentials, which the file cannot tell.
    DependsOnCredentials { included: Box<Verdict>, not_included: Box<Verdict> },
}

/// The walk of one fetch, with the credentials it was walked with.
pub(crate) struct Walked {
    pub(crate) outcome: Outcome,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) exchanges: Vec<Exchange>,
    pub(crate) assumed: Vec<String>,
}

/// What every walk of one file shares.
pub(crate) struct Door<'h, 'a> {
    pub(crate) items: &'h [Item<'h, 'a>],
    pub(crate) preflights: Preflights,
    pub(crate) engine: Engine,
}

impl Door<'_, '_> {
    /// Judges the fetch of `group`, built from `input`.
    pub(crate) fn judge(&mut self, group: &Group, input: Input) -> Walked {
        let mut assumed = input.assumed.clone();
        if let Some(credentials) = input.credentials {
            let (verdict, exchanges) = self.walk(group, &input, credentials);
            return self.finish(Outcome::Known(Box::new(verdict)), Some(credentials), exchanges, assumed);
        }
        let (not_included, exchanges) = self.walk(group, &input, Credentials::SameOrigin);
        // Credentials only add checks (Allow-Credentials, no `*`): what fails without them fails with them,
        // and they change nothing for the page's own origin or an opaque answer.
        let same_origin = not_included.response_type == Some(ResponseType::Basic);
        let opaque = not_included.response_type == Some(ResponseType::Opaque);
        if !not_included.allowed || same_origin || opaque {
            return self.finish(Outcome::Known(Box::new(not_included)), None, exchanges, assumed);
        }
        let (included, _) = self.walk(group, &input, Credentials::Include);
        if included.allowed {
            return self.finish(Outcome::Known(Box::new(not_included)), None, exchanges, assumed);
        }
        let last = group.hops.last().map(|&i| self.items[i].entry);
        match last.filter(|entry| entry.by_chromium()).map(|entry| entry.response.error.as_deref()) {
            Some(Some(error)) if error != "net::ERR_ABORTED" => {
                assumed.push(format!(
                    "credentials: 'include': the file shows no cookie, but Chromium recorded the request as failed ({error}), and these answers fail only with credentials (a sanitized export removes the Cookie header that would show them)."
                ));
                self.finish(
                    Outcome::Known(Box::new(included)),
                    Some(Credentials::Include),
                    exchanges,
                    assumed,
                )
            }
            Some(None) => {
                assumed.push(
                    "No credentials: Chromium recorded a success, which with credentials: 'include' these answers would not be."
                        .into(),
                );
                let outcome = Outcome::Known(Box::new(not_included));
                self.finish(outcome, Some(Credentials::SameOrigin), exchanges, assumed)
            }
            _ => {
                assumed.push(
                    "The file cannot tell whether the page sent credentials (no Cookie header; Firefox records no failure): the verdict is given both ways."
                        .into(),
                );
                let outcome = Outcome::DependsOnCredentials {
                    included: Box::new(included),
                    not_included: Box::new(not_included),
                };
                self.finish(outcome, None, exchanges, assumed)
            }
        }
    }

    /// Marks the preflights the walk used as taken, so that no later request takes them.
    fn finish(
        &mut self,
        outcome: Outcome,
        credentials: Option<Credentials>,
        exchanges: Vec<Exchange>,
        assumed: Vec<String>,
    ) -> Walked {
        for exchange in exchanges.iter().filter(|x| x.sending == Sending::Preflight) {
            if let Some(entry) = exchange.entry {
                self.preflights.mark_taken(entry);
            }
        }
        Walked { outcome, credentials, exchanges, assumed }
    }

    /// One walk of the stepper, answered from the file.
    fn walk(&mut self, group: &Group, input: &Input, credentials: Credentials) -> (Verdict, Vec<Exchange>) {
        let mut request = input.request.clone();
        request.credentials = credentials;
        // What was recorded went out: Local Network Access did not refuse it (as `browser_model::judge`).
        let state = PageState { permission: Permission::Granted, ..PageState::default() };
        let mut fetch = Fetch::start_in(self.engine, &input.page_origin, &request, &state);
        let mut exchanges = Vec::new();
        loop {
            let out = match fetch.step() {
                Step::Done(_) => break,
                Step::Send(out) => out,
            };
            let url = out.url.as_str().split('#').next().unwrap_or_default().to_string();
            // The request entry of this hop: where a preflight before it is looked for.
            let hop = group.hops.get(out.hop as usize).copied();
            let (entry, recorded) = if out.sending == Sending::Preflight {
                let anchor = hop.or(group.hops.last().copied()).unwrap_or_default();
                let method = out.access_control_request_method().unwrap_or_default();
                match self.preflights.find(self.items, anchor, &url, method, out.origin.as_deref()) {
                    Some(i) => (Some(i), recorded(self.items[i].entry)),
                    // The request went and was answered: the browser's preflight cache let it (as `judge`).
                    None if hop.is_some_and(|i| self.items[i].entry.status().is_some()) => {
                        (None, Recorded::FromPreflightCache)
                    }
                    None => (None, Recorded::Nothing),
                }
            } else {
                match hop.filter(|&i| self.items[i].key == url) {
                    Some(i) => (Some(i), recorded(self.items[i].entry)),
                    None => (None, Recorded::Nothing),
                }
            };
            let (answer, answered) = match &recorded {
                Recorded::Answer(response) => (Answer::Response(response), "recorded"),
                Recorded::NoAnswer(error) => (Answer::NetworkError(*error), "no answer"),
                Recorded::FromPreflightCache => (Answer::FromPreflightCache, "from the preflight cache"),
                Recorded::Nothing => (Answer::NotRecorded, "not recorded"),
            };
            exchanges.push(Exchange {
                sending: out.sending,
                method: out.method.clone(),
                url,
                entry,
                answered,
                status: None,
                request_headers: Vec::new(),
                response_headers: Vec::new(),
            });
            fetch.feed(answer);
        }
        (fetch.into_verdict().unwrap_or_default(), exchanges)
    }
}

/// What the file holds for one request of the walk.
enum Recorded {
    /// An answer: its status and header lines.
    Answer(Response),
    /// An entry with no answer (status 0), with Chromium's `net::ERR_*` when it names a network error.
    NoAnswer(Option<&'static str>),
    /// No entry, for a preflight whose request was answered.
    FromPreflightCache,
    /// No entry at all.
    Nothing,
}

/// What `entry` recorded.
fn recorded(entry: &Entry<'_>) -> Recorded {
    let Some(status) = entry.status() else {
        return Recorded::NoAnswer(net_error(entry.response.error.as_deref()));
    };
    Recorded::Answer(Response {
        url: entry.request.url.to_string(),
        status,
        headers: entry.response.headers.iter().map(|h| (h.name.to_string(), h.value.to_string())).collect(),
    })
}

/// Chromium's names for a request that got no answer, as `Answer::NetworkError` takes them.
/// `net::ERR_FAILED` is left out: Chromium writes it for a blocked request too, so it names nothing.
fn net_error(error: Option<&str>) -> Option<&'static str> {
    const KNOWN: [&str; 14] = [
        "net::ERR_CONNECTION_REFUSED",
        "net::ERR_CONNECTION_RESET",
        "net::ERR_CONNECTION_CLOSED",
        "net::ERR_CONNECTION_TIMED_OUT",
        "net::ERR_TIMED_OUT",
        "net::ERR_NAME_NOT_RESOLVED",
        "net::ERR_ADDRESS_UNREACHABLE",
        "net::ERR_INTERNET_DISCONNECTED",
        "net::ERR_EMPTY_RESPONSE",
        "net::ERR_CERT_AUTHORITY_INVALID",
        "net::ERR_CERT_COMMON_NAME_INVALID",
        "net::ERR_SSL_PROTOCOL_ERROR",
        // An ad or privacy blocker refused it: the classic "CORS error" that is no CORS error.
        "net::ERR_BLOCKED_BY_CLIENT",
        "net::ERR_ABORTED",
    ];
    let error = error?;
    KNOWN.into_iter().find(|known| *known == error)
}
