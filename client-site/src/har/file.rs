//! The HAR file's shape, as far as the judge reads it (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/,
//! plus Chromium's `_resourceType` and `_error`), and its parsing into sentences when it fails.
//!
//! Strings are borrowed from the file where JSON lets them be (`Cow`, `#[serde(borrow)]`): a header name
//! or a URL without escapes costs no copy. Bodies (`response.content.text`) are not fields here, so serde
//! skips them without keeping them: a HAR is mostly bodies, and the verdict needs only the heads.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

/// The largest HAR the judge reads: 64 MiB.
///
/// The file is read whole (a HAR is one JSON object, and serde parses a slice about twice as fast as a
/// stream) and then holds the heads it keeps, so the judge peaks at a little more than the file's size.
/// DevTools exports of a page's session are a few megabytes; one of hundreds is a long session with its
/// images and videos inside, and the failing request is better exported alone.
pub const MAX_HAR_BYTES: usize = 64 * 1024 * 1024;

/// The sentence for a file over [`MAX_HAR_BYTES`], of `size` bytes when known.
pub fn too_large(size: Option<u64>) -> String {
    let size = size.map_or_else(|| "over the limit".to_string(), |s| format!("{} MB", s.div_ceil(1_000_000)));
    format!(
        "The HAR is {size}: the judge reads at most {} MiB (it holds the file in memory). Export only the \
         requests that failed: in DevTools' Network panel, filter to Fetch/XHR (or type the API's host in \
         the filter box), then \"Export HAR\" again.",
        MAX_HAR_BYTES / (1024 * 1024)
    )
}

/// `{"log": …}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Har<'a> {
    #[serde(borrow)]
    pub(crate) log: Log<'a>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Log<'a> {
    #[serde(borrow, default)]
    pub(crate) creator: Option<Creator<'a>>,
    #[serde(borrow, default)]
    pub(crate) browser: Option<Creator<'a>>,
    #[serde(borrow, default)]
    pub(crate) pages: Vec<Page<'a>>,
    #[serde(borrow)]
    pub(crate) entries: Vec<Entry<'a>>,
}

/// `creator` and `browser`: who wrote the file.
#[derive(Debug, Deserialize)]
pub(crate) struct Creator<'a> {
    #[serde(borrow, default)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) version: Cow<'a, str>,
}

/// One of `pages`: its id, and a title that is its URL in Chromium's and Firefox's exports.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<'a> {
    #[serde(borrow, default)]
    pub(crate) id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) title: Cow<'a, str>,
}

/// One request and its answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Entry<'a> {
    #[serde(borrow, default)]
    pub(crate) pageref: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) request: Request<'a>,
    #[serde(borrow)]
    pub(crate) response: Response<'a>,
    /// Chromium: `fetch`, `xhr`, `preflight`, `document`, `image`, … (Firefox writes no `_` field).
    #[serde(borrow, default, rename = "_resourceType")]
    pub(crate) resource_type: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Request<'a> {
    #[serde(borrow)]
    pub(crate) method: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) url: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) headers: Vec<Header<'a>>,
    /// Only counted: a request with cookies was sent with credentials.
    #[serde(default)]
    pub(crate) cookies: Vec<IgnoredAny>,
    #[serde(borrow, default, rename = "postData")]
    pub(crate) post_data: Option<PostData<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PostData<'a> {
    #[serde(borrow, default)]
    pub(crate) text: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Response<'a> {
    /// `0` when nothing came back; some tools write `-1`.
    #[serde(default)]
    pub(crate) status: i64,
    #[serde(borrow, default)]
    pub(crate) headers: Vec<Header<'a>>,
    #[serde(borrow, default, rename = "redirectURL")]
    pub(crate) redirect_url: Option<Cow<'a, str>>,
    /// Chromium: `net::ERR_FAILED` (blocked, or refused), `net::ERR_ABORTED` (e.g. an opaque no-cors
    /// answer), `net::ERR_CONNECTION_REFUSED`, …; `null` otherwise.
    #[serde(borrow, default, rename = "_error")]
    pub(crate) error: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Header<'a> {
    #[serde(borrow)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) value: Cow<'a, str>,
}

/// Parses `bytes` as a HAR, or says in a sentence why it is not one.
pub(crate) fn parse(bytes: &[u8]) -> Result<Har<'_>, String> {
    if bytes.len() > MAX_HAR_BYTES {
        return Err(too_large(Some(bytes.len() as u64)));
    }
    let text = bytes.trim_ascii();
    if text.is_empty() {
        return Err("The file is empty: a HAR is a JSON object that DevTools writes (Network panel, \
                    \"Export HAR\"). Export it again and choose the new file."
            .into());
    }
    if text[0] != b'{' {
        return Err("This is not a HAR: a HAR is a JSON object starting with {, and this file does not \
                    start with one. Choose the .har file DevTools wrote (Network panel, \"Export HAR\")."
            .into());
    }
    serde_json::from_slice::<Har<'_>>(bytes).map_err(|e| {
        let at = format!("line {} column {}", e.line(), e.column());
        match e.classify() {
            serde_json::error::Category::Eof => format!(
                "The HAR ends early, at {at}: the file was cut short (a download or a copy that did not \
                 finish). Export it again."
            ),
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => format!(
                "This is not valid JSON ({at}), so not a HAR: DevTools writes HARs as JSON. Export it \
                 again, and do not edit it by hand."
            ),
            serde_json::error::Category::Data => format!(
                "This is JSON, but not a HAR: {}. A HAR has {{\"log\": {{\"entries\": [...]}}}}, each entry \
                 with a request and a response.",
                describe_shape_error(&e)
            ),
        }
    })
}

/// serde's message without the values it quotes from the file (they may be anything), e.g.
/// `missing field "log"`.
fn describe_shape_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    let kept: String = message
        .chars()
        .scan(false, |in_quotes, c| {
            // Drop what serde quotes from the file ("invalid type: string \"…\""), keep the rest.
            if c == '"' {
                *in_quotes = !*in_quotes;
                return Some(if *in_quotes { Some('…') } else { None });
            }
            Some(if *in_quotes { None } else { Some(c) })
        })
        .flatten()
        .collect();
    format!("{kept} (line {} column {})", error.line(), error.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_bad_file_gets_its_sentence() {
        let say = |bytes: &[u8]| parse(bytes).map(|_| ()).expect_err("refused");
        assert!(say(b"").starts_with("The file is empty"));
        assert!(say(b"  \n").starts_with("The file is empty"));
        assert!(say(b"<html>").starts_with("This is not a HAR"));
        assert!(say(b"{\"log\": {\"entries\": [").starts_with("The HAR ends early"));
        assert!(say(b"{\"log\": }").starts_with("This is not valid JSON"));
        let shape = say(b"{\"lag\": 1}");
        assert!(shape.starts_with("This is JSON, but not a HAR: missing field `log`"), "{shape}");
    }

    #[test]
    fn what_serde_quotes_from_the_file_is_not_repeated() {
        let hostile =
            br#"{"log": {"entries": [{"request": {"method": 1, "url": "\u001b[31m"}, "response": {}}]}}"#;
        let said = parse(hostile).map(|_| ()).expect_err("refused");
        assert!(!said.contains('\u{1b}'), "{said:?}");
        let quoted = br#"{"log": {"entries": "\u001b]0;owned\u0007"}}"#;
        let said = parse(quoted).map(|_| ()).expect_err("refused");
        assert!(!said.contains("owned") && !said.contains('\u{7}'), "{said:?}");
    }

    #[test]
    fn bodies_are_not_kept_and_plain_strings_are_borrowed() {
        let har = br#"{"log": {"entries": [{"request": {"method": "GET", "url": "http://a.test/",
            "headers": [{"name": "Origin", "value": "http://b.test"}]},
            "response": {"status": 200, "content": {"text": "a large body"}}}]}}"#;
        let parsed = parse(har).expect("a HAR");
        let entry = &parsed.log.entries[0];
        assert!(matches!(entry.request.url, Cow::Borrowed(_)));
        assert_eq!(entry.request.headers[0].value, "http://b.test");
        assert_eq!(entry.response.status, 200);
    }
}
