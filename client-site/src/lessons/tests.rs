//! The lessons' own rules: every setup applies, and every part is recognised.

use super::*;
use crate::presets::PRESETS;

/// The lab page's template: a setup's form values must be ones its inputs offer.
const LAB_HTML: &str = include_str!("../../../templates/lab.html");
/// The other site's page: the attacker's lesson names one of its buttons.
const ATTACKER_HTML: &str = include_str!("../../../templates/attacker.html");

/// Whether the lab's form has an option or radio button `name` with `value`.
fn form_offers(name: &str, value: &str) -> bool {
    let radio = format!(r#"name="{name}" value="{value}""#);
    let option = format!(r#"<option value="{value}""#);
    match name {
        "body" => LAB_HTML.contains(&radio),
        _ => {
            // The option must be inside this field's <select name="…">.
            let start = LAB_HTML.find(&format!(r#"<select name="{name}">"#));
            let select = start.map(|s| &LAB_HTML[s..s + LAB_HTML[s..].find("</select>").unwrap_or(0)]);
            select.is_some_and(|select| select.contains(&option))
        }
    }
}

#[test]
fn every_lesson_has_a_setup_the_lab_can_apply() {
    for lesson in &LESSONS {
        let id = lesson.id;
        match lesson.setup.policy {
            SetupPolicy::Preset(preset) => {
                assert!(PRESETS.iter().any(|p| p.id == preset), "{id}: no named policy {preset}")
            }
            SetupPolicy::Json(text) => {
                let body: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{id}: {e}"));
                assert!(server::Policy::from_json(&body).is_ok(), "{id}: not a valid policy: {text}");
            }
        }
        let request = match &lesson.setup.then {
            Then::Send { request, times } => {
                assert!(*times >= 1, "{id}: a setup to send must send at least once");
                Some(request)
            }
            Then::OpenThenSend { open, request } => {
                assert!(open.starts_with("/api"), "{id}: opens {open}, not one of the API's paths");
                Some(request)
            }
            Then::Attack { button, label } => {
                assert_eq!(id, ATTACKER_LESSON, "only the attacker's lesson is set up for the other site");
                let tag = format!(r#"id="{button}">{label}</button>"#);
                assert!(ATTACKER_HTML.contains(&tag), "{id}: the other site has no {tag}");
                None
            }
            Then::Visit { page, .. } => {
                assert_eq!(
                    id, LOCAL_NETWORK_LESSON,
                    "only the Local Network Access lesson has a page of its own"
                );
                assert_eq!(*page, crate::local_network::PAGE);
                None
            }
        };
        if let Some(f) = request {
            assert!(f.path.starts_with("/api"), "{id}: path {}", f.path);
            assert!(
                !f.method.is_empty() && !f.method.contains(char::is_whitespace),
                "{id}: method {:?}",
                f.method
            );
            for line in f.headers.lines() {
                assert!(
                    line.split_once(':').is_some_and(|(n, _)| !n.trim().is_empty()),
                    "{id}: header {line:?}"
                );
            }
            for (name, value) in [
                ("body", f.body),
                ("credentials", f.credentials),
                ("mode", f.mode),
                ("redirect", f.redirect),
                ("cache", f.cache),
            ] {
                assert!(form_offers(name, value), "{id}: the lab's form has no {name} {value:?}");
            }
        }
    }
}

#[test]
fn the_lessons_are_served_with_their_setups() {
    let served = LabProgress::default().to_json();
    let lessons = served["lessons"].as_array().expect("a list");
    assert_eq!(lessons.len(), LESSONS.len());
    for lesson in lessons {
        let setup = &lesson["setup"];
        let id = &lesson["id"];
        // Exactly one of a named policy or a whole policy.
        assert!(setup["preset"].is_string() != setup["policy"].is_object(), "{id}: {setup}");
        if lesson["id"] == ATTACKER_LESSON {
            assert!(setup["request"].is_null() && setup["sends"] == 0, "{id}: {setup}");
            assert_eq!(setup["attack"]["button"], "steal-here", "{id}");
        } else if lesson["id"] == LOCAL_NETWORK_LESSON {
            assert!(setup["request"].is_null() && setup["sends"] == 0, "{id}: {setup}");
            assert_eq!(setup["visit"]["page"], "/local-network", "{id}");
        } else {
            assert!(setup["request"]["path"].is_string() && setup["attack"].is_null(), "{id}: {setup}");
            assert!(setup["sends"].as_u64().is_some_and(|n| n >= 1), "{id}: {setup}");
        }
    }
    let by_id = |id: &str| lessons.iter().find(|l| l["id"] == id).expect(id)["setup"].clone();
    assert_eq!(by_id("preflight")["request"]["method"], "POST");
    assert_eq!(by_id("preflight")["request"]["body"], "json");
    assert_eq!(by_id("max-age")["sends"], 2);
    assert_eq!(by_id("vary")["open"], "/api/cacheable");
    assert_eq!(by_id("expose-headers")["policy"], json!({ "allow_origin": "*" }));
}

#[test]
fn the_form_check_refuses_what_the_form_lacks() {
    assert!(form_offers("mode", "no-cors"));
    assert!(!form_offers("mode", "same-origin"));
    assert!(!form_offers("cache", "include"), "an option of another select");
    assert!(!form_offers("body", "xml"));
}
