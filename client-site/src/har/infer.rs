//! What the page asked for, rebuilt from the entries: the page's origin, the `fetch()`'s method, URL,
//! headers, body, mode and credentials. A HAR does not record the `fetch()` init, so each is read from
//! what the browser sent; where the file cannot tell, the judge says what it assumed.
//!
//! - The page's origin: the request's `Origin`, its preflight's, its `Referer`'s origin (the default
//!   referrer policy sends at least the origin), or the page the entry belongs to; `--origin` when none.
//! - The mode: `Sec-Fetch-Mode`; a Chromium entry whose answer it hid (no headers, `net::ERR_ABORTED`)
//!   and that carried no `Origin` is an opaque `no-cors` one (measured, docs/evidence.md).
//! - Credentials: a `Cookie` (or `Sec-Fetch-Storage-Access`, which Chromium and Firefox send only for
//!   `credentials: 'include'`) settles them; otherwise the door judges both ways (`door`).
//! - The page's own headers: every recorded header a page may set and a browser does not add itself, and
//!   each name the preflight asked for (a sanitized export strips `Authorization`; the preflight still
//!   names it).

use browser_model::http::list_items;
use browser_model::{Credentials, Mode, Request, Url};

use super::entries::Item;
use super::file::{Entry, Page};

/// The request headers a browser adds on its own (as `judgement` lists them): a page that set one of
/// them too made it CORS-unsafe, and then the preflight names it, which is where it is taken from.
const ADDED_BY_BROWSERS: [&str; 7] =
    ["accept", "accept-language", "cache-control", "pragma", "priority", "upgrade-insecure-requests", "dnt"];

/// The value given to a header the preflight names but the file does not carry.
pub(crate) const NOT_IN_FILE: &str = "(not in the file)";

/// The stepper's input for one fetch, and what had to be assumed to build it.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub(crate) page_origin: String,
    pub(crate) request: Request,
    /// `Some` when the file says; `None` when the door must judge both ways.
    pub(crate) credentials: Option<Credentials>,
    pub(crate) assumed: Vec<String>,
}

/// Where the page's origin is read from.
pub(crate) struct Pages<'h, 'a> {
    pub(crate) pages: &'h [Page<'a>],
    pub(crate) items: &'h [Item<'h, 'a>],
    pub(crate) given: Option<&'h str>,
}

impl Pages<'_, '_> {
    /// The origin of the page that sent `entry` (and `preflight`'s `Origin` when there is one).
    fn origin_of(
        &self,
        entry: &Entry<'_>,
        preflight: Option<&Entry<'_>>,
        assumed: &mut Vec<String>,
    ) -> Option<String> {
        let sent = entry.request_header("origin").or_else(|| preflight?.request_header("origin"));
        if let Some(sent) = sent {
            if let Some(given) = self.given.filter(|g| !g.eq_ignore_ascii_case(sent)) {
                assumed.push(format!(
                    "The browser sent Origin: {sent}, not --origin {given}: judged with {sent}, the origin the server answered."
                ));
            }
            return Some(sent.to_string());
        }
        if let Some(given) = self.given {
            return Some(given.to_string());
        }
        let from_referer = entry.request_header("referer").and_then(origin_of_url);
        let from_page = || {
            let pageref = entry.pageref.as_deref()?;
            // The page load's own entry, else the page's title (its URL, in Chromium's and Firefox's exports).
            let document = self.items.iter().find(|item| {
                item.entry.pageref.as_deref() == Some(pageref)
                    && item.role == super::entries::Role::Skipped(super::entries::Skip::Page)
            });
            document
                .and_then(|item| origin_of_url(&item.entry.request.url))
                .or_else(|| origin_of_url(&self.pages.iter().find(|p| p.id == pageref)?.title))
        };
        let (origin, from) = match from_referer {
            Some(origin) => (origin, "its Referer"),
            None => (from_page()?, "the page it belongs to"),
        };
        // Chromium sends no Origin on a same-origin GET: nothing to say when the page is the URL's origin.
        if origin_of_url(&entry.request.url).as_deref() != Some(origin.as_str()) {
            assumed.push(format!(
                "The file shows no Origin for it: the page's origin, {origin}, is taken from {from}."
            ));
        }
        Some(origin)
    }
}

fn origin_of_url(text: &str) -> Option<String> {
    let url = Url::parse(text).ok()?;
    url.is_http().then(|| url.origin_text())
}

/// Rebuilds the `fetch()` of `first` (the request's entry), with `preflight` its preflight's entry if the
/// file has one. `None` when the page's origin cannot be told.
pub(crate) fn input(
    pages: &Pages<'_, '_>,
    first: &Entry<'_>,
    preflight: Option<&Entry<'_>>,
) -> Option<Input> {
    let mut assumed = Vec::new();
    let page_origin = pages.origin_of(first, preflight, &mut assumed)?;
    let mode = mode_of(first, &mut assumed);
    let mut headers = author_headers(first, preflight);
    if let Some(names) = preflight.and_then(|p| p.request_header("access-control-request-headers")) {
        for name in list_items(names) {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                assumed.push(format!(
                    "The preflight asked for {name}, which the file does not show on the request (a sanitized export removes Authorization and Cookie): the page set it."
                ));
                headers.push((name.to_string(), NOT_IN_FILE.to_string()));
            }
        }
    }
    let body =
        first.request.post_data.as_ref().map(|data| data.text.as_deref().unwrap_or_default().to_string());
    let request = Request {
        url: first.request.url.to_string(),
        method: first.request.method.to_string(),
        headers,
        mode,
        body,
        ..Request::default()
    };
    let credentials = credentials_of(first);
    Some(Input { page_origin, request, credentials, assumed })
}

/// `fetch()`'s mode, from `Sec-Fetch-Mode`, or from what Chromium hides of an opaque answer.
fn mode_of(entry: &Entry<'_>, assumed: &mut Vec<String>) -> Mode {
    match entry.request_header("sec-fetch-mode") {
        Some("no-cors") => return Mode::NoCors,
        Some("same-origin") => return Mode::SameOrigin,
        Some(_) => return Mode::Cors,
        None => {}
    }
    let hidden_answer = entry.by_chromium()
        && entry.response.error.as_deref() == Some("net::ERR_ABORTED")
        && entry.response.headers.is_empty()
        && entry.status().is_some();
    if hidden_answer && entry.request_header("origin").is_none() {
        assumed.push(
            "mode: 'no-cors': Chromium recorded an answer but hid its headers (net::ERR_ABORTED) and the request carried no Origin, as it does for an opaque no-cors answer."
                .into(),
        );
        return Mode::NoCors;
    }
    Mode::Cors
}

/// Credentials, when the request shows them: a cookie went, or the browser said it would send one.
fn credentials_of(entry: &Entry<'_>) -> Option<Credentials> {
    let cookie = entry.request_header("cookie").is_some() || !entry.request.cookies.is_empty();
    // Chromium and Firefox send `Sec-Fetch-Storage-Access` only with credentials: 'include' to another
    // site (measured, docs/requests.md).
    let storage_access = entry.request_header("sec-fetch-storage-access").is_some();
    (cookie || storage_access).then_some(Credentials::Include)
}

/// The headers the page set, as far as the entry shows: every header a page may set and a browser does
/// not add itself, plus those the preflight named.
fn author_headers(entry: &Entry<'_>, preflight: Option<&Entry<'_>>) -> Vec<(String, String)> {
    let named =
        preflight.and_then(|p| p.request_header("access-control-request-headers")).unwrap_or_default();
    let is_named = |name: &str| list_items(named).any(|n| n.eq_ignore_ascii_case(name));
    entry
        .request
        .headers
        .iter()
        .filter(|h| !h.name.starts_with(':'))
        .filter(|h| !browser_model::is_forbidden_request_header(&h.name, &h.value))
        .filter(|h| !ADDED_BY_BROWSERS.iter().any(|b| h.name.eq_ignore_ascii_case(b)) || is_named(&h.name))
        .map(|h| (h.name.to_string(), h.value.to_string()))
        .collect()
}
