//! Headless Firefox (Debian's `firefox-esr`), driven over the WebDriver BiDi WebSocket it serves itself:
//! no geckodriver. `log.entryAdded` carries every console line, the CORS ones included (type
//! `javascript`), which classic WebDriver cannot read from Firefox.
//!
//! Without Firefox the Firefox cases print a skip notice; with `CI=true` a missing Firefox is a failure.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use futures_util::stream::{SplitSink, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{env_path, is_executable, kill_group, make_temp_dir, missing, remove_dir_retrying};

/// Where Debian puts Firefox ESR; `FIREFOX` overrides it.
const DEFAULT_FIREFOX: &str = "/usr/bin/firefox-esr";
const INSTALL_HINT: &str = "install it with `apt-get install -y firefox-esr`";
/// How long Firefox may take to open its BiDi endpoint (it takes 1.5–3 s here).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one BiDi command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A profile that keeps Firefox quiet offline: no updates, telemetry, captive-portal or default-browser
/// checks, no first-run pages.
const USER_JS: &str = r#"user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("app.normandy.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
"#;

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;

/// One console entry, as `log.entryAdded` gives it.
#[derive(Clone, Debug)]
pub struct LogEntry {
    /// `javascript` (errors the engine reports, CORS among them) or `console` (the page's `console.*`).
    pub kind: String,
    pub text: String,
}

/// A running headless Firefox with one BiDi session and one browsing context.
pub struct Firefox {
    child: Option<Child>,
    temp_dir: PathBuf,
    sink: tokio::sync::Mutex<Sink>,
    pending: Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>,
    log: Arc<Mutex<Vec<LogEntry>>>,
    next_id: AtomicU64,
    context: String,
}

impl Firefox {
    /// Starts Firefox in a fresh profile; `Ok(None)` (after a skip notice) when it is not installed and
    /// this is not CI.
    pub async fn start() -> Result<Option<Firefox>, String> {
        Self::start_with_prefs("").await
    }

    /// [`Firefox::start`], with more `user_pref(…);` lines in its profile's `user.js`.
    pub async fn start_with_prefs(prefs: &str) -> Result<Option<Firefox>, String> {
        let binary = env_path("FIREFOX", DEFAULT_FIREFOX);
        if !is_executable(&binary) {
            missing(&format!("Firefox ({})", binary.display()), INSTALL_HINT)?;
            return Ok(None);
        }
        Self::launch(&binary, prefs).await.map(Some)
    }

    async fn launch(binary: &Path, prefs: &str) -> Result<Firefox, String> {
        let temp_dir = make_temp_dir()?;
        let profile = temp_dir.join("profile");
        std::fs::create_dir(&profile).map_err(|e| format!("profile dir: {e}"))?;
        std::fs::write(profile.join("user.js"), format!("{USER_JS}{prefs}"))
            .map_err(|e| format!("user.js: {e}"))?;
        let mut child = Command::new(binary)
            .args(["--headless", "--no-remote", "--profile"])
            .arg(&profile)
            .arg("--remote-debugging-port=0")
            .env("MOZ_CRASHREPORTER_DISABLE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot spawn {}: {e}", binary.display()))?;
        let stderr = child.stderr.take();
        // Firefox says "WebDriver BiDi listening on ws://127.0.0.1:N" once it is ready.
        let (tx, rx) = oneshot::channel::<String>();
        if let Some(stderr) = stderr {
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(url) = line.split("WebDriver BiDi listening on ").nth(1)
                        && let Some(tx) = tx.take()
                    {
                        let _ = tx.send(url.trim().to_owned());
                    }
                }
            });
        }
        let ws_url = match tokio::time::timeout(START_TIMEOUT, rx).await {
            Ok(Ok(url)) => url,
            _ => {
                kill_group(child.id());
                let _ = child.wait();
                let _ = remove_dir_retrying(&temp_dir);
                return Err(format!("Firefox did not open its BiDi endpoint within {START_TIMEOUT:?}"));
            }
        };
        let connected = tokio_tungstenite::connect_async(format!("{ws_url}/session")).await;
        let (socket, _) = match connected {
            Ok(pair) => pair,
            Err(e) => {
                kill_group(child.id());
                let _ = child.wait();
                return Err(format!("cannot connect to Firefox's BiDi endpoint {ws_url}: {e}"));
            }
        };
        let (sink, mut stream) = socket.split();
        let pending: Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>> = Arc::default();
        let log: Arc<Mutex<Vec<LogEntry>>> = Arc::default();
        let (pending_in, log_in) = (Arc::clone(&pending), Arc::clone(&log));
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(text) = message else { continue };
                let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
                if let Some(id) = value["id"].as_u64() {
                    if let Some(reply) = pending_in.lock().unwrap_or_else(|p| p.into_inner()).remove(&id) {
                        let _ = reply.send(value);
                    }
                } else if value["method"] == "log.entryAdded" {
                    let params = &value["params"];
                    log_in.lock().unwrap_or_else(|p| p.into_inner()).push(LogEntry {
                        kind: params["type"].as_str().unwrap_or("").to_owned(),
                        text: params["text"].as_str().unwrap_or("").to_owned(),
                    });
                }
            }
        });
        let mut firefox = Firefox {
            child: Some(child),
            temp_dir,
            sink: tokio::sync::Mutex::new(sink),
            pending,
            log,
            next_id: AtomicU64::new(1),
            context: String::new(),
        };
        firefox.command("session.new", json!({ "capabilities": {} })).await?;
        firefox.command("session.subscribe", json!({ "events": ["log.entryAdded"] })).await?;
        let tree = firefox.command("browsingContext.getTree", json!({})).await?;
        firefox.context = tree["contexts"][0]["context"]
            .as_str()
            .ok_or_else(|| format!("no browsing context in {tree}"))?
            .to_owned();
        Ok(firefox)
    }

    /// Sends one BiDi command and returns its `result`, or the error Firefox answered.
    pub async fn command(&self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).insert(id, tx);
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.sink.lock().await.send(Message::text(message)).await.map_err(|e| format!("{method}: {e}"))?;
        let reply = tokio::time::timeout(COMMAND_TIMEOUT, rx)
            .await
            .map_err(|_| format!("{method}: no answer within {COMMAND_TIMEOUT:?}"))?
            .map_err(|_| format!("{method}: the connection to Firefox closed"))?;
        if reply["type"] == "error" {
            return Err(format!("{method}: {} ({})", reply["error"], reply["message"]));
        }
        Ok(reply["result"].clone())
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.command(
            "browsingContext.navigate",
            json!({ "context": self.context, "url": url, "wait": "complete" }),
        )
        .await
        .map(|_| ())
    }

    /// Runs `expression` (it may be a promise) in the page and returns its value, passed through JSON.
    pub async fn eval(&self, expression: &str) -> Result<Value, String> {
        let wrapped = format!("(async () => JSON.stringify(await ({expression})) ?? 'null')()");
        let result = self
            .command(
                "script.evaluate",
                json!({
                    "expression": wrapped,
                    "target": { "context": self.context },
                    "awaitPromise": true,
                    "resultOwnership": "none",
                }),
            )
            .await?;
        if result["type"] == "exception" {
            return Err(format!("script failed: {}", result["exceptionDetails"]["text"]));
        }
        let text = result["result"]["value"].as_str().ok_or_else(|| format!("not a string: {result}"))?;
        serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {text}"))
    }

    /// Forgets every console entry seen so far.
    pub fn clear_console(&self) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The console entries the engine itself reported (type `javascript`, CORS lines among them), in order,
    /// once the page's own `console.log` of a marker has arrived after them: everything printed before the
    /// marker is in.
    pub async fn engine_lines(&self) -> Result<Vec<String>, String> {
        let marker = format!("sync-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        self.eval(&format!("console.log({})", json!(marker))).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            {
                let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(at) = log.iter().position(|e| e.kind == "console" && e.text == marker) {
                    return Ok(log[..at]
                        .iter()
                        .filter(|e| e.kind == "javascript")
                        .map(|e| e.text.clone())
                        .collect());
                }
            }
            if Instant::now() >= deadline {
                return Err(format!("the console marker {marker} never arrived"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Ends the session and the process, and removes the profile.
    pub async fn quit(mut self) -> Result<(), String> {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.command("browser.close", json!({}))).await;
        self.cleanup()
    }

    fn cleanup(&mut self) -> Result<(), String> {
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            kill_group(child.id());
            let _ = child.wait();
        }
        remove_dir_retrying(&self.temp_dir)
    }
}

impl Drop for Firefox {
    fn drop(&mut self) {
        if let Err(e) = self.cleanup() {
            eprintln!("Firefox cleanup: {e}");
        }
    }
}
