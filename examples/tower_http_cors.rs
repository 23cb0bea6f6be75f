//! tower-http's exports of the policies tests/api/exports.rs runs, one module per case, as `GET /sandbox/export`
//! writes them. Generated: `UPDATE_EXPORTS=1 cargo test --test api exports` rewrites this file.
//!
//! `tower_http_cors <case>` serves `/api`, and the export's error routes, with that case's layer on
//! `127.0.0.1:$PORT`; `tower_http_cors <case> panic-outside` with the mistake of CatchPanicLayer outside the
//! CORS layer, `tower_http_cors <case> route-layer` with the CORS layer on the routes only (not the
//! fallback); `tower_http_cors wildcard_with_credentials` builds the layer naive code would write for `*`
//! with credentials, which panics.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, get, post};
use tower_http::catch_panic::CatchPanicLayer;

#[rustfmt::skip]
mod article {
    use axum::http::HeaderValue;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(HeaderValue::from_static("https://yoursite.com"))
            .vary([])
    }
}

#[rustfmt::skip]
mod any_origin {
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .vary([])
    }
}

#[rustfmt::skip]
mod credentialed {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use axum::http::Method;
    use std::time::Duration;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(HeaderValue::from_static("http://localhost:3000"))
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::PUT])
            .allow_headers([HeaderName::from_static("x-api-key")])
            .expose_headers([HeaderName::from_static("x-request-id")])
            .max_age(Duration::from_secs(600))
            .vary([HeaderName::from_static("origin")])
    }
}

#[rustfmt::skip]
mod allowlist_refused {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use axum::http::Method;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list([HeaderValue::from_static("http://localhost:3000"), HeaderValue::from_static("null")]))
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::POST, Method::PUT])
            .allow_headers([HeaderName::from_static("content-type"), HeaderName::from_static("x-api-key")])
            .vary([HeaderName::from_static("origin")])
    }
}

#[rustfmt::skip]
mod prefix_lookalike {
    use axum::http::HeaderValue;
    use axum::http::request::Parts;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _request: &Parts| {
                origin.as_bytes().starts_with(b"http://localhost")
            }))
            .allow_credentials(true)
            .vary([])
    }
}

#[rustfmt::skip]
mod regex_unanchored {
    use axum::http::HeaderValue;
    use axum::http::request::Parts;
    use regex_lite::Regex;
    use std::sync::LazyLock;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin({
                // Found anywhere in the Origin, as JavaScript's RegExp.test finds it.
                static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new("^http://localhost(:\\d+)?").expect("the sandbox checked the pattern"));
                AllowOrigin::predicate(|origin: &HeaderValue, _request: &Parts| {
                origin.to_str().is_ok_and(|origin| PATTERN.is_match(origin))
            })
            })
            .vary([])
    }
}

#[rustfmt::skip]
mod suffix_lookalike {
    use axum::http::HeaderValue;
    use axum::http::request::Parts;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _request: &Parts| {
                origin.as_bytes().ends_with(b"localhost:3000")
            }))
            .vary([])
    }
}

#[rustfmt::skip]
mod reflect_null {
    use axum::http::HeaderName;
    use axum::http::Method;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::mirror_request())
            .allow_credentials(true)
            .allow_methods([Method::DELETE])
            .allow_headers([HeaderName::from_static("x-api-key")])
            .vary([])
    }
}

#[rustfmt::skip]
mod wildcards {
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods(Any)
            .allow_headers(Any)
            .expose_headers(Any)
            .vary([])
    }
}

#[rustfmt::skip]
mod lowercase_patch {
    use axum::http::HeaderName;
    use axum::http::Method;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::from_bytes(b"put").expect("a method token"), Method::from_bytes(b"patch").expect("a method token")])
            .allow_headers([HeaderName::from_static("content-type")])
            .vary([])
    }
}

#[rustfmt::skip]
mod empty_lists {
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .vary([])
    }
}

#[rustfmt::skip]
mod named_group {
    use axum::http::HeaderValue;
    use axum::http::request::Parts;
    use regex_lite::Regex;
    use std::sync::LazyLock;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin({
                // Found anywhere in the Origin, as JavaScript's RegExp.test finds it.
                static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new("^http://(?<host>localhost)(:\\d+)?$").expect("the sandbox checked the pattern"));
                AllowOrigin::predicate(|origin: &HeaderValue, _request: &Parts| {
                origin.to_str().is_ok_and(|origin| PATTERN.is_match(origin))
            })
            })
            .vary([])
    }
}

#[rustfmt::skip]
mod max_age_zeros {
    use std::time::Duration;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .max_age(Duration::from_secs(7))
            .vary([])
    }
}

#[rustfmt::skip]
mod vary_star {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(HeaderValue::from_static("http://localhost:3000"))
            .vary([HeaderName::from_static("accept"), HeaderName::from_static("*")])
    }
}

#[rustfmt::skip]
mod vary_star_any {
    use axum::http::HeaderName;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .vary([HeaderName::from_static("accept"), HeaderName::from_static("*")])
    }
}

#[rustfmt::skip]
mod regex_code_escape {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use axum::http::request::Parts;
    use regex_lite::Regex;
    use std::sync::LazyLock;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin({
                // Found anywhere in the Origin, as JavaScript's RegExp.test finds it.
                static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new("^http\\u003a//localhost:3000$").expect("the sandbox checked the pattern"));
                AllowOrigin::predicate(|origin: &HeaderValue, _request: &Parts| {
                origin.to_str().is_ok_and(|origin| PATTERN.is_match(origin))
            })
            })
            .vary([HeaderName::from_static("origin")])
    }
}

#[rustfmt::skip]
mod unsubscribe {
    use axum::http::Method;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::from_bytes(b"UNSUBSCRIBE").expect("a method token")])
            .vary([])
    }
}

#[rustfmt::skip]
mod max_age_zero {
    use axum::http::Method;
    use std::time::Duration;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::PUT])
            .max_age(Duration::from_secs(0))
            .vary([])
    }
}

#[rustfmt::skip]
mod max_age_big {
    use std::time::Duration;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .max_age(Duration::from_secs(4294967296))
            .vary([])
    }
}

#[rustfmt::skip]
mod trust_null_match {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use axum::http::Method;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list([HeaderValue::from_static("null"), HeaderValue::from_static("http://localhost:3000")]))
            .allow_credentials(true)
            .allow_methods([Method::PUT])
            .allow_headers([HeaderName::from_static("x-api-key")])
            .vary([])
    }
}

#[rustfmt::skip]
mod header_not_allowed {
    use axum::http::HeaderName;
    use axum::http::Method;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::PUT])
            .allow_headers([HeaderName::from_static("x-other")])
            .vary([])
    }
}

#[rustfmt::skip]
mod method_not_allowed {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use axum::http::Method;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(HeaderValue::from_static("http://localhost:3000"))
            .allow_methods([Method::GET, Method::POST])
            .vary([HeaderName::from_static("origin"), HeaderName::from_static("accept")])
    }
}

#[rustfmt::skip]
mod mixed_case_methods {
    use axum::http::Method;
    use std::time::Duration;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::from_bytes(b"get").expect("a method token"), Method::from_bytes(b"Put").expect("a method token"), Method::DELETE])
            .max_age(Duration::from_secs(60))
            .vary([])
    }
}

#[rustfmt::skip]
mod upper_case_origin {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list([HeaderValue::from_static("http://localhost:3000")]))
            .vary([HeaderName::from_static("origin")])
    }
}

#[rustfmt::skip]
mod regex_alternation {
    use axum::http::HeaderName;
    use axum::http::HeaderValue;
    use axum::http::Method;
    use axum::http::request::Parts;
    use regex_lite::Regex;
    use std::sync::LazyLock;
    use tower_http::cors::AllowOrigin;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin({
                // Found anywhere in the Origin, as JavaScript's RegExp.test finds it.
                static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new("^https?://(localhost|127\\.0\\.0\\.1)(:\\d+)?$").expect("the sandbox checked the pattern"));
                AllowOrigin::predicate(|origin: &HeaderValue, _request: &Parts| {
                origin.to_str().is_ok_and(|origin| PATTERN.is_match(origin))
            })
            })
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::PATCH])
            .allow_headers([HeaderName::from_static("content-type")])
            .vary([])
    }
}

#[rustfmt::skip]
mod preflight_200 {
    use axum::http::Method;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::DELETE])
            .vary([])
    }
}

#[rustfmt::skip]
mod options_request {
    use axum::http::HeaderName;
    use tower_http::cors::Any;
    use tower_http::cors::CorsLayer;

    /// The sandbox's policy as a CorsLayer.
    pub fn cors() -> CorsLayer {
        CorsLayer::new()
            .allow_origin(Any)
            .expose_headers([HeaderName::from_static("x-id")])
            .vary([])
    }
}

/// This example has no users: the login check refuses every request.
async fn private() -> (StatusCode, &'static str) {
    (StatusCode::UNAUTHORIZED, "Log in first")
}

async fn fail() -> &'static str {
    panic!("the handler failed")
}

#[tokio::main]
async fn main() {
    let case = std::env::args().nth(1).unwrap_or_default();
    let mistake = std::env::args().nth(2).unwrap_or_default();
    let cors = match case.as_str() {
        "article" => article::cors(),
        "any_origin" => any_origin::cors(),
        "credentialed" => credentialed::cors(),
        "allowlist_refused" => allowlist_refused::cors(),
        "prefix_lookalike" => prefix_lookalike::cors(),
        "regex_unanchored" => regex_unanchored::cors(),
        "suffix_lookalike" => suffix_lookalike::cors(),
        "reflect_null" => reflect_null::cors(),
        "wildcards" => wildcards::cors(),
        "lowercase_patch" => lowercase_patch::cors(),
        "empty_lists" => empty_lists::cors(),
        "named_group" => named_group::cors(),
        "max_age_zeros" => max_age_zeros::cors(),
        "vary_star" => vary_star::cors(),
        "vary_star_any" => vary_star_any::cors(),
        "regex_code_escape" => regex_code_escape::cors(),
        "unsubscribe" => unsubscribe::cors(),
        "max_age_zero" => max_age_zero::cors(),
        "max_age_big" => max_age_big::cors(),
        "trust_null_match" => trust_null_match::cors(),
        "header_not_allowed" => header_not_allowed::cors(),
        "method_not_allowed" => method_not_allowed::cors(),
        "mixed_case_methods" => mixed_case_methods::cors(),
        "upper_case_origin" => upper_case_origin::cors(),
        "regex_alternation" => regex_alternation::cors(),
        "preflight_200" => preflight_200::cors(),
        "options_request" => options_request::cors(),
        // What the tower-http docs' types allow and its layer refuses.
        "wildcard_with_credentials" => {
            tower_http::cors::CorsLayer::new().allow_origin(tower_http::cors::Any).allow_credentials(true)
        }
        other => panic!("no case {other:?}"),
    };
    let routes = Router::new()
        .route("/api", any(|| async { "Hello" }))
        .route("/api/fail", any(fail))
        .route("/api/private", any(private))
        .route("/api/get-only", get(|| async { "Hello" }))
        .route("/api/post-only", post(|| async { "Hello" }));
    let app = match mistake.as_str() {
        "panic-outside" => routes.layer(cors).layer(CatchPanicLayer::new()),
        "route-layer" => routes.layer(CatchPanicLayer::new()).route_layer(cors),
        _ => routes.layer(CatchPanicLayer::new()).layer(cors),
    };
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
