//! The Local Network Access lesson (docs/lessons.md, "Your deployed app calls your local API"): ticked by the
//! attempts of the page `crate::local_network` serves as a public site, which report themselves.

use browser_model::{CorsError, Permission};

use super::setup::{Setup, SetupPolicy, Then};
use super::{Detector, Lesson, Observation, Part};

/// The lesson's id.
pub const LOCAL_NETWORK_LESSON: &str = "local-network-access";

/// Whether the attempt came from the lesson's public page.
fn from_public_page(o: &Observation<'_>) -> bool {
    o.attempt.local_network.is_some()
}

pub(super) const LESSON: Lesson = Lesson {
    id: LOCAL_NETWORK_LESSON,
    title: "Local Network Access: your deployed app calls your local API",
    how: "Open the page “Your deployed app calls your local API” (a page of this sandbox that Chromium takes for a site on the internet) and press its button. Chromium asks whether the page may reach apps on this device: Block, and nothing reaches the API; Allow, and the request goes out as an ordinary CORS request. No CORS header changes the first answer.",
    parts: &[
        Part {
            link: None,
            text: "a public page's fetch() to localhost is refused before it leaves the browser: the API's log shows nothing (the permission blocked, or nobody could answer)",
            seen_in: Detector::Attempt(|o| {
                from_public_page(o)
                    && !o.resolved
                    && o.nothing_reached_the_api
                    && o.failed == Some(CorsError::LocalNetworkAccessPermissionDenied)
            }),
        },
        Part {
            link: None,
            text: "with the loopback-network permission allowed, the same request reaches the API",
            seen_in: Detector::Attempt(|o| {
                o.attempt.local_network.as_ref().is_some_and(|r| r.permission == Some(Permission::Granted))
                    && !o.actual.is_empty()
            }),
        },
    ],
    // Any origin may read the answer, so that once the permission is given the page reads it.
    setup: Setup {
        policy: SetupPolicy::Json(r#"{"allow_origin": "*"}"#),
        then: Then::Visit {
            page: crate::local_network::PAGE,
            label: "Your deployed app calls your local API",
        },
    },
};
