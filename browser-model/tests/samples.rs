//! `sample_scenarios`: the benchmark input is varied and every verdict is consistent.

use browser_model::{Preflight, judge, sample_scenarios};

/// About twenty scenarios, some allowed and some blocked, each judged without panicking.
#[test]
fn samples_are_varied_and_consistent() {
    let samples = sample_scenarios();
    assert!((18..=25).contains(&samples.len()), "{}", samples.len());
    let mut allowed = 0;
    for (page, request, preflight, actual) in &samples {
        let preflight = preflight.as_ref().map_or(Preflight::NotSent, Preflight::Sent);
        let verdict = judge(page, request, preflight, actual);
        if verdict.allowed {
            allowed += 1;
            assert!(verdict.response_type.is_some());
            assert_eq!(verdict.chromium_message, None);
            assert_eq!(verdict.failed_check, None);
        } else {
            assert!(verdict.failed_check.is_some());
            assert!(verdict.js_error.is_some());
        }
        assert!(!verdict.checks.is_empty());
    }
    assert!(allowed >= 5 && allowed <= samples.len() - 5, "{allowed}");
}
