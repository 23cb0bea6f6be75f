//! `cors-sandbox check`: the browser's verdict on a real server, from the command line.
//!
//! It sends what a browser would send for a `fetch()` from a page at `--origin` — the `Origin`, the
//! preflight when the Fetch Standard calls for one, then the actual request, following redirects as
//! `fetch()` does — and nothing it would not: the browser model (`browser_model`, the one the lab
//! uses) judges every answer in turn, and the first one a browser would stop at is the last one sent.
//! What it prints is the model's verdict: allowed or blocked, the checks in order, each engine's console
//! lines, and the rule that decided.
//!
//! Exit status: 0 when a browser would let the page read the answer, 1 when it would block it, 2 when
//! the command could not judge (bad arguments, an unreachable server, a timeout).
//!
//! `https://` URLs go through check's TLS client, a program of its own (`tls.rs`, tls-client/), trusting
//! Mozilla's roots and the certificates of `--cacert`. A page on `https:` cannot fetch an `http:` URL that is not this machine's: the browser
//! blocks it as mixed content before any CORS check, and `check` says so (status 2).

pub mod har;
mod head;
mod scan;
pub mod tls;

use std::time::Duration;

use axum::body::Bytes;
use browser_model::{
    AddressSpace, Answer, CookieJar, Credentials, Engine, Fetch, Mode, PageState, Permission, Request,
    Response, Sending, Step, Url, Verdict,
};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};

mod frameworks;

/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer's body is read (the verdict needs only its head).
const BODY_CAP: usize = 1 << 20;

/// What the command line asked for.
#[derive(Debug, Clone, Default)]
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
    /// The engine whose requests are sent (they differ after a redirect).
    pub engine: Engine,
    /// The host whose cookie `-H 'Cookie: …'` gives (the URL's host when `None`).
    pub cookie_host: Option<String>,
    /// The page's address space as the browser classifies it (from `--origin`'s host when `None`).
    pub page_space: Option<AddressSpace>,
    /// The page's Local Network Access permission.
    pub lna_permission: Permission,
    /// `fetch()`'s `targetAddressSpace`.
    pub target_address_space: Option<AddressSpace>,
}

/// What every request of one run shares: the TLS client, for `https://`.
type Client = tls::Tls;

/// One request sent and the answer received.
#[derive(Debug, Clone)]
struct Exchange {
    /// `preflight`, `request` or `redirect`.
    kind: Sending,
    method: String,
    url: String,
    request_headers: Vec<(String, String)>,
    response: Response,
}

/// Runs the check; returns the exit status and what to print on standard output.
pub async fn run(args: &CheckArgs) -> (u8, String) {
    let judged = match tls::Tls::new(args.cacert.as_deref()) {
        Ok(client) => match judge(args, &client).await {
            Ok(judged) if args.scan => scan::scan(args, &client).await.map(|found| (judged, Some(found))),
            Ok(judged) => Ok((judged, None)),
            Err(why) => Err(why),
        },
        Err(why) => Err(why),
    };
    match judged {
        Ok(((verdict, exchanges), found)) => {
            let code = if verdict.allowed { 0 } else { 1 };
            let text = if args.json {
                let mut out: Value = serde_json::from_str(&as_json(&verdict, &exchanges)).unwrap_or_default();
                if let Some(found) = &found {
                    found.add_to(&mut out);
                }
                out.to_string()
            } else {
                let mut text = for_a_person(args, &verdict, &exchanges);
                if let Some(found) = &found {
                    text.push_str(&found.for_a_person());
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

/// The URL `check` is pointed at: an absolute `http://` or `https://` URL.
fn target_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text)?;
    if !url.is_http() {
        return Err(format!("{text:?} is not an http:// or https:// URL"));
    }
    Ok(url)
}

/// The page's origin, `--origin`: `scheme://host[:port]`.
fn page_origin(text: &str) -> Result<Url, String> {
    let wrong = || format!("--origin must be an origin such as http://localhost:3000, not {text:?}");
    let url = Url::parse(text).map_err(|_| wrong())?;
    if !url.is_http() || url.host().is_empty() {
        return Err(wrong());
    }
    Ok(url)
}

/// Walks the `fetch()` with the browser model, sending each request it asks for, and returns its
/// verdict and what went over the wire.
async fn judge(args: &CheckArgs, client: &Client) -> Result<(Verdict, Vec<Exchange>), String> {
    let target = target_url(&args.url)?;
    let page = page_origin(&args.origin)?;
    // A `Cookie` given with -H stands for the browser's cookie jar, not a header the page sets (fetch()
    // drops that silently): the model sends it where the credentials mode lets it go.
    let is_cookie = |name: &str| name.eq_ignore_ascii_case("cookie");
    let cookie =
        args.headers.iter().filter(|(n, _)| is_cookie(n)).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    let jar = (!cookie.is_empty()).then(|| CookieJar {
        host: args.cookie_host.clone().unwrap_or_else(|| target.host().to_string()),
        cookie: cookie.join("; "),
    });
    let mut request = Request {
        url: target.as_str().to_string(),
        method: args.method.clone(),
        headers: args.headers.iter().filter(|(n, _)| !is_cookie(n)).cloned().collect(),
        credentials: args.credentials,
        mode: args.mode,
        target_address_space: args.target_address_space,
        ..Request::default()
    };
    if let Some(data) = &args.data {
        request = request.body(data.clone());
    }
    let state = PageState { cookie: jar, address_space: args.page_space, permission: args.lna_permission };
    let mut fetch = Fetch::start_in(args.engine, page.as_str(), &request, &state);
    let mut exchanges = Vec::new();
    loop {
        let out = match fetch.step() {
            Step::Done(verdict) => return Ok((verdict.clone(), exchanges)),
            Step::Send(out) => out.clone(),
        };
        // A host name: the browser judges Local Network Access on the address it connects to.
        if out.address_space.is_none() {
            fetch.feed(Answer::AddressSpace(address_space_of(&out.url).await?));
            continue;
        }
        let lines = out.headers();
        let response = send(client, &out.url, &out.method, &lines, out.body.as_deref()).await?;
        exchanges.push(Exchange {
            kind: out.sending,
            method: out.method.clone(),
            url: out.url.as_str().to_string(),
            request_headers: lines,
            response: response.clone(),
        });
        fetch.feed(Answer::Response(&response));
    }
}

/// The address space of the address `url`'s host resolves to (the first one, as a connection would use).
async fn address_space_of(url: &Url) -> Result<AddressSpace, String> {
    let mut addresses = tokio::net::lookup_host((url.host_for_socket(), url.port()))
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", url.origin_text()))?;
    let address = addresses.next().ok_or_else(|| format!("{} resolves to no address", url.host()))?;
    Ok(AddressSpace::of_ip(address.ip()))
}

/// Sends one request over a new connection; returns the answer's status and header lines.
async fn send(
    client: &Client,
    url: &Url,
    method: &str,
    lines: &[(String, String)],
    body: Option<&str>,
) -> Result<Response, String> {
    if url.is_secure() {
        // Outside the timeout: the first https:// may build the TLS client.
        client.program().await?;
    }
    let exchange = async {
        if url.is_secure() {
            let connection = client.connect(url).await?;
            return exchange_over(connection.stream, url, method, lines, body).await;
        }
        let stream = tokio::net::TcpStream::connect((url.host_for_socket(), url.port()))
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", url.origin_text()))?;
        exchange_over(stream, url, method, lines, body).await
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("{url} did not answer within {} s", TIMEOUT.as_secs()))?
}

/// One HTTP/1.1 request over `stream`, plain or TLS; returns the answer's status and header lines.
async fn exchange_over<S>(
    stream: S,
    url: &Url,
    method: &str,
    lines: &[(String, String)],
    body: Option<&str>,
) -> Result<Response, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (stream, seen) = head::Tap::new(stream);
    let (mut sender, connection) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("{}: {e}", url.origin_text()))?;
    tokio::spawn(connection);
    let mut request =
        hyper::Request::builder().method(method).uri(url.request_target()).header("host", url.authority());
    for (name, value) in lines {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
        .map_err(|e| format!("the request could not be built: {e}"))?;
    let response = sender.send_request(request).await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status().as_u16();
    let parsed: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    // The lines as the server wrote them (spelling, order), when they are the lines hyper read.
    let raw = head::header_lines(&seen.lock().unwrap_or_else(|p| p.into_inner()));
    let headers = match raw {
        Some(lines) if lines.len() == parsed.len() => lines,
        _ => parsed,
    };
    // Read (a capped part of) the body so the server sees a client that listened.
    let _ = Limited::new(response.into_body(), BODY_CAP).collect().await;
    Ok(Response { url: url.as_str().to_string(), status, headers })
}

fn as_json(verdict: &Verdict, exchanges: &[Exchange]) -> String {
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
                "kind": x.kind.as_str(),
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

fn for_a_person(args: &CheckArgs, verdict: &Verdict, exchanges: &[Exchange]) -> String {
    let view = client_site::explain::verdict_json(verdict);
    let mut out = String::new();
    // A 4xx or 5xx without CORS headers is not a CORS problem: say so before anything else.
    if let Some(not_cors) = browser_model::NotCors::of(verdict) {
        out.push_str(&format!(
            "{}\nUsual causes: {}.\n\n",
            not_cors.headline(),
            not_cors.causes().join("; ")
        ));
    }
    let outcome = if verdict.allowed {
        "ALLOWED: the page may read the answer"
    } else {
        "BLOCKED: the page's JavaScript gets only an error"
    };
    out.push_str(&format!("{outcome} ({} from a page at {}).\n", args.url, args.origin));
    if let Some(lna) = &verdict.local_network_access {
        out.push_str(&format!("\nLocal Network Access: {}\n", lna.summary));
        if lna.state == Permission::Prompt {
            out.push_str(
                "If the user blocks it (or the browser is headless), the request never leaves the browser:\n",
            );
            for (engine, lines) in
                [("Chromium", &lna.chromium_if_refused), ("Firefox", &lna.firefox_if_refused)]
            {
                for line in lines.iter() {
                    out.push_str(&format!("  {engine}: {line}\n"));
                }
            }
            out.push_str("If the user allows it, the verdict below stands.\n");
        }
    }
    // The lines CORS reads; the engine's others (User-Agent, Sec-Fetch-*, …) are in --json's exchanges.
    let cors_relevant = |name: &str| {
        let name = name.to_ascii_lowercase();
        name == "origin"
            || name.starts_with("access-control-request-")
            || matches!(name.as_str(), "authorization" | "cookie" | "content-type")
            || args.headers.iter().any(|(own, _)| own.eq_ignore_ascii_case(&name))
    };
    for x in exchanges {
        out.push_str(&format!("\n> {} {}\n", x.method, x.url));
        let mut others = 0;
        for (n, v) in &x.request_headers {
            if cors_relevant(n) {
                out.push_str(&format!(">   {n}: {v}\n"));
            } else {
                others += 1;
            }
        }
        if others > 0 {
            out.push_str(&format!(
                ">   (and {others} more lines the engine sets itself; --json lists them)\n"
            ));
        }
        out.push_str(&format!("< {}\n", x.response.status));
        for (n, v) in x.response.headers.iter().filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            browser_model::http::is_cors_response_header(n.as_str())
        }) {
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
