//! The tutorial's steps, each ticked by what the sandbox *sees*, never by a "done" button.
//!
//! The steps follow the article "The Access-Control-Allow-Origin Header Explained – With a CORS Example".
//! Each is recognised from an exchange the API recorded and the browser model's verdict on it, except
//! step 2, which the learner proves by pasting the console line Chromium printed.

use serde_json::{Value, json};
use server::Exchange;

use browser_model::{CorsError, Verdict};

/// One tutorial step: its number is its position in [`STEPS`], from 1.
pub struct Step {
    /// A short title, shown as the step's heading. Text between backticks is code: the page shows it as
    /// code, the JSON keeps the backticks.
    pub title: &'static str,
    /// What the sandbox must see for the step to tick, shown under the step (backticks as in `title`).
    pub ticks_when: &'static str,
}

/// The article's steps, in order.
pub const STEPS: [Step; 6] = [
    Step {
        title: "Send the request and see it blocked",
        ticks_when: "the API answers a request from this page and the browser blocks it",
    },
    Step {
        title: "Read the console message and the server's record",
        ticks_when: "you paste the console line Chromium printed for a blocked request",
    },
    Step {
        title: "Allow `*` and see Hello",
        ticks_when: "a request from this page is answered with Access-Control-Allow-Origin: * and allowed",
    },
    Step {
        title: "Allow exactly your own origin instead",
        ticks_when: "a request is answered with its own origin in Access-Control-Allow-Origin and allowed",
    },
    Step {
        title: "Origins are scheme + host + port",
        ticks_when: "a page on one loopback name is blocked by a policy naming the other (localhost vs 127.0.0.1)",
    },
    Step {
        title: "Who sets the header, and why curl gets the answer anyway",
        ticks_when: "the API answers a request that did not come from a browser page (curl)",
    },
];

/// Which steps are done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    done: [bool; STEPS.len()],
}

impl Progress {
    /// Whether step `number` (from 1) is done.
    pub fn is_done(&self, number: usize) -> bool {
        number >= 1 && self.done.get(number - 1).copied().unwrap_or(false)
    }

    fn tick(&mut self, number: usize) -> bool {
        let slot = &mut self.done[number - 1];
        let changed = !*slot;
        *slot = true;
        changed
    }

    /// Step 2: the learner pasted the console line of a blocked request.
    pub fn console_read(&mut self) -> bool {
        self.tick(2)
    }

    /// Ticks the steps that `exchange` (with the model's `verdict`, if it came from a page) completes.
    /// `own_origins` are the origins the tutorial page can be served from. Returns whether anything changed.
    pub fn observe(
        &mut self,
        exchange: &Exchange,
        verdict: Option<&Verdict>,
        own_origins: &[String],
    ) -> bool {
        if exchange.preflight || exchange.uri.path() != "/api" {
            return false;
        }
        let mut changed = false;
        let Some(verdict) = verdict else {
            // No `Origin` and no `Sec-Fetch-Mode`: not a browser page at all (curl, a script).
            if exchange.origin().is_none() && exchange.request_header("sec-fetch-mode").is_none() {
                changed |= self.tick(6);
            }
            return changed;
        };
        // Only a real page's fetch() counts: browsers mark it with `Sec-Fetch-Mode`, which curl
        // pretending to send an `Origin` does not.
        let (Some(origin), Some(_)) = (exchange.origin(), exchange.request_header("sec-fetch-mode")) else {
            return false;
        };
        if !own_origins.iter().any(|own| own == origin) {
            return false;
        }
        let allow_origin = exchange.response_header("access-control-allow-origin");
        if verdict.allowed {
            if allow_origin == Some("*") {
                changed |= self.tick(3);
            }
            if allow_origin == Some(origin) {
                changed |= self.tick(4);
            }
        } else {
            changed |= self.tick(1);
            // Step 5: blocked because the policy names the *other* spelling of this same sandbox page.
            let mismatch = verdict
                .failed_check
                .as_ref()
                .is_some_and(|f| f.devtools_enum == Some(CorsError::AllowOriginMismatch));
            if mismatch && allow_origin.is_some_and(|a| a != origin && own_origins.iter().any(|own| own == a))
            {
                changed |= self.tick(5);
            }
        }
        changed
    }

    /// The steps as the page and `GET /sandbox/progress` show them.
    pub fn to_json(&self) -> Value {
        let steps: Vec<Value> = STEPS
            .iter()
            .enumerate()
            .map(|(i, step)| {
                json!({ "step": i + 1, "title": step.title, "ticks_when": step.ticks_when, "done": self.done[i] })
            })
            .collect();
        json!({ "steps": steps, "done": self.done.iter().filter(|d| **d).count(), "of": STEPS.len() })
    }
}
