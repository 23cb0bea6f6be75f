//! `GET /sandbox/events`: the live feed, Server-Sent Events that keep every open tab in step.
//!
//! Each tab gets the current policy, progress and lessons first, then every [`SiteEvent`] as it is
//! announced (the list of events is in [`crate::events`]), until the tab closes or the sandbox shuts down.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use crate::events::SiteEvent;
use crate::site::Site;

/// `GET /sandbox/events`: the current policy and progress, then every change as it happens, until the
/// tab closes or the sandbox shuts down.
pub async fn feed(State(site): State<Site>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribe before reading the current state, so nothing that happens in between is missed.
    let receiver = site.events.subscribe();
    let first = [
        SiteEvent::policy(&site.api.policy.snapshot()),
        SiteEvent::progress(&site.progress().to_json()),
        SiteEvent::lessons(&site.lessons().to_json()),
    ];
    let shutdown = site.shutdown.clone();
    let live = stream::unfold((receiver, shutdown), |(mut receiver, shutdown)| async move {
        let event = tokio::select! {
            // Ending the stream on shutdown lets graceful shutdown finish (axum issue #2673).
            () = shutdown.cancelled() => return None,
            received = receiver.recv() => match received {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => SiteEvent::resync(),
                Err(RecvError::Closed) => return None,
            },
        };
        Some((event, (receiver, shutdown)))
    });
    let events = stream::iter(first).chain(live).map(|event| Ok(event.to_sse()));
    Sse::new(events).keep_alive(KeepAlive::default())
}
