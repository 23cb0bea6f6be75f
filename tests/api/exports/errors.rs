//! The mistakes that take the CORS headers off an error, each run for real: the export's code with the
//! mistake made sends what the export says it sends, at the route it is about — and the browser then sees a
//! CORS error where the code as exported shows the real status. The routes: a handler that throws, a login
//! check's 401, a path no route takes (404: CORS on some routes only, Flask's preflight for it, Caddy's
//! empty 200, nginx without `always`) and a route that takes one method only (405).

use reqwest::Client;
use server::export::{self, ErrorRoute};

use super::cases::{case_named, lines};
use super::run::{exchange, run, stacks_available};

/// The cases the mistakes are run with: a credentialed PUT with a custom header (a preflight that asks
/// for something) and `*` for a simple GET.
const CASES: [&str; 2] = ["credentialed", "any_origin"];

/// Every mistake of every stack, for [`CASES`].
#[tokio::test]
async fn each_mistake_takes_the_headers_off_the_error_as_the_export_says() {
    if !stacks_available() {
        return;
    }
    let http = Client::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in CASES {
        let case = case_named(name);
        let export = case.export();
        let probe = case.probe();
        let mut runs = Vec::new();
        for stack in export.stacks.iter().filter(|s| s.code.is_some()) {
            for route in stack.errors.iter().filter(|r| r.mistake.is_some()) {
                runs.push(run_mistake(&http, name, stack.stack, route, &probe));
            }
        }
        for found in futures_util::future::join_all(runs).await {
            ran += 1;
            failures.extend(found);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= CASES.len() * 20, "only {ran} mistakes ran");
}

async fn run_mistake(
    http: &Client,
    case: &str,
    stack: &str,
    route: &ErrorRoute,
    probe: &export::Probe,
) -> Vec<String> {
    let Some(mistake) = &route.mistake else { return Vec::new() };
    let running = run(stack, case, &mistake.code).await;
    let real = exchange(http, &running.at(route.path), probe).await;
    let mut failures = Vec::new();
    let mispredicted = export::differences(&mistake.sends, &real);
    if !mispredicted.is_empty() {
        failures.push(format!(
            "{case} / {stack} {} with the mistake: sends other than predicted (predicted -> real): {:?}",
            route.path,
            lines(&mispredicted)
        ));
    }
    // A mistake worth naming changes what the browser sees.
    if export::differences(&route.sends, &mistake.sends).is_empty() {
        failures.push(format!("{case} / {stack} {}: the mistake changes nothing", route.path));
    }
    failures
}
