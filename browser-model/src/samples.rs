//! A fixed set of varied exchanges, cheap to build, for benchmarks and demos.
//!
//! Each is `(page origin, request, preflight response if the server got one, actual
//! responses)`, mostly rows of `docs/scenarios.md` (page `http://localhost:3000`, API
//! `http://localhost:8000`).

use crate::request::{Credentials, Mode, Request, Response};

const PAGE: &str = "http://localhost:3000";
const API: &str = "http://localhost:8000/api";

fn response(status: u16, headers: &[(&str, &str)]) -> Response {
    headers.iter().fold(Response::new(API, status), |r, (n, v)| r.header(*n, *v))
}

fn acao_star() -> Response {
    response(200, &[("Access-Control-Allow-Origin", "*")])
}

/// About twenty scenarios covering simple, preflighted, credentialed, redirected, no-cors
/// and same-origin requests, passing and failing.
pub fn sample_scenarios() -> Vec<(String, Request, Option<Response>, Vec<Response>)> {
    let json_post = Request::new("POST", API).header("Content-Type", "application/json");
    let put = Request::new("PUT", API).header("Content-Type", "text/plain;charset=UTF-8");
    let include = |r: Request| r.credentials(Credentials::Include);
    let preflight_ok = response(
        204,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "content-type"),
        ],
    );
    let redirect = |to: &str| response(302, &[("Location", to), ("Access-Control-Allow-Origin", "*")]);
    let list: Vec<(Request, Option<Response>, Vec<Response>)> = vec![
        // 1: no ACAO.
        (Request::get(API), None, vec![response(200, &[])]),
        // 2: ACAO *.
        (Request::get(API), None, vec![acao_star()]),
        // 3: the exact origin.
        (Request::get(API), None, vec![response(200, &[("Access-Control-Allow-Origin", PAGE)])]),
        // 5: localhost vs 127.0.0.1.
        (
            Request::get(API),
            None,
            vec![response(200, &[("Access-Control-Allow-Origin", "http://127.0.0.1:3000")])],
        ),
        // Trailing slash.
        (
            Request::get(API),
            None,
            vec![response(200, &[("Access-Control-Allow-Origin", "http://localhost:3000/")])],
        ),
        // Two origins in one header, as two lines (docs/console-messages.md row 3a).
        (
            Request::get(API),
            None,
            vec![response(
                200,
                &[
                    ("Access-Control-Allow-Origin", PAGE),
                    ("Access-Control-Allow-Origin", "http://localhost:4000"),
                ],
            )],
        ),
        // 9: * with credentials.
        (
            include(Request::get(API)),
            None,
            vec![response(
                200,
                &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")],
            )],
        ),
        // 11: credentials done right.
        (
            include(Request::get(API)),
            None,
            vec![response(
                200,
                &[("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Credentials", "true")],
            )],
        ),
        // 14: expose everything.
        (
            Request::get(API),
            None,
            vec![response(
                200,
                &[
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Expose-Headers", "*"),
                    ("X-Total", "42"),
                    ("Set-Cookie", "a=b"),
                ],
            )],
        ),
        // 17: a 500 without ACAO.
        (Request::get(API), None, vec![response(500, &[])]),
        // 18: a text POST, no preflight.
        (
            Request::new("POST", API).header("Content-Type", "text/plain;charset=UTF-8"),
            None,
            vec![acao_star()],
        ),
        // 22: JSON POST, server without OPTIONS handling.
        (json_post.clone(), Some(response(405, &[("Allow", "GET, POST")])), vec![]),
        // 23: JSON POST allowed.
        (
            json_post.clone(),
            Some(response(
                204,
                &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "content-type")],
            )),
            vec![acao_star()],
        ),
        // 24: JSON POST without ACAH.
        (json_post, Some(response(204, &[("Access-Control-Allow-Origin", "*")])), vec![]),
        // 26: PUT not in the method list.
        (
            put.clone(),
            Some(response(
                204,
                &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "GET, POST")],
            )),
            vec![],
        ),
        // 27 + 38: preflight passes, the actual response lacks ACAO.
        (put.clone(), Some(preflight_ok.clone()), vec![response(200, &[])]),
        // PUT allowed end to end.
        (put, Some(preflight_ok), vec![acao_star()]),
        // A redirect hop to another origin, final response ACAO * (docs/cors-checks.md E: the Origin becomes null, and * allows it).
        (Request::get(API), None, vec![redirect("http://localhost:9000/data"), acao_star()]),
        // 47: no-cors.
        (Request::get(API).mode(Mode::NoCors), None, vec![response(200, &[])]),
        // Same-origin request: no CORS at all.
        (
            Request::get("http://localhost:3000/local"),
            None,
            vec![Response::new("http://localhost:3000/local", 200)],
        ),
    ];
    list.into_iter()
        .map(|(request, preflight, actual)| (PAGE.to_string(), request, preflight, actual))
        .collect()
}
