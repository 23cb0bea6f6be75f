//! What the sandbox sends, and how two answers differ as the browser reads them.

use axum::http::HeaderValue;

use super::{COMPARED, Difference, Exchange, Probe, Sent};
use crate::policy::Policy;
use crate::store::{Answer, PolicyStore};

/// What the sandbox's API sends the probe, from the same snapshot code the API answers with.
pub fn sandbox_sends(policy: &Policy, probe: &Probe) -> Exchange {
    let snapshot = PolicyStore::new(policy.clone()).snapshot();
    let origin = HeaderValue::from_str(&probe.origin).ok();
    let mut preflight = Sent::status(policy.preflight_status);
    let mut actual = Sent::status(200);
    for (answer, sent) in [(Answer::Preflight, &mut preflight), (Answer::Actual, &mut actual)] {
        if let Some(allowed) = snapshot.matched_allow_origin(answer, origin.as_ref()) {
            sent.add("access-control-allow-origin", allowed.to_str().unwrap_or_default());
        }
        let lines = match answer {
            Answer::Preflight => snapshot.preflight_headers(),
            Answer::Actual => snapshot.actual_headers(),
        };
        for (name, value) in lines {
            sent.add(name.as_str(), value.to_str().unwrap_or_default());
        }
    }
    Exchange { preflight, actual }
}

/// Where `stack` differs from `sandbox`, header by header, as the browser reads the values (`why` left
/// empty for the caller to fill).
pub fn differences(sandbox: &Exchange, stack: &Exchange) -> Vec<Difference> {
    let mut found = Vec::new();
    for (answer, ours, theirs) in
        [("preflight", &sandbox.preflight, &stack.preflight), ("actual", &sandbox.actual, &stack.actual)]
    {
        if ours.status != theirs.status {
            found.push(Difference {
                answer,
                header: "status".to_owned(),
                sandbox: Some(ours.status.to_string()),
                stack: Some(theirs.status.to_string()),
                why: String::new(),
            });
        }
        for name in COMPARED {
            let (a, b) = (ours.get(name), theirs.get(name));
            if !same_value(name, a, b) {
                found.push(Difference {
                    answer,
                    header: name.to_owned(),
                    sandbox: a.map(str::to_owned),
                    stack: b.map(str::to_owned),
                    why: String::new(),
                });
            }
        }
    }
    found
}

/// Whether two values of header `name` (`None`: absent) mean the same to the browser.
///
/// The list headers are read as lists (Fetch §4.8's "extracting header list values"): split at commas,
/// trimmed, empty items dropped, order and repeats ignored, and header names (not methods) compared
/// without case; an empty list is no header. The other headers are compared byte for byte.
pub fn same_value(name: &str, a: Option<&str>, b: Option<&str>) -> bool {
    let list = |value: Option<&str>, fold_case: bool| -> Vec<String> {
        let mut items: Vec<String> = browser_model::http::list_items(value.unwrap_or_default())
            .map(|item| if fold_case { item.to_ascii_lowercase() } else { item.to_owned() })
            .collect();
        items.sort();
        items.dedup();
        items
    };
    match name {
        "access-control-allow-methods" => list(a, false) == list(b, false),
        "access-control-allow-headers" | "access-control-expose-headers" | "vary" => {
            list(a, true) == list(b, true)
        }
        _ => a == b,
    }
}
