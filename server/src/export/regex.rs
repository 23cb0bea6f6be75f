//! An allowlist's regular expression, written for the engine each stack runs.
//!
//! The sandbox's pattern is JavaScript's `RegExp` source (the origin matcher refuses what JavaScript would
//! read otherwise), and the stacks run other engines: Python's `re` (Starlette, Django, Flask), PCRE2
//! (nginx) and Go's RE2 (Caddy and Go's `regexp`, as Debian's Go 1.19 builds them). For what allowlists
//! use the engines agree, except in two spellings, which are rewritten here:
//!
//! - `\u003a`, a character by its code: JavaScript and Python read it, PCRE2 refuses it ("PCRE2 does not
//!   support \F, \L, \l, \N{name}, \U, or \u", and nginx does not start) and so does RE2; both read
//!   `\x{003a}`.
//! - `(?<name>…)`, a named group: Python and Go 1.19 spell it `(?P<name>…)`. (In nginx a named group
//!   becomes a variable that may clash with nginx's own, so the nginx export refuses it instead.)

/// The regular-expression engine a stack runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Engine {
    /// Python's `re`.
    Python,
    /// PCRE2, nginx's.
    Pcre,
    /// RE2 as Go 1.19's `regexp` has it (Debian's Caddy is built with it).
    Re2,
}

/// `source`, a JavaScript pattern the sandbox accepted, as `engine` reads the same pattern.
pub(super) fn translate(source: &str, engine: Engine) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                out.push(c);
                break;
            };
            let hex: String = chars.iter().skip(i + 2).take(4).collect();
            if next == 'u'
                && hex.len() == 4
                && hex.chars().all(|h| h.is_ascii_hexdigit())
                && engine != Engine::Python
            {
                out.push_str(&format!("\\x{{{hex}}}"));
                i += 6;
                continue;
            }
            // Any other escape is one unit: `\(` must not start a group below.
            out.push(c);
            out.push(next);
            i += 2;
            continue;
        }
        if c == '(' && chars.get(i + 1) == Some(&'?') && chars.get(i + 2) == Some(&'<') {
            let named = chars.get(i + 3).is_some_and(|n| n.is_ascii_alphabetic() || *n == '_');
            if named && engine != Engine::Pcre {
                out.push_str("(?P<");
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether `source` has a named group, `(?<name>…)`: the one thing Python's spelling changes.
pub(super) fn has_named_group(source: &str) -> bool {
    translate(source, Engine::Python) != source
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_escape_is_written_as_pcre_and_re2_read_it() {
        let js = r"^http\u003a//localhost:3000$";
        assert_eq!(translate(js, Engine::Pcre), r"^http\x{003a}//localhost:3000$");
        assert_eq!(translate(js, Engine::Re2), r"^http\x{003a}//localhost:3000$");
        assert_eq!(translate(js, Engine::Python), js);
        // An escaped backslash before a u is a backslash, then the letter.
        assert_eq!(translate(r"\\u003a", Engine::Pcre), r"\\u003a");
    }

    #[test]
    fn a_named_group_is_spelled_as_python_and_go_spell_it() {
        let js = r"^http://(?<host>localhost)(:\d+)?$";
        assert_eq!(translate(js, Engine::Python), r"^http://(?P<host>localhost)(:\d+)?$");
        assert_eq!(translate(js, Engine::Re2), r"^http://(?P<host>localhost)(:\d+)?$");
        assert_eq!(translate(js, Engine::Pcre), js);
        assert!(has_named_group(js));
        // Look-behind is not a named group (and the sandbox refuses it anyway); an escaped paren is text.
        assert!(!has_named_group(r"\(?<x"));
        assert_eq!(translate(r"\(?<x", Engine::Python), r"\(?<x");
    }
}
