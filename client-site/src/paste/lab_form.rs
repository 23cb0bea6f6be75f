//! A copied request as the lab can send it: the form's fields, a sentence for everything left out, or —
//! for a URL that is not the sandbox's API — the `cors-sandbox check` command that asks that server.
//!
//! A copy holds every line the browser sent, and most of them the page never wrote. The lab's page sends
//! the request with `fetch()`, which may not set the browser's own headers (Fetch §2.2.2 "forbidden
//! request-header", `browser_model::is_forbidden_request_header`): `User-Agent`, `Origin`, `Referer`,
//! `Sec-Fetch-*`, `sec-ch-ua*`, `Cookie`, `Connection`… Those are dropped, with a sentence. A few others
//! a page may set but the browser sets by default (`Accept: */*`, `Accept-Language`, `Priority`, the
//! `Pragma`/`Cache-Control: no-cache` pair of a reload) are dropped too, since sending them from the page
//! would ask for a preflight the original request never needed; the sentence says to add one back if the
//! page did set it. What the dropped lines tell is kept: a `Cookie` means `credentials: 'include'`,
//! `Sec-Fetch-Mode` is the `fetch()` mode, `Origin` or `Referer` is the page the request came from.

use browser_model::{Credentials, Mode, RedirectMode, Url};
use serde::Serialize;

use super::{Copied, Format};

/// Where the sandbox's API is, and the lab page's own origin, for the `Host` the page was opened with.
#[derive(Clone, Debug)]
pub struct SandboxApi {
    /// The names the API answers to (`localhost`, `127.0.0.1`, …).
    pub hosts: Vec<String>,
    pub port: u16,
    /// The API's origin as the lab's page calls it, e.g. `http://localhost:8000`.
    pub origin: String,
    /// The lab page's origin, e.g. `http://localhost:3000`.
    pub page_origin: String,
}

impl SandboxApi {
    /// Whether `url` is on the sandbox's API: `http`, one of its names, its port.
    fn is_own(&self, url: &Url) -> bool {
        url.scheme() == "http"
            && url.port() == self.port
            && self.hosts.iter().any(|h| h.eq_ignore_ascii_case(url.host()))
    }
}

/// The lab's request form, field by field (the names are the form's own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Form {
    /// The URL's path and query.
    pub path: String,
    pub method: String,
    /// One `Name: value` per line.
    pub headers: String,
    /// `none`, or `raw`: the body as pasted.
    pub body: &'static str,
    pub body_raw: String,
    pub credentials: &'static str,
    pub mode: &'static str,
    /// Only when the copy says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<&'static str>,
}

/// What the page gets back for a pasted copy.
#[derive(Clone, Debug, Serialize)]
pub struct Pasted {
    /// The format's name (`chromium-curl-bash`, …) and its title for a person.
    pub format: &'static str,
    pub read_as: &'static str,
    /// The URL the copy requests.
    pub url: String,
    /// The form, filled; `None` when the URL is not the sandbox's API.
    pub form: Option<Form>,
    /// One sentence: what the form now holds, or why it was left as it was.
    pub summary: String,
    /// A sentence for each thing not carried over, or changed, and why.
    pub notes: Vec<String>,
    /// For another server's URL: the command that asks it as a browser would, quoted for a POSIX shell.
    pub check_command: Option<String>,
}

/// The most headers the form carries: the lab reports at most 64 of a request's headers.
const MAX_HEADERS: usize = 60;

/// The copy read as the lab's request, or the sentence saying why it cannot be.
pub(super) fn for_lab(copied: Copied, api: &SandboxApi) -> Result<Pasted, String> {
    let url = Url::parse(&copied.url).map_err(|_| {
        format!("The copy's URL, {:?}, is not a URL: copy the request again.", shorten(&copied.url))
    })?;
    if !url.is_http() {
        return Err(format!(
            "The copy's URL is {}, not an http or https one: the lab sends requests to its http API only.",
            shorten(url.as_str())
        ));
    }
    let mut notes = Vec::new();
    let lines = Lines::sort(&copied.headers, &mut notes);
    let method =
        copied.method.clone().unwrap_or_else(|| if copied.body.is_some() { "POST" } else { "GET" }.into());
    if !browser_model::http::is_token(&method) {
        return Err(format!(
            "The method {:?} is not an HTTP method: copy the request again.",
            shorten(&method)
        ));
    }
    let mut body = copied.body.clone();
    if body.is_some() && matches!(method.to_ascii_uppercase().as_str(), "GET" | "HEAD") {
        body = None;
        notes.push(format!(
            "Dropped the body: fetch() refuses one with {method}, so a browser never sent it."
        ));
    }
    if body.is_none() && lines.content_length.is_some_and(|n| n > 0) {
        notes.push(lost_body(copied.format, lines.content_length.unwrap_or(0), &method));
    }
    if matches!(copied.format, Format::ChromiumCurlBash | Format::ChromiumCurlCmd)
        && lines.sec_fetch_mode.is_none()
    {
        notes.push(PROVISIONAL.to_owned());
    }
    if matches!(copied.format, Format::ChromiumCurlCmd | Format::FirefoxCurlWindows)
        && body.as_deref().is_some_and(|b| b.contains('\n'))
    {
        notes.push("DevTools' cmd copies write every line break of a body as a bare line feed: a CRLF has lost its CR here. Copy as cURL (bash) or as fetch keeps it.".into());
    }
    let credentials = credentials(&copied, &lines, &mut notes);
    let mode = mode(&copied, &lines, &mut notes);
    notes.extend(other_notes(&copied));
    let page = lines.page_origin(copied.referrer.as_deref());
    if !api.is_own(&url) {
        let command =
            check_command(&url, page.as_deref(), &method, &lines, body.as_deref(), credentials, mode);
        if page.is_none() {
            notes.push(format!("The copy does not say which page sent it (no Origin or Referer): replace {PLACEHOLDER_ORIGIN} in the command with your page's origin."));
        }
        return Ok(Pasted {
            format: copied.format.id(),
            read_as: copied.format.title(),
            url: url.as_str().to_owned(),
            form: None,
            summary: format!(
                "This request goes to {}, not to the sandbox's API ({}): the lab sends only to its own API, so the form is unchanged. The command below asks your server as a browser would, and says what the browser decides.",
                url.origin_text(),
                api.origin
            ),
            notes,
            check_command: Some(command),
        });
    }
    if let Some(page) = page.filter(|page| *page != api.page_origin) {
        notes.push(format!("The request came from a page on {page}; here it comes from the lab's page, {}, so the API's policy must allow that origin instead.", api.page_origin));
    }
    let mut headers = lines.page;
    if headers.len() > MAX_HEADERS {
        notes.push(format!(
            "Kept the first {MAX_HEADERS} of the {} headers: the lab sends at most {MAX_HEADERS}.",
            headers.len()
        ));
        headers.truncate(MAX_HEADERS);
    }
    let form = Form {
        path: url.request_target(),
        method,
        headers: headers.iter().map(|(n, v)| format!("{n}: {v}")).collect::<Vec<_>>().join("\n"),
        body: if body.is_some() { "raw" } else { "none" },
        body_raw: body.unwrap_or_default(),
        credentials: credentials.as_str(),
        mode: mode.as_str(),
        redirect: copied
            .redirect
            .as_deref()
            .and_then(|r| r.parse::<RedirectMode>().ok())
            .map(RedirectMode::as_str),
        cache: copied.cache.as_deref().and_then(|c| ["no-store", "default"].into_iter().find(|k| *k == c)),
    };
    Ok(Pasted {
        format: copied.format.id(),
        read_as: copied.format.title(),
        url: url.as_str().to_owned(),
        summary: summary(&form, headers.len()),
        form: Some(form),
        notes,
        check_command: None,
    })
}

/// The copy's header lines, sorted by who set them.
struct Lines {
    /// The lines a page's `fetch()` could have set, kept.
    page: Vec<(String, String)>,
    /// The `Cookie` line's value (`-b` in Chromium's cURL copies).
    cookie: Option<String>,
    origin: Option<String>,
    referer: Option<String>,
    sec_fetch_mode: Option<String>,
    content_length: Option<u64>,
}

impl Lines {
    fn sort(headers: &[(String, String)], notes: &mut Vec<String>) -> Lines {
        let mut lines = Lines {
            page: Vec::new(),
            cookie: None,
            origin: None,
            referer: None,
            sec_fetch_mode: None,
            content_length: None,
        };
        let (mut forbidden, mut defaults, mut invalid) = (Vec::new(), Vec::new(), Vec::new());
        let reload = has(headers, "pragma", "no-cache") && has(headers, "cache-control", "no-cache");
        for (name, value) in headers {
            let lower = name.to_ascii_lowercase();
            match lower.as_str() {
                "cookie" => lines.cookie = Some(value.clone()),
                "origin" => lines.origin = Some(value.clone()),
                "referer" => lines.referer = Some(value.clone()),
                "sec-fetch-mode" => lines.sec_fetch_mode = Some(value.to_ascii_lowercase()),
                "content-length" => lines.content_length = value.trim().parse().ok(),
                _ => {}
            }
            if browser_model::is_forbidden_request_header(name, value) {
                if lower != "cookie" && !forbidden.contains(name) {
                    forbidden.push(name.clone());
                }
            } else if is_browser_default(&lower, value, reload) {
                defaults.push(format!("{name}: {value}"));
            } else if !browser_model::http::is_token(name) || !fetch_accepts_value(value) {
                invalid.push(shorten(name));
            } else {
                lines.page.push((name.clone(), value.clone()));
            }
        }
        if !forbidden.is_empty() {
            notes.push(format!(
                "Dropped {} the browser sets itself, which a page's fetch() may not set: {}.",
                count(forbidden.len(), "header", "headers"),
                forbidden.join(", ")
            ));
        }
        if !defaults.is_empty() {
            notes.push(format!(
                "Dropped the browser's own defaults, {}: sent from the page they could ask for a preflight the original request never needed. If your page set one itself, add it back.",
                defaults.join("; ")
            ));
        }
        if !invalid.is_empty() {
            notes.push(format!(
                "Dropped {}: a name or value fetch() refuses (a line break, a character beyond U+00FF).",
                invalid.join(", ")
            ));
        }
        lines
    }

    /// The origin of the page that sent the request: its `Origin`, or its `Referer`'s (or a fetch copy's
    /// `referrer`) origin.
    fn page_origin(&self, referrer: Option<&str>) -> Option<String> {
        if let Some(origin) = self.origin.as_deref().filter(|o| *o != "null") {
            return Some(origin.to_owned());
        }
        let referrer = referrer.or(self.referer.as_deref())?;
        Url::parse(referrer).ok().filter(Url::is_http).map(|url| url.origin_text())
    }
}

fn has(headers: &[(String, String)], name: &str, value: &str) -> bool {
    headers.iter().any(|(n, v)| n.eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value))
}

/// A line the browser writes by itself on a `fetch()`, which a page may also set but rarely does.
fn is_browser_default(lower: &str, value: &str, reload: bool) -> bool {
    match lower {
        "accept" => value.trim() == "*/*",
        "accept-language" | "priority" | "upgrade-insecure-requests" => true,
        "pragma" | "cache-control" => reload,
        _ => false,
    }
}

/// Whether `fetch()` accepts `value` for a header: no NUL, CR or LF, and every character a byte (a
/// JavaScript ByteString).
fn fetch_accepts_value(value: &str) -> bool {
    value.chars().all(|c| !matches!(c, '\0' | '\r' | '\n') && u32::from(c) <= 0xff)
}

/// `credentials`: a cookie in the copy means `include`; a fetch copy says what DevTools inferred.
fn credentials(copied: &Copied, lines: &Lines, notes: &mut Vec<String>) -> Credentials {
    if lines.cookie.is_some() {
        notes.push("The request carried a cookie. A page cannot set Cookie: the browser sends its own cookies when fetch() has credentials: 'include', so the form says include (the cookie itself is not copied).".into());
        return Credentials::Include;
    }
    let Some(written) = copied.credentials.as_deref() else { return Credentials::SameOrigin };
    match written.parse::<Credentials>() {
        Ok(Credentials::Include) => {
            notes.push("DevTools writes credentials: \"include\" whenever the request carried a cookie or an Authorization header; it cannot see what the page wrote. The form keeps include.".into());
            Credentials::Include
        }
        Ok(other) => other,
        Err(_) => {
            notes.push(format!(
                "credentials: {:?} is not one of omit, same-origin, include: the form keeps same-origin.",
                shorten(written)
            ));
            Credentials::SameOrigin
        }
    }
}

/// `mode`: the request's `Sec-Fetch-Mode` says it; DevTools' fetch copies write `cors` for every request.
fn mode(copied: &Copied, lines: &Lines, notes: &mut Vec<String>) -> Mode {
    let written = copied.mode.as_deref();
    let Some(seen) = lines.sec_fetch_mode.as_deref() else {
        return match written.map(str::parse::<Mode>) {
            Some(Ok(Mode::NoCors)) => Mode::NoCors,
            Some(Ok(Mode::SameOrigin)) => {
                notes.push("mode: \"same-origin\" fails for any other origin, and the lab's page is on another origin than its API: the form says cors.".into());
                Mode::Cors
            }
            _ => Mode::Cors,
        };
    };
    let mode = match seen {
        "no-cors" => Mode::NoCors,
        "cors" => Mode::Cors,
        other => {
            notes.push(format!("The request's Sec-Fetch-Mode is {other}: it was no fetch() of a page (a navigation, a script or an image), which the lab sends as fetch() with mode cors."));
            return Mode::Cors;
        }
    };
    if written.is_some_and(|w| w != mode.as_str()) {
        notes.push(format!("DevTools wrote mode: {:?}, as it does for every request, but the request's Sec-Fetch-Mode says {}: the form says {}.", written.unwrap_or(""), mode.as_str(), mode.as_str()));
    }
    mode
}

/// Why a request with a `Content-Length` has no body in its copy.
fn lost_body(format: Format, length: u64, method: &str) -> String {
    let why = match format {
        Format::FirefoxCurlPosix | Format::FirefoxCurlWindows => format!(
            "Firefox's Copy as cURL writes a body only for POST, PUT and PATCH (this is {method}), and none for a request its preflight stopped"
        ),
        _ => "DevTools had no body to copy (a request stopped before it was sent has none)".to_owned(),
    };
    format!(
        "The request had a {length}-byte body (its Content-Length) that the copy leaves out: {why}. Copy it as fetch, or type the body in."
    )
}

/// The sentences for what a reader could not take from the text.
fn other_notes(copied: &Copied) -> Vec<String> {
    let mut notes = Vec::new();
    if !copied.ignored.is_empty() {
        notes.push(format!(
            "Ignored curl's own options, which change what curl does, not the request: {}.",
            copied.ignored.join(", ")
        ));
    }
    if !copied.not_carried.is_empty() {
        notes.push(format!(
            "Not carried over: {}.",
            copied.not_carried.iter().map(|n| shorten(n)).collect::<Vec<_>>().join("; ")
        ));
    }
    if copied.curl_content_type {
        notes.push("curl sends Content-Type: application/x-www-form-urlencoded with -d when the command gives none, so the form does too.".into());
    }
    if copied.lost_characters {
        notes.push("Chromium's Copy as cURL (cmd) writes a space (^ ) for every character outside ASCII: those characters are spaces here. Copy as cURL (bash) or as fetch keeps them.".into());
    }
    if copied.format == Format::ChromiumFetchNode {
        notes.push("Copy as fetch (Node.js) writes no mode and no credentials; the form says cors, and include only when the copy has a cookie.".into());
    }
    notes
}

/// Chromium's copy of a request whose final headers it never saw.
const PROVISIONAL: &str = "Chromium copied only the provisional headers (it has no others for a request its preflight stopped, or for some no-cors requests): there is no Sec-Fetch-Mode or Origin, so the mode, and whether a cookie went, are unknown. The form says cors.";

/// What the page's origin is written as when the copy does not say.
const PLACEHOLDER_ORIGIN: &str = "https://your-page.example";

/// `cors-sandbox check` for the copied request, every value quoted for a POSIX shell.
fn check_command(
    url: &Url,
    page: Option<&str>,
    method: &str,
    lines: &Lines,
    body: Option<&str>,
    credentials: Credentials,
    mode: Mode,
) -> String {
    let quote = server::export::shell_quote;
    let mut command = format!(
        "cors-sandbox check {} --origin {}",
        quote(url.as_str()),
        quote(page.unwrap_or(PLACEHOLDER_ORIGIN))
    );
    if method != "GET" {
        command.push_str(&format!(" -X {}", quote(method)));
    }
    for (name, value) in &lines.page {
        command.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
    }
    // check sends a Cookie only where the credentials mode lets the browser send one.
    if let Some(cookie) = &lines.cookie {
        command.push_str(&format!(" -H {}", quote(&format!("Cookie: {cookie}"))));
    }
    if let Some(body) = body {
        command.push_str(&format!(" --data {}", quote(body)));
    }
    if credentials != Credentials::SameOrigin {
        command.push_str(&format!(" --credentials {}", credentials.as_str()));
    }
    if mode != Mode::Cors {
        command.push_str(&format!(" --mode {}", mode.as_str()));
    }
    command
}

fn summary(form: &Form, headers: usize) -> String {
    let mut parts = vec![count(headers, "header", "headers")];
    if form.body == "raw" {
        parts.push(format!("a {}-character body", form.body_raw.chars().count()));
    }
    parts.push(format!("credentials {}", form.credentials));
    parts.push(format!("mode {}", form.mode));
    format!(
        "Filled the form: {} {} with {}. Press Send to make the request from this page.",
        form.method,
        form.path,
        parts.join(", ")
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// Text from the paste as a sentence shows it: at most 80 characters.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 80 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(79).collect::<String>())
    }
}
