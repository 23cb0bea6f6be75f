//! Just enough of the URL Standard for CORS: a URL's parts, its origin, its canonical text,
//! and resolving a redirect's `Location` against the URL that sent it.
//!
//! This is not a full URL parser (no IDNA, no percent-encoding, no dot-segment removal).
//! It canonicalises what the console shows the way Chromium's `GURL`/`KURL` do for the plain
//! http(s) URLs a lesson uses: lower-case scheme and host, no default port, `/` for an empty
//! path. It also rejects what `GURL` rejects as invalid, which decides whether a bad
//! `Access-Control-Allow-Origin` is reported as "invalid" or as a "mismatch".

/// A parsed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// Lower-case scheme, without the `:`.
    pub(crate) scheme: String,
    /// `user:pass` as written, empty when the URL carries no credentials.
    pub(crate) userinfo: String,
    /// Lower-case host (empty for non-special schemes such as `foo:`).
    pub(crate) host: String,
    /// The port, only when it is not the scheme's default.
    pub(crate) port: Option<u16>,
    /// Path, query and fragment (for http(s) the path starts with `/`); for a non-special
    /// scheme, everything after the `:`.
    pub(crate) rest: String,
    /// `http`, `https`, `ws`, `wss`, `ftp` or `file`: the schemes with hosts and origins.
    special: bool,
}

/// An origin: a (scheme, host, port) tuple, or an opaque origin that serialises as `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A tuple origin, e.g. `http://localhost:3000`.
    Tuple { scheme: String, host: String, port: Option<u16> },
    /// An opaque origin: sandboxed documents, `data:` URLs, and a request's origin after a
    /// cross-origin redirect ("tainted", Fetch §4.4). Never same-origin with anything.
    Opaque,
}

impl Origin {
    /// The ASCII serialization: `scheme://host[:port]`, no trailing slash, or `null`
    /// (HTML "serialization of an origin"; the value `Origin` and ACAO are compared to).
    pub(crate) fn serialize(&self) -> String {
        match self {
            Origin::Tuple { scheme, host, port } => match port {
                Some(port) => format!("{scheme}://{host}:{port}"),
                None => format!("{scheme}://{host}"),
            },
            Origin::Opaque => "null".to_string(),
        }
    }

    /// Same origin: same scheme, host and port; an opaque origin matches nothing here.
    pub(crate) fn same_origin(&self, other: &Origin) -> bool {
        matches!(self, Origin::Tuple { .. }) && self == other
    }
}

/// The default port of each special scheme (`None` for `file`).
const SPECIAL_SCHEMES: [(&str, Option<u16>); 6] = [
    ("http", Some(80)),
    ("https", Some(443)),
    ("ws", Some(80)),
    ("wss", Some(443)),
    ("ftp", Some(21)),
    ("file", None),
];

/// Splits `scheme:rest` when the part before the first `:` is a valid scheme
/// (an ASCII letter, then letters, digits, `+`, `-` or `.`).
fn split_scheme(input: &str) -> Option<(&str, &str)> {
    let colon = input.find(':')?;
    let scheme = &input[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| (scheme, &input[colon + 1..]))
}

/// Parses an absolute URL; `None` where `GURL` would call it invalid.
impl Url {
    /// A URL with no authority (`foo:bar`, `file:…`): everything after the scheme is kept as is.
    fn without_host(scheme: String, rest: &str, special: bool) -> Url {
        Url {
            scheme,
            userinfo: String::new(),
            host: String::new(),
            port: None,
            rest: rest.to_string(),
            special,
        }
    }
}

pub(crate) fn parse(input: &str) -> Option<Url> {
    let input = input.trim_matches(|c: char| c <= ' ');
    let (scheme, after) = split_scheme(input)?;
    let scheme = scheme.to_ascii_lowercase();
    let Some(&(_, default_port)) = SPECIAL_SCHEMES.iter().find(|(s, _)| *s == scheme) else {
        // A non-special scheme (`foo:bar`, even `localhost:3000`): GURL accepts it as is.
        return Some(Url::without_host(scheme, after, false));
    };
    if scheme == "file" {
        return Some(Url::without_host(scheme, after, true));
    }
    // Special schemes tolerate any number of slashes or backslashes before the host.
    let after = after.trim_start_matches(['/', '\\']);
    let end = after.find(['/', '\\', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(at) => (&authority[..at], &authority[at + 1..]),
        None => ("", authority),
    };
    let (host, port) = split_host_port(host_port)?;
    if !is_valid_host(host) {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) => {
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let number: u16 = digits.parse().ok()?;
            (Some(number) != default_port).then_some(number)
        }
    };
    let rest =
        if rest.starts_with('/') || rest.starts_with('\\') { rest.to_string() } else { format!("/{rest}") };
    Some(Url {
        scheme,
        userinfo: userinfo.to_string(),
        host: host.to_ascii_lowercase(),
        port,
        rest,
        special: true,
    })
}

/// Splits `host[:port]`, keeping an IPv6 literal `[…]` whole.
fn split_host_port(host_port: &str) -> Option<(&str, Option<&str>)> {
    if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        let (host, tail) = host_port.split_at(close + 1);
        return match tail.strip_prefix(':') {
            Some(port) => Some((host, Some(port))),
            None if tail.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match host_port.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((host_port, None)),
    }
}

/// A host GURL accepts: not empty, no forbidden host code point (URL Standard: controls,
/// space, `# / : < > ? @ [ \ ] ^ |`, DEL), and `%` only as a `%XX` escape.
fn is_valid_host(host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty() && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    }
    let bytes = host.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let forbidden = b <= b' '
            || b == 0x7f
            || matches!(
                b,
                b'#' | b'/' | b':' | b'<' | b'>' | b'?' | b'@' | b'[' | b'\\' | b']' | b'^' | b'|'
            );
        if forbidden {
            return false;
        }
        if b == b'%' {
            let escape_ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !escape_ok {
                return false;
            }
        }
    }
    true
}

impl Url {
    /// The URL's origin: a tuple for http(s)/ws(s)/ftp, opaque for everything else.
    pub(crate) fn origin(&self) -> Origin {
        if self.special && self.scheme != "file" {
            Origin::Tuple { scheme: self.scheme.clone(), host: self.host.clone(), port: self.port }
        } else {
            Origin::Opaque
        }
    }

    /// `http` or `https` (Fetch "HTTP(S) scheme").
    pub(crate) fn is_http(&self) -> bool {
        self.scheme == "http" || self.scheme == "https"
    }

    /// Whether the URL carries a username or password (Fetch "includes credentials").
    pub(crate) fn has_credentials(&self) -> bool {
        !self.userinfo.is_empty() && self.userinfo != ":"
    }

    /// `scheme://[userinfo@]host[:port]`, the part a relative reference keeps.
    fn authority_prefix(&self) -> String {
        let userinfo = if self.userinfo.is_empty() { String::new() } else { format!("{}@", self.userinfo) };
        match self.port {
            Some(port) => format!("{}://{userinfo}{}:{port}", self.scheme, self.host),
            None => format!("{}://{userinfo}{}", self.scheme, self.host),
        }
    }

    /// The canonical text, as Chromium prints it in console messages.
    pub(crate) fn serialize(&self) -> String {
        if self.special && self.scheme != "file" {
            format!("{}{}", self.authority_prefix(), self.rest)
        } else {
            format!("{}:{}", self.scheme, self.rest)
        }
    }

    /// Resolves a `Location` value against this URL (URL Standard "basic URL parser" with a
    /// base): absolute, scheme-relative, path-absolute, query, fragment or path-relative.
    pub(crate) fn resolve(&self, location: &str) -> Option<Url> {
        let location = location.trim();
        if split_scheme(location).is_some() {
            return parse(location);
        }
        if !self.special || self.scheme == "file" {
            return None;
        }
        if location.starts_with("//") || location.starts_with("\\\\") {
            return parse(&format!("{}:{location}", self.scheme));
        }
        let prefix = self.authority_prefix();
        let without_fragment = self.rest.split('#').next().unwrap_or("");
        let path = without_fragment.split('?').next().unwrap_or("");
        let joined = if location.starts_with('/') {
            format!("{prefix}{location}")
        } else if location.is_empty() {
            format!("{prefix}{without_fragment}")
        } else if location.starts_with('?') {
            format!("{prefix}{path}{location}")
        } else if location.starts_with('#') {
            format!("{prefix}{without_fragment}{location}")
        } else {
            let directory = &path[..path.rfind('/').map_or(0, |slash| slash + 1)];
            format!("{prefix}{directory}{location}")
        };
        parse(&joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_drops_default_ports_and_lowercases_the_host() {
        let url = parse("HTTP://LocalHost:80").expect("valid");
        assert_eq!(url.serialize(), "http://localhost/");
        let url = parse("http://localhost:8000/api?trace=abc").expect("valid");
        assert_eq!(url.serialize(), "http://localhost:8000/api?trace=abc");
        assert_eq!(url.origin().serialize(), "http://localhost:8000");
    }

    #[test]
    fn localhost_and_127_0_0_1_are_different_origins() {
        let a = parse("http://localhost:3000/").expect("valid").origin();
        let b = parse("http://127.0.0.1:3000/").expect("valid").origin();
        assert!(!a.same_origin(&b));
    }

    #[test]
    fn gurl_invalid_values() {
        for bad in ["", "example.com", "http://", "http://exa^mple.com", "127.0.0.1:3000"] {
            assert!(parse(bad).is_none(), "{bad:?} should be invalid");
        }
        for good in ["http://example.com", "localhost:3000", "foo:bar", "http:example.com"] {
            assert!(parse(good).is_some(), "{good:?} should be valid");
        }
    }

    #[test]
    fn locations_resolve_against_the_redirecting_url() {
        let base = parse("http://localhost:8000/a/b?x=1").expect("valid");
        let cases = [
            ("/c", "http://localhost:8000/c"),
            ("c", "http://localhost:8000/a/c"),
            ("?y=2", "http://localhost:8000/a/b?y=2"),
            ("//other:9000/d", "http://other:9000/d"),
            ("https://x.test/", "https://x.test/"),
        ];
        for (location, expected) in cases {
            let resolved = base.resolve(location).expect("resolvable");
            assert_eq!(resolved.serialize(), expected);
        }
    }

    #[test]
    fn userinfo_counts_as_credentials() {
        assert!(parse("http://user:pass@host/").expect("valid").has_credentials());
        assert!(!parse("http://host/").expect("valid").has_credentials());
    }
}
