//! The attacker lesson's parts, ticked not by a lab attempt but by what the API's log shows of another
//! site's requests (the other site cannot report to the sandbox: its controls refuse foreign origins).

use server::Exchange;

/// The lesson the other site's requests tick (docs/lessons.md 13–16).
pub const ATTACKER_LESSON: &str = "be-the-attacker";

/// What the API's log shows of one request from another site to `/api/account` or `/api/counter`.
pub struct AttackSeen<'a> {
    pub exchange: &'a Exchange,
    /// Whether the browser let the page read the answer (the model's verdict on the record).
    pub readable: bool,
    /// The origin matcher of the policy that answered it, when the log can tell.
    pub matcher: Option<&'a server::OriginMatcher>,
}

impl AttackSeen<'_> {
    pub(super) fn account_read(&self) -> bool {
        self.exchange.uri.path() == "/api/account" && self.exchange.status.as_u16() == 200 && self.readable
    }
}
