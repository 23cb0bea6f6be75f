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
    fn account_read(&self) -> bool {
        self.exchange.uri.path() == "/api/account" && self.exchange.status.as_u16() == 200 && self.readable
    }
}

/// The attacker lesson's parts, in order: which record of the other site's shows each.
pub(super) const ATTACK_PARTS: [fn(&AttackSeen<'_>) -> bool; 5] = [
    |a| a.account_read() && matches!(a.matcher, Some(server::OriginMatcher::Reflect)),
    |a| {
        a.account_read()
            && a.exchange.origin() == Some("null")
            && matches!(a.matcher, Some(server::OriginMatcher::Exact(list)) if list.iter().any(|o| o == "null"))
    },
    |a| {
        use server::OriginMatcher::{Prefix, Regex, Substring, Suffix};
        a.account_read() && matches!(a.matcher, Some(Prefix(_) | Suffix(_) | Substring(_) | Regex(_)))
    },
    |a| {
        a.exchange.uri.path() == "/api/account"
            && !a.readable
            && matches!(a.matcher, Some(server::OriginMatcher::Exact(list)) if !list.iter().any(|o| o == "null"))
    },
    |a| {
        a.exchange.uri.path() == "/api/counter"
            && a.exchange.method == axum::http::Method::POST
            && a.exchange.status.as_u16() == 200
            && !a.readable
    },
];
