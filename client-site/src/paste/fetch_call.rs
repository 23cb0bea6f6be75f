//! A `fetch(…)` call as DevTools copies it, read as data — it is JavaScript, and is never run.
//!
//! Both engines write the call with `JSON.stringify`: Chromium's "Copy as fetch" is
//! `fetch("URL", {…});` with two-space JSON, its "Copy as fetch (Node.js)" the same without `mode` and
//! `credentials` but with the cookie and `Referer` among the headers; Firefox's "Copy as Fetch" is
//! `await fetch("URL", {…});` with four-space JSON. So the reader accepts exactly that shape: an optional
//! `await`, `fetch(`, a JSON string, optionally a comma and a JSON object, `)` and an optional `;`. A value
//! written as code (`JSON.stringify(…)`, a template string, a variable) is not JSON and is refused with a
//! sentence, as is a second call (Chromium's "Copy all as fetch").

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{Copied, Format};

/// The `fetch()` options the lab's form has a field for; any other is named as not carried over.
const CARRIED: [&str; 7] = ["headers", "body", "method", "mode", "credentials", "redirect", "cache"];

/// Reads a copied `fetch(…)` call.
pub fn read(text: &str) -> Result<Copied, String> {
    let mut rest = text.trim();
    let awaited = rest.strip_prefix("await").filter(|r| r.starts_with(char::is_whitespace));
    rest = awaited.unwrap_or(rest).trim_start();
    rest = rest.strip_prefix("fetch").ok_or(NOT_A_CALL)?.trim_start();
    rest = rest.strip_prefix('(').ok_or(NOT_A_CALL)?.trim_start();
    let (url, after) = json_value(rest).map_err(|_| URL_NOT_A_STRING.to_owned())?;
    let Json::String(url) = url else { return Err(URL_NOT_A_STRING.to_owned()) };
    rest = after.trim_start();
    let mut options = Vec::new();
    if let Some(after_comma) = rest.strip_prefix(',') {
        let (value, after) = json_value(after_comma.trim_start())?;
        options = pairs(value)?;
        rest = after.trim_start();
    }
    rest = rest.strip_prefix(')').ok_or(NOT_A_CALL)?.trim_start();
    rest = rest.strip_prefix(';').unwrap_or(rest).trim_start();
    if rest.contains("fetch(") {
        return Err("This holds more than one fetch() call (DevTools' \"Copy all as fetch\"): paste one request at a time.".into());
    }
    if !rest.is_empty() {
        return Err("There is more after the fetch(…) call than DevTools writes: paste only the call.".into());
    }
    let format = match (awaited.is_some(), options.iter().any(|(k, _)| k == "mode")) {
        (true, _) => Format::FirefoxFetch,
        (false, true) => Format::ChromiumFetch,
        (false, false) => Format::ChromiumFetchNode,
    };
    let mut copied = Copied::new(format);
    copied.url = url;
    for (key, value) in options {
        copied_option(&mut copied, &key, value)?;
    }
    Ok(copied)
}

/// One option of the call: carried into the request, kept as the referrer, or named as not carried.
fn copied_option(copied: &mut Copied, key: &str, value: Json) -> Result<(), String> {
    match key {
        "headers" => {
            for (name, value) in pairs(value)? {
                let Some(value) = value.into_string() else {
                    return Err(format!("The header {name:?} has a value that is not a string: copy the request again."));
                };
                copied.headers.push((name, value));
            }
        }
        // `null` is "no body", as DevTools writes it for a GET.
        "body" if matches!(value, Json::Null) => {}
        "body" => copied.body = Some(value.into_string().ok_or(
            "The body is not a string in double quotes, as DevTools writes it (a FormData or a Blob has no copy): write it as text.",
        )?),
        "referrer" => copied.referrer = value.into_string(),
        _ if CARRIED.contains(&key) => {
            let Some(word) = value.into_string() else {
                return Err(format!("`{key}` is not a string: copy the request again."));
            };
            match key {
                "method" => copied.method = Some(word),
                "mode" => copied.mode = Some(word),
                "credentials" => copied.credentials = Some(word),
                "redirect" => copied.redirect = Some(word),
                _ => copied.cache = Some(word),
            }
        }
        other => copied.not_carried.push(format!("{other}: {value}")),
    }
    Ok(())
}

/// The JSON value at the start of `text`, and the text after it.
fn json_value(text: &str) -> Result<(Json, &str), String> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Json>();
    match values.next() {
        Some(Ok(value)) => Ok((value, &text[values.byte_offset()..])),
        _ => Err(NOT_JSON.to_owned()),
    }
}

/// An object's keys and values, in the order written.
fn pairs(value: Json) -> Result<Vec<(String, Json)>, String> {
    match value {
        Json::Object(pairs) => Ok(pairs),
        _ => Err(NOT_JSON.to_owned()),
    }
}

/// A JSON value whose objects keep their keys in the order written: a header list is ordered, and
/// `serde_json`'s own map sorts its keys.
#[derive(Debug)]
enum Json {
    Null,
    String(String),
    Object(Vec<(String, Json)>),
    /// A number, a boolean or an array: never a value DevTools writes for an option the lab carries.
    Other(Value),
}

impl Json {
    fn into_string(self) -> Option<String> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }
}

impl std::fmt::Display for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::String(text) => write!(f, "{}", Value::String(text.clone())),
            Json::Object(_) => f.write_str("{…}"),
            Json::Other(value) => write!(f, "{value}"),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_str<E>(self, text: &str) -> Result<Json, E> {
        Ok(Json::String(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Json, E> {
        Ok(Json::String(text))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Other(Value::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Other(Value::from(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Other(Value::from(n)))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Json::Other(Value::from(n)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(Value::String(item.to_string()));
        }
        Ok(Json::Other(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            pairs.push((key, map.next_value::<Json>()?));
        }
        Ok(Json::Object(pairs))
    }
}

const URL_NOT_A_STRING: &str = "The URL passed to fetch() is not a string in double quotes, as DevTools writes it: copy the request again.";
const NOT_A_CALL: &str = "This starts like a fetch() call but is not one as DevTools writes it (fetch(\"URL\", {…});): copy the request again.";
const NOT_JSON: &str = "The fetch() options are not written as DevTools writes them (a JSON object, every value in double quotes): copy the request again, or write the values as plain strings.";
