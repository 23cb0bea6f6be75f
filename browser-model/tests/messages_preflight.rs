//! docs/console-messages.md §2, rows 7–18 and 29: the preflight — the whole Chromium 156
//! line, the DevTools enum and Firefox 153's lines.

mod common;

use browser_model::{Credentials, Request};
use common::*;

fn get() -> Request {
    Request::get(API)
}

fn put() -> Request {
    Request::new("PUT", API)
}

/// Row 7: the preflight has no ACAO.
#[test]
fn row_07_preflight_missing_allow_origin() {
    let preflight = api(204, &[("Access-Control-Allow-Methods", "PUT")]);
    let v = run(&put(), Some(&preflight), &[]);
    assert_blocked(&v, "PreflightMissingAllowOriginHeader", &chromium(API, &format!("{PF}{MISSING}")));
    assert_eq!(
        v.firefox_messages,
        vec![
            format!(
                "{} Status code: 204.",
                firefox(API, "CORS header ‘Access-Control-Allow-Origin’ missing")
            ),
            dns(API),
        ]
    );
    assert!(v.preflight);
}

/// Row 8: preflight ACAO mismatch.
#[test]
fn row_08_preflight_allow_origin_mismatch() {
    let preflight = api(204, &[("Access-Control-Allow-Origin", "http://127.0.0.1:3000")]);
    let v = run(&put(), Some(&preflight), &[]);
    let reason = format!(
        "{PF}The 'Access-Control-Allow-Origin' header has a value 'http://127.0.0.1:3000' that \
         is not equal to the supplied origin.{H}"
    );
    assert_blocked(&v, "PreflightAllowOriginMismatch", &chromium(API, &reason));
    assert_eq!(v.firefox_messages.len(), 2);
}

/// Row 9: preflight ACAO with several values. As on row 3a, Firefox's words depend on the lines' spelling:
/// two spelled exactly `Access-Control-Allow-Origin` are a "Multiple CORS header" (measured in
/// tests/fixtures/console-lines.json, `preflight-multiple-acao`); in lower case they are joined.
#[test]
fn row_09_preflight_multiple_allow_origin_values() {
    let reason = format!(
        "{PF}The 'Access-Control-Allow-Origin' header contains multiple values \
         'http://localhost:3000, http://localhost:3000', but only one is allowed.{H}"
    );
    for (name, firefox_reason) in [
        ("Access-Control-Allow-Origin", "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed"),
        (
            "access-control-allow-origin",
            "CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://localhost:3000, http://localhost:3000’",
        ),
    ] {
        let preflight = api(204, &[(name, PAGE), (name, PAGE)]);
        let v = run(&put(), Some(&preflight), &[]);
        assert_blocked(&v, "PreflightMultipleAllowOriginValues", &chromium(API, &reason));
        assert_eq!(v.firefox_messages, vec![firefox(API, firefox_reason), dns(API)], "lines spelled {name}");
    }
}

/// Row 10: preflight ACAO unparseable.
#[test]
fn row_10_preflight_invalid_allow_origin_value() {
    let preflight = api(204, &[("Access-Control-Allow-Origin", "localhost")]);
    let v = run(&put(), Some(&preflight), &[]);
    let reason =
        format!("{PF}The 'Access-Control-Allow-Origin' header contains the invalid value 'localhost'.{H}");
    assert_blocked(&v, "PreflightInvalidAllowOriginValue", &chromium(API, &reason));
}

/// Row 11: preflight ACAO `*` with credentials.
#[test]
fn row_11_preflight_wildcard_with_credentials() {
    let request = Request::new("DELETE", API).credentials(Credentials::Include);
    let preflight =
        api(204, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "DELETE")]);
    let v = run(&request, Some(&preflight), &[]);
    let reason = format!(
        "{PF}The value of the 'Access-Control-Allow-Origin' header in the response must not be \
         the wildcard '*' when the request's credentials mode is 'include'."
    );
    assert_blocked(&v, "PreflightWildcardOriginNotAllowed", &chromium(API, &reason));
}

/// Row 12: the preflight lacks ACAC (credentials are judged by the actual request's mode).
#[test]
fn row_12_preflight_invalid_allow_credentials() {
    let request = Request::new("DELETE", API).credentials(Credentials::Include);
    let preflight =
        api(204, &[("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Methods", "DELETE")]);
    let v = run(&request, Some(&preflight), &[]);
    let reason = format!(
        "{PF}The value of the 'Access-Control-Allow-Credentials' header in the response is '' \
         which must be 'true' when the request's credentials mode is 'include'."
    );
    assert_blocked(&v, "PreflightInvalidAllowCredentials", &chromium(API, &reason));
    assert_eq!(
        v.firefox_messages,
        vec![firefox(API, "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’"), dns(API)]
    );
}

/// Row 13: preflight status not ok, ACAO present; without ACAO row 7 wins.
#[test]
fn row_13_preflight_invalid_status() {
    for status in [404, 405, 500, 401] {
        let preflight = api(status, &[("Access-Control-Allow-Origin", "*")]);
        let v = run(&put(), Some(&preflight), &[]);
        assert_blocked(
            &v,
            "PreflightInvalidStatus",
            &chromium(API, &format!("{PF}It does not have HTTP ok status.")),
        );
        assert_eq!(
            v.firefox_messages,
            vec![
                format!("{} Status code: {status}.", firefox(API, "CORS preflight response did not succeed")),
                dns(API)
            ]
        );
    }
    let v = run(&put(), Some(&api(404, &[])), &[]);
    assert_blocked(&v, "PreflightMissingAllowOriginHeader", &chromium(API, &format!("{PF}{MISSING}")));
}

/// Row 14: a redirected preflight. Chromium fails it before looking at ACAO; Firefox 153 runs the CORS
/// check on the redirect first (measured in the browser tests' "a redirected preflight without
/// Allow-Origin"), and only a redirect that passes it is refused as a redirect.
#[test]
fn row_14_preflight_disallowed_redirect() {
    let refused_as_a_redirect = vec![
        firefox(API, "CORS request external redirect not allowed"),
        format!("{} Status code: 302.", firefox(API, "CORS preflight response did not succeed")),
        dns(API),
    ];
    let missing_first = vec![
        format!("{} Status code: 302.", firefox(API, "CORS header ‘Access-Control-Allow-Origin’ missing")),
        dns(API),
        dns(API),
    ];
    for (headers, firefox_lines) in [
        (vec![("Location", "/elsewhere")], missing_first),
        (vec![("Location", "/elsewhere"), ("Access-Control-Allow-Origin", "*")], refused_as_a_redirect),
    ] {
        let v = run(&put(), Some(&api(302, &headers)), &[]);
        assert_blocked(
            &v,
            "PreflightDisallowedRedirect",
            &chromium(API, &format!("{PF}Redirect is not allowed for a preflight request.")),
        );
        assert_eq!(v.firefox_messages, firefox_lines, "{headers:?}");
    }
}

/// Row 15: the method is not allowed; names are case-sensitive, `*` is literal with credentials.
#[test]
fn row_15_method_disallowed() {
    let cases = [
        (Request::new("PATCH", API), "patch", "PATCH"),
        (Request::new("patch", API), "PATCH", "patch"),
        (Request::new("PUT", API), "GET, POST", "PUT"),
        (Request::new("PUT", API).credentials(Credentials::Include), "*", "PUT"),
    ];
    for (request, acam, shown) in cases {
        let acao = if request.credentials == Credentials::Include { PAGE } else { "*" };
        let preflight = api(
            204,
            &[
                ("Access-Control-Allow-Origin", acao),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", acam),
            ],
        );
        let v = run(&request, Some(&preflight), &[]);
        let reason =
            format!("Method {shown} is not allowed by Access-Control-Allow-Methods in preflight response.");
        assert_blocked(&v, "MethodDisallowedByPreflightResponse", &chromium(API, &reason));
        assert_eq!(
            v.firefox_messages,
            vec![firefox(API, "Did not find method in CORS header ‘Access-Control-Allow-Methods’"), dns(API)]
        );
    }
}

/// Row 16: a request header is not allowed.
#[test]
fn row_16_header_disallowed() {
    let request = get().header("X-Custom-Header", "1");
    let preflight =
        api(204, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "x-other")]);
    let v = run(&request, Some(&preflight), &[]);
    let reason = "Request header field x-custom-header is not allowed by \
                  Access-Control-Allow-Headers in preflight response.";
    assert_blocked(&v, "HeaderDisallowedByPreflightResponse", &chromium(API, reason));
    assert_eq!(
        v.firefox_messages,
        vec![
            firefox(
                API,
                "header ‘x-custom-header’ is not allowed according to header \
                 ‘Access-Control-Allow-Headers’ from CORS preflight response"
            ),
            dns(API)
        ]
    );
}

/// Row 17: ACAM does not parse.
#[test]
fn row_17_allow_methods_does_not_parse() {
    let preflight =
        api(204, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT POST")]);
    let v = run(&put(), Some(&preflight), &[]);
    assert_blocked(
        &v,
        "InvalidAllowMethodsPreflightResponse",
        &chromium(
            API,
            "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
        ),
    );
    assert_eq!(
        v.firefox_message,
        Some(firefox(API, "invalid token ‘PUT POST’ in CORS header ‘Access-Control-Allow-Methods’"))
    );
}

/// Row 18: ACAH does not parse.
#[test]
fn row_18_allow_headers_does_not_parse() {
    let request = get().header("X-Foo", "1");
    let preflight =
        api(204, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "X-Foo Bar")]);
    let v = run(&request, Some(&preflight), &[]);
    assert_blocked(
        &v,
        "InvalidAllowHeadersPreflightResponse",
        &chromium(
            API,
            "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
        ),
    );
    assert_eq!(
        v.firefox_message,
        Some(firefox(API, "invalid token ‘X-Foo Bar’ in CORS header ‘Access-Control-Allow-Headers’"))
    );
}

/// Rows 17 and 18 with a good item before the bad one: Firefox names the bad token, WebKit quotes the whole
/// value (measured in WebKitGTK 2.50: "… has an invalid value: x-api-key, bad name").
#[test]
fn rows_17_18_webkit_quotes_the_whole_value() {
    let cases = [
        (get().header("X-Api-Key", "1"), "Access-Control-Allow-Headers", "x-api-key, bad name", "bad name"),
        (put(), "Access-Control-Allow-Methods", "GET, PUT POST", "PUT POST"),
    ];
    for (request, name, value, token) in cases {
        let preflight = api(204, &[("Access-Control-Allow-Origin", "*"), (name, value)]);
        let v = run(&request, Some(&preflight), &[]);
        assert_eq!(
            v.webkit_messages,
            [
                format!("Header {name} has an invalid value: {value}"),
                format!("Fetch API cannot load {API} due to access control checks."),
            ],
            "{name}"
        );
        assert_eq!(
            v.firefox_message,
            Some(firefox(API, &format!("invalid token ‘{token}’ in CORS header ‘{name}’")))
        );
    }
}

/// Row 29: `ACAH: *` covers Authorization in Chromium (not in the spec).
#[test]
fn row_29_wildcard_allow_headers_covers_authorization_in_chromium() {
    let request = get().header("Authorization", "Bearer t");
    let preflight = api(204, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "*")]);
    let v = run(&request, Some(&preflight), &[api(200, &[("Access-Control-Allow-Origin", "*")])]);
    assert_readable(&v);
    assert!(v.notes.iter().any(|n| n.contains("Authorization")));
}

/// Row 28: the preflight got no answer: no CORS line in Chromium, Firefox's
/// "did not succeed" twice.
#[test]
fn row_28_preflight_without_an_answer() {
    let v = run(&put(), None, &[]);
    assert!(!v.allowed);
    assert!(v.preflight);
    assert_eq!(v.chromium_message, None);
    assert_eq!(v.js_error.as_deref(), Some("TypeError: Failed to fetch"));
    let failed = v.failed_check.expect("failed");
    assert_eq!(failed.devtools_enum, None);
    assert!(failed.in_preflight);
    assert_eq!(v.firefox_messages, vec![dns(API), dns(API)]);
}
