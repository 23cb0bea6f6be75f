//! The lab's lessons (LESSONS.md 5–12 and the browser differences), each ticked by what the sandbox sees.
//!
//! A lesson is done when the lab has observed every part of it — a request the learner sent, joined with
//! what the API recorded and the model's verdict — never when a "done" button is pressed. Some lessons
//! have two parts: the failure, then the fix.

use serde_json::{Value, json};

use crate::lab::{Attempt, Joined};

/// One lesson: what to try, and what the sandbox must see.
pub struct Lesson {
    pub id: &'static str,
    pub title: &'static str,
    /// What to do in the lab to see it.
    pub how: &'static str,
    /// What each part requires, in plain words; the lesson is done when all parts are seen.
    pub parts: &'static [&'static str],
}

/// The lessons, in the order the lab teaches them.
pub const LESSONS: [Lesson; 12] = [
    Lesson {
        id: "preflight",
        how: "Choose the Permissive policy, method POST, body JSON, and send. The API's record shows an OPTIONS your code never wrote. Then try body text: no preflight.",
        title: "A JSON POST triggers a preflight",
        parts: &["a POST with Content-Type: application/json makes the browser send an OPTIONS first"],
    },
    Lesson {
        id: "allow-method-and-header",
        how: "Start from the article's policy with Allow-Origin *, method PUT and a header X-Api-Key: k1. Read the refusal, then allow PUT in Allow-Methods and X-Api-Key in Allow-Headers.",
        title: "Allow a method and a header",
        parts: &["a request with a non-simple method and a custom header passes its preflight and is read"],
    },
    Lesson {
        id: "preflight-not-enough",
        how: "Choose “Mistake: CORS headers on the preflight only” and send a PUT: the OPTIONS passes, the PUT is blocked.",
        title: "The preflight passed but the request failed",
        parts: &["a preflight passes and the actual response is still blocked"],
    },
    Lesson {
        id: "credentials",
        how: "Send /api/login with credentials include under “Mistake: * with credentials”, then under “Correct credentialed setup”, and call /api/whoami the same way.",
        title: "Credentials need the exact origin and Allow-Credentials: true",
        parts: &[
            "a credentialed request is refused because Allow-Origin is *",
            "a credentialed request is read, and its cookie reached the API",
        ],
    },
    Lesson {
        id: "expose-headers",
        how: "With Allow-Origin *, send GET /api/headers: the API sends X-Request-Id but JavaScript's headers lack it. Add X-Request-Id to Expose-Headers and send again.",
        title: "Reading a custom response header needs Expose-Headers",
        parts: &["the API sends X-Request-Id but JavaScript cannot read it", "JavaScript reads X-Request-Id"],
    },
    Lesson {
        id: "max-age",
        how: "Choose “Preflight cached for 10 minutes”, set Cache to the browser's default and send a PUT twice: the second has no OPTIONS in the API's record.",
        title: "The preflight cache: a change that seems ignored",
        parts: &["a request that needs a preflight is sent without one, answered from the preflight cache"],
    },
    Lesson {
        id: "error-status",
        how: "With Allow-Origin *, send /api/error?cors=no (blocked: the 500 is hidden), then /api/error?cors=yes (readable: status 500).",
        title: "An error without CORS headers hides the real status",
        parts: &[
            "a 500 without CORS headers is blocked: JavaScript never learns it was a 500",
            "a 500 with CORS headers is readable: JavaScript sees status 500",
        ],
    },
    Lesson {
        id: "redirect",
        how: "With Allow-Origin *, send /api/redirect?to=cross. The second hop goes to another origin, and the browser sends Origin: null — which * allows.",
        title: "Redirects: every hop needs CORS headers, and a cross-origin hop sends Origin: null",
        parts: &["the API receives Origin: null after a cross-origin redirect"],
    },
    Lesson {
        id: "vary",
        how: "Open http://localhost:API/api/cacheable in a new tab (no Origin: no Allow-Origin, cached for 60 s). Then send /api/cacheable here with Cache set to the browser's default: blocked, and the API never saw it. Add Vary: Origin and repeat with a fresh tab.",
        title: "A cached response without Vary: Origin",
        parts: &[
            "a cross-origin fetch of /api/cacheable is blocked without reaching the API (an HTTP-cache hit)",
        ],
    },
    Lesson {
        id: "no-cors",
        how: "Under the article's policy, choose mode no-cors and send: fetch() resolves, but with status 0, no headers and no body.",
        title: "mode: 'no-cors' is not a fix",
        parts: &["a no-cors request resolves with an opaque response: status 0, no headers, no body"],
    },
    Lesson {
        id: "side-effect",
        how: "Under the article's policy, send POST /api/counter with a text body: blocked, yet the API's record shows it ran (and the count went up).",
        title: "CORS is not CSRF protection",
        parts: &["a POST to /api/counter is blocked, yet the API ran it"],
    },
    Lesson {
        id: "browser-differences",
        how: "With Allow-Origin * and Allow-Headers *, send GET /api with a header Authorization: Bearer abc. Chromium reads the answer; the standard, Firefox and Safari do not let * cover Authorization. Then list it: Allow-Headers: *, Authorization works everywhere.",
        title: "Where the browsers differ: Allow-Headers * and Authorization",
        parts: &[
            "a request with Authorization passes under Allow-Headers: * (Chromium only)",
            "a request with Authorization passes under an Allow-Headers that names it (every browser)",
        ],
    },
];

/// Which parts of which lessons the sandbox has seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabProgress {
    seen: Vec<(&'static str, usize)>,
}

impl LabProgress {
    fn see(&mut self, id: &'static str, part: usize) -> bool {
        if self.seen.contains(&(id, part)) {
            return false;
        }
        self.seen.push((id, part));
        true
    }

    /// Whether every part of lesson `id` has been seen.
    pub fn is_done(&self, id: &str) -> bool {
        LESSONS
            .iter()
            .find(|l| l.id == id)
            .is_some_and(|l| (0..l.parts.len()).all(|p| self.seen.iter().any(|&(i, q)| i == id && q == p)))
    }

    /// Ticks whatever this attempt shows. Returns whether anything changed.
    pub fn observe(&mut self, attempt: &Attempt, joined: &Joined) -> bool {
        let verdict = &joined.verdict;
        let resolved = attempt.js.error.is_none();
        let failed = verdict.failed_check.as_ref();
        let failed_enum = failed.and_then(|f| f.devtools_enum);
        let preflight_seen = joined.exchanges.iter().any(|x| x.preflight);
        let actual: Vec<_> = joined.exchanges.iter().filter(|x| !x.preflight).collect();
        let path = actual.first().map(|x| x.uri.path().to_owned());
        let mut changed = false;

        let json_post = attempt.method.eq_ignore_ascii_case("POST")
            && attempt.headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("content-type")
                    && v.to_ascii_lowercase().starts_with("application/json")
            });
        if json_post && preflight_seen {
            changed |= self.see("preflight", 0);
        }
        // Fetch §4.1 step 12: a method outside GET/HEAD/POST and an unsafe header, both allowed.
        let needs = crate::model::preflight_needed(&attempt.request());
        let method_and_header = needs.is_some_and(|n| n.method.is_some() && !n.unsafe_headers.is_empty());
        if preflight_seen && resolved && method_and_header {
            changed |= self.see("allow-method-and-header", 0);
        }
        if preflight_seen && failed.is_some_and(|f| !f.in_preflight) && !resolved {
            changed |= self.see("preflight-not-enough", 0);
        }
        if attempt.credentials == "include" {
            if matches!(failed_enum, Some("WildcardOriginNotAllowed" | "PreflightWildcardOriginNotAllowed")) {
                changed |= self.see("credentials", 0);
            }
            if resolved && actual.iter().any(|x| x.request_header("cookie").is_some()) {
                changed |= self.see("credentials", 1);
            }
        }
        let sent_request_id = actual.last().is_some_and(|x| x.response_header("x-request-id").is_some());
        let read_request_id = attempt.js.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("x-request-id"));
        if sent_request_id && resolved {
            changed |= self.see("expose-headers", usize::from(read_request_id));
        }
        if verdict.preflight && !preflight_seen && !actual.is_empty() && resolved {
            changed |= self.see("max-age", 0);
        }
        if actual.last().is_some_and(|x| x.status.as_u16() == 500) {
            if !resolved && failed_enum == Some("MissingAllowOriginHeader") {
                changed |= self.see("error-status", 0);
            }
            if resolved && attempt.js.status == Some(500) {
                changed |= self.see("error-status", 1);
            }
        }
        if actual.iter().skip(1).any(|x| x.origin() == Some("null")) {
            changed |= self.see("redirect", 0);
        }
        if joined.exchanges.is_empty() && !resolved && attempt.url.contains("/api/cacheable") {
            changed |= self.see("vary", 0);
        }
        if attempt.mode == "no-cors" && attempt.js.response_type.as_deref() == Some("opaque") {
            changed |= self.see("no-cors", 0);
        }
        if !resolved
            && path.as_deref() == Some("/api/counter")
            && actual.iter().any(|x| x.status.is_success())
        {
            changed |= self.see("side-effect", 0);
        }
        // Chromium lets `Access-Control-Allow-Headers: *` cover Authorization; the Fetch Standard does not.
        let sends_authorization =
            attempt.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
        let allow_headers = joined
            .exchanges
            .iter()
            .find(|x| x.preflight)
            .and_then(|x| x.response_header("access-control-allow-headers"));
        if sends_authorization
            && resolved
            && let Some(allowed) = allow_headers
        {
            let names: Vec<String> = allowed.split(',').map(|n| n.trim().to_ascii_lowercase()).collect();
            let part = usize::from(names.iter().any(|n| n == "authorization"));
            if part == 1 || names.iter().any(|n| n == "*") {
                changed |= self.see("browser-differences", part);
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
                    .map(|(i, text)| json!({ "text": text, "seen": self.seen.contains(&(lesson.id, i)) }))
                    .collect();
                json!({ "id": lesson.id, "title": lesson.title, "how": lesson.how, "parts": parts, "done": self.is_done(lesson.id) })
            })
            .collect();
        let done = LESSONS.iter().filter(|l| self.is_done(l.id)).count();
        json!({ "lessons": lessons, "done": done, "of": LESSONS.len() })
    }
}
