//! The soak test: the real binary under sustained load while its policy flips about a hundred times a
//! second and hundreds of tabs follow the live feed, some of them never reading. Not part of
//! `cargo test`: run it with `cargo bench --bench soak` (60 s; `SOAK_SECS` changes it). Loopback only.
//!
//! It checks, and exits 1 when any fails: no 5xx answer; every answer's CORS headers from exactly one
//! policy version (every answer is checked, not a sample); memory flat (the last ten seconds' peak within
//! 1.25× of the ten after warm-up); every reading tab ends on the final policy; a clean exit on SIGINT.
//! It also prints the throughput against the same load with no tab open and no change, measured first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[path = "support/binary.rs"]
mod binary;

use binary::{Arrivals, Sandbox, raise_open_files_limit, request, tab};

/// The two policies the soak flips between: every header differs, so a mix is seen at once.
const POLICIES: [(&str, [&str; 3]); 2] = [
    (
        r#"{"allow_origin": "https://a.example", "expose_headers": "X-A", "vary": "Origin, A"}"#,
        ["https://a.example", "X-A", "Origin, A"],
    ),
    (
        r#"{"allow_origin": "https://b.example", "expose_headers": "X-B", "vary": "Origin, B"}"#,
        ["https://b.example", "X-B", "Origin, B"],
    ),
];
const READING_TABS: usize = 270;
const SILENT_TABS: usize = 30;
const CONNECTIONS: usize = 8;

#[derive(Default)]
struct Tally {
    answered: AtomicU64,
    server_errors: AtomicU64,
    mixed: AtomicU64,
}

fn main() {
    raise_open_files_limit();
    let secs: u64 = std::env::var("SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let passed = runtime.block_on(soak(Duration::from_secs(secs.max(25))));
    std::process::exit(if passed { 0 } else { 1 });
}

async fn soak(how_long: Duration) -> bool {
    let (sandbox, _) = Sandbox::start().await;
    let mut version = 1;
    let (status, _, _) = request(sandbox.site, "PUT", "/sandbox/policy", Some(POLICIES[0].0)).await;
    assert_eq!(status, 200, "the first policy was refused");
    version += 1;

    // The baseline: the same load for 5 s, no tab open, no change.
    let quiet = Arc::new(Tally::default());
    let (started, cpu_before) = (Instant::now(), binary::cpu_time(sandbox.child.id()));
    run_load(sandbox.api, Instant::now() + Duration::from_secs(5), Arc::clone(&quiet)).await;
    let baseline = quiet.answered.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    let baseline_cpu = (binary::cpu_time(sandbox.child.id()) - cpu_before).as_secs_f64() * 1e6
        / quiet.answered.load(Ordering::Relaxed).max(1) as f64;

    let arrivals = Arrivals::default();
    let mut tabs: Vec<_> =
        (0..READING_TABS).map(|_| tokio::spawn(tab(sandbox.site, arrivals.clone(), true))).collect();
    tabs.extend((0..SILENT_TABS).map(|_| tokio::spawn(tab(sandbox.site, Arrivals::default(), false))));
    tokio::time::sleep(Duration::from_millis(500)).await;

    let tally = Arc::new(Tally::default());
    let until = Instant::now() + how_long;
    let (started, cpu_before) = (Instant::now(), binary::cpu_time(sandbox.child.id()));
    let load = tokio::spawn(run_load(sandbox.api, until, Arc::clone(&tally)));
    // The flips: one every 10 ms, each a whole new policy (`PUT`), as a script or a fast learner sends.
    let flipping = Arc::new(AtomicBool::new(true));
    let flips = {
        let (site, flipping) = (sandbox.site, Arc::clone(&flipping));
        tokio::spawn(async move {
            let mut changes = 0u64;
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            while flipping.load(Ordering::Relaxed) {
                tick.tick().await;
                let (body, _) = POLICIES[(changes as usize + 1) % 2];
                let (status, _, _) = request(site, "PUT", "/sandbox/policy", Some(body)).await;
                assert_eq!(status, 200, "a policy change was refused");
                changes += 1;
            }
            changes
        })
    };
    let mut memory = Vec::new();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        memory.push(sandbox.rss_kib());
    }
    flipping.store(false, Ordering::Relaxed);
    let changes = flips.await.expect("flips");
    load.await.expect("load");
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = (binary::cpu_time(sandbox.child.id()) - cpu_before).as_secs_f64() * 1e6;
    version += changes;

    // Every reading tab ends on the final policy, within a second.
    let deadline = Instant::now() + Duration::from_secs(1);
    while arrivals.count(version) < READING_TABS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let on_final = arrivals.count(version);
    let (exit_took, clean) = sandbox.stop();
    for t in tabs {
        t.abort();
    }

    let answered = tally.answered.load(Ordering::Relaxed);
    let rate = answered as f64 / elapsed;
    let early = memory.iter().skip(5).take(10).max().copied().unwrap_or(0);
    let late = memory.iter().rev().take(10).max().copied().unwrap_or(0);
    println!(
        "soak: {:.0} s, {answered} answers, {changes} policy changes ({:.0}/s), {READING_TABS} reading tabs and {SILENT_TABS} that never read",
        elapsed,
        changes as f64 / elapsed
    );
    println!(
        "throughput: {rate:.0} req/s, {:.2}× the same load with no tab and no change ({baseline:.0} req/s)",
        rate / baseline
    );
    println!(
        "the sandbox's CPU time per answer: {:.1} µs, against {baseline_cpu:.1} µs with no tab and no change ({:.2}×; it includes the tabs' feeds and the changes)",
        cpu / answered.max(1) as f64,
        cpu / answered.max(1) as f64 / baseline_cpu
    );
    println!(
        "memory: {} KiB to {} KiB over the run; peak after warm-up {early} KiB, in the last ten seconds {late} KiB",
        memory.iter().min().unwrap_or(&0),
        memory.iter().max().unwrap_or(&0)
    );
    let checks = [
        (
            "no 5xx answer",
            tally.server_errors.load(Ordering::Relaxed) == 0,
            format!("{} 5xx", tally.server_errors.load(Ordering::Relaxed)),
        ),
        (
            "every answer's CORS headers from one policy version",
            tally.mixed.load(Ordering::Relaxed) == 0,
            format!("{} mixed", tally.mixed.load(Ordering::Relaxed)),
        ),
        ("memory flat", late as f64 <= early as f64 * 1.25, format!("{early} KiB then {late} KiB")),
        (
            "every reading tab ends on the final policy",
            on_final == READING_TABS,
            format!("{on_final} of {READING_TABS} on version {version}"),
        ),
        ("a clean exit on SIGINT", clean, format!("in {:.1} ms", exit_took.as_secs_f64() * 1000.0)),
    ];
    let mut passed = true;
    for (what, ok, detail) in checks {
        println!("{} {what} ({detail})", if ok { "PASS" } else { "FAIL" });
        passed &= ok;
    }
    passed
}

/// `CONNECTIONS` keep-alive connections sending the page's `GET /api` until `until`, checking each answer.
async fn run_load(api: u16, until: Instant, tally: Arc<Tally>) {
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let tally = Arc::clone(&tally);
            tokio::spawn(async move {
                let stream = TcpStream::connect(("127.0.0.1", api)).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let mut stream = BufReader::new(stream);
                let request = format!(
                    "GET /api HTTP/1.1\r\nHost: localhost:{api}\r\nOrigin: http://localhost:3000\r\nSec-Fetch-Mode: cors\r\n\r\n"
                );
                while Instant::now() < until {
                    stream.get_mut().write_all(request.as_bytes()).await.expect("write");
                    let (status, headers, _) = binary::read_response(&mut stream).await.expect("an answer");
                    tally.answered.fetch_add(1, Ordering::Relaxed);
                    if status >= 500 {
                        tally.server_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
                    let seen = [
                        get("access-control-allow-origin"),
                        get("access-control-expose-headers"),
                        get("vary"),
                    ];
                    if !POLICIES.iter().any(|(_, lines)| lines.iter().zip(&seen).all(|(l, s)| Some(*l) == *s)) {
                        tally.mixed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("load");
    }
}
