//! What each entry of the file is: a `fetch()` or XHR, a preflight, a page load, something else (an
//! image, a script), or not HTTP at all — from the marks each browser leaves (measured, docs/evidence.md).
//!
//! - Chromium writes `_resourceType` on every entry: `fetch`, `xhr`, `preflight`, `document`, `image`, ….
//! - Firefox writes no `_` field; its preflight is a plain `OPTIONS` entry whose
//!   `Access-Control-Request-Method` shows what it is, and `Sec-Fetch-Dest` tells a `fetch()` (`empty`) from
//!   an image or a page.
//! - A `data:` entry (Firefox exports them; Chromium does not) is no request at all.

use browser_model::Url;

use super::file::Entry;

/// What an entry is, for the judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A `fetch()` or `XMLHttpRequest` (or a redirect hop of one).
    Fetch,
    /// A CORS preflight (`OPTIONS` with `Access-Control-Request-Method`).
    Preflight,
    /// Not judged, for this reason.
    Skipped(Skip),
}

/// Why an entry is not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// A page load (a navigation): the browser shows it whatever its headers; CORS does not apply.
    Page,
    /// An image, script, stylesheet, font, …: loaded without `fetch()` (the judge models `fetch()`).
    NotFetch,
    /// A `data:`, `blob:` or other non-HTTP URL: nothing went over the network.
    NotHttp,
    /// A preflight that no request in the file went with.
    LonePreflight,
    /// No page origin could be told for it (no `Origin`, no `Referer`, no page entry): pass `--origin`.
    NoOrigin,
}

impl Skip {
    /// A short phrase for the listing.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Page => "a page load (navigation): CORS does not apply",
            Skip::NotFetch => "not a fetch() or XHR (an image, a script, a stylesheet…): not judged",
            Skip::NotHttp => "not an http: or https: URL (data:, blob:…): nothing went over the network",
            Skip::LonePreflight => "a preflight whose request is not in the file",
            Skip::NoOrigin => "the file does not say which page sent it: pass --origin",
        }
    }

    /// The word the JSON uses.
    pub fn key(self) -> &'static str {
        match self {
            Skip::Page => "page-load",
            Skip::NotFetch => "not-fetch",
            Skip::NotHttp => "not-http",
            Skip::LonePreflight => "lone-preflight",
            Skip::NoOrigin => "no-origin",
        }
    }
}

/// One entry with what the judge needs of it, looked up once.
#[derive(Debug)]
pub(crate) struct Item<'h, 'a> {
    pub(crate) index: usize,
    pub(crate) entry: &'h Entry<'a>,
    pub(crate) role: Role,
    /// The URL as the URL parser serializes it, without its fragment (how entries are matched).
    pub(crate) key: String,
}

impl<'a> Entry<'a> {
    /// The first request header `name` (any case).
    pub(crate) fn request_header(&self, name: &str) -> Option<&str> {
        first(&self.request.headers, name)
    }

    /// The first response header `name` (any case).
    pub(crate) fn response_header(&self, name: &str) -> Option<&str> {
        first(&self.response.headers, name)
    }

    /// The status, or `None` when nothing came back (`0`, or a negative number some tools write).
    pub(crate) fn status(&self) -> Option<u16> {
        u16::try_from(self.response.status).ok().filter(|s| (100..=999).contains(s))
    }

    /// Whether Chromium wrote this entry (it marks every entry with `_resourceType`): then `_error` says
    /// whether the request failed.
    pub(crate) fn by_chromium(&self) -> bool {
        self.resource_type.is_some()
    }

    /// What the entry is.
    fn role(&self, url: Option<&Url>) -> Role {
        if !url.is_some_and(Url::is_http) {
            return Role::Skipped(Skip::NotHttp);
        }
        if let Some(kind) = self.resource_type.as_deref() {
            return match kind {
                "fetch" | "xhr" => Role::Fetch,
                "preflight" => Role::Preflight,
                "document" => Role::Skipped(Skip::Page),
                _ => Role::Skipped(Skip::NotFetch),
            };
        }
        if self.request.method.eq_ignore_ascii_case("OPTIONS")
            && self.request_header("access-control-request-method").is_some()
        {
            return Role::Preflight;
        }
        match (self.request_header("sec-fetch-mode"), self.request_header("sec-fetch-dest")) {
            (Some("navigate"), _) | (_, Some("document" | "iframe" | "frame")) => Role::Skipped(Skip::Page),
            (_, Some("empty")) => Role::Fetch,
            (_, Some(_)) => Role::Skipped(Skip::NotFetch),
            // No Fetch Metadata (an http: URL of another machine is not "potentially trustworthy", so
            // browsers send none): a request with an `Origin` is a CORS request; one without is an image,
            // a script or a page as far as anyone can tell.
            (_, None) if self.request_header("origin").is_some() => Role::Fetch,
            (_, None) if self.response.status == 0 => Role::Fetch,
            (_, None) => Role::Skipped(Skip::NotFetch),
        }
    }
}

fn first<'h>(headers: &'h [super::file::Header<'_>], name: &str) -> Option<&'h str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_ref())
}

/// The URL `text` as entries are matched: parsed, without its fragment.
pub(crate) fn url_key(text: &str) -> Option<(Url, String)> {
    let url = Url::parse(text).ok()?;
    let key = url.as_str().split('#').next().unwrap_or_default().to_string();
    Some((url, key))
}

/// Every entry, classified.
pub(crate) fn classify<'h, 'a>(entries: &'h [Entry<'a>]) -> Vec<Item<'h, 'a>> {
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let parsed = url_key(&entry.request.url);
            let role = entry.role(parsed.as_ref().map(|(url, _)| url));
            let key = parsed.map(|(_, key)| key).unwrap_or_else(|| entry.request.url.to_string());
            Item { index, entry, role, key }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::file::parse;
    use super::*;

    fn roles(json: &str) -> Vec<Role> {
        let har = parse(json.as_bytes()).expect("a HAR");
        classify(&har.log.entries).into_iter().map(|item| item.role).collect()
    }

    fn entry(method: &str, url: &str, headers: &[(&str, &str)], extra: &str) -> String {
        let headers: Vec<String> =
            headers.iter().map(|(n, v)| format!(r#"{{"name": "{n}", "value": "{v}"}}"#)).collect();
        format!(
            r#"{{"request": {{"method": "{method}", "url": "{url}", "headers": [{}]}}, "response": {{"status": 200}}{extra}}}"#,
            headers.join(",")
        )
    }

    #[test]
    fn chromium_says_what_each_entry_is() {
        let har = format!(
            r#"{{"log": {{"entries": [{}, {}, {}, {}]}}}}"#,
            entry("GET", "http://a.test/", &[], r#", "_resourceType": "document""#),
            entry("GET", "http://b.test/api", &[], r#", "_resourceType": "fetch""#),
            entry("OPTIONS", "http://b.test/api", &[], r#", "_resourceType": "preflight""#),
            entry("GET", "http://b.test/logo.png", &[], r#", "_resourceType": "image""#),
        );
        assert_eq!(
            roles(&har),
            [Role::Skipped(Skip::Page), Role::Fetch, Role::Preflight, Role::Skipped(Skip::NotFetch)]
        );
    }

    #[test]
    fn firefox_is_read_from_its_headers() {
        let har = format!(
            r#"{{"log": {{"entries": [{}, {}, {}, {}, {}, {}]}}}}"#,
            entry("GET", "http://a.test/", &[("Sec-Fetch-Mode", "navigate")], ""),
            entry("GET", "data:,", &[], ""),
            entry("PUT", "http://b.test/api", &[("Sec-Fetch-Dest", "empty")], ""),
            entry("OPTIONS", "http://b.test/api", &[("Access-Control-Request-Method", "PUT")], ""),
            entry("GET", "http://b.test/a.js", &[("Sec-Fetch-Dest", "script")], ""),
            entry("GET", "http://c.example/api", &[("Origin", "http://a.test")], ""),
        );
        assert_eq!(
            roles(&har),
            [
                Role::Skipped(Skip::Page),
                Role::Skipped(Skip::NotHttp),
                Role::Fetch,
                Role::Preflight,
                Role::Skipped(Skip::NotFetch),
                Role::Fetch
            ]
        );
    }
}
