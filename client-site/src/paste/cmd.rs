//! A command line for Windows' `cmd.exe`, split into the arguments `curl.exe` would get — read as data,
//! never run.
//!
//! Two programs read such a line, one after the other, which is why DevTools' "Copy as cURL (cmd)"
//! (Chromium) and "Copy as cURL (Windows)" (Firefox) look as they do:
//!
//! 1. **cmd.exe** reads `^` as "the next character is plain": `^&`, `^%`, `^"`. A `^` at the end of a line
//!    joins the next line and makes its first character plain, so DevTools writes a line break inside a
//!    value as `^` and two line breaks. An unescaped `"` starts a quoted stretch, where `^` and `&` are
//!    plain too. Unescaped, `&` and `|` start another command, `<` and `>` redirect, and `%NAME%` is an
//!    environment variable: those are refused.
//! 2. **The C runtime** of `curl.exe` splits what is left into arguments (Microsoft's rules for
//!    `argv`): blanks separate them outside `"…"`, and a run of backslashes before a `"` is halved: 2n
//!    of them and a `"` are n backslashes and a quote; 2n+1 and a `"` are n backslashes and a plain `"`.
//!    So DevTools writes a `"` inside a value as `^\^"` — `\"` once cmd.exe is done.
//!
//! DevTools doubles *every* backslash of a value, though, while the runtime halves only those before a
//! `"`: `curl.exe` itself would send `\\n` where the page sent `\n`. The reader takes the copy as
//! DevTools meant it and halves an even run of backslashes anywhere, so a JSON body keeps its escapes; an
//! odd run, which DevTools never writes (`C:\dir` typed by hand), stays as it is.

/// Splits `text` into the arguments of its one command, or says why it will not.
pub fn words(text: &str) -> Result<Vec<String>, String> {
    arguments(&command_line(text)?)
}

/// What cmd.exe hands the program: the line with its `^` escapes and line continuations resolved. A `"`
/// is passed on either way (the C runtime reads it next); an escaped one does not open a quoted stretch
/// for cmd.exe.
fn command_line(text: &str) -> Result<String, String> {
    let chars: Vec<char> = text.trim_end().chars().collect();
    let mut line = String::new();
    let mut quoted = false;
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        at += 1;
        if quoted {
            if c == '"' {
                quoted = false;
            }
            if c == '\n' || c == '\r' {
                return Err(UNCLOSED.to_owned());
            }
            line.push(c);
            continue;
        }
        match c {
            '^' => {
                // `^` and a line break (`\r\n` too) joins the next line, whose first character is plain.
                if chars.get(at) == Some(&'\r') && chars.get(at + 1) == Some(&'\n') {
                    at += 1;
                }
                match chars.get(at) {
                    Some('\n') => {
                        at += 1;
                        if let Some(&first) = chars.get(at) {
                            line.push(first);
                            at += 1;
                        }
                    }
                    Some(&plain) => {
                        line.push(plain);
                        at += 1;
                    }
                    None => {}
                }
            }
            '"' => {
                quoted = true;
                line.push(c);
            }
            '\r' if chars.get(at) == Some(&'\n') => {}
            '\n' => return Err(SECOND_COMMAND.to_owned()),
            '&' => return Err(AMPERSAND.to_owned()),
            '|' => return Err(PIPE.to_owned()),
            '<' | '>' => return Err(REDIRECTION.to_owned()),
            '%' if is_variable(&chars[at..]) => return Err(VARIABLE.to_owned()),
            other => line.push(other),
        }
    }
    if quoted {
        return Err(UNCLOSED.to_owned());
    }
    Ok(line)
}

/// Whether the text after a `%` makes it an environment variable for cmd.exe: a name, then `%`. DevTools
/// writes `%^` before a name character so that cmd.exe sees no variable there.
fn is_variable(after: &[char]) -> bool {
    let name = after.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').count();
    name > 0 && after.get(name) == Some(&'%')
}

/// The C runtime's split of a command line into `argv` (Microsoft's "Parsing C command-line arguments").
fn arguments(line: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut arguments = Vec::new();
    let mut at = 0;
    loop {
        while chars.get(at).is_some_and(|c| *c == ' ' || *c == '\t') {
            at += 1;
        }
        if at >= chars.len() {
            break;
        }
        let mut argument = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.get(at) {
            if !quoted && (c == ' ' || c == '\t') {
                break;
            }
            match c {
                '\\' => {
                    let run = chars[at..].iter().take_while(|c| **c == '\\').count();
                    at += run;
                    if chars.get(at) == Some(&'"') {
                        argument.extend(std::iter::repeat_n('\\', run / 2));
                        if run % 2 == 1 {
                            argument.push('"');
                            at += 1;
                        }
                    } else {
                        // DevTools' doubling undone (see the module's note): `\\` is one `\`.
                        let meant = if run % 2 == 0 { run / 2 } else { run };
                        argument.extend(std::iter::repeat_n('\\', meant));
                    }
                }
                '"' if quoted && chars.get(at + 1) == Some(&'"') => {
                    // `""` inside quotes is one plain `"` (the runtime's rule since 2008).
                    argument.push('"');
                    at += 2;
                }
                '"' => {
                    quoted = !quoted;
                    at += 1;
                }
                other => {
                    argument.push(other);
                    at += 1;
                }
            }
        }
        arguments.push(argument);
    }
    Ok(arguments)
}

const SECOND_COMMAND: &str = "This holds more than one command (a line break without `^` before it starts another). Paste one request at a time, as DevTools' \"Copy as cURL (cmd)\" writes it.";
const AMPERSAND: &str = "This holds `&` without `^` before it, which starts another command in cmd.exe (DevTools' \"Copy all as cURL (cmd)\" joins its commands with it). Paste one request, as DevTools copies it.";
const PIPE: &str = "This holds `|` without `^` before it, a pipe into another program. The sandbox reads one request and runs nothing: remove the pipe.";
const REDIRECTION: &str = "This holds `<` or `>` without `^` before it, which reads or writes a file; the sandbox reads no files. Remove the redirection.";
const VARIABLE: &str = "This holds an environment variable (`%NAME%`), whose value only your cmd.exe knows. Write the value itself, or paste the copy exactly as DevTools made it.";
const UNCLOSED: &str =
    "A quote is never closed: the text looks cut short. Copy the whole request again from DevTools.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devtools_escapes_come_out_as_the_value() {
        // Chromium's spelling of -H 'X-Note: 100% "sure" & done', and a body with a line break.
        let text = "curl --url ^\"http://a/?x=1^&y=2^\" ^\n  -H ^\"X-Note: 100^% ^\\^\"sure^\\^\" ^& done^\" ^\n  --data-raw ^\"one^\n\ntwo ^^ ^\\^\\ end^\"";
        assert_eq!(
            words(text).unwrap(),
            [
                "curl",
                "--url",
                "http://a/?x=1&y=2",
                "-H",
                "X-Note: 100% \"sure\" & done",
                "--data-raw",
                "one\ntwo ^ \\ end"
            ]
        );
    }

    #[test]
    fn a_hand_written_quoted_line_is_read_too() {
        assert_eq!(
            words(r#"curl.exe "http://a/?x=1&y=2" -H "A: \"b\"""#).unwrap(),
            ["curl.exe", "http://a/?x=1&y=2", "-H", "A: \"b\""]
        );
    }

    #[test]
    fn cmd_tricks_are_refused_with_a_sentence() {
        for (text, says) in [
            ("curl x & calc", "`&`"),
            ("curl x | more", "pipe"),
            ("curl x > out.txt", "file"),
            ("curl %USERPROFILE%", "environment variable"),
            ("curl x\ncalc", "more than one command"),
            ("curl \"x", "never closed"),
        ] {
            let refusal = words(text).unwrap_err();
            assert!(refusal.contains(says), "{text:?}: {refusal}");
        }
        // DevTools' `%^` keeps a `%` plain.
        assert_eq!(words("curl ^\"100%^20^\"").unwrap(), ["curl", "100%20"]);
    }
}
