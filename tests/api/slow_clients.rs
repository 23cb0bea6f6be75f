//! Clients that send too slowly, too much, too oddly, or nothing: each gets a 4xx or is disconnected,
//! and the others are served as usual.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::*;

/// Slowloris: a client that sends its headers a byte at a time is disconnected once the header-read
/// timeout passes, while another client's requests are answered as usual.
#[tokio::test]
async fn a_client_sending_its_headers_too_slowly_is_disconnected() {
    let limits = cors_sandbox::Limits {
        shutdown_grace: Duration::from_secs(120),
        header_read_timeout: Duration::from_secs(1),
    };
    let sandbox = spawn_sandbox_with(limits).await;
    for port in [sandbox.client_port, sandbox.api.rsplit(':').next().unwrap().parse().unwrap()] {
        let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        slow.write_all(format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\nX-Slow: ").as_bytes())
            .await
            .unwrap();
        let started = Instant::now();
        let mut closed = false;
        let mut answer = [0u8; 1024];
        while started.elapsed() < Duration::from_secs(6) {
            // Another client meanwhile: answered at once.
            assert_eq!(sandbox.policy().await["allow_origin"], "https://yoursite.com");
            if slow.write_all(b"a").await.is_err() {
                closed = true;
                break;
            }
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(250), slow.read(&mut answer)).await
            {
                closed = true;
                break;
            }
        }
        assert!(closed, "port {port}: the slow client was still connected after {:?}", started.elapsed());
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "port {port}: closed only after {:?}",
            started.elapsed()
        );
    }
    sandbox.stop().await;
}

/// Raises this process's soft open-files limit to the hard one (the test holds both ends of each socket).
fn raise_open_files_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
    limit.rlim_cur
}

/// Whether the server closed `stream` (within `wait`): a read returns end-of-file or an error.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut byte = [0u8; 1];
    matches!(tokio::time::timeout(wait, stream.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
}

/// More idle connections than the usual `ulimit -n` of 1024: the API still answers a new client, and the
/// idle ones — silent from the start, or silent after one request — are closed once the header-read
/// timeout passes.
#[tokio::test]
async fn idle_connections_are_closed_and_others_still_answered() {
    if raise_open_files_limit() < 4096 {
        eprintln!("skipped: this process may open too few files for 1,100 connections");
        return;
    }
    let limits = cors_sandbox::Limits {
        shutdown_grace: Duration::from_secs(120),
        header_read_timeout: Duration::from_secs(1),
    };
    let sandbox = spawn_sandbox_with(limits).await;
    let api: u16 = sandbox.api.rsplit(':').next().unwrap().parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..1_100 {
        idle.push(TcpStream::connect(("127.0.0.1", api)).await.unwrap());
    }
    // One that asked once and then said nothing more on its keep-alive connection.
    let mut after_one = TcpStream::connect(("127.0.0.1", api)).await.unwrap();
    after_one
        .write_all(format!("GET /api HTTP/1.1\r\nHost: localhost:{api}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = after_one.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));

    let answered =
        tokio::time::timeout(Duration::from_secs(5), sandbox.fetch_api_from("http://localhost:1")).await;
    assert_eq!(answered.expect("a new client waited behind the idle connections").status(), StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        closed_within(&mut after_one, Duration::from_secs(3)).await,
        "an idle keep-alive connection stayed open"
    );
    let mut still_open = 0;
    for stream in &mut idle {
        if !closed_within(stream, Duration::from_millis(50)).await {
            still_open += 1;
        }
    }
    assert_eq!(still_open, 0, "{still_open} of 1,100 silent connections still open after the timeout");
    sandbox.stop().await;
}

/// A request line of a megabyte gets a 4xx or a closed connection, never a hang or a crash, and the
/// next client is answered.
#[tokio::test]
async fn a_megabyte_request_line_is_refused() {
    let sandbox = spawn_sandbox().await;
    for port in [sandbox.client_port, sandbox.api.rsplit(':').next().unwrap().parse().unwrap()] {
        let mut client = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let line = format!("GET /api?pad={} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n", "p".repeat(1 << 20));
        // The server may close before it has read it all: a failed write is a closed connection.
        let _ = client.write_all(line.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        let status: u16 = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert!(
            answer.is_empty() || (400..500).contains(&status),
            "port {port}: {}",
            &answer[..answer.len().min(200)]
        );
        assert_eq!(sandbox.policy().await["allow_origin"], "https://yoursite.com");
    }
    assert_eq!(sandbox.fetch_api_from("http://localhost:1").await.status(), StatusCode::OK);
    sandbox.stop().await;
}

/// Header values that are not UTF-8 are answered, recorded with replacement characters, and the log
/// stays valid JSON.
#[tokio::test]
async fn header_values_that_are_not_utf8_are_recorded_safely() {
    let sandbox = spawn_sandbox().await;
    let api: u16 = sandbox.api.rsplit(':').next().unwrap().parse().unwrap();
    let mut client = TcpStream::connect(("127.0.0.1", api)).await.unwrap();
    let mut request =
        format!("GET /api?odd HTTP/1.1\r\nHost: localhost:{api}\r\nOrigin: http://localhost:1\r\nX-Odd: ")
            .into_bytes();
    request.extend_from_slice(b"caf\xe9 \xff\xfe\r\nConnection: close\r\n\r\n");
    client.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    client.read_to_end(&mut answer).await.unwrap();
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let record = logged(&sandbox, "GET", "/api").await;
    let odd = record["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line[0] == "x-odd")
        .expect("recorded");
    assert_eq!(odd[1], "caf\u{fffd} \u{fffd}\u{fffd}");
    sandbox.stop().await;
}
