//! A `curl` command's arguments read as the request they describe: the URL, `-X`, `-H`, `-b`, the `-d`
//! family, `-u`, `-I` and `-G`.
//!
//! curl's own options that change what curl does but not the request a browser sent (`--compressed`,
//! `--insecure`, `-s`, `-L`, …) are named as ignored. Options that would read a file (`-d @file`, `-H
//! @file`, `-b jar.txt`, `-K`, `-T`, `-F`) and options this reader does not know are named as not carried
//! over: the sandbox reads no files, and an unknown option is never guessed at.

use super::{Copied, Format};

/// curl's options that take a value and change nothing about the request a browser would send.
const IGNORED_WITH_VALUE: [&str; 8] =
    ["--max-time", "-m", "--connect-timeout", "--retry", "--output", "-o", "--cookie-jar", "-c"];

/// curl's options without a value that change what curl does or prints, not the request.
const IGNORED: [&str; 22] = [
    "--compressed",
    "--globoff",
    "-g",
    "--insecure",
    "-k",
    "--location",
    "-L",
    "--silent",
    "-s",
    "--show-error",
    "-S",
    "--include",
    "-i",
    "--verbose",
    "-v",
    "--fail",
    "-f",
    "--http1.1",
    "--http2",
    "--no-buffer",
    "-N",
    "--path-as-is",
];

/// Reads a `curl` command's words (the first is `curl` itself) as a copied request.
pub fn read(words: &[String], format: Format) -> Result<Copied, String> {
    let mut reading = Reading { copied: Copied::new(format), data: Vec::new(), get: false, urls: Vec::new() };
    let mut args = words.iter().skip(1).map(String::as_str);
    while let Some(arg) = args.next() {
        if !arg.starts_with('-') || arg == "-" {
            reading.urls.push(arg.to_owned());
            continue;
        }
        // `-XPUT` and `-sSL`: a short option's value may follow it in the same word, and several short
        // options may share one, the last of them perhaps with its value.
        if !arg.starts_with("--") && arg.chars().count() > 2 {
            for (at, letter) in arg.char_indices().skip(1) {
                let option = format!("-{letter}");
                if takes_value(&option) {
                    let rest = &arg[at + letter.len_utf8()..];
                    let value = if rest.is_empty() { args.next() } else { Some(rest) };
                    reading.with_value(&option, value)?;
                    break;
                }
                reading.option(&option, None)?;
            }
            continue;
        }
        if takes_value(arg) {
            reading.with_value(arg, args.next())?;
        } else {
            reading.option(arg, None)?;
        }
    }
    reading.finish()
}

/// Whether curl reads the word after `option` as its value.
fn takes_value(option: &str) -> bool {
    matches!(
        option,
        "--url"
            | "-X"
            | "--request"
            | "-H"
            | "--header"
            | "-b"
            | "--cookie"
            | "-d"
            | "--data"
            | "--data-ascii"
            | "--data-raw"
            | "--data-binary"
            | "--data-urlencode"
            | "--json"
            | "-u"
            | "--user"
            | "-A"
            | "--user-agent"
            | "-e"
            | "--referer"
            | "-F"
            | "--form"
            | "-T"
            | "--upload-file"
            | "-K"
            | "--config"
            | "-x"
            | "--proxy"
    ) || IGNORED_WITH_VALUE.contains(&option)
}

struct Reading {
    copied: Copied,
    /// The `-d` family's values, joined with `&` at the end as curl joins them.
    data: Vec<String>,
    /// `-G`: the data goes into the URL's query and the method is GET.
    get: bool,
    urls: Vec<String>,
}

impl Reading {
    /// An option that takes a value, with the value that follows it, if any.
    fn with_value(&mut self, option: &str, value: Option<&str>) -> Result<(), String> {
        match value {
            Some(value) => self.option(option, Some(value)),
            None => {
                Err(format!("`{option}` ends the command without its value: copy the whole request again."))
            }
        }
    }

    fn option(&mut self, option: &str, value: Option<&str>) -> Result<(), String> {
        let value = value.unwrap_or("");
        match option {
            "--url" => self.urls.push(value.to_owned()),
            "-X" | "--request" => self.copied.method = Some(value.to_owned()),
            "-I" | "--head" => self.copied.method = Some("HEAD".to_owned()),
            "-G" | "--get" => self.get = true,
            "-H" | "--header" => self.header(value),
            "-b" | "--cookie" if value.contains('=') => {
                self.copied.headers.push(("Cookie".into(), value.into()))
            }
            "-b" | "--cookie" => self.not_carried(format!("{option} {value} (a cookie file)")),
            "-d" | "--data" | "--data-ascii" | "--data-binary" if value.starts_with('@') => {
                self.not_carried(format!("{option} {value} (a body read from a file)"));
            }
            "-d" | "--data" | "--data-ascii" | "--data-binary" | "--data-raw" => self.data.push(value.into()),
            "--data-urlencode" => self.data_urlencode(value),
            "--json" => self.json(value),
            "-u" | "--user" => self.user(value),
            "-A" | "--user-agent" => self.copied.headers.push(("User-Agent".into(), value.into())),
            "-e" | "--referer" => self.copied.headers.push(("Referer".into(), value.into())),
            "-F" | "--form" => self.not_carried(format!("{option} (a multipart form curl builds itself)")),
            "-T" | "--upload-file" | "-K" | "--config" => {
                self.not_carried(format!("{option} {value} (a file)"))
            }
            "-x" | "--proxy" => self.ignored(option),
            known if IGNORED.contains(&known) || IGNORED_WITH_VALUE.contains(&known) => self.ignored(known),
            unknown => self.not_carried(format!("{unknown} (an option this reader does not know)")),
        }
        Ok(())
    }

    /// `-H 'Name: value'`; `-H 'Name;'` is a header with an empty value; `-H 'Name:'` removes a header curl
    /// would add, which carries nothing.
    fn header(&mut self, line: &str) {
        if line.starts_with('@') {
            return self.not_carried(format!("-H {line} (headers read from a file)"));
        }
        if let Some(name) = line.strip_suffix(';').filter(|name| !name.contains(':')) {
            return self.copied.headers.push((name.trim().to_owned(), String::new()));
        }
        match line.split_once(':') {
            Some((name, value)) if !value.trim().is_empty() => {
                self.copied.headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
            Some(_) => self.ignored(&format!("-H '{line}'")),
            None => self.not_carried(format!("-H '{line}' (not a Name: value line)")),
        }
    }

    /// `--data-urlencode`: `content`, `=content` and `name=content` encode the content; `@file` and
    /// `name@file` read a file.
    fn data_urlencode(&mut self, value: &str) {
        let at = value.find('@');
        let equals = value.find('=');
        match (at, equals) {
            (Some(at), equals) if equals.is_none_or(|equals| at < equals) => {
                self.not_carried(format!("--data-urlencode {value} (a file)"));
            }
            (_, Some(equals)) => {
                let (name, content) = (&value[..equals], &value[equals + 1..]);
                let encoded = percent_encode(content);
                self.data.push(if name.is_empty() { encoded } else { format!("{name}={encoded}") });
            }
            _ => self.data.push(percent_encode(value)),
        }
    }

    /// `--json`: the body, with JSON's `Content-Type` and `Accept` unless the command sets them.
    fn json(&mut self, value: &str) {
        if value.starts_with('@') {
            return self.not_carried(format!("--json {value} (a body read from a file)"));
        }
        self.data.push(value.to_owned());
        for (name, json) in [("Content-Type", "application/json"), ("Accept", "application/json")] {
            if !self.copied.has_header(name) {
                self.copied.headers.push((name.into(), json.into()));
            }
        }
    }

    /// `-u user:password` is an `Authorization: Basic` header; without a password curl would ask for one.
    fn user(&mut self, value: &str) {
        if value.contains(':') {
            let basic = format!("Basic {}", base64(value.as_bytes()));
            self.copied.headers.push(("Authorization".into(), basic));
        } else {
            self.not_carried(format!("-u {value} (curl would ask for the password)"));
        }
    }

    fn ignored(&mut self, option: &str) {
        if !self.copied.ignored.iter().any(|o| o == option) {
            self.copied.ignored.push(option.to_owned());
        }
    }

    fn not_carried(&mut self, what: String) {
        self.copied.not_carried.push(what);
    }

    fn finish(mut self) -> Result<Copied, String> {
        let mut urls = std::mem::take(&mut self.urls).into_iter();
        let Some(url) = urls.next() else {
            return Err("This curl command has no URL: copy the whole request again from DevTools.".into());
        };
        if urls.next().is_some() {
            return Err(
                "This curl command has more than one URL, so more than one request: paste one at a time."
                    .into(),
            );
        }
        // DevTools writes `\[`, `\]`, `\{` and `\}` in a URL so that curl does not read them as a glob;
        // curl takes them as the characters themselves.
        let url = url.replace("\\[", "[").replace("\\]", "]").replace("\\{", "{").replace("\\}", "}");
        self.copied.url = url;
        if !self.data.is_empty() {
            let data = self.data.join("&");
            if self.get {
                let separator = if self.copied.url.contains('?') { '&' } else { '?' };
                self.copied.url = format!("{}{separator}{data}", self.copied.url);
                self.copied.method.get_or_insert_with(|| "GET".into());
            } else {
                // With a body and no -X, curl sends POST, and form-urlencoded unless a Content-Type is set.
                self.copied.method.get_or_insert_with(|| "POST".into());
                if !self.copied.has_header("Content-Type") {
                    self.copied
                        .headers
                        .push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
                    self.copied.curl_content_type = true;
                }
                self.copied.body = Some(data);
            }
        }
        Ok(self.copied)
    }
}

/// curl's `--data-urlencode` encoding: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Standard base64 with padding (RFC 4648 §4), as curl encodes `-u`'s `user:password`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_words(words: &[&str]) -> Copied {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        read(&words, Format::CurlPosix).unwrap()
    }

    #[test]
    fn the_data_family_as_curl_sends_it() {
        let copied = read_words(&[
            "curl",
            "http://a/",
            "-d",
            "a=1",
            "--data-urlencode",
            "q=a b&c",
            "--data-raw",
            "@x",
        ]);
        assert_eq!(copied.method.as_deref(), Some("POST"));
        assert_eq!(copied.body.as_deref(), Some("a=1&q=a%20b%26c&@x"));
        assert!(copied.has_header("content-type"));
        let get = read_words(&["curl", "-G", "http://a/?x=1", "-d", "y=2"]);
        assert_eq!(
            (get.url.as_str(), get.method.as_deref(), get.body),
            ("http://a/?x=1&y=2", Some("GET"), None)
        );
    }

    #[test]
    fn short_options_with_attached_values_and_clusters() {
        let copied = read_words(&["curl", "-sSL", "-XPUT", "-HX-A: 1", "http://a/"]);
        assert_eq!(copied.method.as_deref(), Some("PUT"));
        assert_eq!(copied.headers, [("X-A".to_owned(), "1".to_owned())]);
        assert_eq!(copied.ignored, ["-s", "-S", "-L"]);
    }

    #[test]
    fn user_becomes_basic_authorization() {
        let copied = read_words(&["curl", "-u", "Aladdin:open sesame", "http://a/"]);
        assert_eq!(
            copied.headers,
            [("Authorization".to_owned(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_owned())]
        );
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn files_and_unknown_options_are_named_not_read() {
        let copied = read_words(&[
            "curl",
            "http://a/",
            "-d",
            "@/etc/passwd",
            "-H",
            "@headers.txt",
            "-b",
            "jar.txt",
            "-F",
            "f=@x",
            "--frobnicate",
        ]);
        assert_eq!(copied.body, None);
        assert_eq!(copied.not_carried.len(), 5, "{:?}", copied.not_carried);
        assert!(copied.not_carried.iter().any(|n| n.contains("--frobnicate")));
    }

    #[test]
    fn glob_escapes_and_empty_headers() {
        let copied = read_words(&["curl", "--url", "http://a/?z=\\[a\\]", "-H", "X-Empty;", "-H", "Accept:"]);
        assert_eq!(copied.url, "http://a/?z=[a]");
        assert_eq!(copied.headers, [("X-Empty".to_owned(), String::new())]);
        assert_eq!(copied.ignored, ["-H 'Accept:'"]);
    }
}
