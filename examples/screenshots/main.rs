//! The README's pictures, made from the real pages: `scripts/screenshots`, which builds the binary and
//! this example and runs it (`cargo build --bin cors-sandbox && cargo run --example screenshots` does the
//! same).
//!
//! Starts the real `cors-sandbox` binary (the one built beside this example, or `--bin PATH`) on the
//! README's ports when they are free, else on ports the system picks; drives headless Chromium through the
//! pages' real buttons with the browser tests' harness; and writes six PNGs into `docs/images/` (or
//! `--out DIR`):
//!
//! - `tutorial-blocked.png`: the tutorial's three views after **Send request** under the article's policy;
//! - `tutorial-fixed.png`: the same request after choosing the page's own origin, read;
//! - `lab-timeline.png`: the lab's timeline after a few requests, the last a JSON POST whose preflight
//!   passes and whose actual answer, without CORS headers, is blocked;
//! - `attacker.png`: the other site's page after **Steal the account** under `reflect-origin-credentials`;
//! - `check.png`: `cors-sandbox check` run against the sandbox's API, its real output in a terminal;
//! - `lna-bubble.png`: Local Network Access's permission bubble over the lesson's page, from a headed
//!   Chromium on a virtual display (`bubble.rs`; it needs Xvfb and ImageMagick).
//!
//! Each shot waits for the page state the browser tests wait for, never for a fixed time; the pages are
//! laid out 1200 CSS px wide and drawn at 0.75, so each file is 900 px wide, cut to the part it shows, and
//! stays under 150 KB (the command fails if one does not). It is not part of `cargo test`: it needs
//! Chromium and chromedriver (`apt-get install -y chromium chromium-driver`), and for the bubble Xvfb and
//! ImageMagick (`apt-get install -y xvfb imagemagick`).

mod bubble;

#[path = "../../tests/browser/harness.rs"]
#[allow(dead_code)] // The harness serves the browser tests too; this uses part of it.
mod harness;
#[path = "../../tests/support/missing.rs"]
mod missing;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use harness::Browser;
use serde_json::json;

/// The viewport's width, in CSS pixels: the pages' own widest layout (72rem and margins).
const WIDTH: u64 = 1200;
/// Device pixels per CSS pixel: a picture of the 1200-px layout is 900 px wide, about the width a README
/// is shown at, so nothing is lost and the files stay small.
const SCALE: f64 = 0.75;
/// The viewport's height while a page is driven, in CSS pixels; each picture is then cut to what it shows.
const HEIGHT: u64 = 800;
/// No picture is taller than this, in CSS pixels (900 px in the file).
const MAX_HEIGHT: u64 = 1200;
/// Room left around what a picture shows, in CSS pixels.
const MARGIN: u64 = 12;
/// The size each picture must stay under (`tests/readme_images.rs` checks the committed files too).
const MAX_BYTES: usize = 150 * 1024;
const WAIT: Duration = Duration::from_secs(10);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("screenshots: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    out: PathBuf,
    bin: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/images"));
    let mut bin = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().ok_or("--out needs a directory")?.into(),
            "--bin" => bin = Some(PathBuf::from(args.next().ok_or("--bin needs the cors-sandbox binary")?)),
            "-h" | "--help" => {
                println!("usage: screenshots [--out DIR] [--bin PATH-TO-cors-sandbox]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let bin = match bin {
        Some(bin) => bin,
        // target/debug/examples/screenshots → target/debug/cors-sandbox
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .parent()
            .and_then(Path::parent)
            .ok_or("cannot find the target directory")?
            .join("cors-sandbox"),
    };
    if !harness::is_executable(&bin) {
        return Err(format!(
            "no cors-sandbox binary at {}: run scripts/screenshots, which builds it first, or pass --bin",
            bin.display()
        ));
    }
    Ok(Options { out, bin })
}

async fn run() -> Result<(), String> {
    let options = options()?;
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let sandbox = Sandbox::start(&options.bin)?;
    println!(
        "the sandbox: tutorial {}, API {}, other site {}",
        sandbox.site, sandbox.api_url, sandbox.attacker
    );
    let browser = Browser::start().await?.ok_or("Chromium or chromedriver is missing (see above)")?;
    let result = shoot_all(&browser, &sandbox, &options).await;
    let quit = browser.quit().await;
    let stopped = sandbox.stop();
    result?;
    quit?;
    stopped
}

async fn shoot_all(browser: &Browser, sandbox: &Sandbox, options: &Options) -> Result<(), String> {
    // A fixed viewport in the light scheme, whatever the machine's defaults.
    set_viewport(browser, HEIGHT).await?;
    browser.cdp("Emulation.setScrollbarsHidden", json!({ "hidden": true })).await?;
    browser
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": "light" }] }),
        )
        .await?;
    let shots: [(&str, Shot); 5] = [
        ("tutorial-blocked.png", |b, s| Box::pin(tutorial_blocked(b, s))),
        ("tutorial-fixed.png", |b, s| Box::pin(tutorial_fixed(b, s))),
        ("lab-timeline.png", |b, s| Box::pin(lab_timeline(b, s))),
        ("attacker.png", |b, s| Box::pin(attacker(b, s))),
        ("check.png", |b, s| Box::pin(check(b, s))),
    ];
    for (name, shot) in shots {
        browser.reset().await?;
        set_viewport(browser, HEIGHT).await?;
        let png = shot(browser, sandbox).await.map_err(|e| format!("{name}: {e}"))?;
        save(options, name, &png)?;
    }
    // The permission bubble is the browser's own interface: a headed Chromium of its own draws it.
    let bubble = bubble::permission_bubble(&format!("{}/local-network", sandbox.site)).await;
    save(options, "lna-bubble.png", &bubble.map_err(|e| format!("lna-bubble.png: {e}"))?)
}

/// Writes one picture, and fails if it is over [`MAX_BYTES`].
fn save(options: &Options, name: &str, png: &[u8]) -> Result<(), String> {
    let path = options.out.join(name);
    std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("{}: {} bytes", path.display(), png.len());
    if png.len() > MAX_BYTES {
        return Err(format!("{name} is {} bytes, over the {MAX_BYTES}-byte limit", png.len()));
    }
    Ok(())
}

type Shot = for<'a> fn(
    &'a Browser,
    &'a Sandbox,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u8>, String>> + 'a>>;

/// The part of the page from the top of `from` to the bottom of `to` (with a margin), taken by making
/// the viewport exactly that tall and scrolling it into view: what is shown is what a reader of the page
/// sees in a window that size.
async fn region(browser: &Browser, from: &str, to: &str) -> Result<Vec<u8>, String> {
    browser.find(from).await?;
    browser.find(to).await?;
    // Nothing focused (no focus ring on the button just pressed), nothing hovered.
    browser.eval("document.activeElement?.blur(); return true;").await?;
    let bounds = format!(
        "const [a, b] = [{from}, {to}].map((css) => document.querySelector(css).getBoundingClientRect());
         return [Math.max(0, Math.floor(a.top + scrollY) - {MARGIN}), Math.ceil(b.bottom + scrollY) + {MARGIN}];",
        from = json!(from),
        to = json!(to)
    );
    let mut top = 0;
    for _ in 0..2 {
        // Twice: the first resize may move what is measured (a scrollbar appears or goes).
        let [t, bottom]: [u64; 2] = serde_json::from_value(browser.eval(&bounds).await?)
            .map_err(|e| format!("the bounds of {from}..{to}: {e}"))?;
        let height = (bottom - t).min(MAX_HEIGHT);
        set_viewport(browser, height).await?;
        top = t;
    }
    let scrolled = browser.eval(&format!("scrollTo(0, {top}); return scrollY;")).await?;
    if scrolled != json!(top) {
        return Err(format!("could not scroll to {top} (at {scrolled})"));
    }
    browser.driver()?.screenshot_as_png().await.map_err(|e| format!("screenshot: {e}"))
}

/// The viewport: [`WIDTH`] wide, `height` tall, at [`SCALE`].
async fn set_viewport(browser: &Browser, height: u64) -> Result<(), String> {
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": WIDTH, "height": height, "deviceScaleFactor": SCALE, "mobile": false }),
        )
        .await?;
    Ok(())
}

/// The tutorial's policy radio for `value`, clicked, and the header line showing it.
async fn choose(browser: &Browser, value: &str, shown: &str) -> Result<(), String> {
    browser.click(&format!("input[name=\"allow-origin\"][value=\"{value}\"]")).await?;
    browser.wait_for_text("#header-line", WAIT, |t| t == shown).await?;
    Ok(())
}

/// Presses the tutorial's Send and waits for what JavaScript got and for the why view.
async fn send(browser: &Browser, expected: &str) -> Result<(), String> {
    browser.eval("document.querySelector('#js-result').textContent = ''; return true;").await?;
    browser.click("#send").await?;
    browser.wait_for_text("#js-result", WAIT, |t| t == expected).await?;
    browser.wait_for_nonempty_text("#why-result p", WAIT).await?;
    Ok(())
}

async fn tutorial_blocked(browser: &Browser, sandbox: &Sandbox) -> Result<Vec<u8>, String> {
    sandbox.use_preset("article").await?;
    browser.goto(&sandbox.site).await?;
    choose(browser, "https://yoursite.com", "Access-Control-Allow-Origin: https://yoursite.com").await?;
    send(browser, "TypeError: Failed to fetch").await?;
    browser.wait_for_text("#why-result pre.console", WAIT, |t| t.contains("blocked by CORS policy")).await?;
    // The three views: the policy above them is the article's, as view 2 shows.
    region(browser, "#views-title", "section.views").await
}

async fn tutorial_fixed(browser: &Browser, sandbox: &Sandbox) -> Result<Vec<u8>, String> {
    browser.goto(&sandbox.site).await?;
    browser.wait_for_text("#header-line", WAIT, |t| t.contains("yoursite.com")).await?;
    let own = sandbox.site.clone();
    choose(browser, &own, &format!("Access-Control-Allow-Origin: {own}")).await?;
    send(browser, "Hello").await?;
    // The choice made, the request and its three views.
    region(browser, "section.policy", "section.views").await
}

/// Picks a named policy from the lab's menu and waits until the API has it.
async fn lab_preset(browser: &Browser, id: &str) -> Result<(), String> {
    browser
        .eval(&format!(
            "const menu = document.querySelector('#preset');
             menu.value = {id};
             menu.dispatchEvent(new Event('change'));
             return true;",
            id = json!(id)
        ))
        .await?;
    browser
        .wait_until(&format!(
            "return Promise.all([fetch('/sandbox/presets').then(r => r.json()), fetch('/sandbox/policy').then(r => r.json())])
               .then(([presets, policy]) => Object.entries(presets.find(p => p.id === {id}).policy)
                 .every(([field, value]) => typeof value === 'object' && value !== null || policy[field] === value));",
            id = json!(id)
        ))
        .await
}

async fn lab_timeline(browser: &Browser, sandbox: &Sandbox) -> Result<Vec<u8>, String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.find("#preset option[value=\"permissive\"]").await?;
    // A few requests, as the lessons go: the article's GET, blocked; a JSON POST under a permissive
    // policy, preflight and all; then the same POST with the CORS headers on the preflight only, whose
    // timeline shows the preflight passing and the actual answer failing.
    lab_preset(browser, "article").await?;
    browser
        .lab_send(&json!({ "path": "/api", "method": "GET", "headers": "", "body": "none" }).to_string())
        .await?;
    let post = json!({ "path": "/api", "method": "POST", "headers": "", "body": "json" });
    lab_preset(browser, "permissive").await?;
    browser.lab_send(&post.to_string()).await?;
    lab_preset(browser, "preflight-only").await?;
    browser.lab_send(&post.to_string()).await?;
    let drawn = browser.text("#lab-result .timeline").await?;
    if !(drawn.contains("OPTIONS /api") && drawn.contains("preflight passed") && drawn.contains("rejects")) {
        return Err(format!("the timeline does not show a passed preflight and a blocked request: {drawn}"));
    }
    region(browser, "#lab-result .timeline", "#lab-result .timeline").await
}

async fn attacker(browser: &Browser, sandbox: &Sandbox) -> Result<Vec<u8>, String> {
    browser.goto(&format!("{}/lab", sandbox.site)).await?;
    browser.click("#bank-login").await?;
    browser.wait_for_text("#bank-login-result", WAIT, |t| t.starts_with("Logged in")).await?;
    browser.click("#attacker-presets button[data-preset=\"reflect-origin-credentials\"]").await?;
    browser
        .wait_until(
            "return fetch('/sandbox/policy').then(r => r.json()).then(p => p.origin_matcher?.kind === 'reflect' && p.allow_credentials === 'true');",
        )
        .await?;
    browser.goto(&format!("{}/", sandbox.attacker)).await?;
    browser.wait_for_text("#curtain", WAIT, |t| t.starts_with("policy version")).await?;
    browser.click("#steal-here").await?;
    browser.wait_for_text("#result-here", WAIT, |t| t.starts_with("Stolen")).await?;
    region(browser, "body > .banner", "section.attack").await
}

async fn check(browser: &Browser, sandbox: &Sandbox) -> Result<Vec<u8>, String> {
    sandbox.use_preset("article").await?;
    let args = ["check".to_owned(), sandbox.api_url.clone(), "--origin".to_owned(), sandbox.site.clone()];
    let output = Command::new(&sandbox.bin)
        .args(&args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", sandbox.bin.display()))?;
    let status = output.status.code().unwrap_or(-1);
    if status != 1 {
        return Err(format!(
            "check exited {status}, not 1 (blocked): {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let page = terminal_page(
        &format!("cors-sandbox {}", args.join(" ")),
        &String::from_utf8_lossy(&output.stdout),
        status,
    );
    let file = std::env::temp_dir().join(format!("cors-sandbox-check-{}.html", std::process::id()));
    std::fs::write(&file, page).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let shot = async {
        browser.goto(&format!("file://{}", file.display())).await?;
        region(browser, "#terminal", "#terminal").await
    }
    .await;
    let _ = std::fs::remove_file(&file);
    shot
}

/// A dark terminal window showing `command`, what it printed, and its exit status. Each line is its own
/// block, indented as printed, so a long line wraps under its own start; the colours only pick out what
/// kind of line it is.
fn terminal_page(command: &str, printed: &str, status: i32) -> String {
    let line = |class: &str, text: &str| {
        let indent = text.len() - text.trim_start().len();
        format!(
            "<div class=\"{class}\" style=\"padding-left: {indent}ch\">{}</div>",
            escape(text.trim_start())
        )
    };
    let mut lines = line("prompt", &format!("$ {command}"));
    for text in printed.lines() {
        let start = text.trim_start();
        let class = if text.starts_with("BLOCKED") || start.starts_with('✗') {
            "bad"
        } else if text.starts_with("ALLOWED") || start.starts_with('✓') {
            "good"
        } else if text.starts_with('>') || text.starts_with('<') {
            "wire"
        } else if text.ends_with(':') && !text.starts_with(' ') {
            "head"
        } else {
            ""
        };
        lines.push_str(&if text.is_empty() { "<div>&nbsp;</div>".to_owned() } else { line(class, text) });
    }
    lines.push_str(&line("prompt", "$ echo $?"));
    lines.push_str(&line("status", &status.to_string()));
    format!(
        r#"<!doctype html>
<meta charset="utf-8">
<title>cors-sandbox check</title>
<style>
  html, body {{ margin: 0; background: #1e1f24; }}
  #terminal {{ color: #d7dae0; font: 16px/1.45 "DejaVu Sans Mono", Menlo, Consolas, monospace;
    padding: 16px 20px 4px; }}
  #terminal div {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
  .prompt {{ color: #8fbcf0; }} .good {{ color: #8cd48c; }} .bad {{ color: #f08a8a; }}
  .wire {{ color: #a9b1c0; }} .head {{ color: #e6c07b; }} .status {{ color: #8a909c; }}
</style>
<div id="terminal">{lines}</div>
"#
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The real binary, running.
struct Sandbox {
    child: Child,
    bin: PathBuf,
    site: String,
    api_url: String,
    attacker: String,
}

impl Sandbox {
    /// Starts `bin` on the README's ports (3000, 8000, 4000) when all three are free, so the pictures
    /// show what a learner sees; else on ports the system picks.
    fn start(bin: &Path) -> Result<Sandbox, String> {
        let defaults = [("--api-port", 8000), ("--client-port", 3000), ("--attacker-port", 4000)];
        let free = defaults.iter().all(|(_, port)| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok());
        if !free {
            println!("ports 3000, 8000 or 4000 are busy: the pictures will show the ports the system picks");
        }
        let mut command = Command::new(bin);
        for (flag, port) in defaults {
            command.arg(flag).arg(if free { port.to_string() } else { "0".to_owned() });
        }
        let mut child = command
            .env_remove("SERVER_PORT")
            .env_remove("CLIENT_PORT")
            .env_remove("ATTACKER_PORT")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let (mut site, mut api_url, mut attacker) = (None, None, None);
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
            let line = line.trim();
            if let Some(url) = line.strip_prefix("Tutorial:") {
                site = Some(url.trim().to_owned());
            } else if let Some(url) = line.strip_prefix("API:") {
                api_url = Some(url.trim().to_owned());
            } else if let Some(url) = line.strip_prefix("Attacker:") {
                attacker = url.split_whitespace().next().map(str::to_owned);
            } else if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        let mut sandbox = Sandbox {
            child,
            bin: bin.to_owned(),
            site: String::new(),
            api_url: String::new(),
            attacker: String::new(),
        };
        match (site, api_url, attacker) {
            (Some(site), Some(api_url), Some(attacker)) => {
                (sandbox.site, sandbox.api_url, sandbox.attacker) = (site, api_url, attacker);
                Ok(sandbox)
            }
            _ => Err("the sandbox did not print its banner (see its message above)".to_owned()),
        }
    }

    /// Replaces the policy with a named one through the control API, as the lab's menu does.
    async fn use_preset(&self, id: &str) -> Result<(), String> {
        harness::use_preset(&self.site, id).await
    }

    /// SIGTERM, and wait for it to exit.
    fn stop(mut self) -> Result<(), String> {
        let pid = libc::pid_t::try_from(self.child.id()).map_err(|e| e.to_string())?;
        // SAFETY: `pid` is our own child, not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = self.child.wait().map_err(|e| e.to_string())?;
        if status.success() { Ok(()) } else { Err(format!("the sandbox exited with {status} on SIGTERM")) }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
