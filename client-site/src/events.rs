//! The live feed: `GET /sandbox/events`, Server-Sent Events that keep every open tab in step.
//!
//! | event | data |
//! |---|---|
//! | `policy` | `{"version": N, "policy": {…}}`, on connect and on every change |
//! | `exchange` | an exchange as `GET /sandbox/log` shows it, verdict included, for each request the API records |
//! | `progress` | the tutorial's steps, on connect and whenever one ticks |
//! | `lessons` | the lab's lessons, on connect and whenever a part is seen |
//! | `verdict` | a lab request's three views, as `POST /sandbox/attempts` answers them |
//! | `resync` | this tab fell behind and missed events: re-read `/sandbox/log` |
//!
//! A slow tab never slows the API: the API hands each exchange to a bounded broadcast channel and moves
//! on; [`spawn_watcher`] turns exchanges into verdicts off the API's request path.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::{Value, json};
use server::PolicySnapshot;
use tokio::sync::broadcast::error::RecvError;

use crate::{Site, explain};

/// One announcement for the live feed, serialized once however many tabs receive it.
#[derive(Clone, Debug)]
pub struct SiteEvent {
    /// The SSE event name: `policy`, `exchange`, `progress` or `resync`.
    pub name: &'static str,
    /// The event's JSON data.
    pub data: Arc<str>,
}

impl SiteEvent {
    fn new(name: &'static str, data: &Value) -> SiteEvent {
        SiteEvent { name, data: data.to_string().into() }
    }

    /// A policy change.
    pub fn policy(snapshot: &PolicySnapshot) -> SiteEvent {
        SiteEvent::new("policy", &json!({ "version": snapshot.version, "policy": snapshot.policy }))
    }

    /// The tutorial's progress.
    pub fn progress(progress: &Value) -> SiteEvent {
        SiteEvent::new("progress", progress)
    }

    /// The lab's lessons.
    pub fn lessons(lessons: &Value) -> SiteEvent {
        SiteEvent::new("lessons", lessons)
    }

    /// A lab request joined with the API's records and the model's verdict.
    pub fn verdict(view: &Value) -> SiteEvent {
        SiteEvent::new("verdict", view)
    }

    /// A new exchange, as `explain::view` shows it.
    pub fn exchange(view: &Value) -> SiteEvent {
        SiteEvent::new("exchange", view)
    }

    fn to_sse(&self) -> Event {
        Event::default().event(self.name).data(&*self.data)
    }
}

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
                Err(RecvError::Lagged(_)) => SiteEvent::new("resync", &json!({})),
                Err(RecvError::Closed) => return None,
            },
        };
        Some((event, (receiver, shutdown)))
    });
    let events = stream::iter(first).chain(live).map(|event| Ok(event.to_sse()));
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// Starts the task that follows the API's log: for each exchange it runs the browser model, ticks the
/// tutorial's steps, and announces both on the live feed. It ends when the sandbox shuts down.
pub fn spawn_watcher(site: Site) -> tokio::task::JoinHandle<()> {
    let mut exchanges = site.api.log.subscribe();
    tokio::spawn(async move {
        let own_origins: Vec<String> = site
            .config
            .host_names()
            .iter()
            .map(|name| format!("http://{name}:{}", site.config.client_port))
            .collect();
        loop {
            let exchange = tokio::select! {
                () = site.shutdown.cancelled() => return,
                received = exchanges.recv() => match received {
                    Ok(exchange) => exchange,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "the live feed fell behind the API; tabs will re-read the log");
                        let _ = site.events.send(SiteEvent::new("resync", &json!({})));
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                },
            };
            let verdict = explain::verdict(&exchange);
            let _ = site.events.send(SiteEvent::exchange(&explain::view_with(&exchange, verdict.as_ref())));
            let progress = {
                let mut progress = site.progress();
                progress.observe(&exchange, verdict.as_ref(), &own_origins).then(|| progress.to_json())
            };
            if let Some(progress) = progress {
                let _ = site.events.send(SiteEvent::progress(&progress));
            }
        }
    })
}
