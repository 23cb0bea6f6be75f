//! `https://` for `check`: its TLS client is a program of its own, `cors-sandbox-tls` (tls-client/), and
//! `check` speaks HTTP over that program's standard streams.
//!
//! Why a program: its crypto (rustls, ring, webpki) was a third of the first `cargo run`'s build, for one
//! command that not every user runs (docs/first-build.md). It is not one of the workspace's default members,
//! so `cargo build` and `cargo run` build exactly what the sandbox needs; when it is missing, the first
//! `check https://…` builds it once beside `cors-sandbox` with cargo and says so (`cargo test`'s https tests
//! build it that way too, [`build_beside`]).
//!
//! The program's side of the pipes: it connects, checks the certificate (Mozilla's roots and `--cacert`),
//! writes `connected` and a newline, then carries bytes both ways. When it cannot, it writes one line,
//! `STAGE: why`, and exits; the sentences the user reads are made here, from that line.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use browser_model::Url;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader, Join};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::OnceCell;

/// The program's name, beside `cors-sandbox` in the same directory.
const PROGRAM: &str = "cors-sandbox-tls";
/// Its package in this workspace, for `cargo build -p`.
const PACKAGE: &str = "cors-sandbox-tls";
/// The variable that names the program instead (a copy installed elsewhere).
const VARIABLE: &str = "CORS_SANDBOX_TLS";

/// A connection to an `https://` origin: the program's output and input, and the program itself, stopped
/// when this is dropped.
pub(super) struct Connection {
    pub(super) stream: Join<BufReader<ChildStdout>, ChildStdin>,
    _child: Child,
}

/// What every `https://` request of one run shares: the authority file and the program, found once.
pub(super) struct Tls {
    cacert: Option<String>,
    program: OnceCell<PathBuf>,
}

impl Tls {
    /// Checks `--cacert` before anything is sent: a file that cannot be read, or holds no certificate.
    pub(super) fn new(cacert: Option<&str>) -> Result<Tls, String> {
        if let Some(path) = cacert {
            let text = std::fs::read(path).map_err(|e| format!("--cacert {path}: cannot read it ({e})"))?;
            if !text.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(format!(
                    "--cacert {path}: no certificate in it (a PEM file starts with -----BEGIN CERTIFICATE-----)"
                ));
            }
        }
        Ok(Tls { cacert: cacert.map(str::to_owned), program: OnceCell::new() })
    }

    /// The TLS client program, found (or built) on first use.
    pub(super) async fn program(&self) -> Result<&Path, String> {
        self.program.get_or_try_init(find_or_build).await.map(PathBuf::as_path)
    }

    /// Connects to `url`'s origin over TLS.
    pub(super) async fn connect(&self, url: &Url) -> Result<Connection, String> {
        let program = self.program().await?;
        let mut command = Command::new(program);
        command.arg(url.host_for_socket()).arg(url.port().to_string());
        if let Some(path) = &self.cacert {
            command.arg("--cacert").arg(path);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run the TLS client {}: {e}", program.display()))?;
        let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
            return Err("the TLS client's pipes could not be opened".into());
        };
        let mut stdout = BufReader::new(stdout);
        let mut first = Vec::new();
        // `connected\n`, or nothing and a line on standard error.
        let _ = (&mut stdout).take(16).read_until(b'\n', &mut first).await;
        if first == b"connected\n" {
            return Ok(Connection { stream: tokio::io::join(stdout, stdin), _child: child });
        }
        let mut said = String::new();
        if let Some(stderr) = child.stderr.take() {
            let _ = stderr.take(4096).read_to_string(&mut said).await;
        }
        Err(sentence(url, &self.cacert, said.trim()))
    }
}

/// The user's sentence for the program's `STAGE: why`.
fn sentence(url: &Url, cacert: &Option<String>, said: &str) -> String {
    let origin = url.origin_text();
    match said.split_once(": ") {
        Some(("connect", why)) => format!("cannot connect to {origin}: {why}"),
        Some(("tls", why)) => format!(
            "cannot make a TLS connection to {origin}: {why}. If its certificate is signed by your own authority, pass that certificate with --cacert FILE."
        ),
        Some(("cacert", why)) => format!("--cacert {}: {why}", cacert.as_deref().unwrap_or_default()),
        _ if said.is_empty() => {
            format!("cannot connect to {origin}: the TLS client stopped without saying why")
        }
        _ => format!("cannot connect to {origin}: the TLS client said {said:?}"),
    }
}

/// The program: `$CORS_SANDBOX_TLS`, or beside this one; built once with cargo when it is not there yet.
async fn find_or_build() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(VARIABLE) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{VARIABLE}={}: no such program (it names check's TLS client)", path.display()))
        };
    }
    let here = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .ok_or("cannot tell where this program is, to find its TLS client")?;
    let program = program_in(&here);
    if program.is_file() {
        return Ok(program);
    }
    eprintln!(
        "cors-sandbox check: building the TLS client for https:// once (cargo build -p {PACKAGE}, about 20 s)…"
    );
    build_beside(&here).await
}

/// Builds the TLS client into `dir` (a target directory's `debug` or `release`, where `cors-sandbox` is) with
/// cargo, from this workspace, and returns its path. Cargo does nothing when it is up to date; the tests call
/// this so that the program they run is the current source's.
pub async fn build_beside(dir: &Path) -> Result<PathBuf, String> {
    build(dir).await?;
    let program = program_in(dir);
    if program.is_file() {
        Ok(program)
    } else {
        Err(format!("the TLS client is not at {} after building it", program.display()))
    }
}

/// Where the program is in `dir`.
fn program_in(dir: &Path) -> PathBuf {
    dir.join(format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX))
}

/// `cargo build -p cors-sandbox-tls` into the target directory `cors-sandbox` runs from, with its profile.
async fn build(here: &Path) -> Result<(), String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let how = format!(
        "https:// needs check's TLS client, {PROGRAM}, beside this program: build it with `cargo build -p {PACKAGE}` in the sandbox's folder (`cargo test` builds it too), or name it with {VARIABLE}=PATH"
    );
    let (Some(target), Some(profile)) = (here.parent(), here.file_name().and_then(|n| n.to_str())) else {
        return Err(how);
    };
    if !manifest.is_file() || !matches!(profile, "debug" | "release") {
        return Err(how);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("-p")
        .arg(PACKAGE)
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target);
    if profile == "release" {
        command.arg("--release");
    }
    // Cargo's progress goes to standard error, after find_or_build's sentence; standard output stays the verdict's.
    match command.stdout(Stdio::null()).status().await {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{how}. (cargo build -p {PACKAGE} ended with {status}.)")),
        Err(e) => Err(format!("{how}. (cargo could not be run: {e}.)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_programs_line_becomes_a_sentence_naming_the_origin() {
        let url = Url::parse("https://api.example:8443/data").unwrap();
        let cacert = Some("ca.pem".to_string());
        for (said, expected) in [
            (
                "connect: Connection refused (os error 111)",
                "cannot connect to https://api.example:8443: Connection refused (os error 111)",
            ),
            (
                "tls: invalid peer certificate: UnknownIssuer",
                "cannot make a TLS connection to https://api.example:8443: invalid peer certificate: UnknownIssuer. If its certificate is signed by your own authority, pass that certificate with --cacert FILE.",
            ),
            ("cacert: not PEM certificates (x)", "--cacert ca.pem: not PEM certificates (x)"),
            ("", "cannot connect to https://api.example:8443: the TLS client stopped without saying why"),
            ("Killed", "cannot connect to https://api.example:8443: the TLS client said \"Killed\""),
        ] {
            assert_eq!(sentence(&url, &cacert, said), expected, "{said:?}");
        }
    }

    #[test]
    fn a_cacert_is_read_before_anything_is_sent() {
        let missing = Tls::new(Some("/nonexistent.pem")).err().unwrap();
        assert!(missing.starts_with("--cacert /nonexistent.pem: cannot read it"), "{missing}");
        let not_pem = Tls::new(Some(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))).err().unwrap();
        assert!(not_pem.contains("no certificate in it"), "{not_pem}");
        assert!(Tls::new(Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tls/ca.pem"))).is_ok());
        assert!(Tls::new(None).is_ok());
    }
}
