//! Properties of the policy's validation on any input (proptest): it never panics, a refused change
//! leaves the policy as it was, and an accepted one always makes header values hyper will send.

use axum::http::HeaderValue;
use proptest::prelude::*;
use serde_json::{Map, Value};
use server::{Policy, PolicyStore};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,60}".prop_map(Value::String),
        prop_oneof![
            Just("*"),
            Just("http://localhost:3000"),
            Just("true"),
            Just("a\r\nb"),
            Just("caf\u{e9}")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            origin_matcher_like(inner),
        ]
    })
}

/// Objects shaped like an origin matcher, right or wrong: a `kind` (known or not) and a parameter (the
/// right one for the kind or not) holding any value.
fn origin_matcher_like(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        Just("reflect"),
        Just("exact"),
        Just("prefix"),
        Just("suffix"),
        Just("substring"),
        Just("regex"),
        Just("glob")
    ];
    let key = prop_oneof![Just("origins"), Just("value"), Just("pattern"), Just("code"), Just("colour")];
    (kind, key, value).prop_map(|(kind, key, value)| {
        let mut object = Map::new();
        object.insert("kind".into(), Value::from(kind));
        object.insert(key.into(), value);
        Value::Object(object)
    })
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("allow_origin"),
        Just("allow_credentials"),
        Just("allow_methods"),
        Just("allow_headers"),
        Just("expose_headers"),
        Just("max_age"),
        Just("vary"),
        Just("preflight_status"),
        Just("headers_on"),
        Just("origin_matcher"),
        Just("allow_orign"),
    ]
    .prop_map(str::to_owned)
}

fn change() -> impl Strategy<Value = Value> {
    prop::collection::vec((field(), json_value()), 0..5)
        .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<String, Value>>()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_change_is_applied_whole_or_not_at_all(change in change()) {
        let store = PolicyStore::default();
        let before = store.snapshot();
        match store.update(|current| current.patched(&change)) {
            Ok(after) => {
                prop_assert_eq!(after.version, before.version + 1);
                // Every line the new policy sends is a header value hyper accepts.
                for (_, value) in after.preflight_headers().iter().chain(after.actual_headers()) {
                    prop_assert!(HeaderValue::from_bytes(value.as_bytes()).is_ok());
                }
                // Under a matcher, `allow_origin` is in no pre-encoded line: the matcher decides it.
                if after.policy.origin_matcher.is_some() {
                    let names = after.preflight_headers().iter().chain(after.actual_headers()).map(|(n, _)| n);
                    prop_assert!(names.into_iter().all(|n| n != "access-control-allow-origin"));
                }
            }
            Err(why) => {
                prop_assert!(!why.0.is_empty());
                let now = store.snapshot();
                prop_assert_eq!(now.version, before.version);
                prop_assert_eq!(&now.policy, &before.policy);
            }
        }
    }

    #[test]
    fn any_json_at_all_is_answered_not_panicked_on(value in json_value()) {
        let _ = Policy::from_json(&value);
        let _ = Policy::default().patched(&value);
    }
}
