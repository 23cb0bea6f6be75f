//! The page's side: its origin (what `Origin` carries and ACAO must equal) and its URL.
//!
//! An origin is scheme + host + port (HTML "origin"). `http://localhost:3000`,
//! `http://127.0.0.1:3000` and `https://localhost:3000` are three different origins; a path
//! or a trailing slash is not part of an origin at all.

use crate::url::{self, Origin};

/// Who is calling `fetch()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// The page's origin; `null` (opaque) for a sandboxed iframe.
    pub(crate) origin: Origin,
    /// The origin serialized once: `Origin:` and every message carry it.
    serialized: String,
    /// The page's URL, which Firefox names in its "Security Error" messages. When the caller
    /// gives only an origin, the page is taken to be that origin's `/`.
    pub(crate) url: String,
}

impl Page {
    /// Reads the caller's `page_origin`: an origin (`http://localhost:3000`), a whole page URL
    /// (`http://localhost:3000/lab`), or `null` for an opaque origin.
    pub(crate) fn parse(page_origin: &str) -> Page {
        let text = page_origin.trim();
        match url::parse(text) {
            Some(parsed) if parsed.is_http() => {
                let origin = parsed.origin();
                let serialized = origin.serialize();
                let url = if parsed.is_origin_root() { format!("{serialized}/") } else { parsed.serialize() };
                Page { serialized, origin, url }
            }
            // `null`, `about:srcdoc`, `data:…`: an opaque origin, never same-origin.
            _ => Page { origin: Origin::Opaque, serialized: "null".into(), url: text.to_string() },
        }
    }

    /// The serialized origin, as it appears in `Origin:` and in Chromium's messages.
    pub(crate) fn origin_text(&self) -> String {
        self.serialized.clone()
    }

    /// The serialized origin, borrowed.
    pub(crate) fn origin_str(&self) -> &str {
        &self.serialized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_and_a_page_url_give_the_same_origin() {
        let a = Page::parse("http://localhost:3000");
        let b = Page::parse("http://localhost:3000/lab?x=1");
        assert_eq!(a.origin, b.origin);
        assert_eq!(a.origin_text(), "http://localhost:3000");
        assert_eq!(a.url, "http://localhost:3000/");
        assert_eq!(b.url, "http://localhost:3000/lab?x=1");
    }

    #[test]
    fn null_is_an_opaque_origin() {
        let page = Page::parse("null");
        assert_eq!(page.origin, Origin::Opaque);
        assert_eq!(page.origin_text(), "null");
        assert!(!page.origin.same_origin(&Origin::Opaque));
    }
}
