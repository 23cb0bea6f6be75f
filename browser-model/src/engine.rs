//! The three browser engines the model follows, each measured on this project's machines
//! (docs/console-messages.md, docs/requests.md): Chromium 156, Firefox 153 ESR and WebKitGTK 2.50.
//!
//! They agree on the CORS checks and differ in their words — every verdict carries all three engines'
//! console lines — and in a few of the requests they send: what a request carries on the wire, and the
//! preflight each sends after a redirect (see `fetch`). A [`Fetch`](crate::Fetch) walks as one engine.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A browser engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Chromium (Chrome, Edge, Opera, Brave): Blink and its network service.
    #[default]
    Chromium,
    /// Firefox: Gecko and Necko.
    Firefox,
    /// WebKit (Safari, and WebKitGTK's browsers).
    Webkit,
}

impl Engine {
    /// Every engine, in the order the page and the CLI list them.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::Webkit];

    /// The word the JSON, the CLI and the page use: `chromium`, `firefox`, `webkit`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::Webkit => "webkit",
        }
    }

    /// The name as the page shows it to a learner: WebKit says whose engine it is.
    pub const fn shown_name(self) -> &'static str {
        match self {
            Engine::Webkit => "WebKit (Safari's engine)",
            other => other.name(),
        }
    }

    /// The name people know it by: `Chromium`, `Firefox`, `WebKit`.
    pub const fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox",
            Engine::Webkit => "WebKit",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Engine> for &'static str {
    fn from(engine: Engine) -> &'static str {
        engine.as_str()
    }
}

impl FromStr for Engine {
    type Err = String;

    fn from_str(text: &str) -> Result<Engine, String> {
        Engine::ALL.into_iter().find(|e| e.as_str().eq_ignore_ascii_case(text)).ok_or_else(|| {
            format!("{text:?} is not an engine the model knows: say chromium, firefox or webkit")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_read_and_write_their_one_word() {
        for engine in Engine::ALL {
            assert_eq!(engine.as_str().parse::<Engine>(), Ok(engine));
            assert_eq!(serde_json::to_value(engine).expect("serializes"), engine.as_str());
        }
        assert_eq!("WebKit".parse::<Engine>(), Ok(Engine::Webkit));
        assert!("safari".parse::<Engine>().unwrap_err().contains("chromium, firefox or webkit"));
    }
}
