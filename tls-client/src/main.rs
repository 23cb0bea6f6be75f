//! `cors-sandbox-tls HOST PORT [--cacert FILE]`: the TLS client of `cors-sandbox check https://…`.
//!
//! It connects to `HOST:PORT`, makes a TLS connection that names `HOST` (SNI) and offers HTTP/1.1 only
//! (ALPN), checking the server's certificate against Mozilla's roots and the certificates of `--cacert`.
//! Then it writes `connected` and a newline on standard output, and from there on pipes bytes: what it reads
//! on standard input goes to the server, what the server sends comes out on standard output, until both
//! sides are done. `check` speaks HTTP over these pipes; this program knows nothing of HTTP or CORS.
//!
//! When it cannot connect it writes one line on standard error, `WHAT: why`, and exits with status 2:
//! `usage`, `cacert`, `connect` or `tls`. `check` turns that line into its sentence for the user.

use std::process::ExitCode;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::AsyncWriteExt as _;

/// What the command line asked for.
struct Target {
    host: String,
    port: u16,
    cacert: Option<String>,
}

/// Why no connection was made: the stage (`usage`, `cacert`, `connect`, `tls`) and the reason.
struct Failure(&'static str, String);

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(Failure("connect", format!("cannot start: {e}"))),
    };
    let result = runtime.block_on(run(std::env::args().skip(1).collect()));
    // Standard input is read on a blocking thread that may still wait for a line: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(failure),
    }
}

fn fail(Failure(stage, why): Failure) -> ExitCode {
    eprintln!("{stage}: {why}");
    ExitCode::from(2)
}

async fn run(args: Vec<String>) -> Result<(), Failure> {
    let target = parse(&args)?;
    let config = config(target.cacert.as_deref())?;
    let name = ServerName::try_from(target.host.clone())
        .map_err(|e| Failure("tls", format!("{:?} is not a name TLS can check ({e})", target.host)))?;
    let tcp = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|e| Failure("connect", e.to_string()))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| Failure("tls", e.to_string()))?;
    let mut stdout = tokio::io::stdout();
    stdout.write_all(b"connected\n").await.map_err(|e| Failure("connect", format!("cannot write: {e}")))?;
    stdout.flush().await.map_err(|e| Failure("connect", format!("cannot write: {e}")))?;
    let (mut from_server, mut to_server) = tokio::io::split(tls);
    // Standard input to the server; at its end, the server is told nothing more comes (close_notify).
    let upload = async {
        let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut to_server).await;
        let _ = to_server.shutdown().await;
        std::future::pending::<()>().await
    };
    // The server to standard output, until the server is done: then this program ends, and its end
    // closes standard output, which is how `check` reads an answer that ends with its connection.
    let download = async {
        let _ = tokio::io::copy(&mut from_server, &mut stdout).await;
        let _ = stdout.flush().await;
    };
    tokio::select! {
        () = upload => {}
        () = download => {}
    }
    Ok(())
}

fn parse(args: &[String]) -> Result<Target, Failure> {
    let usage = || Failure("usage", "cors-sandbox-tls HOST PORT [--cacert FILE]".into());
    match args {
        [host, port, rest @ ..] => {
            let port = port.parse().map_err(|_| usage())?;
            let cacert = match rest {
                [] => None,
                [flag, file] if flag == "--cacert" => Some(file.clone()),
                _ => return Err(usage()),
            };
            Ok(Target { host: host.clone(), port, cacert })
        }
        _ => Err(usage()),
    }
}

/// Mozilla's roots and the certificates in `cacert`; HTTP/1.1 only.
fn config(cacert: Option<&str>) -> Result<rustls::ClientConfig, Failure> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = cacert {
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(|e| Failure("cacert", format!("cannot read it ({e})")))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure("cacert", format!("not PEM certificates ({e})")))?;
        if certificates.is_empty() {
            return Err(Failure(
                "cacert",
                "no certificate in it (a PEM file starts with -----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| Failure("cacert", format!("a certificate rustls cannot use ({e})")))?;
        }
    }
    let mut config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
