//! The other site, from its real page at `http://localhost:<attacker port>/`, in Chromium and Firefox:
//! the secret is read under each broken policy and under none of the correct one, the "blocked" write
//! still runs, and the page cannot change the sandbox's policy.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::firefox::Firefox;
use crate::harness::Browser;
use crate::sandbox::SandboxProcess;

/// A browser the attack runs in: the same steps, each engine's own way of running them.
pub enum Engine<'a> {
    Chromium(&'a Browser),
    Firefox(&'a Firefox),
}

impl Engine<'_> {
    fn name(&self) -> &'static str {
        match self {
            Engine::Chromium(_) => "Chromium",
            Engine::Firefox(_) => "Firefox",
        }
    }

    async fn goto(&self, url: &str) -> Result<(), String> {
        match self {
            Engine::Chromium(b) => b.goto(url).await,
            Engine::Firefox(f) => f.goto(url).await,
        }
    }

    /// The value of a JavaScript expression (it may be a promise).
    async fn js(&self, expression: &str) -> Result<Value, String> {
        match self {
            Engine::Chromium(b) => b.eval(&format!("return (async () => await ({expression}))();")).await,
            Engine::Firefox(f) => f.eval(expression).await,
        }
    }
}

/// The other site's page loads on its own origin, says what it is, and reads what is behind the curtain.
pub async fn page_loads(engine: &Engine<'_>, sandbox: &SandboxProcess) -> Result<(), String> {
    engine.goto(&format!("{}/", sandbox.attacker)).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let curtain = engine.js("document.querySelector('#curtain').textContent").await?;
        if curtain.as_str().is_some_and(|t| t.starts_with("policy version")) {
            break;
        }
        if Instant::now() >= deadline {
            return Err(format!("{}: the curtain says {curtain}", engine.name()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let banner = engine.js("document.querySelector('.banner').textContent").await?;
    if !banner.as_str().is_some_and(|t| t.contains("the other site") && t.contains(&sandbox.attacker)) {
        return Err(format!("{}: the banner says {banner}", engine.name()));
    }
    Ok(())
}
