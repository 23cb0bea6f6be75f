//! docs/scenarios.md rows 22–47: preflights, the preflight cache and no-cors, as verified in
//! Chromium 156 (page `http://localhost:3000`, API `http://localhost:8000`).

mod common;

use browser_model::{CheckId, ResponseType};
use browser_model::{Credentials, Mode, Request};
use common::*;

const ACAO_STAR: (&str, &str) = ("Access-Control-Allow-Origin", "*");
const ACAO_PAGE: (&str, &str) = ("Access-Control-Allow-Origin", PAGE);
const ACAC_TRUE: (&str, &str) = ("Access-Control-Allow-Credentials", "true");

fn json_post() -> Request {
    Request::new("POST", API).header("Content-Type", "application/json")
}
/// Row 22: JSON POST / X-Requested-With against a server without OPTIONS handling.
#[test]
fn row_22_preflight_answered_405_without_cors_headers() {
    for request in [json_post(), Request::get(API).header("X-Requested-With", "XMLHttpRequest")] {
        let preflight = api(405, &[("Allow", "GET, POST")]);
        let v = run(&request, Some(&preflight), &[]);
        assert!(v.preflight);
        assert_blocked(&v, "PreflightMissingAllowOriginHeader", &chromium(API, &format!("{PF}{MISSING}")));
    }
}

/// Row 23: JSON POST with `ACAH: content-type` — readable.
#[test]
fn row_23_json_post_allowed() {
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Headers", "content-type")]);
    let v = run(&json_post(), Some(&preflight), &[api(200, &[ACAO_STAR])]);
    assert_readable(&v);
    assert!(v.preflight);
    assert_eq!(
        v.preflight_reason.as_deref(),
        Some(
            "the header content-type: application/json is not CORS-safelisted (its MIME type is \
             application/json, not application/x-www-form-urlencoded, multipart/form-data or \
             text/plain)"
        )
    );
}

/// Row 24: JSON POST without ACAH.
#[test]
fn row_24_json_post_without_allow_headers() {
    let preflight = api(204, &[ACAO_STAR]);
    let v = run(&json_post(), Some(&preflight), &[]);
    let reason = "Request header field content-type is not allowed by Access-Control-Allow-Headers \
                  in preflight response.";
    assert_blocked(&v, "HeaderDisallowedByPreflightResponse", &chromium(API, reason));
}

/// Row 26: PUT not in `ACAM: GET, POST`.
#[test]
fn row_26_put_not_allowed() {
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Methods", "GET, POST")]);
    let v = run(&Request::new("PUT", API), Some(&preflight), &[]);
    let reason = "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.";
    assert_blocked(&v, "MethodDisallowedByPreflightResponse", &chromium(API, reason));
    assert_eq!(
        v.preflight_reason.as_deref(),
        Some("the method PUT is not CORS-safelisted (only GET, HEAD and POST are)")
    );
}

/// Row 27: PUT allowed.
#[test]
fn row_27_put_allowed() {
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Methods", "PUT")]);
    assert_readable(&run(&Request::new("PUT", API), Some(&preflight), &[api(200, &[ACAO_STAR])]));
}

/// Row 29: `ACAM: *` works only without credentials.
#[test]
fn row_29_method_wildcard_only_without_credentials() {
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Methods", "*")]);
    assert_readable(&run(&Request::new("DELETE", API), Some(&preflight), &[api(200, &[ACAO_STAR])]));

    let request = Request::new("DELETE", API).credentials(Credentials::Include);
    let preflight = api(204, &[ACAO_PAGE, ACAC_TRUE, ("Access-Control-Allow-Methods", "*")]);
    let v = run(&request, Some(&preflight), &[api(200, &[ACAO_PAGE, ACAC_TRUE])]);
    let reason = "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.";
    assert_blocked(&v, "MethodDisallowedByPreflightResponse", &chromium(API, reason));
}

/// Row 30: credentialed DELETE done right.
#[test]
fn row_30_credentialed_delete_allowed() {
    let request = Request::new("DELETE", API).credentials(Credentials::Include);
    let preflight = api(204, &[ACAO_PAGE, ACAC_TRUE, ("Access-Control-Allow-Methods", "DELETE")]);
    assert_readable(&run(&request, Some(&preflight), &[api(200, &[ACAO_PAGE, ACAC_TRUE])]));
}

/// Row 31: `ACAH: *` works only without credentials.
#[test]
fn row_31_header_wildcard_only_without_credentials() {
    let request = Request::get(API).header("X-Api-Key", "k1");
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Headers", "*")]);
    assert_readable(&run(&request, Some(&preflight), &[api(200, &[ACAO_STAR])]));

    let request = request.credentials(Credentials::Include);
    let preflight = api(204, &[ACAO_PAGE, ACAC_TRUE, ("Access-Control-Allow-Headers", "*")]);
    let v = run(&request, Some(&preflight), &[api(200, &[ACAO_PAGE, ACAC_TRUE])]);
    let reason = "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in \
                  preflight response.";
    assert_blocked(&v, "HeaderDisallowedByPreflightResponse", &chromium(API, reason));
}

/// Row 33: `ACAH: *, Authorization` works everywhere.
#[test]
fn row_33_wildcard_plus_authorization() {
    let request = Request::get(API).header("Authorization", "Bearer t");
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Headers", "*, Authorization")]);
    let v = run(&request, Some(&preflight), &[api(200, &[ACAO_STAR])]);
    assert_readable(&v);
    assert!(v.notes.is_empty());
}

/// Row 36: a non-2xx preflight with CORS headers.
#[test]
fn row_36_preflight_must_be_ok() {
    for status in [404, 301, 401, 403, 500] {
        let preflight = api(status, &[ACAO_STAR, ("Access-Control-Allow-Methods", "PUT")]);
        let v = run(&Request::new("PUT", API), Some(&preflight), &[]);
        assert_blocked(
            &v,
            "PreflightInvalidStatus",
            &chromium(API, &format!("{PF}It does not have HTTP ok status.")),
        );
    }
}

/// Row 37: a 204 preflight without ACAO (tower-http's answer to a disallowed origin).
#[test]
fn row_37_preflight_without_allow_origin() {
    let preflight = api(204, &[("Access-Control-Allow-Methods", "PUT")]);
    let v = run(&Request::new("PUT", API), Some(&preflight), &[]);
    assert_blocked(&v, "PreflightMissingAllowOriginHeader", &chromium(API, &format!("{PF}{MISSING}")));
}

/// Row 38: the preflight passes but the actual response lacks ACAO (the PUT ran).
#[test]
fn row_38_actual_response_needs_its_own_allow_origin() {
    let preflight = api(204, &[ACAO_STAR, ("Access-Control-Allow-Methods", "PUT")]);
    let v = run(&Request::new("PUT", API), Some(&preflight), &[api(200, &[])]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium(API, MISSING));
    assert!(v.checks.iter().any(|c| c.name == CheckId::PreflightHeaders && c.passed));
}

/// Row 40: a redirected preflight.
#[test]
fn row_40_preflight_redirect() {
    let preflight = api(
        301,
        &[("Location", "http://localhost:8000/api/"), ACAO_STAR, ("Access-Control-Allow-Methods", "PUT")],
    );
    let v = run(&Request::new("PUT", API), Some(&preflight), &[]);
    assert_blocked(
        &v,
        "PreflightDisallowedRedirect",
        &chromium(API, &format!("{PF}Redirect is not allowed for a preflight request.")),
    );
}

/// Rows 44–45: the verdict ignores the cache but reports Chromium's cache lifetime.
#[test]
fn rows_44_45_preflight_cache_lifetime() {
    for (acma, seconds) in [(Some("600"), 600), (Some("0"), 0), (None, 5), (Some("86400"), 7200)] {
        let mut headers = vec![ACAO_STAR, ("Access-Control-Allow-Methods", "PUT")];
        if let Some(value) = acma {
            headers.push(("Access-Control-Max-Age", value));
        }
        let v = run(&Request::new("PUT", API), Some(&api(204, &headers)), &[api(200, &[ACAO_STAR])]);
        assert_readable(&v);
        assert!(v.preflight);
        assert_eq!(v.preflight_cache_seconds, Some(seconds));
    }
}

/// Row 47: no-cors resolves with an opaque response and sends no Origin on GET.
#[test]
fn row_47_no_cors_is_opaque() {
    let v = run(&Request::get(API).mode(Mode::NoCors), None, &[api(200, &[])]);
    assert!(v.allowed);
    assert_eq!(v.response_type, Some(ResponseType::Opaque));
    assert_eq!(v.status, Some(0));
    assert!(v.readable_headers.is_empty());
    assert_eq!(v.chromium_message, None);
    assert_eq!(v.origin_header, None);
    assert!(!v.preflight);
}

/// Row 44a, second PUT: no OPTIONS reached the server because the browser reused its cached
/// preflight; the model assumes the cached result allowed the request and says so.
#[test]
fn row_44_second_request_served_from_the_preflight_cache() {
    let v = run(&Request::new("PUT", API), None, &[api(200, &[ACAO_STAR])]);
    assert_readable(&v);
    assert!(v.preflight, "by the rules a preflight is needed");
    assert!(v.checks.iter().any(|c| c.name == CheckId::PreflightCache));
    assert!(v.notes.iter().any(|n| n.contains("cached preflight")));
}
