//! `cors-sandbox explain`: a console line, explained — which engine printed it, which check failed, what
//! it means, the fix, a lab link that sets the same failure up, and the `check` command for your server.
//!
//! The reading is the browser model's (`browser_model::explain_line`); the lab link and the check
//! command are the lab box's (`client_site::pasted_line`). This file only reads the line and prints.
//!
//! Exit status: 0 when the line is explained, 2 when it is not a line the model knows (or not a line).

use std::io::Read;

use serde_json::Value;

/// Reads the line from `arg`, or from standard input when there is none; a sentence when it cannot.
pub fn read_line(arg: Option<std::ffi::OsString>) -> Result<String, String> {
    let bytes = match arg {
        Some(arg) => arg.into_encoded_bytes(),
        None => {
            let mut bytes = Vec::new();
            // One byte more than the most the model reads: enough to say "too long" without reading on.
            std::io::stdin()
                .take(browser_model::MAX_INPUT as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("could not read standard input ({e})"))?;
            bytes
        }
    };
    if bytes.len() > browser_model::MAX_INPUT {
        return Err(format!(
            "that is more than {} KiB: a console line is far shorter. Paste only the red line.",
            browser_model::MAX_INPUT / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        "that is not text (it is not UTF-8): paste the red line from the browser's console.".to_string()
    })
}

/// Explains `text`; returns the exit status and what to print (standard output for 0 and for `--json`).
pub fn run(text: &str, lab_origin: &str, json: bool) -> (u8, String) {
    let lab = client_site::pasted_line::Lab { page_origin: lab_origin.to_string() };
    match client_site::pasted_line::explain(text, &lab) {
        Ok(explained) if json => (0, explained.to_string()),
        Ok(explained) => (0, for_a_person(&explained)),
        Err(refusal) if json => (2, refusal.to_string()),
        Err(refusal) => {
            (2, format!("cors-sandbox explain: {}", refusal["error"].as_str().unwrap_or_default()))
        }
    }
}

fn for_a_person(x: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let engine = x["engine_name"].as_str().unwrap_or("Chromium");
    let mut out = String::new();
    let candidates = x["candidates"].as_array().cloned().unwrap_or_default();
    let stage = |c: &Value| c["where"].as_str().map(|words| format!(" ({words})")).unwrap_or_default();
    if x["role"] == "companion" {
        out.push_str(&format!(
            "{engine} prints this line beside the one that names the check: paste that one for a precise answer.\n"
        ));
    }
    let ambiguous = x["ambiguous"].as_bool().unwrap_or(false);
    match candidates.as_slice() {
        [first, rest @ ..] if !ambiguous => {
            let what = if x["cors_error"].is_string() { "The failing check" } else { "What happened" };
            out.push_str(&format!(
                "{engine} printed this line. {what}: {}{}.\n",
                s(&first["cause"]),
                stage(first)
            ));
            if !rest.is_empty() {
                let elsewhere: Vec<&str> =
                    rest.iter().map(|c| c["where"].as_str().unwrap_or("on the answer itself")).collect();
                out.push_str(&format!(
                    "The line does not say where; it could also be {}.\n",
                    elsewhere.join(", ")
                ));
                if let Some(settle) = x["settle"].as_str() {
                    out.push_str(&format!("What settles it: {settle}\n"));
                }
            }
        }
        _ => {
            out.push_str(&format!(
                "{engine} printed this line, and its words cannot tell which failure it was. The candidates, likeliest first:\n"
            ));
            for (i, c) in candidates.iter().enumerate().take(6) {
                out.push_str(&format!("  {}. {}{}\n", i + 1, s(&c["cause"]), stage(c)));
            }
            if candidates.len() > 6 {
                out.push_str(&format!(
                    "  … and {} less likely ones (--json lists them all).\n",
                    candidates.len() - 6
                ));
            }
            if let Some(settle) = x["settle"].as_str() {
                out.push_str(&format!("What settles it: {settle}\n"));
            }
        }
    }
    let held: Vec<String> = ["url", "initial_url", "origin", "value", "method", "header", "status", "token"]
        .iter()
        .filter_map(|k| {
            let v = &x["extracted"][*k];
            let shown = v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string()))?;
            let name = match *k {
                "initial_url" => "fetched",
                "origin" => "page origin",
                "value" => "header value",
                other => other,
            };
            Some(format!("{name} {shown:?}"))
        })
        .collect();
    if !held.is_empty() {
        out.push_str(&format!("\nWhat the line held: {}.\n", held.join(", ")));
    }
    if let Some(meaning) = x["meaning"].as_str() {
        out.push_str(&format!("\nWhat it means: {meaning}\nThe fix: {}\n", s(&x["fix"])));
    }
    match x["lab_link"].as_str() {
        Some(link) => {
            out.push_str(&format!("\nSee it happen in the lab (run `cors-sandbox`, open this, Apply it, press Send):\n  {link}\n"));
            if let Some(note) = x["lab_note"].as_str() {
                out.push_str(&format!("  {note}\n"));
            }
        }
        None => {
            if let Some(note) = x["lab_note"].as_str() {
                out.push_str(&format!("\n{note}\n"));
            }
        }
    }
    if let Some(command) = x["check_command"].as_str() {
        out.push_str(&format!("\nAsk your own server the same question:\n  {command}\n"));
    }
    out
}
