//! The task that follows the API's log: each exchange is judged by the browser model, ticks the
//! tutorial's steps, and is announced on the live feed — off the API's request path, so a slow tab never
//! slows the API.

use tokio::sync::broadcast::error::RecvError;

use crate::events::SiteEvent;
use crate::explain;
use crate::site::Site;

/// Starts the task that follows the API's log: for each exchange it runs the browser model, ticks the
/// tutorial's steps, and announces both on the live feed. It ends when the sandbox shuts down.
pub fn spawn(site: Site) -> tokio::task::JoinHandle<()> {
    let mut exchanges = site.api.log.subscribe();
    tokio::spawn(async move {
        let own_origins = site.own_origins();
        let mut lagged = LagWarning::default();
        loop {
            let exchange = tokio::select! {
                () = site.shutdown.cancelled() => return,
                received = exchanges.recv() => match received {
                    Ok(exchange) => exchange,
                    Err(RecvError::Lagged(missed)) => {
                        lagged.note(missed);
                        let _ = site.events.send(SiteEvent::resync());
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                },
            };
            // Nobody watching, and no step it could tick (not from this site's page): judged later, when
            // the log is read, from the same record. Under load with no tab open this costs nothing.
            let from_own_page =
                exchange.origin().is_some_and(|origin| own_origins.iter().any(|own| own == origin));
            if site.events.receiver_count() == 0 && !from_own_page {
                let no_verdict_needed = progress_without_verdict(&site, &exchange, &own_origins);
                if let Some(progress) = no_verdict_needed {
                    let _ = site.events.send(SiteEvent::progress(&progress));
                }
                continue;
            }
            let judgement = site.verdicts.of(&exchange, &site.api.log);
            let _ = site.events.send(SiteEvent::exchange(&explain::view(&exchange, &judgement)));
            // Only a verdict the record proves ticks a step; the tutorial's own fetch() is also reported by
            // its page, and judged then (see `control::report_attempt`).
            let progress = {
                let mut progress = site.progress();
                progress.observe(&exchange, judgement.known(), &own_origins).then(|| progress.to_json())
            };
            if let Some(progress) = progress {
                let _ = site.events.send(SiteEvent::progress(&progress));
            }
        }
    })
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
