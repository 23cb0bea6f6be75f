//! `GET /sandbox/export`: the policy in force as each stack's configuration (`server::export`), for the
//! request the lab's form describes, which the browser model turns into the probe: the method as `fetch()`
//! normalises it and the headers that need the preflight's permission. `?stack=express` asks for one stack.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::error;
use crate::site::Site;

/// `GET /sandbox/export`: the policy in force as each stack's configuration, for the lab's request.
pub(crate) async fn get_export(
    headers: HeaderMap,
    State(site): State<Site>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let stacks = match chosen_stacks(&query) {
        Ok(stacks) => stacks,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match export_probe(&query, &site.config.origin_for(host)) {
        Ok((probe, path)) => {
            let api = site.config.api_url_for(host);
            let url = format!("{}{path}", api.trim_end_matches("/api"));
            let policy = site.api.policy.snapshot().policy.clone();
            Json(server::export::export_of(&stacks, &policy, &probe, &url)).into_response()
        }
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

/// The stacks `?stack=` names (every one when it names none), or the sentence for a name the export does
/// not know.
fn chosen_stacks(query: &[(String, String)]) -> Result<Vec<&'static server::export::Stack>, String> {
    let named: Vec<&str> = query.iter().filter(|(n, _)| n == "stack").map(|(_, v)| v.as_str()).collect();
    if named.is_empty() {
        return Ok(server::export::STACKS.iter().collect());
    }
    named.into_iter().map(server::export::stack).collect()
}

/// The lab's request from `/sandbox/export`'s query, and the API path it is for.
fn export_probe(
    query: &[(String, String)],
    page_origin: &str,
) -> Result<(server::export::Probe, String), String> {
    let mut origin = page_origin.to_owned();
    let mut method = "GET".to_owned();
    let mut page_headers = Vec::new();
    let mut credentials = false;
    let mut path = server::export::EXPORT_PATH.to_owned();
    for (name, value) in query {
        match name.as_str() {
            "origin" => origin = value.clone(),
            "method" => method = value.clone(),
            "path" if value.starts_with("/api") => path = value.clone(),
            "path" => {
                return Err(format!("path must be one of the API's, starting with /api, not {value:?}."));
            }
            "header" => {
                let Some((n, v)) = value.split_once(':') else {
                    return Err(format!(
                        "header must be written Name: value, such as X-Api-Key: k1, not {value:?}."
                    ));
                };
                page_headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
            "credentials" => credentials = value == "include",
            _ => {}
        }
    }
    let valid_token = browser_model::http::is_token;
    if !valid_token(&method) {
        return Err(format!("method must be an HTTP method such as GET or PUT, not {method:?}."));
    }
    if let Some((name, _)) =
        page_headers.iter().find(|(n, v)| !valid_token(n) || server::HeaderText::new(v).is_err())
    {
        return Err(format!(
            "The header {name:?} is not a header name with a legal value; write it Name: value, in visible ASCII."
        ));
    }
    if server::HeaderText::new(&origin).is_err() || origin.is_empty() {
        return Err("origin must be an origin such as http://localhost:3000.".to_owned());
    }
    let request = browser_model::Request {
        url: format!("http://api.invalid{path}"),
        method: method.clone(),
        headers: page_headers.clone(),
        credentials: if credentials {
            browser_model::Credentials::Include
        } else {
            browser_model::Credentials::SameOrigin
        },
        ..browser_model::Request::default()
    };
    let reason = browser_model::preflight_needed(&request);
    let probe = server::export::Probe {
        origin,
        method: browser_model::http::normalize_method(&method),
        headers: page_headers,
        request_headers: reason.map(|r| r.unsafe_header_names()).unwrap_or_default(),
        credentials,
    };
    Ok((probe, path))
}
