//! One verdict per exchange, from what the API's record proves — never a guess.
//!
//! A request the lab sent is judged with the page's own report (see [`crate::lab`]). Every other request
//! (the tutorial's button, a learner's `fetch()` typed in DevTools, curl) is judged here, once, when it is
//! recorded, from what its record says:
//!
//! - no `Origin`: not a cross-origin request from a page (curl, the address bar): CORS does not apply;
//! - `Sec-Fetch-Mode` says the request mode (`cors`, `no-cors`; a `navigate` is no `fetch()` at all);
//! - a `Cookie` header means the page sent credentials (`credentials: 'include'`);
//! - the headers the request carried, and the preflight before it (its `Access-Control-Request-Method` and
//!   `-Headers`), say what the page asked for.
//!
//! What the record cannot tell is said, not guessed: a request without a cookie may still have been sent
//! with `credentials: 'include'` (there was just no cookie to send), and when that changes the verdict the
//! judgement is [`Judgement::DependsOnCredentials`], with both outcomes.

use std::sync::Arc;

use server::{Exchange, ExchangeLog};

use browser_model::{Credentials, Mode, Preflight, Request, Response, Verdict};

/// What the browser made of one exchange, as far as its record shows.
#[derive(Clone, Debug)]
pub enum Judgement {
    /// CORS does not apply: no `Origin` (curl, a script, the address bar), a navigation, or a preflight
    /// (which is judged with the request it came before).
    NotCors,
    /// The record says everything the verdict depends on.
    Known(Box<Verdict>),
    /// The verdict depends on whether the page used `credentials: 'include'`, which the record cannot
    /// tell: no cookie was sent, and there may have been none to send.
    DependsOnCredentials { included: Box<Verdict>, not_included: Box<Verdict> },
}

impl Judgement {
    /// The verdict, when the record decides it.
    pub fn known(&self) -> Option<&Verdict> {
        match self {
            Judgement::Known(verdict) => Some(verdict.as_ref()),
            _ => None,
        }
    }

    /// The main console line of each engine — Chromium's, Firefox's and WebKit's — that this exchange
    /// may have printed, with the engine's name: what a learner may paste from any of the three.
    pub fn engine_messages(&self) -> Vec<(&'static str, &str)> {
        let mut lines = Vec::new();
        for verdict in self.verdicts() {
            lines.extend(verdict.chromium_message.as_deref().map(|m| ("Chromium", m)));
            lines.extend(verdict.firefox_message.as_deref().map(|m| ("Firefox", m)));
            lines.extend(verdict.webkit_message.as_deref().map(|m| ("WebKit", m)));
        }
        lines
    }

    /// The verdicts this judgement holds: one, both sides of a credentials question, or none.
    fn verdicts(&self) -> Vec<&Verdict> {
        match self {
            Judgement::NotCors => Vec::new(),
            Judgement::Known(verdict) => vec![verdict.as_ref()],
            Judgement::DependsOnCredentials { included, not_included } => {
                vec![included.as_ref(), not_included.as_ref()]
            }
        }
    }
}

/// The request headers a browser adds on its own. A page may set some of them too (an odd `Accept`, a
/// `Cache-Control`), but then they are CORS-unsafe and named in the preflight's
/// `Access-Control-Request-Headers`, which is where they are taken from.
const ADDED_BY_BROWSERS: [&str; 7] =
    ["accept", "accept-language", "cache-control", "pragma", "priority", "upgrade-insecure-requests", "dnt"];

/// Judges `exchange`, looking in `log` for the preflight that came before it.
pub fn judge(exchange: &Exchange, log: &ExchangeLog) -> Judgement {
    if exchange.preflight {
        return Judgement::NotCors;
    }
    let Some(origin) = exchange.origin() else {
        return Judgement::NotCors;
    };
    let mode = match exchange.request_header("sec-fetch-mode") {
        Some("no-cors") => Mode::NoCors,
        Some("same-origin") => Mode::SameOrigin,
        // `cors`, or no `Sec-Fetch-Mode` at all (a script sending an `Origin`): judged as a fetch().
        Some("cors") | None => Mode::Cors,
        // `navigate`, `websocket`: not a fetch() the CORS protocol judges.
        Some(_) => return Judgement::NotCors,
    };
    let mut request = Request {
        url: request_url(exchange),
        method: exchange.method.as_str().to_owned(),
        headers: author_headers(exchange, None),
        mode,
        ..Request::default()
    };
    // Only a request that may have needed one has a preflight to look for (most do not: a GET, a simple
    // POST). Counting the headers a browser adds too, since a page may have set one of them itself.
    let may_need_one = browser_model::preflight_needed(&request).is_some()
        || exchange.request_headers.iter().any(|(name, _)| {
            ADDED_BY_BROWSERS.contains(&name) && !matches!(name, "accept" | "accept-language")
        });
    let preflight =
        if mode == Mode::Cors && may_need_one { preflight_of(exchange, origin, log) } else { None };
    if preflight.is_some() {
        request.headers = author_headers(exchange, preflight.as_deref());
    }
    let preflight_response = preflight.as_deref().map(response_of);
    let response = [response_of(exchange)];
    let mut run = |credentials| {
        request.credentials = credentials;
        let preflight = preflight_response.as_ref().map_or(Preflight::NotSent, Preflight::Sent);
        browser_model::judge(origin, &request, preflight, &response)
    };
    if exchange.request_header("cookie").is_some() {
        return Judgement::Known(Box::new(run(Credentials::Include)));
    }
    let not_included = run(Credentials::SameOrigin);
    // Credentials only add checks (Allow-Credentials, no `*`), so what fails without them fails with them.
    if !not_included.allowed {
        return Judgement::Known(Box::new(not_included));
    }
    let included = run(Credentials::Include);
    // Readable either way, and the same headers readable (`Expose-Headers: *` counts only without credentials).
    if included.allowed && included.readable_headers == not_included.readable_headers {
        Judgement::Known(Box::new(not_included))
    } else {
        Judgement::DependsOnCredentials { included: Box::new(included), not_included: Box::new(not_included) }
    }
}

/// The preflight the browser sent for `exchange`: the latest one before it for the same URL from the same
/// origin, asking for its method.
fn preflight_of(exchange: &Exchange, origin: &str, log: &ExchangeLog) -> Option<Arc<Exchange>> {
    log.find_last(|x| {
        x.preflight
            && x.seq < exchange.seq
            && x.uri == exchange.uri
            && x.origin() == Some(origin)
            && x.request_header("access-control-request-method") == Some(exchange.method.as_str())
            // Every header the preflight asked about is on this request: not an older request's preflight.
            && x.request_header("access-control-request-headers").is_none_or(|names| {
                browser_model::http::list_items(names).all(|n| exchange.request_header(n).is_some())
            })
    })
}

/// The headers the page set, as far as the record shows: every recorded header a page may set and a
/// browser does not add itself, plus those the preflight named in `Access-Control-Request-Headers`.
fn author_headers(exchange: &Exchange, preflight: Option<&Exchange>) -> Vec<(String, String)> {
    let named: Vec<String> = preflight
        .and_then(|x| x.request_header("access-control-request-headers"))
        .map(|names| browser_model::http::list_items(names).map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    settable_headers(exchange)
        .filter(|(name, _)| !ADDED_BY_BROWSERS.contains(&name.as_str()) || named.iter().any(|n| n == name))
        .collect()
}

/// Every recorded request header a page could have set (not a forbidden one).
fn settable_headers(exchange: &Exchange) -> impl Iterator<Item = (String, String)> + '_ {
    exchange
        .request_headers
        .iter()
        .filter(|(name, value)| !browser_model::is_forbidden_request_header(name, value))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
}

/// The API's answer in `exchange`, as the browser model takes it.
pub fn response_of(exchange: &Exchange) -> Response {
    Response {
        url: request_url(exchange),
        status: exchange.status.as_u16(),
        headers: exchange
            .response_headers
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
    }
}

/// The URL the browser requested, rebuilt from the API's `Host` header and the request's path.
pub fn request_url(exchange: &Exchange) -> String {
    let host = exchange.request_header("host").unwrap_or("localhost");
    format!("http://{host}{}", exchange.uri)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
    use server::ExchangeLog;
    use server::exchange::{NewExchange, RecordedHeaders};

    use super::*;

    fn headers(lines: &[(&str, &str)]) -> RecordedHeaders {
        let mut map = HeaderMap::new();
        for (name, value) in lines {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        RecordedHeaders::of(&map)
    }

    fn record(log: &ExchangeLog, method: Method, preflight: bool, request: &[(&str, &str)]) -> Arc<Exchange> {
        log.record(NewExchange {
            method,
            uri: "/api".parse().unwrap(),
            request_headers: headers(request),
            preflight,
            status: StatusCode::OK,
            response_headers: headers(&[("access-control-allow-origin", "*")]),
            policy_version: 1,
        })
    }

    /// What Chromium 156 sent for `fetch(url, {cache: 'no-store'})` from the lab, plus what it adds for
    /// that cache mode.
    const CHROMIUM_GET: [(&str, &str); 12] = [
        ("host", "localhost:8000"),
        ("connection", "keep-alive"),
        ("sec-ch-ua-platform", "\"Linux\""),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0"),
        ("accept", "*/*"),
        ("origin", "http://localhost:3000"),
        ("sec-fetch-mode", "cors"),
        ("referer", "http://localhost:3000/"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("accept-language", "en-US,en;q=0.9"),
        ("cache-control", "no-cache"),
        ("pragma", "no-cache"),
    ];

    #[test]
    fn what_the_browser_adds_is_not_taken_for_the_pages_headers() {
        let log = ExchangeLog::default();
        let get = record(&log, Method::GET, false, &CHROMIUM_GET);
        assert_eq!(author_headers(&get, None), Vec::<(String, String)>::new());
        // `*` without a cookie: allowed unless the page asked for credentials, which the record cannot tell.
        let Judgement::DependsOnCredentials { not_included, included } = judge(&get, &log) else {
            panic!("under * without a cookie, the verdict depends on the credentials mode")
        };
        assert!(not_included.allowed && !not_included.preflight, "{not_included:#?}");
        assert!(!included.allowed);
    }

    #[test]
    fn the_preflight_names_the_headers_the_page_set() {
        let log = ExchangeLog::default();
        let mut preflight_headers = vec![("origin", "http://localhost:3000"), ("sec-fetch-mode", "cors")];
        preflight_headers.push(("access-control-request-method", "PUT"));
        preflight_headers.push(("access-control-request-headers", "cache-control,x-api-key"));
        let preflight = record(&log, Method::OPTIONS, true, &preflight_headers);
        let mut put: Vec<(&str, &str)> = CHROMIUM_GET.to_vec();
        put.push(("x-api-key", "k1"));
        let put = record(&log, Method::PUT, false, &put);
        assert_eq!(preflight_of(&put, "http://localhost:3000", &log).map(|x| x.seq), Some(preflight.seq));
        let names: Vec<String> = author_headers(&put, Some(&preflight)).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["cache-control", "x-api-key"]);
    }

    #[test]
    fn no_origin_a_navigation_or_a_preflight_is_not_judged() {
        let log = ExchangeLog::default();
        let curl = record(&log, Method::GET, false, &[("host", "localhost:8000")]);
        let navigation = record(
            &log,
            Method::POST,
            false,
            &[("origin", "http://localhost:3000"), ("sec-fetch-mode", "navigate")],
        );
        let preflight = record(&log, Method::OPTIONS, true, &[("origin", "http://localhost:3000")]);
        for exchange in [curl, navigation, preflight] {
            assert!(matches!(judge(&exchange, &log), Judgement::NotCors), "{exchange:?}");
        }
    }

    #[test]
    fn readable_either_way_but_other_headers_readable_depends_on_credentials() {
        let log = ExchangeLog::default();
        let answer = |expose: &str| {
            log.record(NewExchange {
                method: Method::GET,
                uri: "/api".parse().unwrap(),
                request_headers: headers(&[("origin", "http://localhost:3000"), ("sec-fetch-mode", "cors")]),
                preflight: false,
                status: StatusCode::OK,
                response_headers: headers(&[
                    ("access-control-allow-origin", "http://localhost:3000"),
                    ("access-control-allow-credentials", "true"),
                    ("access-control-expose-headers", expose),
                    ("x-request-id", "7"),
                ]),
                policy_version: 1,
            })
        };
        // `*` exposes X-Request-Id only without credentials: what JavaScript reads depends on them.
        let star = answer("*");
        assert!(matches!(judge(&star, &log), Judgement::DependsOnCredentials { .. }));
        // Named, it is readable either way: known.
        let named = answer("X-Request-Id");
        let Judgement::Known(verdict) = judge(&named, &log) else { panic!("known") };
        assert!(verdict.readable_headers.iter().any(|h| h == "x-request-id"));
    }

    #[test]
    fn an_older_preflight_for_other_headers_is_not_this_requests() {
        let log = ExchangeLog::default();
        let preflight = [
            ("origin", "http://localhost:3000"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "x-api-key"),
        ];
        record(&log, Method::OPTIONS, true, &preflight);
        // A later simple GET with the browser's own Cache-Control, and no X-Api-Key.
        let get = record(&log, Method::GET, false, &CHROMIUM_GET);
        assert!(preflight_of(&get, "http://localhost:3000", &log).is_none());
    }
}
