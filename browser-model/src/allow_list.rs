//! Reading a preflight response's `Access-Control-Allow-Methods`, `-Allow-Headers` and
//! `-Max-Age` the way Chromium's `preflight_result.cc` does.

use crate::headers::is_token;

/// A parsed `Access-Control-Allow-Methods` or `-Allow-Headers` list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AllowList {
    /// The items; methods keep their case, header names are lower-cased.
    pub(crate) items: Vec<String>,
}

impl AllowList {
    /// Whether `item` is listed (exact match: callers lower-case header names first).
    pub(crate) fn contains(&self, item: &str) -> bool {
        self.items.iter().any(|listed| listed == item)
    }
}

/// Fetch §4.8 step 7.1–7.3: parse the value as a comma-separated list of tokens (Fetch §3.2.4
/// "HTTP new-header syntax"). Chromium (`ParseAccessControlAllowList`) trims spaces around
/// items, skips empty ones and fails on the first item that is not a token — `PUT POST` (a
/// space, no comma) is one bad item. `Err` carries that item; a missing header is an empty list.
pub(crate) fn parse(value: Option<&str>, lower_case: bool) -> Result<AllowList, String> {
    let mut list = AllowList::default();
    let Some(value) = value else {
        return Ok(list);
    };
    for item in value.split(',') {
        let item = item.trim_matches([' ', '\t']);
        if item.is_empty() {
            continue;
        }
        if !is_token(item) {
            return Err(item.to_string());
        }
        list.items.push(if lower_case { item.to_ascii_lowercase() } else { item.to_string() });
    }
    Ok(list)
}

/// The header names an `Access-Control-Allow-Headers` value lists, lower-cased (`*` among them when it is
/// listed); `None` when the value is not a list of tokens, so the browser refuses it.
pub fn header_names(value: &str) -> Option<Vec<String>> {
    parse(Some(value), true).ok().map(|list| list.items)
}

/// Chromium's default preflight cache lifetime when `Access-Control-Max-Age` is missing or
/// not a number (`kDefaultTimeout`, matching Fetch §4.8's "5").
pub(crate) const DEFAULT_MAX_AGE: u64 = 5;
/// Chromium's cap (`kMaxTimeout`, 2 hours). Firefox caps at 86400 s.
pub(crate) const MAX_MAX_AGE: u64 = 7200;

/// Fetch §4.8 step 7.8: the max-age. Chromium (`ParseAccessControlMaxAge`): missing or not an
/// integer gives 5 s, a negative number 0 (not cached), anything above 2 h is capped.
pub(crate) fn max_age(value: Option<&str>) -> u64 {
    let Some(value) = value else {
        return DEFAULT_MAX_AGE;
    };
    match value.parse::<i64>() {
        Ok(seconds) if seconds < 0 => 0,
        Ok(seconds) => u64::try_from(seconds).map_or(MAX_MAX_AGE, |s| s.min(MAX_MAX_AGE)),
        Err(_) => DEFAULT_MAX_AGE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_skip_empty_items_and_reject_non_tokens() {
        let list = parse(Some("GET, ,PUT,"), false).expect("parses");
        assert_eq!(list.items, vec!["GET", "PUT"]);
        assert_eq!(parse(Some("PUT POST"), false), Err("PUT POST".to_string()));
        assert_eq!(parse(Some("X-Foo Bar"), true), Err("X-Foo Bar".to_string()));
        assert_eq!(parse(None, true).expect("parses").items, Vec::<String>::new());
    }

    #[test]
    fn header_names_are_lower_cased_methods_are_not() {
        assert_eq!(parse(Some("Content-Type"), true).expect("ok").items, vec!["content-type"]);
        assert_eq!(parse(Some("patch"), false).expect("ok").items, vec!["patch"]);
    }

    #[test]
    fn max_age_defaults_and_caps() {
        assert_eq!(max_age(None), 5);
        assert_eq!(max_age(Some("600")), 600);
        assert_eq!(max_age(Some("0")), 0);
        assert_eq!(max_age(Some("-1")), 0);
        assert_eq!(max_age(Some("86400")), 7200);
        assert_eq!(max_age(Some("ten")), 5);
    }
}
