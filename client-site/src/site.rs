//! The site's state: where the two origins are, and the handles every request shares.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::events::{Events, SiteEvent};
use crate::lessons;
use crate::progress::Progress;
use crate::verdicts::Verdicts;

/// Where the two origins are, as the page and the guard need to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteConfig {
    /// The port the API listens on (8000 by default).
    pub api_port: u16,
    /// The port this site listens on (3000 by default).
    pub client_port: u16,
    /// The port the other site, the attacker's, listens on (4000 by default).
    pub attacker_port: u16,
    /// The `--host` the sandbox was started with, accepted as a host name besides the loopback names.
    pub host: String,
}

impl SiteConfig {
    /// The host names this site answers to; anything else in `Host` is refused (DNS rebinding).
    pub fn host_names(&self) -> Vec<String> {
        let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host) // an IPv6 address appears in brackets in `Host`
        } else {
            self.host.clone()
        };
        if !names.contains(&host) {
            names.push(host);
        }
        names
    }

    /// The page's origin for a request whose `Host` header is `host` (already checked by the guard).
    pub fn origin_for(&self, host: &str) -> String {
        format!("http://{host}")
    }

    /// The other site's origin, on the same name as the API (`http://localhost:4000` from a loopback page).
    pub fn attacker_origin_for(&self, host: &str) -> String {
        let api = self.api_url_for(host);
        let name = api.trim_start_matches("http://").rsplit_once(':').map_or("localhost", |(name, _)| name);
        format!("http://{name}:{}", self.attacker_port)
    }

    /// The URL the tutorial's `fetch()` calls, as the article writes it: `http://localhost:8000/api`.
    ///
    /// Pages opened on a loopback name call `localhost`, exactly as in the article; a page opened on
    /// another name (a workshop on a shared machine) calls the API on that same name.
    pub fn api_url_for(&self, host: &str) -> String {
        let name = host.rsplit_once(':').map_or(host, |(name, _port)| name);
        let api_host = match name {
            "localhost" | "127.0.0.1" | "[::1]" => "localhost",
            other => other,
        };
        format!("http://{api_host}:{}/api", self.api_port)
    }
}

/// A policy version as the feed's `policy` event.
#[derive(Clone, Debug)]
pub struct PolicyEvent {
    pub version: u64,
    pub event: SiteEvent,
}

impl PolicyEvent {
    fn of(snapshot: &server::PolicySnapshot) -> PolicyEvent {
        PolicyEvent { version: snapshot.version, event: SiteEvent::policy(snapshot) }
    }
}

/// The site's shared state: cheap handles, cloned into every request.
#[derive(Clone)]
pub struct Site {
    pub config: Arc<SiteConfig>,
    /// The API's policy and log.
    pub api: server::Api,
    /// The tutorial's steps.
    pub progress: Arc<Mutex<Progress>>,
    /// The lab's lessons.
    pub lessons: Arc<Mutex<lessons::LabProgress>>,
    /// The judgement of each recorded exchange, made once.
    pub verdicts: Arc<Verdicts>,
    /// Everything the live feed announces but the policy: exchanges, verdicts, progress, lessons. A tab
    /// that falls behind skips ahead (and is sent what it shows afresh).
    pub events: Arc<Events>,
    /// The policy in force as the feed's `policy` event, encoded once per version however many tabs
    /// follow. Apart from `events` so that a change is never dropped or delayed behind exchanges: a
    /// `watch` keeps only the latest, and every tab gets it.
    pub policy_changed: Arc<watch::Sender<PolicyEvent>>,
    /// Cancelled when the sandbox shuts down; ends the live feeds so shutdown never waits on them.
    pub shutdown: CancellationToken,
}

impl Site {
    /// A site for `config`, controlling `api`. Call [`crate::watcher::spawn`] to start verdicts flowing.
    pub fn new(config: SiteConfig, api: server::Api, shutdown: CancellationToken) -> Site {
        Site {
            config: Arc::new(config),
            policy_changed: Arc::new(watch::channel(PolicyEvent::of(&api.policy.snapshot())).0),
            api,
            progress: Arc::new(Mutex::new(Progress::default())),
            lessons: Arc::new(Mutex::new(lessons::LabProgress::default())),
            verdicts: Arc::default(),
            events: Arc::default(),
            shutdown,
        }
    }

    /// A site on the default ports (8000, 3000, 4000) and loopback, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Site {
        let config =
            SiteConfig { api_port: 8000, client_port: 3000, attacker_port: 4000, host: "127.0.0.1".into() };
        Site::new(config, server::Api::default(), CancellationToken::new())
    }

    /// The origins the tutorial page can be served from (one per host name this site answers to).
    pub fn own_origins(&self) -> Vec<String> {
        self.config
            .host_names()
            .iter()
            .map(|name| format!("http://{name}:{}", self.config.client_port))
            .collect()
    }

    /// Tells every open tab that the policy changed to `snapshot`: encodes it once, unless a later
    /// version was announced already (two changes at once may announce in either order).
    pub fn announce_policy(&self, snapshot: &server::PolicySnapshot) {
        let now = PolicyEvent::of(snapshot);
        self.policy_changed.send_if_modified(|shown| {
            let newer = now.version > shown.version;
            if newer {
                *shown = now;
            }
            newer
        });
    }

    /// The lab's lessons (a poisoned lock only means a panic elsewhere; the flags are still valid).
    pub fn lessons(&self) -> std::sync::MutexGuard<'_, lessons::LabProgress> {
        self.lessons.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The tutorial's progress; a poisoned lock only means a panic elsewhere, the flags are still valid.
    pub fn progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str) -> SiteConfig {
        SiteConfig { api_port: 8000, client_port: 3000, attacker_port: 4000, host: host.into() }
    }

    #[test]
    fn loopback_pages_call_the_articles_url() {
        let c = config("127.0.0.1");
        assert_eq!(c.api_url_for("localhost:3000"), "http://localhost:8000/api");
        assert_eq!(c.api_url_for("127.0.0.1:3000"), "http://localhost:8000/api");
        assert_eq!(c.api_url_for("[::1]:3000"), "http://localhost:8000/api");
    }

    #[test]
    fn a_workshop_host_calls_the_api_on_the_same_name() {
        let c = config("192.168.1.20");
        assert_eq!(c.api_url_for("192.168.1.20:3000"), "http://192.168.1.20:8000/api");
        assert!(c.host_names().contains(&"192.168.1.20".to_string()));
    }

    #[test]
    fn an_ipv6_host_is_bracketed() {
        assert!(config("::1").host_names().iter().filter(|n| *n == "[::1]").count() == 1);
        assert!(config("fd00::5").host_names().contains(&"[fd00::5]".to_string()));
    }
}
