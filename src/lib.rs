//! # CORS Sandbox
//!
//! One process, three origins: the API (`server`, port 8000) whose CORS headers the learner controls,
//! the tutorial site (`client_site`, port 3000) whose `fetch()` the browser judges, and the other site
//! (`client_site::attacker`, port 4000), the attacker's.
//!
//! ## Layout
//!
//! - `src/main.rs`: the command line — flags, binding both ports, the start-up banner, Ctrl-C.
//! - `check` and `explain`: the `cors-sandbox check` and `cors-sandbox explain` commands.
//! - this file: [`run`], the entry point the binary and the tests share.
//! - `server/`: the API origin: its policy, the headers it writes, the exchanges it records.
//! - `client-site/`: the learner's origin: the page, the controls, the live feed, the browser model.
//! - `templates/` and `static/`: the page's HTML, JavaScript, CSS and icon, embedded in the binary.

pub mod check;
pub mod explain;

use std::future::Future;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How long in-flight requests get to finish once shutdown starts, by default.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(800);

/// How long a client may take to send a request's headers, by default. A slow or stalled client
/// (slowloris: a header byte a second) is disconnected after it, and the others are served as usual.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The time limits the servers keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How long in-flight requests get to finish once shutdown starts.
    pub shutdown_grace: Duration,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { shutdown_grace: SHUTDOWN_GRACE, header_read_timeout: HEADER_READ_TIMEOUT }
    }
}

/// How [`run`] ended once shutdown started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection closed within the grace period: open live feeds were ended, not waited for.
    Drained,
    /// The grace period ran out with requests still open; the wait for them stopped (they end with the
    /// process).
    GraceExpired,
}

/// The three origins' listeners, bound by the caller (so that a busy port stops the program before
/// anything serves, and tests can bind port 0).
#[derive(Debug)]
pub struct Listeners {
    /// The API (port 8000 by default).
    pub api: TcpListener,
    /// The tutorial and the lab (port 3000 by default).
    pub client: TcpListener,
    /// The other site, the attacker's (port 4000 by default).
    pub attacker: TcpListener,
}

impl Listeners {
    /// Three listeners on loopback ports the system chooses, for tests and benchmarks.
    pub async fn loopback() -> std::io::Result<Listeners> {
        Ok(Listeners {
            api: TcpListener::bind("127.0.0.1:0").await?,
            client: TcpListener::bind("127.0.0.1:0").await?,
            attacker: TcpListener::bind("127.0.0.1:0").await?,
        })
    }
}

/// Serves the three origins until `shutdown` completes, then stops them within [`SHUTDOWN_GRACE`] —
/// open live feeds included.
///
/// `host` is the `--host` the sandbox was started with: the client site accepts it in `Host` besides
/// the loopback names.
pub async fn run(
    listeners: Listeners,
    host: &str,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<Stopped> {
    run_with(listeners, host, Limits::default(), shutdown).await
}

/// [`run`] with the time limits given. A long grace period lets a test tell "the feeds were ended" from
/// "the grace period cut them off": only the first gives [`Stopped::Drained`].
pub async fn run_with(
    listeners: Listeners,
    host: &str,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<Stopped> {
    let Listeners { api: api_listener, client: client_listener, attacker: attacker_listener } = listeners;
    let config = client_site::SiteConfig {
        api_port: api_listener.local_addr()?.port(),
        client_port: client_listener.local_addr()?.port(),
        attacker_port: attacker_listener.local_addr()?.port(),
        host: host.to_owned(),
    };
    let stopping = CancellationToken::new();
    let api = server::Api::default();
    let site = client_site::Site::new(config, api.clone(), stopping.clone());
    client_site::watcher::spawn(site.clone());

    let api_server = serve(api_listener, server::app(api), limits.header_read_timeout, stopping.clone());
    let attacker_server = serve(
        attacker_listener,
        client_site::attacker::app(site.clone()),
        limits.header_read_timeout,
        stopping.clone(),
    );
    let client_server =
        serve(client_listener, client_site::app(site), limits.header_read_timeout, stopping.clone());
    // The servers serve until `stopping` is cancelled, so they are polled while shutdown is awaited.
    let servers = async { tokio::join!(api_server, client_server, attacker_server) };
    tokio::pin!(servers);
    tokio::select! {
        // Never before `stopping` is cancelled; should it happen, every connection has closed.
        _ = &mut servers => return Ok(Stopped::Drained),
        () = shutdown => {}
    }
    // Cancelling ends the live feeds (SSE), which graceful shutdown would otherwise wait on for ever
    // (axum #2673); the timeout bounds whatever else is still in flight.
    stopping.cancel();
    match tokio::time::timeout(limits.shutdown_grace, servers).await {
        Ok(_) => Ok(Stopped::Drained),
        Err(_elapsed) => Ok(Stopped::GraceExpired),
    }
}

/// Serves `app` on `listener`, one HTTP/1.1 connection per task, until `stopping` is cancelled; then
/// waits for the open connections to finish (the caller bounds that wait).
///
/// What `axum::serve` does, plus a header-read timeout: a client that takes longer than
/// `header_read_timeout` to send a request's headers is disconnected.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    header_read_timeout: Duration,
    stopping: CancellationToken,
) {
    let connections = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            () = stopping.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted: wait a little
                // and go on accepting, as axum::serve does.
                Err(e) => {
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("a connection ended with an error: {e}");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}
