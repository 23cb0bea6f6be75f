//! The task that follows the API's log: exchanges are judged by the browser model, tick the tutorial's
//! steps, and are announced on the live feed — off the API's request path, and in batches, so that what
//! a request costs does not grow with the number of open tabs.
//!
//! An exchange that arrives when nothing was announced for [`BATCH_WINDOW`] is judged and announced at
//! once: a learner's click shows without delay. Later ones wait for the window's end, and then at most
//! [`BATCH_MOST`] of them (the newest, within [`BATCH_BYTES`]) are judged and sent to every tab as one
//! frame, after an `exchanges-omitted` event that counts the rest (the log keeps them all). A burst of
//! thousands of requests a second thus costs each tab about twenty writes a second, and the model a few
//! hundred verdicts a second, whatever the load.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use server::Exchange;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::Instant;

use crate::events::SiteEvent;
use crate::site::Site;
use crate::{explain, lessons};

/// How long exchanges after the first are gathered before they are sent as one frame.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// How many exchanges one frame shows at most; the rest are counted in `exchanges-omitted`.
pub const BATCH_MOST: usize = 8;
/// How many bytes of exchange events one frame holds at most (a record is capped at 16 KiB).
pub const BATCH_BYTES: usize = 64 * 1024;

/// Starts the task that follows the API's log. It ends when the sandbox shuts down.
pub fn spawn(site: Site) -> tokio::task::JoinHandle<()> {
    let mut exchanges = site.api.log.subscribe();
    tokio::spawn(async move {
        let own_origins = site.own_origins();
        let mut lagged = LagWarning::default();
        let mut batch = Batch::default();
        loop {
            let first = tokio::select! {
                biased;
                () = site.shutdown.cancelled() => return,
                () = tokio::time::sleep_until(batch.window_ends.unwrap_or_else(Instant::now)),
                    if batch.window_ends.is_some() => {
                    batch.flush(&site, &own_origins);
                    continue;
                }
                received = exchanges.recv() => received,
            };
            // Under load many are waiting: take them without a timer or a wake-up each (a bounded
            // number, so the wait above, which yields when the task's budget is spent, comes round).
            let mut received = first;
            for _ in 0..DRAIN_MOST {
                match received {
                    Ok(exchange) => batch.take(exchange, &site, &own_origins),
                    Err(RecvError::Lagged(missed)) => {
                        lagged.note(missed);
                        site.events.send(SiteEvent::resync());
                    }
                    Err(RecvError::Closed) => return,
                }
                received = match exchanges.try_recv() {
                    Ok(exchange) => Ok(exchange),
                    Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
                    Err(TryRecvError::Closed) => Err(RecvError::Closed),
                    Err(TryRecvError::Empty) => break,
                };
            }
        }
    })
}

/// The exchanges waiting for the end of the current window.
#[derive(Default)]
struct Batch {
    /// When the running window ends; `None` when nothing was announced for [`BATCH_WINDOW`].
    window_ends: Option<Instant>,
    /// The newest exchanges of the window, at most [`BATCH_MOST`].
    newest: VecDeque<Arc<Exchange>>,
    /// Older exchanges of the window that will not be shown: how many, and the last one's `seq`.
    omitted: usize,
    omitted_up_to: u64,
}

/// How many waiting exchanges the watcher takes before it lets other tasks run.
const DRAIN_MOST: usize = 512;

impl Batch {
    /// One exchange from the log: judged now, in this window's frame, or later when the log is read.
    fn take(&mut self, exchange: Arc<Exchange>, site: &Site, own_origins: &[String]) {
        // What needs no verdict ticks from every exchange, shown or not (step 6: no `Origin`, as curl).
        if exchange.origin().is_none()
            && let Some(progress) = progress_without_verdict(site, &exchange, own_origins)
        {
            site.events.send(SiteEvent::progress(&progress));
        }
        let from_own_page =
            exchange.origin().is_some_and(|origin| own_origins.iter().any(|own| own == origin));
        // The other site's attacks tick the attacker lesson: judged now, shown or not (they are few).
        if !from_own_page && exchange.origin().is_some() && is_attack_target(&exchange) {
            observe_attack(site, &exchange);
        }
        // Nobody watching, and no step it could tick (not from this site's page): judged later, when
        // the log is read, from the same record. Under load with no tab open this costs nothing.
        if site.events.receiver_count() == 0 && !from_own_page {
            return;
        }
        self.add(exchange, site, own_origins);
    }

    /// Into the window: shown at once if none is running, else gathered for its end.
    fn add(&mut self, exchange: Arc<Exchange>, site: &Site, own_origins: &[String]) {
        if self.window_ends.is_none() {
            // The first in a while: shown at once, and a window starts.
            self.window_ends = Some(Instant::now() + BATCH_WINDOW);
            announce(site, own_origins, &[exchange], 0, 0);
            return;
        }
        if self.newest.len() == BATCH_MOST
            && let Some(oldest) = self.newest.pop_front()
        {
            self.omitted += 1;
            self.omitted_up_to = oldest.seq;
        }
        self.newest.push_back(exchange);
    }

    /// At the window's end: sends what it gathered, and keeps the window open while exchanges keep
    /// coming, so that a steady load is sent once per window.
    fn flush(&mut self, site: &Site, own_origins: &[String]) {
        if self.newest.is_empty() && self.omitted == 0 {
            self.window_ends = None;
            return;
        }
        let newest: Vec<_> = self.newest.drain(..).collect();
        announce(site, own_origins, &newest, self.omitted, self.omitted_up_to);
        self.omitted = 0;
        self.window_ends = Some(Instant::now() + BATCH_WINDOW);
    }
}

/// Judges `exchanges`, ticks what they tick, and sends them to every tab as one frame, after an
/// `exchanges-omitted` event when `omitted` older ones (up to `seq` `omitted_up_to`) are not shown.
fn announce(
    site: &Site,
    own_origins: &[String],
    exchanges: &[Arc<Exchange>],
    omitted: usize,
    omitted_up_to: u64,
) {
    let mut events = Vec::with_capacity(exchanges.len() + 1);
    let mut progress_changed = false;
    let mut views = Vec::with_capacity(exchanges.len());
    for exchange in exchanges {
        let judgement = site.verdicts.of(exchange, &site.api.log);
        // Only a verdict the record proves ticks a step; the tutorial's own fetch() is also reported by
        // its page, and judged then (see `control::report_attempt`).
        progress_changed |= site.progress().observe(exchange, judgement.known(), own_origins);
        views.push(SiteEvent::exchange(&explain::view(exchange, &judgement)));
    }
    // The newest that fit in the byte budget; older ones join the omitted count.
    let (mut omitted, mut omitted_up_to) = (omitted, omitted_up_to);
    let mut bytes = 0;
    let keep_from = views
        .iter()
        .rposition(|view| {
            bytes += view.frame.len();
            bytes > BATCH_BYTES
        })
        .map_or(0, |too_many| too_many + 1);
    if keep_from > 0 {
        omitted += keep_from;
        omitted_up_to = exchanges[keep_from - 1].seq;
    }
    if omitted > 0 {
        events.push(SiteEvent::exchanges_omitted(&json!({ "count": omitted, "up_to_seq": omitted_up_to })));
    }
    events.extend(views.into_iter().skip(keep_from));
    if !events.is_empty() {
        site.events.send(SiteEvent::joined(&events));
    }
    if progress_changed {
        site.events.send(SiteEvent::progress(&site.progress().to_json()));
    }
}

/// Whether `exchange` is one the attacker lesson looks at: the bank's account, or a write to its counter.
fn is_attack_target(exchange: &Exchange) -> bool {
    let path = exchange.uri.path();
    path == "/api/account" || (path == "/api/counter" && exchange.method == axum::http::Method::POST)
}

/// Judges a request from another site and ticks what it shows of the attacker lesson.
fn observe_attack(site: &Site, exchange: &Exchange) {
    let judgement = site.verdicts.of(exchange, &site.api.log);
    let Some(verdict) = judgement.known() else { return };
    // The matcher of the policy that answered, if that policy is still the one in force (a change in
    // between leaves the lesson to the next try rather than guessing).
    let snapshot = site.api.policy.snapshot();
    let matcher = (snapshot.version == exchange.policy_version)
        .then_some(snapshot.policy.origin_matcher.as_ref())
        .flatten();
    let seen = lessons::AttackSeen { exchange, readable: verdict.allowed, matcher };
    let lessons = {
        let mut lessons = site.lessons();
        lessons.observe_attack(&seen).then(|| lessons.to_json())
    };
    if let Some(lessons) = lessons {
        site.events.send(SiteEvent::lessons(&lessons));
    }
}

/// Ticks what an exchange ticks without a verdict (step 6: a request with no `Origin`, as curl sends).
fn progress_without_verdict(
    site: &Site,
    exchange: &server::Exchange,
    own_origins: &[String],
) -> Option<serde_json::Value> {
    let mut progress = site.progress();
    progress.observe(exchange, None, own_origins).then(|| progress.to_json())
}

/// The "fell behind" warning, at most once per [`LagWarning::EVERY`] with the count since: under load the
/// watcher can fall behind thousands of times a minute, and one line per burst says as much.
#[derive(Default)]
struct LagWarning {
    last: Option<std::time::Instant>,
    missed_since: u64,
}

impl LagWarning {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(10);

    fn note(&mut self, missed: u64) {
        self.missed_since += missed;
        if self.last.is_none_or(|last| last.elapsed() >= Self::EVERY) {
            tracing::warn!(
                missed = self.missed_since,
                "the live feed fell behind the API; tabs will re-read the log (warned at most every 10 s)"
            );
            self.last = Some(std::time::Instant::now());
            self.missed_since = 0;
        }
    }
}
