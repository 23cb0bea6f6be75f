//! axe-core, the accessibility engine, run in Chromium on the tutorial and the lab, in light and dark mode:
//! no violations of WCAG 2.1 A and AA.
//!
//! axe-core comes from npm (`npm install --prefix target/axe axe-core@4.14.1`, which `.ci/run` does); the
//! test injects it into the page. Without it the case prints a skip notice; under `CI=true` it fails.

use std::path::PathBuf;

use serde_json::json;

use crate::harness::{Browser, missing};
use crate::sandbox::SandboxProcess;

/// Where `npm install --prefix target/axe axe-core` puts it; `AXE_CORE` overrides.
fn axe_path() -> PathBuf {
    std::env::var_os("AXE_CORE").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js"),
        PathBuf::from,
    )
}

/// The axe-core script, or `None` (after a skip notice) when it is not installed and this is not CI.
fn axe_source() -> Result<Option<String>, String> {
    let path = axe_path();
    match std::fs::read_to_string(&path) {
        Ok(source) => Ok(Some(source)),
        Err(e) => {
            missing(
                &format!("axe-core ({}: {e})", path.display()),
                "npm install --prefix target/axe axe-core@4.14.1",
            )?;
            Ok(None)
        }
    }
}

/// `/`, `/lab` (with a console line explained), `/local-network` and the other site's page, each in light and
/// dark mode: axe-core reports no WCAG 2.1 A or AA violation.
pub async fn no_violations(browser: &Browser, sandbox: &SandboxProcess) -> Result<(), String> {
    let Some(axe) = axe_source()? else {
        return Ok(());
    };
    let emulate = |scheme: &str| json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] });
    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        browser.cdp("Emulation.setEmulatedMedia", emulate(scheme)).await?;
        let pages = [
            (&sandbox.site, "/", "#send"),
            (&sandbox.site, "/lab", "#lab-send"),
            (&sandbox.site, "/local-network", "#lna-try"),
            (&sandbox.attacker, "/", "#steal-here"),
        ];
        for (origin, path, ready) in pages {
            browser.goto(&format!("{origin}{path}")).await?;
            browser.find(ready).await?;
            // The lab with an explanation shown: candidates, what the line held, a link, a command.
            if path == "/lab" {
                let ambiguous = "Origin http://localhost:3000 is not allowed by Access-Control-Allow-Origin. Status code: 204";
                crate::explain::explain_in_the_box(browser, ambiguous).await?;
            }
            browser.eval(&format!("{axe}\nreturn typeof axe;")).await?;
            let violations = browser
                .eval(
                    "return axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
                       .then((r) => r.violations.map((v) => ({
                         id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
                       })));",
                )
                .await?;
            if violations != json!([]) {
                problems.push(format!("{origin}{path} ({scheme}): {violations}"));
            }
        }
    }
    browser.cdp("Emulation.setEmulatedMedia", emulate("")).await?;
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// axe-core's WCAG 2.1 A and AA violations inside `selector` on the page as it is now (after a script
/// filled it): `None` when there are none, or when axe-core is not installed (outside CI).
pub async fn violations_in(browser: &Browser, selector: &str) -> Result<Option<String>, String> {
    let Some(axe) = axe_source()? else {
        return Ok(None);
    };
    browser.eval(&format!("{axe}\nreturn typeof axe;")).await?;
    let violations = browser
        .eval(&format!(
            "return axe.run(document.querySelector({}), {{ runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }})
               .then((r) => r.violations.map((v) => ({{ id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }})));",
            json!(selector)
        ))
        .await?;
    Ok((violations != json!([])).then(|| violations.to_string()))
}
