//! `GET /sandbox/events`: the live feed, Server-Sent Events that keep every open tab in step.
//!
//! Each tab gets the current policy, progress and lessons first, then every [`SiteEvent`] as it is
//! announced (the list of events is in [`crate::events`]), until the tab closes or the sandbox shuts down.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use crate::events::SiteEvent;
use crate::site::Site;

/// `GET /sandbox/events`: the current policy, progress and lessons, then every change as it happens,
/// until the tab closes or the sandbox shuts down.
///
/// A policy change is never dropped or delayed: it comes from its own `watch` channel, looked at first. A
/// tab that fell behind the other events — more than [`crate::events::FEED_BYTE_BUDGET`] bytes, or the
/// channel's capacity — skips what is queued for it and gets `resync` and, straight after, what it shows
/// afresh (the policy, the progress, the lessons), so no tab stays on an old state.
pub async fn feed(State(site): State<Site>) -> Response {
    // Subscribe before reading the current state, so nothing that happens in between is missed.
    let receiver = site.events.subscribe();
    let mut policy = site.policy_changed.subscribe();
    policy.mark_unchanged();
    let first = current_state(&site);
    let live = stream::unfold((receiver, policy, site), |(mut receiver, mut policy, site)| async move {
        let frames = tokio::select! {
            biased;
            // Ending the stream on shutdown lets graceful shutdown finish (axum issue #2673).
            () = site.shutdown.cancelled() => return None,
            changed = policy.changed() => match changed {
                Ok(()) => vec![policy.borrow_and_update().event.frame.clone()],
                Err(_closed) => return None,
            },
            received = receiver.recv() => match received {
                Ok(event) if !site.events.too_far_behind(&event) => vec![event.frame],
                // Too far behind, in bytes or in events: skip what is queued and start afresh.
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    receiver = receiver.resubscribe();
                    let mut events = vec![SiteEvent::resync()];
                    events.extend(current_state(&site));
                    events.into_iter().map(|event| event.frame).collect()
                }
                Err(RecvError::Closed) => return None,
            },
            // A comment now and then keeps proxies and idle timeouts from closing a quiet feed.
            () = tokio::time::sleep(KEEP_ALIVE) => vec![Bytes::from_static(b":\n\n")],
        };
        Some((frames, (receiver, policy, site)))
    });
    let frames = stream::iter(first.into_iter().map(|event| event.frame))
        .chain(live.flat_map(stream::iter))
        .map(Ok::<_, Infallible>);
    (
        [(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")],
        Body::from_stream(frames),
    )
        .into_response()
}

/// How long a feed may be quiet before it sends a keep-alive comment (as axum's `Sse` does).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What a tab shows, as events: the policy, the tutorial's progress, the lab's lessons.
fn current_state(site: &Site) -> Vec<SiteEvent> {
    vec![
        site.policy_changed.borrow().event.clone(),
        SiteEvent::progress(&site.progress().to_json()),
        SiteEvent::lessons(&site.lessons().to_json()),
    ]
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn site() -> Site {
        Site::for_tests()
    }

    /// The names of the events in the feed's next frame.
    async fn next_names(body: &mut Body) -> Vec<String> {
        let frame = body.frame().await.expect("a frame").expect("no error").into_data().expect("data");
        String::from_utf8_lossy(&frame)
            .lines()
            .filter_map(|line| line.strip_prefix("event: ").map(str::to_owned))
            .collect()
    }

    /// A tab that has more than the byte budget waiting for it skips it: `resync`, then what it shows.
    #[tokio::test]
    async fn a_tab_too_many_bytes_behind_skips_ahead() {
        let site = site();
        let mut body = feed(State(site.clone())).await.into_body();
        for expected in ["policy", "progress", "lessons"] {
            assert_eq!(next_names(&mut body).await, [expected]);
        }
        // 20 events of 64 KiB: fewer than the channel holds, more bytes than the budget.
        let big = serde_json::json!({ "pad": "x".repeat(64 * 1024) });
        for _ in 0..20 {
            site.events.send(SiteEvent::verdict(&big));
        }
        assert_eq!(next_names(&mut body).await, ["resync"]);
        for expected in ["policy", "progress", "lessons"] {
            assert_eq!(next_names(&mut body).await, [expected]);
        }
        // Then it follows again from the newest.
        site.events.send(SiteEvent::lessons(&serde_json::json!({})));
        assert_eq!(next_names(&mut body).await, ["lessons"]);
    }

    /// A tab within the budget gets every event, in order.
    #[tokio::test]
    async fn a_tab_within_the_budget_gets_every_event() {
        let site = site();
        let mut body = feed(State(site.clone())).await.into_body();
        for _ in 0..3 {
            next_names(&mut body).await;
        }
        let medium = serde_json::json!({ "pad": "x".repeat(32 * 1024) });
        for _ in 0..20 {
            site.events.send(SiteEvent::verdict(&medium));
        }
        for _ in 0..20 {
            assert_eq!(next_names(&mut body).await, ["verdict"]);
        }
    }
}
