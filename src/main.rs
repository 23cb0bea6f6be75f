//! The `cors-sandbox` command: binds both ports, prints where to go, serves until Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use cli::{CheckCli, Cli, Command, ExplainCli};
use cors_sandbox::Stopped;
use tokio::net::TcpListener;

mod cli;
mod log;

/// `cors-sandbox check …`: prints the verdict; the exit status is the verdict's.
async fn check(cli: CheckCli) -> ExitCode {
    if let Some(file) = cli.har {
        let args = cors_sandbox::check::har::HarArgs {
            file,
            origin: cli.origin,
            json: cli.json,
            show_secrets: cli.show_secrets,
        };
        let (code, text) = cors_sandbox::check::har::run(&args);
        return print(code, args.json, &text);
    }
    let (Some(url), Some(origin)) = (cli.url, cli.origin) else {
        eprintln!("cors-sandbox check: give the URL and --origin, or --har FILE.");
        return ExitCode::from(2);
    };
    let mut headers = Vec::new();
    for line in &cli.headers {
        let Some((name, value)) = line.split_once(':') else {
            eprintln!("cors-sandbox check: -H takes 'Name: value', not {line:?}.");
            return ExitCode::from(2);
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let args = cors_sandbox::check::CheckArgs {
        url,
        origin,
        method: cli.method,
        headers,
        data: cli.data,
        credentials: cli.credentials,
        mode: cli.mode,
        json: cli.json,
        scan: cli.scan,
        cacert: cli.cacert,
        engine: cli.engine,
        cookie_host: cli.cookie_host,
        page_space: cli.page_address_space,
        lna_permission: cli.lna_permission,
        target_address_space: cli.target_address_space,
    };
    let (code, text) = cors_sandbox::check::run(&args).await;
    print(code, args.json, &text)
}

/// Prints `check`'s text: on standard error when it could not judge (status 2), unless it is JSON.
fn print(code: u8, json: bool, text: &str) -> ExitCode {
    if code == 2 && !json {
        eprintln!("{text}");
    } else {
        println!("{text}");
    }
    ExitCode::from(code)
}

/// `cors-sandbox explain …`: the lab link points at this sandbox's page (`--client-port`, `--host`).
fn explain(explain_cli: ExplainCli, cli: &Cli) -> ExitCode {
    let (code, text) = match cors_sandbox::explain::read_line(explain_cli.line) {
        Ok(line) => {
            let lab = format!("http://{}:{}", display_name(&cli.host), cli.client_port);
            cors_sandbox::explain::run(&line, &lab, explain_cli.json)
        }
        Err(why) if explain_cli.json => (2, serde_json::json!({ "error": why }).to_string()),
        Err(why) => (2, format!("cors-sandbox explain: {why}")),
    };
    // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
    let _ = if code == 2 && !explain_cli.json {
        writeln!(std::io::stderr(), "{text}")
    } else {
        writeln!(std::io::stdout(), "{text}")
    };
    ExitCode::from(code)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut cli = match cli::parse(std::env::args_os().skip(1), |name| std::env::var(name).ok()) {
        Ok(cli) => cli,
        Err(exit) => {
            // Help and the version on standard output; a mistake on standard error.
            let _ = if exit.code == 0 {
                writeln!(std::io::stdout(), "{}", exit.text)
            } else {
                writeln!(std::io::stderr(), "{}", exit.text)
            };
            return ExitCode::from(exit.code);
        }
    };
    match cli.command.take() {
        Some(Command::Check(check_cli)) => return check(check_cli).await,
        Some(Command::Explain(explain_cli)) => return explain(explain_cli, &cli),
        None => {}
    }
    // `RUST_LOG=info` (or `debug`, `trace`, `error`) shows more; warnings and errors by default.
    let level = std::env::var("RUST_LOG").ok().and_then(|v| v.parse().ok()).unwrap_or(tracing::Level::WARN);
    // Standard output is the banner and how the sandbox stopped.
    // Logs go to standard error (src/log.rs); this is the only subscriber the process sets.
    let _ = tracing::subscriber::set_global_default(log::Lines::new(level, std::io::stderr()));
    raise_open_files_limit();

    // Bind all three before serving any: a busy port must stop the program before anything starts.
    let api = match bind(&cli.host, cli.api_port, "--api-port", "SERVER_PORT").await {
        Ok(listener) => listener,
        Err(message) => return fail(&message),
    };
    let client = match bind(&cli.host, cli.client_port, "--client-port", "CLIENT_PORT").await {
        Ok(listener) => listener,
        Err(message) => return fail(&message),
    };
    let attacker = match bind(&cli.host, cli.attacker_port, "--attacker-port", "ATTACKER_PORT").await {
        Ok(listener) => listener,
        Err(message) => return fail(&message),
    };
    let (Ok(api_addr), Ok(client_addr), Ok(attacker_addr)) =
        (api.local_addr(), client.local_addr(), attacker.local_addr())
    else {
        return fail("cors-sandbox: could not read the bound addresses back from the system.");
    };

    let name = display_name(&cli.host);
    println!("CORS Sandbox is running.");
    println!("  Tutorial:  http://{name}:{}", client_addr.port());
    println!("  API:       http://{name}:{}/api", api_addr.port());
    println!(
        "  Attacker:  http://{name}:{} (the other site, for the lab's \"Be the attacker\")",
        attacker_addr.port()
    );
    println!(
        "  Policy:    Access-Control-Allow-Origin: {} (the article's)",
        server::policy::ARTICLE_ALLOW_ORIGIN
    );
    println!("Press Ctrl-C to stop.");
    if cli.open {
        open_in_browser(&format!("http://{name}:{}", client_addr.port()));
    }

    let grace = Duration::from_millis(cli.shutdown_grace_ms);
    let limits = cors_sandbox::Limits { shutdown_grace: grace, ..Default::default() };
    let listeners = cors_sandbox::Listeners { api, client, attacker };
    match cors_sandbox::run_with(listeners, &cli.host, limits, shutdown_signal()).await {
        Ok(Stopped::Drained) => {
            println!("Stopped: every connection closed.");
            ExitCode::SUCCESS
        }
        Ok(Stopped::GraceExpired) => {
            println!("Stopped: requests still open after {} ms were dropped.", cli.shutdown_grace_ms);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("cors-sandbox stopped: {e}")),
    }
}

/// Opens `url` in the default browser, or says where to go when it cannot.
fn open_in_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let opened = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match opened {
        Ok(status) if status.success() => println!("Opened {url} in your browser."),
        Ok(status) => {
            println!("Could not open a browser ({program} exited with {status}): open {url} yourself.")
        }
        Err(e) => println!("Could not open a browser ({program}: {e}): open {url} yourself."),
    }
}

/// Binds `host:port`, or explains in one line why not and how to choose another port.
async fn bind(host: &str, port: u16, flag: &str, variable: &str) -> Result<TcpListener, String> {
    let target = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, port).to_string(),
        Err(_) => format!("{host}:{port}"),
    };
    TcpListener::bind(&target).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cors-sandbox: port {port} is already in use (another sandbox or dev server?); pick another with {flag} {} or {variable}={}.",
            port.wrapping_add(1), port.wrapping_add(1)
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "cors-sandbox: not allowed to listen on port {port}; pick a port above 1023 with {flag}."
        ),
        _ => format!("cors-sandbox: cannot listen on {target} ({e}); check --host and {flag}."),
    })
}

fn fail(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::FAILURE
}

/// The name to print: loopback addresses are shown as `localhost`, the name the article uses.
fn display_name(host: &str) -> String {
    match host {
        "127.0.0.1" | "::1" | "localhost" => "localhost".into(),
        other if other.contains(':') => format!("[{other}]"),
        other => other.into(),
    }
}

/// Raises the soft limit on open files to the hard one: every open tab holds a live-feed connection, and
/// a workshop's dozens of tabs must not meet the common default of 1,024. Failing is harmless: the limit
/// stays as it was.
fn raise_open_files_limit() {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
                limit.rlim_cur = limit.rlim_max;
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    tracing::debug!("could not raise the open-files limit");
                }
            }
        }
    }
}

/// Completes on Ctrl-C, or on SIGTERM on Unix (what `docker stop` and service managers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
