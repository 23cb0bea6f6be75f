//! `cors-sandbox check --scan`: the `Origin`s an attacker would try, and what each lets a page there do,
//! graded by what it can read.
//!
//! - **high**: a page on that origin reads the answer with the user's cookies (the server sends that
//!   origin back with `Access-Control-Allow-Credentials: true`) — whatever the cookies unlock;
//! - **low**: it reads the answer without cookies — only what anyone could fetch, unless the server
//!   trusts something else about the caller (its network, its IP);
//! - a reflected `Access-Control-Allow-Origin` without `Vary: Origin`: a shared cache (a CDN, a proxy)
//!   can serve the answer made for one origin to another (low: it breaks or leaks cached answers, it
//!   adds no read with cookies);
//! - a preflight that allows any method or header with credentials (it echoes what it is asked): high
//!   when it does so for any origin, low for the page's own.
//!
//! Whether a page may read an answer is the browser model's to say (`browser_model::judge`): the scan
//! only sends the requests and reads the answers' `Vary`. It never sends a method a preflight allowed:
//! the preflight's answer is enough, and the actual request could change something.

use browser_model::{
    AddressSpace, Answer, Credentials, Fetch, PageState, Permission, Request, Response, Sending, Step, Url,
};
use serde_json::{Value, json};

use super::{CheckArgs, Client, frameworks, page_origin, send, target_url};

/// The method and header a preflight is asked for, so unlikely that only an echo allows them.
const ODD_METHOD: &str = "CORS-SANDBOX-PROBE";
const ODD_HEADER: &str = "x-cors-sandbox-probe";

/// How bad a finding is: what it lets a page on another origin do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Grade {
    High,
    Low,
}

impl Grade {
    fn as_str(self) -> &'static str {
        match self {
            Grade::High => "high",
            Grade::Low => "low",
        }
    }
}

/// One `Origin` an attacker would try, and what the server made of it.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    kind: &'static str,
    origin: String,
    /// A page there may read the answer without credentials.
    accepted: bool,
    /// … and with the user's cookies.
    with_credentials: bool,
    grade: Option<Grade>,
}

/// One thing the scan found, worst first when listed.
#[derive(Debug, Clone)]
pub(super) struct Finding {
    grade: Grade,
    kind: &'static str,
    what: String,
}

/// What `--scan` found.
#[derive(Debug, Clone)]
pub(super) struct Scan {
    probes: Vec<Probe>,
    findings: Vec<Finding>,
}

/// The `Origin`s CORS scanners (CORScanner, Corsy) try, built from the legitimate `origin`.
fn probes_for(origin: &Url) -> Vec<(&'static str, String)> {
    let port =
        if origin.authority() == origin.host() { String::new() } else { format!(":{}", origin.port()) };
    let host = origin.host();
    let scheme = origin.scheme();
    let other = if origin.is_secure() { "http" } else { "https" };
    let mut probes = vec![
        ("any origin", "https://evil.example".to_string()),
        ("null", "null".to_string()),
        ("prefix: your host, then more", format!("{scheme}://{host}.evil.example")),
        ("suffix: more, then your host", format!("{scheme}://evil{host}{port}")),
        ("a subdomain of your host", format!("{scheme}://evil.{host}{port}")),
        ("the other scheme", format!("{other}://{host}{port}")),
        (
            "substring: part of your host",
            format!("{scheme}://{}.example", host.get(..host.len().saturating_sub(1)).unwrap_or(host)),
        ),
    ];
    // An unescaped dot in a regex (`api.example.com` also matches `apixexample.com`).
    if let Some(dot) = host.rfind('.') {
        probes.push(("unescaped dot", format!("{scheme}://{}x{}{port}", &host[..dot], &host[dot + 1..])));
    }
    probes
}

/// Sends the request once from the page's own origin and once per probe, as a page there would; then
/// the odd preflights.
pub(super) async fn scan(args: &CheckArgs, client: &Client) -> Result<Scan, String> {
    let target = target_url(&args.url)?;
    let page = page_origin(&args.origin)?;
    let method =
        browser_model::http::normalize_method(if args.method.is_empty() { "GET" } else { &args.method });
    let mut probes = Vec::new();
    let mut reflected = Vec::new();
    let own = [("your origin", page.origin_text())];
    for (kind, origin) in own.into_iter().chain(probes_for(&page)) {
        let lines = vec![("Origin".to_string(), origin.clone())];
        let response = send(client, &target, &method, &lines, args.data.as_deref()).await?;
        let (accepted, with_credentials) = (
            reads(args, &origin, &target, Credentials::Omit, &response),
            reads(args, &origin, &target, Credentials::Include, &response),
        );
        let acao = header(&response, "access-control-allow-origin");
        if acao.is_some_and(|v| v == origin) {
            reflected.push((origin.clone(), varies_by_origin(&response)));
        }
        if kind == "your origin" {
            continue;
        }
        let grade = if with_credentials { Some(Grade::High) } else { accepted.then_some(Grade::Low) };
        probes.push(Probe { kind, origin, accepted, with_credentials, grade });
    }
    let mut findings: Vec<Finding> = probes
        .iter()
        .filter_map(|p| {
            let what = match p.grade? {
                Grade::High => format!(
                    "A page on {} ({}) reads the answer with your users' cookies: whatever they unlock.",
                    p.origin, p.kind
                ),
                Grade::Low => format!(
                    "A page on {} ({}) reads the answer without cookies: only what anyone may fetch.",
                    p.origin, p.kind
                ),
            };
            Some(Finding { grade: p.grade?, kind: "origin accepted", what })
        })
        .collect();
    // Reflected: the answer names the very origin asked about; several did, so it changes with `Origin`.
    let unvaried: Vec<&str> = reflected.iter().filter(|(_, vary)| !vary).map(|(o, _)| o.as_str()).collect();
    if reflected.len() > 1 && !unvaried.is_empty() {
        findings.push(Finding {
            grade: Grade::Low,
            kind: "no Vary: Origin",
            what: format!(
                "Access-Control-Allow-Origin echoes the request's Origin, without Vary: Origin (for {}): a shared cache (a CDN, a proxy) can serve the answer made for one origin to another. Add Vary: Origin to every answer that echoes it.",
                unvaried.join(", ")
            ),
        });
    }
    for (origin, grade) in
        [(page.origin_text(), Grade::Low), ("https://evil.example".to_string(), Grade::High)]
    {
        if let Some(finding) = odd_preflights(args, client, &target, &origin, grade).await? {
            findings.push(finding);
        }
    }
    findings.sort_by_key(|f| f.grade);
    Ok(Scan { probes, findings })
}

/// Asks the preflight for an odd method, then for an odd header, with credentials, from `origin`: an
/// answer that allows them allows any.
async fn odd_preflights(
    args: &CheckArgs,
    client: &Client,
    target: &Url,
    origin: &str,
    grade: Grade,
) -> Result<Option<Finding>, String> {
    let method = Request::new(ODD_METHOD, target.as_str()).credentials(Credentials::Include);
    let header = Request::get(target.as_str()).header(ODD_HEADER, "1").credentials(Credentials::Include);
    let mut allowed = Vec::new();
    for (what, request) in [("any method", method), ("any header", header)] {
        let mut fetch = Fetch::start_in(args.engine, origin, &request, &CORS_ALONE);
        let Step::Send(out) = fetch.step() else { continue };
        if out.sending != Sending::Preflight {
            continue;
        }
        let out = out.clone();
        let response = send(client, &out.url, &out.method, &out.headers(), None).await?;
        fetch.feed(Answer::Response(&response));
        // The stepper asks for the actual request only when the preflight passed; it is never sent.
        if matches!(fetch.step(), Step::Send(next) if next.sending == Sending::Request) {
            allowed.push(what);
        }
    }
    if allowed.is_empty() {
        return Ok(None);
    }
    let whom = if grade == Grade::High {
        format!(
            "for any origin ({origin}): a page anywhere sends them with your users' cookies and reads the answer"
        )
    } else {
        format!("for your own page ({origin}): broader than it needs; list the methods and headers it uses")
    };
    Ok(Some(Finding {
        grade,
        kind: "preflight allows anything with credentials",
        what: format!(
            "The preflight allows {} with credentials (it echoes what it is asked: {ODD_METHOD}, {ODD_HEADER}) {whom}.",
            allowed.join(" and ")
        ),
    }))
}

/// The page the probes come from, for the model: the scan asks what the server's CORS answer lets a page on
/// another origin read, wherever the server runs. Local Network Access — a public page kept from reaching this
/// machine or the local network — is another question (a server scanned on `localhost` is not there in
/// production), so the page is taken to be on the server's own network, with the permission granted.
const CORS_ALONE: PageState =
    PageState { cookie: None, address_space: Some(AddressSpace::Loopback), permission: Permission::Granted };

/// Whether a page on `origin` reads `response` to a request for `target`, as the browser model judges it: a
/// simple GET's, since the CORS check on an answer is the same for every method.
fn reads(
    args: &CheckArgs,
    origin: &str,
    target: &Url,
    credentials: Credentials,
    response: &Response,
) -> bool {
    let request = Request::get(target.as_str()).credentials(credentials);
    let mut fetch = Fetch::start_in(args.engine, origin, &request, &CORS_ALONE);
    loop {
        let answer = match fetch.step() {
            Step::Done(verdict) => return verdict.allowed,
            Step::Send(out) if out.sending == Sending::Request => Answer::Response(response),
            Step::Send(_) => Answer::NotRecorded,
        };
        fetch.feed(answer);
    }
}

fn header<'r>(response: &'r Response, name: &str) -> Option<&'r str> {
    response.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Whether the answer says it varies by `Origin` (`Vary: Origin`, or `Vary: *`).
fn varies_by_origin(response: &Response) -> bool {
    response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
        .flat_map(|(_, v)| browser_model::http::list_items(v))
        .any(|name| name.eq_ignore_ascii_case("origin") || name == "*")
}

impl Scan {
    /// `scan` (each probe, graded) and `scan_findings` (worst first), for `--json`.
    pub(super) fn add_to(&self, out: &mut Value) {
        out["scan"] = json!(
            self.probes
                .iter()
                .map(|p| json!({
                    "kind": p.kind,
                    "origin": p.origin,
                    "accepted": p.accepted,
                    "with_credentials": p.with_credentials,
                    "grade": p.grade.map(Grade::as_str),
                }))
                .collect::<Vec<_>>()
        );
        out["scan_findings"] = json!(
            self.findings
                .iter()
                .map(|f| json!({
                    "grade": f.grade.as_str(),
                    "kind": f.kind,
                    "what": f.what,
                }))
                .collect::<Vec<_>>()
        );
    }

    /// The probes and the findings, for a person.
    pub(super) fn for_a_person(&self) -> String {
        let mut out = String::from("\nThe Origins an attacker would try:\n");
        for p in &self.probes {
            let what = if p.with_credentials {
                "HIGH: read with credentials: a page there reads what your users' cookies unlock"
            } else if p.accepted {
                "low: read without credentials: a page there reads what needs no cookie"
            } else {
                "refused"
            };
            out.push_str(&format!("  {:<30} {:<36} {what}\n", p.kind, p.origin));
        }
        if self.probes.iter().any(|p| p.kind == "any origin" && p.with_credentials) {
            out.push_str(&frameworks::reflected_with_credentials());
        }
        if self.findings.is_empty() {
            out.push_str("\nNothing found: only your origin reads the answer.\n");
        } else {
            out.push_str("\nFindings, worst first:\n");
            for f in &self.findings {
                out.push_str(&format!("  [{}] {}\n", f.grade.as_str(), f.what));
            }
        }
        out
    }
}
