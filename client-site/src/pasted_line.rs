//! A console line pasted into the lab's box or given to `cors-sandbox explain`: the browser model's
//! explanation ([`browser_model::explain_line`]), the lab scenario that makes an engine print the same
//! line, and the `cors-sandbox check` command that asks the user's own server.
//!
//! The scenario is a share link's (`/lab#share=…`, static/lab.js): a request form and a whole policy,
//! rebuilt from what the line held — the header's value, the method or header refused, the status —
//! on the sandbox's own origins. The page's origin in the line becomes the lab page's: a value that
//! named the user's page (`http://127.0.0.1:47180/`, with a slash) names the lab's page the same way.

use browser_model::{Candidate, Cause, CorsError, LineExplanation, Role, Stage, explain_line};
use serde_json::{Value, json};
use server::export::shell_quote;

/// Where the lab runs: its page's origin, which a share link opens.
#[derive(Debug, Clone)]
pub struct Lab {
    /// The lab page's origin, e.g. `http://localhost:3000`.
    pub page_origin: String,
}

/// The explanation of `text` as one JSON object, or (`Err`) a sentence and the closest known line.
pub fn explain(text: &str, lab: &Lab) -> Result<Value, Value> {
    let explained = explain_line(text).map_err(|not| {
        json!({
            "error": match not.closest {
                Some(closest) => format!("{} The closest line it knows: {closest}", not.why),
                None => not.why.clone(),
            },
            "closest": not.closest,
        })
    })?;
    let top = explained.candidates.first();
    let with_lab = explained.candidates.iter().find_map(|c| Some((c, scenario(&explained, c, lab).ok()?)));
    let lab_note = match (&with_lab, top) {
        (Some((c, _)), Some(first)) if c != &first => Some(format!(
            "The lab cannot set up the likeliest cause ({}); the link sets up the next one, {}.",
            first.cause.as_str(),
            c.cause.as_str()
        )),
        (None, Some(first)) => scenario(&explained, first, lab).err(),
        _ => None,
    };
    let e = &explained.extracted;
    Ok(json!({
        "engine": explained.engine,
        "engine_name": explained.engine.shown_name(),
        "line": explained.line,
        "sentence": explained.sentence,
        "role": match explained.role { Role::Names => "names-the-check", Role::Companion => "companion" },
        "cors_error": explained.cors_error,
        "candidates": explained.candidates.iter().map(|c| json!({
            "cause": c.cause.as_str(),
            "cors_error": c.cause.cors_error(),
            "stage": c.stage.as_str(),
            "where": c.stage.words(),
            "meaning": c.meaning,
            "fix": c.fix,
            "lab_link": scenario(&explained, c, lab).ok().map(|s| link(lab, &s)),
        })).collect::<Vec<_>>(),
        // The words cannot tell the failing check (several checks print them).
        "ambiguous": explained.cors_error.is_none()
            && explained.candidates.iter().any(|c| c.cause != explained.candidates[0].cause),
        "settle": explained.settle,
        "url": e.url,
        "initial_url": e.initial_url,
        "origin": e.origin,
        "extracted": {
            "url": e.url, "initial_url": e.initial_url, "origin": e.origin, "page_url": e.page_url,
            "kind": e.kind, "value": e.value, "method": e.method, "header": e.header, "status": e.status,
            "token": e.token, "scheme": e.scheme, "target": e.target, "net_error": e.net_error,
            "space": e.space, "target_space": e.target_space,
        },
        "meaning": top.map(|c| c.meaning.clone()),
        "fix": top.map(|c| c.fix.clone()),
        "lab_link": with_lab.as_ref().map(|(_, s)| link(lab, s)),
        "lab": with_lab.as_ref().map(|(c, s)| json!({
            "sets_up": c.cause.as_str(), "stage": c.stage.as_str(), "form": s["form"], "policy": s["policy"],
        })),
        "lab_note": lab_note,
        "check_command": top.map(|c| check_command(&explained, c)),
    }))
}

/// The `cors-sandbox check` command that runs the same request against the user's server.
pub fn check_command(explained: &LineExplanation, candidate: &Candidate) -> String {
    let e = &explained.extracted;
    let url = e.initial_url.as_deref().or(e.url.as_deref()).unwrap_or("URL-THE-PAGE-FETCHED");
    let origin = e.origin.as_deref().filter(|o| *o != "null").unwrap_or("YOUR-PAGE-ORIGIN");
    let mut command = format!("cors-sandbox check {} --origin {}", shell_quote(url), shell_quote(origin));
    // Only what the line said: the lab's own stand-ins (a PUT to cause a preflight) are not the user's request.
    let (form, _) = request_and_policy(explained, candidate, "http://localhost:3000");
    match (&e.method, &e.header) {
        (Some(method), _) => command.push_str(&format!(" -X {}", shell_quote(method))),
        (None, Some(_)) => {
            let header = form["headers"].as_str().unwrap_or_default();
            command.push_str(&format!(" -H {}", shell_quote(header)));
        }
        // A preflight failed, and the line does not say what the page sent that needed one.
        (None, None) if candidate.stage == Stage::Preflight => command.push_str(" -X YOUR-METHOD"),
        (None, None) => {}
    }
    if form["credentials"] == "include" {
        command.push_str(" --credentials include");
    }
    if explained.engine != browser_model::Engine::Chromium {
        command.push_str(&format!(" --engine {}", explained.engine));
    }
    command
}

/// The lab link for a scenario: the lab page with the share link's fragment.
fn link(lab: &Lab, scenario: &Value) -> String {
    format!("{}/lab#share={}", lab.page_origin, encode_uri_component(&scenario.to_string()))
}

/// JavaScript's `encodeURIComponent`, which the lab's `decodeURIComponent` undoes.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The share link's scenario (`{form, policy}`) that makes the lab fail as `candidate` does, or why the
/// lab cannot.
pub fn scenario(explained: &LineExplanation, candidate: &Candidate, lab: &Lab) -> Result<Value, String> {
    let cannot = |what: &str| Err(format!("The lab cannot set this up: {what}."));
    match candidate.cause {
        Cause::Cors(
            CorsError::RedirectContainsCredentials
            | CorsError::CorsDisabledScheme
            | CorsError::DisallowedByMode
            | CorsError::LocalNetworkAccessPermissionDenied
            | CorsError::InsecureLocalNetwork
            | CorsError::InvalidLocalNetworkAccess,
        )
        | Cause::UnsafeRedirect
        | Cause::InvalidRedirect
        | Cause::TooManyRedirects
        | Cause::MixedContent
        | Cause::NetworkError
        | Cause::FirefoxSetting => {
            return cannot(
                "its API answers every request on loopback, over http:, and redirects only to http:// URLs on itself; try the check command against your server",
            );
        }
        _ => {}
    }
    // Firefox prints "Multiple CORS header" for two header lines spelled exactly so; the API sends one.
    if explained.engine == browser_model::Engine::Firefox
        && explained.sentence.contains("Multiple CORS header")
    {
        return cannot(
            "its API sends one Access-Control-Allow-Origin line, for which Firefox says \"does not match ‘a, b’\" (Chromium and WebKit print the same line either way)",
        );
    }
    if let Err(why) = after_a_redirect(explained, candidate) {
        return cannot(why);
    }
    let (form, policy) = request_and_policy(explained, candidate, &lab.page_origin);
    // The API sends a policy's values as they are, so they must be legal header values.
    let legal = policy
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.as_str())
        .all(|v| v.len() <= 4096 && v.chars().all(|c| c == ' ' || c == '\t' || c.is_ascii_graphic()));
    if !legal {
        return cannot("the header's value holds characters an HTTP header cannot carry");
    }
    Ok(json!({ "form": form, "policy": policy }))
}

/// Whether the lab can fail after a redirect as `candidate` does. Its policy answers the redirect and the
/// answer after it alike, so the redirect passes and the next answer fails only where the request's
/// `Origin` changes in between: to `null`, after a redirect to the API's other name.
fn after_a_redirect(explained: &LineExplanation, candidate: &Candidate) -> Result<(), &'static str> {
    let e = &explained.extracted;
    let redirected = e.initial_url.is_some() || candidate.stage == Stage::AfterRedirect;
    let value_is_the_page = e.value.is_some() && e.value == e.origin;
    let fits = match candidate.cause.cors_error() {
        _ if !redirected => true,
        Some(CorsError::MissingAllowOriginHeader) => candidate.stage == Stage::AfterRedirect,
        Some(CorsError::AllowOriginMismatch) => candidate.stage == Stage::AfterRedirect && value_is_the_page,
        Some(
            CorsError::InvalidAllowOriginValue
            | CorsError::MultipleAllowOriginValues
            | CorsError::WildcardOriginNotAllowed
            | CorsError::InvalidAllowCredentials,
        ) => false,
        _ => true,
    };
    if fits {
        Ok(())
    } else {
        Err("its policy answers the redirect and the answer after it alike, so the redirect would fail first")
    }
}

/// The request form and the whole policy for `candidate`, the lab's page being `lab_origin`.
fn request_and_policy(
    explained: &LineExplanation,
    candidate: &Candidate,
    lab_origin: &str,
) -> (Value, Value) {
    let e = &explained.extracted;
    let user_origin = e.origin.as_deref().filter(|o| *o != "null");
    let value = |v: &str| lab_value(v, user_origin, lab_origin);
    let mut form = json!({
        "path": "/api", "method": "GET", "headers": "", "body": "none",
        "credentials": "same-origin", "mode": "cors", "redirect": "follow", "cache": "no-store",
    });
    let mut policy = json!({
        "allow_origin": lab_origin, "allow_credentials": null, "allow_methods": null, "allow_headers": null,
        "expose_headers": null, "max_age": null, "vary": null, "origin_matcher": null,
        "preflight_status": 204, "headers_on": "both",
    });
    let status = e.status;
    let put = |form: &mut Value| {
        form["method"] = json!("PUT");
        form["body"] = json!("text");
    };
    if candidate.stage == Stage::Preflight {
        put(&mut form);
        policy["allow_methods"] = json!("PUT");
    }
    // A redirect in the line: the API's /api/redirect, to its own origin or to its other name.
    let crossed = match (&e.initial_url, &e.url) {
        (Some(initial), Some(url)) => Some(origin_of(initial) != origin_of(url)),
        _ => None,
    };
    match (candidate.stage, crossed) {
        (Stage::AfterRedirect, _) | (_, Some(true)) => form["path"] = json!("/api/redirect?to=cross"),
        (_, Some(false)) => form["path"] = json!("/api/redirect?to=same"),
        _ => {}
    }
    use CorsError as E;
    match candidate.cause {
        Cause::Cors(E::MissingAllowOriginHeader | E::PreflightMissingAllowOriginHeader) => {
            policy["allow_origin"] = Value::Null;
            match candidate.stage {
                Stage::RedirectHop => {
                    let s = status.filter(|s| [301, 302, 303, 307, 308].contains(s)).unwrap_or(307);
                    form["path"] = json!(format!("/api/redirect?to=cross&cors=no&status={s}"));
                    policy["allow_origin"] = json!(lab_origin);
                }
                // Allowed on the hop (its Origin is the page's), refused after it (Origin: null).
                Stage::AfterRedirect => {
                    policy["origin_matcher"] = json!({ "kind": "exact", "origins": [lab_origin] });
                }
                Stage::Preflight => {
                    if let Some(s) = status.filter(|s| !(200..300).contains(s)) {
                        policy["preflight_status"] = json!(s);
                    }
                }
                _ => match status {
                    Some(404) => form["path"] = json!("/api/no-such-endpoint"),
                    Some(401) => form["path"] = json!("/api/account"),
                    Some(405) => {
                        form["path"] = json!("/api/account");
                        form["method"] = json!("POST");
                        form["body"] = json!("text");
                    }
                    Some(s) if s >= 400 => form["path"] = json!("/api/error?cors=no"),
                    _ => {}
                },
            }
        }
        Cause::Cors(
            E::AllowOriginMismatch
            | E::PreflightAllowOriginMismatch
            | E::InvalidAllowOriginValue
            | E::PreflightInvalidAllowOriginValue
            | E::MultipleAllowOriginValues
            | E::PreflightMultipleAllowOriginValues,
        ) => {
            let sample = match candidate.cause.cors_error() {
                Some(E::InvalidAllowOriginValue | E::PreflightInvalidAllowOriginValue) => {
                    "example.com".to_string()
                }
                Some(E::MultipleAllowOriginValues | E::PreflightMultipleAllowOriginValues) => {
                    format!("{lab_origin}, https://other.example")
                }
                _ => "https://yoursite.com".to_string(),
            };
            policy["allow_origin"] = json!(e.value.as_deref().map_or(sample, value));
        }
        Cause::Cors(E::WildcardOriginNotAllowed | E::PreflightWildcardOriginNotAllowed) => {
            policy["allow_origin"] = json!("*");
            form["credentials"] = json!("include");
        }
        Cause::Cors(E::InvalidAllowCredentials | E::PreflightInvalidAllowCredentials) => {
            policy["allow_credentials"] =
                e.value.as_deref().filter(|v| !v.is_empty()).map_or(Value::Null, |v| json!(v));
            form["credentials"] = json!("include");
        }
        Cause::Cors(E::PreflightInvalidStatus) => {
            let s = status.filter(|s| !(200..400).contains(s)).unwrap_or(404);
            policy["preflight_status"] = json!(s);
        }
        Cause::Cors(E::PreflightDisallowedRedirect) => {
            let s = status.filter(|s| [301, 302, 303, 307, 308].contains(s)).unwrap_or(302);
            policy["preflight_status"] = json!(s);
            // Firefox checks the redirect's Access-Control-Allow-Origin first: "missing" means it had none.
            if explained.sentence.contains("‘Access-Control-Allow-Origin’ missing") {
                policy["allow_origin"] = Value::Null;
            }
        }
        Cause::Cors(E::InvalidAllowMethodsPreflightResponse) => {
            policy["allow_methods"] = json!(e.token.as_deref().unwrap_or("PUT POST"));
        }
        Cause::Cors(E::InvalidAllowHeadersPreflightResponse) => {
            policy["allow_headers"] = json!(e.token.as_deref().unwrap_or("X-Foo Bar"));
        }
        Cause::Cors(E::MethodDisallowedByPreflightResponse) => {
            form["method"] = json!(e.method.as_deref().unwrap_or("PUT"));
            form["body"] = json!("text");
            policy["allow_methods"] = Value::Null;
        }
        Cause::Cors(E::HeaderDisallowedByPreflightResponse) => {
            let name = e.header.as_deref().unwrap_or("X-Custom-Header").to_ascii_lowercase();
            // A value the CORS-safelist does not cover, so the header needs the preflight's leave.
            let sample = match name.as_str() {
                "content-type" => "application/json",
                "accept" | "accept-language" | "content-language" => "\"x\"",
                _ => "1",
            };
            form["method"] = json!("GET");
            form["body"] = json!("none");
            form["headers"] = json!(format!("{name}: {sample}"));
            policy["allow_methods"] = Value::Null;
        }
        Cause::Cors(E::NoCorsRedirectModeNotFollow) => {
            form["mode"] = json!("no-cors");
            form["redirect"] = json!("manual");
        }
        Cause::RedirectModeError => {
            form["path"] = json!("/api/redirect?to=same");
            form["redirect"] = json!("error");
        }
        Cause::ErrorStatus => form["path"] = json!("/api/error?cors=yes"),
        _ => {}
    }
    (form, policy)
}

/// An `Access-Control-Allow-Origin` value for the lab: each origin in it that named the user's page names
/// the lab's page the same way (with its trailing slash, if it had one), and the lab's page the user's, so
/// that a mismatch stays a mismatch.
pub fn lab_value(value: &str, user_origin: Option<&str>, lab_origin: &str) -> String {
    let one = |v: &str| -> String {
        match user_origin {
            Some(user) if v == user => lab_origin.to_string(),
            Some(user) if v.strip_suffix('/') == Some(user) => format!("{lab_origin}/"),
            Some(user) if v == lab_origin => user.to_string(),
            _ => v.to_string(),
        }
    };
    value.split(", ").map(one).collect::<Vec<_>>().join(", ")
}

/// The serialized origin of a URL's text (the text itself when it does not parse).
fn origin_of(url: &str) -> String {
    browser_model::Url::parse(url).map_or_else(|_| url.to_string(), |url| url.origin_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_naming_the_users_page_names_the_labs() {
        let (user, lab) = (Some("http://127.0.0.1:47180"), "http://localhost:3000");
        assert_eq!(lab_value("http://127.0.0.1:47180", user, lab), lab);
        assert_eq!(lab_value("http://127.0.0.1:47180/", user, lab), "http://localhost:3000/");
        assert_eq!(
            lab_value("http://127.0.0.1:47180, http://127.0.0.1:47182", user, lab),
            "http://localhost:3000, http://127.0.0.1:47182"
        );
        assert_eq!(lab_value(lab, user, lab), "http://127.0.0.1:47180", "a mismatch stays a mismatch");
        assert_eq!(lab_value("http://localhost:80", Some("http://localhost"), lab), "http://localhost:80");
        assert_eq!(lab_value("example.com", None, lab), "example.com");
    }

    #[test]
    fn encode_uri_component_is_javascripts() {
        assert_eq!(encode_uri_component("{\"a\": 'b'}&é"), "%7B%22a%22%3A%20'b'%7D%26%C3%A9");
    }
}
