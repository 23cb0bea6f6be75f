//! # The learner's origin
//!
//! The site on port 3000: the tutorial page whose `fetch()` the browser judges, the remote control for
//! the API's policy (in real life only the API's owner could change it; the page says so), the live feed
//! of what the API saw, and the verdicts the browser model (the `browser-model` crate) gives each request.
//!
//! ## Layout
//!
//! - `app`: [`app`], the router: every route below, behind the guard.
//! - [`site`]: [`Site`], the state every request shares, and [`SiteConfig`], where the two origins are.
//! - [`pages`]: the tutorial page (askama templates from `templates/`) and the embedded `static/` files.
//! - [`control`]: the JSON control API under `/sandbox/`: policy, log, progress.
//! - `export`: `GET /sandbox/export`, the policy as each stack's configuration (`?stack=` for one) for the
//!   lab's request.
//! - [`events`]: what the live feed announces ([`SiteEvent`]).
//! - [`feed`]: `GET /sandbox/events`, the Server-Sent Events feed every open tab follows.
//! - [`watcher`]: the task that turns each exchange into a verdict and ticks the tutorial.
//! - [`attacker`]: the other site (port 4000): the attacker's page, which tries to steal the account.
//! - [`guard`]: who may talk to this site at all: its own host names, and its own page for the controls.
//! - [`error`]: the JSON sentence every refusal is.
//! - [`paste`]: a request copied from DevTools ("Copy as cURL", "Copy as fetch") read back into the lab's
//!   form, as data; `POST /sandbox/paste`.
//! - [`lab`]: the request lab's join of the page's report, the API's records and the model's verdict.
//! - [`lessons`]: the lab's lessons, ticked by what the sandbox sees.
//! - [`local_network`]: the Local Network Access lesson's page, served as a public site, and the judgement
//!   of what it reports.
//! - [`judgement`]: one verdict per exchange, from what its record proves — never a guess.
//! - [`verdicts`]: the judgement of each exchange, made once and kept beside the log.
//! - [`explain`]: an exchange as the browser saw it: the verdict in the page's words.
//! - [`har`]: a DevTools HAR judged request by request (`check --har` and the lab's drop, `POST /sandbox/har`).
//! - [`pasted_line`]: a pasted console line explained, the lab scenario that prints it, and the check command.
//! - [`presets`]: named policies: the common ones, a correct credentialed setup, the classic mistakes.
//! - [`progress`]: the tutorial's steps, ticked by what the sandbox observes.

mod app;
pub mod attacker;
pub mod control;
pub mod error;
pub mod events;
pub mod explain;
mod export;
pub mod feed;
pub mod guard;
pub mod har;
pub mod judgement;
pub mod lab;
pub mod lessons;
pub mod local_network;
pub mod pages;
pub mod paste;
pub mod pasted_line;
pub mod presets;
pub mod progress;
pub mod site;
pub mod verdicts;
pub mod watcher;

pub use app::app;
pub use events::SiteEvent;
pub use progress::Progress;
pub use site::{Site, SiteConfig};
