//! The lessons themselves, in the order the lab teaches them: each part next to what recognises it.

use browser_model::{CorsError, Mode, ResponseType};

use super::setup::{Form, GET, Setup, SetupPolicy, Then, preset, send};
use super::{ATTACKER_LESSON, Detector, Lesson, Part};

/// The lessons, in the order the lab teaches them (docs/lessons.md says which misunderstanding each
/// starts from).
pub const LESSONS: [Lesson; 14] = [
    Lesson {
        id: "preflight",
        how: "Choose the Permissive policy, method POST, body JSON, and send. The API's record shows an OPTIONS your code never wrote. Then try body text: no preflight.",
        title: "A JSON POST triggers a preflight",
        parts: &[Part {
            link: None,
            text: "a POST with Content-Type: application/json makes the browser send an OPTIONS first",
            seen_in: Detector::Attempt(|o| {
                let json_post = o.attempt.method.eq_ignore_ascii_case("POST")
                    && o.attempt.headers.iter().any(|(n, v)| {
                        n.eq_ignore_ascii_case("content-type")
                            && v.to_ascii_lowercase().starts_with("application/json")
                    });
                json_post && o.preflight.is_some()
            }),
        }],
        setup: preset("permissive", send(Form { method: "POST", body: "json", ..GET })),
    },
    Lesson {
        id: "allow-method-and-header",
        how: "Start from the article's policy with Allow-Origin *, method PUT and a header X-Api-Key: k1. Read the refusal, then allow PUT in Allow-Methods and X-Api-Key in Allow-Headers.",
        title: "Allow a method and a header",
        parts: &[Part {
            link: None,
            text: "a request with a non-simple method and a custom header passes its preflight and is read",
            // Fetch §4.1 step 12: a method outside GET/HEAD/POST and an unsafe header, both allowed.
            seen_in: Detector::Attempt(|o| {
                let method_and_header = o
                    .preflight_reason
                    .as_ref()
                    .is_some_and(|why| why.method.is_some() && !why.unsafe_headers.is_empty());
                o.preflight.is_some() && o.resolved && method_and_header
            }),
        }],
        setup: Setup {
            // The fix already in place: Send shows the preflight passing. Untick either line to see the refusal.
            policy: SetupPolicy::Json(
                r#"{"allow_origin": "*", "allow_methods": "PUT", "allow_headers": "X-Api-Key"}"#,
            ),
            then: send(Form { method: "PUT", headers: "X-Api-Key: k1", ..GET }),
        },
    },
    Lesson {
        id: "preflight-not-enough",
        how: "Choose “Mistake: CORS headers on the preflight only” and send a PUT: the OPTIONS passes, the PUT is blocked.",
        title: "The preflight passed but the request failed",
        parts: &[Part {
            link: None,
            text: "a preflight passes and the actual response is still blocked",
            seen_in: Detector::Attempt(|o| o.preflight.is_some() && o.failed_after_preflight()),
        }],
        setup: preset("preflight-only", send(Form { method: "PUT", ..GET })),
    },
    Lesson {
        id: "credentials",
        how: "Send /api/login with credentials include under “Mistake: * with credentials”, then under “Correct credentialed setup”, and call /api/whoami the same way.",
        title: "Credentials need the exact origin and Allow-Credentials: true",
        parts: &[
            Part {
                link: None,
                text: "a credentialed request is refused because Allow-Origin is *",
                seen_in: Detector::Attempt(|o| {
                    o.attempt.credentials == browser_model::Credentials::Include
                        && o.failed.is_some_and(CorsError::is_wildcard_with_credentials)
                }),
            },
            Part {
                link: None,
                text: "a credentialed request is read, and its cookie reached the API",
                seen_in: Detector::Attempt(|o| {
                    o.attempt.credentials == browser_model::Credentials::Include
                        && o.resolved
                        && o.actual.iter().any(|x| x.request_header("cookie").is_some())
                }),
            },
        ],
        setup: preset(
            "wildcard-with-credentials",
            send(Form { path: "/api/login", credentials: "include", ..GET }),
        ),
    },
    Lesson {
        id: "expose-headers",
        how: "With Allow-Origin *, send GET /api/headers: the API sends X-Request-Id but JavaScript's headers lack it. Add X-Request-Id to Expose-Headers and send again.",
        title: "Reading a custom response header needs Expose-Headers",
        parts: &[
            Part {
                link: None,
                text: "the API sends X-Request-Id but JavaScript cannot read it",
                seen_in: Detector::Attempt(|o| o.request_id_sent() && !o.request_id_read()),
            },
            Part {
                link: None,
                text: "JavaScript reads X-Request-Id",
                seen_in: Detector::Attempt(|o| o.request_id_sent() && o.request_id_read()),
            },
        ],
        setup: Setup {
            policy: SetupPolicy::Json(r#"{"allow_origin": "*"}"#),
            then: send(Form { path: "/api/headers", ..GET }),
        },
    },
    Lesson {
        id: "max-age",
        how: "Choose “Preflight cached for 10 minutes”, set Cache to the browser's default and send a PUT twice: the second has no OPTIONS in the API's record.",
        title: "The preflight cache: a change that seems ignored",
        parts: &[Part {
            link: None,
            text: "a request that needs a preflight is sent without one, answered from the preflight cache",
            seen_in: Detector::Attempt(|o| {
                o.preflight_needed && o.preflight.is_none() && !o.actual.is_empty() && o.resolved
            }),
        }],
        setup: preset(
            "cached-preflight",
            // The first PUT's preflight fills the preflight cache; the second is answered from it.
            Then::Send { request: Form { method: "PUT", cache: "default", ..GET }, times: 2 },
        ),
    },
    Lesson {
        id: "error-status",
        how: "With Allow-Origin *, send /api/error?cors=no (blocked: the 500 is hidden), then /api/error?cors=yes (readable: status 500), then /api/account without logging in (readable: status 401). Take it home shows whether your own stack keeps the headers on its errors.",
        title: "An error without CORS headers hides the real status",
        parts: &[
            Part {
                link: None,
                text: "a 500 without CORS headers is blocked: JavaScript never learns it was a 500",
                seen_in: Detector::Attempt(|o| {
                    o.final_status() == Some(500)
                        && !o.resolved
                        && o.failed == Some(CorsError::MissingAllowOriginHeader)
                }),
            },
            Part {
                link: None,
                text: "a 500 with CORS headers is readable: JavaScript sees status 500",
                seen_in: Detector::Attempt(|o| {
                    o.final_status() == Some(500) && o.resolved && o.attempt.js.status == Some(500)
                }),
            },
            Part {
                link: Some((
                    "#take-it-home",
                    "Take it home: what your stack sends when a handler throws, a route refuses or none answers",
                )),
                text: "a refusal with CORS headers is readable: JavaScript sees 401 (GET /api/account before logging in)",
                seen_in: Detector::Attempt(|o| {
                    o.path() == Some("/api/account")
                        && o.final_status() == Some(401)
                        && o.resolved
                        && o.attempt.js.status == Some(401)
                }),
            },
        ],
        setup: Setup {
            policy: SetupPolicy::Json(r#"{"allow_origin": "*"}"#),
            then: send(Form { path: "/api/error?cors=no", ..GET }),
        },
    },
    Lesson {
        id: "redirect",
        how: "With Allow-Origin *, send /api/redirect?to=cross. The second hop goes to another origin, and the browser sends Origin: null — which * allows.",
        title: "Redirects: every hop needs CORS headers, and a cross-origin hop sends Origin: null",
        parts: &[Part {
            link: None,
            text: "the API receives Origin: null after a cross-origin redirect",
            seen_in: Detector::Attempt(|o| o.actual.iter().skip(1).any(|x| x.origin() == Some("null"))),
        }],
        setup: Setup {
            policy: SetupPolicy::Json(r#"{"allow_origin": "*"}"#),
            then: send(Form { path: "/api/redirect?to=cross", ..GET }),
        },
    },
    Lesson {
        id: "vary",
        how: "Open http://localhost:API/api/cacheable in a new tab (no Origin: no Allow-Origin, cached for 60 s). Then send /api/cacheable here with Cache set to the browser's default: blocked, and the API never saw it. Add Vary: Origin and repeat with a fresh tab.",
        title: "A cached response without Vary: Origin",
        parts: &[Part {
            link: None,
            text: "a cross-origin fetch of /api/cacheable is blocked without reaching the API (an HTTP-cache hit)",
            seen_in: Detector::Attempt(|o| {
                o.nothing_reached_the_api && !o.resolved && o.attempt.url.contains("/api/cacheable")
            }),
        }],
        setup: preset(
            "article",
            Then::OpenThenSend {
                open: "/api/cacheable",
                request: Form { path: "/api/cacheable", cache: "default", ..GET },
            },
        ),
    },
    Lesson {
        id: "no-cors",
        how: "Under the article's policy, choose mode no-cors and send: fetch() resolves, but with status 0, no headers and no body.",
        title: "mode: 'no-cors' is not a fix",
        parts: &[Part {
            link: None,
            text: "a no-cors request resolves with an opaque response: status 0, no headers, no body",
            seen_in: Detector::Attempt(|o| {
                o.attempt.mode == Mode::NoCors && o.attempt.js.response_type == Some(ResponseType::Opaque)
            }),
        }],
        setup: preset("article", send(Form { mode: "no-cors", ..GET })),
    },
    Lesson {
        id: "side-effect",
        how: "Under the article's policy, send POST /api/counter with a text body: blocked, yet the API's record shows it ran (and the count went up).",
        title: "CORS is not CSRF protection",
        parts: &[Part {
            link: None,
            text: "a POST to /api/counter is blocked, yet the API ran it",
            seen_in: Detector::Attempt(|o| {
                !o.resolved
                    && o.path() == Some("/api/counter")
                    && o.actual.iter().any(|x| x.status.is_success())
            }),
        }],
        setup: preset("article", send(Form { path: "/api/counter", method: "POST", body: "text", ..GET })),
    },
    Lesson {
        id: "browser-differences",
        how: "Send any blocked request, then a PUT under the article's policy (its preflight fails), then a no-cors GET of /api/redirect with Redirects: manual. Each view shows this browser's console lines first and the other engine's under a fold. Last, under Permissive, send GET /api with Authorization: Bearer abc and Allow-Headers set to *, Authorization.",
        title: "Where the browsers differ: the same refusal in other words",
        // Each part is a difference the browser tests measure in Chromium 156, Firefox 153 and WebKitGTK 2.50.
        parts: &[
            Part {
                link: None,
                text: "a blocked request: JavaScript's error names the engine (Chromium: TypeError: Failed to fetch; Firefox: TypeError: NetworkError when attempting to fetch resource.; Safari and WebKit: TypeError: Load failed), and says nothing more in any of them",
                seen_in: Detector::Attempt(|o| {
                    let error = o.attempt.js.error.as_deref();
                    o.failed.is_some()
                        && matches!(
                            error,
                            Some(
                                "TypeError: Failed to fetch"
                                    | "TypeError: NetworkError when attempting to fetch resource."
                                    | "TypeError: Load failed"
                            )
                        )
                }),
            },
            Part {
                link: None,
                text: "a failed preflight: Chromium prints one console line, Firefox two or three (it adds \"CORS request did not succeed\"), WebKit two (\"Preflight response is not successful\" or the check that failed, then \"Fetch API cannot load … due to access control checks.\")",
                seen_in: Detector::Attempt(|o| !o.resolved && o.failed_in_preflight),
            },
            Part {
                link: None,
                text: "mode: 'no-cors' with a redirect mode other than follow: refused before sending — Chromium says \"Fetch API cannot load …\", WebKit \"No-Cors mode requires follow redirect mode\" and two lines more, and Firefox nothing at all",
                seen_in: Detector::Attempt(|o| {
                    !o.resolved
                        && o.attempt.mode == Mode::NoCors
                        && o.attempt.redirect != browser_model::RedirectMode::Follow
                }),
            },
            // Chromium, Firefox and WebKit let `Access-Control-Allow-Headers: *` cover Authorization; the
            // Fetch Standard does not (docs/cors-checks.md, "Where Chromium and Firefox deviate").
            Part {
                link: None,
                text: "Authorization passes under an Allow-Headers that names it: today's browsers let * cover it too, but the Fetch Standard says * must not, so name it (*, Authorization)",
                seen_in: Detector::Attempt(|o| {
                    o.sent_header("authorization")
                        && o.resolved
                        && o.allowed_headers().iter().any(|n| n == "authorization")
                }),
            },
        ],
        setup: preset("article", send(GET)),
    },
    Lesson {
        id: ATTACKER_LESSON,
        how: "Press Log in to the bank in Be the attacker, then use each of its policies in turn and press the other site's buttons (the other site is linked there): 1 under the mirrored Origin, 2b under trust-null, 1 again under the startsWith and the regex allowlists, every button under the correct allowlist, and 4 to add to the counter.",
        title: "Be the attacker: steal the secret, then fail to",
        // Seen from the API's log, not from a lab attempt: the other site cannot report to the sandbox
        // (its controls refuse foreign origins), so each part reads a request of the other site's.
        parts: &[
            Part {
                link: None,
                text: "the secret read by another site under a policy that mirrors any Origin (reflect-origin-credentials)",
                seen_in: Detector::Attack(|a| {
                    a.account_read() && matches!(a.matcher, Some(server::OriginMatcher::Reflect))
                }),
            },
            Part {
                link: None,
                text: "the secret read with Origin: null under a policy that trusts null (trust-null)",
                seen_in: Detector::Attack(|a| {
                    a.account_read()
                        && a.exchange.origin() == Some("null")
                        && matches!(a.matcher, Some(server::OriginMatcher::Exact(list)) if list.iter().any(|o| o == "null"))
                }),
            },
            Part {
                link: None,
                text: "the secret read past a broken allowlist: startsWith or an unanchored regex (allowlist-prefix, allowlist-regex)",
                seen_in: Detector::Attack(|a| {
                    use server::OriginMatcher::{Prefix, Regex, Substring, Suffix};
                    a.account_read()
                        && matches!(a.matcher, Some(Prefix(_) | Suffix(_) | Substring(_) | Regex(_)))
                }),
            },
            Part {
                link: None,
                text: "the other site refused under an exact allowlist: the browser blocked its read (allowlist-correct)",
                seen_in: Detector::Attack(|a| {
                    a.exchange.uri.path() == "/api/account"
                        && !a.readable
                        && matches!(a.matcher, Some(server::OriginMatcher::Exact(list)) if !list.iter().any(|o| o == "null"))
                }),
            },
            Part {
                link: None,
                text: "the blocked write still ran: the other site's POST /api/counter answered 200 while the browser hid the answer",
                seen_in: Detector::Attack(|a| {
                    a.exchange.uri.path() == "/api/counter"
                        && a.exchange.method == axum::http::Method::POST
                        && a.exchange.status.as_u16() == 200
                        && !a.readable
                }),
            },
        ],
        setup: preset(
            "reflect-origin-credentials",
            Then::Attack { button: "steal-here", label: "Steal the account" },
        ),
    },
    super::local_network::LESSON,
];
