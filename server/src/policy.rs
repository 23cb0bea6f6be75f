//! The API's CORS policy: which `Access-Control-*` headers it sends, as the learner typed them.
//!
//! Every header is kept as a raw value, or absent. Nothing is "corrected": a trailing slash, two origins
//! in one header or `*` together with credentials are all sent as typed, because seeing the browser
//! refuse them is the lesson. The only rule enforced is HTTP's own: a value must be a legal header
//! value (visible ASCII, spaces and tabs; no CR, LF or NUL) and at most [`MAX_VALUE_LEN`] bytes.
//! (That is also what keeps a visitor's text from ever becoming a raw header line of its own.)
//!
//! One field is not a header: `origin_matcher` ([`OriginMatcher`]). When it is set, the API decides
//! `Access-Control-Allow-Origin` per request, as a server with an allowlist does: the request's `Origin`,
//! byte for byte, when the matcher accepts it, else no such header at all. `allow_origin` is then kept (it
//! comes back when the matcher is removed) but not sent; the matcher's JSON says so in its `sends`.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::describe::describe;
use crate::origin_matcher::OriginMatcher;

/// The longest header value a policy accepts, in bytes.
pub const MAX_VALUE_LEN: usize = 4096;

/// The value the article's API sends, and the sandbox's starting point: an origin that is not the page's.
pub const ARTICLE_ALLOW_ORIGIN: &str = "https://yoursite.com";

/// A header value the API will send verbatim: checked once, here, to be a legal HTTP header value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct HeaderText(String);

impl HeaderText {
    /// Checks `text` against the grammar of an HTTP field value (RFC 9110 §5.5), restricted to ASCII.
    pub fn new(text: &str) -> Result<HeaderText, String> {
        if text.len() > MAX_VALUE_LEN {
            return Err(format!(
                "is {} bytes long; a header value here may be at most {MAX_VALUE_LEN} bytes",
                text.len()
            ));
        }
        // CR and LF would end the header line and start another one (header injection); NUL and the
        // other control characters are not allowed in a field value at all.
        if let Some(bad) = text.chars().find(|&c| !(c == ' ' || c == '\t' || c.is_ascii_graphic())) {
            let name = match bad {
                '\r' => "a carriage return (CR)".to_string(),
                '\n' => "a line feed (LF)".to_string(),
                '\0' => "a NUL byte".to_string(),
                c if c.is_ascii_control() => format!("the control character U+{:04X}", c as u32),
                c => format!("the non-ASCII character '{c}'"),
            };
            return Err(format!(
                "contains {name}, which cannot appear in an HTTP header value; use visible ASCII characters, spaces and tabs only"
            ));
        }
        Ok(HeaderText(text.to_owned()))
    }

    /// The value as it will appear on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HeaderText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the `Access-Control-*` headers go: on preflight (`OPTIONS`) answers, actual answers, or both.
///
/// "Preflight only" reproduces a classic bug: the preflight passes, then the actual response is blocked
/// (docs/lessons.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HeadersOn {
    Both,
    Preflight,
    Actual,
}

impl HeadersOn {
    fn parse(text: &str) -> Option<HeadersOn> {
        match text {
            "both" => Some(HeadersOn::Both),
            "preflight" => Some(HeadersOn::Preflight),
            "actual" => Some(HeadersOn::Actual),
            _ => None,
        }
    }
}

/// The CORS response headers the API sends. `None` means the header is not sent at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// `Access-Control-Allow-Origin`; `Some("")` sends the header with an empty value. Not sent while
    /// [`Policy::origin_matcher`] is set: the matcher decides the header then.
    pub allow_origin: Option<HeaderText>,
    /// `Access-Control-Allow-Credentials`.
    pub allow_credentials: Option<HeaderText>,
    /// `Access-Control-Allow-Methods` (preflight answers).
    pub allow_methods: Option<HeaderText>,
    /// `Access-Control-Allow-Headers` (preflight answers).
    pub allow_headers: Option<HeaderText>,
    /// `Access-Control-Expose-Headers` (actual answers).
    pub expose_headers: Option<HeaderText>,
    /// `Access-Control-Max-Age` (preflight answers).
    pub max_age: Option<HeaderText>,
    /// `Vary`, sent on every answer.
    pub vary: Option<HeaderText>,
    /// `None` (the default): `allow_origin` is sent as it is. Set: `Access-Control-Allow-Origin` is the
    /// request's `Origin` when the matcher accepts it, and absent otherwise; every other header is unchanged.
    pub origin_matcher: Option<OriginMatcher>,
    /// The status of a preflight answer: 204 by default; 404 or 500 show a failed preflight.
    pub preflight_status: u16,
    /// Which answers carry the `Access-Control-*` headers.
    pub headers_on: HeadersOn,
}

impl Default for Policy {
    /// The article's API: it allows `https://yoursite.com` only, so the tutorial page is blocked.
    fn default() -> Policy {
        Policy {
            allow_origin: Some(HeaderText(ARTICLE_ALLOW_ORIGIN.to_owned())),
            allow_credentials: None,
            allow_methods: None,
            allow_headers: None,
            expose_headers: None,
            max_age: None,
            vary: None,
            origin_matcher: None,
            preflight_status: 204,
            headers_on: HeadersOn::Both,
        }
    }
}

/// The policy's header fields: `(JSON field, the header it sends)`, in the order the API documents them.
/// The lab's policy form is rendered from this list, so a new header needs only a line here (and its
/// slot in [`Policy::set`]).
pub const HEADER_FIELDS: [(&str, &str); 7] = [
    ("allow_origin", "Access-Control-Allow-Origin"),
    ("allow_credentials", "Access-Control-Allow-Credentials"),
    ("allow_methods", "Access-Control-Allow-Methods"),
    ("allow_headers", "Access-Control-Allow-Headers"),
    ("expose_headers", "Access-Control-Expose-Headers"),
    ("max_age", "Access-Control-Max-Age"),
    ("vary", "Vary"),
];

/// The policy's fields that are not a header. `origin_matcher` is an object, not a text field: the lab's
/// form has no row for it and shows it read-only.
pub const OTHER_FIELDS: [&str; 3] = ["origin_matcher", "preflight_status", "headers_on"];

/// Every field name of the policy, in the order the API documents them.
pub fn field_names() -> impl Iterator<Item = &'static str> {
    HEADER_FIELDS.iter().map(|(name, _)| *name).chain(OTHER_FIELDS)
}

/// Why a policy change was refused: one sentence for the person who sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// A whole new policy from a JSON object (`PUT`): fields it leaves out take their defaults.
    pub fn from_json(object: &Value) -> Result<Policy, PolicyError> {
        Policy::default().patched(object)
    }

    /// This policy with the fields of a JSON object changed (`PATCH`); the others are kept.
    ///
    /// Every field is checked before anything changes, so a refused change leaves nothing half-done.
    pub fn patched(&self, object: &Value) -> Result<Policy, PolicyError> {
        let Value::Object(fields) = object else {
            return Err(PolicyError(format!(
                "The policy must be a JSON object such as {{\"allow_origin\": \"*\"}}, not {}.",
                describe(object)
            )));
        };
        reject_unknown(fields)?;
        let mut next = self.clone();
        for (name, value) in fields {
            next.set(name, value)?;
        }
        Ok(next)
    }

    fn set(&mut self, name: &str, value: &Value) -> Result<(), PolicyError> {
        match name {
            "preflight_status" => {
                let status = value.as_u64().filter(|s| (200..=599).contains(s)).ok_or_else(|| {
                    PolicyError(format!(
                        "`preflight_status` must be an HTTP status number from 200 to 599 (204 is the usual answer), not {}.",
                        describe(value)
                    ))
                })?;
                self.preflight_status = status as u16;
            }
            "origin_matcher" => {
                self.origin_matcher = match value {
                    Value::Null => None,
                    matcher => Some(OriginMatcher::from_json(matcher).map_err(PolicyError)?),
                };
            }
            "headers_on" => {
                self.headers_on = value.as_str().and_then(HeadersOn::parse).ok_or_else(|| {
                    PolicyError(format!(
                        "`headers_on` must be \"both\", \"preflight\" or \"actual\", not {}.",
                        describe(value)
                    ))
                })?;
            }
            header => {
                let slot = match header {
                    "allow_origin" => &mut self.allow_origin,
                    "allow_credentials" => &mut self.allow_credentials,
                    "allow_methods" => &mut self.allow_methods,
                    "allow_headers" => &mut self.allow_headers,
                    "expose_headers" => &mut self.expose_headers,
                    "max_age" => &mut self.max_age,
                    "vary" => &mut self.vary,
                    // `reject_unknown` has already refused every other name.
                    other => return Err(unknown_fields(&[other])),
                };
                *slot = match value {
                    Value::Null => None,
                    Value::String(text) => Some(
                        HeaderText::new(text)
                            .map_err(|why| PolicyError(format!("The value of `{header}` {why}.")))?,
                    ),
                    other => {
                        return Err(PolicyError(format!(
                            "`{header}` must be a string (the header value, sent verbatim) or null (no header), not {}.",
                            describe(other)
                        )));
                    }
                };
            }
        }
        Ok(())
    }
}

fn reject_unknown(fields: &Map<String, Value>) -> Result<(), PolicyError> {
    let unknown: Vec<&str> =
        fields.keys().map(String::as_str).filter(|name| !field_names().any(|own| own == *name)).collect();
    if unknown.is_empty() { Ok(()) } else { Err(unknown_fields(&unknown)) }
}

fn unknown_fields(names: &[&str]) -> PolicyError {
    let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let noun = if names.len() == 1 { "field" } else { "fields" };
    PolicyError(format!(
        "Unknown policy {noun} {list}; the policy's fields are {}.",
        field_names().collect::<Vec<_>>().join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_is_the_articles_api() {
        let policy = Policy::default();
        assert_eq!(policy.allow_origin.as_ref().map(HeaderText::as_str), Some("https://yoursite.com"));
        assert_eq!(policy.allow_credentials, None);
        assert_eq!(policy.preflight_status, 204);
        assert_eq!(policy.headers_on, HeadersOn::Both);
    }

    #[test]
    fn values_the_browser_refuses_are_still_accepted_verbatim() {
        for value in
            ["*", "", "null", "http://localhost:3000/", "http://a.example, http://b.example", " * ", "TRUE"]
        {
            let policy = Policy::default().patched(&json!({ "allow_origin": value })).expect(value);
            assert_eq!(policy.allow_origin.as_ref().map(HeaderText::as_str), Some(value));
        }
    }

    #[test]
    fn null_removes_the_header() {
        let policy = Policy::default().patched(&json!({ "allow_origin": null })).unwrap();
        assert_eq!(policy.allow_origin, None);
    }

    #[test]
    fn patch_keeps_the_fields_it_does_not_name() {
        let before = Policy::default().patched(&json!({ "allow_credentials": "true" })).unwrap();
        let after = before.patched(&json!({ "allow_origin": "*" })).unwrap();
        assert_eq!(after.allow_credentials.as_ref().map(HeaderText::as_str), Some("true"));
        assert_eq!(after.allow_origin.as_ref().map(HeaderText::as_str), Some("*"));
    }

    #[test]
    fn put_resets_the_fields_it_leaves_out() {
        let policy = Policy::from_json(&json!({ "allow_credentials": "true" })).unwrap();
        assert_eq!(policy.allow_origin, Policy::default().allow_origin);
        assert_eq!(policy.allow_credentials.as_ref().map(HeaderText::as_str), Some("true"));
    }

    #[test]
    fn header_injection_is_refused() {
        for (value, named) in [
            ("*\r\nSet-Cookie: a=b", "carriage return"),
            ("*\nX: y", "line feed"),
            ("a\0b", "NUL"),
            ("a\u{7f}", "U+007F"),
            ("café", "non-ASCII"),
        ] {
            let err = Policy::default().patched(&json!({ "allow_origin": value })).unwrap_err();
            assert!(err.0.contains("`allow_origin`") && err.0.contains(named), "{value:?}: {err}");
        }
    }

    #[test]
    fn over_long_values_are_refused() {
        let long = "a".repeat(MAX_VALUE_LEN + 1);
        let err = Policy::default().patched(&json!({ "vary": long })).unwrap_err();
        assert!(err.0.contains("4096 bytes"), "{err}");
        let longest = "a".repeat(MAX_VALUE_LEN);
        assert!(Policy::default().patched(&json!({ "vary": longest })).is_ok());
    }

    #[test]
    fn unknown_fields_are_named() {
        let err = Policy::default().patched(&json!({ "allow_orign": "*", "colour": 1 })).unwrap_err();
        assert!(err.0.contains("`allow_orign`") && err.0.contains("`colour`"), "{err}");
        assert!(err.0.contains("allow_origin, allow_credentials"), "{err}");
        assert!(err.0.contains("vary, origin_matcher, preflight_status"), "{err}");
    }

    #[test]
    fn wrong_types_are_named() {
        let cases = [
            (json!({ "allow_origin": 5 }), "`allow_origin` must be a string"),
            (json!({ "allow_origin": ["*"] }), "not an array"),
            (json!({ "preflight_status": "204" }), "`preflight_status` must be"),
            (json!({ "preflight_status": 99 }), "the number 99"),
            (json!({ "headers_on": "sometimes" }), "`headers_on` must be"),
            (json!(["allow_origin"]), "must be a JSON object"),
        ];
        for (body, expected) in cases {
            let err = Policy::default().patched(&body).unwrap_err();
            assert!(err.0.contains(expected), "{body}: {err}");
        }
    }

    #[test]
    fn a_refused_change_changes_nothing() {
        let before = Policy::default();
        let result = before.patched(&json!({ "allow_origin": "*", "vary": "a\nb" }));
        assert!(result.is_err());
        assert_eq!(before, Policy::default());
    }

    #[test]
    fn there_is_no_origin_matcher_by_default() {
        assert_eq!(Policy::default().origin_matcher, None);
        assert_eq!(serde_json::to_value(Policy::default()).unwrap()["origin_matcher"], Value::Null);
    }

    #[test]
    fn an_origin_matcher_is_set_beside_allow_origin_which_is_kept() {
        let policy = Policy::default()
            .patched(&json!({ "origin_matcher": { "kind": "prefix", "value": "http://localhost" } }))
            .unwrap();
        assert_eq!(policy.origin_matcher, Some(OriginMatcher::Prefix("http://localhost".into())));
        assert_eq!(policy.allow_origin, Policy::default().allow_origin);
        let shown = serde_json::to_value(&policy).unwrap();
        assert_eq!(shown["origin_matcher"]["kind"], "prefix");
        assert!(shown["origin_matcher"]["sends"].as_str().unwrap().contains("not sent"), "{shown}");
        let removed = policy.patched(&json!({ "origin_matcher": null })).unwrap();
        assert_eq!(removed, Policy::default());
    }

    #[test]
    fn a_policy_as_shown_can_be_sent_back_whole() {
        let policy = Policy::from_json(&json!({
            "allow_credentials": "true",
            "origin_matcher": { "kind": "regex", "pattern": "^http://localhost(:\\d+)?" },
        }))
        .unwrap();
        let shown = serde_json::to_value(&policy).unwrap();
        assert_eq!(Policy::from_json(&shown), Ok(policy));
    }

    #[test]
    fn a_bad_origin_matcher_is_refused_and_changes_nothing() {
        let before = Policy::default()
            .patched(&json!({ "origin_matcher": { "kind": "exact", "origins": ["http://localhost:3000"] } }))
            .unwrap();
        for (matcher, expected) in [
            (json!({ "kind": "glob" }), "`origin_matcher.kind` must be one of"),
            (json!({ "kind": "prefix" }), "needs `value`"),
            (json!({ "kind": "exact", "origins": "http://localhost:3000" }), "must be a list of origins"),
            (json!({ "kind": "exact", "origins": [] }), "is empty"),
            (json!({ "kind": "exact", "origins": ["http://localhost:3000/"] }), "has a path"),
            (json!({ "kind": "regex", "pattern": "(" }), "not a regular expression"),
            (json!(true), "must be null (send `allow_origin` as it is) or an object"),
        ] {
            let err = before.patched(&json!({ "allow_origin": "*", "origin_matcher": matcher })).unwrap_err();
            assert!(err.0.contains(expected), "{matcher}: {err}");
        }
        assert_eq!(before.origin_matcher, Some(OriginMatcher::Exact(vec!["http://localhost:3000".into()])));
        assert_eq!(before.allow_origin, Policy::default().allow_origin);
    }

    #[test]
    fn serializes_absent_headers_as_null() {
        let value = serde_json::to_value(Policy::default()).unwrap();
        assert_eq!(value["allow_origin"], "https://yoursite.com");
        assert_eq!(value["allow_credentials"], Value::Null);
        assert_eq!(value["preflight_status"], 204);
        assert_eq!(value["headers_on"], "both");
    }
}
