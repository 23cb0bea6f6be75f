//! `cors-sandbox check`: the browser's verdict on a real server, from the command line.
//!
//! It sends what a browser would send for a `fetch()` from a page at `--origin` — the `Origin`, the
//! preflight when the Fetch Standard calls for one, then the actual request, following redirects as
//! `fetch()` does — and nothing it would not: the browser model (`client_site::model`, the one the lab
//! uses) judges every answer in turn, and the first one a browser would stop at is the last one sent.
//! What it prints is the model's verdict: allowed or blocked, the checks in order, each engine's console
//! lines, and the rule that decided.
//!
//! Exit status: 0 when a browser would let the page read the answer, 1 when it would block it, 2 when
//! the command could not judge (bad arguments, an unreachable server, a timeout).
//!
//! `https://` URLs go over rustls, trusting Mozilla's roots (`webpki-roots`) and the certificates of
//! `--cacert`. A page on `https:` cannot fetch an `http:` URL that is not this machine's: the browser
//! blocks it as mixed content before any CORS check, and `check` says so (status 2).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use client_site::model::{self, Credentials, Mode, Preflight, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};

mod frameworks;
mod url;

use url::HttpUrl;

/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer's body is read (the verdict needs only its head).
const BODY_CAP: usize = 1 << 20;
/// How many redirects `fetch()` follows before it gives up (Fetch §4.4 step 5).
const MAX_REDIRECTS: usize = 20;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    pub url: String,
    pub origin: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub data: Option<String>,
    pub credentials: Credentials,
    pub mode: Mode,
    pub json: bool,
    /// Also probe the server with the `Origin`s an attacker would try.
    pub scan: bool,
    /// A PEM file of certificates to trust for `https://`, besides Mozilla's roots.
    pub cacert: Option<String>,
}

/// What every request of one run shares: the TLS configuration.
struct Client {
    tls: Arc<rustls::ClientConfig>,
}

impl Client {
    /// A client that trusts Mozilla's roots and the certificates in `cacert`.
    fn new(cacert: Option<&str>) -> Result<Client, String> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        if let Some(path) = cacert {
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("--cacert {path}: cannot read it ({e})"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("--cacert {path}: not PEM certificates ({e})"))?;
            if certificates.is_empty() {
                return Err(format!(
                    "--cacert {path}: no certificate in it (a PEM file starts with -----BEGIN CERTIFICATE-----)"
                ));
            }
            for certificate in certificates {
                roots
                    .add(certificate)
                    .map_err(|e| format!("--cacert {path}: a certificate rustls cannot use ({e})"))?;
            }
        }
        let mut tls = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
        // The client speaks HTTP/1.1 only.
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Client { tls: Arc::new(tls) })
    }
}

/// One `Origin` an attacker would try, and what the server made of it.
#[derive(Debug, Clone)]
struct Probe {
    kind: &'static str,
    origin: String,
    /// The server sent this origin back (or `*`): a page there may read the answer.
    accepted: bool,
    /// … with `Access-Control-Allow-Credentials: true` and the origin itself: with the user's cookies.
    with_credentials: bool,
}

/// The `Origin`s CORS scanners (CORScanner, Corsy) try, built from the legitimate `origin`.
fn probes_for(origin: &HttpUrl) -> Vec<(&'static str, String)> {
    let port = if origin.authority() == origin.host { String::new() } else { format!(":{}", origin.port) };
    let host = &origin.host;
    let scheme = origin.scheme();
    let other = if origin.secure { "http" } else { "https" };
    let mut probes = vec![
        ("any origin", "https://evil.example".to_string()),
        ("null", "null".to_string()),
        ("prefix: your host, then more", format!("{scheme}://{host}.evil.example")),
        ("suffix: more, then your host", format!("{scheme}://evil{host}{port}")),
        ("a subdomain of your host", format!("{scheme}://evil.{host}{port}")),
        ("the other scheme", format!("{other}://{host}{port}")),
        (
            "substring: part of your host",
            format!("{scheme}://{}.example", &host[..host.len().saturating_sub(1)]),
        ),
    ];
    // An unescaped dot in a regex (`api.example.com` also matches `apixexample.com`).
    if let Some(dot) = host.rfind('.') {
        probes.push(("unescaped dot", format!("{scheme}://{}x{}{port}", &host[..dot], &host[dot + 1..])));
    }
    probes
}

/// Sends the actual request once per probe, as a page on that origin would (credentials included).
async fn scan(args: &CheckArgs, client: &Client) -> Result<Vec<Probe>, String> {
    let target = HttpUrl::parse(&args.url)?;
    let page = HttpUrl::parse(&format!("{}/", args.origin.trim_end_matches('/')))?;
    let method = normalized_method(&args.method);
    let mut found = Vec::new();
    for (kind, origin) in probes_for(&page) {
        let lines = vec![("Origin".to_string(), origin.clone())];
        let response = send(client, &target, &method, &lines, args.data.as_deref()).await?;
        let get = |name: &str| response.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let acao = get("access-control-allow-origin");
        let accepted = acao == Some(origin.as_str()) || acao == Some("*");
        let with_credentials =
            acao == Some(origin.as_str()) && get("access-control-allow-credentials") == Some("true");
        found.push(Probe { kind, origin, accepted, with_credentials });
    }
    Ok(found)
}

/// One request sent and the answer received.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    url: String,
    request_headers: Vec<(String, String)>,
    response: Response,
}

/// Runs the check; returns the exit status and what to print on standard output.
pub async fn run(args: &CheckArgs) -> (u8, String) {
    let judged = match Client::new(args.cacert.as_deref()) {
        Ok(client) => match judge(args, &client).await {
            Ok(judged) if args.scan => scan(args, &client).await.map(|probes| (judged, Some(probes))),
            Ok(judged) => Ok((judged, None)),
            Err(why) => Err(why),
        },
        Err(why) => Err(why),
    };
    match judged {
        Ok(((verdict, exchanges), probes)) => {
            let code = if verdict.allowed { 0 } else { 1 };
            let text = if args.json {
                let mut out: Value = serde_json::from_str(&as_json(&verdict, &exchanges)).unwrap_or_default();
                if let Some(probes) = &probes {
                    out["scan"] = json!(probes
                        .iter()
                        .map(|p| json!({ "kind": p.kind, "origin": p.origin, "accepted": p.accepted, "with_credentials": p.with_credentials }))
                        .collect::<Vec<_>>());
                }
                out.to_string()
            } else {
                let mut text = for_a_person(args, &verdict, &exchanges);
                if let Some(probes) = &probes {
                    text.push_str(&scan_for_a_person(probes));
                }
                text
            };
            (code, text)
        }
        Err(why) => {
            let text = if args.json {
                json!({ "error": why }).to_string()
            } else {
                format!("cors-sandbox check: {why}")
            };
            (2, text)
        }
    }
}

/// Sends what the browser would, and judges it.
async fn judge(args: &CheckArgs, client: &Client) -> Result<(model::Verdict, Vec<Exchange>), String> {
    let target = HttpUrl::parse(&args.url)?;
    let page = HttpUrl::parse(&format!("{}/", args.origin.trim_end_matches('/'))).map_err(|_| {
        format!("--origin must be an origin such as http://localhost:3000, not {:?}", args.origin)
    })?;
    let mut headers = args.headers.clone();
    if args.data.is_some() && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        // A string body: fetch() adds this Content-Type itself.
        headers.push(("Content-Type".into(), "text/plain;charset=UTF-8".into()));
    }
    // A `Cookie` given with -H stands for the browser's cookie jar, not a header the page sets (fetch()
    // drops that silently): the model judges the page's own headers.
    let page_headers: Vec<(String, String)> =
        headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("cookie")).cloned().collect();
    let request = Request {
        url: target.text.clone(),
        method: args.method.clone(),
        headers: page_headers,
        credentials: args.credentials,
        mode: args.mode,
        ..Request::default()
    };
    let method = normalized_method(&args.method);
    let cross_origin = page.origin() != target.origin();
    let mut exchanges = Vec::new();

    // The preflight, when the rules call for one: no body, no cookie, no author headers.
    let mut preflight = None;
    if cross_origin
        && args.mode == Mode::Cors
        && let Some(reason) = model::preflight_needed(&request)
    {
        let mut lines = vec![
            ("Origin".to_string(), page.origin()),
            ("Access-Control-Request-Method".to_string(), method.clone()),
        ];
        lines.extend(
            reason
                .access_control_request_headers()
                .map(|names| ("Access-Control-Request-Headers".to_string(), names)),
        );
        not_mixed_content(&page, &target)?;
        let response = send(client, &target, "OPTIONS", &lines, None).await?;
        exchanges.push(Exchange {
            method: "OPTIONS".into(),
            url: target.text.clone(),
            request_headers: lines,
            response: response.clone(),
        });
        let verdict = model::judge(&args.origin, &request, Preflight::Sent(&response), &[]);
        let failed_in_preflight = verdict.failed_check.as_ref().is_some_and(|f| f.in_preflight);
        if failed_in_preflight {
            return Ok((verdict, exchanges));
        }
        preflight = Some(response);
    }

    // The actual request, and each redirect `fetch()` would follow.
    let mut actual: Vec<Response> = Vec::new();
    let mut url = target.clone();
    let mut method = method;
    let mut body = args.data.clone();
    let mut tainted = false;
    for _ in 0..=MAX_REDIRECTS {
        let same_origin = page.origin() == url.origin() && !tainted;
        let mut lines: Vec<(String, String)> = headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("cookie") || sends_cookie(args.credentials, same_origin))
            .cloned()
            .collect();
        // The Origin a browser sends: on every cross-origin request and every non-GET/HEAD one; `null`
        // once a redirect has tainted it (Fetch §3.2.5, §4.4).
        if !same_origin || !matches!(method.as_str(), "GET" | "HEAD") {
            let origin = if tainted { "null".to_string() } else { page.origin() };
            lines.insert(0, ("Origin".into(), origin));
        }
        not_mixed_content(&page, &url)?;
        let response = send(client, &url, &method, &lines, body.as_deref()).await?;
        exchanges.push(Exchange {
            method: method.clone(),
            url: url.text.clone(),
            request_headers: lines,
            response: response.clone(),
        });
        actual.push(response.clone());
        let location =
            response.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location")).map(|(_, v)| v.clone());
        let redirect = matches!(response.status, 301 | 302 | 303 | 307 | 308) && location.is_some();
        let preflight_state = preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent);
        let verdict = model::judge(&args.origin, &request, preflight_state, &actual);
        // Done when it is not a redirect, or when the browser would stop at this one.
        let stopped_here = verdict.failed_check.as_ref().is_some_and(|f| f.url == url.text);
        if !redirect || verdict.allowed || stopped_here {
            return Ok((verdict, exchanges));
        }
        let next = url.join(location.as_deref().unwrap_or_default())?;
        // A redirect by an origin other than the request's own taints it (Fetch §4.4 step 13).
        if next.origin() != url.origin() && url.origin() != page.origin() {
            tainted = true;
        }
        if response.status == 303 || (matches!(response.status, 301 | 302) && method == "POST") {
            method = "GET".into();
            body = None;
        }
        url = next;
    }
    let preflight_state = preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent);
    Ok((model::judge(&args.origin, &request, preflight_state, &actual), exchanges))
}

/// Refuses what the browser blocks as mixed content before any CORS check: an `https:` page fetching an
/// `http:` URL that is not this machine's (https://w3c.github.io/webappsec-mixed-content/).
fn not_mixed_content(page: &HttpUrl, url: &HttpUrl) -> Result<(), String> {
    if page.secure && !url.secure && !url.is_loopback() {
        return Err(format!(
            "a page on {} cannot fetch {}: the browser blocks an http: request from an https: page as mixed content, before any CORS check. Serve the API over https:.",
            page.origin(),
            url.text
        ));
    }
    Ok(())
}

/// Whether the browser sends cookies with this request (Fetch §4.5 step 8).
fn sends_cookie(credentials: Credentials, same_origin: bool) -> bool {
    matches!(credentials, Credentials::Include)
        || (matches!(credentials, Credentials::SameOrigin) && same_origin)
}

/// `fetch()`'s method normalisation: the six standard methods upper-cased, any other as written.
fn normalized_method(method: &str) -> String {
    let method = if method.is_empty() { "GET" } else { method };
    for standard in ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"] {
        if method.eq_ignore_ascii_case(standard) {
            return standard.into();
        }
    }
    method.into()
}

/// Sends one request over a new connection; returns the answer's status and header lines.
async fn send(
    client: &Client,
    url: &HttpUrl,
    method: &str,
    lines: &[(String, String)],
    body: Option<&str>,
) -> Result<Response, String> {
    let exchange = async {
        let host = url.host.trim_start_matches('[').trim_end_matches(']');
        let stream = tokio::net::TcpStream::connect((host, url.port))
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", url.origin()))?;
        if !url.secure {
            return exchange_over(stream, url, method, lines, body).await;
        }
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| format!("{}: {host:?} is not a name TLS can check ({e})", url.origin()))?;
        let stream = tokio_rustls::TlsConnector::from(Arc::clone(&client.tls))
            .connect(name, stream)
            .await
            .map_err(|e| {
                format!(
                    "cannot make a TLS connection to {}: {e}. If its certificate is signed by your own authority, pass that certificate with --cacert FILE.",
                    url.origin()
                )
            })?;
        exchange_over(stream, url, method, lines, body).await
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("{} did not answer within {} s", url.text, TIMEOUT.as_secs()))?
}

/// One HTTP/1.1 request over `stream`, plain or TLS; returns the answer's status and header lines.
async fn exchange_over<S>(
    stream: S,
    url: &HttpUrl,
    method: &str,
    lines: &[(String, String)],
    body: Option<&str>,
) -> Result<Response, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("{}: {e}", url.origin()))?;
    tokio::spawn(connection);
    let mut request = hyper::Request::builder().method(method).uri(&url.path).header("host", url.authority());
    for (name, value) in lines {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
        .map_err(|e| format!("the request could not be built: {e}"))?;
    let response = sender.send_request(request).await.map_err(|e| format!("{}: {e}", url.text))?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    // Read (a capped part of) the body so the server sees a client that listened.
    let _ = Limited::new(response.into_body(), BODY_CAP).collect().await;
    Ok(Response { url: url.text.clone(), status, headers })
}

fn as_json(verdict: &model::Verdict, exchanges: &[Exchange]) -> String {
    let mut out = client_site::explain::verdict_json(verdict);
    out["checks"] = json!(verdict
        .checks
        .iter()
        .map(|c| json!({ "name": c.name, "step": c.step, "passed": c.passed, "explanation": c.explanation }))
        .collect::<Vec<_>>());
    out["exchanges"] = json!(
        exchanges
            .iter()
            .map(|x| json!({
                "method": x.method,
                "url": x.url,
                "request_headers": x.request_headers,
                "status": x.response.status,
                "response_headers": x.response.headers,
            }))
            .collect::<Vec<Value>>()
    );
    out.to_string()
}

fn for_a_person(args: &CheckArgs, verdict: &model::Verdict, exchanges: &[Exchange]) -> String {
    let view = client_site::explain::verdict_json(verdict);
    let mut out = String::new();
    let outcome = if verdict.allowed {
        "ALLOWED: the page may read the answer"
    } else {
        "BLOCKED: the page's JavaScript gets only an error"
    };
    out.push_str(&format!("{outcome} ({} from a page at {}).\n", args.url, args.origin));
    for x in exchanges {
        out.push_str(&format!("\n> {} {}\n", x.method, x.url));
        for (n, v) in &x.request_headers {
            out.push_str(&format!(">   {n}: {v}\n"));
        }
        out.push_str(&format!("< {}\n", x.response.status));
        for (n, v) in x
            .response
            .headers
            .iter()
            .filter(|(n, _)| n.starts_with("access-control-") || *n == "vary" || *n == "location")
        {
            out.push_str(&format!("<   {n}: {v}\n"));
        }
    }
    out.push_str("\nThe checks, in order:\n");
    for check in &verdict.checks {
        out.push_str(&format!("  {} {}\n", if check.passed { "✓" } else { "✗" }, check.explanation));
    }
    if let Some(rule) = view["rule"].as_str() {
        out.push_str(&format!("\nWhy: {rule}\n"));
    }
    for (engine, lines) in [
        ("Chromium", &view["chromium_messages"]),
        ("Firefox", &view["firefox_messages"]),
        ("WebKit", &view["webkit_messages"]),
    ] {
        let lines: Vec<&str> =
            lines.as_array().map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if !lines.is_empty() {
            out.push_str(&format!("\n{engine}'s console:\n"));
            for line in lines {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    out
}

fn scan_for_a_person(probes: &[Probe]) -> String {
    let mut out = String::from("\nThe Origins an attacker would try:\n");
    for p in probes {
        let what = if p.with_credentials {
            "ACCEPTED with credentials: a page there reads what your users' cookies unlock"
        } else if p.accepted {
            "accepted, without credentials: a page there reads what needs no cookie"
        } else {
            "refused"
        };
        out.push_str(&format!("  {:<30} {:<36} {what}\n", p.kind, p.origin));
    }
    if probes.iter().any(|p| p.kind == "any origin" && p.with_credentials) {
        out.push_str(&frameworks::reflected_with_credentials());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_normalise_as_fetch_does() {
        assert_eq!(normalized_method("put"), "PUT");
        assert_eq!(normalized_method("patch"), "patch");
        assert_eq!(normalized_method(""), "GET");
    }
}
