//! Clients that send too slowly: each is disconnected, and the others are served as usual.

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
