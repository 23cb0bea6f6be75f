//! What a request carries on the wire: the header lines each engine writes, in its order.
//!
//! Measured with a raw HTTP/1.1 recorder on loopback (docs/requests.md: Chromium 156, Firefox 153 ESR,
//! WebKitGTK 2.50): the page's own headers, plus what the engine adds by itself — `Accept`, `Origin`, the
//! `Sec-Fetch-*` family, `Referer`, the preflight's `Access-Control-Request-*`, the cookie when the
//! credentials mode lets it go. The transport's own lines (`Host`, `Connection`, `Content-Length`) are left
//! to whoever sends the request; so is `User-Agent`'s exact build, written here as the measured one.
//!
//! Nothing here decides anything CORS: `fetch` decides whether there is an `Origin`, what it is, and which
//! method and headers go; this file only lays them out as each engine does.

use crate::engine::Engine;
use crate::request::Mode;

/// Chromium 156's `User-Agent` on Linux (headless builds say `HeadlessChrome`).
const CHROMIUM_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
/// Chromium 156's user-agent client hint brands.
const CHROMIUM_BRANDS: &str = "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"";
/// Firefox 153 ESR's `User-Agent` on Linux.
const FIREFOX_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";
/// WebKitGTK 2.50's `User-Agent`.
const WEBKIT_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/60.5 Safari/605.1.15";
/// A browser set to English (the measured engines sent the machine's locale).
const ACCEPT_LANGUAGE: &str = "en-US,en;q=0.9";

/// Fetch Metadata's `Sec-Fetch-Site`: how the request's URLs relate to the page
/// (https://w3c.github.io/webappsec-fetch-metadata/#sec-fetch-site-header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SecFetchSite {
    SameOrigin,
    SameSite,
    CrossSite,
}

impl SecFetchSite {
    fn as_str(self) -> &'static str {
        match self {
            SecFetchSite::SameOrigin => "same-origin",
            SecFetchSite::SameSite => "same-site",
            SecFetchSite::CrossSite => "cross-site",
        }
    }
}

/// Everything the header lines of one request depend on, as `fetch` decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lines<'a> {
    pub(crate) engine: Engine,
    /// `Some((method, headers))` for a preflight: its `Access-Control-Request-Method` and `-Headers`.
    pub(crate) preflight: Option<(&'a str, Option<&'a str>)>,
    /// The page's own headers that go with the request, as the page wrote their names.
    pub(crate) author: &'a [(String, String)],
    pub(crate) origin: Option<&'a str>,
    pub(crate) mode: Mode,
    pub(crate) site: SecFetchSite,
    /// `Referer`, after the referrer policy (`strict-origin-when-cross-origin`).
    pub(crate) referrer: &'a str,
    /// The URL is potentially trustworthy (https, or this machine): Chromium sends its client hints.
    pub(crate) trustworthy: bool,
    /// `credentials: "include"` to another site: Chromium and Firefox say `Sec-Fetch-Storage-Access`.
    pub(crate) storage_access: bool,
    /// WebKit sends no `Sec-Fetch-*` on a `cors` request redirected to another origin (measured).
    pub(crate) cross_origin_hop: bool,
    pub(crate) cookie: Option<&'a str>,
}

type Header = (String, String);

fn line(name: &str, value: &str) -> Header {
    (name.to_string(), value.to_string())
}

impl Lines<'_> {
    /// The page's header `name`, if it set one (which then replaces the engine's default).
    fn author(&self, name: &str) -> Option<&str> {
        self.author.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The page's headers but those the engine writes in a slot of its own.
    fn other_author(&self, slotted: &[&str]) -> impl Iterator<Item = Header> + '_ {
        let slotted: Vec<String> = slotted.iter().map(|s| s.to_ascii_lowercase()).collect();
        self.author.iter().filter(move |(n, _)| !slotted.contains(&n.to_ascii_lowercase())).cloned()
    }

    fn mode(&self) -> &'static str {
        match self.mode {
            Mode::Cors => "cors",
            Mode::NoCors => "no-cors",
            Mode::SameOrigin => "same-origin",
        }
    }

    /// The header lines, in the engine's order.
    pub(crate) fn headers(&self) -> Vec<Header> {
        match (self.engine, self.preflight) {
            (Engine::Chromium, None) => self.chromium(),
            (Engine::Chromium, Some(asks)) => self.chromium_preflight(asks),
            (Engine::Firefox, None) => self.firefox(),
            (Engine::Firefox, Some(asks)) => self.firefox_preflight(asks),
            (Engine::Webkit, None) => self.webkit(),
            (Engine::Webkit, Some(asks)) => self.webkit_preflight(asks),
        }
    }

    fn accept(&self) -> Header {
        line("Accept", self.author("accept").unwrap_or("*/*"))
    }

    fn accept_language(&self) -> Header {
        line("Accept-Language", self.author("accept-language").unwrap_or(ACCEPT_LANGUAGE))
    }

    fn fetch_metadata(&self, out: &mut Vec<Header>, order: [&str; 3]) {
        for name in order {
            let value = match name {
                "Sec-Fetch-Site" => self.site.as_str(),
                "Sec-Fetch-Mode" => self.mode(),
                _ => "empty",
            };
            out.push(line(name, value));
        }
    }

    fn chromium(&self) -> Vec<Header> {
        const SLOTTED: [&str; 4] = ["content-type", "accept", "accept-language", "authorization"];
        let mut out: Vec<Header> = self.other_author(&SLOTTED).collect();
        if self.trustworthy {
            out.push(line("sec-ch-ua-platform", "\"Linux\""));
        }
        out.extend(self.author("authorization").map(|v| line("Authorization", v)));
        out.push(line("User-Agent", CHROMIUM_USER_AGENT));
        if self.trustworthy {
            out.push(line("sec-ch-ua", CHROMIUM_BRANDS));
        }
        out.extend(self.author("content-type").map(|v| line("Content-Type", v)));
        if self.trustworthy {
            out.push(line("sec-ch-ua-mobile", "?0"));
        }
        out.push(self.accept());
        out.extend(self.origin.map(|o| line("Origin", o)));
        self.fetch_metadata(&mut out, ["Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"]);
        if self.storage_access {
            out.push(line("Sec-Fetch-Storage-Access", "none"));
        }
        out.push(line("Referer", self.referrer));
        out.push(line("Accept-Encoding", "gzip, deflate, br, zstd"));
        out.push(self.accept_language());
        out.extend(self.cookie.map(|c| line("Cookie", c)));
        out
    }

    fn chromium_preflight(&self, (method, headers): (&str, Option<&str>)) -> Vec<Header> {
        let mut out = vec![line("Accept", "*/*"), line("Access-Control-Request-Method", method)];
        out.extend(headers.map(|h| line("Access-Control-Request-Headers", h)));
        out.extend(self.origin.map(|o| line("Origin", o)));
        out.push(line("User-Agent", CHROMIUM_USER_AGENT));
        self.fetch_metadata(&mut out, ["Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-Dest"]);
        out.push(line("Referer", self.referrer));
        out.push(line("Accept-Encoding", "gzip, deflate, br, zstd"));
        out.push(line("Accept-Language", ACCEPT_LANGUAGE));
        out
    }

    fn firefox_head(&self) -> Vec<Header> {
        vec![
            line("User-Agent", FIREFOX_USER_AGENT),
            self.accept(),
            self.accept_language(),
            line("Accept-Encoding", "gzip, deflate, br, zstd"),
        ]
    }

    fn firefox(&self) -> Vec<Header> {
        let mut out = self.firefox_head();
        out.push(line("Referer", self.referrer));
        out.extend(self.other_author(&["accept", "accept-language"]));
        out.extend(self.origin.map(|o| line("Origin", o)));
        if self.storage_access {
            out.push(line("Sec-Fetch-Storage-Access", "none"));
        }
        out.extend(self.cookie.map(|c| line("Cookie", c)));
        self.fetch_metadata(&mut out, ["Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site"]);
        out.push(line("Priority", "u=4"));
        out
    }

    fn firefox_preflight(&self, (method, headers): (&str, Option<&str>)) -> Vec<Header> {
        let mut out = self.firefox_head();
        out[1] = line("Accept", "*/*");
        out[2] = line("Accept-Language", ACCEPT_LANGUAGE);
        out.push(line("Access-Control-Request-Method", method));
        out.extend(headers.map(|h| line("Access-Control-Request-Headers", h)));
        out.push(line("Referer", self.referrer));
        out.extend(self.origin.map(|o| line("Origin", o)));
        if self.storage_access {
            out.push(line("Sec-Fetch-Storage-Access", "none"));
        }
        self.fetch_metadata(&mut out, ["Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site"]);
        out.push(line("Priority", "u=4"));
        out
    }

    /// WebKit keeps the headers it knows by name (`HTTPHeaderName`) apart from the others: the page's
    /// known ones come first, in its order, then what WebKit adds, then the page's custom ones.
    fn webkit(&self) -> Vec<Header> {
        const KNOWN: [&str; 7] = [
            "authorization",
            "content-type",
            "accept",
            "accept-language",
            "content-language",
            "cache-control",
            "pragma",
        ];
        let known = |n: &str| KNOWN.contains(&n.to_ascii_lowercase().as_str());
        let mut out: Vec<Header> = self.author.iter().filter(|(n, _)| known(n)).cloned().collect();
        let default_accept = self.author("accept").is_none().then(|| line("Accept", "*/*"));
        let origin = self.origin.map(|o| line("Origin", o));
        if self.mode == Mode::Cors && self.site != SecFetchSite::SameOrigin {
            out.extend(origin);
            out.push(line("Referer", self.referrer));
            out.extend(default_accept);
        } else {
            // A same-origin or no-cors request gets its Origin (a POST's) after the rest.
            out.push(line("Referer", self.referrer));
            out.extend(default_accept);
            out.extend(origin);
        }
        out.push(line("User-Agent", WEBKIT_USER_AGENT));
        out.push(line("Accept-Encoding", "gzip, deflate"));
        if self.author("accept-language").is_none() {
            out.push(line("Accept-Language", ACCEPT_LANGUAGE));
        }
        out.extend(self.cookie.map(|c| line("Cookie", c)));
        if !(self.cross_origin_hop && self.mode == Mode::Cors) {
            self.fetch_metadata(&mut out, ["Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site"]);
        }
        out.extend(self.author.iter().filter(|(n, _)| !known(n)).cloned());
        out
    }

    fn webkit_preflight(&self, (method, headers): (&str, Option<&str>)) -> Vec<Header> {
        let mut out = Vec::new();
        out.extend(self.origin.map(|o| line("Origin", o)));
        out.push(line("Access-Control-Request-Method", method));
        out.push(line("Referer", self.referrer));
        out.extend(headers.map(|h| line("Access-Control-Request-Headers", h)));
        out.push(line("User-Agent", WEBKIT_USER_AGENT));
        out.push(line("Accept", "*/*"));
        out.push(line("Accept-Encoding", "gzip, deflate"));
        out.push(line("Accept-Language", ACCEPT_LANGUAGE));
        self.fetch_metadata(&mut out, ["Sec-Fetch-Mode", "Sec-Fetch-Dest", "Sec-Fetch-Site"]);
        out
    }
}

/// Fetch Metadata's relation of a URL's host to the page's: the same origin, the same site (the same
/// scheme and registrable domain; an IP address is its own site), or another site.
///
/// The registrable domain is taken as the last two labels, without the Public Suffix List: right for
/// `example.com`, `localhost` and IP addresses, too generous for names under `co.uk`.
pub(crate) fn site_of(page: (&str, &str, Option<u16>), url: (&str, &str, Option<u16>)) -> SecFetchSite {
    if page == url {
        return SecFetchSite::SameOrigin;
    }
    let ((page_scheme, page_host, _), (scheme, host, _)) = (page, url);
    if page_scheme == scheme && site(page_host) == site(host) {
        SecFetchSite::SameSite
    } else {
        SecFetchSite::CrossSite
    }
}

/// A host's site: an IP address itself, a name's last two labels.
fn site(host: &str) -> &str {
    let is_ip = host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if is_ip {
        return host;
    }
    match host.rmatch_indices('.').nth(1) {
        Some((dot, _)) => &host[dot + 1..],
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(engine: Engine) -> Lines<'static> {
        Lines {
            engine,
            preflight: None,
            author: &[],
            origin: Some("http://localhost:3000"),
            mode: Mode::Cors,
            site: SecFetchSite::CrossSite,
            referrer: "http://localhost:3000/",
            trustworthy: true,
            storage_access: false,
            cross_origin_hop: false,
            cookie: None,
        }
    }

    fn names(headers: &[Header]) -> Vec<&str> {
        headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The order measured for a simple cross-origin GET (docs/requests.md), without the transport's lines.
    #[test]
    fn each_engine_writes_a_simple_get_in_its_order() {
        assert_eq!(
            names(&lines(Engine::Chromium).headers()),
            [
                "sec-ch-ua-platform",
                "User-Agent",
                "sec-ch-ua",
                "sec-ch-ua-mobile",
                "Accept",
                "Origin",
                "Sec-Fetch-Site",
                "Sec-Fetch-Mode",
                "Sec-Fetch-Dest",
                "Referer",
                "Accept-Encoding",
                "Accept-Language"
            ]
        );
        assert_eq!(
            names(&lines(Engine::Firefox).headers()),
            [
                "User-Agent",
                "Accept",
                "Accept-Language",
                "Accept-Encoding",
                "Referer",
                "Origin",
                "Sec-Fetch-Dest",
                "Sec-Fetch-Mode",
                "Sec-Fetch-Site",
                "Priority"
            ]
        );
        assert_eq!(
            names(&lines(Engine::Webkit).headers()),
            [
                "Origin",
                "Referer",
                "Accept",
                "User-Agent",
                "Accept-Encoding",
                "Accept-Language",
                "Sec-Fetch-Dest",
                "Sec-Fetch-Mode",
                "Sec-Fetch-Site"
            ]
        );
    }

    /// Every engine's preflight says `Accept: */*` (WPT's preflight handler refuses one without it).
    #[test]
    fn preflights_accept_anything_and_ask_for_the_method_and_headers() {
        for engine in Engine::ALL {
            let asks = Lines { preflight: Some(("PUT", Some("x-custom"))), ..lines(engine) }.headers();
            for expected in [("Accept", "*/*"), ("Access-Control-Request-Method", "PUT")] {
                assert!(asks.contains(&line(expected.0, expected.1)), "{engine}: {asks:?}");
            }
            assert!(asks.contains(&line("Access-Control-Request-Headers", "x-custom")), "{engine}");
            assert!(!asks.iter().any(|(n, _)| n == "Cookie"), "{engine}: a preflight never carries a cookie");
        }
    }

    #[test]
    fn sites_are_scheme_and_registrable_domain() {
        let page = ("http", "localhost", Some(3000));
        assert_eq!(site_of(page, ("http", "localhost", Some(3000))), SecFetchSite::SameOrigin);
        assert_eq!(site_of(page, ("http", "localhost", Some(8003))), SecFetchSite::SameSite);
        assert_eq!(site_of(page, ("http", "127.0.0.1", Some(3000))), SecFetchSite::CrossSite);
        assert_eq!(site_of(page, ("https", "localhost", Some(3000))), SecFetchSite::CrossSite);
        let app = ("https", "app.example.com", None);
        assert_eq!(site_of(app, ("https", "api.example.com", None)), SecFetchSite::SameSite);
        assert_eq!(site_of(app, ("https", "example.org", None)), SecFetchSite::CrossSite);
    }
}
