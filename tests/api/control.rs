//! The control API: reading and changing the policy, who may, and every kind of bad input refused.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::*;

/// GET shows the policy; PATCH changes only the fields named; PUT replaces the whole policy.
#[tokio::test]
async fn policy_can_be_read_patched_and_replaced() {
    let sandbox = spawn_sandbox().await;
    let policy = sandbox.policy().await;
    assert_eq!(policy["allow_origin"], "https://yoursite.com");
    assert_eq!(policy["allow_credentials"], Value::Null);

    let patched = sandbox.patch(json!({ "allow_credentials": "true" })).await;
    assert_eq!(patched["allow_origin"], "https://yoursite.com");
    assert_eq!(patched["allow_credentials"], "true");
    let patched = sandbox.patch(json!({ "allow_origin": "*" })).await;
    assert_eq!(patched["allow_credentials"], "true", "PATCH keeps the other fields");

    let (status, replaced) = sandbox.send_policy(Method::PUT, r#"{"allow_origin": null}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replaced["allow_origin"], Value::Null);
    assert_eq!(replaced["allow_credentials"], Value::Null, "PUT resets what it leaves out");
    assert_eq!(sandbox.policy().await, replaced);
    sandbox.stop().await;
}

/// A body over the limit gets its 413 with `Connection: close` (the rest of it is never read, so the
/// connection cannot carry another request), and the client's next request, on a new connection, works.
#[tokio::test]
async fn a_body_over_the_limit_closes_its_connection() {
    let sandbox = spawn_sandbox().await;
    let body = format!("{{\"vary\": \"{}\"}}", "a".repeat(100 * 1024));
    for declared in [true, false] {
        let mut stream = TcpStream::connect(("127.0.0.1", sandbox.client_port)).await.unwrap();
        let length = if declared {
            format!("Content-Length: {}\r\n", body.len())
        } else {
            "Transfer-Encoding: chunked\r\n".into()
        };
        let head = format!(
            "PUT /sandbox/policy HTTP/1.1\r\nHost: localhost:{}\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n{length}\r\n",
            sandbox.client_port
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let sent = if declared {
            stream.write_all(body.as_bytes()).await
        } else {
            stream.write_all(format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len()).as_bytes()).await
        };
        // The server may close before taking the whole body: that is the point.
        let _ = sent;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        assert!(answer.starts_with("http/1.1 413"), "declared {declared}: {answer}");
        assert!(answer.contains("\r\nconnection: close\r\n"), "declared {declared}: {answer}");
    }
    // A new connection is served as usual.
    assert_eq!(sandbox.policy().await["allow_origin"], "https://yoursite.com");
    sandbox.stop().await;
}

/// A body that ends before its `Content-Length` is a 400 that says so, not "over 16 KiB".
#[tokio::test]
async fn a_body_shorter_than_its_length_is_not_too_large() {
    let sandbox = spawn_sandbox().await;
    let mut stream = TcpStream::connect(("127.0.0.1", sandbox.client_port)).await.unwrap();
    let head = format!(
        "PATCH /sandbox/policy HTTP/1.1\r\nHost: localhost:{}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"vary\": \"x\"}}",
        sandbox.client_port
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap(); // no more bytes: 85 short of the length
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("ended before its Content-Length"), "{answer}");
    assert_eq!(sandbox.policy().await["vary"], Value::Null);
    sandbox.stop().await;
}

/// DNS rebinding: a request naming another host is refused, page and controls alike.
#[tokio::test]
async fn requests_for_other_host_names_are_refused() {
    let sandbox = spawn_sandbox().await;
    let port = sandbox.client_port;
    for host in ["evil.example", "localhost:1", "localhost.evil.example"] {
        let host = if host.contains(':') { host.to_owned() } else { format!("{host}:{port}") };
        for path in ["/", "/sandbox/policy"] {
            let (status, body) = raw_request(
                port,
                &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            )
            .await;
            assert!(status.starts_with("HTTP/1.1 421"), "{host} {path}: {status}");
            assert!(body.contains("answers only to its own addresses"), "{body}");
        }
    }
    for host in ["localhost", "127.0.0.1", "[::1]", "LOCALHOST"] {
        let (status, _) =
            raw_request(port, &format!("GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"))
                .await;
        assert!(status.starts_with("HTTP/1.1 200"), "{host}: {status}");
    }
    sandbox.stop().await;
}

/// The page is rendered with the article's code and the page's own origin as a choice.
#[tokio::test]
async fn the_page_offers_the_four_choices_and_the_articles_code() {
    let sandbox = spawn_sandbox().await;
    let html = sandbox.http.get(&sandbox.site).send().await.unwrap().text().await.unwrap();
    let api_url = format!("{}/api", sandbox.api);
    // askama escapes quotes and `>` in the HTML; the text the browser shows is the article's code.
    let code = html.replace("&#39;", "'").replace("&#62;", ">");
    assert!(
        code.contains(&format!("fetch('{api_url}', {{ cache: 'no-store' }})\n  .then(res => res.json())")),
        "{html}"
    );
    for value in ["https://yoursite.com", "*", sandbox.site.as_str(), ""] {
        assert!(html.contains(&format!(r#"name="allow-origin" value="{value}""#)), "radio {value:?}");
    }
    assert!(html.contains(r#"name="custom-origin""#));
    for path in ["/static/sandbox.js", "/static/sandbox.css", "/static/favicon.svg", "/favicon.ico"] {
        let res = sandbox.http.get(format!("{}{path}", sandbox.site)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    sandbox.stop().await;
}
