//! docs/scenarios.md rows 1–20, the requests that need no preflight, as verified in Chromium 156
//! (page `http://localhost:3000`, API `http://localhost:8000`).

mod common;

use browser_model::{Credentials, Request};
use common::*;

const ACAO_STAR: (&str, &str) = ("Access-Control-Allow-Origin", "*");
const ACAO_PAGE: (&str, &str) = ("Access-Control-Allow-Origin", PAGE);
const ACAC_TRUE: (&str, &str) = ("Access-Control-Allow-Credentials", "true");

/// Row 1: no ACAO — blocked, although the server ran.
#[test]
fn row_01_get_without_allow_origin_is_blocked() {
    let v = run(&Request::get(API), None, &[api(200, &[])]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium(API, MISSING));
    assert!(!v.preflight);
    assert_eq!(v.origin_header.as_deref(), Some(PAGE));
}

/// Row 2: `ACAO: *` — readable.
#[test]
fn row_02_wildcard_is_readable() {
    let v = run(&Request::get(API), None, &[api(200, &[ACAO_STAR])]);
    assert_readable(&v);
    assert_eq!(v.status, Some(200));
}

/// Row 3: the exact origin — readable.
#[test]
fn row_03_exact_origin_is_readable() {
    assert_readable(&run(&Request::get(API), None, &[api(200, &[ACAO_PAGE])]));
}

/// Row 5: localhost ≠ 127.0.0.1.
#[test]
fn row_05_localhost_is_not_127_0_0_1() {
    let v = run(
        &Request::get(API),
        None,
        &[api(200, &[("Access-Control-Allow-Origin", "http://127.0.0.1:3000")])],
    );
    let reason = format!(
        "The 'Access-Control-Allow-Origin' header has a value 'http://127.0.0.1:3000' that is not \
         equal to the supplied origin.{H}"
    );
    assert_blocked(&v, "AllowOriginMismatch", &chromium(API, &reason));
}

/// Row 9: `*` + `ACAC: true` with credentials — blocked.
#[test]
fn row_09_wildcard_with_credentials_is_blocked() {
    let request = Request::get(API).credentials(Credentials::Include);
    let v = run(&request, None, &[api(200, &[ACAO_STAR, ACAC_TRUE])]);
    let reason = "The value of the 'Access-Control-Allow-Origin' header in the response must not \
                  be the wildcard '*' when the request's credentials mode is 'include'.";
    assert_blocked(&v, "WildcardOriginNotAllowed", &chromium(API, reason));
}

/// Row 11: exact origin + `ACAC: true` with credentials — readable.
#[test]
fn row_11_credentials_done_right() {
    let request = Request::get(API).credentials(Credentials::Include);
    assert_readable(&run(&request, None, &[api(200, &[ACAO_PAGE, ACAC_TRUE])]));
}

/// Row 12: ACAC is ignored unless credentials are included.
#[test]
fn row_12_allow_credentials_is_ignored_without_include() {
    for credentials in [Credentials::SameOrigin, Credentials::Omit] {
        for acao in [ACAO_STAR, ACAO_PAGE] {
            let request = Request::get(API).credentials(credentials);
            assert_readable(&run(&request, None, &[api(200, &[acao, ACAC_TRUE])]));
        }
    }
}

/// Row 13: without ACEH only safelisted headers are readable; ACEH adds names.
#[test]
fn row_13_exposed_headers() {
    let base = [
        ACAO_STAR,
        ("X-Total", "42"),
        ("Cache-Control", "no-cache"),
        ("Content-Type", "application/json"),
        ("Content-Length", "2"),
    ];
    let v = run(&Request::get(API), None, &[api(200, &base)]);
    assert_readable(&v);
    assert_eq!(v.readable_headers, vec!["cache-control", "content-type", "content-length"]);
    let mut exposed = base.to_vec();
    exposed.push(("Access-Control-Expose-Headers", "X-Total"));
    let v = run(&Request::get(API), None, &[api(200, &exposed)]);
    assert_eq!(v.readable_headers, vec!["x-total", "cache-control", "content-type", "content-length"]);
}

/// Row 14: `ACEH: *` exposes everything but `Set-Cookie`.
#[test]
fn row_14_expose_star_never_exposes_set_cookie() {
    let headers =
        [ACAO_STAR, ("Access-Control-Expose-Headers", "*"), ("X-Total", "42"), ("Set-Cookie", "a=b")];
    let v = run(&Request::get(API), None, &[api(200, &headers)]);
    assert_readable(&v);
    assert!(v.readable_headers.contains(&"x-total".to_string()));
    assert!(!v.readable_headers.contains(&"set-cookie".to_string()));
}

/// Row 16: a 500 with ACAO is readable.
#[test]
fn row_16_error_status_with_allow_origin_is_readable() {
    let v = run(&Request::get(API), None, &[api(500, &[ACAO_STAR])]);
    assert_readable(&v);
    assert_eq!(v.status, Some(500));
}

/// Row 17: a 500 without ACAO hides behind the missing-header message.
#[test]
fn row_17_error_status_without_allow_origin_is_blocked() {
    let v = run(&Request::get(API), None, &[api(500, &[])]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium(API, MISSING));
    assert!(v.firefox_message.as_deref().is_some_and(|m| m.ends_with("Status code: 500.")));
}

/// Row 18: text, URL-encoded and multipart POST bodies are not preflighted.
#[test]
fn row_18_safelisted_post_bodies_need_no_preflight() {
    for content_type in [
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded;charset=UTF-8",
        "multipart/form-data; boundary=----WebKitFormBoundaryABC123",
    ] {
        let request = Request::new("POST", API).header("Content-Type", content_type);
        let v = run(&request, None, &[api(200, &[ACAO_STAR])]);
        assert_readable(&v);
        assert!(!v.preflight, "{content_type}");
    }
}

/// Row 19: a simple POST without ACAO is blocked (but ran on the server).
#[test]
fn row_19_simple_post_without_allow_origin() {
    let request = Request::new("POST", API).header("Content-Type", "text/plain;charset=UTF-8");
    let v = run(&request, None, &[api(200, &[])]);
    assert_blocked(&v, "MissingAllowOriginHeader", &chromium(API, MISSING));
    assert!(!v.preflight);
}

/// Row 20: safelisted Accept / Accept-Language / Content-Language need no preflight.
#[test]
fn row_20_safelisted_request_headers() {
    let request = Request::get(API)
        .header("Accept", "application/json")
        .header("Accept-Language", "de")
        .header("Content-Language", "fr");
    let v = run(&request, None, &[api(200, &[ACAO_STAR])]);
    assert_readable(&v);
    assert!(!v.preflight);
}
