//! The sandbox's log: each `tracing` event at or above one level, as one line on standard error.
//!
//! The program logs a handful of events (a panicking handler, a failed accept, a HAR that could not be judged)
//! and no spans, so this is all of `tracing-subscriber`'s `fmt()` it needs — written here because that crate and
//! its four dependencies were a second of the first build (docs/first-build.md). A line reads
//! `2026-12-05T20:13:54Z  WARN cors_sandbox: accepting a connection failed: … key=value`.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Writes the events at `max` or more severe (`ERROR` is the most severe) to `out`, one line each.
pub struct Lines<W> {
    max: Level,
    out: Mutex<W>,
}

impl<W: Write + Send + 'static> Lines<W> {
    pub fn new(max: Level, out: W) -> Self {
        Lines { max, out: Mutex::new(out) }
    }
}

impl<W: Write + Send + 'static> Subscriber for Lines<W> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // `tracing` orders levels by verbosity: TRACE > DEBUG > … > ERROR.
        *metadata.level() <= self.max
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(self.max.into())
    }

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut line = format!("{}  {:>5} {}:", utc_now(), metadata.level(), metadata.target());
        event.record(&mut Fields(&mut line));
        line.push('\n');
        // A log line that cannot be written is dropped: there is nowhere left to say so.
        let mut out = self.out.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = out.write_all(line.as_bytes());
    }

    // No spans: the program opens none, and one opened by a library is given an id and otherwise ignored.
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// An event's fields after its target: the message first as it is, then ` name=value` for each other field.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

/// The time now in UTC as `YYYY-MM-DDThh:mm:ssZ`.
fn utc_now() -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    rfc3339(seconds)
}

/// Seconds since 1970 as an RFC 3339 UTC time, by the days-to-civil-date algorithm of
/// <https://howardhinnant.github.io/date_algorithms.html#civil_from_days>.
fn rfc3339(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let (hour, minute, second) = (rest / 3600, rest / 60 % 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(max: Level, log: impl FnOnce()) -> String {
        let out = Shared::default();
        tracing::subscriber::with_default(Lines::new(max, out.clone()), log);
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn events_at_or_above_the_level_are_lines_with_their_fields() {
        let text = logged(Level::WARN, || {
            let what = "index out of bounds";
            tracing::error!(%what, "a handler panicked; answered 500 and kept serving");
            tracing::warn!("accepting a connection failed: {}", "too many open files");
            tracing::info!("not shown at WARN");
            tracing::debug!("nor this");
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        // `2026-12-05T20:13:54Z` is 20 characters, then two spaces and the level right-aligned in five.
        assert_eq!(lines[0].len() - lines[0][20..].len(), 20);
        assert_eq!(
            &lines[0][20..],
            "  ERROR cors_sandbox::log::tests: a handler panicked; answered 500 and kept serving \
             what=index out of bounds"
        );
        assert_eq!(
            &lines[1][20..],
            "   WARN cors_sandbox::log::tests: accepting a connection failed: too many open files"
        );
    }

    #[test]
    fn debug_shows_everything_but_trace() {
        let text = logged(Level::DEBUG, || {
            tracing::debug!(code = 7, "shown");
            tracing::trace!("not shown");
        });
        assert!(text.ends_with("  DEBUG cors_sandbox::log::tests: shown code=7\n"), "{text}");
    }

    #[test]
    fn seconds_become_utc_dates() {
        for (seconds, date) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_164_799, "2024-02-28T23:59:59Z"),
            (1_709_251_200, "2024-03-01T00:00:00Z"),
            (1_796_501_634, "2026-12-05T20:13:54Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
        ] {
            assert_eq!(rfc3339(seconds), date, "{seconds}");
        }
    }
}
