//! The real `cors-sandbox` binary, started as a learner starts it (but on free ports), read from its
//! start-up banner, and stopped with SIGTERM as a service manager would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `cors-sandbox` process.
pub struct SandboxProcess {
    child: Child,
    /// The tutorial page, e.g. `http://localhost:41234`.
    pub site: String,
    /// The article's URL on the API, e.g. `http://localhost:41235/api`.
    pub api_url: String,
}

impl SandboxProcess {
    /// Starts the binary on ports chosen by the system and waits for its banner.
    pub async fn start() -> SandboxProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .args(["--api-port", "0", "--client-port", "0"])
            .env_remove("SERVER_PORT")
            .env_remove("CLIENT_PORT")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the cors-sandbox binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let (site, api_url) = tokio::task::spawn_blocking(move || {
            let mut site = None;
            let mut api = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("Tutorial:") {
                    site = Some(url.trim().to_owned());
                }
                if let Some(url) = line.trim().strip_prefix("API:") {
                    api = Some(url.trim().to_owned());
                }
                if line.starts_with("Press Ctrl-C") {
                    break;
                }
            }
            (site.expect("the banner names the tutorial"), api.expect("the banner names the API"))
        })
        .await
        .expect("read the banner");
        SandboxProcess { child, site, api_url }
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

    /// Sends SIGTERM and returns how long the process took to exit.
    pub fn stop(mut self) -> Result<Duration, String> {
        let started = Instant::now();
        let pid = libc::pid_t::try_from(self.child.id()).map_err(|e| e.to_string())?;
        // SAFETY: `pid` is our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return if status.success() {
                    Ok(started.elapsed())
                } else {
                    Err(format!("exited with {status} on SIGTERM"))
                };
            }
            if started.elapsed() > Duration::from_secs(5) {
                return Err("did not exit within 5 s of SIGTERM".into());
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
