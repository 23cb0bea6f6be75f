//! The `http://` and `https://` URLs `check` sends to: split, percent-encoded as the URL parser writes them, and joined
//! with a redirect's `Location`.

/// The URL Standard's path percent-encode set, beyond C0 controls, space and non-ASCII.
const PATH_SET: &[u8] = b"\"#<>?`{}";
/// The URL Standard's special-query percent-encode set (http is special), beyond the same.
const SPECIAL_QUERY_SET: &[u8] = b"\"#<>'";

/// `part` with every byte of `set`, every control, space and non-ASCII byte written `%XX`, as the URL
/// parser writes a path or a query (https://url.spec.whatwg.org/#percent-encoded-bytes).
fn percent_encode(part: &str, set: &[u8]) -> String {
    let mut out = String::with_capacity(part.len());
    for &byte in part.as_bytes() {
        if byte <= b' ' || byte >= 0x7f || set.contains(&byte) {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push(byte as char);
        }
    }
    out
}

/// An `http://` or `https://` URL, split as the client needs it.
#[derive(Debug, Clone)]
pub(super) struct HttpUrl {
    pub(super) text: String,
    /// `https`.
    pub(super) secure: bool,
    pub(super) host: String,
    pub(super) port: u16,
    /// Path and query, from the first `/`.
    pub(super) path: String,
}

impl HttpUrl {
    pub(super) fn parse(text: &str) -> Result<HttpUrl, String> {
        let (secure, rest) = match (text.strip_prefix("http://"), text.strip_prefix("https://")) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => return Err(format!("{text:?} is not an http:// or https:// URL")),
        };
        // The fragment never leaves the browser.
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let (authority, path) = rest.find(['/', '?']).map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
        let path = if path.starts_with('?') { format!("/{path}") } else { path.to_owned() };
        // As the URL parser writes it, and so as the browser sends it and its console line shows it.
        let path = match path.split_once('?') {
            Some((path, query)) => {
                format!("{}?{}", percent_encode(path, PATH_SET), percent_encode(query, SPECIAL_QUERY_SET))
            }
            None => percent_encode(&path, PATH_SET),
        };
        let default_port = if secure { 443 } else { 80 };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => {
                (host, port.parse().map_err(|_| format!("{text}: the port {port:?} is not a number"))?)
            }
            _ => (authority, default_port),
        };
        if host.is_empty() || authority.contains('@') {
            return Err(format!("{text} has no host, or has a user name in it"));
        }
        let mut url = HttpUrl { text: String::new(), secure, host: host.to_ascii_lowercase(), port, path };
        url.text = format!("{}{}", url.origin(), url.path);
        Ok(url)
    }

    /// `http` or `https`.
    pub(super) fn scheme(&self) -> &'static str {
        if self.secure { "https" } else { "http" }
    }

    /// `host`, with `:port` unless it is the scheme's default (as the `Host` header and origins write it).
    pub(super) fn authority(&self) -> String {
        if self.port == if self.secure { 443 } else { 80 } {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    pub(super) fn origin(&self) -> String {
        format!("{}://{}", self.scheme(), self.authority())
    }

    /// Whether the host is this machine's, which browsers treat as secure even over `http:`
    /// ("potentially trustworthy", so an `https:` page may fetch it).
    pub(super) fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self.host.ends_with(".localhost")
            || self.host.starts_with("127.")
            || self.host == "[::1]"
    }

    /// `location` resolved against this URL (absolute, or a path on the same origin).
    pub(super) fn join(&self, location: &str) -> Result<HttpUrl, String> {
        if location.contains("://") {
            HttpUrl::parse(location)
        } else if location.starts_with('/') {
            HttpUrl::parse(&format!("{}{location}", self.origin()))
        } else {
            let base = self.path.rsplit_once('/').map_or("", |(dir, _)| dir);
            HttpUrl::parse(&format!("{}{base}/{location}", self.origin()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_and_resolve_redirects() {
        let url = HttpUrl::parse("http://LOCALHOST:8000/api?x=1").unwrap();
        assert_eq!((url.host.as_str(), url.port, url.path.as_str()), ("localhost", 8000, "/api?x=1"));
        assert_eq!(url.origin(), "http://localhost:8000");
        assert_eq!(url.join("/other").unwrap().text, "http://localhost:8000/other");
        assert_eq!(url.join("next").unwrap().text, "http://localhost:8000/next");
        assert_eq!(url.join("http://127.0.0.1:9/").unwrap().origin(), "http://127.0.0.1:9");
        let secure = HttpUrl::parse("https://Example.com/a").unwrap();
        assert_eq!(
            (secure.port, secure.origin().as_str(), secure.text.as_str()),
            (443, "https://example.com", "https://example.com/a")
        );
        assert_eq!(HttpUrl::parse("https://example.com:8443/").unwrap().origin(), "https://example.com:8443");
        assert_eq!(secure.join("/b?c").unwrap().text, "https://example.com/b?c");
        assert!(HttpUrl::parse("ftp://example.com/").unwrap_err().contains("not an http:// or https:// URL"));
        assert!(HttpUrl::parse("http://u:p@host/").is_err());
    }

    /// What the browser would send and print: found when Chromium's console line had `%27` where the
    /// URL given had `'` (tests/browser/check.rs).
    #[test]
    fn urls_are_percent_encoded_as_the_url_parser_does() {
        let cases = [
            ("http://h/a b?c d", "http://h/a%20b?c%20d"),
            ("http://h/it's?it's", "http://h/it's?it%27s"),
            ("http://h/{x}?`y`", "http://h/%7Bx%7D?`y`"),
            ("http://h/caf\u{e9}", "http://h/caf%C3%A9"),
            ("http://h/x?y=1#frag", "http://h/x?y=1"),
            ("http://h/already%20encoded", "http://h/already%20encoded"),
        ];
        for (given, sent) in cases {
            assert_eq!(HttpUrl::parse(given).unwrap().text, sent, "{given}");
        }
    }
}
