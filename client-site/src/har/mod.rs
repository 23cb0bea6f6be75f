//! Judge a HAR: every `fetch()` and XHR in a DevTools recording, judged as the browser did, by the same
//! stepper the lab and `cors-sandbox check` drive (`door`). `cors-sandbox check --har FILE` and the lab's
//! HAR drop (`POST /sandbox/har`, `route`) both call [`judge`].
//!
//! - `file` — the HAR's shape (borrowed from the bytes; bodies skipped) and its parse errors as sentences;
//! - `entries` — what each entry is: a fetch, a preflight, a page load, an image, a `data:` URL;
//! - `group` — which entries are one fetch: the request, its redirect hops, its preflights;
//! - `infer` — the `fetch()` rebuilt from what the browser sent: origin, mode, credentials, headers;
//! - `door` — the stepper driven with the entries' answers;
//! - `report` — the verdicts as the JSON the CLI and the page print, secrets redacted;
//! - `route` — the page's drop: `POST /sandbox/har`.
//!
//! What real exports look like, and what each browser did with every entry of the test fixtures, is in
//! docs/evidence.md and docs/har.md.

mod door;
mod entries;
mod file;
mod group;
mod infer;
mod report;
pub mod route;

use browser_model::{Credentials, Engine, Mode, NotCors, ResponseType, Verdict};

pub use door::{Exchange, Outcome};
pub use entries::Skip;
pub use file::{MAX_HAR_BYTES, too_large};
pub use report::{REDACTED, Summary, shown_value};

use door::Door;
use entries::Role;
use group::Preflights;
use infer::Pages;

/// What the caller knows that the file may not say.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The page's origin, for the requests whose entries do not show it (`--origin`).
    pub origin: Option<String>,
    /// Print `Cookie`, `Authorization` and `Set-Cookie` values instead of redacting them.
    pub show_secrets: bool,
}

/// Every request of a HAR, judged.
#[derive(Debug, Clone)]
pub struct Report {
    /// Who wrote the file, e.g. `WebInspector 537.36`, `Firefox 153.8.0`.
    pub recorded_by: Option<String>,
    /// The engine whose requests the stepper walks (they differ only after a redirect).
    pub engine: Engine,
    /// How many entries the file has.
    pub entries: usize,
    /// The fetches, in the file's order.
    pub requests: Vec<Judged>,
    /// The entries not judged, and why.
    pub skipped: Vec<Skipped>,
    pub(crate) show_secrets: bool,
}

/// One `fetch()` or XHR, judged.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The entries it is made of: the request, its hops and its preflights (file order, from 0).
    pub entries: Vec<usize>,
    pub url: String,
    pub method: String,
    /// The page's origin.
    pub origin: String,
    pub outcome: Outcome,
    /// `Some` when the file shows it (or Chromium's record settles it).
    pub credentials: Option<Credentials>,
    pub mode: Mode,
    /// What the file did not say and the judge assumed.
    pub assumed: Vec<String>,
    /// What the stepper sent, and which entry answered.
    pub exchanges: Vec<Exchange>,
}

/// An entry that is not judged.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub entry: usize,
    pub url: String,
    pub why: Skip,
}

/// Reads `bytes` as a HAR and judges every `fetch()` and XHR in it; `Err` is a sentence saying why the
/// file cannot be read.
pub fn judge(bytes: &[u8], options: &Options) -> Result<Report, String> {
    let har = file::parse(bytes)?;
    let log = &har.log;
    let recorded_by = log.creator.as_ref().map(|c| format!("{} {}", c.name, c.version).trim().to_string());
    let engine = engine_of(log);
    let items = entries::classify(&log.entries);
    let pages = Pages { pages: &log.pages, items: &items, given: options.origin.as_deref() };
    let mut door = Door { items: &items, preflights: Preflights::new(&items), engine };
    let mut requests = Vec::new();
    let mut skipped: Vec<Skipped> = items
        .iter()
        .filter_map(|item| match item.role {
            Role::Skipped(why) => {
                Some(Skipped { entry: item.index, url: item.entry.request.url.to_string(), why })
            }
            _ => None,
        })
        .collect();
    for group in group::fetches(&items) {
        let first = &items[group.hops[0]];
        let peeked = door.preflights.find(&items, first.index, &first.key, &first.entry.request.method, None);
        let Some(input) = infer::input(&pages, first.entry, peeked.map(|i| items[i].entry)) else {
            skipped.extend(group.hops.iter().map(|&i| Skipped {
                entry: i,
                url: items[i].entry.request.url.to_string(),
                why: Skip::NoOrigin,
            }));
            continue;
        };
        let (origin, mode) = (input.page_origin.clone(), input.request.mode);
        let mut walked = door.judge(&group, input);
        for exchange in &mut walked.exchanges {
            if let Some(i) = exchange.entry {
                exchange.fill(items[i].entry);
            }
        }
        let mut entries: Vec<usize> = group.hops.clone();
        entries.extend(
            walked
                .exchanges
                .iter()
                .filter(|x| x.sending == browser_model::Sending::Preflight)
                .filter_map(|x| x.entry),
        );
        entries.sort_unstable();
        entries.dedup();
        requests.push(Judged {
            entries,
            url: first.entry.request.url.to_string(),
            method: first.entry.request.method.to_string(),
            origin,
            outcome: walked.outcome,
            credentials: walked.credentials,
            mode,
            assumed: walked.assumed,
            exchanges: walked.exchanges,
        });
    }
    skipped.extend(door.preflights.untaken().map(|i| Skipped {
        entry: i,
        url: items[i].entry.request.url.to_string(),
        why: Skip::LonePreflight,
    }));
    skipped.sort_by_key(|s| s.entry);
    Ok(Report {
        recorded_by,
        engine,
        entries: log.entries.len(),
        requests,
        skipped,
        show_secrets: options.show_secrets,
    })
}

/// The engine that wrote the file: Chromium's DevTools call themselves `WebInspector`, Firefox `Firefox`,
/// Safari's `WebKit Web Inspector`; anything else is walked as Chromium.
fn engine_of(log: &file::Log<'_>) -> Engine {
    let names = [log.creator.as_ref(), log.browser.as_ref()];
    let said = |word: &str| names.iter().flatten().any(|c| c.name.to_ascii_lowercase().contains(word));
    if said("firefox") {
        Engine::Firefox
    } else if said("webkit web inspector") || said("safari") {
        Engine::Webkit
    } else {
        Engine::Chromium
    }
}

impl Judged {
    /// The verdict that leads: the known one, or with credentials when that is the one that blocks.
    pub fn verdict(&self) -> &Verdict {
        match &self.outcome {
            Outcome::Known(verdict) => verdict,
            Outcome::DependsOnCredentials { included, .. } => included,
        }
    }

    /// Whether the page could read the answer; `None` when that depends on credentials.
    pub fn allowed(&self) -> Option<bool> {
        match &self.outcome {
            Outcome::Known(verdict) => Some(verdict.allowed),
            Outcome::DependsOnCredentials { .. } => None,
        }
    }

    /// A request to the page's own origin that stayed there: CORS did not apply.
    pub fn same_origin(&self) -> bool {
        let verdict = self.verdict();
        verdict.allowed && verdict.response_type == Some(ResponseType::Basic)
    }

    /// The block was the server's error answer, not its CORS policy.
    pub fn not_cors(&self) -> Option<NotCors> {
        NotCors::of(self.verdict())
    }
}

impl Report {
    /// The requests to another origin (or that left the page's).
    pub fn cross_origin(&self) -> impl Iterator<Item = &Judged> {
        self.requests.iter().filter(|r| !r.same_origin())
    }

    /// When nothing in the file is a cross-origin request: a sentence saying so, and what to do.
    pub fn nothing_to_judge(&self) -> Option<String> {
        if self.cross_origin().next().is_some() {
            return None;
        }
        let same = self.requests.len();
        let no_origin = self.skipped.iter().filter(|s| s.why == Skip::NoOrigin).count();
        let hint = if no_origin > 0 {
            format!(
                " {no_origin} request(s) do not show which page sent them: give the page's origin (check --har FILE --origin ORIGIN)."
            )
        } else {
            " DevTools records only while it is open: open the Network panel, make the failing request again, \
             then export."
                .to_string()
        };
        Some(format!(
            "No cross-origin fetch() or XHR in this HAR, so CORS applies to none of its {} entries ({same} \
             same-origin request(s), {} other entries).{hint}",
            self.entries,
            self.skipped.len()
        ))
    }

    /// `check`'s exit status: 2 nothing to judge, 1 a request blocked, 0 none. A request blocked only if
    /// the page sent credentials, which the file cannot tell, does not make it 1 (every Firefox export of
    /// a server that allows no credentials would): the summary counts it, and its listing says both.
    pub fn exit_status(&self) -> u8 {
        if self.nothing_to_judge().is_some() {
            2
        } else if self.requests.iter().any(|r| r.allowed() == Some(false)) {
            1
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests;
