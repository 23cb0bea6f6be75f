//! The command line: `cors-sandbox [OPTIONS]`, `cors-sandbox check …` and `cors-sandbox explain …`, read
//! with `lexopt` (a small, dependency-free argument reader; the help is written here, by hand, once).
//!
//! Every error is a sentence naming the argument and what it takes, with exit status 2; `--help` and
//! `--version` print on standard output and exit 0. The words of the browser model's options (credentials,
//! mode, engine, address spaces, permissions) are the model's own: each is parsed with its `FromStr`.

use std::ffi::OsString;
use std::str::FromStr;

use browser_model::{AddressSpace, Credentials, Engine, Mode, Permission};
use lexopt::prelude::*;

/// What the command line asked for.
#[derive(Debug)]
pub struct Cli {
    pub api_port: u16,
    pub client_port: u16,
    pub attacker_port: u16,
    pub host: String,
    pub shutdown_grace_ms: u64,
    pub open: bool,
    pub command: Option<Command>,
}

/// A subcommand.
#[derive(Debug)]
pub enum Command {
    Check(CheckCli),
    Explain(ExplainCli),
}

/// `cors-sandbox explain [LINE] [--json]`.
#[derive(Debug, Default)]
pub struct ExplainCli {
    /// The console line; standard input when absent.
    pub line: Option<OsString>,
    pub json: bool,
}

/// `cors-sandbox check …`.
#[derive(Debug)]
pub struct CheckCli {
    pub url: Option<String>,
    pub origin: Option<String>,
    pub har: Option<String>,
    pub show_secrets: bool,
    pub method: String,
    pub headers: Vec<String>,
    pub data: Option<String>,
    pub credentials: Credentials,
    pub mode: Mode,
    pub page_address_space: Option<AddressSpace>,
    pub lna_permission: Permission,
    pub target_address_space: Option<AddressSpace>,
    pub cookie_host: Option<String>,
    pub engine: Engine,
    pub json: bool,
    pub scan: bool,
    pub cacert: Option<String>,
}

impl Default for CheckCli {
    fn default() -> CheckCli {
        CheckCli {
            url: None,
            origin: None,
            har: None,
            show_secrets: false,
            method: "GET".into(),
            headers: Vec::new(),
            data: None,
            credentials: Credentials::SameOrigin,
            mode: Mode::Cors,
            page_address_space: None,
            lna_permission: Permission::Prompt,
            target_address_space: None,
            cookie_host: None,
            engine: Engine::Chromium,
            json: false,
            scan: false,
            cacert: None,
        }
    }
}

/// Why the program ends before it runs: help or the version (status 0, standard output), or a mistake
/// (status 2, standard error).
#[derive(Debug, PartialEq, Eq)]
pub struct Exit {
    pub code: u8,
    pub text: String,
}

impl Exit {
    fn mistake(text: impl Into<String>) -> Exit {
        Exit { code: 2, text: format!("{}\n\nFor more, try '--help'.", text.into()) }
    }

    fn print(text: &str) -> Exit {
        Exit { code: 0, text: text.to_string() }
    }
}

const HELP: &str = "\
Learn CORS with a real browser: a page on one origin, an API on another, and the browser's verdict explained.

Usage: cors-sandbox [OPTIONS] [COMMAND]

Commands:
  check    Judge a real server as a browser would, without a browser (or every request of a HAR file)
  explain  Explain a console line from Chromium, Firefox or WebKit

Options:
      --api-port <PORT>          Port of the API origin (the article's SERVER_PORT) [env: SERVER_PORT] [default: 8000]
      --client-port <PORT>       Port of the tutorial page's origin [env: CLIENT_PORT] [default: 3000]
      --attacker-port <PORT>     Port of the other site, the attacker's: it tries to read the bank's secret from the
                                 API [env: ATTACKER_PORT] [default: 4000]
      --host <HOST>              Address to listen on. The default, loopback, keeps the sandbox private to this
                                 machine; a workshop can pass this machine's address to let others in
                                 [default: 127.0.0.1]
      --shutdown-grace-ms <MS>   On Ctrl-C or SIGTERM, how long requests still open get to finish, in milliseconds
                                 [env: SHUTDOWN_GRACE_MS] [default: 800]
      --open                     Open the tutorial in the default browser once the sandbox is running (xdg-open,
                                 open or start)
  -h, --help                     Print help
  -V, --version                  Print version";

const CHECK_HELP: &str = "\
Judge a real server as a browser would, without a browser: sends what fetch() from a page at --origin would send
(the preflight too), follows redirects as fetch() does, and prints the verdict, each check, and each engine's
console lines. With --har FILE, judges every fetch() and XHR a DevTools recording holds instead. Exit status 0
allowed, 1 blocked, 2 could not judge.

Usage: cors-sandbox check [OPTIONS] --origin <ORIGIN> <URL>
       cors-sandbox check --har <FILE> [--origin <ORIGIN>] [--json] [--show-secrets]

Arguments:
  <URL>  The URL the page fetches (http:// or https://)

Options:
      --origin <ORIGIN>                 The page's origin, e.g. http://localhost:3000. With --har: for the requests
                                        whose entries do not show their page
      --har <FILE>                      Judge every fetch() and XHR in a HAR file exported from DevTools (`-` reads
                                        standard input) instead of sending anything
      --show-secrets                    With --har: print Cookie, Authorization and Set-Cookie values instead of
                                        redacting them
  -X, --request <METHOD>                The method, as the page writes it [default: GET]
  -H, --header <'NAME: VALUE'>          A request header the page sets; repeatable. A Cookie stands for the
                                        browser's cookie for one host (--cookie-host): it goes only where the
                                        credentials mode lets it
      --data <DATA>                     A string body
      --credentials <CREDENTIALS>       fetch()'s credentials option [default: same-origin]
                                        [possible values: omit, same-origin, include]
      --mode <MODE>                     fetch()'s mode option [default: cors]
                                        [possible values: cors, no-cors, same-origin]
      --engine <ENGINE>                 The engine whose requests are sent: they differ after a redirect (Firefox
                                        and WebKit preflight again where Chromium may not). The verdict carries
                                        every engine's console lines either way [default: chromium]
                                        [possible values: chromium, firefox, webkit]
      --page-address-space <SPACE>      The page's address space as the browser classifies it (Local Network
                                        Access): by default from --origin's host (localhost and 127.x are
                                        loopback, private ranges local, any other name public). Chromium makes a
                                        page public when it is served with Content-Security-Policy:
                                        treat-as-public-address [possible values: public, local, loopback]
      --lna-permission <STATE>          The page's Local Network Access permission (loopback-network or
                                        local-network): prompt asks the user, and the verdict gives both outcomes
                                        [default: prompt] [possible values: prompt, granted, denied]
      --target-address-space <SPACE>    fetch()'s targetAddressSpace option: Chromium refuses the request when the
                                        server is in another space [possible values: public, local, loopback]
      --cookie-host <HOST>              The host the -H 'Cookie: …' belongs to, as a browser keeps a cookie for
                                        its host (default: the URL's host)
      --json                            Print one JSON object instead of the text for a person
      --scan                            Also send the request with the Origins an attacker would try (any origin,
                                        null, prefix, suffix, subdomain, other scheme, …) and grade what each one
                                        may read
      --cacert <FILE>                   A PEM file of certificates to trust for https://, besides Mozilla's roots
                                        (your own CA's)
  -h, --help                            Print help";

const EXPLAIN_HELP: &str = "\
Explain a console line from Chromium, Firefox or WebKit: the engine, the failing check (DevTools' CorsError name,
or the candidates when the words cannot tell), what it means, the fix, a lab link that sets up the same failure,
and the check command for your server. The line is the argument, or standard input. Exit status 0 explained, 2
not a line the sandbox knows.

Usage: cors-sandbox explain [OPTIONS] [LINE]

Arguments:
  [LINE]  The console line (quote it); without it, standard input is read

Options:
      --json  Print one JSON object instead of the text for a person
  -h, --help  Print help";

/// Reads the command line (without the program's name) and the environment's defaults.
pub fn parse(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Cli, Exit> {
    let number = |name: &str, variable: &str, default| -> Result<u64, Exit> {
        match env(variable) {
            Some(text) => text.trim().parse().map_err(|_| {
                Exit::mistake(format!("error: {variable}={text:?} is not a number; it sets {name}"))
            }),
            None => Ok(default),
        }
    };
    let port_of = |name: &str, variable: &str, default: u16| -> Result<u16, Exit> {
        let value = number(name, variable, u64::from(default))?;
        u16::try_from(value).map_err(|_| {
            Exit::mistake(format!("error: {variable}={value} is not a port: give a number from 1 to 65535"))
        })
    };
    let mut cli = Cli {
        api_port: port_of("--api-port", "SERVER_PORT", 8000)?,
        client_port: port_of("--client-port", "CLIENT_PORT", 3000)?,
        attacker_port: port_of("--attacker-port", "ATTACKER_PORT", 4000)?,
        host: "127.0.0.1".into(),
        shutdown_grace_ms: number("--shutdown-grace-ms", "SHUTDOWN_GRACE_MS", 800)?,
        open: false,
        command: None,
    };
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(mistake)? {
        match arg {
            Long("api-port") => cli.api_port = port(&mut parser, "--api-port")?,
            Long("client-port") => cli.client_port = port(&mut parser, "--client-port")?,
            Long("attacker-port") => cli.attacker_port = port(&mut parser, "--attacker-port")?,
            Long("host") => cli.host = value(&mut parser, "--host")?,
            Long("shutdown-grace-ms") => cli.shutdown_grace_ms = value(&mut parser, "--shutdown-grace-ms")?,
            Long("open") => cli.open = true,
            Short('h') | Long("help") => return Err(Exit::print(HELP)),
            Short('V') | Long("version") => {
                return Err(Exit::print(&format!("cors-sandbox {}", env!("CARGO_PKG_VERSION"))));
            }
            Value(word) if word == "check" => cli.command = Some(Command::Check(check(&mut parser)?)),
            Value(word) if word == "explain" => cli.command = Some(Command::Explain(explain(&mut parser)?)),
            Value(word) => {
                return Err(Exit::mistake(format!(
                    "error: unrecognized subcommand '{}': the commands are check and explain",
                    word.to_string_lossy()
                )));
            }
            other => return Err(mistake(other.unexpected())),
        }
    }
    Ok(cli)
}

fn check(parser: &mut lexopt::Parser) -> Result<CheckCli, Exit> {
    let mut cli = CheckCli::default();
    while let Some(arg) = parser.next().map_err(mistake)? {
        match arg {
            Long("origin") => cli.origin = Some(value(parser, "--origin")?),
            Long("har") => cli.har = Some(value(parser, "--har")?),
            Long("show-secrets") => cli.show_secrets = true,
            Short('X') | Long("request") => cli.method = value(parser, "--request")?,
            Short('H') | Long("header") => cli.headers.push(value(parser, "--header")?),
            Long("data") => cli.data = Some(value(parser, "--data")?),
            Long("credentials") => cli.credentials = value(parser, "--credentials")?,
            Long("mode") => cli.mode = value(parser, "--mode")?,
            Long("engine") => cli.engine = value(parser, "--engine")?,
            Long("page-address-space") => {
                cli.page_address_space = Some(value(parser, "--page-address-space")?)
            }
            Long("lna-permission") => cli.lna_permission = value(parser, "--lna-permission")?,
            Long("target-address-space") => {
                cli.target_address_space = Some(value(parser, "--target-address-space")?)
            }
            Long("cookie-host") => cli.cookie_host = Some(value(parser, "--cookie-host")?),
            Long("json") => cli.json = true,
            Long("scan") => cli.scan = true,
            Long("cacert") => cli.cacert = Some(value(parser, "--cacert")?),
            Short('h') | Long("help") => return Err(Exit::print(CHECK_HELP)),
            Value(url) if cli.url.is_none() => cli.url = Some(text(url, "the URL")?),
            other => return Err(mistake(other.unexpected())),
        }
    }
    let sent = cli.url.is_some()
        || !cli.headers.is_empty()
        || cli.data.is_some()
        || cli.scan
        || cli.cacert.is_some();
    match (&cli.har, &cli.url, &cli.origin) {
        (Some(_), _, _) if sent || cli.cookie_host.is_some() => Err(Exit::mistake(
            "error: --har judges a recording and sends nothing: it takes no URL, -H, --data, --scan, --cacert or --cookie-host",
        )),
        (None, _, _) if cli.show_secrets => Err(Exit::mistake("error: --show-secrets goes with --har FILE")),
        (None, None, _) => Err(Exit::mistake(
            "error: the URL the page fetches is missing: cors-sandbox check <URL> --origin <ORIGIN>",
        )),
        (None, Some(_), None) => Err(Exit::mistake(
            "error: --origin is missing: the page's origin, e.g. --origin http://localhost:3000",
        )),
        _ => Ok(cli),
    }
}

fn explain(parser: &mut lexopt::Parser) -> Result<ExplainCli, Exit> {
    let mut cli = ExplainCli::default();
    while let Some(arg) = parser.next().map_err(mistake)? {
        match arg {
            Long("json") => cli.json = true,
            Short('h') | Long("help") => return Err(Exit::print(EXPLAIN_HELP)),
            Value(line) if cli.line.is_none() => cli.line = Some(line),
            other => return Err(mistake(other.unexpected())),
        }
    }
    Ok(cli)
}

/// The value of `flag`, read as `T` (a number, a word of the model's, or text).
fn value<T: FromStr>(parser: &mut lexopt::Parser, flag: &str) -> Result<T, Exit>
where
    T::Err: std::fmt::Display,
{
    let raw = parser.value().map_err(mistake)?;
    let text = text(raw, flag)?;
    text.parse().map_err(|e| Exit::mistake(format!("error: invalid value {text:?} for '{flag}': {e}")))
}

/// A port: a number from 0 to 65535 (0 lets the system choose).
fn port(parser: &mut lexopt::Parser, flag: &str) -> Result<u16, Exit> {
    let raw = parser.value().map_err(mistake)?;
    let text = text(raw, flag)?;
    text.parse().map_err(|_| {
        Exit::mistake(format!("error: {flag} {text:?} is not a port: give a number from 1 to 65535"))
    })
}

fn text(raw: OsString, what: &str) -> Result<String, Exit> {
    raw.into_string()
        .map_err(|raw| Exit::mistake(format!("error: {what} is not valid UTF-8: {}", raw.to_string_lossy())))
}

fn mistake(error: lexopt::Error) -> Exit {
    Exit::mistake(format!("error: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Cli, Exit> {
        parse(args.iter().map(OsString::from), |_| None)
    }

    #[test]
    fn defaults_flags_and_the_environment() {
        let cli = run(&[]).expect("no arguments");
        assert_eq!(
            (cli.api_port, cli.client_port, cli.attacker_port, cli.shutdown_grace_ms),
            (8000, 3000, 4000, 800)
        );
        let cli = run(&["--api-port", "9000", "--host=0.0.0.0", "--open"]).expect("flags");
        assert_eq!((cli.api_port, cli.host.as_str(), cli.open), (9000, "0.0.0.0", true));
        let env = |name: &str| (name == "SERVER_PORT").then(|| "8100".to_string());
        assert_eq!(parse(Vec::<OsString>::new(), env).expect("env").api_port, 8100);
        let cli =
            parse(["--api-port", "8200"].map(OsString::from), env).expect("a flag beats the environment");
        assert_eq!(cli.api_port, 8200);
    }

    #[test]
    fn check_reads_the_models_words() {
        let cli = run(&[
            "check",
            "http://a/x",
            "--origin",
            "http://b",
            "--credentials",
            "include",
            "-X",
            "PUT",
            "-H",
            "X-A: 1",
            "--engine",
            "firefox",
        ]);
        let Ok(Cli { command: Some(Command::Check(check)), .. }) = cli else { panic!("a check") };
        assert_eq!(
            (check.credentials, check.engine, check.method.as_str()),
            (Credentials::Include, Engine::Firefox, "PUT")
        );
        assert_eq!(check.headers, ["X-A: 1"]);
        let refused = run(&["check", "http://a/x", "--origin", "http://b", "--mode", "cross"]).unwrap_err();
        assert_eq!(refused.code, 2);
        assert!(
            refused.text.contains("'--mode'") && refused.text.contains("cors, no-cors, same-origin"),
            "{}",
            refused.text
        );
    }

    #[test]
    fn mistakes_are_sentences_with_status_2_and_help_is_status_0() {
        for args in [
            &["--api-port", "many"][..],
            &["--client-port", "70000"],
            &["--nope"],
            &["check", "--origin", "http://b"],
            &["check", "http://a"],
            &["check", "--har", "f", "http://a"],
            &["frobnicate"],
        ] {
            let exit = run(args).unwrap_err();
            assert_eq!(exit.code, 2, "{args:?}");
            assert!(exit.text.starts_with("error: "), "{args:?}: {}", exit.text);
        }
        assert_eq!(run(&["--help"]).unwrap_err().code, 0);
        assert!(run(&["check", "--help"]).unwrap_err().text.contains("--lna-permission"));
        assert!(run(&["-V"]).unwrap_err().text.starts_with("cors-sandbox "));
    }
}
