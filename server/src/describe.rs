//! How a refusal names the JSON value it refused: "not the number 5", "not an array".
//!
//! One place, so that the policy's sentences and the origin matcher's say it the same way.

use serde_json::Value;

/// Names a JSON value's type (and a short string or number itself) for an error sentence, e.g. "the
/// number 5"; a string over 40 bytes is only "a string", so a sentence stays one line.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() > 40 => "a string".into(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
