//! Stand-ins for the Web Platform Tests' handlers that `fetch/api/cors/` fetches, served on four loopback
//! origins by tests/support/wpt_server.rs: what a real browser and `cors-sandbox check` are both pointed at in
//! tests/browser/wpt.rs. Each answers as WPT's own does (read in web-platform-tests/wpt, `fetch/api/
//! resources/`): the same query parameters, the same checks of the request, the same header lines in the
//! same order and spelling, the same stash.
//!
//! - `preflight.py`: `Access-Control-Allow-Origin` from `origin` (one line per `", "`-separated value) or
//!   `*`; `credentials`; on `OPTIONS` a 400 without `Access-Control-Request-Method` or without
//!   `Accept: */*`, then `max_age`, `allow_headers`, `allow_methods`, `preflight_status`, and the preflight
//!   stashed under `token` (with its `Access-Control-Request-Headers` when `control_request_headers`, its
//!   `Referer` and `User-Agent`); on any other method the stash taken back, a 400 for
//!   `checkUserAgentHeaderInPreflight` when the `User-Agent` differs from the preflight's, and the `x-*`
//!   report headers; `clear-stash`.
//! - `redirect.py`: the request's `Origin` allowed with credentials (or `*`); a preflight answered 200 unless
//!   `redirect_preflight`; `redirect_status` (302 by default); `location`, to which every query parameter and
//!   `count` are appended unless `simple` or its scheme is not http(s); `redirect_referrerpolicy`;
//!   `max_count`.
//! - `top.txt`: a static text file, with wptserve's `pipe=header(Name,Value[,True])|…`.
//! - `inspect-headers.py`: `x-request-<name>` for each of `headers`, and with `cors` the request's `Origin`
//!   allowed with credentials, its header names allowed (or `allow_headers`) and the `x-request-*` exposed.
//!
//! As wptserve does, the stash is one for the whole server, each handler's keys apart from the others'; a
//! handler that would fail in Python (a missing stash key, putting a key twice) answers 500.
//!

use std::collections::HashMap;
use std::sync::Mutex;

/// An answer: status, header lines in order, body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    fn new(status: u16, headers: Vec<(String, String)>, body: &str) -> Answer {
        Answer { status, headers, body: body.to_owned() }
    }

    /// What wptserve sends when the handler raised.
    fn server_error(why: &str) -> Answer {
        Answer::new(500, Vec::new(), why)
    }
}

/// What one handler keeps under one token.
#[derive(Clone, Debug)]
enum Stashed {
    Preflight {
        control_request_headers: Option<String>,
        preflight: &'static str,
        preflight_referrer: String,
        /// `None` until a preflight stored one: Python's missing key.
        preflight_user_agent: Option<String>,
    },
    Redirect {
        count: u32,
        preflight: &'static str,
    },
}

/// wptserve's stash: one per server, keyed by the handler's path and the token.
#[derive(Default)]
pub struct Stash(HashMap<(String, String), Stashed>);

impl Stash {
    /// Forgets every handler's value under `token`.
    pub fn forget(&mut self, token: &str) {
        self.0.retain(|(_, t), _| t != token);
    }

    fn take(&mut self, handler: &str, token: &str) -> Option<Stashed> {
        self.0.remove(&(handler.to_owned(), token.to_owned()))
    }

    /// wptserve refuses to overwrite a value still there.
    fn put(&mut self, handler: &str, token: &str, value: Stashed) -> Result<(), Answer> {
        let key = (handler.to_owned(), token.to_owned());
        if self.0.contains_key(&key) {
            return Err(Answer::server_error("StashError: tried to overwrite existing shared stash value"));
        }
        self.0.insert(key, value);
        Ok(())
    }
}

/// The request as a handler reads it.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// Path and query.
    pub target: &'a str,
    /// Header lines, names lower-cased.
    pub headers: &'a [(String, String)],
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The handler: the last path segment.
    fn handler(&self) -> &str {
        let path = self.target.split(['?', '#']).next().unwrap_or_default();
        path.rsplit('/').next().unwrap_or_default()
    }

    /// `request.GET`: every `name=value` pair of the query, decoded, blank values kept (Python's
    /// `parse_qsl(keep_blank_values=True)`).
    fn query(&self) -> Query {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        Query(
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (form_decode(name), form_decode(value))
                })
                .collect(),
        )
    }
}

/// A decoded query: wptserve's `MultiDict`.
struct Query(Vec<(String, String)>);

impl Query {
    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// `request.GET.first(name)` (and `request.GET[name]`, which is the same).
    fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Python's `int()` of a parameter; a value that is not a number raises.
    fn int(&self, name: &str) -> Result<Option<u16>, Answer> {
        self.first(name)
            .map(|v| {
                v.trim().parse().map_err(|_| Answer::server_error("ValueError: invalid literal for int()"))
            })
            .transpose()
    }

    /// The first value of each name, in the order the names first appear (a dict built from `items()`).
    fn firsts(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for (name, value) in &self.0 {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name, value));
            }
        }
        out
    }
}

fn line(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// `%XX` and `+` decoded, as `application/x-www-form-urlencoded` (and Python's `unquote_plus`) does.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Python's `quote_plus`: letters, digits and `_.-~` as they are, a space as `+`, the rest `%XX`.
fn quote_plus(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Python's `urlparse(url).scheme`: the scheme, lower-cased, or empty for a relative URL.
fn scheme_of(url: &str) -> String {
    let Some((scheme, _)) = url.split_once(':') else { return String::new() };
    let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if valid { scheme.to_ascii_lowercase() } else { String::new() }
}

/// `fetch/api/resources/preflight.py`.
fn preflight(request: &Incoming, stash: &mut Stash) -> Result<Answer, Answer> {
    const HANDLER: &str = "preflight.py";
    let get = request.query();
    let mut headers = vec![line("Content-Type", "text/plain")];
    let mut stashed = Stashed::Preflight {
        control_request_headers: Some(String::new()),
        preflight: "0",
        preflight_referrer: String::new(),
        preflight_user_agent: None,
    };
    let token = get.first("token");
    match get.first("origin") {
        Some(origins) => headers.extend(origins.split(", ").map(|o| line("Access-Control-Allow-Origin", o))),
        None => headers.push(line("Access-Control-Allow-Origin", "*")),
    }
    if get.has("clear-stash") {
        let had = token.and_then(|t| stash.take(HANDLER, t)).is_some();
        return Ok(Answer::new(200, headers, if had { "1" } else { "0" }));
    }
    if get.has("credentials") {
        headers.push(line("Access-Control-Allow-Credentials", "true"));
    }
    if request.method == "OPTIONS" {
        // response.set_error: the status and a message, none of the lines gathered so far.
        if request.header("access-control-request-method").is_none() {
            return Ok(Answer::new(400, Vec::new(), "ERROR: No access-control-request-method in preflight!"));
        }
        if request.header("accept").unwrap_or_default() != "*/*" {
            return Ok(Answer::new(400, Vec::new(), "ERROR: Invalid access in preflight!"));
        }
        let control_request_headers = if get.has("control_request_headers") {
            request.header("access-control-request-headers").map(str::to_owned)
        } else {
            Some(String::new())
        };
        for (parameter, name) in [
            ("max_age", "Access-Control-Max-Age"),
            ("allow_headers", "Access-Control-Allow-Headers"),
            ("allow_methods", "Access-Control-Allow-Methods"),
        ] {
            if let Some(value) = get.first(parameter) {
                headers.push(line(name, value));
            }
        }
        let status = get.int("preflight_status")?.unwrap_or(200);
        stashed = Stashed::Preflight {
            control_request_headers,
            preflight: "1",
            preflight_referrer: request.header("referer").unwrap_or_default().to_owned(),
            preflight_user_agent: Some(request.header("user-agent").unwrap_or_default().to_owned()),
        };
        if let Some(token) = token {
            stash.put(HANDLER, token, stashed)?;
        }
        return Ok(Answer::new(status, headers, ""));
    }
    if let Some(data) = token.and_then(|t| stash.take(HANDLER, t)) {
        stashed = data;
    }
    let Stashed::Preflight { control_request_headers, preflight, preflight_referrer, preflight_user_agent } =
        &stashed
    else {
        return Err(Answer::server_error("KeyError"));
    };
    if get.has("checkUserAgentHeaderInPreflight") {
        let Some(preflight_user_agent) = preflight_user_agent else {
            return Err(Answer::server_error("KeyError: preflight_user_agent"));
        };
        if request.header("user-agent") != Some(preflight_user_agent.as_str()) {
            return Ok(Answer::new(400, headers, "ERROR: No user-agent header in preflight"));
        }
    }
    headers.push(line(
        "Access-Control-Expose-Headers",
        "x-did-preflight, x-control-request-headers, x-referrer, x-preflight-referrer, x-origin",
    ));
    headers.push(line("x-did-preflight", preflight));
    if let Some(value) = control_request_headers {
        headers.push(line("x-control-request-headers", value));
    }
    headers.push(line("x-preflight-referrer", preflight_referrer));
    headers.push(line("x-referrer", request.header("referer").unwrap_or_default()));
    headers.push(line("x-origin", request.header("origin").unwrap_or_default()));
    if let Some(token) = token {
        stash.put(HANDLER, token, stashed.clone())?;
    }
    Ok(Answer::new(200, headers, ""))
}

/// `fetch/api/resources/redirect.py`.
fn redirect(request: &Incoming, stash: &mut Stash) -> Result<Answer, Answer> {
    const HANDLER: &str = "redirect.py";
    let get = request.query();
    let (mut count, mut preflight) = (0, "0");
    let mut status = 302;
    let mut headers = vec![
        line("Content-Type", "text/plain"),
        line("Cache-Control", "no-cache"),
        line("Pragma", "no-cache"),
    ];
    match request.header("origin") {
        Some(origin) => {
            headers.push(line("Access-Control-Allow-Origin", origin));
            headers.push(line("Access-Control-Allow-Credentials", "true"));
        }
        None => headers.push(line("Access-Control-Allow-Origin", "*")),
    }
    let token = get.first("token");
    if let Some(Stashed::Redirect { count: c, preflight: p }) = token.and_then(|t| stash.take(HANDLER, t)) {
        (count, preflight) = (c, p);
    }
    if request.method == "OPTIONS" {
        if let Some(allow) = get.first("allow_headers") {
            headers.push(line("Access-Control-Allow-Headers", allow));
        }
        preflight = "1";
        // The preflight is not redirected unless asked: 200.
        if !get.has("redirect_preflight") {
            if let Some(token) = token {
                stash.put(HANDLER, token, Stashed::Redirect { count, preflight })?;
            }
            return Ok(Answer::new(200, headers, ""));
        }
    }
    if let Some(asked) = get.int("redirect_status")? {
        status = asked;
    }
    count += 1;
    if let Some(location) = get.first("location") {
        let mut url = location.to_owned();
        if !get.has("simple") && matches!(scheme_of(&url).as_str(), "" | "http" | "https") {
            url.push(if url.contains('?') { '&' } else { '?' });
            // Every query parameter goes along, then the count (so that a loop's Location changes).
            let kept: Vec<String> =
                get.firsts().iter().map(|(n, v)| format!("{}={}", quote_plus(n), quote_plus(v))).collect();
            url.push_str(&kept.join("&"));
            url.push_str(&format!("&count={count}"));
        }
        headers.push(line("Location", &url));
    }
    if let Some(policy) = get.first("redirect_referrerpolicy") {
        headers.push(line("Referrer-Policy", policy));
    }
    if let Some(token) = token {
        stash.put(HANDLER, token, Stashed::Redirect { count, preflight })?;
        if let Some(max) = get.int("max_count")?
            && count > u32::from(max)
        {
            // A body alone: no header line of the handler's goes with it.
            return Ok(Answer::new(200, Vec::new(), &(count - 1).to_string()));
        }
    }
    Ok(Answer::new(status, headers, ""))
}

/// `fetch/api/resources/top.txt`, a static file, and wptserve's `header(…)` pipe.
fn top_txt(request: &Incoming) -> Answer {
    let mut headers = vec![line("Content-Type", "text/plain")];
    for step in request.query().first("pipe").unwrap_or_default().split('|') {
        let Some(arguments) = step.trim().strip_prefix("header(").and_then(|s| s.strip_suffix(')')) else {
            continue;
        };
        let parts = split_arguments(arguments);
        let [name, value, rest @ ..] = parts.as_slice() else { continue };
        let append = rest.first().is_some_and(|a| a == "True");
        if !append {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        }
        headers.push(line(name, value));
    }
    Answer::new(200, headers, "top")
}

/// A pipe's arguments: split at commas, a backslash escaping the next character.
fn split_arguments(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut().into_iter().for_each(|s| s.extend(chars.next())),
            ',' => out.push(String::new()),
            c => out.last_mut().into_iter().for_each(|s| s.push(c)),
        }
    }
    out
}

/// `fetch/api/resources/inspect-headers.py`.
fn inspect_headers(request: &Incoming) -> Result<Answer, Answer> {
    let get = request.query();
    let mut headers = Vec::new();
    let checked: Option<Vec<&str>> = get.first("headers").map(|h| h.split('|').collect());
    for name in checked.iter().flatten() {
        if let Some(value) = request.header(name) {
            headers.push((format!("x-request-{name}"), value.to_owned()));
        }
    }
    if get.has("cors") {
        headers.push(line("Access-Control-Allow-Origin", request.header("origin").unwrap_or("*")));
        headers.push(line("Access-Control-Allow-Credentials", "true"));
        headers.push(line("Access-Control-Allow-Methods", "GET, POST, HEAD"));
        let Some(checked) = &checked else {
            return Err(Answer::server_error("NameError: checked_headers"));
        };
        let exposed: Vec<String> = checked.iter().map(|name| format!("x-request-{name}")).collect();
        headers.push(line("Access-Control-Expose-Headers", &exposed.join(", ")));
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        headers.push(line(
            "Access-Control-Allow-Headers",
            get.first("allow_headers").unwrap_or(&names.join(", ")),
        ));
    }
    headers.push(line("content-type", "text/plain"));
    Ok(Answer::new(200, headers, ""))
}

/// What the handler named by the request's path answers (404 for any other path).
pub fn answer(request: &Incoming, stash: &Mutex<Stash>) -> Answer {
    let mut stash = stash.lock().unwrap_or_else(|p| p.into_inner());
    let answered = match request.handler() {
        "preflight.py" => preflight(request, &mut stash),
        "redirect.py" => redirect(request, &mut stash),
        "top.txt" => Ok(top_txt(request)),
        "inspect-headers.py" => inspect_headers(request),
        _ => Ok(Answer::new(404, vec![line("Content-Type", "text/plain")], "Not Found")),
    };
    answered.unwrap_or_else(|error| error)
}
