//! The real `cors-sandbox` binary, measured from outside: start it, open tabs on its live feed, change
//! its policy, read its memory. Shared by the `outside` and `soak` benches (each uses part of it).
#![allow(dead_code)]

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A running `cors-sandbox`, stopped with SIGKILL when dropped (`stop` ends it cleanly).
pub struct Sandbox {
    pub child: Child,
    pub api: u16,
    pub site: u16,
}

impl Sandbox {
    /// Starts the binary on two free loopback ports; returns once both accept connections, with the
    /// time that took.
    pub async fn start() -> (Sandbox, Duration) {
        let (api, site) = (free_port(), free_port());
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .args(["--api-port", &api.to_string(), "--client-port", &site.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cors-sandbox");
        wait_accepting(api).await;
        wait_accepting(site).await;
        (Sandbox { child, api, site }, started.elapsed())
    }

    /// Resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }

    /// SIGINT, as Ctrl-C sends; returns how long the process took to exit and whether it exited 0.
    pub fn stop(mut self) -> (Duration, bool) {
        let started = Instant::now();
        // SAFETY: kill only sends a signal to the child this struct started.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let status = self.child.wait().expect("wait");
        (started.elapsed(), status.success())
    }

    /// Changes the policy (`PATCH /sandbox/policy`, as the sandbox's own page does).
    pub async fn patch(&self, body: &str) -> u16 {
        let (status, _, _) = request(self.site, "PATCH", "/sandbox/policy", Some(body)).await;
        status
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now (bound, read back and released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Waits until `port` accepts a connection.
pub async fn wait_accepting(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "port {port} never accepted a connection");
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

/// A process's resident memory, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Raises this process's soft open-files limit to the hard one: a thousand tabs are a thousand sockets.
pub fn raise_open_files_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// One HTTP/1.1 request on a new connection: the status, the headers (lower-cased names) and the body.
pub async fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await.expect("connect"));
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.get_mut().write_all(head.as_bytes()).await.expect("write");
    stream.get_mut().write_all(body.as_bytes()).await.expect("write");
    read_response(&mut stream).await.expect("an answer")
}

/// Reads one response (with a `Content-Length`) from `stream`.
pub async fn read_response(
    stream: &mut BufReader<TcpStream>,
) -> std::io::Result<(u16, Vec<(String, String)>, Vec<u8>)> {
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.to_ascii_lowercase(), value.trim().to_owned());
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok((status, headers, body))
}

/// When each tab received each policy version.
#[derive(Clone, Default)]
pub struct Arrivals(Arc<Mutex<HashMap<u64, Vec<Instant>>>>);

impl Arrivals {
    /// The latencies from `sent` to each arrival of `version`.
    pub fn latencies(&self, version: u64, sent: Instant) -> Vec<Duration> {
        let arrivals = self.0.lock().unwrap();
        arrivals
            .get(&version)
            .map(|at| at.iter().map(|a| a.duration_since(sent)).collect())
            .unwrap_or_default()
    }

    /// How many tabs received `version`.
    pub fn count(&self, version: u64) -> usize {
        self.0.lock().unwrap().get(&version).map_or(0, Vec::len)
    }
}

/// One tab following `/sandbox/events`: notes when each policy version arrives; returns the last one
/// when the feed ends. A tab with `reads: false` sends its request and never reads a byte.
pub async fn tab(site: u16, arrivals: Arrivals, reads: bool) -> u64 {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", site)).await else { return 0 };
    let request = format!(
        "GET /sandbox/events HTTP/1.1\r\nHost: localhost:{site}\r\nAccept: text/event-stream\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    if !reads {
        std::future::pending::<()>().await;
    }
    let mut buffer = vec![0; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    let mut last = 0;
    const POLICY: &[u8] = b"event: policy\ndata: ";
    while let Ok(n) = stream.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        let now = Instant::now();
        pending.extend_from_slice(&buffer[..n]);
        // Whole events only; an event ends with a blank line.
        while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = pending.drain(..end + 2).collect();
            if let Some(at) = event.windows(POLICY.len()).position(|w| w == POLICY) {
                // `"version":N` without parsing the whole policy: a thousand tabs cost this process little.
                const VERSION: &[u8] = b"\"version\":";
                let data = &event[at + POLICY.len()..];
                if let Some(v) = data.windows(VERSION.len()).position(|w| w == VERSION)
                    && let Some(version) = digits(&data[v + VERSION.len()..])
                {
                    last = version;
                    arrivals.0.lock().unwrap().entry(version).or_default().push(now);
                }
            }
        }
    }
    last
}

/// The number at the start of `bytes`.
fn digits(bytes: &[u8]) -> Option<u64> {
    let end = bytes.iter().position(|b| !b.is_ascii_digit()).unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).ok()?.parse().ok()
}

/// CPU time a process has used so far (user and system), from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    // SAFETY: sysconf only reads a system constant.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis((ticks(11) + ticks(12)) * 1000 / per_second)
}

/// The `p`-th percentile (0–100) of `values`, sorted in place.
pub fn percentile(values: &mut [Duration], p: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    values.sort();
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank]
}
