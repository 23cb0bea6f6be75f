//! A request copied from DevTools — "Copy as cURL" or "Copy as fetch", Chromium's or Firefox's — read
//! back into the lab's request form.
//!
//! The text is somebody else's, and a cURL command is a shell command: it is **read as data and never
//! run**. The readers below understand exactly what the two DevTools front ends write (the recorded
//! copies are in `tests/fixtures/copied-requests/`) and refuse, with a sentence, whatever would make a
//! shell or cmd.exe do more than start one `curl`.
//!
//! The request is then read as the lab can send it (`lab_form`): the URL must be the sandbox's own API
//! (else the answer offers the `cors-sandbox check` command for it), the headers the browser sets itself
//! are dropped with a sentence (a page cannot set `User-Agent`, `Sec-Fetch-*` or `Origin`), a cookie
//! becomes `credentials: 'include'`, and every other thing the form cannot carry is named.
//!
//! # Layout
//!
//! - [`read`]: which copy this is, and the reader for it.
//! - `posix` and `cmd`: a command line's words, as bash and as cmd.exe with the C runtime would split it.
//! - `curl`: curl's arguments as a request; `fetch_call`: a `fetch(…)` call as a request.
//! - `lab_form`: a copied request as the lab's form, what was left out and why, or the `check` command.
//! - `route`: `POST /sandbox/paste`.

mod cmd;
mod curl;
mod fetch_call;
mod lab_form;
mod posix;
pub mod route;

pub use lab_form::{Form, Pasted, SandboxApi};

/// The largest copy the lab reads, in bytes: a request with a generous body.
pub const MAX_PASTE: usize = 64 * 1024;

/// Which DevTools menu item (or hand) wrote the text, as far as its shape tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Chromium's "Copy as cURL (bash)" (on Linux and macOS, "Copy as cURL").
    ChromiumCurlBash,
    /// Chromium's "Copy as cURL (cmd)", on Windows.
    ChromiumCurlCmd,
    /// Firefox's "Copy as cURL (POSIX)" (on Linux and macOS, "Copy as cURL").
    FirefoxCurlPosix,
    /// Firefox's "Copy as cURL (Windows)".
    FirefoxCurlWindows,
    /// A curl command for a POSIX shell in no DevTools' exact shape (written or edited by hand).
    CurlPosix,
    /// A curl command for cmd.exe in no DevTools' exact shape.
    CurlCmd,
    /// Chromium's "Copy as fetch".
    ChromiumFetch,
    /// Chromium's "Copy as fetch (Node.js)".
    ChromiumFetchNode,
    /// Firefox's "Copy as Fetch".
    FirefoxFetch,
}

impl Format {
    /// The menu item, as the page names it.
    pub fn title(self) -> &'static str {
        match self {
            Format::ChromiumCurlBash => "Chromium's Copy as cURL (bash)",
            Format::ChromiumCurlCmd => "Chromium's Copy as cURL (cmd)",
            Format::FirefoxCurlPosix => "Firefox's Copy as cURL (POSIX)",
            Format::FirefoxCurlWindows => "Firefox's Copy as cURL (Windows)",
            Format::CurlPosix => "a curl command for a POSIX shell",
            Format::CurlCmd => "a curl command for cmd.exe",
            Format::ChromiumFetch => "Chromium's Copy as fetch",
            Format::ChromiumFetchNode => "Chromium's Copy as fetch (Node.js)",
            Format::FirefoxFetch => "Firefox's Copy as Fetch",
        }
    }

    /// The name in the JSON answer.
    pub fn id(self) -> &'static str {
        match self {
            Format::ChromiumCurlBash => "chromium-curl-bash",
            Format::ChromiumCurlCmd => "chromium-curl-cmd",
            Format::FirefoxCurlPosix => "firefox-curl-posix",
            Format::FirefoxCurlWindows => "firefox-curl-windows",
            Format::CurlPosix => "curl-posix",
            Format::CurlCmd => "curl-cmd",
            Format::ChromiumFetch => "chromium-fetch",
            Format::ChromiumFetchNode => "chromium-fetch-nodejs",
            Format::FirefoxFetch => "firefox-fetch",
        }
    }
}

/// What a copy says, before the lab reads it: the request as written, and what the reader could not
/// take from the text.
#[derive(Debug, Clone)]
pub struct Copied {
    pub format: Format,
    pub url: String,
    /// The method as written; `None` when the copy leaves it implied.
    pub method: Option<String>,
    /// Every header line, in order, as written (browser-set ones included).
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// `fetch()` options a fetch copy wrote.
    pub credentials: Option<String>,
    pub mode: Option<String>,
    pub redirect: Option<String>,
    pub cache: Option<String>,
    /// A fetch copy's `referrer`.
    pub referrer: Option<String>,
    /// curl's options that do not change the request (`--compressed`, `-s`).
    pub ignored: Vec<String>,
    /// What the text holds that the reader did not take: files, unknown options, unknown fetch options.
    pub not_carried: Vec<String>,
    /// The `Content-Type` is curl's default for `-d`, not a line of the copy.
    pub curl_content_type: bool,
    /// A Chromium cmd copy wrote `^ ` where the request had a character outside ASCII.
    pub lost_characters: bool,
}

impl Copied {
    fn new(format: Format) -> Copied {
        Copied {
            format,
            url: String::new(),
            method: None,
            headers: Vec::new(),
            body: None,
            credentials: None,
            mode: None,
            redirect: None,
            cache: None,
            referrer: None,
            ignored: Vec::new(),
            not_carried: Vec::new(),
            curl_content_type: false,
            lost_characters: false,
        }
    }

    /// Whether a header of this name (any case) is among the copy's.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// Reads a pasted copy: which format it is, the request it describes, and that request as the lab's
/// form for `api`. A refusal is a sentence saying what to do.
pub fn read(text: &str, api: &SandboxApi) -> Result<Pasted, String> {
    lab_form::for_lab(copied(text)?, api)
}

/// The request a pasted copy describes, in whichever format it came.
pub fn copied(text: &str) -> Result<Copied, String> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(EMPTY.to_owned());
    }
    // For a URL that is not http(s), DevTools copies a comment instead of a request.
    if let Some(comment) = ["# ", "// "].iter().find_map(|mark| text.strip_prefix(mark))
        && comment.contains("Unsupported URL scheme")
    {
        return Err("DevTools copied no request, only \"Unsupported URL scheme\": it does so for a URL that is not http or https (data:, blob:, an extension's). The lab sends requests to its http API only.".into());
    }
    let first_word: String = text.chars().take_while(|c| !c.is_whitespace() && *c != '(').collect();
    match first_word.as_str() {
        "fetch" | "await" => fetch_call::read(text),
        "curl" | "curl.exe" => {
            let cmd = first_word == "curl.exe" || text.contains("^\"") || text.contains(" ^\n");
            let words = if cmd { cmd::words(text)? } else { posix::words(text)? };
            let mut copied = curl::read(&words, curl_format(text, cmd))?;
            copied.lost_characters = copied.format == Format::ChromiumCurlCmd && text.contains("^ ");
            Ok(copied)
        }
        _ => Err(format!(
            "This is neither a curl command nor a fetch() call: it starts with {:?}. In DevTools' Network panel, right-click the request and choose Copy, then Copy as cURL or Copy as fetch, and paste that here.",
            first_word.chars().take(40).collect::<String>()
        )),
    }
}

/// Which engine's cURL copy this is: Chromium starts with `curl --url`, Firefox with `curl 'URL'` (or
/// `curl.exe ^"URL^"`).
fn curl_format(text: &str, cmd: bool) -> Format {
    let chromium = text.starts_with("curl --url ");
    let firefox = text.starts_with("curl '") || text.starts_with("curl.exe ^\"");
    match (cmd, chromium, firefox) {
        (false, true, _) => Format::ChromiumCurlBash,
        (true, true, _) => Format::ChromiumCurlCmd,
        (false, _, true) => Format::FirefoxCurlPosix,
        (true, _, true) => Format::FirefoxCurlWindows,
        (false, _, _) => Format::CurlPosix,
        (true, _, _) => Format::CurlCmd,
    }
}

const EMPTY: &str = "Nothing was pasted. In DevTools' Network panel, right-click a request, choose Copy, then Copy as cURL or Copy as fetch, and paste it here.";

#[cfg(test)]
mod tests;
