//! The API's throughput with 0, 1, 20 and 50 tabs following the live feed, against a bare axum handler
//! answering the same JSON, measured in the same run.
//!
//! Run with `cargo bench --bench feeds`. The whole sandbox runs (`cors_sandbox::run_with`: the API,
//! the client site and the watcher that judges each exchange) on one Tokio worker thread, as in the `api`
//! bench; the load and the tabs run on another. Each tab is a connection to `/sandbox/events` that reads
//! everything it is sent and counts the `resync` events it gets — a tab that fell behind.
//!
//! The target (issue 8): the API keeps at least 85% of the bare handler's requests per second with 50
//! tabs open, and no `resync` with one tab at full load.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod support;
use support::hammer;

const ROUND: Duration = Duration::from_secs(1);
const ROUNDS: usize = 3;

fn main() {
    let servers =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let (bare, api, site) = servers.block_on(async {
        let bare = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let bare_port = bare.local_addr().expect("address").port();
        let app = Router::new().route("/api", get(|| async { Json("Hello") }));
        tokio::spawn(async move { axum::serve(bare, app).await.expect("serve") });
        let listeners = cors_sandbox::Listeners::loopback().await.expect("bind");
        let ports = (
            listeners.api.local_addr().expect("address").port(),
            listeners.client.local_addr().expect("address").port(),
        );
        tokio::spawn(async move {
            let forever = std::future::pending::<()>();
            let limits =
                cors_sandbox::Limits { shutdown_grace: Duration::from_secs(1), ..Default::default() };
            cors_sandbox::run_with(listeners, "127.0.0.1", limits, forever).await
        });
        (bare_port, ports.0, ports.1)
    });

    let load = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    load.block_on(async {
        hammer(bare, Duration::from_millis(300)).await;
        hammer(api, Duration::from_millis(300)).await;
        for tabs in [0, 1, 20, 50] {
            let resyncs = Arc::new(AtomicU64::new(0));
            let readers: Vec<_> = (0..tabs).map(|_| tokio::spawn(follow(site, Arc::clone(&resyncs)))).collect();
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut ratios = Vec::new();
            let mut rates = Vec::new();
            for _ in 0..ROUNDS {
                let b = hammer(bare, ROUND).await;
                let s = hammer(api, ROUND).await;
                ratios.push(s / b);
                rates.push(s);
            }
            for reader in readers {
                reader.abort();
            }
            ratios.sort_by(f64::total_cmp);
            rates.sort_by(f64::total_cmp);
            println!(
                "{tabs:>2} tabs: the API answers {:>7.0} req/s, {:.1}% of the bare handler's (median of {ROUNDS}); resync events: {}",
                rates[ROUNDS / 2],
                100.0 * ratios[ROUNDS / 2],
                resyncs.load(Ordering::Relaxed)
            );
        }
    });
}

/// One tab: follows `/sandbox/events` on the client site, reading everything, counting `resync` events.
async fn follow(site: u16, resyncs: Arc<AtomicU64>) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", site)).await else { return };
    let request = format!(
        "GET /sandbox/events HTTP/1.1\r\nHost: localhost:{site}\r\nAccept: text/event-stream\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    let mut buffer = vec![0; 64 * 1024];
    let needle = b"event: resync";
    let mut carry: Vec<u8> = Vec::new();
    while let Ok(n) = stream.read(&mut buffer).await {
        if n == 0 {
            return;
        }
        carry.extend_from_slice(&buffer[..n]);
        let found = carry.windows(needle.len()).filter(|w| *w == needle).count();
        resyncs.fetch_add(found as u64, Ordering::Relaxed);
        let keep = carry.len().min(needle.len() - 1);
        carry.drain(..carry.len() - keep);
    }
}
