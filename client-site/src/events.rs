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

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use serde_json::{Value, json};
use server::PolicySnapshot;
use tokio::sync::broadcast;

/// How many events a tab may fall behind before it skips ahead; [`FEED_BYTE_BUDGET`] usually comes first.
const CAPACITY: usize = 128;

/// How many bytes of events a tab may fall behind (sent to the feed, not yet written to its connection)
/// before it skips ahead to `resync`: what a tab that stops reading can make the sandbox hold is bounded
/// in bytes, not only in events.
pub const FEED_BYTE_BUDGET: u64 = 1 << 20;

/// The live feed's channel: every event but the policy, to every tab (see the module's table).
pub struct Events {
    sender: broadcast::Sender<SiteEvent>,
    /// The bytes of every event sent so far: each event is stamped with the total at its end.
    sent_bytes: AtomicU64,
}

impl Default for Events {
    fn default() -> Events {
        Events { sender: broadcast::channel(CAPACITY).0, sent_bytes: AtomicU64::new(0) }
    }
}

impl Events {
    /// Sends `event` to every tab. Never waits: a tab that falls behind skips ahead.
    pub fn send(&self, mut event: SiteEvent) {
        let length = event.frame.len() as u64;
        event.ends_at = self.sent_bytes.fetch_add(length, Ordering::Relaxed) + length;
        // No receiver (no tab open) is not an error: nobody needed it.
        let _ = self.sender.send(event);
    }

    /// A new tab's receiver, from the next event on.
    pub fn subscribe(&self) -> broadcast::Receiver<SiteEvent> {
        self.sender.subscribe()
    }

    /// How many tabs follow the feed.
    pub fn receiver_count(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Whether a tab that is about to be handed `event` is more than [`FEED_BYTE_BUDGET`] behind the
    /// newest event, and should skip ahead instead.
    pub fn too_far_behind(&self, event: &SiteEvent) -> bool {
        self.sent_bytes.load(Ordering::Relaxed).saturating_sub(event.ends_at) > FEED_BYTE_BUDGET
    }
}

/// One announcement for the live feed, encoded once — as the bytes of its Server-Sent Event — however
/// many tabs receive it: each tab's feed only hands the same shared bytes to its connection.
#[derive(Clone, Debug)]
pub struct SiteEvent {
    /// The SSE event name: `policy`, `exchange`, `exchanges-omitted`, `progress`, `lessons`, `verdict` or
    /// `resync`; `joined` for several of them in one frame.
    pub name: &'static str,
    /// `event: <name>\ndata: <JSON>\n\n`. Compact JSON has no line break, so one `data:` line holds it.
    pub frame: Bytes,
    /// Where this event ends in everything [`Events`] sent, in bytes; 0 until it is sent.
    ends_at: u64,
}

impl SiteEvent {
    fn new(name: &'static str, data: &Value) -> SiteEvent {
        SiteEvent { name, frame: Bytes::from(format!("event: {name}\ndata: {data}\n\n")), ends_at: 0 }
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

    /// `count` exchanges, the last of them `up_to_seq`, are left out of the feed (not out of the log).
    pub fn exchanges_omitted(data: &Value) -> SiteEvent {
        SiteEvent::new("exchanges-omitted", data)
    }

    /// Several events as one frame: one write to each tab for all of them.
    pub fn joined(events: &[SiteEvent]) -> SiteEvent {
        let mut frame = Vec::with_capacity(events.iter().map(|event| event.frame.len()).sum());
        for event in events {
            frame.extend_from_slice(&event.frame);
        }
        SiteEvent { name: "joined", frame: Bytes::from(frame), ends_at: 0 }
    }

    /// This tab fell behind and missed events: it should re-read what it shows.
    pub fn resync() -> SiteEvent {
        SiteEvent::new("resync", &json!({}))
    }
}
