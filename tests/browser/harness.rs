//! The browser-test harness: Debian's headless Chromium driven through
//! Debian's chromedriver, which we spawn ourselves (no driver download).
//!
//! Design: ONE [`Browser`] per test binary, owned by ONE `#[tokio::test]`
//! that runs the cases in sequence and ends with [`Browser::quit`]. Between
//! cases call [`Browser::reset`]. See the crate README / tests/browser.rs.
//!
//! Every fallible call returns `Result<_, String>` so tests can `?` or
//! `expect` them and get a readable message.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::FutureExt;
use thirtyfour::{
    By, ChromiumLikeCapabilities, DesiredCapabilities, LoggingPrefsLogLevel, WebDriver, WebElement,
};

/// Default Chromium binary (override with env `CHROMIUM`).
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// Default chromedriver binary (override with env `CHROMEDRIVER`).
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Install hint printed with the skip notice / CI failure.
pub const INSTALL_HINT: &str = "install it with `apt-get install -y chromium chromium-driver`";

/// The fixed Chromium flags; `--user-data-dir=<fresh temp dir>` is added.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Default timeout for finding an element before clicking / reading it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long chromedriver may take to print its port and answer `/status`.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);
/// Interval between polls in the `wait_*` helpers.
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// One entry of Chromium's browser log, as delivered by chromedriver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    /// `SEVERE`, `WARNING`, `INFO`, `DEBUG`, ...
    pub level: String,
    /// `javascript`, `network`, `console-api`, ... when chromedriver sends it.
    pub source: Option<String>,
    /// The raw `message` field exactly as chromedriver formats it.
    pub raw: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
}

impl ConsoleLine {
    /// The pure console text, without chromedriver's location prefix.
    /// See [`console_text`].
    pub fn text(&self) -> String {
        console_text(&self.raw)
    }
}

impl std::fmt::Display for ConsoleLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} {}] {}", self.level, self.source.as_deref().unwrap_or("-"), self.text())
    }
}

/// Extract the text a person would read in DevTools from chromedriver's
/// `message` field.
///
/// chromedriver formats it as `<url> <location> <text>` where
/// - for `console-api` entries: `<url> <line>:<col> <json-ish args>`; a single
///   string argument arrives JSON-quoted (`"hi"`) and is unquoted here;
/// - for `javascript` / `network` / others: `<url> - <text>` (`-` when there is
///   no line number), or `<url> <line>:<col> <text>` for errors with a location.
///
/// Anything that does not match those shapes is returned unchanged.
pub fn console_text(raw: &str) -> String {
    let Some((_url, rest)) = raw.split_once(' ') else {
        return raw.to_string();
    };
    let Some((loc, text)) = rest.split_once(' ') else {
        return raw.to_string();
    };
    if !(loc == "-" || is_line_col(loc)) {
        return raw.to_string();
    }
    // A single JSON string argument (console.log("x")) arrives quoted.
    if text.len() >= 2
        && text.starts_with('"')
        && text.ends_with('"')
        && let Ok(serde_json::Value::String(s)) = serde_json::from_str::<serde_json::Value>(text)
    {
        return s;
    }
    text.to_string()
}

/// `12:34` (line and column) or `77` (a line alone, as for Blink's early `Fetch API cannot load` errors).
fn is_line_col(s: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    match s.split_once(':') {
        Some((line, column)) => digits(line) && digits(column),
        None => digits(s),
    }
}

/// A running headless Chromium + chromedriver pair with one WebDriver session.
///
/// Not `Clone`: share it by reference inside one async test. Dropping it
/// without [`Browser::quit`] still cleans up (kills the process group and
/// removes the profile), but synchronously.
#[derive(Debug)]
pub struct Browser {
    driver: Option<WebDriver>,
    chromedriver: Option<Child>,
    driver_url: String,
    temp_dir: PathBuf,
    log: Mutex<Vec<ConsoleLine>>,
}

impl Browser {
    /// Start chromedriver on a free port and open a session in a fresh profile.
    ///
    /// - `Ok(Some(browser))`: ready to use.
    /// - `Ok(None)`: Chromium or chromedriver is missing; a skip notice was
    ///   printed to stderr. Never returned when env `CI` is `true`.
    /// - `Err(..)`: failed to start, or missing binaries with `CI=true`.
    pub async fn start() -> Result<Option<Browser>, String> {
        let chromium = env_path("CHROMIUM", DEFAULT_CHROMIUM);
        let chromedriver = env_path("CHROMEDRIVER", DEFAULT_CHROMEDRIVER);
        for path in [&chromium, &chromedriver] {
            if !is_executable(path) {
                missing(&format!("Chromium ({})", path.display()), INSTALL_HINT)?;
                return Ok(None);
            }
        }
        Self::launch(&chromium, &chromedriver).await.map(Some)
    }

    async fn launch(chromium: &Path, chromedriver: &Path) -> Result<Browser, String> {
        let temp_dir = make_temp_dir()?;
        let profile = temp_dir.join("profile");
        let driver_log = temp_dir.join("chromedriver.log");

        let mut cmd = Command::new(chromedriver);
        cmd.arg("--port=0")
            .arg(format!("--log-path={}", driver_log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Own process group, so cleanup can kill chromedriver AND the
            // Chromium processes it spawned with one killpg().
            .process_group(0);
        // From here on, `browser`'s Drop cleans up on every error path.
        let mut browser = Browser {
            driver: None,
            chromedriver: None,
            driver_url: String::new(),
            temp_dir,
            log: Mutex::new(Vec::new()),
        };
        let mut child = cmd.spawn().map_err(|e| format!("cannot spawn {}: {e}", chromedriver.display()))?;
        let stdout = child.stdout.take();
        browser.chromedriver = Some(child);

        // chromedriver prints "ChromeDriver was started successfully on port N."
        // once it listens. --port=0 lets the OS pick the port (no race).
        let (tx, rx) = tokio::sync::oneshot::channel::<u16>();
        if let Some(stdout) = stdout {
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                // Keep draining stdout until chromedriver exits.
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(port) = parse_port_line(&line)
                        && let Some(tx) = tx.take()
                    {
                        let _ = tx.send(port);
                    }
                }
            });
        }
        let port = match tokio::time::timeout(DRIVER_START_TIMEOUT, rx).await {
            Ok(Ok(port)) => port,
            Ok(Err(_)) => {
                return Err(format!(
                    "chromedriver exited before reporting its port; log tail:\n{}",
                    log_tail(&driver_log)
                ));
            }
            Err(_) => {
                return Err(format!(
                    "chromedriver did not report its port within {DRIVER_START_TIMEOUT:?}; log tail:\n{}",
                    log_tail(&driver_log)
                ));
            }
        };
        browser.driver_url = format!("http://127.0.0.1:{port}");
        wait_driver_ready(&browser.driver_url).await?;

        let mut caps = DesiredCapabilities::chrome();
        let cap_err = |e: thirtyfour::error::WebDriverError| format!("capabilities: {e}");
        caps.set_binary(&chromium.to_string_lossy()).map_err(cap_err)?;
        for arg in CHROMIUM_ARGS {
            caps.add_arg(arg).map_err(cap_err)?;
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.display())).map_err(cap_err)?;
        // goog:loggingPrefs: {"browser": "ALL"}
        caps.set_browser_log_level(LoggingPrefsLogLevel::All).map_err(cap_err)?;

        let driver = WebDriver::builder(browser.driver_url.as_str(), caps)
            .request_timeout(Duration::from_secs(60))
            .await
            .map_err(|e| {
                format!(
                    "cannot open a Chromium session: {e}; chromedriver log tail:\n{}",
                    log_tail(&driver_log)
                )
            })?;
        browser.driver = Some(driver);
        Ok(browser)
    }

    /// The underlying thirtyfour driver, for anything this harness lacks.
    pub fn driver(&self) -> Result<&WebDriver, String> {
        self.driver.as_ref().ok_or_else(|| "browser already quit".to_string())
    }

    /// Navigate and wait for the page load (WebDriver's default strategy).
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.driver()?.goto(url).await.map_err(|e| format!("goto {url}: {e}"))
    }

    /// Wait up to [`DEFAULT_TIMEOUT`] for an element matching `css`.
    pub async fn find(&self, css: &str) -> Result<WebElement, String> {
        let driver = self.driver()?;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            match driver.find(By::Css(css)).await {
                Ok(el) => return Ok(el),
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!("no element {css:?} after {DEFAULT_TIMEOUT:?}: {e}"));
                }
                Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
            }
        }
    }

    /// Click the element matching `css` (waits for it to exist).
    pub async fn click(&self, css: &str) -> Result<(), String> {
        self.find(css).await?.click().await.map_err(|e| format!("click {css:?}: {e}"))
    }

    /// The rendered text of the element matching `css` (waits for it to exist).
    pub async fn text(&self, css: &str) -> Result<String, String> {
        self.find(css).await?.text().await.map_err(|e| format!("text of {css:?}: {e}"))
    }

    /// Poll the text of `css` until `cond(text)` holds; returns that text.
    /// On timeout the error shows the last text seen.
    pub async fn wait_for_text<F>(&self, css: &str, timeout: Duration, cond: F) -> Result<String, String>
    where
        F: Fn(&str) -> bool,
    {
        let driver = self.driver()?;
        let deadline = Instant::now() + timeout;
        let mut last = String::from("<element not found>");
        loop {
            // Re-find every poll: the page may replace the element.
            if let Ok(el) = driver.find(By::Css(css)).await {
                match el.text().await {
                    Ok(t) if cond(&t) => return Ok(t),
                    Ok(t) => last = format!("{t:?}"),
                    Err(e) => last = format!("<error: {e}>"),
                }
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "timeout after {timeout:?} waiting on the text of {css:?}; last: {last}"
                ));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Shorthand: wait until the text of `css` is not empty.
    pub async fn wait_for_nonempty_text(&self, css: &str, timeout: Duration) -> Result<String, String> {
        self.wait_for_text(css, timeout, |t| !t.is_empty()).await
    }

    /// Waits until `script` (a function body returning a value) returns `true`, for up to
    /// [`DEFAULT_TIMEOUT`].
    pub async fn wait_until(&self, script: &str) -> Result<(), String> {
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        while self.eval(script).await? != serde_json::json!(true) {
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for: {script}"));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        Ok(())
    }

    /// Run a JS snippet (a function body: use `return` to get a value back).
    pub async fn eval(&self, js: &str) -> Result<serde_json::Value, String> {
        let ret = self
            .driver()?
            .execute(js, Vec::new())
            .await
            .map_err(|e| format!("script failed: {e}\nscript: {js}"))?;
        Ok(ret.json().clone())
    }

    /// Run a Chrome DevTools Protocol command (`Emulation.setEmulatedMedia`, …) through chromedriver's
    /// `goog/cdp/execute` endpoint; returns its result.
    pub async fn cdp(&self, command: &str, params: serde_json::Value) -> Result<serde_json::Value, String> {
        let url = format!("{}/session/{}/goog/cdp/execute", self.driver_url, self.driver()?.session_id());
        let answer: serde_json::Value = reqwest::Client::new()
            .post(url)
            .json(&serde_json::json!({ "cmd": command, "params": params }))
            .send()
            .await
            .map_err(|e| format!("{command}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{command}: {e}"))?;
        if answer["value"].get("error").is_some() {
            return Err(format!("{command}: {}", answer["value"]));
        }
        Ok(answer["value"].clone())
    }

    /// Drain chromedriver's (destructive) browser log into our accumulator.
    async fn pull_log(&self) -> Result<(), String> {
        let entries =
            self.driver()?.browser_log().await.map_err(|e| format!("reading the browser log: {e}"))?;
        if entries.is_empty() {
            return Ok(());
        }
        let mut log = self.log.lock().map_err(|_| "log mutex poisoned".to_string())?;
        log.extend(entries.into_iter().map(|e| ConsoleLine {
            level: e.level,
            source: e.source,
            raw: e.message,
            timestamp: e.timestamp,
        }));
        Ok(())
    }

    /// Every browser-log entry since start (or the last [`Browser::reset`]).
    ///
    /// chromedriver's log endpoint drains on each read, so the harness keeps
    /// everything it has read; calling this repeatedly never loses entries.
    pub async fn console_lines(&self) -> Result<Vec<ConsoleLine>, String> {
        self.pull_log().await?;
        let log = self.log.lock().map_err(|_| "log mutex poisoned".to_string())?;
        Ok(log.clone())
    }

    /// Poll the browser log until an entry whose [`ConsoleLine::text`]
    /// contains `needle` appears (entries already accumulated count too,
    /// so call [`Browser::clear_console`] first to wait for a NEW one).
    pub async fn wait_for_console(&self, needle: &str, timeout: Duration) -> Result<ConsoleLine, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let lines = self.console_lines().await?;
            if let Some(hit) = lines.iter().find(|l| l.text().contains(needle)) {
                return Ok(hit.clone());
            }
            if Instant::now() >= deadline {
                let seen: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                return Err(format!(
                    "timeout after {timeout:?} waiting for console text {needle:?}; seen:\n{}",
                    seen.join("\n")
                ));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Forget accumulated console lines (drains chromedriver first so late
    /// entries of the previous page are dropped too).
    pub async fn clear_console(&self) -> Result<(), String> {
        self.pull_log().await?;
        self.log.lock().map_err(|_| "log mutex poisoned".to_string())?.clear();
        Ok(())
    }

    /// Between two cases: leave the page (about:blank) and clear the console.
    pub async fn reset(&self) -> Result<(), String> {
        self.goto("about:blank").await?;
        self.clear_console().await
    }

    /// Console barrier: log a unique marker from the page and wait until it
    /// comes back, then drop it from the accumulated lines. Everything the
    /// page logged before this call has then been collected, so an
    /// "absence" assertion on [`Browser::console_lines`] is meaningful
    /// without sleeping.
    pub async fn sync_console(&self, timeout: Duration) -> Result<(), String> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let marker = format!("harness-console-barrier-{}", SEQ.fetch_add(1, Ordering::Relaxed));
        self.eval(&format!("console.log('{marker}')")).await?;
        self.wait_for_console(&marker, timeout).await?;
        self.log.lock().map_err(|_| "log mutex poisoned".to_string())?.retain(|l| !l.raw.contains(&marker));
        Ok(())
    }

    /// Run one test case on this (shared) browser: [`Browser::reset`]
    /// first, then the case; a panic inside the case (e.g. `assert!`) is
    /// caught and turned into `Err`, so the caller can run the remaining
    /// cases and still [`Browser::quit`] cleanly. Prints `case NAME ok in T`
    /// (T includes the reset).
    pub async fn run_case<F>(&self, name: &str, case: F) -> Result<Duration, String>
    where
        F: Future<Output = Result<(), String>>,
    {
        let start = Instant::now();
        self.reset().await.map_err(|e| format!("case {name}: reset: {e}"))?;
        let reset_took = start.elapsed();
        let outcome = AssertUnwindSafe(case).catch_unwind().await;
        let took = start.elapsed();
        let result = match outcome {
            Ok(Ok(())) => Ok(took),
            Ok(Err(e)) => Err(format!("case {name} failed: {e}")),
            Err(panic) => Err(format!("case {name} panicked: {}", panic_text(&*panic))),
        };
        match &result {
            Ok(t) => eprintln!("case {name} ok in {t:?} (reset {reset_took:?})"),
            Err(e) => eprintln!("{e}"),
        }
        result
    }

    /// Clean shutdown: end the session (Chromium exits), stop chromedriver,
    /// remove the temp profile. Errors are reported but cleanup always runs.
    pub async fn quit(mut self) -> Result<(), String> {
        let mut result = Ok(());
        if let Some(driver) = self.driver.take()
            && let Err(e) = driver.quit().await
        {
            result = Err(format!("quitting the session: {e}"));
        }
        // Sync part: chromedriver has nothing left to do, kill it (and any
        // straggler in its group), reap it, remove the temp dir.
        if let Err(e) = self.cleanup() {
            result = result.and(Err(e));
        }
        result
    }

    /// Kill the process group, reap chromedriver, remove the temp dir.
    /// Idempotent; used by [`Browser::quit`] and by Drop.
    fn cleanup(&mut self) -> Result<(), String> {
        if let Some(driver) = self.driver.take() {
            // Only reached when quit() was not called (panic, early return).
            // Ask chromedriver to close Chromium (so it reaps its children:
            // PID 1 here does not reap orphans, killed ones stay zombies),
            // bounded by a short timeout, instead of thirtyfour's own Drop
            // fallback, which would wait up to the 60 s request timeout.
            let url = format!("{}/session/{}", self.driver_url, driver.session_id());
            let _ = driver.leak();
            delete_session_blocking(url, Duration::from_secs(5));
        }
        if let Some(mut child) = self.chromedriver.take() {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
        remove_dir_retrying(&self.temp_dir)
    }

    /// Sets the lab's request form fields named in `fields` (a JavaScript object expression) and presses
    /// Send, as a learner would; waits for the timeline.
    pub async fn lab_send(&self, fields: &str) -> Result<(), String> {
        self.eval(&format!(
            "const f = document.querySelector('#request-form').elements;
             for (const [name, value] of Object.entries({fields})) f[name].value = value;
             document.querySelector('#request-form').dispatchEvent(new Event('input'));
             document.querySelector('#lab-result').replaceChildren();
             return true;"
        ))
        .await?;
        self.click("#lab-send").await?;
        self.wait_for_nonempty_text("#lab-result .timeline", DEFAULT_TIMEOUT).await?;
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Err(e) = self.cleanup() {
            eprintln!("browser cleanup: {e}");
        }
    }
}

pub(crate) use crate::missing::missing;

pub(crate) fn env_path(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(default),
    }
}

pub(crate) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn parse_port_line(line: &str) -> Option<u16> {
    let rest = line.split("started successfully on port ").nth(1)?;
    rest.trim_end_matches(['.', ' ', '\r']).parse().ok()
}

pub(crate) fn make_temp_dir() -> Result<PathBuf, String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "harness-browser-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // create_dir (not create_dir_all) fails if it exists: the dir is ours.
    std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

async fn wait_driver_ready(base: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    let url = format!("{base}/status");
    let deadline = Instant::now() + DRIVER_START_TIMEOUT;
    loop {
        let last = match client.get(&url).send().await {
            Ok(resp) => match resp.bytes().await {
                Ok(body) => {
                    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    if v["value"]["ready"] == serde_json::Value::Bool(true) {
                        return Ok(());
                    }
                    String::from_utf8_lossy(&body).into_owned()
                }
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!("chromedriver at {base} not ready: {last}"));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// DELETE /session/{id} from a helper thread with its own runtime: works from
/// Drop, inside or outside a runtime, without blocking on the caller's one.
fn delete_session_blocking(url: String, timeout: Duration) {
    let worker = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        rt.block_on(async move {
            if let Ok(client) = reqwest::Client::builder().timeout(timeout).build() {
                let _ = client.delete(url).send().await;
            }
        });
    });
    let _ = worker.join();
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic>".to_string()
    }
}

pub(crate) fn kill_group(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid)
        && pid > 1
    {
        // SAFETY: plain syscall; the negative pid targets the process
        // group we created for chromedriver (process_group(0) above).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

pub(crate) fn remove_dir_retrying(dir: &Path) -> Result<(), String> {
    // Killed Chromium processes may still be flushing for a few ms.
    let mut last = None;
    for _ in 0..50 {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("cannot remove {}: {}", dir.display(), last.map(|e| e.to_string()).unwrap_or_default()))
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Replaces the policy of the sandbox whose site is `site` with the named preset, through the control API,
/// as the lab's menu does.
pub async fn use_preset(site: &str, id: &str) -> Result<(), String> {
    let http = reqwest::Client::new();
    let presets: serde_json::Value = http
        .get(format!("{site}/sandbox/presets"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let preset = presets
        .as_array()
        .and_then(|list| list.iter().find(|p| p["id"] == id))
        .ok_or_else(|| format!("no preset {id}"))?;
    let res = http
        .put(format!("{site}/sandbox/policy"))
        .json(&preset["policy"])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status().is_success() { Ok(()) } else { Err(format!("PUT {id} answered {}", res.status())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_console_text() {
        assert_eq!(
            console_text("http://localhost:1/ - Access to fetch at 'x' has been blocked"),
            "Access to fetch at 'x' has been blocked"
        );
        assert_eq!(console_text("http://localhost:1/ 12:34 \"hi there\""), "hi there");
        assert_eq!(console_text("http://localhost:1/ 12:34 1 2"), "1 2");
        assert_eq!(
            console_text(
                "http://localhost:1/static/x.js 77 Fetch API cannot load http://a/. Request mode is"
            ),
            "Fetch API cannot load http://a/. Request mode is"
        );
        assert_eq!(console_text("no prefix here"), "no prefix here");
    }

    #[test]
    fn browser_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Browser>();
    }

    #[test]
    fn parses_port_line() {
        assert_eq!(parse_port_line("ChromeDriver was started successfully on port 46503."), Some(46503));
        assert_eq!(parse_port_line("Only local connections are allowed."), None);
    }
}
