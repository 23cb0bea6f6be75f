//! What the browser refuses before anything goes out — mixed content, then Local Network Access
//! (docs/local-network-access.md) — judged before each request of the walk, and again when a door says
//! which address a host name resolved to.

use crate::address_space::{AddressSpace, Permission};
use crate::engine::Engine;
use crate::failure::Failure;
use crate::local_network::{self, Gate, LocalNetworkAccess, Refusal};
use crate::names::CheckId;
use crate::preflight;
use crate::verdict::Blocked;

use super::walk::{Walk, context};
use super::{Outgoing, State};

impl Walk {
    /// A door resolved the host of the request now out: judge it again on that address.
    pub(super) fn resolved(mut self: Box<Self>, mut out: Box<Outgoing>, space: AddressSpace) -> State {
        self.resolved.push((self.chain.current.host().to_string(), space));
        out.address_space = Some(space);
        match self.may_go_out() {
            Ok(()) => State::Waiting(self, out),
            Err(blocked) => self.blocked(blocked),
        }
    }

    /// The target's address space: from the URL's host, or as a door resolved it (a name nobody resolved
    /// counts as public).
    pub(super) fn target_space(&self) -> Option<AddressSpace> {
        let host = self.chain.current.host();
        AddressSpace::of_host(host).or_else(|| self.resolved.iter().find(|(h, _)| h == host).map(|(_, s)| *s))
    }

    /// What the browser refuses before anything goes to `chain.current`: mixed content, then Local Network
    /// Access (docs/local-network-access.md).
    pub(super) fn may_go_out(&mut self) -> Result<(), Blocked> {
        let page = &self.chain.page;
        let page_https = page.url.starts_with("https:");
        if local_network::blocks_mixed_content(self.engine, page_https, &self.chain.current) {
            let url = self.chain.current.clone();
            const STEP: &str = "Mixed Content §4.1 (should fetching a request be blocked as mixed content?)";
            self.trace.fail(
                CheckId::MixedContent,
                STEP,
                format!(
                    "The page is on https: and {url} is http:. {} blocks it as mixed content before sending \
                     anything: no CORS header can change that. Serve the API over https:.",
                    self.engine.name()
                ),
            );
            let failure = Failure::MixedContent { url: Box::new(url.clone()) };
            return Err(Blocked { failure, check: CheckId::MixedContent, step: STEP, url: url.serialize() });
        }
        let Some(page_space) = self.page_space else {
            return Ok(());
        };
        // Only a public page is gated, and only Chromium reads `targetAddressSpace`.
        if page_space != AddressSpace::Public
            && (self.declared_space.is_none() || self.engine != Engine::Chromium)
        {
            return Ok(());
        }
        let target_space = self.target_space().unwrap_or(AddressSpace::Public);
        let page_secure = page_https || page.origin.host().is_some_and(crate::address_space::is_loopback);
        let gate = Gate {
            engine: self.engine,
            page_space,
            page_secure,
            target_space,
            declared: self.declared_space,
            same_origin: self.chain.current.is_of(&page.origin),
            permission: self.permission,
        };
        const STEP: &str = "Local Network Access §2.1 (a public page reaching a more private address space)";
        // Whether a preflight was due first (asked only of a gated request: it is not free).
        let preflight_due = |walk: &Self| {
            walk.chain.cors_flag && preflight::reason_for(&walk.chain.method, &walk.chain.headers).is_some()
        };
        match gate.decide() {
            Ok(false) => Ok(()),
            Ok(true) => {
                let record = self.local_network_record(page_space, target_space, preflight_due(self));
                self.trace.pass(CheckId::LocalNetworkAccess, STEP, record.summary.clone());
                self.local_network_access.get_or_insert(record);
                Ok(())
            }
            Err(refusal) => {
                let preflight = preflight_due(self);
                let record = self.local_network_record(page_space, target_space, preflight);
                let reason = local_network::chromium_reason(&refusal);
                self.trace.fail(
                    CheckId::LocalNetworkAccess,
                    STEP,
                    format!(
                        "{} refuses the request before sending anything: {reason} No CORS header can change \
                         that; the server sees no request.",
                        self.engine.name()
                    ),
                );
                self.local_network_access.get_or_insert(record);
                let failure = Failure::LocalNetwork { refusal, preflight };
                Err(Blocked {
                    failure,
                    check: CheckId::LocalNetworkAccess,
                    step: STEP,
                    url: self.chain.current.serialize(),
                })
            }
        }
    }

    /// What the verdict says of Local Network Access for a request to a target in `target_space`.
    fn local_network_record(
        &self,
        page_space: AddressSpace,
        target_space: AddressSpace,
        preflight: bool,
    ) -> LocalNetworkAccess {
        let permission = target_space.permission().unwrap_or("loopback-network");
        let refused = Failure::LocalNetwork { refusal: Refusal::Denied { space: target_space }, preflight };
        let url = self.chain.current.serialize();
        let origin = self.chain.page.origin_text();
        let cx = context(&self.chain.page, &origin, &origin, &self.initial_url, &url);
        let chromium_if_refused = crate::messages::chromium_console(&refused, &cx)
            .into_iter()
            .chain(crate::messages::chromium_network(&refused))
            .collect();
        let firefox_if_refused = crate::messages::firefox_console(&refused, &cx);
        let state = self.permission;
        let summary = match state {
            Permission::Granted => format!(
                "A {page} page reaching a {target_space} address needs the `{permission}` permission, and it is \
                 granted: the request goes out as usual.",
                page = page_space
            ),
            Permission::Denied => format!(
                "A {page} page reaching a {target_space} address needs the `{permission}` permission, and it is \
                 denied: the browser refuses at once, with no request.",
                page = page_space
            ),
            Permission::Prompt => format!(
                "A {page} page reaching a {target_space} address needs the `{permission}` permission: Chromium \
                 asks the user (Firefox too). Allowed, the request goes out as below; blocked — or in a headless \
                 browser — it is refused before anything is sent. No CORS header changes that.",
                page = page_space
            ),
        };
        LocalNetworkAccess {
            page_space,
            target_space,
            permission,
            state,
            chromium_if_refused,
            firefox_if_refused,
            summary,
        }
    }
}
