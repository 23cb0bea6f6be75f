//! The `regex` matcher's pattern: compiled by regex-lite, and refused where JavaScript's `RegExp` (what a
//! real express server runs) would read the same text otherwise.

use regex_lite::Regex;

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
    pub(super) fn new(source: &str) -> Result<Pattern, String> {
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

    /// Whether the pattern finds a match anywhere in `text`, as `RegExp.prototype.test` does.
    pub fn is_found_in(&self, text: &str) -> bool {
        self.regex.is_match(text)
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
                    // Without the u flag JavaScript reads `\u{3a}` as the text `u{3a}`; regex-lite as `:`.
                    Some(b'u' | b'x') if bytes.get(i + 2) == Some(&b'{') => {
                        return Some(
                            "a code in braces such as `\\u{3a}`, which JavaScript without the u flag reads as letters (write `\\u003a` or `\\x3a`)",
                        );
                    }
                    Some(b'U') => {
                        return Some(
                            "`\\U`, which JavaScript reads as the letter U (write `\\u` and four hex digits)",
                        );
                    }
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
