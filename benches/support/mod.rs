//! The load both benchmarks send: keep-alive HTTP/1.1 `GET /api` requests as a browser page sends them,
//! on a few connections, with a minimal client that costs little next to the servers.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How many keep-alive connections [`hammer`] sends on.
pub const CONNECTIONS: usize = 8;

/// Sends `GET /api` as a browser page would (with an `Origin`) on [`CONNECTIONS`] keep-alive connections
/// for `how_long`; returns answers per second.
pub async fn hammer(port: u16, how_long: Duration) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| tokio::spawn(exchange(port, u64::MAX, move || started.elapsed() >= how_long)))
        .collect();
    let mut answered = 0;
    for task in tasks {
        answered += task.await.expect("load task");
    }
    answered as f64 / started.elapsed().as_secs_f64()
}

/// Sends up to `requests` requests on one keep-alive connection, until `stop()`; returns how many were
/// answered.
pub async fn exchange(port: u16, requests: u64, stop: impl Fn() -> bool) -> u64 {
    let stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut stream = BufReader::new(stream);
    let request = format!(
        "GET /api HTTP/1.1\r\nHost: localhost:{port}\r\nOrigin: http://localhost:3000\r\nSec-Fetch-Mode: cors\r\nAccept: */*\r\n\r\n"
    );
    let mut answered = 0u64;
    let mut line = String::new();
    while answered < requests && !stop() {
        stream.get_mut().write_all(request.as_bytes()).await.expect("write");
        let mut length = 0;
        loop {
            line.clear();
            stream.read_line(&mut line).await.expect("read");
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("content-length");
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.expect("body");
        answered += 1;
    }
    answered
}
