//! Named policies: the common configurations, a correct credentialed setup, the classic mistakes, and the
//! allowlists real servers get wrong (the attacker's view, docs/lessons.md §13–16).
//!
//! `GET /sandbox/presets` lists them with the page's own origin filled in; the page applies one with
//! `PUT /sandbox/policy`, so a preset is nothing more than a policy a learner could type by hand. A preset
//! with an origin matcher is listed with the matcher's `code`: the express `origin` option a real server
//! would have written for it.
//!
//! The attacker of the last five is a page on another origin the learner's browser also visits: the
//! attacker's site on `http://localhost:4000`, the same site under a lookalike name
//! (`http://localhost.evil.localhost:4000`: browsers resolve every `*.localhost` name to loopback), or a
//! sandboxed `<iframe>` on it, whose requests carry `Origin: null`.

use serde_json::{Value, json};
use server::Policy;

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
    /// For a policy a framework writes for you: the export's stack id and the setting, as it is written
    /// in that stack's code (tests/api/exports/presets.rs runs it).
    pub framework: Option<(&'static str, &'static str)>,
}

/// The policy every framework preset stands for: any `Origin` echoed, with credentials.
const REFLECTED: &str = r#"{"origin_matcher": {"kind": "reflect"}, "allow_credentials": "true"}"#;

/// Every preset, in the order the page lists them.
pub const PRESETS: [Preset; 20] = [
    Preset {
        id: "article",
        title: "The article's API",
        about: "Allows https://yoursite.com only: every other page is blocked.",
        policy: r#"{"allow_origin": "https://yoursite.com"}"#,
        framework: None,
    },
    Preset {
        id: "permissive",
        title: "Permissive (public data)",
        about: "Any origin, any method, any header, every response header exposed — like tower-http's CorsLayer::permissive(). Fine for public data without credentials.",
        policy: r#"{"allow_origin": "*", "allow_methods": "*", "allow_headers": "*", "expose_headers": "*"}"#,
        framework: None,
    },
    Preset {
        id: "credentialed",
        title: "Correct credentialed setup",
        about: "The exact origin, Allow-Credentials: true, explicit methods and headers (Authorization named, since the Fetch Standard says * does not cover it), exposed custom headers and Vary: Origin.",
        policy: r#"{"allow_origin": "{origin}", "allow_credentials": "true", "allow_methods": "GET, POST, PUT, PATCH, DELETE", "allow_headers": "Content-Type, Authorization, X-Api-Key", "expose_headers": "X-Request-Id, X-Total-Count", "max_age": "0", "vary": "Origin"}"#,
        framework: None,
    },
    Preset {
        id: "wildcard-with-credentials",
        title: "Mistake: * with credentials",
        about: "Access-Control-Allow-Origin: * with Allow-Credentials: true (what express cors {credentials: true} sends by default). Credentialed requests are refused.",
        policy: r#"{"allow_origin": "*", "allow_credentials": "true"}"#,
        framework: None,
    },
    Preset {
        id: "trailing-slash",
        title: "Mistake: a trailing slash",
        about: "The page's origin with a slash after it. An origin has no path, so it never matches.",
        policy: r#"{"allow_origin": "{origin}/"}"#,
        framework: None,
    },
    Preset {
        id: "origin-list",
        title: "Mistake: a list of origins",
        about: "Two origins in one header. The header takes exactly one origin; echo the matching one instead.",
        policy: r#"{"allow_origin": "{origin}, https://yoursite.com"}"#,
        framework: None,
    },
    Preset {
        id: "preflight-only",
        title: "Mistake: CORS headers on the preflight only",
        about: "The OPTIONS answer allows the request, the actual answer carries no CORS headers: the preflight passes, the request fails.",
        policy: r#"{"allow_origin": "*", "allow_methods": "GET, POST, PUT, DELETE", "allow_headers": "Content-Type", "headers_on": "preflight"}"#,
        framework: None,
    },
    Preset {
        id: "no-options-route",
        title: "Mistake: no OPTIONS handling",
        about: "The actual answers carry CORS headers but OPTIONS gets a bare 405, as in a server without a CORS layer: every preflighted request fails.",
        policy: r#"{"allow_origin": "*", "allow_methods": "GET, POST, PUT, DELETE", "allow_headers": "Content-Type", "headers_on": "actual", "preflight_status": 405}"#,
        framework: None,
    },
    Preset {
        id: "lower-case-methods",
        title: "Mistake: method names in lower case",
        about: "Allow-Methods: put, patch — method names are compared byte for byte. The browser upper-cases put (and get, post, delete, head, options) before sending, so a page's put or PUT is refused; patch is not upper-cased, so a page's lower-case patch matches and passes, while its PATCH is refused.",
        policy: r#"{"allow_origin": "*", "allow_methods": "put, patch", "allow_headers": "Content-Type"}"#,
        framework: None,
    },
    Preset {
        id: "cached-preflight",
        title: "Preflight cached for 10 minutes",
        about: "Max-Age: 600. With the browser's default cache, a second PUT sends no OPTIONS: a policy change can look ignored until the cache expires.",
        policy: r#"{"allow_origin": "*", "allow_methods": "PUT, DELETE", "allow_headers": "Content-Type", "max_age": "600"}"#,
        framework: None,
    },
    Preset {
        id: "reflect-origin-credentials",
        title: "Mistake: any Origin reflected, with credentials",
        about: "Access-Control-Allow-Origin mirrors whatever Origin arrives, with Allow-Credentials: true — what express's cors({origin: true, credentials: true}) does. Every site may read what /api/account answers to the learner's cookie: the attacker's page on http://localhost:4000 gets its own origin back, and its fetch() reads the secret.",
        policy: r#"{"origin_matcher": {"kind": "reflect"}, "allow_credentials": "true"}"#,
        framework: None,
    },
    Preset {
        id: "trust-null",
        title: "Mistake: trusting null, with credentials",
        about: "The page's origin and null are allowed, with credentials. null is not one site: any page can send it, from a sandboxed iframe. The attacker's page on http://localhost:4000 gets Origin: null two ways: a sandboxed iframe (whose request passes but, in today's Chromium and Firefox, carries no cookie: another site's frame) and a fetch() redirected by another origin, which carries null from then on — and the cookie, so it reads the secret.",
        policy: r#"{"origin_matcher": {"kind": "exact", "origins": ["null", "{origin}"]}, "allow_credentials": "true"}"#,
        framework: None,
    },
    Preset {
        id: "allowlist-prefix",
        title: "Mistake: an allowlist checked with startsWith",
        about: "Echoes every Origin that starts with http://localhost, with credentials. Meant for the page, it admits every port of localhost (the attacker's http://localhost:4000) and every host that merely begins the same, such as http://localhost.evil.localhost:4000. The attacker's page on port 4000 (the bank's own site) reads the secret; a frame on the look-alike name passes too, but gets no cookie from today's browsers.",
        policy: r#"{"origin_matcher": {"kind": "prefix", "value": "http://localhost"}, "allow_credentials": "true"}"#,
        framework: None,
    },
    Preset {
        id: "allowlist-regex",
        title: "Mistake: an allowlist regex without an end anchor",
        about: "Echoes every Origin the regex ^http://localhost(:\\d+)? matches, with credentials. With no $ the match only has to start the Origin: http://localhost.evil.localhost:4000 matches, and (:\\d+)? lets in any port, http://localhost:4000 too. The attacker's page on port 4000 reads the secret; a frame on the look-alike name passes, without the cookie.",
        policy: r#"{"origin_matcher": {"kind": "regex", "pattern": "^http://localhost(:\\d+)?"}, "allow_credentials": "true"}"#,
        framework: None,
    },
    Preset {
        id: "allowlist-correct",
        title: "Correct: an exact allowlist, echoed, with Vary: Origin",
        about: "Echoes the Origin only when it is exactly the page's, with credentials and Vary: Origin (so no cache hands one origin's answer to another). The attacker's page on http://localhost:4000, on http://localhost.evil.localhost:4000 or in a sandboxed iframe (Origin: null) gets no Access-Control-Allow-Origin: the browser blocks the read, and the secret stays with the API. A blocked POST still runs on the server, though: CORS is not CSRF protection.",
        policy: r#"{"origin_matcher": {"kind": "exact", "origins": ["{origin}"]}, "allow_credentials": "true", "vary": "Origin"}"#,
        framework: None,
    },
    // The framework did it for you: one innocent-looking line, and the framework reflects every Origin with
    // credentials. Each setting is run for real against its framework (tests/api/exports/presets.rs).
    Preset {
        id: "starlette-star-credentials",
        title: "Starlette did it: * with credentials",
        about: "Starlette's CORSMiddleware given allow_origins=[\"*\"] and allow_credentials=True cannot send * with credentials, so it echoes every request's Origin instead, with credentials: the attacker's page on http://localhost:4000 gets its own origin back and reads the secret.",
        policy: REFLECTED,
        framework: Some((
            "starlette",
            "app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)",
        )),
    },
    Preset {
        id: "django-allow-all-credentials",
        title: "Django did it: all origins, with credentials",
        about: "django-cors-headers with CORS_ALLOW_ALL_ORIGINS = True and CORS_ALLOW_CREDENTIALS = True echoes every request's Origin, with credentials (it sends * only without them): every site reads what the user's cookies unlock.",
        policy: REFLECTED,
        framework: Some(("django", "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True")),
    },
    Preset {
        id: "flask-cors-credentials",
        title: "Flask-CORS did it: supports_credentials",
        about: "Flask-CORS's origins default to \"*\", which it answers by echoing the request's Origin (send_wildcard is off): add supports_credentials=True and every site reads the answer with the user's cookies.",
        policy: REFLECTED,
        framework: Some(("flask", "CORS(app, supports_credentials=True)")),
    },
    Preset {
        id: "express-origin-true",
        title: "express did it: origin: true, credentials",
        about: "cors({origin: true, credentials: true}) reads as \"allow my origin\" and means \"echo every Origin\": with credentials, every site reads the answer with the user's cookies.",
        policy: REFLECTED,
        framework: Some(("express", "app.use(cors({ origin: true, credentials: true }));")),
    },
    Preset {
        id: "fastify-origin-true",
        title: "Fastify did it: origin: true, credentials",
        about: "@fastify/cors with origin: true echoes every request's Origin (and with credentials: true, for the user's cookies): the same hole as express's, in Fastify.",
        policy: REFLECTED,
        framework: Some(("fastify", "fastify.register(cors, { origin: true, credentials: true });")),
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

impl Preset {
    /// The framework's setting for a framework preset; otherwise the express `origin` option of the
    /// preset's origin matcher (e.g. `origin: true`), or `None` when the preset has none and `allow_origin`
    /// is sent as it is.
    pub fn code_for(&self, origin: &str) -> Option<String> {
        if let Some((_, setting)) = self.framework {
            return Some(setting.to_owned());
        }
        Policy::from_json(&self.policy_for(origin)).ok()?.origin_matcher.map(|matcher| matcher.code())
    }
}

/// `GET /sandbox/presets`: every preset with the page's origin filled in, and its matcher's `code` (`null`
/// for a preset without one).
pub fn list(origin: &str) -> Value {
    json!(
        PRESETS
            .iter()
            .map(|p| json!({
                "id": p.id, "title": p.title, "about": p.about,
                "policy": p.policy_for(origin), "code": p.code_for(origin),
                "framework": p.framework.map(|(stack, _)| stack),
            }))
            .collect::<Vec<_>>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use server::OriginMatcher;

    fn preset(id: &str) -> &'static Preset {
        PRESETS.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("no preset {id}"))
    }

    fn matcher(id: &str) -> OriginMatcher {
        let policy =
            Policy::from_json(&preset(id).policy_for("http://localhost:3000")).expect("a valid policy");
        policy.origin_matcher.unwrap_or_else(|| panic!("{id} has no origin matcher"))
    }

    /// The attacker's origins, and the page's.
    const ATTACKER: &str = "http://localhost:4000";
    const LOOKALIKE: &str = "http://localhost.evil.localhost:4000";
    const SANDBOXED_IFRAME: &str = "null";
    const PAGE: &str = "http://localhost:3000";

    #[test]
    fn each_broken_allowlist_admits_the_attacker_and_the_correct_one_only_the_page() {
        let origins = [PAGE, ATTACKER, LOOKALIKE, SANDBOXED_IFRAME];
        for (id, admitted) in [
            ("reflect-origin-credentials", [true, true, true, true]),
            ("trust-null", [true, false, false, true]),
            ("allowlist-prefix", [true, true, true, false]),
            ("allowlist-regex", [true, true, true, false]),
            ("allowlist-correct", [true, false, false, false]),
        ] {
            let matcher = matcher(id);
            let got: Vec<bool> = origins.iter().map(|o| matcher.accepts(o)).collect();
            assert_eq!(got, admitted, "{id}");
        }
    }

    #[test]
    fn the_attackers_presets_send_credentials_and_the_correct_one_vary_origin() {
        for id in [
            "reflect-origin-credentials",
            "trust-null",
            "allowlist-prefix",
            "allowlist-regex",
            "allowlist-correct",
        ] {
            let policy = Policy::from_json(&preset(id).policy_for(PAGE)).expect("a valid policy");
            assert_eq!(policy.allow_credentials.as_ref().map(|v| v.as_str()), Some("true"), "{id}");
        }
        let correct =
            Policy::from_json(&preset("allowlist-correct").policy_for(PAGE)).expect("a valid policy");
        assert_eq!(correct.vary.as_ref().map(|v| v.as_str()), Some("Origin"));
    }

    #[test]
    fn a_preset_with_a_matcher_is_listed_with_its_code() {
        let listed = list(PAGE);
        let code =
            |id: &str| listed.as_array().unwrap().iter().find(|p| p["id"] == id).unwrap()["code"].clone();
        assert_eq!(code("reflect-origin-credentials"), "origin: true");
        assert_eq!(code("trust-null"), r#"origin: ["null", "http://localhost:3000"]"#);
        assert_eq!(
            code("allowlist-prefix"),
            r#"origin: (origin, cb) => cb(null, origin.startsWith("http://localhost"))"#
        );
        assert_eq!(code("allowlist-regex"), r"origin: /^http:\/\/localhost(:\d+)?/");
        assert_eq!(code("allowlist-correct"), r#"origin: ["http://localhost:3000"]"#);
        assert_eq!(code("article"), Value::Null);
    }

    #[test]
    fn the_exact_lists_name_the_page_the_preset_is_listed_for() {
        assert!(matcher_for("trust-null", "http://127.0.0.1:3000").accepts("http://127.0.0.1:3000"));
        assert!(!matcher_for("allowlist-correct", "http://127.0.0.1:3000").accepts(PAGE));
    }

    fn matcher_for(id: &str, origin: &str) -> OriginMatcher {
        Policy::from_json(&preset(id).policy_for(origin)).expect("valid").origin_matcher.expect("a matcher")
    }

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
