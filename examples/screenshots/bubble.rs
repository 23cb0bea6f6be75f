//! The Local Network Access permission bubble, for the README's picture of the lesson.
//!
//! The bubble is the browser's own interface, not the page's: a headless Chromium never draws it (it
//! refuses at once), and a page's screenshot never holds it. So a **headed** Chromium runs on a virtual
//! display (Xvfb), opens the lesson's page, presses its button (DevTools' `Runtime.evaluate` with a user
//! gesture), and the whole screen is taken with ImageMagick's `import`, cut to the window's upper part and
//! scaled as the other pictures are (docs/local-network-access.md, "Screenshot recipe").
//!
//! Needs `Xvfb` and ImageMagick (`apt-get install -y xvfb imagemagick`) besides Chromium.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::harness;

/// The window, in screen pixels; the picture keeps its upper part, scaled to 900 px wide.
const WINDOW: (u32, u32) = (1200, 800);
const CROP: &str = "1200x530+0+0";
const WAIT: Duration = Duration::from_secs(20);

/// Kills a process group we started when dropped.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        harness::kill_group(self.0.id());
        let _ = self.0.wait();
    }
}

/// The tools this picture needs, or a sentence saying how to install them.
fn check_tools() -> Result<(), String> {
    for tool in ["Xvfb", "import", "convert"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output();
        if !found.is_ok_and(|o| o.status.success()) {
            return Err(format!(
                "the permission bubble's picture needs {tool}: apt-get install -y xvfb imagemagick"
            ));
        }
    }
    Ok(())
}

/// The PNG of a headed Chromium showing the bubble over `page` (the lesson's page).
pub async fn permission_bubble(page: &str) -> Result<Vec<u8>, String> {
    check_tools()?;
    let dir = harness::make_temp_dir()?;
    let shot = shoot(page, &dir).await;
    let _ = harness::remove_dir_retrying(&dir);
    shot
}

async fn shoot(page: &str, dir: &Path) -> Result<Vec<u8>, String> {
    // Xvfb writes the display number it chose on the descriptor `-displayfd` names: here its stdout.
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &format!("{}x{}x24", WINDOW.0, WINDOW.1),
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start Xvfb: {e}"))?;
    let mut number = String::new();
    let mut stdout = xvfb.stdout.take().ok_or("Xvfb has no stdout")?;
    let xvfb = Group(xvfb);
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).map_err(|e| e.to_string())? == 1 && byte[0] != b'\n' {
        number.push(byte[0] as char);
    }
    let display = format!(":{}", number.trim());
    let profile = dir.join("profile");
    let chromium = Group(
        Command::new(harness::env_path("CHROMIUM", harness::DEFAULT_CHROMIUM))
            .args([
                "--no-sandbox",
                // No "unsupported command-line flag" bar over the page.
                "--test-type",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-gpu",
                "--lang=en-US",
                "--window-position=0,0",
                &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                "--remote-debugging-port=0",
                &format!("--user-data-dir={}", profile.display()),
                page,
            ])
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start Chromium: {e}"))?,
    );
    let socket = page_socket(&profile, page).await?;
    let (mut sink, mut stream) = tokio_tungstenite::connect_async(socket.as_str())
        .await
        .map_err(|e| format!("DevTools: {e}"))?
        .0
        .split();
    let mut id = 0;
    let mut evaluate = async |expression: &str| -> Result<Value, String> {
        id += 1;
        let call = json!({ "id": id, "method": "Runtime.evaluate",
            "params": { "expression": expression, "userGesture": true, "returnByValue": true } });
        sink.send(Message::text(call.to_string())).await.map_err(|e| e.to_string())?;
        while let Some(message) = stream.next().await {
            let Ok(Message::Text(text)) = message else { continue };
            let answer: Value = serde_json::from_str(&text).unwrap_or_default();
            if answer["id"] == json!(id) {
                return Ok(answer["result"]["result"]["value"].clone());
            }
        }
        Err("DevTools closed the connection".into())
    };
    let deadline = Instant::now() + WAIT;
    while evaluate("document.readyState === 'complete' && !!document.querySelector('#lna-try')").await?
        != json!(true)
    {
        if Instant::now() > deadline {
            return Err("the lesson's page did not load in the headed Chromium".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    evaluate("document.querySelector('#lna-try').click()").await?;
    // The fetch waits while the bubble asks: the page shows "…" in its views until it is answered.
    while evaluate("document.querySelector('#lna-js').textContent").await? != json!("…") {
        if Instant::now() > deadline {
            return Err("the button's fetch() did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The bubble is browser UI, which no page event announces: give it a moment to be drawn.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let still_waiting = evaluate("document.querySelector('#lna-js').textContent").await? == json!("…");
    if !still_waiting {
        return Err("the fetch() settled without asking: no bubble to show".into());
    }
    let screen = Command::new("import")
        .args(["-display", &display, "-window", "root", "png:-"])
        .output()
        .map_err(|e| format!("import: {e}"))?;
    drop(chromium);
    drop(xvfb);
    if !screen.status.success() {
        return Err(format!("import failed: {}", String::from_utf8_lossy(&screen.stderr)));
    }
    small_png(&screen.stdout)
}

/// The screen cut to the window's upper part, 900 px wide, in 128 colours (a few tens of KB).
fn small_png(png: &[u8]) -> Result<Vec<u8>, String> {
    let mut convert = Command::new("convert")
        .args(["png:-", "-crop", CROP, "+repage", "-resize", "900x", "-colors", "128", "PNG8:-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("convert: {e}"))?;
    let mut stdin = convert.stdin.take().ok_or("convert has no stdin")?;
    let input = png.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let output = convert.wait_with_output().map_err(|e| format!("convert: {e}"))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err("convert failed to cut the picture".into());
    }
    Ok(output.stdout)
}

/// The DevTools socket of the tab showing `page`, once Chromium has written its port in the profile.
async fn page_socket(profile: &Path, page: &str) -> Result<String, String> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(text) = std::fs::read_to_string(profile.join("DevToolsActivePort"))
            && let Some(port) = text.lines().next().filter(|p| !p.is_empty())
            && let Ok(answer) = reqwest::get(format!("http://127.0.0.1:{port}/json/list")).await
            && let Ok(targets) = answer.json::<Vec<Value>>().await
            && let Some(socket) = targets
                .iter()
                .find(|t| t["type"] == "page" && t["url"] == json!(page))
                .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        {
            return Ok(socket.to_owned());
        }
        if Instant::now() > deadline {
            return Err(format!("the headed Chromium never showed {page}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
