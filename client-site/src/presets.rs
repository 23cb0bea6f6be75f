//! Named policies: the common configurations, a correct credentialed setup, and the classic mistakes.
//!
//! `GET /sandbox/presets` lists them with the page's own origin filled in; the page applies one with
//! `PUT /sandbox/policy`, so a preset is nothing more than a policy a learner could type by hand.

use serde_json::{Value, json};

/// One named policy.
pub struct Preset {
    /// A stable id, e.g. `credentialed`.
    pub id: &'static str,
    /// What the page shows in the menu.
    pub title: &'static str,
    /// One or two sentences: what it is, and what it teaches.
    pub about: &'static str,
    /// The policy as a `PUT` body; `{origin}` stands for the page's origin.
    policy: &'static str,
}

/// Every preset, in the order the page lists them.
pub const PRESETS: [Preset; 10] = [
    Preset {
        id: "article",
        title: "The article's API",
        about: "Allows https://yoursite.com only: every other page is blocked.",
        policy: r#"{"allow_origin": "https://yoursite.com"}"#,
    },
    Preset {
        id: "permissive",
        title: "Permissive (public data)",
        about: "Any origin, any method, any header, every response header exposed — like tower-http's CorsLayer::permissive(). Fine for public data without credentials.",
        policy: r#"{"allow_origin": "*", "allow_methods": "*", "allow_headers": "*", "expose_headers": "*"}"#,
    },
    Preset {
        id: "credentialed",
        title: "Correct credentialed setup",
        about: "The exact origin, Allow-Credentials: true, explicit methods and headers (Authorization named, since the Fetch Standard says * does not cover it), exposed custom headers and Vary: Origin.",
        policy: r#"{"allow_origin": "{origin}", "allow_credentials": "true", "allow_methods": "GET, POST, PUT, PATCH, DELETE", "allow_headers": "Content-Type, Authorization, X-Api-Key", "expose_headers": "X-Request-Id, X-Total-Count", "max_age": "0", "vary": "Origin"}"#,
    },
    Preset {
        id: "wildcard-with-credentials",
        title: "Mistake: * with credentials",
        about: "Access-Control-Allow-Origin: * with Allow-Credentials: true (what express cors {credentials: true} sends by default). Credentialed requests are refused.",
        policy: r#"{"allow_origin": "*", "allow_credentials": "true"}"#,
    },
    Preset {
        id: "trailing-slash",
        title: "Mistake: a trailing slash",
        about: "The page's origin with a slash after it. An origin has no path, so it never matches.",
        policy: r#"{"allow_origin": "{origin}/"}"#,
    },
    Preset {
        id: "origin-list",
        title: "Mistake: a list of origins",
        about: "Two origins in one header. The header takes exactly one origin; echo the matching one instead.",
        policy: r#"{"allow_origin": "{origin}, https://yoursite.com"}"#,
    },
    Preset {
        id: "preflight-only",
        title: "Mistake: CORS headers on the preflight only",
        about: "The OPTIONS answer allows the request, the actual answer carries no CORS headers: the preflight passes, the request fails.",
        policy: r#"{"allow_origin": "*", "allow_methods": "GET, POST, PUT, DELETE", "allow_headers": "Content-Type", "headers_on": "preflight"}"#,
    },
    Preset {
        id: "no-options-route",
        title: "Mistake: no OPTIONS handling",
        about: "The actual answers carry CORS headers but OPTIONS gets a bare 405, as in a server without a CORS layer: every preflighted request fails.",
        policy: r#"{"allow_origin": "*", "allow_methods": "GET, POST, PUT, DELETE", "allow_headers": "Content-Type", "headers_on": "actual", "preflight_status": 405}"#,
    },
    Preset {
        id: "lower-case-methods",
        title: "Mistake: method names in lower case",
        about: "Allow-Methods: put, patch — method names are compared byte for byte. The browser upper-cases put (and get, post, delete, head, options) before sending, so a page's put or PUT is refused; patch is not upper-cased, so a page's lower-case patch matches and passes, while its PATCH is refused.",
        policy: r#"{"allow_origin": "*", "allow_methods": "put, patch", "allow_headers": "Content-Type"}"#,
    },
    Preset {
        id: "cached-preflight",
        title: "Preflight cached for 10 minutes",
        about: "Max-Age: 600. With the browser's default cache, a second PUT sends no OPTIONS: a policy change can look ignored until the cache expires.",
        policy: r#"{"allow_origin": "*", "allow_methods": "PUT, DELETE", "allow_headers": "Content-Type", "max_age": "600"}"#,
    },
];

impl Preset {
    /// The preset's policy for a page on `origin`, as a `PUT /sandbox/policy` body.
    pub fn policy_for(&self, origin: &str) -> Value {
        // `origin` was built from a checked `Host` header, but it is still escaped as JSON text so that
        // nothing in it can change the object's shape.
        let escaped = serde_json::to_string(origin).unwrap_or_default();
        let inner = escaped.trim_matches('"');
        serde_json::from_str(&self.policy.replace("{origin}", inner)).unwrap_or(Value::Null)
    }
}

/// `GET /sandbox/presets`: every preset with the page's origin filled in.
pub fn list(origin: &str) -> Value {
    json!(
        PRESETS
            .iter()
            .map(
                |p| json!({ "id": p.id, "title": p.title, "about": p.about, "policy": p.policy_for(origin) })
            )
            .collect::<Vec<_>>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use server::Policy;

    #[test]
    fn every_preset_is_a_valid_policy() {
        for preset in &PRESETS {
            let body = preset.policy_for("http://localhost:3000");
            assert!(Policy::from_json(&body).is_ok(), "{}: {body}", preset.id);
        }
    }

    #[test]
    fn the_page_origin_is_filled_in() {
        let credentialed = PRESETS.iter().find(|p| p.id == "credentialed").unwrap();
        assert_eq!(credentialed.policy_for("http://127.0.0.1:3000")["allow_origin"], "http://127.0.0.1:3000");
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = PRESETS.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), PRESETS.len());
    }
}
