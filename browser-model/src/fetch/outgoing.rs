//! What goes out: the request or preflight at the walk's current URL, as the engine writes it — its
//! `Origin`, cookie, `Referer`, `Sec-Fetch-Site` and `-Storage-Access` (measured per engine,
//! docs/requests.md); `wire` lays the lines out.

use crate::address_space::is_loopback;
use crate::engine::Engine;
use crate::request::Credentials;
use crate::url::{Origin, Url};
use crate::wire::{self, SecFetchSite};

use super::walk::{PendingPreflight, Walk};
use super::{Outgoing, Sending};
use crate::request::Mode;

impl Walk {
    /// The request at `chain.current`, as the engine writes it.
    pub(super) fn outgoing_request(&mut self) -> Outgoing {
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
            address_space: self.target_space(),
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
    pub(super) fn outgoing_preflight(&mut self, asks: &PendingPreflight) -> Outgoing {
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
            address_space: self.target_space(),
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
    pub(super) fn storage_access(&self) -> bool {
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
    pub(super) fn author_headers(&self) -> Vec<(String, String)> {
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
    pub(super) fn fetch_site(&self) -> SecFetchSite {
        let here = self.site_of(&self.chain.current);
        if self.engine == Engine::Firefox && self.chain.redirects > 0 && self.chain.ever_crossed_origin {
            return SecFetchSite::CrossSite;
        }
        self.site.max(here)
    }

    pub(super) fn site_of(&self, url: &Url) -> SecFetchSite {
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
    pub(super) fn referrer(&self) -> String {
        let page = &self.chain.page;
        let left_the_page = self.chain.cors_flag || self.chain.opaque;
        if !left_the_page && self.chain.current.is_of(&page.origin) {
            page.url.split('#').next().unwrap_or_default().to_string()
        } else {
            format!("{}/", page.origin_str())
        }
    }
}

/// A "potentially trustworthy" URL (Secure Contexts §3.1): `https:`, or `http:` to this machine, which
/// Chromium and Firefox let an `https:` page fetch without calling it mixed content.
pub fn is_potentially_trustworthy(url: &Url) -> bool {
    url.is_secure() || is_loopback(url.host())
}
