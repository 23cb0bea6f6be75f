//! # CORS Sandbox
//!
//! One process, two origins: the API (`server`, port 8000) whose CORS headers the learner controls, and
//! the tutorial site (`client_site`, port 3000) whose `fetch()` the browser judges.
//!
//! ## Layout
//!
//! - `src/main.rs`: the command line — flags, binding both ports, the start-up banner, Ctrl-C.
//! - this file: [`run`], the entry point the binary and the tests share.
//! - `server/`: the API origin: its policy, the headers it writes, the exchanges it records.
//! - `client-site/`: the learner's origin: the page, the controls, the live feed, the browser model.
//! - `templates/` and `static/`: the page's HTML, JavaScript, CSS and icon, embedded in the binary.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How long in-flight requests get to finish once shutdown starts, by default.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(800);

/// How [`run`] ended once shutdown started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection closed within the grace period: open live feeds were ended, not waited for.
    Drained,
    /// The grace period ran out with requests still open; they were dropped.
    GraceExpired,
}

/// Serves the API on `api_listener` and the tutorial site on `client_listener` until `shutdown`
/// completes, then stops both within [`SHUTDOWN_GRACE`] — open live feeds included.
///
/// `host` is the `--host` the sandbox was started with: the client site accepts it in `Host` besides
/// the loopback names. Both listeners are bound by the caller, so tests can bind port 0.
pub async fn run(
    api_listener: TcpListener,
    client_listener: TcpListener,
    host: &str,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<Stopped> {
    run_with_grace(api_listener, client_listener, host, SHUTDOWN_GRACE, shutdown).await
}

/// [`run`] with another grace period. A long one lets a test tell "the feeds were ended" from "the
/// grace period cut them off": only the first gives [`Stopped::Drained`].
pub async fn run_with_grace(
    api_listener: TcpListener,
    client_listener: TcpListener,
    host: &str,
    grace: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<Stopped> {
    let config = client_site::SiteConfig {
        api_port: api_listener.local_addr()?.port(),
        client_port: client_listener.local_addr()?.port(),
        host: host.to_owned(),
    };
    let stopping = CancellationToken::new();
    let api = server::Api::default();
    let site = client_site::Site::new(config, api.clone(), stopping.clone());
    client_site::watcher::spawn(site.clone());

    let api_server = axum::serve(api_listener, server::app(api))
        .with_graceful_shutdown(stopping.clone().cancelled_owned());
    let client_server = axum::serve(client_listener, client_site::app(site))
        .with_graceful_shutdown(stopping.clone().cancelled_owned());
    let servers = async { tokio::try_join!(api_server.into_future(), client_server.into_future()) };
    tokio::pin!(servers);

    tokio::select! {
        result = &mut servers => result.map(|_| Stopped::Drained),
        () = shutdown => {
            // Cancelling ends the live feeds (SSE), which graceful shutdown would otherwise wait on for
            // ever (axum #2673); the timeout bounds whatever else is still in flight.
            stopping.cancel();
            match tokio::time::timeout(grace, servers).await {
                Ok(result) => result.map(|_| Stopped::Drained),
                Err(_elapsed) => Ok(Stopped::GraceExpired),
            }
        }
    }
}
