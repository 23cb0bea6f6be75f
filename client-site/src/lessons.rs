//! The lab's lessons (docs/lessons.md 5–12 and the browser differences), each ticked by what the sandbox sees.
//!
//! A lesson is done when the lab has observed every part of it — a request the learner sent, joined with
//! what the API recorded and the model's verdict — never when a "done" button is pressed. Some lessons
//! have two parts: the failure, then the fix. Each part sits next to the test that recognises it, a
//! function of one [`Observation`], which is worked out once per attempt.

use serde_json::{Value, json};
use server::Exchange;

use crate::lab::{Attempt, Joined};
use browser_model::{CorsError, PreflightReason};

mod attack;
mod catalogue;
mod local_network;
mod setup;

pub use attack::{ATTACKER_LESSON, AttackSeen};
pub use catalogue::LESSONS;
pub use local_network::LOCAL_NETWORK_LESSON;
pub use setup::{Form, GET, Setup, SetupPolicy, Then};

/// One lesson: what to try, and what the sandbox must see.
pub struct Lesson {
    pub id: &'static str,
    pub title: &'static str,
    /// What to do in the lab to see it.
    pub how: &'static str,
    /// What each part requires; the lesson is done when all parts are seen.
    pub parts: &'static [Part],
    /// What "Set this up" puts in the lab for the first part.
    pub setup: Setup,
}

/// One part of a lesson: what it requires in plain words, and the test that recognises it.
pub struct Part {
    pub text: &'static str,
    /// What shows this part.
    pub seen_in: Detector,
    /// Where the lab says more: `(the page's fragment, the words to link)`.
    pub link: Option<(&'static str, &'static str)>,
}

/// What shows a lesson's part: a lab attempt, or a request another site made (which only the API's log
/// shows).
pub enum Detector {
    Attempt(fn(&Observation<'_>) -> bool),
    Attack(fn(&AttackSeen<'_>) -> bool),
}

/// What the lab saw of one attempt, worked out once and read by every part's test.
pub struct Observation<'a> {
    pub attempt: &'a Attempt,
    /// Whether `fetch()` resolved.
    pub resolved: bool,
    /// The DevTools name of the check that failed, if one did.
    pub failed: Option<CorsError>,
    /// Whether the failing check was in the preflight.
    pub failed_in_preflight: bool,
    /// Whether the model says the rules call for a preflight.
    pub preflight_needed: bool,
    /// Why the request needs a preflight by the rules (`None` when it does not).
    pub preflight_reason: Option<PreflightReason>,
    /// The preflight the API received, if any.
    pub preflight: Option<&'a Exchange>,
    /// The actual request's hops the API received, in order.
    pub actual: Vec<&'a Exchange>,
    /// Whether no record reached the API at all.
    pub nothing_reached_the_api: bool,
}

impl<'a> Observation<'a> {
    /// Works out what every lesson reads of `attempt` and `joined`.
    pub fn of(attempt: &'a Attempt, joined: &'a Joined) -> Observation<'a> {
        let failed = joined.verdict.failed_check.as_ref();
        Observation {
            attempt,
            resolved: attempt.js.resolved(),
            failed: failed.and_then(|f| f.devtools_enum),
            failed_in_preflight: failed.is_some_and(|f| f.in_preflight),
            preflight_needed: joined.verdict.preflight,
            preflight_reason: browser_model::preflight_needed(&attempt.request()),
            preflight: joined.exchanges.iter().find(|x| x.preflight).map(|x| &**x),
            actual: joined.exchanges.iter().filter(|x| !x.preflight).map(|x| &**x).collect(),
            nothing_reached_the_api: joined.exchanges.is_empty(),
        }
    }

    /// Whether the failure was in the actual response, after the preflight (if any) passed.
    fn failed_after_preflight(&self) -> bool {
        !self.resolved && self.failed.is_some() && !self.failed_in_preflight
    }

    /// The path of the actual request's first hop.
    fn path(&self) -> Option<&str> {
        self.actual.first().map(|x| x.uri.path())
    }

    /// Whether the page set request header `name`.
    fn sent_header(&self, name: &str) -> bool {
        self.attempt.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The header names the preflight's `Access-Control-Allow-Headers` lists, lower-cased.
    fn allowed_headers(&self) -> Vec<String> {
        self.preflight
            .and_then(|x| x.response_header("access-control-allow-headers"))
            .and_then(browser_model::allowed_header_names)
            .unwrap_or_default()
    }

    /// The status of the actual request's last hop.
    fn final_status(&self) -> Option<u16> {
        self.actual.last().map(|x| x.status.as_u16())
    }

    /// Whether the API's last answer carried `X-Request-Id`, and the page resolved.
    fn request_id_sent(&self) -> bool {
        self.resolved && self.actual.last().is_some_and(|x| x.response_header("x-request-id").is_some())
    }

    /// Whether JavaScript could read `X-Request-Id`.
    fn request_id_read(&self) -> bool {
        self.attempt.js.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("x-request-id"))
    }
}

/// Which parts of which lessons the sandbox has seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabProgress {
    /// `(lesson id, part index)` of every part seen.
    seen: Vec<(&'static str, usize)>,
}

impl LabProgress {
    fn has_seen(&self, id: &str, part: usize) -> bool {
        self.seen.iter().any(|&(i, p)| i == id && p == part)
    }

    /// Whether every part of lesson `id` has been seen.
    pub fn is_done(&self, id: &str) -> bool {
        LESSONS.iter().find(|l| l.id == id).is_some_and(|l| (0..l.parts.len()).all(|p| self.has_seen(id, p)))
    }

    /// Ticks whatever this attempt shows. Returns whether anything changed.
    pub fn observe(&mut self, attempt: &Attempt, joined: &Joined) -> bool {
        let observation = Observation::of(attempt, joined);
        let mut changed = false;
        for lesson in &LESSONS {
            for (index, part) in lesson.parts.iter().enumerate() {
                let seen = matches!(part.seen_in, Detector::Attempt(seen_in) if seen_in(&observation));
                if seen && !self.has_seen(lesson.id, index) {
                    self.seen.push((lesson.id, index));
                    changed = true;
                }
            }
        }
        changed
    }

    /// Ticks what a request from another site shows of the attacker lesson. Returns whether anything
    /// changed.
    pub fn observe_attack(&mut self, seen: &AttackSeen<'_>) -> bool {
        let mut changed = false;
        for lesson in &LESSONS {
            for (index, part) in lesson.parts.iter().enumerate() {
                let shown = matches!(part.seen_in, Detector::Attack(seen_in) if seen_in(seen));
                if shown && !self.has_seen(lesson.id, index) {
                    self.seen.push((lesson.id, index));
                    changed = true;
                }
            }
        }
        changed
    }

    /// The lessons as the lab and `GET /sandbox/lessons` show them.
    pub fn to_json(&self) -> Value {
        let lessons: Vec<Value> = LESSONS
            .iter()
            .map(|lesson| {
                let parts: Vec<Value> = lesson
                    .parts
                    .iter()
                    .enumerate()
                    .map(|(i, part)| {
                        json!({
                            "text": part.text, "seen": self.has_seen(lesson.id, i),
                            "link": part.link.map(|(href, text)| json!({ "href": href, "text": text })),
                        })
                    })
                    .collect();
                json!({
                    "id": lesson.id, "title": lesson.title, "how": lesson.how, "parts": parts,
                    "done": self.is_done(lesson.id), "setup": lesson.setup.to_json(),
                })
            })
            .collect();
        let done = LESSONS.iter().filter(|l| self.is_done(l.id)).count();
        json!({ "lessons": lessons, "done": done, "of": LESSONS.len() })
    }
}

#[cfg(test)]
mod tests;
