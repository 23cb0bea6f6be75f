//! One decision, for every test that needs something the machine may lack (a browser, a stack, axe-core):
//! on a developer's machine the test says so on standard error and passes; under `CI=true`, where
//! `.ci/run` installed everything, a missing piece is a failure, never a silent skip.

use std::io::Write;

/// Whether this run is CI's (`CI=true` or `CI=1`).
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `what` is missing (`how` says how to install it): `Ok(())` after a notice, or, under CI, `Err` with
/// the same sentence.
pub fn missing(what: &str, how: &str) -> Result<(), String> {
    let notice = format!("{what} is missing here: {how}");
    if is_ci() {
        return Err(format!("{notice} (CI=true: a missing piece is a failure, never a skip)"));
    }
    // Straight to the process's stderr: `eprintln!` is captured by the test harness, and a skip nobody
    // sees is a silent one.
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {notice}\n");
    Ok(())
}
