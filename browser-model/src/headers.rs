//! Header-list helpers every rule uses: reading a header the way the browser reads it.
//!
//! A server may send the same header name on several lines. Fetch "gets" such a header by
//! combining the lines, in order, with `", "` (Fetch §2.2.2, "get" and "combine"), and
//! Chromium's `HttpResponseHeaders::GetNormalizedHeader` does the same. That is why two
//! `Access-Control-Allow-Origin` lines fail as "multiple values 'a, b'".

/// Strips HTTP whitespace (tab, space, CR, LF) from both ends of a value
/// (Fetch §2.2.2, "normalize" a header value).
pub(crate) fn trim_http_whitespace(value: &str) -> &str {
    value.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// Fetch "get": every line named `name` (ASCII case-insensitive), trimmed and joined with
/// `", "`; `None` when no line has that name (missing is not the same as empty).
pub(crate) fn get_combined(headers: &[(String, String)], name: &str) -> Option<String> {
    let mut combined: Option<String> = None;
    for (line_name, value) in headers {
        if !line_name.eq_ignore_ascii_case(name) {
            continue;
        }
        let value = trim_http_whitespace(value);
        match combined.as_mut() {
            Some(all) => {
                all.push_str(", ");
                all.push_str(value);
            }
            None => combined = Some(value.to_string()),
        }
    }
    combined
}

/// The first line named `name`, trimmed (for single-valued headers such as `Location`).
pub(crate) fn get_first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(line_name, _)| line_name.eq_ignore_ascii_case(name))
        .map(|(_, value)| trim_http_whitespace(value))
}

/// RFC 9110 `token`: one or more of the characters allowed in method and header names.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Header values travel as bytes; JS strings become them as ISO-8859-1 (one byte per
/// character up to U+00FF). Lengths in the safelist rules are counted in those bytes.
pub(crate) fn byte_len(value: &str) -> usize {
    value.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn repeated_lines_are_combined_with_comma_space() {
        let h = lines(&[("Access-Control-Allow-Origin", "*"), ("access-control-allow-origin", " * ")]);
        assert_eq!(get_combined(&h, "Access-Control-Allow-Origin").as_deref(), Some("*, *"));
    }

    #[test]
    fn a_missing_header_is_none_and_an_empty_one_is_empty() {
        let h = lines(&[("X-Empty", "")]);
        assert_eq!(get_combined(&h, "x-missing"), None);
        assert_eq!(get_combined(&h, "x-empty").as_deref(), Some(""));
    }

    #[test]
    fn tokens_exclude_spaces_and_separators() {
        assert!(is_token("X-Custom-Header"));
        assert!(is_token("*"));
        assert!(!is_token("PUT POST"));
        assert!(!is_token(""));
        assert!(!is_token("a,b"));
    }
}
