//! The Local Network Access lesson: "your deployed app calls your local API".
//!
//! Since Chrome 142 a page on a **public** site that `fetch()`es `localhost` needs the user's permission
//! (`loopback-network`), and without it the browser refuses before anything is sent — with a console line
//! that says "blocked by CORS policy", though no CORS header can fix it (docs/local-network-access.md).
//! Every origin of the sandbox is on this machine, so none of its pages meets it, except this one:
//! `GET /local-network` is served with the response header `Content-Security-Policy:
//! treat-as-public-address`, which makes Chromium treat the page as a site on the internet (the `<meta>`
//! form is ignored, measured).
//!
//! **Why on this site, under its own path.** The page must be another origin than the API, so that its
//! request is cross-origin (a same-origin request is never gated): the client site is, as for every lesson.
//! And it must report what it saw to the sandbox: being this site's own page, it reports through the same
//! guarded `POST /sandbox/attempts` as the lab (`guard.rs`: its `Origin` is the site's own), so it opens no
//! way around the rule that the controls answer only the sandbox's page. A listener of its own would have
//! been another origin, refused by that rule, or a hole in it. Making it public changes nothing for its
//! same-origin requests (its script, its report): Local Network Access gates only a public page reaching a
//! more private address, and never a request to the page's own origin.
//!
//! The page reports its state with each attempt ([`LocalNetworkReport`]): that it asked to be public, what
//! `navigator.permissions.query({name: 'loopback-network'})` said once its `fetch()` settled, and its engine.
//! [`judge`] turns that and the API's records into the verdict, with the model ([`browser_model::judge_in`]).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use server::Exchange;

use crate::judgement;
use crate::lab::Attempt;
use crate::site::Site;
use browser_model::{AddressSpace, Engine, PageState, Permission, Preflight, Verdict};

/// The lesson page's path.
pub const PAGE: &str = "/local-network";

/// The header that makes Chromium treat the page as public (https://wicg.github.io/local-network-access/,
/// "treat-as-public-address"); Firefox and WebKit ignore it (measured).
const TREAT_AS_PUBLIC: &str = "treat-as-public-address";

/// The page and its script.
pub fn routes() -> Router<Site> {
    Router::new().route(PAGE, get(page)).route(
        "/static/local-network.js",
        get(|| async {
            (
                [
                    (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                include_str!("../../static/local-network.js"),
            )
        }),
    )
}

/// `templates/local-network.html`.
#[derive(Template)]
#[template(path = "../../templates/local-network.html")]
struct LocalNetworkPage {
    page_origin: String,
    api_origin: String,
    attacker_origin: String,
    /// The URL the page's `fetch()` calls.
    api_url: String,
    /// The page's `address:port`, as Firefox's pref `network.lna.address_space.public.override` names it.
    page_address: String,
}

async fn page(State(site): State<Site>, headers: HeaderMap) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let config = &site.config;
    let api_url = config.api_url_for(host);
    let page = LocalNetworkPage {
        page_origin: config.origin_for(host),
        api_origin: api_url.trim_end_matches("/api").to_owned(),
        attacker_origin: config.attacker_origin_for(host),
        api_url,
        page_address: page_address(&config.host, config.client_port),
    };
    let mut response = crate::pages::render(page);
    // The response header, not a <meta>: Chromium ignores the directive in a <meta> (and says so).
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(TREAT_AS_PUBLIC));
    response
}

/// `address:port` of the sandbox's listener, as Firefox's pref wants it (`[::1]:3000` for IPv6).
fn page_address(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// What the lesson's page reports of itself with each attempt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalNetworkReport {
    /// The space the page asked for: `public` (the header's).
    pub page_space: AddressSpace,
    /// What `navigator.permissions.query({name: 'loopback-network'})` said once the `fetch()` settled;
    /// `null` where the engine does not know the name (WebKit).
    pub permission: Option<Permission>,
    /// The engine the page runs in, as it tells from its user agent.
    pub engine: Engine,
    /// `fetch()`'s `targetAddressSpace`, when the page gave one.
    #[serde(default)]
    pub target_address_space: Option<AddressSpace>,
}

/// The verdict on one attempt of the lesson's page, and what only this lesson's view adds.
///
/// A request that reached the API went out: judged from its records, as a public page with the permission
/// granted — or, when the permission was not granted, as the engine really saw the page (Firefox ignores the
/// header, WebKit has no Local Network Access), which the observations say. A request that reached nothing
/// and rejected was refused before it was sent: judged in the state the page reported, where a permission
/// still at `prompt` counts as refused (a headless browser cannot ask; a dismissed bubble refuses).
pub fn judge(
    page: &str,
    attempt: &Attempt,
    report: &LocalNetworkReport,
    exchanges: &[Arc<Exchange>],
) -> (Verdict, Vec<String>) {
    let mut observations = Vec::new();
    let mut request = attempt.request();
    let target_space = browser_model::Url::parse(&attempt.url)
        .ok()
        .and_then(|url| AddressSpace::of_host(url.host()))
        .unwrap_or(AddressSpace::Public);
    let went_out = !exchanges.is_empty();
    let mut state = PageState { address_space: Some(report.page_space), ..PageState::default() };
    if went_out {
        // The engine let it go: a target space it would have refused was ignored (Firefox, WebKit).
        request.target_address_space = report.target_address_space.filter(|space| *space == target_space);
        state.permission = Permission::Granted;
        if report.permission != Some(Permission::Granted) && report.page_space == AddressSpace::Public {
            state.address_space = None;
            observations.push(not_public(report.engine));
        }
    } else {
        request.target_address_space = report.target_address_space;
        state.permission = match report.permission {
            Some(Permission::Granted) => Permission::Granted,
            Some(Permission::Denied) => Permission::Denied,
            Some(Permission::Prompt) | None => {
                if !attempt.js.resolved() && report.engine != Engine::Webkit {
                    observations.push(
                        "The permission still says prompt: nobody answered. A headless browser cannot ask and \
                         refuses at once; a bubble closed with × refuses too (and after three, Chromium stops \
                         asking)."
                            .into(),
                    );
                }
                Permission::Denied
            }
        };
    }
    let preflight = exchanges.iter().find(|x| x.preflight).map(|x| judgement::response_of(x));
    let actual: Vec<_> =
        exchanges.iter().filter(|x| !x.preflight).map(|x| judgement::response_of(x)).collect();
    let preflight = preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent);
    let verdict = browser_model::judge_in(report.engine, page, &request, &state, preflight, &actual);
    (verdict, observations)
}

/// Why a request of the public page went out without the permission: the engine did not treat it as public.
fn not_public(engine: Engine) -> String {
    match engine {
        Engine::Firefox => "The request went out: Firefox ignores Content-Security-Policy: treat-as-public-address, \
                            so to Firefox this page is on this machine, like the API, and nothing is gated. Set \
                            Firefox's pref network.lna.address_space.public.override (about:config) to this page's \
                            address and port to make it public."
            .into(),
        Engine::Webkit => "The request went out: WebKit has no Local Network Access, and ignores \
                           treat-as-public-address. This was an ordinary CORS request."
            .into(),
        Engine::Chromium => "The request went out, though the page asked to be public: this browser treated it as \
                             a page on this machine."
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firefox_names_the_page_by_address_and_port() {
        assert_eq!(page_address("127.0.0.1", 3000), "127.0.0.1:3000");
        assert_eq!(page_address("::1", 3000), "[::1]:3000");
    }
}

#[cfg(test)]
mod judged {
    //! The lesson's page's reports, judged and ticked: refused with nothing in the log, then allowed.
    use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
    use serde_json::{Value, json};
    use server::ExchangeLog;
    use server::exchange::{NewExchange, RecordedHeaders};

    use crate::lab::{self, Attempt};
    use crate::lessons::{LOCAL_NETWORK_LESSON, LabProgress};

    const PAGE: &str = "http://localhost:3000";

    fn report(trace: &str, permission: Value, engine: &str, js_error: Option<&str>) -> Attempt {
        serde_json::from_value(json!({
            "trace": trace, "url": format!("http://localhost:8000/api?trace={trace}"), "method": "GET",
            "credentials": "same-origin", "mode": "cors", "cache": "no-store",
            "page_url": "http://localhost:3000/local-network",
            "js": { "error": js_error, "type": if js_error.is_some() { Value::Null } else { json!("cors") } },
            "local_network": { "page_space": "public", "permission": permission, "engine": engine },
        }))
        .expect("the page's report parses")
    }

    fn record(log: &ExchangeLog, trace: &str) {
        let mut request = HeaderMap::new();
        request.insert("origin", HeaderValue::from_static(PAGE));
        let mut response = HeaderMap::new();
        response.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        log.record(NewExchange {
            method: Method::GET,
            uri: format!("/api?trace={trace}").parse().expect("a path"),
            request_headers: RecordedHeaders::of(&request),
            preflight: false,
            status: StatusCode::OK,
            response_headers: RecordedHeaders::of(&response),
            policy_version: 1,
        });
    }

    fn lines(joined: &lab::Joined) -> Vec<String> {
        joined.verdict.chromium_message.iter().cloned().collect()
    }

    #[test]
    fn refused_with_nothing_in_the_log_then_allowed_ticks_the_lesson() {
        let log = ExchangeLog::default();
        let mut progress = LabProgress::default();
        // Headless Chromium: nobody can answer, and the query then says denied.
        let refused = report("t1", json!("denied"), "chromium", Some("TypeError: Failed to fetch"));
        let joined = lab::join(PAGE, &refused, &log.recent());
        assert!(joined.agrees, "{:?}", joined.disagreements);
        assert_eq!(
            lines(&joined),
            [
                "Access to fetch at 'http://localhost:8000/api?trace=t1' from origin 'http://localhost:3000' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space."
            ]
        );
        assert!(progress.observe(&refused, &joined));
        assert!(!progress.is_done(LOCAL_NETWORK_LESSON));
        // The permission granted: the same request reaches the API.
        record(&log, "t2");
        let allowed = report("t2", json!("granted"), "chromium", None);
        let joined = lab::join(PAGE, &allowed, &log.recent());
        assert!(joined.agrees && joined.verdict.allowed, "{:?}", joined.disagreements);
        assert_eq!(
            joined.verdict.local_network_access.as_ref().map(|l| l.permission),
            Some("loopback-network")
        );
        assert!(progress.observe(&allowed, &joined));
        assert!(progress.is_done(LOCAL_NETWORK_LESSON));
    }

    #[test]
    fn a_prompt_nobody_answered_counts_as_refused() {
        let attempt = report("t1", json!("prompt"), "chromium", Some("TypeError: Failed to fetch"));
        let joined = lab::join(PAGE, &attempt, &[]);
        assert!(joined.agrees, "{:?}", joined.disagreements);
        assert!(
            joined.observations.iter().any(|o| o.contains("still says prompt")),
            "{:?}",
            joined.observations
        );
    }

    #[test]
    fn firefox_refuses_in_its_words_and_webkit_sends_it() {
        let firefox = report(
            "t1",
            json!("denied"),
            "firefox",
            Some("TypeError: NetworkError when attempting to fetch resource."),
        );
        let joined = lab::join(PAGE, &firefox, &[]);
        assert_eq!(
            joined.verdict.firefox_messages,
            [
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:8000/api?trace=t1. (Reason: CORS request did not succeed). Status code: (null)."
            ]
        );
        // WebKit ignores the header: the request went out, and the page hears why nothing was gated.
        let log = ExchangeLog::default();
        record(&log, "t2");
        let webkit = report("t2", Value::Null, "webkit", None);
        let joined = lab::join(PAGE, &webkit, &log.recent());
        assert!(joined.agrees && joined.verdict.local_network_access.is_none(), "{:?}", joined.disagreements);
        assert!(joined.observations.iter().any(|o| o.contains("WebKit has no Local Network Access")));
        let mut progress = LabProgress::default();
        progress.observe(&webkit, &joined);
        assert!(
            !progress.to_json()["lessons"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| l["id"] == LOCAL_NETWORK_LESSON && l["parts"][1]["seen"] == true)
        );
    }
}
