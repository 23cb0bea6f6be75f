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
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::describe::describe;

mod pattern;
pub use pattern::Pattern;

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
            OriginMatcher::Regex(pattern) => pattern.is_found_in(origin),
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
mod tests;
