//! How fast the browser model judges: verdicts per second over a fixed mix of scenarios.
//!
//! Run with `cargo bench -p browser-model --bench model`. The figure is reported as a ratio against a
//! baseline measured in the same run — copying each scenario's inputs, the least any caller must do to
//! hand the model a request — so it means the same on a fast and a slow machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use browser_model::{Preflight, judge, sample_scenarios};

/// How long each measurement runs.
const RUN_FOR: Duration = Duration::from_secs(2);

fn main() {
    let scenarios = sample_scenarios();
    let page = "http://localhost:3000";

    let baseline = per_second(|| {
        for (name, request, preflight, actual) in &scenarios {
            black_box((name.clone(), request.clone(), preflight.clone(), actual.clone()));
        }
        scenarios.len()
    });
    let verdicts = per_second(|| {
        for (_name, request, preflight, actual) in &scenarios {
            let preflight = preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent);
            black_box(judge(black_box(page), black_box(request), preflight, black_box(actual)));
        }
        scenarios.len()
    });

    println!("browser model, a mix of {} scenarios:", scenarios.len());
    println!("  judge():          {verdicts:>12.0} verdicts/s");
    println!("  baseline (clone): {baseline:>12.0} scenario copies/s");
    println!("  one verdict costs {:.1} copies of its inputs", baseline / verdicts);
}

/// Runs `round` repeatedly for [`RUN_FOR`] (after a short warm-up) and returns items per second.
fn per_second(mut round: impl FnMut() -> usize) -> f64 {
    let warm_up = Instant::now();
    while warm_up.elapsed() < RUN_FOR / 10 {
        round();
    }
    let started = Instant::now();
    let mut items = 0;
    while started.elapsed() < RUN_FOR {
        items += round();
    }
    items as f64 / started.elapsed().as_secs_f64()
}
