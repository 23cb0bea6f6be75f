//! The origin matcher: how a server decides, request by request, whether to echo the request's `Origin`
//! back in `Access-Control-Allow-Origin` — and the checks real servers get wrong.
//!
//! `Access-Control-Allow-Origin` names one origin (or `*`), so a server that serves several sites cannot list
//! them in it (the lab's "Mistake: a list of origins"). It reads the request's `Origin`, decides whether to
//! trust it, and sends it back byte for byte — or sends no `Access-Control-Allow-Origin` at all, and the
//! browser blocks the read. That is what express's `cors` middleware does with a non-string `origin` option,
//! and tower-http's `AllowOrigin::list` and `mirror_request` ([docs/cors-checks.md, "Server-side CORS
//! libraries"](../../docs/cors-checks.md)).
//!
//! The decision is where the holes are (docs/lessons.md §13–16). Each kind below is one way real servers
//! decide, and [`OriginMatcher::code`] is the `origin` option an express server would have written for it:
//!
//! | kind | JSON | echoes an `Origin` that | express's `cors({ … })` |
//! |---|---|---|---|
//! | reflect | `{"kind": "reflect"}` | is anything at all, `null` included | `origin: true` |
//! | exact | `{"kind": "exact", "origins": ["http://localhost:3000", "null"]}` | equals one of the list, byte for byte | `origin: ["http://localhost:3000", "null"]` |
//! | prefix | `{"kind": "prefix", "value": "http://localhost"}` | starts with `value` | `origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))` |
//! | suffix | `{"kind": "suffix", "value": "localhost:3000"}` | ends with `value` | `… origin.endsWith("localhost:3000") …` |
//! | substring | `{"kind": "substring", "value": "localhost"}` | contains `value` | `… origin.includes("localhost") …` |
//! | regex | `{"kind": "regex", "pattern": "^http://localhost(:\\d+)?"}` | contains a match of `pattern`, as JavaScript's `RegExp.test` finds one | `origin: /^http:\/\/localhost(:\d+)?/` |
//!
//! Only `exact` is an allowlist that holds. `http://localhost.evil.localhost:4000` starts with
//! `http://localhost`, and an unanchored pattern (no `$`) is found in it too; a suffix or a substring admits
//! any host that merely ends with or contains the text. The browser cannot see any of this: it compares the
//! one value the server sent with the page's origin (lesson 15).
//!
//! The matcher decides `Access-Control-Allow-Origin` only. express's `cors` also adds `Vary: Origin`
//! whenever its `origin` option is not a fixed string; here `Vary` stays the policy's own field, so that
//! leaving it out can be seen (lesson 9).

use axum::http::HeaderValue;
use regex_lite::Regex;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::describe::describe;

/// The longest `value`, `pattern` or listed origin a matcher accepts, in bytes.
pub const MAX_MATCHER_TEXT: usize = 256;

/// The most origins an `exact` list may hold.
pub const MAX_ORIGINS: usize = 32;

/// The matcher kinds, as the JSON's `kind` names them.
pub const KINDS: [&str; 6] = ["reflect", "exact", "prefix", "suffix", "substring", "regex"];

/// The fields a matcher's JSON may carry that are derived from the others: sent in every answer that shows
/// the policy, accepted and ignored on input, so that a policy read can be sent back as it is.
const READ_ONLY: [&str; 2] = ["code", "sends"];

/// How the API decides, per request, whether `Access-Control-Allow-Origin` echoes the request's `Origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginMatcher {
    /// Every `Origin` is echoed, `null` included: express's `cors({ origin: true })`.
    Reflect,
    /// An `Origin` equal to one of these, byte for byte, is echoed. Each is a serialized origin
    /// (`scheme://host[:port]`, lower case, no default port, no path) or `null`.
    Exact(Vec<String>),
    /// An `Origin` that starts with this text is echoed (`origin.startsWith(…)`).
    Prefix(String),
    /// An `Origin` that ends with this text is echoed (`origin.endsWith(…)`).
    Suffix(String),
    /// An `Origin` that contains this text is echoed (`origin.includes(…)`).
    Substring(String),
    /// An `Origin` in which this regular expression finds a match is echoed (`/…/.test(origin)`).
    Regex(Pattern),
}

/// A regular expression, kept with the text it was compiled from.
#[derive(Clone, Debug)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl PartialEq for Pattern {
    /// Two patterns are the same when their text is: the compiled form follows from it.
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl Pattern {
    /// Compiles `source`, refusing what regex-lite cannot run and what JavaScript's `RegExp` would read
    /// otherwise. The reason is a phrase to follow the field's name ("is not a regular expression …").
    fn new(source: &str) -> Result<Pattern, String> {
        if let Some(what) = only_regex_lite_has(source) {
            return Err(format!(
                "uses {what}; write the pattern as JavaScript's RegExp reads it, since that is what a real server runs"
            ));
        }
        // `Regex::new` is unanchored, like `RegExp.prototype.test`: it finds a match anywhere in the
        // text unless the pattern itself says `^` or `$`.
        let regex = Regex::new(source).map_err(|e| {
            format!("is not a regular expression the sandbox can run ({e}); look-around and back-references are not supported")
        })?;
        Ok(Pattern { source: source.to_owned(), regex })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// What regex-lite accepts but JavaScript's `RegExp` (without flags) reads otherwise: the first such thing
/// in `source`, named, or `None`. (For what allowlists use — literals, `\.`, `\d`, classes, groups, `|`,
/// `?`, `*`, `+`, `{n,m}`, `^`, `$` — the two agree.)
fn only_regex_lite_has(source: &str) -> Option<&'static str> {
    let bytes = source.as_bytes();
    let mut in_class = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                match bytes.get(i + 1) {
                    Some(b'A') => return Some("`\\A`, which JavaScript reads as the letter A (write `^`)"),
                    Some(b'z') => return Some("`\\z`, which JavaScript reads as the letter z (write `$`)"),
                    _ => {}
                }
                i += 2;
                continue;
            }
            b'[' if in_class && posix_class_at(&source[i..]) => {
                return Some(
                    "a POSIX class such as `[[:digit:]]`, which JavaScript does not have (write `\\d`)",
                );
            }
            b'[' => in_class = true,
            b']' => in_class = false,
            b'(' if !in_class
                && bytes.get(i + 1) == Some(&b'?')
                && !matches!(bytes.get(i + 2), Some(b':' | b'<' | b'=' | b'!')) =>
            {
                return Some(
                    "a `(?…)` group JavaScript does not have, such as the inline flag `(?i)` (JavaScript puts flags after the closing /)",
                );
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether `text` starts with a POSIX class, `[:name:]`.
fn posix_class_at(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("[:") else { return false };
    let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    name_len > 0 && rest[name_len..].starts_with(":]")
}

impl OriginMatcher {
    /// A matcher from its JSON, e.g. `{"kind": "prefix", "value": "http://localhost"}`; the error is one
    /// sentence for the person who sent it.
    pub fn from_json(value: &Value) -> Result<OriginMatcher, String> {
        let Value::Object(fields) = value else {
            return Err(format!(
                "`origin_matcher` must be null (send `allow_origin` as it is) or an object such as {{\"kind\": \"exact\", \"origins\": [\"http://localhost:3000\"]}}, not {}.",
                describe(value)
            ));
        };
        let kind = match fields.get("kind") {
            Some(Value::String(kind)) if KINDS.contains(&kind.as_str()) => kind.as_str(),
            Some(other) => {
                return Err(format!(
                    "`origin_matcher.kind` must be {}, not {}.",
                    kinds_list(),
                    describe(other)
                ));
            }
            None => return Err(format!("`origin_matcher` needs a `kind`: {}.", kinds_list())),
        };
        let parameter = match kind {
            "reflect" => None,
            "exact" => Some("origins"),
            "regex" => Some("pattern"),
            _ => Some("value"),
        };
        reject_unknown(fields, kind, parameter)?;
        let Some(parameter) = parameter else {
            return Ok(OriginMatcher::Reflect);
        };
        let Some(given) = fields.get(parameter) else {
            let example = match kind {
                "exact" => r#"["http://localhost:3000"]"#,
                "regex" => r#""^http://localhost:3000$""#,
                _ => r#""http://localhost""#,
            };
            return Err(format!(
                "An origin matcher of kind \"{kind}\" needs `{parameter}`, e.g. {{\"kind\": \"{kind}\", \"{parameter}\": {example}}}."
            ));
        };
        Ok(match kind {
            "exact" => OriginMatcher::Exact(origins(given)?),
            "regex" => {
                let source = text("pattern", given)?;
                let pattern =
                    Pattern::new(&source).map_err(|why| format!("`origin_matcher.pattern` {why}."))?;
                OriginMatcher::Regex(pattern)
            }
            "prefix" => OriginMatcher::Prefix(text("value", given)?),
            "suffix" => OriginMatcher::Suffix(text("value", given)?),
            _ => OriginMatcher::Substring(text("value", given)?),
        })
    }

    /// The kind, as the JSON's `kind` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            OriginMatcher::Reflect => "reflect",
            OriginMatcher::Exact(_) => "exact",
            OriginMatcher::Prefix(_) => "prefix",
            OriginMatcher::Suffix(_) => "suffix",
            OriginMatcher::Substring(_) => "substring",
            OriginMatcher::Regex(_) => "regex",
        }
    }

    /// Whether a request whose `Origin` is `origin` gets it back in `Access-Control-Allow-Origin`.
    pub fn accepts(&self, origin: &str) -> bool {
        match self {
            OriginMatcher::Reflect => true,
            OriginMatcher::Exact(origins) => origins.iter().any(|allowed| allowed == origin),
            OriginMatcher::Prefix(text) => origin.starts_with(text.as_str()),
            OriginMatcher::Suffix(text) => origin.ends_with(text.as_str()),
            OriginMatcher::Substring(text) => origin.contains(text.as_str()),
            OriginMatcher::Regex(pattern) => pattern.regex.is_match(origin),
        }
    }

    /// The `Access-Control-Allow-Origin` value for a request carrying `origin`: the `Origin` itself, byte
    /// for byte, when the matcher accepts it; `None` (no header at all, as express's `cors` sends) when it
    /// refuses or the request has no `Origin`.
    pub fn allow_origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        let accepted = match self {
            // Mirrored whatever its bytes, as `origin: true` does.
            OriginMatcher::Reflect => true,
            // An `Origin` that is not visible ASCII is no origin any check here could accept.
            _ => origin.to_str().is_ok_and(|text| self.accepts(text)),
        };
        accepted.then(|| origin.clone())
    }

    /// The `origin` option of express's `cors({ … })` that decides the same way: the one line a real
    /// server would have written, e.g. `origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))`.
    pub fn code(&self) -> String {
        let check = |method: &str, text: &str| {
            format!("origin: (origin, cb) => cb(null, origin.{method}({}))", js_string(text))
        };
        match self {
            OriginMatcher::Reflect => "origin: true".to_owned(),
            OriginMatcher::Exact(origins) => {
                let list: Vec<String> = origins.iter().map(|o| js_string(o)).collect();
                format!("origin: [{}]", list.join(", "))
            }
            OriginMatcher::Prefix(text) => check("startsWith", text),
            OriginMatcher::Suffix(text) => check("endsWith", text),
            OriginMatcher::Substring(text) => check("includes", text),
            OriginMatcher::Regex(pattern) => format!("origin: {}", js_regex_literal(pattern.as_str())),
        }
    }

    /// What the API sends under this matcher, as a sentence (the policy's JSON shows it as `sends`).
    pub fn sends(&self) -> String {
        let when = match self {
            OriginMatcher::Reflect => "whatever it is (null included)".to_owned(),
            OriginMatcher::Exact(_) => {
                "when it is exactly one of the origins listed, else no header".to_owned()
            }
            OriginMatcher::Prefix(text) => format!("when it starts with \"{text}\", else no header"),
            OriginMatcher::Suffix(text) => format!("when it ends with \"{text}\", else no header"),
            OriginMatcher::Substring(text) => format!("when it contains \"{text}\", else no header"),
            OriginMatcher::Regex(pattern) => {
                format!("when the pattern {} matches somewhere in it, else no header", pattern.as_str())
            }
        };
        format!(
            "Access-Control-Allow-Origin: the request's Origin {when}; allow_origin is kept but not sent while a matcher is set."
        )
    }
}

impl Serialize for OriginMatcher {
    /// `{"kind", <its parameter>, "code", "sends"}`; the last two are read-only.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", self.kind())?;
        match self {
            OriginMatcher::Reflect => {}
            OriginMatcher::Exact(origins) => map.serialize_entry("origins", origins)?,
            OriginMatcher::Prefix(text) | OriginMatcher::Suffix(text) | OriginMatcher::Substring(text) => {
                map.serialize_entry("value", text)?
            }
            OriginMatcher::Regex(pattern) => map.serialize_entry("pattern", pattern.as_str())?,
        }
        map.serialize_entry("code", &self.code())?;
        map.serialize_entry("sends", &self.sends())?;
        map.end()
    }
}

/// `"reflect", "exact", … or "regex"`, for a sentence.
fn kinds_list() -> String {
    let quoted: Vec<String> = KINDS.iter().map(|k| format!("\"{k}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) => format!("one of {} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Refuses the fields a matcher of `kind` does not take.
fn reject_unknown(fields: &Map<String, Value>, kind: &str, parameter: Option<&str>) -> Result<(), String> {
    let unknown: Vec<String> = fields
        .keys()
        .filter(|name| name.as_str() != "kind" && Some(name.as_str()) != parameter)
        .filter(|name| !READ_ONLY.contains(&name.as_str()))
        .map(|name| format!("`{name}`"))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let takes = match parameter {
        Some(parameter) => format!("takes `{parameter}` and nothing else"),
        None => "takes nothing but its `kind`".to_owned(),
    };
    Err(format!("An origin matcher of kind \"{kind}\" {takes}, not {}.", unknown.join(", ")))
}

/// The text a `value` or `pattern` holds, checked: a string of visible ASCII, at most [`MAX_MATCHER_TEXT`]
/// bytes, not empty (every origin starts with, contains or matches the empty text: that is `reflect`).
fn text(field: &str, value: &Value) -> Result<String, String> {
    let Value::String(text) = value else {
        return Err(format!("`origin_matcher.{field}` must be a string, not {}.", describe(value)));
    };
    if text.is_empty() {
        return Err(format!(
            "`origin_matcher.{field}` is empty, and every origin matches the empty text; use {{\"kind\": \"reflect\"}} if that is what you mean."
        ));
    }
    checked_text(&format!("`origin_matcher.{field}`"), text)?;
    Ok(text.clone())
}

/// Refuses a text over [`MAX_MATCHER_TEXT`] bytes or with a character no `Origin` holds; `what` names the
/// field in the sentence.
fn checked_text(what: &str, text: &str) -> Result<(), String> {
    if text.len() > MAX_MATCHER_TEXT {
        return Err(format!(
            "{what} is {} bytes long; it may be at most {MAX_MATCHER_TEXT} bytes here.",
            text.len()
        ));
    }
    // An `Origin` is visible ASCII (a host name is sent in its punycode form): a space, a control character
    // or a non-ASCII letter could never be part of one.
    if let Some(bad) = text.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!(
            "{what} contains {bad:?} (U+{:04X}), which no Origin holds; use visible ASCII characters only.",
            bad as u32
        ));
    }
    Ok(())
}

/// The `origins` of an `exact` matcher, each checked to be what a browser sends as an `Origin`.
fn origins(value: &Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = value else {
        return Err(format!(
            "`origin_matcher.origins` must be a list of origins such as [\"http://localhost:3000\"], not {}.",
            describe(value)
        ));
    };
    if items.is_empty() {
        return Err(
            "`origin_matcher.origins` is empty, so no origin would ever be allowed; list at least one, such as \"http://localhost:3000\"."
                .to_owned(),
        );
    }
    if items.len() > MAX_ORIGINS {
        return Err(format!(
            "`origin_matcher.origins` lists {} origins; it may list at most {MAX_ORIGINS} here.",
            items.len()
        ));
    }
    items
        .iter()
        .map(|item| {
            let Value::String(origin) = item else {
                return Err(format!(
                    "`origin_matcher.origins` must hold strings (origins such as \"http://localhost:3000\", or \"null\"), not {}.",
                    describe(item)
                ));
            };
            checked_text("An entry of `origin_matcher.origins`", origin)?;
            serialized_origin(origin)
                .map_err(|why| format!("`origin_matcher.origins` holds {origin:?}, which {why}."))?;
            Ok(origin.clone())
        })
        .collect()
}

/// Checks that `text` is an origin as a browser serializes it in the `Origin` header (the HTML Standard's
/// "ASCII serialization of an origin"): `scheme://host` with `:port` unless the port is the scheme's
/// default, in lower case, nothing after it — or `null`, the opaque origin. Anything else could never equal
/// a request's `Origin`, so an exact list holding it is a mistake the sandbox names at once. The reason is a
/// phrase ("has a path …").
fn serialized_origin(text: &str) -> Result<(), String> {
    if text == "null" {
        return Ok(());
    }
    let Some((scheme, authority)) = text.split_once("://") else {
        return Err(
            "is not an origin: write scheme://host or scheme://host:port (e.g. http://localhost:3000), or \"null\""
                .to_owned(),
        );
    };
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(
            "has upper-case letters, but a browser sends an origin's scheme and host in lower case, so it would never match"
                .to_owned(),
        );
    }
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && scheme.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b));
    if !scheme_ok {
        return Err("has no valid scheme before `://` (such as http or https)".to_owned());
    }
    if let Some(at) = authority.find(['/', '?', '#']) {
        return Err(format!(
            "has a path, query or fragment ({:?}); an origin ends after the host and port, so a browser never sends one",
            &authority[at..]
        ));
    }
    if authority.contains('@') {
        return Err("has a user name before `@`, which an Origin never carries".to_owned());
    }
    // An IPv6 host is bracketed, and has colons of its own.
    let (host, port) = match authority.strip_prefix('[') {
        Some(inner) => {
            let Some((address, after)) = inner.split_once(']') else {
                return Err("opens an IPv6 address with `[` and never closes it".to_owned());
            };
            if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b":.".contains(&b)) {
                return Err("has a bracketed host that is not an IPv6 address".to_owned());
            }
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or("has something other than `:port` after its host")?),
            };
            (&authority[..address.len() + 2], port)
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)));
    if !host_ok {
        return Err("has no host, or a host with characters a host name cannot have".to_owned());
    }
    if let Some(port) = port {
        let number = port.parse::<u16>().ok().filter(|n| *n > 0 && n.to_string() == port);
        let Some(number) = number else {
            return Err(format!(
                "has the port {port:?}, which is not a port number from 1 to 65535 as a browser writes it"
            ));
        };
        let default = match scheme {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            _ => None,
        };
        if default == Some(number) {
            return Err(format!(
                "names the default port :{number} of {scheme}, which a browser leaves out of the Origin (write {scheme}://{host})"
            ));
        }
    }
    Ok(())
}

/// `text` as a JavaScript string literal. JSON's string syntax is JavaScript's, and the text is ASCII.
fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// `source` as a JavaScript regular-expression literal: between slashes, each `/` of its own escaped, as
/// `/^http:\/\/localhost/` is written.
fn js_regex_literal(source: &str) -> String {
    let mut literal = String::from("/");
    let mut escaped = false;
    for c in source.chars() {
        if c == '/' && !escaped {
            literal.push('\\');
        }
        literal.push(c);
        escaped = !escaped && c == '\\';
    }
    literal.push('/');
    literal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matcher(value: Value) -> OriginMatcher {
        OriginMatcher::from_json(&value).unwrap_or_else(|why| panic!("{value}: {why}"))
    }

    fn refusal(value: Value) -> String {
        OriginMatcher::from_json(&value).expect_err(&value.to_string())
    }

    /// The origins the tests throw at every matcher: the page's, the attacker's, and the tricky ones.
    const PAGE: &str = "http://localhost:3000";
    const ATTACKER: &str = "http://localhost:4000";
    const LOOKALIKE: &str = "http://localhost.evil.localhost:4000";
    const OTHER_SITE: &str = "http://evil.localhost:4000";
    const SANDBOXED_IFRAME: &str = "null";

    fn accepted(matcher: &OriginMatcher, origins: &[&str]) -> Vec<bool> {
        origins.iter().map(|o| matcher.accepts(o)).collect()
    }

    #[test]
    fn reflect_accepts_every_origin_null_included() {
        let reflect = matcher(json!({ "kind": "reflect" }));
        assert_eq!(
            accepted(&reflect, &[PAGE, ATTACKER, LOOKALIKE, OTHER_SITE, SANDBOXED_IFRAME, "HTTP://X", ""]),
            [true; 7]
        );
    }

    #[test]
    fn exact_accepts_only_the_listed_origins_byte_for_byte() {
        let exact = matcher(json!({ "kind": "exact", "origins": [PAGE] }));
        assert!(exact.accepts(PAGE));
        for refused in [
            ATTACKER,
            LOOKALIKE,
            OTHER_SITE,
            SANDBOXED_IFRAME,
            "http://LOCALHOST:3000",
            "http://localhost:3000/",
            "http://localhost:30000",
            "http://localhost:300",
            "https://localhost:3000",
            "http://127.0.0.1:3000",
            " http://localhost:3000",
        ] {
            assert!(!exact.accepts(refused), "{refused}");
        }
    }

    #[test]
    fn an_exact_list_with_null_trusts_every_sandboxed_iframe() {
        let trust_null = matcher(json!({ "kind": "exact", "origins": ["null", PAGE] }));
        assert_eq!(
            accepted(&trust_null, &[SANDBOXED_IFRAME, PAGE, ATTACKER, "Null"]),
            [true, true, false, false]
        );
    }

    #[test]
    fn a_prefix_admits_any_port_and_a_lookalike_host() {
        let prefix = matcher(json!({ "kind": "prefix", "value": "http://localhost" }));
        assert_eq!(
            accepted(&prefix, &[PAGE, ATTACKER, LOOKALIKE, OTHER_SITE, SANDBOXED_IFRAME]),
            [true, true, true, false, false]
        );
        // Even a full origin as the prefix admits a longer port and a lookalike host.
        let origin_prefix = matcher(json!({ "kind": "prefix", "value": PAGE }));
        assert_eq!(
            accepted(
                &origin_prefix,
                &["http://localhost:30001", "http://localhost:3000.evil.localhost:4000", ATTACKER]
            ),
            [true, true, false]
        );
        // The comparison is by bytes: case and a trailing slash count.
        assert_eq!(accepted(&prefix, &["HTTP://LOCALHOST:3000", "http://localhostx"]), [false, true]);
        assert!(!matcher(json!({ "kind": "prefix", "value": "http://localhost:3000/" })).accepts(PAGE));
    }

    #[test]
    fn a_suffix_admits_any_host_that_ends_the_same() {
        let suffix = matcher(json!({ "kind": "suffix", "value": "localhost:4000" }));
        assert_eq!(
            accepted(
                &suffix,
                &[ATTACKER, OTHER_SITE, LOOKALIKE, "http://evillocalhost:4000", PAGE, SANDBOXED_IFRAME]
            ),
            [true, true, true, true, false, false]
        );
        assert!(!suffix.accepts("http://localhost:4000/"));
    }

    #[test]
    fn a_substring_admits_anything_that_mentions_it() {
        let substring = matcher(json!({ "kind": "substring", "value": "localhost:3000" }));
        assert_eq!(
            accepted(
                &substring,
                &[PAGE, "http://localhost:3000.evil.localhost:4000", "http://evil.localhost:30001", ATTACKER]
            ),
            [true, true, true, false]
        );
        assert!(!substring.accepts("http://LOCALHOST:3000"));
    }

    #[test]
    fn an_unanchored_regex_is_found_inside_a_lookalike() {
        let regex = matcher(json!({ "kind": "regex", "pattern": r"^http://localhost(:\d+)?" }));
        assert_eq!(
            accepted(
                &regex,
                &[PAGE, ATTACKER, LOOKALIKE, OTHER_SITE, SANDBOXED_IFRAME, "HTTP://LOCALHOST:3000"]
            ),
            [true, true, true, false, false, false]
        );
        // No `^` either: found anywhere, as `RegExp.test` finds it.
        let nowhere_anchored = matcher(json!({ "kind": "regex", "pattern": "localhost:3000" }));
        assert!(nowhere_anchored.accepts("http://evil.localhost:4000/?localhost:3000"));
        assert!(nowhere_anchored.accepts("http://xlocalhost:3000"));
    }

    #[test]
    fn an_unescaped_dot_matches_any_character() {
        let regex = matcher(json!({ "kind": "regex", "pattern": r"^http://app.localhost:3000$" }));
        assert_eq!(
            accepted(&regex, &["http://app.localhost:3000", "http://appxlocalhost:3000"]),
            [true, true]
        );
    }

    #[test]
    fn an_anchored_escaped_regex_holds() {
        let regex = matcher(json!({ "kind": "regex", "pattern": r"^http://localhost:3000$" }));
        assert_eq!(
            accepted(
                &regex,
                &[
                    PAGE,
                    ATTACKER,
                    "http://localhost:3000.evil.localhost:4000",
                    "http://localhost:30000",
                    "http://localhost:3000/"
                ]
            ),
            [true, false, false, false, false]
        );
    }

    #[test]
    fn allow_origin_echoes_the_origin_byte_for_byte_or_nothing() {
        let prefix = matcher(json!({ "kind": "prefix", "value": "http://localhost" }));
        let lookalike = HeaderValue::from_static(LOOKALIKE);
        assert_eq!(prefix.allow_origin(Some(&lookalike)), Some(lookalike));
        assert_eq!(prefix.allow_origin(Some(&HeaderValue::from_static(OTHER_SITE))), None);
        assert_eq!(prefix.allow_origin(None), None);
        // Reflect mirrors even bytes that are not visible ASCII; the string checks refuse them.
        let odd = HeaderValue::from_bytes(b"http://localhost\xe9").expect("obs-text is a legal header value");
        assert_eq!(matcher(json!({ "kind": "reflect" })).allow_origin(Some(&odd)), Some(odd.clone()));
        assert_eq!(prefix.allow_origin(Some(&odd)), None);
    }

    #[test]
    fn code_is_the_express_option_a_real_server_would_write() {
        let cases = [
            (json!({ "kind": "reflect" }), "origin: true"),
            (
                json!({ "kind": "exact", "origins": ["null", PAGE] }),
                r#"origin: ["null", "http://localhost:3000"]"#,
            ),
            (
                json!({ "kind": "prefix", "value": "http://localhost" }),
                r#"origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))"#,
            ),
            (
                json!({ "kind": "suffix", "value": "localhost:3000" }),
                r#"origin: (origin, cb) => cb(null, origin.endsWith("localhost:3000"))"#,
            ),
            (
                json!({ "kind": "substring", "value": "say\"hi\"\\" }),
                r#"origin: (origin, cb) => cb(null, origin.includes("say\"hi\"\\"))"#,
            ),
            (
                json!({ "kind": "regex", "pattern": r"^http://localhost(:\d+)?" }),
                r"origin: /^http:\/\/localhost(:\d+)?/",
            ),
            (json!({ "kind": "regex", "pattern": r"^https?:\/\/a\\/b" }), r"origin: /^https?:\/\/a\\\/b/"),
        ];
        for (json, code) in cases {
            assert_eq!(matcher(json.clone()).code(), code, "{json}");
        }
    }

    #[test]
    fn serializes_kind_parameter_code_and_what_it_sends() {
        let value =
            serde_json::to_value(matcher(json!({ "kind": "prefix", "value": "http://localhost" }))).unwrap();
        assert_eq!(value["kind"], "prefix");
        assert_eq!(value["value"], "http://localhost");
        assert_eq!(
            value["code"],
            r#"origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))"#
        );
        assert!(value["sends"].as_str().unwrap().contains("allow_origin is kept but not sent"), "{value}");
        assert!(value["sends"].as_str().unwrap().contains(r#"when it starts with "http://localhost", else"#));
        let regex =
            serde_json::to_value(matcher(json!({ "kind": "regex", "pattern": r"^a\.b(:\d+)?" }))).unwrap();
        assert!(regex["sends"].as_str().unwrap().contains(r"the pattern ^a\.b(:\d+)? matches"), "{regex}");
        assert_eq!(serde_json::to_value(OriginMatcher::Reflect).unwrap().as_object().unwrap().len(), 3);
    }

    #[test]
    fn what_it_serializes_reads_back_as_the_same_matcher() {
        for json in [
            json!({ "kind": "reflect" }),
            json!({ "kind": "exact", "origins": [PAGE, "null"] }),
            json!({ "kind": "substring", "value": "localhost" }),
            json!({ "kind": "regex", "pattern": "^a$" }),
        ] {
            let matcher = matcher(json);
            let shown = serde_json::to_value(&matcher).unwrap();
            assert_eq!(OriginMatcher::from_json(&shown), Ok(matcher), "{shown}");
        }
    }

    #[test]
    fn bad_json_is_refused_with_a_sentence_naming_what_is_wrong() {
        let cases = [
            (json!("reflect"), "must be null (send `allow_origin` as it is) or an object"),
            (
                json!({}),
                "needs a `kind`: one of \"reflect\", \"exact\", \"prefix\", \"suffix\", \"substring\" or \"regex\".",
            ),
            (json!({ "kind": "glob" }), "`origin_matcher.kind` must be one of"),
            (json!({ "kind": 1 }), "not the number 1"),
            (json!({ "kind": "prefix" }), "of kind \"prefix\" needs `value`"),
            (json!({ "kind": "exact" }), "of kind \"exact\" needs `origins`"),
            (json!({ "kind": "regex" }), "of kind \"regex\" needs `pattern`"),
            (json!({ "kind": "prefix", "origins": [PAGE] }), "takes `value` and nothing else, not `origins`"),
            (json!({ "kind": "reflect", "value": "x" }), "takes nothing but its `kind`, not `value`"),
            (
                json!({ "kind": "prefix", "value": 5 }),
                "`origin_matcher.value` must be a string, not the number 5",
            ),
            (json!({ "kind": "prefix", "value": "" }), "is empty, and every origin matches the empty text"),
            (json!({ "kind": "suffix", "value": "a b" }), "contains ' ' (U+0020), which no Origin holds"),
            (json!({ "kind": "exact", "origins": PAGE }), "must be a list of origins"),
            (json!({ "kind": "exact", "origins": [] }), "`origin_matcher.origins` is empty"),
            (json!({ "kind": "exact", "origins": [3000] }), "must hold strings"),
            (
                json!({ "kind": "regex", "pattern": "^(http" }),
                "not a regular expression the sandbox can run (found open group",
            ),
            (json!({ "kind": "regex", "pattern": "^(?=http)" }), "look-around is not supported"),
            (json!({ "kind": "regex", "pattern": "(?i)^http" }), "inline flag `(?i)`"),
            (json!({ "kind": "regex", "pattern": r"\Ahttp" }), "`\\A`"),
            (json!({ "kind": "regex", "pattern": "[[:digit:]]" }), "a POSIX class"),
        ];
        for (json, expected) in cases {
            let why = refusal(json.clone());
            assert!(why.contains(expected), "{json}: {why}");
            assert!(why.ends_with('.') && why.lines().count() == 1, "one sentence: {why}");
        }
    }

    #[test]
    fn overlong_texts_and_lists_are_refused() {
        let long = "a".repeat(MAX_MATCHER_TEXT + 1);
        assert!(refusal(json!({ "kind": "regex", "pattern": long })).contains("at most 256 bytes"));
        assert!(
            matcher(json!({ "kind": "regex", "pattern": "a".repeat(MAX_MATCHER_TEXT) }))
                .accepts(&"a".repeat(300))
        );
        let many: Vec<String> = (1..=MAX_ORIGINS + 1).map(|n| format!("http://localhost:{n}")).collect();
        assert!(refusal(json!({ "kind": "exact", "origins": many })).contains("at most 32"));
    }

    #[test]
    fn an_exact_list_holds_only_what_a_browser_sends_as_an_origin() {
        for good in [
            PAGE,
            "null",
            "https://example.com",
            "http://127.0.0.1:8000",
            "http://[::1]:3000",
            "http://localhost.evil.localhost:4000",
        ] {
            assert!(
                OriginMatcher::from_json(&json!({ "kind": "exact", "origins": [good] })).is_ok(),
                "{good}"
            );
        }
        for (bad, why) in [
            ("http://localhost:3000/", "has a path, query or fragment (\"/\")"),
            ("http://LOCALHOST:3000", "upper-case"),
            ("Null", "is not an origin"),
            ("localhost:3000", "is not an origin"),
            ("http://localhost:80", "default port :80 of http"),
            ("https://localhost:443", "default port :443 of https"),
            ("http://localhost:65536", "not a port number"),
            ("http://localhost:03000", "not a port number"),
            ("http://user@localhost", "user name"),
            ("http://", "has no host"),
            ("http://[::1", "never closes"),
            ("*", "is not an origin"),
        ] {
            let refused = refusal(json!({ "kind": "exact", "origins": [PAGE, bad] }));
            assert!(refused.contains(why) && refused.contains(&format!("{bad:?}")), "{bad}: {refused}");
        }
    }
}
