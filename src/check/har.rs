//! `cors-sandbox check --har FILE`: every `fetch()` and XHR of a DevTools recording, judged as the browser
//! did (`client_site::har`, the same judge as the lab's HAR drop), printed for a person or as JSON.
//!
//! Exit status as `check`'s: 0 nothing blocked, 1 a request blocked, 2 the file cannot be judged (not a
//! HAR, over the size limit, or no cross-origin request in it). Everything printed from the file goes
//! through [`shown`]: a HAR is anyone's JSON, and a URL or a header value may carry terminal escapes.

use std::borrow::Cow;
use std::io::Read;

use client_site::har::{self, Judged, MAX_HAR_BYTES, Options, Outcome, Report};
use serde_json::json;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct HarArgs {
    /// The HAR file (`-` reads standard input).
    pub file: String,
    /// The page's origin, for the requests whose entries do not show it.
    pub origin: Option<String>,
    pub json: bool,
    pub show_secrets: bool,
}

/// Runs the judge; returns the exit status and what to print.
pub fn run(args: &HarArgs) -> (u8, String) {
    let judged = read(&args.file).and_then(|bytes| {
        let options = Options { origin: args.origin.clone(), show_secrets: args.show_secrets };
        har::judge(&bytes, &options)
    });
    let report = match judged {
        Ok(report) => report,
        Err(why) => {
            let text = if args.json {
                json!({ "error": why }).to_string()
            } else {
                format!("cors-sandbox check --har: {}", shown(&why))
            };
            return (2, text);
        }
    };
    let code = report.exit_status();
    let text = if args.json { report.to_json().to_string() } else { for_a_person(&args.file, &report) };
    (code, text)
}

/// The file's bytes, refusing one over [`MAX_HAR_BYTES`] before reading it.
fn read(path: &str) -> Result<Vec<u8>, String> {
    let opened: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", shown(path)))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or_default();
        if size > MAX_HAR_BYTES as u64 {
            return Err(har::too_large(Some(size)));
        }
        Box::new(file)
    };
    // Read one byte past the limit: a pipe, or a file that grows, is refused too.
    let mut bytes = Vec::new();
    opened
        .take(MAX_HAR_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", shown(path)))?;
    if bytes.len() > MAX_HAR_BYTES {
        return Err(har::too_large(None));
    }
    Ok(bytes)
}

/// `text` safe for a terminal: control characters (escape sequences, carriage returns, new lines) and the
/// bidirectional overrides that reorder what a line shows are written as `\u{…}`.
pub fn shown(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if unsafe_char(c) { format!("\\u{{{:x}}}", u32::from(c)) } else { c.to_string() })
            .collect(),
    )
}

fn for_a_person(file: &str, report: &Report) -> String {
    let mut out = String::new();
    let by = report.recorded_by.as_deref().map(|b| format!(", recorded by {}", shown(b))).unwrap_or_default();
    out.push_str(&format!(
        "{}{by}: {}, {} judged as {} does.\n",
        shown(file),
        count(report.entries, "entry", "entries"),
        count(report.requests.len(), "fetch() or XHR request", "fetch() and XHR requests"),
        report.engine.name()
    ));
    for request in &report.requests {
        out.push_str(&request_for_a_person(request, report));
    }
    out.push_str(&summary_for_a_person(report));
    if let Some(nothing) = report.nothing_to_judge() {
        out.push_str(&format!("\n{}\n", shown(&nothing)));
    }
    out
}

fn request_for_a_person(request: &Judged, report: &Report) -> String {
    let mark = match request.allowed() {
        _ if request.same_origin() => "= same-origin",
        Some(true) => "✓ allowed",
        Some(false) => "✗ BLOCKED",
        None => "? blocked only with credentials",
    };
    let mut out = format!(
        "\n{mark}  {} {}  (from {}; entries {})\n",
        shown(&request.method),
        shown(&request.url),
        shown(&request.origin),
        request.entries.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    );
    out.push_str(&format!("    {}\n", shown(&request.reason())));
    if let Some(not_cors) = request.not_cors() {
        out.push_str(&format!("    Usual causes: {}.\n", not_cors.causes().join("; ")));
    }
    for assumed in &request.assumed {
        out.push_str(&format!("    Assumed: {}\n", shown(assumed)));
    }
    if request.allowed() == Some(true) {
        return out;
    }
    for exchange in &request.exchanges {
        let status = exchange.status.map_or_else(|| exchange.answered.to_string(), |s| s.to_string());
        let entry = exchange.entry.map(|e| format!(" [entry {e}]")).unwrap_or_default();
        out.push_str(&format!("    > {} {}{entry}\n", shown(&exchange.method), shown(&exchange.url)));
        for (name, value) in relevant(&exchange.request_headers, report, shown_request_header) {
            out.push_str(&format!("    >   {}: {}\n", shown(name), shown(value)));
        }
        out.push_str(&format!("    < {status}\n"));
        for (name, value) in relevant(&exchange.response_headers, report, shown_response_header) {
            out.push_str(&format!("    <   {}: {}\n", shown(name), shown(value)));
        }
    }
    let verdict = request.verdict();
    for (engine, lines) in [
        (
            "Chromium",
            verdict.chromium_message.iter().chain(&verdict.chromium_network_message).collect::<Vec<_>>(),
        ),
        ("Firefox", verdict.firefox_messages.iter().collect()),
        ("WebKit", verdict.webkit_messages.iter().collect()),
    ] {
        for line in lines {
            out.push_str(&format!("    {engine:<9} {}\n", shown(line)));
        }
    }
    if let Outcome::DependsOnCredentials { .. } = request.outcome {
        out.push_str("    (the lines above are printed only if the page sent credentials)\n");
    }
    out
}

/// The request headers shown: what the page's origin and its preflight asked, and the credentials it sent.
fn shown_request_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "origin"
        || name.starts_with("access-control-request-")
        || name == "cookie"
        || name == "authorization"
}

/// The response headers shown: those CORS is about (`browser_model::http`, as `check` shows them), and
/// the cookie the answer set.
fn shown_response_header(name: &str) -> bool {
    browser_model::http::is_cors_response_header(name) || name.eq_ignore_ascii_case("set-cookie")
}

/// The header lines `shows` picks, secrets redacted unless `--show-secrets`.
fn relevant<'r>(
    headers: &'r [(String, String)],
    report: &Report,
    shows: fn(&str) -> bool,
) -> impl Iterator<Item = (&'r str, &'r str)> {
    let show = report.shows_secrets();
    headers
        .iter()
        .filter(move |(n, _)| shows(n))
        .map(move |(n, v)| (n.as_str(), har::shown_value(n, v, show)))
}

fn summary_for_a_person(report: &Report) -> String {
    let summary = report.summary();
    let causes: Vec<String> = summary.blocked_by.iter().map(|(cause, n)| format!("{n} {cause}")).collect();
    let causes = if causes.is_empty() { String::new() } else { format!(" ({})", causes.join(", ")) };
    let not_cors = if summary.not_cors > 0 {
        format!("; {} of them the server's error answer without CORS headers, not CORS", summary.not_cors)
    } else {
        String::new()
    };
    let mut out = format!(
        "\nSummary: {}: {} same-origin, {} allowed, {} blocked{causes}{not_cors}",
        count(summary.requests, "request", "requests"),
        summary.same_origin,
        summary.allowed,
        summary.blocked
    );
    if summary.depends_on_credentials > 0 {
        out.push_str(&format!(
            "; {} blocked only if the page sent credentials, which the file cannot show",
            summary.depends_on_credentials
        ));
    }
    out.push_str(".\n");
    if !summary.skipped.is_empty() {
        let skipped: Vec<String> =
            summary.skipped.iter().map(|(why, n)| format!("{n} × {}", why.as_str())).collect();
        out.push_str(&format!("Not judged: {}.\n", skipped.join("; ")));
    }
    out
}

/// `1 request`, `2 requests`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
