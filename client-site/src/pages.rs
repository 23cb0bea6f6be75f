//! The tutorial page, rendered with askama, and the `static/` files, embedded in the binary so that the
//! sandbox works from any directory and offline.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use server::policy::HEADER_FIELDS;

use crate::error::error;
use crate::progress::{STEPS, Step};
use crate::site::Site;

/// The page routes and the static files.
pub fn routes() -> Router<Site> {
    let mut router = Router::new().route("/", get(index)).route("/lab", get(lab));
    for &(path, content_type, body) in &ASSETS {
        router = router.route(path, get(move || asset(content_type, body)));
    }
    router.fallback(not_found)
}

const JS: &str = "text/javascript; charset=utf-8";

/// `(path, content type, contents)` of every file in `static/`, embedded at compile time.
const ASSETS: [(&str, &str, &str); 13] = [
    ("/static/sandbox.js", JS, include_str!("../../static/sandbox.js")),
    ("/static/lab.js", JS, include_str!("../../static/lab.js")),
    ("/static/export.js", JS, include_str!("../../static/export.js")),
    ("/static/har.js", JS, include_str!("../../static/har.js")),
    ("/static/explain.js", JS, include_str!("../../static/explain.js")),
    ("/static/paste.js", JS, include_str!("../../static/paste.js")),
    ("/static/page.js", JS, include_str!("../../static/page.js")),
    ("/static/views.js", JS, include_str!("../../static/views.js")),
    ("/static/sandbox-api.js", JS, include_str!("../../static/sandbox-api.js")),
    ("/static/timeline.js", JS, include_str!("../../static/timeline.js")),
    ("/static/sandbox.css", "text/css; charset=utf-8", include_str!("../../static/sandbox.css")),
    ("/static/favicon.svg", "image/svg+xml", include_str!("../../static/favicon.svg")),
    ("/favicon.ico", "image/svg+xml", include_str!("../../static/favicon.svg")),
];

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    // `no-cache` (revalidate every time) so a rebuilt sandbox never runs yesterday's script.
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "There is no such page in the sandbox; the tutorial is at /.")
}

/// `templates/index.html`: the article's example and the tutorial.
#[derive(Template)]
#[template(path = "../../templates/index.html")]
struct IndexPage {
    page_origin: String,
    api_origin: String,
    /// The other site, the attacker's, e.g. `http://localhost:4000`.
    attacker_origin: String,
    api_url: String,
    /// The page origin's other loopback spelling, for step 5.
    other_origin: String,
    allow_origin: Option<String>,
    /// Whether an origin matcher decides `Access-Control-Allow-Origin` (then `allow_origin` is not sent,
    /// and no choice of the page's is checked).
    origin_matcher: bool,
    /// `(policy field, header name)` for each header but `Access-Control-Allow-Origin`, which the page's
    /// own controls show: the settings the page lists when the lab or a script has set them.
    other_header_fields: Vec<(&'static str, &'static str)>,
    fetch_code: String,
    curl_command: String,
    /// The tutorial's steps: [`STEPS`].
    steps: &'static [Step],
    /// Whether each step is done, in the order of `steps`.
    done: Vec<bool>,
    done_count: usize,
}

/// The templates' own filters.
mod filters {
    use std::fmt::Write;

    use askama::filters::Safe;

    /// Plain text as HTML, each span between backticks shown as code: "Allow \`*\`" becomes
    /// `Allow <code>*</code>`. Everything else is escaped, so the text can never become markup of its own.
    #[askama::filter_fn]
    pub fn code_spans(text: &str, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        let mut html = String::new();
        // Split on the backticks: the odd pieces are the ones between a pair.
        for (i, piece) in text.split('`').enumerate() {
            let escaped = askama::filters::escape(piece, askama::filters::Html)?;
            if i % 2 == 1 {
                write!(html, "<code>{escaped}</code>")?;
            } else {
                write!(html, "{escaped}")?;
            }
        }
        Ok(Safe(html))
    }
}

/// The article's client code as the page shows and runs it.
pub fn fetch_code(api_url: &str) -> String {
    format!(
        "fetch('{api_url}', {{ cache: 'no-store' }})\n  .then(res => res.json())\n  .then(res => console.log(res))\n  .catch(err => show(err)); // the error JavaScript is given"
    )
}

async fn index(State(site): State<Site>, headers: HeaderMap) -> Response {
    // The guard has already checked `Host` against the sandbox's own names.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let config = &site.config;
    let page_origin = config.origin_for(host);
    let api_url = config.api_url_for(host);
    let other_host = if host.starts_with("localhost") {
        format!("127.0.0.1:{}", config.client_port)
    } else {
        format!("localhost:{}", config.client_port)
    };
    let snapshot = site.api.policy.snapshot();
    let policy = &snapshot.policy;
    let progress = site.progress().clone();
    let done: Vec<bool> = (1..=STEPS.len()).map(|n| progress.is_done(n)).collect();
    let page = IndexPage {
        api_origin: api_url.trim_end_matches("/api").to_owned(),
        attacker_origin: config.attacker_origin_for(host),
        fetch_code: fetch_code(&api_url),
        curl_command: format!("curl -i {api_url}"),
        other_origin: config.origin_for(&other_host),
        allow_origin: policy.allow_origin.as_ref().map(|v| v.as_str().to_owned()),
        origin_matcher: policy.origin_matcher.is_some(),
        other_header_fields: HEADER_FIELDS
            .iter()
            .copied()
            .filter(|(field, _)| *field != "allow_origin")
            .collect(),
        steps: &STEPS,
        done_count: done.iter().filter(|d| **d).count(),
        done,
        page_origin,
        api_url,
    };
    render(page)
}

/// `templates/lab.html`: the request lab.
#[derive(Template)]
#[template(path = "../../templates/lab.html")]
struct LabPage {
    page_origin: String,
    api_origin: String,
    /// The other site, the attacker's, e.g. `http://localhost:4000`.
    attacker_origin: String,
    /// `(policy field, header name)` for each header the policy can send: [`HEADER_FIELDS`].
    header_fields: &'static [(&'static str, &'static str)],
    /// The largest HAR the page may drop: [`crate::har::MAX_HAR_BYTES`].
    max_har_bytes: usize,
    /// The export's stacks, for its picker: `server::export::STACKS`.
    stacks: &'static [server::export::Stack],
}

async fn lab(State(site): State<Site>, headers: HeaderMap) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let page = LabPage {
        page_origin: site.config.origin_for(host),
        api_origin: site.config.api_url_for(host).trim_end_matches("/api").to_owned(),
        attacker_origin: site.config.attacker_origin_for(host),
        header_fields: &HEADER_FIELDS,
        max_har_bytes: crate::har::MAX_HAR_BYTES,
        stacks: &server::export::STACKS,
    };
    render(page)
}

/// A page as HTML; a template that fails to render is the sandbox's bug, logged, and a sentence for the
/// learner.
pub(crate) fn render<T: Template>(page: T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("rendering {} failed: {e}", std::any::type_name::<T>());
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be rendered; the sandbox's log says why.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::filters;

    #[derive(Template)]
    #[template(source = "{{ text|code_spans }}", ext = "html")]
    struct Text {
        text: &'static str,
    }

    #[test]
    fn code_spans_show_backticks_as_code_and_escape_the_rest() {
        let html = Text { text: "Allow `*` & see `<b>`" }.render().expect("renders");
        assert_eq!(html, "Allow <code>*</code> &#38; see <code>&#60;b&#62;</code>");
    }
}
