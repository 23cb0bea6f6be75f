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
/// tab that fell behind the other events gets `resync` and, straight after, what it shows afresh (the
/// policy, the progress, the lessons), so no tab stays on an old state.
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
                Ok(()) => vec![SiteEvent::policy(&site.api.policy.snapshot()).frame],
                Err(_closed) => return None,
            },
            received = receiver.recv() => match received {
                Ok(event) => vec![event.frame],
                Err(RecvError::Lagged(_)) => {
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
        SiteEvent::policy(&site.api.policy.snapshot()),
        SiteEvent::progress(&site.progress().to_json()),
        SiteEvent::lessons(&site.lessons().to_json()),
    ]
}
