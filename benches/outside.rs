//! The real `cors-sandbox` binary measured from outside, as issue 8's table measures it: start-up,
//! memory, and how fast a policy change reaches 1, 100 and 1,000 open tabs — with every figure beside a
//! baseline from the same run (a bare axum server started the same way, or the idle sandbox).
//!
//! Run with `cargo bench --bench outside` (about a minute; `OUTSIDE_REQUESTS` sets the long run's
//! request count, a million by default). The load and the tabs run in this process, the sandbox in its
//! own, on loopback.

use std::time::{Duration, Instant};

use axum::routing::get;
use axum::{Json, Router};
use tokio::io::AsyncWriteExt;

#[path = "support/binary.rs"]
mod binary;
#[allow(dead_code)] // the in-process benches' `hammer` is not used here
mod support;

use binary::{Arrivals, Sandbox, percentile, raise_open_files_limit, request, tab};

/// Policy changes per fan-out measurement.
const CHANGES: usize = 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--bare-server") {
        return bare_server(args[at + 1].parse().expect("port"), args[at + 2].parse().expect("port"));
    }
    raise_open_files_limit();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    runtime.block_on(measure());
}

/// The baseline: two bare axum servers answering `"Hello"`, in a process of their own, as the sandbox.
fn bare_server(api: u16, site: u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let app = Router::new().route("/api", get(|| async { Json("Hello") }));
        let a = tokio::net::TcpListener::bind(("127.0.0.1", api)).await.expect("bind");
        let s = tokio::net::TcpListener::bind(("127.0.0.1", site)).await.expect("bind");
        let other = app.clone();
        tokio::spawn(async move { axum::serve(s, other).await });
        axum::serve(a, app).await.expect("serve");
    });
}

async fn start_bare() -> (std::process::Child, u16, Duration) {
    let (api, site) = (binary::free_port(), binary::free_port());
    let started = Instant::now();
    let child = std::process::Command::new(std::env::current_exe().expect("this bench"))
        .args(["--bare-server", &api.to_string(), &site.to_string()])
        .spawn()
        .expect("start the bare server");
    binary::wait_accepting(api).await;
    binary::wait_accepting(site).await;
    (child, api, started.elapsed())
}

async fn measure() {
    // Start-up: spawn to both ports accepting, median of 7, against the bare server started the same way.
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    let mut bare_idle = 0;
    for _ in 0..7 {
        let (mut child, port, took) = start_bare().await;
        bare.push(took);
        request(port, "GET", "/api", None).await;
        bare_idle = binary::rss_kib(child.id());
        let _ = child.kill();
        let _ = child.wait();
        let (_sandbox, took) = Sandbox::start().await;
        ours.push(took);
    }
    let (ours, bare) = (percentile(&mut ours, 50.0), percentile(&mut bare, 50.0));
    println!(
        "start-up, spawn to both ports accepting (median of 7): the sandbox {:.1} ms, the bare server {:.1} ms ({:.2}×)",
        ms(ours),
        ms(bare),
        ours.as_secs_f64() / bare.as_secs_f64()
    );

    let (sandbox, _) = Sandbox::start().await;
    request(sandbox.api, "GET", "/api", None).await;
    request(sandbox.site, "GET", "/", None).await;
    let idle = sandbox.rss_kib();
    println!("memory idle: the sandbox {} KiB, the bare server {} KiB", idle, bare_idle);

    // Fan-out: a change's arrival in every tab.
    let mut version = 1;
    for tabs in [1, 100, 1000] {
        let arrivals = Arrivals::default();
        let readers: Vec<_> =
            (0..tabs).map(|_| tokio::spawn(tab(sandbox.site, arrivals.clone(), true))).collect();
        wait_for(&arrivals, version, tabs).await;
        let rss = sandbox.rss_kib();
        let mut latencies = Vec::new();
        // CPU time counts in ticks (10 ms here): over twenty changes it is still a fair average.
        let cpu_before = binary::cpu_time(sandbox.child.id());
        for change in 0..CHANGES {
            version += 1;
            let sent = Instant::now();
            let body = if change % 2 == 0 {
                r#"{"allow_origin": "*"}"#
            } else {
                r#"{"allow_origin": "https://yoursite.com"}"#
            };
            assert_eq!(sandbox.patch(body).await, 200, "the policy change was refused");
            wait_for(&arrivals, version, tabs).await;
            latencies.extend(arrivals.latencies(version, sent));
        }
        let cpu = binary::cpu_time(sandbox.child.id()) - cpu_before;
        for reader in readers {
            reader.abort();
        }
        println!(
            "{tabs:>4} tabs: a policy change reaches them in p50 {:.2} ms, p99 {:.2} ms ({} arrivals); memory {} KiB, {:.1} KiB a tab over idle; the sandbox's CPU per change {:.2} ms",
            ms(percentile(&mut latencies, 50.0)),
            ms(percentile(&mut latencies, 99.0)),
            latencies.len(),
            rss,
            (rss.saturating_sub(idle)) as f64 / tabs as f64,
            ms(cpu) / CHANGES as f64
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // 1,000 tabs, 100 of which never read, while the API is under load.
    let arrivals = Arrivals::default();
    let mut tabs: Vec<_> =
        (0..900).map(|_| tokio::spawn(tab(sandbox.site, arrivals.clone(), true))).collect();
    tabs.extend((0..100).map(|_| tokio::spawn(tab(sandbox.site, Arrivals::default(), false))));
    wait_for(&arrivals, version, 900).await;
    let stop_load = Instant::now() + Duration::from_secs(5);
    let load: Vec<_> = (0..support::CONNECTIONS)
        .map(|_| tokio::spawn(support::exchange(sandbox.api, u64::MAX, move || Instant::now() >= stop_load)))
        .collect();
    let mut latencies = Vec::new();
    for change in 0..CHANGES {
        tokio::time::sleep(Duration::from_millis(100)).await;
        version += 1;
        let sent = Instant::now();
        let body = if change % 2 == 0 {
            r#"{"allow_origin": "*"}"#
        } else {
            r#"{"allow_origin": "https://yoursite.com"}"#
        };
        assert_eq!(sandbox.patch(body).await, 200);
        wait_for(&arrivals, version, 900).await;
        latencies.extend(arrivals.latencies(version, sent));
    }
    let rss = sandbox.rss_kib();
    let mut answered = 0;
    for task in load {
        answered += task.await.expect("load");
    }
    println!(
        "1000 tabs, 100 never reading, under load ({answered} requests): the 900 readers get a change in p50 {:.2} ms, p99 {:.2} ms; memory {} KiB",
        ms(percentile(&mut latencies, 50.0)),
        ms(percentile(&mut latencies, 99.0)),
        rss
    );
    for t in tabs {
        t.abort();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A long run of requests: memory after it.
    let total: u64 = std::env::var("OUTSIDE_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let each = total / support::CONNECTIONS as u64;
    let started = Instant::now();
    let load: Vec<_> = (0..support::CONNECTIONS)
        .map(|_| tokio::spawn(support::exchange(sandbox.api, each, || false)))
        .collect();
    let mut answered = 0;
    for task in load {
        answered += task.await.expect("load");
    }
    println!(
        "after {answered} requests ({:.0} req/s): memory {} KiB ({:.2}× idle)",
        answered as f64 / started.elapsed().as_secs_f64(),
        sandbox.rss_kib(),
        sandbox.rss_kib() as f64 / idle as f64
    );

    // Hostile headers: 200 requests with 300 KB of headers each.
    let pad = "h".repeat(10_000);
    for _ in 0..200 {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", sandbox.api)).await.expect("connect");
        let mut head =
            format!("GET /api HTTP/1.1\r\nHost: localhost:{}\r\nOrigin: http://localhost:1\r\n", sandbox.api);
        for i in 0..30 {
            head.push_str(&format!("X-Pad-{i}: {pad}\r\n"));
        }
        head.push_str("Connection: close\r\n\r\n");
        let _ = stream.write_all(head.as_bytes()).await;
        let mut reader = tokio::io::BufReader::new(stream);
        let _ = binary::read_response(&mut reader).await;
    }
    let after_hostile = sandbox.rss_kib();
    let (_, _, log) = request(sandbox.site, "GET", "/sandbox/log", None).await;
    let reads: Vec<_> =
        (0..5).map(|_| tokio::spawn(request(sandbox.site, "GET", "/sandbox/log", None))).collect();
    for read in reads {
        read.await.expect("read");
    }
    println!(
        "after 200 requests with 300 KB of headers each: memory {after_hostile} KiB; GET /sandbox/log answers {} KiB; after five parallel reads {} KiB",
        log.len() / 1024,
        sandbox.rss_kib()
    );

    // Ctrl-C with 300 tabs open.
    let arrivals = Arrivals::default();
    let tabs: Vec<_> = (0..300).map(|_| tokio::spawn(tab(sandbox.site, arrivals.clone(), true))).collect();
    wait_for(&arrivals, version, 300).await;
    let (took, clean) = sandbox.stop();
    println!(
        "SIGINT with 300 tabs open: exited in {:.1} ms, {}",
        ms(took),
        if clean { "status 0" } else { "NOT status 0" }
    );
    for t in tabs {
        t.abort();
    }
}

/// Waits until `tabs` tabs have received policy `version` (at most 10 s).
async fn wait_for(arrivals: &Arrivals, version: u64, tabs: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while arrivals.count(version) < tabs {
        assert!(
            Instant::now() < deadline,
            "only {} of {tabs} tabs got version {version}",
            arrivals.count(version)
        );
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
