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
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Engine::Chromium(_) => "Chromium",
            Engine::Firefox(_) => "Firefox",
        }
    }

    pub(crate) async fn goto(&self, url: &str) -> Result<(), String> {
        match self {
            Engine::Chromium(b) => b.goto(url).await,
            Engine::Firefox(f) => f.goto(url).await,
        }
    }

    /// The value of a JavaScript expression (it may be a promise).
    pub(crate) async fn js(&self, expression: &str) -> Result<Value, String> {
        match self {
            Engine::Chromium(b) => b.eval(&format!("return (async () => await ({expression}))();")).await,
            Engine::Firefox(f) => f.eval(expression).await,
        }
    }

    /// The engine's own console lines (CORS errors among them) since the last call.
    pub(crate) async fn engine_lines(&self) -> Result<Vec<String>, String> {
        match self {
            Engine::Chromium(b) => {
                let lines = b.console_lines().await?.iter().map(|l| l.text()).collect();
                b.clear_console().await?;
                Ok(lines)
            }
            Engine::Firefox(f) => {
                let lines = f.engine_lines().await?;
                f.clear_console();
                Ok(lines)
            }
        }
    }

    /// Presses `button` on the attacker's page and waits for `output` to say something.
    async fn press(&self, button: &str, output: &str) -> Result<String, String> {
        self.js(&format!("document.querySelector('{output}').textContent = ''")).await?;
        self.js(&format!("document.querySelector('{button}').click()")).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.js(&format!("document.querySelector('{output}').textContent")).await?;
            if let Some(text) = text.as_str().filter(|t| !t.is_empty()) {
                return Ok(text.to_owned());
            }
            if Instant::now() >= deadline {
                return Err(format!("{output} stayed empty after pressing {button}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What an attack got, as the attacker's page words it.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// "Stolen": the page read the account, secret and all.
    Stolen,
    /// The policy let the page read the answer, but no session cookie went with the request: a 401.
    ReadWithoutCookie,
}

impl Outcome {
    fn is(self, shown: &str, secret: &str) -> bool {
        match self {
            Outcome::Stolen => shown.starts_with("Stolen") && shown.contains(secret),
            Outcome::ReadWithoutCookie => {
                shown.starts_with("Read the answer") && shown.contains("401") && !shown.contains(secret)
            }
        }
    }
}

/// The account's secret, read as the bank's own client would: log in, then ask with the cookie.
async fn the_secret(sandbox: &SandboxProcess) -> Result<String, String> {
    let api = sandbox.api_url.trim_end_matches("/api");
    let http = reqwest::Client::new();
    let login = http.post(format!("{api}/api/login")).send().await.map_err(|e| e.to_string())?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .ok_or("the login set no cookie")?
        .to_owned();
    let account: Value = http
        .get(format!("{api}/api/account"))
        .header("cookie", cookie)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    account["secret"].as_str().map(str::to_owned).ok_or_else(|| format!("no secret in {account}"))
}

/// Replaces the policy with the named preset, as the lab's button does.
async fn use_preset(sandbox: &SandboxProcess, id: &str) -> Result<(), String> {
    crate::harness::use_preset(&sandbox.site, id).await
}

async fn get_json(url: &str) -> Result<Value, String> {
    reqwest::get(url).await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())
}

/// Every attack from the attacker's page, in `engine`.
pub async fn attacks(engine: &Engine<'_>, sandbox: &SandboxProcess) -> Result<(), String> {
    let who = engine.name();
    let secret = the_secret(sandbox).await?;
    let mut problems = Vec::new();

    // Log in the learner, as the bank's own page (the lab) does.
    engine.goto(&format!("{}/lab", sandbox.site)).await?;
    let logged = engine.press("#bank-login", "#bank-login-result").await?;
    if !logged.starts_with("Logged in") {
        return Err(format!("{who}: the lab's login said {logged:?}"));
    }

    // With the bank's cookie `SameSite=None; Secure`, as measured in Chromium 156 and Firefox 153: the
    // page on top reads the secret under every broken policy (directly, or through a redirect that makes
    // its Origin `null`); a frame of another site — sandboxed, or the look-alike name — passes the
    // broken policy but gets no cookie: both engines keep the bank's cookies from other sites' frames.
    let stolen = Outcome::Stolen;
    let no_cookie = Outcome::ReadWithoutCookie;
    let expected = [
        ("reflect-origin-credentials", "#steal-here", "#result-here", stolen),
        ("trust-null", "#steal-redirect", "#result-redirect", stolen),
        ("trust-null", "#steal-null", "#result-null", no_cookie),
        ("allowlist-prefix", "#steal-here", "#result-here", stolen),
        ("allowlist-prefix", "#steal-evil", "#result-evil", no_cookie),
        ("allowlist-regex", "#steal-here", "#result-here", stolen),
        ("allowlist-regex", "#steal-evil", "#result-evil", no_cookie),
    ];
    for (preset, button, output, outcome) in expected {
        use_preset(sandbox, preset).await?;
        engine.goto(&format!("{}/", sandbox.attacker)).await?;
        let got = engine.press(button, output).await?;
        if !outcome.is(&got, &secret) {
            problems.push(format!("{who}, {preset}, {button}: expected {outcome:?}, the page said: {got}"));
        }
    }

    // With a `SameSite=Lax` cookie (lesson 7's login, the browsers' default): the page on top still reads it
    // directly; through the redirect, which went by another site, Firefox keeps the cookie home and
    // Chromium sends it.
    engine.goto(&format!("{}/lab", sandbox.site)).await?;
    let api = sandbox.api_url.trim_end_matches("/api").to_owned();
    let login = format!(
        "fetch('{api}/api/login', {{ method: 'POST', mode: 'no-cors', credentials: 'include' }}).then(() => 1)"
    );
    engine.js(&login).await?;
    let redirected = match engine {
        Engine::Chromium(_) => stolen,
        Engine::Firefox(_) => no_cookie,
    };
    for (preset, button, output, outcome) in [
        ("reflect-origin-credentials", "#steal-here", "#result-here", stolen),
        ("trust-null", "#steal-redirect", "#result-redirect", redirected),
    ] {
        use_preset(sandbox, preset).await?;
        engine.goto(&format!("{}/", sandbox.attacker)).await?;
        let got = engine.press(button, output).await?;
        if !outcome.is(&got, &secret) {
            problems.push(format!(
                "{who}, a Lax cookie, {preset}, {button}: expected {outcome:?}, the page said: {got}"
            ));
        }
    }
    // Back to the bank's own login for what follows.
    engine.goto(&format!("{}/lab", sandbox.site)).await?;
    engine.press("#bank-login", "#bank-login-result").await?;

    // The correct allowlist: no attack reads it, and the engine says why in its console.
    use_preset(sandbox, "allowlist-correct").await?;
    engine.goto(&format!("{}/", sandbox.attacker)).await?;
    engine.engine_lines().await?;
    for (button, output) in [
        ("#steal-here", "#result-here"),
        ("#steal-redirect", "#result-redirect"),
        ("#steal-null", "#result-null"),
        ("#steal-evil", "#result-evil"),
    ] {
        let got = engine.press(button, output).await?;
        if !got.starts_with("Blocked") {
            problems.push(format!("{who}, allowlist-correct, {button}: {got}"));
        }
    }
    let page_text = engine.js("document.body.innerText").await?;
    if page_text.as_str().unwrap_or_default().contains(&secret) {
        problems.push(format!("{who}, allowlist-correct: the secret is on the attacker's page"));
    }
    let lines = engine.engine_lines().await?;
    let cors_line = match engine {
        Engine::Chromium(_) => "has been blocked by CORS policy",
        Engine::Firefox(_) => "Cross-Origin Request Blocked",
    };
    if !lines.iter().any(|line| line.contains(cors_line) && line.contains("/api/account")) {
        problems.push(format!(
            "{who}, allowlist-correct: no CORS error for /api/account in the console: {lines:?}"
        ));
    }

    // The blocked write still ran.
    let before = get_json(&format!("{}/curtain", sandbox.attacker)).await?["counter"].as_u64().unwrap_or(0);
    let got = engine.press("#write", "#result-write").await?;
    let after = get_json(&format!("{}/curtain", sandbox.attacker)).await?["counter"].as_u64().unwrap_or(0);
    if after != before + 1 || !got.contains("TypeError") {
        problems.push(format!("{who}, the blocked write: counter {before} → {after}; the page said {got}"));
    }

    // Three tries at the sandbox's own controls change nothing.
    let policy_before = sandbox.policy().await?;
    let got = engine.press("#tamper", "#result-tamper").await?;
    let policy_after = sandbox.policy().await?;
    if policy_after != policy_before || !got.contains("unchanged") {
        problems.push(format!(
            "{who}, tampering: the page said {got}; policy before {policy_before}, after {policy_after}"
        ));
    }

    use_preset(sandbox, "article").await?;
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
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
