//! Running a stack's export for real: where the installs live, starting each stack's code on a free port,
//! and sending it the probe as the browser would.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Client, Method};
use server::export::{Exchange, Probe, Sent};
use tokio::process::{Child, Command};

/// Sends the probe's preflight and actual request to `url`, as the browser would, and keeps what came back.
pub async fn exchange(http: &Client, url: &str, probe: &Probe) -> Exchange {
    let mut preflight = http
        .request(Method::OPTIONS, url)
        .header("Origin", &probe.origin)
        .header("Access-Control-Request-Method", &probe.method);
    if !probe.request_headers.is_empty() {
        preflight = preflight.header("Access-Control-Request-Headers", probe.request_headers.join(","));
    }
    let mut actual = http
        .request(Method::from_bytes(probe.method.as_bytes()).unwrap(), url)
        .header("Origin", &probe.origin);
    for (name, value) in &probe.headers {
        actual = actual.header(name, value);
    }
    if probe.credentials {
        actual = actual.header("Cookie", "sandbox_session=export-test");
    }
    let mut sent = Vec::new();
    for request in [preflight, actual] {
        // A stack that closes the connection with no answer (a panic nothing caught) sends status 0.
        let Ok(response) = request.send().await else {
            sent.push(Sent::status(0));
            continue;
        };
        let mut answer = Sent::status(response.status().as_u16());
        for (name, value) in response.headers() {
            answer.add(name.as_str(), value.to_str().unwrap_or_default());
        }
        sent.push(answer);
    }
    let actual = sent.pop().unwrap();
    Exchange { preflight: sent.pop().unwrap(), actual }
}

/// Where the stacks' installs live: `target/exports/`, beside the build.
pub fn exports_dir() -> PathBuf {
    // The test binary is target/<profile>/deps/api-…; target/ is three levels up.
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors().nth(3).expect("target/").join("exports")
}

/// The tower-http example `cargo test` built beside this test binary.
pub fn tower_example() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors().nth(2).expect("target/<profile>/").join("examples").join("tower_http_cors")
}

pub const NGINX: &str = "/usr/sbin/nginx";
/// Debian's Go, and the rs/cors its golang-github-rs-cors-dev puts in its GOPATH.
pub const GO: &str = "/usr/bin/go";
pub const GOPATH: &str = "/usr/share/gocode";
/// Debian's Caddy.
pub const CADDY: &str = "/usr/bin/caddy";

/// Whether the stacks' Python environment (`py/` in `dir`) has the package `module`.
fn python_has(dir: &Path, module: &str) -> bool {
    let Ok(versions) = std::fs::read_dir(dir.join("py/lib")) else { return false };
    versions.flatten().any(|v| v.path().join("site-packages").join(module).is_dir())
}

/// What is missing to run the stacks, in words, or nothing.
pub fn missing() -> Vec<String> {
    let dir = exports_dir();
    let mut missing = Vec::new();
    if !Path::new(NGINX).exists() {
        missing.push("nginx (apt-get install nginx)".to_owned());
    }
    if !dir.join("node/node_modules/cors").exists() || !dir.join("node/node_modules/express").exists() {
        missing.push(format!(
            "express and cors (npm install --prefix {} express@4 cors@2.8)",
            dir.join("node").display()
        ));
    }
    if !Path::new(CADDY).exists() {
        missing.push("Caddy (apt-get install caddy)".to_owned());
    }
    if !Path::new(GO).exists() || !Path::new(GOPATH).join("src/github.com/rs/cors").exists() {
        missing.push("Go and rs/cors (apt-get install golang-go golang-github-rs-cors-dev)".to_owned());
    }
    if !dir.join("fastify/node_modules/@fastify/cors").exists() {
        missing.push(format!(
            "Fastify and @fastify/cors (npm install --prefix {} fastify@5 @fastify/cors@11)",
            dir.join("fastify").display()
        ));
    }
    if !dir.join("hono/node_modules/@hono/node-server").exists() {
        missing.push(format!(
            "Hono and @hono/node-server (npm install --prefix {} hono@4 @hono/node-server@2)",
            dir.join("hono").display()
        ));
    }
    for (modules, what) in [
        (&["starlette", "uvicorn"][..], "Starlette and uvicorn"),
        (&["flask", "flask_cors"][..], "Flask and Flask-CORS"),
        (&["django", "corsheaders"][..], "Django and django-cors-headers"),
    ] {
        if !modules.iter().all(|m| python_has(&dir, m)) {
            missing.push(format!(
                "{what} (in the virtual environment {}, as .ci/run installs them)",
                dir.join("py").display()
            ));
        }
    }
    if !tower_example().exists() {
        missing.push("the tower_http_cors example (cargo build --examples)".to_owned());
    }
    missing
}

/// Whether the stacks can run here; if not, says so (and fails under `CI=true`, which must run them).
pub fn stacks_available() -> bool {
    let missing = missing();
    if missing.is_empty() {
        return true;
    }
    if let Err(failure) =
        crate::missing::missing(&missing.join(", "), ".ci/run installs the stacks the exports run in")
    {
        panic!("{failure}");
    }
    false
}

/// A free loopback port for a stack, never one this test binary handed out before: the stacks of a case
/// start side by side, and two of them given the same port would answer each other's requests.
///
/// The port is taken from just below the kernel's ephemeral range (`ip_local_port_range`), where `bind(0)`
/// never lands: the other tests' servers bind port 0 while a stack starts, and one of them taking the
/// port between this probe and the stack's own bind would answer the stack's requests (a fixed-answer
/// server's 404 for every route was seen once). Where the range cannot be read, any free port.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let below = ephemeral_low().map(|low| low.saturating_sub(8000).max(1025)..low);
    let mut given = GIVEN.lock().unwrap();
    if let Some(range) = below {
        // A start that differs per process, so that two test binaries at once rarely try the same ports.
        let span = u32::from(range.end - range.start);
        let offset = std::process::id() % span;
        for step in 0..span {
            let port = range.start + ((offset + step) % span) as u16;
            if !given.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                given.push(port);
                return port;
            }
        }
    }
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// The first port of the kernel's ephemeral range, on Linux.
fn ephemeral_low() -> Option<u16> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    range.split_whitespace().next()?.parse().ok().filter(|low| *low > 2048)
}

/// A running stack: killed when dropped.
pub struct Running {
    _child: Child,
    /// `http://127.0.0.1:PORT`.
    base: String,
    /// The endpoint's URL: `/api` on `base`.
    pub url: String,
    _dir: Option<TempDir>,
}

impl Running {
    /// Panics if the stack has exited: then whatever answered on its port was not it (a port taken by
    /// another program between its choice and the stack's bind).
    pub fn assert_alive(&mut self, what: &str) {
        if let Ok(Some(status)) = self._child.try_wait() {
            panic!(
                "{what} exited ({status}) while its port answered: another program took the port; run again"
            );
        }
    }

    /// The URL of `path` on this stack.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `command` (which listens on `port`) and waits until it accepts connections.
pub async fn start(mut command: Command, port: u16, what: &str, dir: Option<TempDir>) -> Running {
    command.stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    // Read its standard error as it comes (the error routes make stacks log tracebacks, and a full pipe
    // would stop them), keeping it for the message if it exits.
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let reader = child.stderr.take().map(|mut err| {
        let stderr = stderr.clone();
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                stderr.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    });
    for _ in 0..300 {
        if let Ok(Some(status)) = child.try_wait() {
            if let Some(reader) = reader {
                let _ = reader.await;
            }
            let stderr = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
            panic!("{what} exited ({status}) before it listened:\n{stderr}");
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            let base = format!("http://127.0.0.1:{port}");
            return Running { _child: child, url: format!("{base}/api"), base, _dir: dir };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not listen on port {port} within 15 s");
}

/// A fresh directory under target/exports/runs/.
pub fn temp_dir(name: &str) -> TempDir {
    let dir = exports_dir().join("runs").join(format!("{name}-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Runs one stack's code (or, for tower-http, the example's case) on a free port.
pub async fn run(stack: &str, case: &str, code: &str) -> Running {
    let port = free_port();
    let dir = exports_dir();
    match stack {
        "tower-http" => {
            let mut command = Command::new(tower_example());
            command.arg(case).env("PORT", port.to_string());
            // The example's case is the exported layer; the code says which way round the layers go.
            if code.contains("The mistake: CatchPanicLayer outside") {
                command.arg("panic-outside");
            } else if code.contains("The mistake: route_layer") {
                command.arg("route-layer");
            }
            start(command, port, "the tower-http example", None).await
        }
        "express" | "fastify" | "hono" => {
            // In the stack's own npm prefix, so that require() finds its node_modules.
            let prefix = dir.join(if stack == "express" { "node" } else { stack });
            let file = prefix.join(format!("{case}-{port}.js"));
            std::fs::write(&file, code).unwrap();
            let mut command = Command::new("node");
            command.arg(&file).current_dir(&prefix).env("PORT", port.to_string());
            let running = start(command, port, stack, None).await;
            let _ = std::fs::remove_file(&file);
            running
        }
        "starlette" | "flask" | "django" => {
            let tmp = temp_dir(case);
            let file = tmp.0.join("app.py");
            std::fs::write(&file, code).unwrap();
            let mut command = Command::new(dir.join("py/bin/python"));
            command.arg(&file).env("PORT", port.to_string());
            start(command, port, stack, Some(tmp)).await
        }
        "nginx" => {
            let tmp = temp_dir(case);
            let conf = code.replace("listen 127.0.0.1:8080;", &format!("listen 127.0.0.1:{port};"));
            assert_ne!(conf, code, "the nginx export listens on 127.0.0.1:8080");
            std::fs::write(tmp.0.join("cors.conf"), conf).unwrap();
            let p = tmp.0.display();
            // The export is a conf.d file; this is the nginx.conf around it, as Debian's includes conf.d/.
            let main = format!(
                "master_process off;\nerror_log stderr;\npid {p}/nginx.pid;\nevents {{}}\nhttp {{\n    access_log off;\n    client_body_temp_path {p}/body;\n    proxy_temp_path {p}/proxy;\n    fastcgi_temp_path {p}/fastcgi;\n    uwsgi_temp_path {p}/uwsgi;\n    scgi_temp_path {p}/scgi;\n    include {p}/cors.conf;\n}}\n"
            );
            std::fs::write(tmp.0.join("nginx.conf"), main).unwrap();
            let mut command = Command::new(NGINX);
            command
                .arg("-p")
                .arg(&tmp.0)
                .arg("-c")
                .arg(tmp.0.join("nginx.conf"))
                .arg("-e")
                .arg("stderr")
                .arg("-g")
                .arg("daemon off;");
            start(command, port, "nginx", Some(tmp)).await
        }
        "caddy" => {
            let tmp = temp_dir(case);
            let site = code.replace(":8080 {", &format!(":{port} {{"));
            assert_ne!(site, code, "the Caddy export listens on :8080");
            // The export is a site; the global options keep this Caddy's admin endpoint and state to itself.
            let file = tmp.0.join("Caddyfile");
            std::fs::write(&file, format!("{{\n\tadmin off\n}}\n\n{site}")).unwrap();
            let mut command = Command::new(CADDY);
            command
                .arg("run")
                .arg("--config")
                .arg(&file)
                .arg("--adapter")
                .arg("caddyfile")
                .env("HOME", &tmp.0)
                .env("XDG_DATA_HOME", tmp.0.join("data"))
                .env("XDG_CONFIG_HOME", tmp.0.join("config"));
            start(command, port, "caddy", Some(tmp)).await
        }
        "go" => {
            // Built offline in GOPATH mode against Debian's rs/cors, with a build cache beside the installs.
            let tmp = temp_dir(case);
            std::fs::write(tmp.0.join("main.go"), code).unwrap();
            let built = Command::new(GO)
                .args(["build", "-o", "app", "main.go"])
                .current_dir(&tmp.0)
                .env("GO111MODULE", "off")
                .env("GOPATH", GOPATH)
                .env("GOCACHE", dir.join("go-cache"))
                .output()
                .await
                .unwrap_or_else(|e| panic!("go build: {e}"));
            assert!(built.status.success(), "go build:\n{}", String::from_utf8_lossy(&built.stderr));
            let mut command = Command::new(tmp.0.join("app"));
            command.env("PORT", port.to_string());
            start(command, port, "the Go server", Some(tmp)).await
        }
        other => panic!("no runner for {other}"),
    }
}
