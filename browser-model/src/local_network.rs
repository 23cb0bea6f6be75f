//! Two refusals that come before any CORS check, and that no CORS header can lift: **Local Network Access**
//! (a public page reaching `localhost` or the local network needs the user's permission, Chromium 142+ and
//! Firefox 153) and **mixed content** (an `https:` page fetching `http:`), each as the three engines decide
//! them. Measured on Chromium 156, Firefox 153 ESR and WebKitGTK 2.50: docs/local-network-access.md, the
//! lines in tests/fixtures/lna-lines.json.
//!
//! Both are decided before every request goes out — the first one and each redirect's next hop — from the
//! page's address space, the target's, the permission and `fetch()`'s `targetAddressSpace` option.

use serde::Serialize;

use crate::address_space::{AddressSpace, Permission, is_loopback};
use crate::engine::Engine;
use crate::sentences::*;
use crate::template::Hole;
use crate::url::Url;

/// What the browser knows of the page besides its origin: the state a `fetch()` runs in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageState {
    /// What the browser's cookie jar holds for one host.
    pub cookie: Option<crate::fetch::CookieJar>,
    /// The page's address space as this engine classifies it, when that is not its host's: Chromium makes a
    /// page public when it is served with `Content-Security-Policy: treat-as-public-address`, Firefox when
    /// the pref `network.lna.address_space.public.override` names it. `None`: its host's space (a name that
    /// is not `localhost` counts as public).
    pub address_space: Option<AddressSpace>,
    /// The Local Network Access permission of the page's origin.
    pub permission: Permission,
}

/// What a verdict says of Local Network Access, when a request needed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalNetworkAccess {
    /// The page's space and the target's.
    pub page_space: AddressSpace,
    pub target_space: AddressSpace,
    /// `loopback-network` or `local-network`.
    pub permission: &'static str,
    /// The permission's state the walk assumed.
    pub state: Permission,
    /// Chromium's lines when the permission is refused (its bubble's "Block", or headless).
    pub chromium_if_refused: Vec<String>,
    /// Firefox's lines when refused: only "CORS request did not succeed", the words of a server that is down.
    pub firefox_if_refused: Vec<String>,
    /// In a sentence: what happens, and what fixes it (not a CORS header).
    pub summary: String,
}

/// Why a request never left the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Chromium: `targetAddressSpace` named another space than the target's (`InvalidLocalNetworkAccess`).
    TargetMismatch { declared: AddressSpace, actual: AddressSpace },
    /// Chromium: a page that is not a secure context reaching a more private space (`InsecureLocalNetwork`).
    Insecure { space: AddressSpace },
    /// The permission was refused (`LocalNetworkAccessPermissionDenied`).
    Denied { space: AddressSpace },
}

/// The address space the browser gives the page: as stated, or its host's (a name that is not `localhost`
/// counts as public). `None` for an opaque origin (a sandboxed frame): its space is the server it came from,
/// which its origin does not say, so no request of it is gated.
pub(crate) fn page_space(state: &PageState, page_host: Option<&str>) -> Option<AddressSpace> {
    state
        .address_space
        .or_else(|| page_host.map(|host| AddressSpace::of_host(host).unwrap_or(AddressSpace::Public)))
}

/// What the gate decides for one request from a page in `page_space` to a target in `target_space`.
pub(crate) struct Gate {
    pub(crate) engine: Engine,
    pub(crate) page_space: AddressSpace,
    /// The page is a secure context (`https:`, or `http:` on this machine).
    pub(crate) page_secure: bool,
    pub(crate) target_space: AddressSpace,
    /// `fetch()`'s `targetAddressSpace`, if given.
    pub(crate) declared: Option<AddressSpace>,
    pub(crate) same_origin: bool,
    pub(crate) permission: Permission,
}

impl Gate {
    /// `Ok(true)` when the request needs the permission and it is not refused, `Ok(false)` when it needs
    /// none, `Err` when the browser refuses it before sending anything.
    pub(crate) fn decide(&self) -> Result<bool, Refusal> {
        // WebKitGTK 2.50 has no Local Network Access, and ignores `targetAddressSpace`.
        if self.engine == Engine::Webkit {
            return Ok(false);
        }
        // Chromium checks the declared space first, whatever the page's space (Firefox ignores it).
        if self.engine == Engine::Chromium
            && let Some(declared) = self.declared
            && declared != self.target_space
        {
            return Err(Refusal::TargetMismatch { declared, actual: self.target_space });
        }
        // Only a public page reaching a more private space is gated; a local page may reach loopback, and a
        // request to the page's own origin is never gated.
        let gated = self.page_space == AddressSpace::Public && self.target_space > AddressSpace::Public;
        if !gated || self.same_origin {
            return Ok(false);
        }
        if self.engine == Engine::Chromium && !self.page_secure {
            return Err(Refusal::Insecure { space: self.target_space });
        }
        match self.permission {
            Permission::Denied => Err(Refusal::Denied { space: self.target_space }),
            Permission::Granted | Permission::Prompt => Ok(true),
        }
    }
}

/// Chromium's reason, after "… has been blocked by CORS policy: " (docs/console-messages.md rows 32–34).
pub(crate) fn chromium_reason(refusal: &Refusal) -> String {
    match refusal {
        Refusal::TargetMismatch { declared, actual } => CHROMIUM_LNA_TARGET
            .fill(&[(Hole::TargetSpace, declared.as_str()), (Hole::Space, actual.as_str())]),
        Refusal::Insecure { space } => CHROMIUM_LNA_INSECURE.fill(&[(Hole::Space, space.as_str())]),
        Refusal::Denied { space } => CHROMIUM_LNA_DENIED.fill(&[(Hole::Space, space.as_str())]),
    }
}

/// Whether `engine` blocks a request from a page at `page` (its scheme and host) to `url` as mixed content
/// (https://w3c.github.io/webappsec-mixed-content/): an `https:` page, an `http:` URL. Chromium and Firefox
/// let `http:` to this machine through (it is potentially trustworthy), and Chromium a private address too,
/// with a warning; WebKit blocks them all (measured).
pub(crate) fn blocks_mixed_content(engine: Engine, page_secure_scheme: bool, url: &Url) -> bool {
    if !page_secure_scheme || url.scheme() != "http" {
        return false;
    }
    let space = AddressSpace::of_host(url.host());
    match engine {
        Engine::Webkit => true,
        Engine::Firefox => !is_loopback(url.host()),
        Engine::Chromium => !is_loopback(url.host()) && space != Some(AddressSpace::Local),
    }
}

/// Each engine's lines when it blocks `url` from `page_url` as mixed content (empty when it does not).
pub(crate) fn mixed_content_lines(engine: Engine, page_url: &str, url: &Url) -> Vec<String> {
    let page_secure = page_url.starts_with("https:");
    if !blocks_mixed_content(engine, page_secure, url) {
        return Vec::new();
    }
    let (page_url, url) = (page_url, url.as_str());
    let holes = [(Hole::PageUrl, page_url), (Hole::Url, url)];
    match engine {
        Engine::Chromium => vec![CHROMIUM_MIXED_CONTENT_BLOCKED.fill(&holes)],
        Engine::Firefox => vec![FIREFOX_MIXED_CONTENT.fill(&holes)],
        // Measured: for a loopback target the first message ends at "must".
        Engine::Webkit => {
            let first = if is_loopback_url(url) { WEBKIT_MIXED_CONTENT_CUT } else { WEBKIT_MIXED_CONTENT };
            vec![
                first.fill(&holes),
                WEBKIT_NOT_ALLOWED_TO_REQUEST.fill(&[]),
                WEBKIT_CANNOT_LOAD.fill(&[(Hole::Url, url)]),
            ]
        }
    }
}

/// Whether an absolute URL's host is this machine's.
fn is_loopback_url(url: &str) -> bool {
    crate::url::parse(url).is_some_and(|url| is_loopback(url.host()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::parse;

    fn gate(engine: Engine, page: AddressSpace, target: AddressSpace, permission: Permission) -> Gate {
        Gate {
            engine,
            page_space: page,
            page_secure: true,
            target_space: target,
            declared: None,
            same_origin: false,
            permission,
        }
    }

    /// docs/local-network-access.md, "The facts in one table".
    #[test]
    fn only_a_public_page_reaching_a_more_private_space_is_gated() {
        use AddressSpace::*;
        for engine in [Engine::Chromium, Engine::Firefox] {
            assert_eq!(
                gate(engine, Public, Loopback, Permission::Denied).decide(),
                Err(Refusal::Denied { space: Loopback })
            );
            assert_eq!(
                gate(engine, Public, Local, Permission::Denied).decide(),
                Err(Refusal::Denied { space: Local })
            );
            assert_eq!(gate(engine, Public, Loopback, Permission::Granted).decide(), Ok(true));
            assert_eq!(gate(engine, Public, Loopback, Permission::Prompt).decide(), Ok(true));
            assert_eq!(gate(engine, Local, Loopback, Permission::Denied).decide(), Ok(false));
            assert_eq!(gate(engine, Loopback, Loopback, Permission::Denied).decide(), Ok(false));
            assert_eq!(gate(engine, Public, Public, Permission::Denied).decide(), Ok(false));
            let same_origin =
                Gate { same_origin: true, ..gate(engine, Public, Loopback, Permission::Denied) };
            assert_eq!(same_origin.decide(), Ok(false));
        }
        assert_eq!(gate(Engine::Webkit, Public, Loopback, Permission::Denied).decide(), Ok(false));
    }

    #[test]
    fn chromium_refuses_an_insecure_page_and_a_wrong_target_space_first() {
        use AddressSpace::*;
        let insecure =
            Gate { page_secure: false, ..gate(Engine::Chromium, Public, Loopback, Permission::Granted) };
        assert_eq!(insecure.decide(), Err(Refusal::Insecure { space: Loopback }));
        let firefox =
            Gate { page_secure: false, ..gate(Engine::Firefox, Public, Loopback, Permission::Granted) };
        assert_eq!(firefox.decide(), Ok(true), "Firefox asks an insecure page like any other");
        let wrong =
            Gate { declared: Some(Local), ..gate(Engine::Chromium, Loopback, Loopback, Permission::Granted) };
        assert_eq!(wrong.decide(), Err(Refusal::TargetMismatch { declared: Local, actual: Loopback }));
        assert_eq!(
            chromium_reason(&Refusal::TargetMismatch { declared: Local, actual: Loopback }),
            "Request had a target IP address space of `local` yet the resource is in address space `loopback`."
        );
        let ignored =
            Gate { declared: Some(Local), ..gate(Engine::Firefox, Loopback, Loopback, Permission::Granted) };
        assert_eq!(ignored.decide(), Ok(false));
    }

    #[test]
    fn mixed_content_per_engine() {
        let loopback = parse("http://127.0.0.1:8000/api").expect("valid");
        let private = parse("http://10.77.0.2:8000/api").expect("valid");
        let public = parse("http://203.0.113.7/api").expect("valid");
        let cases = [
            (&loopback, [false, false, true]),
            (&private, [false, true, true]),
            (&public, [true, true, true]),
        ];
        for (url, [chromium, firefox, webkit]) in cases {
            assert_eq!(blocks_mixed_content(Engine::Chromium, true, url), chromium, "{url}");
            assert_eq!(blocks_mixed_content(Engine::Firefox, true, url), firefox, "{url}");
            assert_eq!(blocks_mixed_content(Engine::Webkit, true, url), webkit, "{url}");
            assert!(!blocks_mixed_content(Engine::Webkit, false, url), "an http: page mixes nothing");
        }
        let page = "https://127.0.0.1:18443/page";
        assert_eq!(
            mixed_content_lines(Engine::Webkit, page, &loopback)[0],
            "[blocked] The page at https://127.0.0.1:18443/page requested insecure content from http://127.0.0.1:8000/api. This content was blocked and must"
        );
        assert!(
            mixed_content_lines(Engine::Webkit, page, &private)[0].ends_with("must be served over HTTPS.")
        );
        assert_eq!(
            mixed_content_lines(Engine::Firefox, page, &private),
            ["Blocked loading mixed active content “http://10.77.0.2:8000/api”"]
        );
    }
}
