//! The API's throughput against a bare axum handler answering the same JSON, measured in the same run.
//!
//! Run with `cargo bench --bench api`. The sandbox's API does more per request than a bare handler — it
//! reads the policy, writes its headers, records the exchange and announces it — and the target is to keep
//! at least 85% of the bare handler's requests per second.
//!
//! Both servers run on one Tokio worker thread and the load on another (the machine may have two cores),
//! over keep-alive HTTP/1.1 connections on loopback, with a minimal client that costs little next to the
//! servers. Rounds alternate between the two servers so that drift in the machine's speed affects both.
//!
//! On a shared machine the rounds vary; for a figure that does not, count instructions instead. With
//! `API_BENCH_ONLY=bare` or `=sandbox` the bench sends exactly `API_BENCH_REQUESTS` (default 20000) requests
//! to that one server over one connection and stops, so under
//! `valgrind --tool=callgrind target/release/deps/api-<hash>` the two totals compare the work per request.

use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;

mod support;
use support::{exchange, hammer};

const ROUND: Duration = Duration::from_secs(1);
const ROUNDS: usize = 7;

fn main() {
    let servers =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let (bare, sandbox) = servers.block_on(async {
        let bare = serve(Router::new().route("/api", get(|| async { Json("Hello") }))).await;
        let api = server::Api::default();
        // A live-feed subscriber, as when a tab has the page open: recording must not wait for it.
        let mut feed = api.log.subscribe();
        tokio::spawn(async move {
            while !matches!(feed.recv().await, Err(tokio::sync::broadcast::error::RecvError::Closed)) {}
        });
        let sandbox = serve(server::app(api)).await;
        (bare, sandbox)
    });

    let load = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    if let Ok(only) = std::env::var("API_BENCH_ONLY") {
        let requests =
            std::env::var("API_BENCH_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000);
        let port = if only == "bare" { bare } else { sandbox };
        load.block_on(exchange(port, requests, || false));
        println!("sent {requests} requests to the {only} server");
        return;
    }
    let mut ratios = Vec::new();
    load.block_on(async {
        // Warm both up once, unmeasured.
        hammer(bare, Duration::from_millis(300)).await;
        hammer(sandbox, Duration::from_millis(300)).await;
        for round in 1..=ROUNDS {
            let b = hammer(bare, ROUND).await;
            let s = hammer(sandbox, ROUND).await;
            println!(
                "round {round}: bare axum {b:>9.0} req/s, sandbox API {s:>9.0} req/s, ratio {:.1}%",
                100.0 * s / b
            );
            ratios.push(s / b);
        }
    });
    // The median round: a neighbour's burst of load on a shared machine moves one round, not the figure.
    ratios.sort_by(f64::total_cmp);
    println!(
        "median: the API keeps {:.1}% of a bare axum handler's throughput (target: at least 85%)",
        100.0 * ratios[ROUNDS / 2]
    );
}

async fn serve(app: Router) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    port
}
