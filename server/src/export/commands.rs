//! The commands that verify a server: `curl` for the probe's preflight and request, and `cors-sandbox check`.
//! Every value is quoted for a POSIX shell: a method, an origin and a header are all things a visitor
//! may have typed (a share link sets them), and a token may hold `|`, `$` and `'`.

use super::Probe;

/// The probe as `curl` commands against `url`: the preflight (when the request needs one) and the request.
pub fn curl(probe: &Probe, url: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let origin = format!("-H {}", shell_quote(&format!("Origin: {}", probe.origin)));
    if needs_preflight(probe) {
        let mut preflight = format!(
            "curl -si -X OPTIONS {} {origin} -H {}",
            shell_quote(url),
            shell_quote(&format!("Access-Control-Request-Method: {}", probe.method))
        );
        if !probe.request_headers.is_empty() {
            preflight.push_str(&format!(
                " -H {}",
                shell_quote(&format!("Access-Control-Request-Headers: {}", probe.request_headers.join(",")))
            ));
        }
        commands.push(preflight);
    }
    let mut actual = format!("curl -si -X {} {} {origin}", shell_quote(&probe.method), shell_quote(url));
    for (name, value) in &probe.headers {
        actual.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    commands.push(actual);
    commands
}

/// The `cors-sandbox check` command for the probe against `url`.
pub fn check(probe: &Probe, url: &str) -> String {
    let mut command =
        format!("cors-sandbox check {} --origin {}", shell_quote(url), shell_quote(&probe.origin));
    if probe.method != "GET" {
        command.push_str(&format!(" -X {}", shell_quote(&probe.method)));
    }
    for (name, value) in &probe.headers {
        command.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    if probe.credentials {
        command.push_str(" --credentials include");
    }
    command
}

/// Whether the probe's request needs a preflight: a method other than GET, HEAD and POST, or a header
/// that needs permission (the caller worked the latter out with the browser model).
pub fn needs_preflight(probe: &Probe) -> bool {
    !matches!(probe.method.as_str(), "GET" | "HEAD" | "POST") || !probe.request_headers.is_empty()
}

/// `text` as one word of a POSIX shell: bare when every byte is a letter, a digit or one of `-_./:@=`, else
/// between single quotes, each quote of its own written `'\''`. The one quoting of every command the sandbox prints.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:@=".contains(&b)) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn a_value_is_one_shell_word_whatever_it_holds() {
        for (text, word) in [
            ("http://127.0.0.1:8000/api", "http://127.0.0.1:8000/api"),
            ("GET", "GET"),
            ("", "''"),
            ("http://a/x?y=1&z", "'http://a/x?y=1&z'"),
            ("http://a/it's", r"'http://a/it'\''s'"),
            ("$(rm -rf ~)`x`", "'$(rm -rf ~)`x`'"),
            ("~", "'~'"),
            ("a b\nc", "'a b\nc'"),
        ] {
            assert_eq!(shell_quote(text), word, "{text:?}");
        }
    }
}
