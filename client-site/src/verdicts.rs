//! The judgement of each recorded exchange, made once and kept beside the log.
//!
//! The watcher judges each exchange as it is recorded, from its record ([`crate::judgement`]); a lab
//! request's report, joined with the API's records, replaces that with the joined verdict. `GET
//! /sandbox/log`, the live feed and the tutorial's console check all read the one kept here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use server::exchange::LOG_CAPACITY;
use server::{Exchange, ExchangeLog};

use crate::judgement::{self, Judgement};

/// The judgements of the most recent exchanges, by `seq` (as many as the API's log keeps, and a margin).
#[derive(Debug, Default)]
pub struct Verdicts {
    by_seq: Mutex<BTreeMap<u64, Arc<Judgement>>>,
}

/// How many judgements are kept: the log's capacity twice over, so none the log still shows is dropped.
const CAPACITY: usize = 2 * LOG_CAPACITY;

impl Verdicts {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Judgement>>> {
        self.by_seq.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn keep(map: &mut BTreeMap<u64, Arc<Judgement>>, seq: u64, judgement: Arc<Judgement>) {
        map.insert(seq, judgement);
        while map.len() > CAPACITY {
            map.pop_first();
        }
    }

    /// The judgement of `exchange`: the one kept, or else judged now from its record (with `log`, for its
    /// preflight) and kept.
    pub fn of(&self, exchange: &Exchange, log: &ExchangeLog) -> Arc<Judgement> {
        if let Some(kept) = self.lock().get(&exchange.seq) {
            return Arc::clone(kept);
        }
        let judged = Arc::new(judgement::judge(exchange, log));
        let mut map = self.lock();
        // A lab report may have been joined meanwhile: it wins.
        map.get(&exchange.seq).cloned().unwrap_or_else(|| {
            Self::keep(&mut map, exchange.seq, Arc::clone(&judged));
            judged
        })
    }

    /// Replaces the judgement of exchange `seq` with what a joined lab report showed.
    pub fn replace(&self, seq: u64, judgement: Judgement) {
        Self::keep(&mut self.lock(), seq, Arc::new(judgement));
    }
}
