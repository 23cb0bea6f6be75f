//! A command line for a POSIX shell (bash, zsh, sh), split into its words — read as data, never run.
//!
//! DevTools' "Copy as cURL (bash)" (Chromium) and "Copy as cURL (POSIX)" (Firefox) write one `curl`
//! command whose every argument is quoted: `'…'` for plain text, `$'…'` (bash's ANSI-C quoting) when the
//! text holds a `'`, a `!`, a line break or another control character, and ` \` at the end of each line
//! to continue it. That is all this reader needs to understand, and all it accepts besides plain words,
//! `"…"` and backslash escapes.
//!
//! Anything that would make a shell do more than pass words to one program is refused with a sentence:
//! a second command (`;`, `&&`, `||`, `&`, a new line), a pipe, a redirection or here-document (`>`,
//! `<`, `<<`), a subshell, command substitution (`$(…)`, backticks), a variable (`$HOME`, `${…}`) and a
//! comment. None of them is in a DevTools copy, and the value of a substitution or a variable is
//! something only the user's shell knows. Glob characters (`*`, `?`, `[`) and `~` stay as written, as a
//! shell leaves them when no file matches.
//!
//! The words are bytes, since `$'\xHH'` writes one byte. Firefox writes each character below U+0100 that
//! way (`w\xf6rld` for `wörld`), which a shell would turn into a Latin-1 byte and so into text that is not
//! UTF-8; a word whose bytes are not UTF-8 is therefore read as Firefox meant it, each `\xHH` the
//! character U+00HH.

/// Splits `text` into the words of its one command, or says why it will not.
pub fn words(text: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader { chars: text.chars().collect(), at: 0 };
    let mut words = Vec::new();
    loop {
        reader.skip_blanks();
        let Some(c) = reader.peek() else { break };
        if c == '\n' {
            // An unescaped line break ends the command: only blank lines may follow.
            if reader.rest_is_blank() {
                break;
            }
            return Err(SECOND_COMMAND.to_owned());
        }
        if c == '#' {
            return Err(
                "`#` starts a comment, which DevTools never writes: remove it and paste again.".into()
            );
        }
        words.push(reader.word()?);
    }
    Ok(words)
}

/// The refusal for a line break that starts another command.
const SECOND_COMMAND: &str = "This holds more than one command (a line break without ` \\` before it starts another). Paste one request at a time, as DevTools' \"Copy as cURL\" writes it.";

struct Reader {
    chars: Vec<char>,
    at: usize,
}

/// One word as it is read: its bytes as a shell would pass them, and the same text with each `\xHH`
/// (or octal) byte read as the character U+00HH, which is what Firefox meant by it.
#[derive(Default)]
struct Word {
    bytes: Vec<u8>,
    latin1: String,
}

impl Word {
    fn push(&mut self, c: char) {
        let mut utf8 = [0; 4];
        self.bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        self.latin1.push(c);
    }

    fn push_byte(&mut self, byte: u8) {
        self.bytes.push(byte);
        self.latin1.push(char::from(byte));
    }

    fn finish(self) -> String {
        String::from_utf8(self.bytes).unwrap_or(self.latin1)
    }
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    /// Skips spaces, tabs and line continuations (`\` before a line break, `\r\n` included).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t') => self.at += 1,
                Some('\r') if self.peek_at(1) == Some('\n') => self.at += 1,
                Some('\\') if self.continues_line() => self.skip_continuation(),
                _ => return,
            }
        }
    }

    /// Whether a `\` here is followed by a line break (`\n` or `\r\n`).
    fn continues_line(&self) -> bool {
        matches!((self.peek_at(1), self.peek_at(2)), (Some('\n'), _) | (Some('\r'), Some('\n')))
    }

    fn skip_continuation(&mut self) {
        self.at += if self.peek_at(1) == Some('\r') { 3 } else { 2 };
    }

    fn rest_is_blank(&self) -> bool {
        self.chars[self.at..].iter().all(|c| c.is_whitespace())
    }

    /// One word: unquoted text, `'…'`, `"…"` and `$'…'` pieces, up to a blank.
    fn word(&mut self) -> Result<String, String> {
        let mut word = Word::default();
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' => break,
                '\r' if self.peek_at(1) == Some('\n') => break,
                '\\' if self.continues_line() => self.skip_continuation(),
                '\\' => {
                    self.at += 1;
                    // An escaped character stands for itself; a `\` at the very end, for nothing.
                    if let Some(escaped) = self.next() {
                        word.push(escaped);
                    }
                }
                '\'' => {
                    self.at += 1;
                    self.single_quoted(&mut word)?;
                }
                '"' => {
                    self.at += 1;
                    self.double_quoted(&mut word)?;
                }
                '$' if self.peek_at(1) == Some('\'') => {
                    self.at += 2;
                    self.ansi_c_quoted(&mut word)?;
                }
                '$' => {
                    self.dollar()?;
                    word.push('$');
                    self.at += 1;
                }
                '`' => return Err(substitution("a backtick (`…`)")),
                ';' => return Err(SEMICOLON.to_owned()),
                '&' => return Err(AMPERSAND.to_owned()),
                '|' => return Err(PIPE.to_owned()),
                '<' if self.peek_at(1) == Some('<') => return Err(HERE_DOC.to_owned()),
                '<' | '>' => return Err(REDIRECTION.to_owned()),
                '(' | ')' => return Err(SUBSHELL.to_owned()),
                other => {
                    word.push(other);
                    self.at += 1;
                }
            }
        }
        Ok(word.finish())
    }

    /// `'…'`: every character as it is, up to the next `'`.
    fn single_quoted(&mut self, word: &mut Word) -> Result<(), String> {
        loop {
            match self.next() {
                Some('\'') => return Ok(()),
                Some(c) => word.push(c),
                None => return Err(UNCLOSED.to_owned()),
            }
        }
    }

    /// `"…"`: as written, but `\` escapes `$`, `` ` ``, `"`, `\` and a line break, and `$` and backticks
    /// would expand (refused).
    fn double_quoted(&mut self, word: &mut Word) -> Result<(), String> {
        loop {
            match self.next() {
                Some('"') => return Ok(()),
                Some('\\') => match self.peek() {
                    Some('\n') => self.at += 1,
                    Some(c @ ('$' | '`' | '"' | '\\')) => {
                        word.push(c);
                        self.at += 1;
                    }
                    _ => word.push('\\'),
                },
                Some('`') => return Err(substitution("a backtick (`…`)")),
                Some('$') => {
                    self.at -= 1;
                    self.dollar()?;
                    self.at += 1;
                    word.push('$');
                }
                Some(c) => word.push(c),
                None => return Err(UNCLOSED.to_owned()),
            }
        }
    }

    /// A `$` at `self.at`: refused when a shell would expand it (`$(…)`, `${…}`, `$NAME`, `$1`, `$?`…);
    /// before anything else it is a plain `$`.
    fn dollar(&self) -> Result<(), String> {
        match self.peek_at(1) {
            Some('(') => Err(substitution("`$(…)`")),
            Some('{') => Err(VARIABLE.to_owned()),
            Some(c) if c.is_ascii_alphanumeric() || "_?!#@*-$".contains(c) => Err(VARIABLE.to_owned()),
            _ => Ok(()),
        }
    }

    /// `$'…'`, bash's ANSI-C quoting: `\n`, `\r`, `\t`, `\'`, `\\`, `\xHH`, `\uHHHH`, octal `\nnn`, `\cX`
    /// and the other C escapes; any other character as it is.
    fn ansi_c_quoted(&mut self, word: &mut Word) -> Result<(), String> {
        loop {
            match self.next() {
                Some('\'') => return Ok(()),
                Some('\\') => self.ansi_c_escape(word)?,
                Some(c) => word.push(c),
                None => return Err(UNCLOSED.to_owned()),
            }
        }
    }

    fn ansi_c_escape(&mut self, word: &mut Word) -> Result<(), String> {
        let Some(c) = self.next() else { return Err(UNCLOSED.to_owned()) };
        let simple = match c {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' | 'E' => Some('\x1b'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' | '\'' | '"' | '?' => Some(c),
            _ => None,
        };
        if let Some(simple) = simple {
            word.push(simple);
            return Ok(());
        }
        match c {
            'x' => match self.digits(16, 2) {
                // Two hex digits at most make a byte.
                Some(byte) => word.push_byte(byte as u8),
                None => word.push_str_both("\\x"),
            },
            'u' | 'U' => {
                let most = if c == 'u' { 4 } else { 8 };
                match self.digits(16, most).and_then(char::from_u32) {
                    Some(ch) => word.push(ch),
                    None => {
                        return Err(format!(
                            "`\\{c}` in a $'…' string names no character; fix or remove it."
                        ));
                    }
                }
            }
            '0'..='7' => {
                self.at -= 1;
                // Three octal digits may exceed a byte; bash keeps the low eight bits.
                let value = self.digits(8, 3).unwrap_or(0);
                word.push_byte((value & 0xff) as u8);
            }
            'c' => match self.next() {
                Some(control) => word.push_byte(control.to_ascii_uppercase() as u8 & 0x1f),
                None => return Err(UNCLOSED.to_owned()),
            },
            // An unknown escape stays as written, backslash and all, as bash keeps it.
            other => {
                word.push('\\');
                word.push(other);
            }
        }
        Ok(())
    }

    /// Up to `most` digits in `radix` at `self.at`, as a number; `None` when there is none.
    fn digits(&mut self, radix: u32, most: usize) -> Option<u32> {
        let mut value: Option<u32> = None;
        for _ in 0..most {
            let Some(digit) = self.peek().and_then(|c| c.to_digit(radix)) else { break };
            value = Some(value.unwrap_or(0) * radix + digit);
            self.at += 1;
        }
        value
    }
}

impl Word {
    fn push_str_both(&mut self, text: &str) {
        text.chars().for_each(|c| self.push(c));
    }
}

fn substitution(what: &str) -> String {
    format!(
        "This cURL text holds {what}, a command substitution: a shell would run another command there. The sandbox never runs anything, and DevTools never writes one; paste the copy exactly as DevTools made it."
    )
}

const SEMICOLON: &str = "This holds `;`, which starts a second command (DevTools' \"Copy all as cURL\" joins its commands with it). Paste one request at a time.";
const AMPERSAND: &str = "This holds `&` or `&&`, which runs another command (or this one in the background); DevTools quotes every `&` of a URL or a body. Paste one request, as DevTools copies it.";
const PIPE: &str = "This holds `|`, a pipe into another program. The sandbox reads one request and runs nothing: remove the pipe.";
const HERE_DOC: &str = "This holds `<<`, a here-document that feeds the command text from the lines after it; DevTools never writes one. Put the body in --data-raw '…' instead.";
const REDIRECTION: &str = "This holds `<` or `>`, which reads or writes a file; the sandbox reads no files. Remove the redirection, or quote the character if it belongs to a value.";
const SUBSHELL: &str = "This holds `(` or `)` outside quotes, which a shell reads as a subshell. Quote the value that holds it, as DevTools does.";
const VARIABLE: &str = "This holds a shell variable (`$NAME` or `${…}`), whose value only your shell knows. Write the value itself, or paste the copy exactly as DevTools made it.";
const UNCLOSED: &str =
    "A quote is never closed: the text looks cut short. Copy the whole request again from DevTools.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_words_and_continuations() {
        let text = "curl 'http://a/x?y=1' \\\n  -H 'Accept: */*' \\\r\n  --data-raw \"a \\\"b\\\" \\$c\"";
        assert_eq!(
            words(text).unwrap(),
            ["curl", "http://a/x?y=1", "-H", "Accept: */*", "--data-raw", "a \"b\" $c"]
        );
    }

    #[test]
    fn ansi_c_strings_as_chromium_and_firefox_write_them() {
        // Chromium writes `!` as \u0021 and keeps non-ASCII text; Firefox writes ö as \xf6.
        assert_eq!(words(r"$'it\'s \u0021 w\xf6rld\r\n'").unwrap(), ["it's ! wörld\r\n"]);
        assert_eq!(words(r"$'wörld \x41\101\cA'").unwrap(), ["wörld AA\u{1}"]);
        // Bytes that are UTF-8 are read as UTF-8.
        assert_eq!(words(r"$'\xc3\xb6'").unwrap(), ["ö"]);
    }

    #[test]
    fn a_dollar_before_nothing_expandable_is_a_dollar() {
        assert_eq!(words("a$ '$HOME' \"5$\"").unwrap(), ["a$", "$HOME", "5$"]);
    }

    #[test]
    fn shell_tricks_are_refused_with_a_sentence() {
        for (text, says) in [
            ("curl x; rm -rf ~", "`;`"),
            ("curl x && id", "`&`"),
            ("curl x | sh", "pipe"),
            ("curl $(id)", "`$(…)`"),
            ("curl \"$(id)\"", "`$(…)`"),
            ("curl `id`", "backtick"),
            ("curl \"`id`\"", "backtick"),
            ("curl $HOME", "variable"),
            ("curl \"${HOME}\"", "variable"),
            ("curl x > out", "file"),
            ("curl x <<EOF\nhi\nEOF", "here-document"),
            ("curl x\nid", "more than one command"),
            ("curl 'x", "never closed"),
            ("curl $'x", "never closed"),
            ("curl x # y", "comment"),
            ("(curl x)", "subshell"),
        ] {
            let refusal = words(text).unwrap_err();
            assert!(refusal.contains(says), "{text:?}: {refusal}");
        }
    }
}
