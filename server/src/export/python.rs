//! What the Python stacks (Starlette, Django, Flask) share: how a value is written as Python, and which
//! values could be an `Origin` at all.

use super::string_literal;

/// Whether `value` could be an `Origin` header: `null`, or `scheme://host[:port]` with no path.
pub(super) fn is_origin(value: &str) -> bool {
    if value == "null" {
        return true;
    }
    let Some((scheme, rest)) = value.split_once("://") else { return false };
    !scheme.is_empty()
        && !rest.is_empty()
        && !rest.contains('/')
        && !value.contains(',')
        && !value.contains(char::is_whitespace)
}

/// `text` as a Python regular expression that matches it literally (as `re.escape` writes it).
pub(super) fn py_escape(text: &str) -> String {
    let mut escaped = String::new();
    for c in text.chars() {
        if !(c.is_ascii_alphanumeric() || c == '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A Python list of strings, `["a", "b"]`.
pub(super) fn py_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| string_literal(i.as_ref())).collect();
    format!("[{}]", quoted.join(", "))
}
