//! The fixed-answer server (fixed_server.rs) over TLS, with a certificate for `localhost` and `127.0.0.1`
//! signed by a test authority (tests/support/tls/: `ca.pem` to trust, `localhost.pem` and `localhost.key`
//! to serve; made once with `openssl req`/`openssl x509`, valid for 100 years; the authority's key was
//! not kept, so nothing else can be signed with it).

use std::path::Path;
use std::sync::Arc;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::fixed_server::{self, Seen};

/// The test authority's certificate, for `--cacert`.
pub fn ca_file() -> String {
    tls_dir().join("ca.pem").display().to_string()
}

fn tls_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls")
}

/// Starts the fixed-answer server over TLS on a free port; returns its port and what it receives.
pub async fn server() -> (u16, Seen) {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(tls_dir().join("localhost.pem"))
        .expect("the test certificate")
        .collect::<Result<_, _>>()
        .expect("PEM");
    let key = PrivateKeyDer::from_pem_file(tls_dir().join("localhost.key")).expect("the test key");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("a TLS config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let seen: Seen = Arc::default();
    let app = fixed_server::app(&seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to serve.
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                    .await;
            });
        }
    });
    (port, seen)
}
