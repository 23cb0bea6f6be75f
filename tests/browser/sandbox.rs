//! The real `cors-sandbox` binary, started as a learner starts it (but on free ports), read from its
//! start-up banner, and stopped with SIGTERM as a service manager would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The grace period the binary is started with: far longer than [`STOP_WAIT`], so a sandbox that exits in
/// time is one that ended its connections itself, not one whose grace period ran out.
const GRACE_MS: &str = "120000";

/// How long `stop` waits for the process to exit after SIGTERM.
const STOP_WAIT: Duration = Duration::from_secs(30);

/// A running `cors-sandbox` process.
pub struct SandboxProcess {
    child: Child,
    /// What the binary prints after its banner, line by line (the reader keeps the pipe open, so a
    /// late `println!` never meets a closed pipe).
    later_lines: mpsc::Receiver<String>,
    /// The tutorial page, e.g. `http://localhost:41234`.
    pub site: String,
    /// The article's URL on the API, e.g. `http://localhost:41235/api`.
    pub api_url: String,
    /// The other site, the attacker's, e.g. `http://localhost:41236`.
    pub attacker: String,
}

impl SandboxProcess {
    /// Starts the binary on ports chosen by the system and waits for its banner.
    pub async fn start() -> SandboxProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .args([
                "--api-port",
                "0",
                "--client-port",
                "0",
                "--attacker-port",
                "0",
                "--shutdown-grace-ms",
                GRACE_MS,
            ])
            .env_remove("SERVER_PORT")
            .env_remove("CLIENT_PORT")
            .env_remove("ATTACKER_PORT")
            .env_remove("SHUTDOWN_GRACE_MS")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the cors-sandbox binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, later_lines) = mpsc::channel();
        // Every line of stdout, for as long as the process runs: the banner first, then how it stopped.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    return;
                }
            }
        });
        let ((site, api_url, attacker), later_lines) = tokio::task::spawn_blocking(move || {
            let mut site = None;
            let mut api = None;
            let mut attacker = None;
            while let Ok(line) = later_lines.recv_timeout(Duration::from_secs(60)) {
                if let Some(url) = line.trim().strip_prefix("Tutorial:") {
                    site = Some(url.trim().to_owned());
                }
                if let Some(url) = line.trim().strip_prefix("API:") {
                    api = Some(url.trim().to_owned());
                }
                if let Some(url) = line.trim().strip_prefix("Attacker:") {
                    attacker = url.split_whitespace().next().map(str::to_owned);
                }
                if line.starts_with("Press Ctrl-C") {
                    break;
                }
            }
            let banner = (
                site.expect("the banner names the tutorial"),
                api.expect("the banner names the API"),
                attacker.expect("the banner names the attacker's site"),
            );
            (banner, later_lines)
        })
        .await
        .expect("read the banner");
        SandboxProcess { child, later_lines, site, api_url, attacker }
    }

    /// The policy in force, as `GET /sandbox/policy` shows it.
    pub async fn policy(&self) -> Result<serde_json::Value, String> {
        reqwest::get(format!("{}/sandbox/policy", self.site))
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())
    }

    /// Changes the policy through the control API, as a teacher's script would.
    pub async fn patch_policy(&self, changes: serde_json::Value) -> Result<(), String> {
        let res = reqwest::Client::new()
            .patch(format!("{}/sandbox/policy", self.site))
            .json(&changes)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if res.status().is_success() { Ok(()) } else { Err(format!("PATCH answered {}", res.status())) }
    }

    /// Runs a command shown on the page (the curl line) and returns what it printed.
    pub fn run_shown_command(&self, command: &str) -> Result<String, String> {
        let mut words = command.split_whitespace();
        let program = words.next().ok_or("empty command")?;
        let output = Command::new(program)
            .args(words)
            .output()
            .map_err(|e| format!("could not run `{command}` ({e}); is curl installed?"))?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Sends SIGTERM, waits for the process to exit, and returns what it printed after its banner.
    pub fn stop(mut self) -> Result<Vec<String>, String> {
        let started = Instant::now();
        let pid = libc::pid_t::try_from(self.child.id()).map_err(|e| e.to_string())?;
        // SAFETY: `pid` is our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                if !status.success() {
                    return Err(format!("exited with {status} on SIGTERM"));
                }
                // The process has exited, so its stdout is closed and the reader ends after the last line.
                return Ok(self.later_lines.iter().collect());
            }
            if started.elapsed() > STOP_WAIT {
                return Err(format!("did not exit within {STOP_WAIT:?} of SIGTERM"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
