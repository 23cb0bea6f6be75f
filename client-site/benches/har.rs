//! The HAR judge on a generated HAR of 5,000 entries (about 50 MB), against `serde_json` merely parsing
//! the same bytes, in the same run; and its peak memory against the file's size.
//!
//! Run with `cargo bench -p client-site --bench har`. The targets (issue 17): judging takes at most twice
//! the time `serde_json::from_slice::<Value>` takes to parse the file, and the heap peaks under three times
//! the file's size (the file's own bytes included). Both are ratios measured in one run, so they mean the
//! same on a fast and a slow machine; the bench prints them and says whether they are met.
//!
//! The file is a DevTools session as Chromium exports it: a page, then fetches of every kind the judge
//! meets — allowed, blocked for a missing `Access-Control-Allow-Origin`, a `PUT` with its preflight, a
//! redirect followed to another origin, a request refused by its preflight, same-origin ones, images — each
//! with a browser's header lines and a JSON body of about 10 KB (bodies are most of a real HAR's size).
//! Peak memory is counted by a global allocator that keeps the largest number of bytes allocated at once.
//! `HAR_BENCH_WRITE=FILE` also writes the generated HAR, to run `cors-sandbox check --har FILE` on it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use client_site::har::{Options, judge};
use serde_json::{Value, json};

/// Counts the bytes allocated now and the most at once since the last [`Counting::reset_peak`].
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the counters only add and compare.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(pointer, layout) };
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

impl Counting {
    fn reset_peak() {
        PEAK.store(NOW.load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ENTRIES: usize = 5_000;
const PAGE: &str = "https://app.example.com";
const API: &str = "https://api.example.net";
const ROUNDS: usize = 5;

fn main() {
    let bytes = generated_har();
    let size = bytes.len();
    // `HAR_BENCH_WRITE=FILE` keeps the generated file, to time the binary on it from outside.
    if let Some(path) = std::env::var_os("HAR_BENCH_WRITE") {
        std::fs::write(&path, &bytes).expect("write the HAR");
    }
    println!("HAR judge, a generated DevTools export: {ENTRIES} entries, {:.1} MB", size as f64 / 1e6);

    // Warm up both, then alternate them so that a busy moment of the machine falls on both alike.
    black_box(serde_json::from_slice::<Value>(&bytes).expect("JSON"));
    black_box(judge(&bytes, &Options::default()).expect("a HAR"));
    let (mut parse, mut validate, mut judged, mut printed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        parse.push(time(|| drop(black_box(serde_json::from_slice::<Value>(&bytes).expect("JSON")))));
        validate.push(time(|| {
            black_box(serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).expect("JSON"));
        }));
        judged.push(time(|| drop(black_box(judge(&bytes, &Options::default()).expect("a HAR")))));
        printed.push(time(|| {
            black_box(judge(&bytes, &Options::default()).expect("a HAR").to_json().to_string());
        }));
    }
    let (parse, validate, judged, printed) =
        (median(parse), median(validate), median(judged), median(printed));

    let before = NOW.load(Ordering::Relaxed);
    Counting::reset_peak();
    let report = judge(&bytes, &Options::default()).expect("a HAR");
    let judge_peak = PEAK.load(Ordering::Relaxed) - before;
    let summary = report.summary();
    drop(report);
    Counting::reset_peak();
    black_box(serde_json::from_slice::<Value>(&bytes).expect("JSON"));
    let parse_peak = PEAK.load(Ordering::Relaxed) - before;

    // The file's own bytes are held throughout: counted in, as a process judging it would hold them.
    let memory = (size + judge_peak) as f64 / size as f64;
    let time_ratio = judged.as_secs_f64() / parse.as_secs_f64();
    println!(
        "  judged: {} requests ({} blocked, {} same-origin), {} entries not judged",
        summary.requests,
        summary.blocked,
        summary.same_origin,
        summary.skipped.values().sum::<usize>()
    );
    println!("  serde_json::from_slice::<Value>:       {:>8.1} ms", ms(parse));
    println!("  serde_json::from_slice::<IgnoredAny>:  {:>8.1} ms (validation alone)", ms(validate));
    println!("  har::judge (parse and judge):          {:>8.1} ms", ms(judged));
    println!("  har::judge, then its JSON as --json prints it: {:>5.1} ms", ms(printed));
    println!("  time: judge / parse = {time_ratio:.2} (target at most 2.00): {}", verdict(time_ratio <= 2.0));
    println!(
        "  heap: file {:.1} MB + judge's peak {:.1} MB = {memory:.2} × the file (target under 3.00): {}",
        size as f64 / 1e6,
        judge_peak as f64 / 1e6,
        verdict(memory < 3.0)
    );
    println!("  (serde_json's Value of the same file peaks at {:.1} MB)", parse_peak as f64 / 1e6);
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT MET" }
}

fn time(run: impl FnOnce()) -> Duration {
    let started = Instant::now();
    run();
    started.elapsed()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A header list as DevTools writes it.
fn headers(lines: &[(&str, &str)]) -> Value {
    lines.iter().map(|(n, v)| json!({"name": n, "value": v})).collect()
}

/// A JSON answer of about 10 KB, escaped inside the HAR as real bodies are.
fn body(i: usize) -> String {
    let items: Vec<Value> = (0..125)
        .map(|k| json!({"id": i * 100 + k, "name": format!("item {k} of request {i}"), "tags": ["a", "b"], "price": 12.5}))
        .collect();
    json!({"items": items, "next": format!("/items?page={}", i + 1)}).to_string()
}

fn chromium_request(method: &str, url: &str, origin: Option<&str>, extra: &[(&str, &str)]) -> Value {
    let mut lines = vec![
        ("Accept", "application/json"),
        ("Accept-Encoding", "gzip, deflate, br, zstd"),
        ("Accept-Language", "en-US,en;q=0.9"),
        ("Connection", "keep-alive"),
        ("Host", "api.example.net"),
        ("Referer", "https://app.example.com/"),
        ("Sec-Fetch-Dest", "empty"),
        ("Sec-Fetch-Mode", "cors"),
        ("Sec-Fetch-Site", "cross-site"),
        (
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
        ),
        ("sec-ch-ua", "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\""),
        ("sec-ch-ua-mobile", "?0"),
        ("sec-ch-ua-platform", "\"Linux\""),
    ];
    lines.extend(origin.map(|o| ("Origin", o)));
    lines.extend_from_slice(extra);
    json!({"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": headers(&lines), "queryString": [], "cookies": [], "headersSize": 600, "bodySize": 0})
}

fn entry(
    kind: &str,
    request: Value,
    status: u16,
    response: &[(&str, &str)],
    text: String,
    error: Option<&str>,
) -> Value {
    let mut lines = vec![
        ("Content-Type", "application/json"),
        ("Date", "Sat, 05 Dec 2026 17:03:37 GMT"),
        ("Server", "bench/1"),
        ("Cache-Control", "no-store"),
    ];
    lines.extend_from_slice(response);
    json!({
        "_initiator": {"type": "script"}, "_priority": "High", "_resourceType": kind, "cache": {},
        "request": request,
        "response": {
            "status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": headers(&lines), "cookies": [],
            "content": {"size": text.len(), "mimeType": "application/json", "text": text},
            "redirectURL": "", "headersSize": 200, "bodySize": 10_000, "_error": error,
        },
        "serverIPAddress": "203.0.113.7", "startedDateTime": "2026-12-05T17:03:37.305Z", "time": 12.5,
        "timings": {"blocked": 1.0, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 10.0, "receive": 1.4},
        "pageref": "page_1",
    })
}

/// The generated export: one page, then a repeating mix of fetches (a cycle of ten kinds).
fn generated_har() -> Vec<u8> {
    let mut entries = vec![entry(
        "document",
        json!({"method": "GET", "url": format!("{PAGE}/"), "headers": headers(&[("Sec-Fetch-Mode", "navigate")])}),
        200,
        &[],
        "<!doctype html>".into(),
        None,
    )];
    let allow = [("Access-Control-Allow-Origin", PAGE), ("Vary", "Origin")];
    let mut i = 0;
    while entries.len() < ENTRIES {
        let url = format!("{API}/items/{i}");
        let next = match i % 10 {
            0..=2 => vec![entry(
                "fetch",
                chromium_request("GET", &url, Some(PAGE), &[]),
                200,
                &allow,
                body(i),
                None,
            )],
            3 => vec![entry(
                "fetch",
                chromium_request("GET", &url, Some(PAGE), &[]),
                200,
                &[],
                body(i),
                Some("net::ERR_FAILED"),
            )],
            4 => vec![
                entry(
                    "fetch",
                    chromium_request("PUT", &url, Some(PAGE), &[("Content-Type", "application/json")]),
                    200,
                    &allow,
                    body(i),
                    None,
                ),
                entry(
                    "preflight",
                    chromium_request(
                        "OPTIONS",
                        &url,
                        Some(PAGE),
                        &[
                            ("Access-Control-Request-Method", "PUT"),
                            ("Access-Control-Request-Headers", "content-type"),
                        ],
                    ),
                    204,
                    &[
                        ("Access-Control-Allow-Origin", PAGE),
                        ("Access-Control-Allow-Methods", "GET, PUT"),
                        ("Access-Control-Allow-Headers", "Content-Type"),
                        ("Access-Control-Max-Age", "0"),
                    ],
                    String::new(),
                    None,
                ),
            ],
            6 => {
                let target = format!("https://cdn.example.org/items/{i}");
                let mut hop = entry(
                    "fetch",
                    chromium_request("GET", &url, Some(PAGE), &[]),
                    302,
                    &[("Access-Control-Allow-Origin", "*"), ("Location", &target)],
                    String::new(),
                    None,
                );
                hop["response"]["redirectURL"] = json!(target);
                vec![
                    hop,
                    entry(
                        "fetch",
                        chromium_request("GET", &target, Some("null"), &[]),
                        200,
                        &[("Access-Control-Allow-Origin", "*")],
                        body(i),
                        None,
                    ),
                ]
            }
            7 => vec![entry(
                "fetch",
                chromium_request("GET", &format!("{PAGE}/api/{i}"), None, &[]),
                200,
                &[],
                body(i),
                None,
            )],
            8 => vec![entry(
                "image",
                chromium_request("GET", &format!("{PAGE}/img/{i}.png"), None, &[]),
                200,
                &[],
                "iVBORw0KGgo=".repeat(800),
                None,
            )],
            _ => vec![
                entry(
                    "fetch",
                    chromium_request("DELETE", &url, None, &[]),
                    0,
                    &[],
                    String::new(),
                    Some("net::ERR_FAILED"),
                ),
                entry(
                    "preflight",
                    chromium_request(
                        "OPTIONS",
                        &url,
                        Some(PAGE),
                        &[("Access-Control-Request-Method", "DELETE")],
                    ),
                    204,
                    &[("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Methods", "GET, PUT")],
                    String::new(),
                    None,
                ),
            ],
        };
        entries.extend(next);
        i += 1;
    }
    entries.truncate(ENTRIES);
    let har = json!({"log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [{"startedDateTime": "2026-12-05T17:03:37.305Z", "id": "page_1", "title": format!("{PAGE}/"), "pageTimings": {}}],
        "entries": entries,
    }});
    serde_json::to_vec_pretty(&har).expect("serializes")
}
