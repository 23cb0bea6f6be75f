//! What the live feed announces: one [`SiteEvent`] per change, serialized once however many tabs listen.
//! [`crate::feed`] sends them to each tab as Server-Sent Events.
//!
//! | event | data |
//! |---|---|
//! | `policy` | `{"version": N, "policy": {…}}`, on connect and on every change |
//! | `exchange` | an exchange as `GET /sandbox/log` shows it, verdict included, for each request the API records |
//! | `progress` | the tutorial's steps, on connect and whenever one ticks |
//! | `lessons` | the lab's lessons, on connect and whenever a part is seen |
//! | `verdict` | a lab request's three views, as `POST /sandbox/attempts` answers them |
//! | `resync` | this tab fell behind and missed events: re-read `/sandbox/log` (the policy, the progress and the lessons follow at once) |
//!
//! A slow tab never slows the API: the API hands each exchange to a bounded broadcast channel and moves
//! on; [`crate::watcher`] turns exchanges into verdicts off the API's request path.

use axum::body::Bytes;
use serde_json::{Value, json};
use server::PolicySnapshot;

/// One announcement for the live feed, encoded once — as the bytes of its Server-Sent Event — however
/// many tabs receive it: each tab's feed only hands the same shared bytes to its connection.
#[derive(Clone, Debug)]
pub struct SiteEvent {
    /// The SSE event name: `policy`, `exchange`, `progress`, `lessons`, `verdict` or `resync`.
    pub name: &'static str,
    /// `event: <name>\ndata: <JSON>\n\n`. Compact JSON has no line break, so one `data:` line holds it.
    pub frame: Bytes,
}

impl SiteEvent {
    fn new(name: &'static str, data: &Value) -> SiteEvent {
        SiteEvent { name, frame: Bytes::from(format!("event: {name}\ndata: {data}\n\n")) }
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

    /// This tab fell behind and missed events: it should re-read what it shows.
    pub fn resync() -> SiteEvent {
        SiteEvent::new("resync", &json!({}))
    }
}
