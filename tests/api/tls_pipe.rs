//! check's TLS client (`cors-sandbox-tls`, tls-client/) as `check` runs it: a process, built beside the
//! sandbox the way the first `check https://` builds it; a loopback TLS server with the test certificate
//! (tests/support/tls/: `localhost` signed by a test authority that is not one of Mozilla's); bytes both ways,
//! and one line on standard error with status 2 when it cannot connect.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;

fn certificates() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls")
}

fn ca() -> String {
    certificates().join("ca.pem").display().to_string()
}

/// A TLS server for `localhost` that answers one request: it reads up to the blank line, then answers
/// with what it read in the body, and closes. Returns its port.
async fn server() -> u16 {
    let dir = certificates();
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("localhost.pem")).unwrap().collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("localhost.key")).unwrap();
    let mut config =
        rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key).unwrap();
    // A server that prefers HTTP/2 gets HTTP/1.1 all the same: the client offers nothing else.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let alpn = tls.get_ref().1.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
                let mut tls = BufReader::new(tls);
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if tls.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let body = format!("alpn={alpn:?}\n{head}");
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

/// The program, built (or found up to date) in this target directory's profile folder, beside
/// `cors-sandbox`: the test binary is `target/<profile>/deps/api-…`.
pub async fn program() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.ancestors().nth(2).expect("target/<profile>/");
    cors_sandbox::check::tls::build_beside(dir).await.expect("cargo builds the TLS client")
}

async fn client(args: &[&str]) -> Command {
    let mut command = Command::new(program().await);
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    command
}

#[tokio::test]
async fn it_says_connected_then_carries_bytes_both_ways() {
    let port = server().await;
    let mut child = client(&["localhost", &port.to_string(), "--cacert", &ca()]).await.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).await.unwrap();
    assert_eq!(first, "connected\n");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"GET /data HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stdout.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("alpn=Some(\"http/1.1\")"), "it offers HTTP/1.1 only: {answer}");
    assert!(
        answer.contains("GET /data HTTP/1.1\r\n") && answer.contains("Origin: https://app.example\r\n"),
        "{answer}"
    );
    drop(stdin);
    assert!(child.wait().await.unwrap().success());
}

/// Runs the client to its end without writing anything; returns its status and standard error.
async fn refused(args: &[&str]) -> (Option<i32>, String) {
    let output = client(args).await.output().await.unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "", "nothing on standard output");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn it_cannot_connect_with_one_line_and_status_2() {
    let port = server().await.to_string();
    // The test authority is not one of Mozilla's.
    let (code, error) = refused(&["localhost", &port]).await;
    assert_eq!(code, Some(2));
    assert!(error.starts_with("tls: ") && error.contains("UnknownIssuer"), "{error}");
    // A name the certificate does not cover.
    let (code, error) = refused(&["127.0.0.2", &port, "--cacert", &ca()]).await;
    assert_eq!(code, Some(2));
    assert!(error.starts_with("tls: ") || error.starts_with("connect: "), "{error}");

    let (code, error) = refused(&["localhost", &port, "--cacert", "/nonexistent.pem"]).await;
    assert_eq!((code, error.starts_with("cacert: cannot read it")), (Some(2), true), "{error}");
    let not_pem = certificates().join("../../../Cargo.toml").display().to_string();
    let (code, error) = refused(&["localhost", &port, "--cacert", &not_pem]).await;
    assert_eq!((code, error.starts_with("cacert: no certificate in it")), (Some(2), true), "{error}");

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let (code, error) = refused(&["127.0.0.1", &closed_port]).await;
    assert_eq!((code, error.starts_with("connect: ")), (Some(2), true), "{error}");

    for args in [&[][..], &["localhost"], &["localhost", "https"], &["localhost", "443", "--cacert"]] {
        let (code, error) = refused(args).await;
        assert_eq!(
            (code, error.trim()),
            (Some(2), "usage: cors-sandbox-tls HOST PORT [--cacert FILE]"),
            "{args:?}"
        );
    }
}
