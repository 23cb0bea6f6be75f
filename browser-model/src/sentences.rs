//! Every console sentence the model knows, word for word, once: Chromium 156, Firefox 153 ESR and
//! WebKitGTK 2.50, as docs/console-messages.md lists them (its row numbers are in the comments).
//!
//! `messages` writes lines with these templates and `explain` reads pasted lines with the same ones
//! (see `template`), so the two cannot drift apart. A few sentences are read but not written: older
//! Chromium wordings, lines of features the model does not follow yet (Local Network Access, mixed
//! content), and the generic lines printed beside the CORS one. Each says so.

use crate::template::Template;

// ---- Chromium: `cors_error_string.cc`, `fetch_manager.cc` (docs/console-messages.md §1, §2) ---------

/// The `javascript`-source line of every CORS failure (§1).
pub(crate) const CHROMIUM_ACCESS: Template =
    Template("Access to {kind} at '{url}' from origin '{origin}' has been blocked by CORS policy: {reason}");
/// The same after a redirect: `{url}` is the last URL, `{initial_url}` the one `fetch()` was given (row 19).
pub(crate) const CHROMIUM_ACCESS_REDIRECTED: Template = Template(
    "Access to {kind} at '{url}' (redirected from '{initial_url}') from origin '{origin}' has been blocked by CORS policy: {reason}",
);
/// Read only: how XMLHttpRequest's line began in old Chromium (§4, "Older wordings").
pub(crate) const CHROMIUM_OLD_XHR: Template = Template("XMLHttpRequest cannot load {url}. {reason}");
/// Before the reason of the preflight family (`IsPreflightError`).
pub(crate) const CHROMIUM_PREFLIGHT: Template =
    Template("Response to preflight request doesn't pass access control check: {reason}");

/// Appended for `fetch()` to the multiple / invalid / mismatch reasons (Chromium 156).
pub(crate) const CHROMIUM_HAVE_THE_SERVER: &str = " Have the server send the header with a valid value.";
/// Read only: the suffixes older or other callers put after a reason (§1), longest first.
pub(crate) const CHROMIUM_OTHER_SUFFIXES: [&str; 3] = [
    " Have the server send the header with a valid value, or, if an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled.",
    " If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled.",
    " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.",
];
/// Read only: how Chrome up to about 70 ended a reason (§4, "Older wordings").
pub(crate) const CHROMIUM_OLD_THEREFORE: Template =
    Template("{reason} Origin '{origin}' is therefore not allowed access.");

// The reasons, rows 1-18 and 21-22.
pub(crate) const CHROMIUM_MISSING: Template =
    Template("No 'Access-Control-Allow-Origin' header is present on the requested resource.");
pub(crate) const CHROMIUM_WILDCARD: Template = Template(
    "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
);
pub(crate) const CHROMIUM_MULTIPLE: Template = Template(
    "The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but only one is allowed.",
);
pub(crate) const CHROMIUM_INVALID: Template =
    Template("The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'.");
pub(crate) const CHROMIUM_MISMATCH: Template = Template(
    "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to the supplied origin.",
);
pub(crate) const CHROMIUM_CREDENTIALS: Template = Template(
    "The value of the 'Access-Control-Allow-Credentials' header in the response is '{value}' which must be 'true' when the request's credentials mode is 'include'.",
);
pub(crate) const CHROMIUM_PREFLIGHT_STATUS: Template = Template("It does not have HTTP ok status.");
pub(crate) const CHROMIUM_PREFLIGHT_REDIRECT: Template =
    Template("Redirect is not allowed for a preflight request.");
pub(crate) const CHROMIUM_PARSE_METHODS: Template =
    Template("Cannot parse Access-Control-Allow-Methods response header field in preflight response.");
pub(crate) const CHROMIUM_PARSE_HEADERS: Template =
    Template("Cannot parse Access-Control-Allow-Headers response header field in preflight response.");
pub(crate) const CHROMIUM_METHOD: Template =
    Template("Method {method} is not allowed by Access-Control-Allow-Methods in preflight response.");
pub(crate) const CHROMIUM_HEADER: Template = Template(
    "Request header field {header} is not allowed by Access-Control-Allow-Headers in preflight response.",
);
/// Chromium 156 leaves the quotes empty (measured), although the source has a hint there.
pub(crate) const CHROMIUM_REDIRECT_CREDENTIALS: Template = Template(
    "Redirect location '{target}' contains a username and password, which is disallowed for cross-origin requests.",
);
pub(crate) const CHROMIUM_NOT_HTTP: Template =
    Template("Cross origin requests are only supported for protocol schemes: {schemes}.");
pub(crate) const CHROMIUM_MODE: Template = Template("Cross origin requests are not allowed by request mode.");
/// Rows 32-34: Local Network Access.
pub(crate) const CHROMIUM_LNA_DENIED: Template =
    Template("Permission was denied for this request to access the `{space}` address space.");
pub(crate) const CHROMIUM_LNA_INSECURE: Template = Template(
    "The request client is not a secure context and the resource is in more-private address space `{space}`.",
);
pub(crate) const CHROMIUM_LNA_TARGET: Template = Template(
    "Request had a target IP address space of `{target_space}` yet the resource is in address space `{space}`.",
);

/// Every Chromium reason, for reading.
pub(crate) const CHROMIUM_REASONS: [Template; 19] = [
    CHROMIUM_MISSING,
    CHROMIUM_WILDCARD,
    CHROMIUM_MULTIPLE,
    CHROMIUM_INVALID,
    CHROMIUM_MISMATCH,
    CHROMIUM_CREDENTIALS,
    CHROMIUM_PREFLIGHT_STATUS,
    CHROMIUM_PREFLIGHT_REDIRECT,
    CHROMIUM_PARSE_METHODS,
    CHROMIUM_PARSE_HEADERS,
    CHROMIUM_METHOD,
    CHROMIUM_HEADER,
    CHROMIUM_REDIRECT_CREDENTIALS,
    CHROMIUM_NOT_HTTP,
    CHROMIUM_MODE,
    CHROMIUM_LNA_DENIED,
    CHROMIUM_LNA_INSECURE,
    CHROMIUM_LNA_TARGET,
    // Last: an older line may end with the origin (Chrome ≤ 70); its reason is read again without it.
    CHROMIUM_OLD_THEREFORE,
];

// §1.2: the failures `fetch_manager.cc` reports before any request is made.
pub(crate) const CHROMIUM_SAME_ORIGIN_MODE: Template = Template(
    "Fetch API cannot load {url}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {origin}.",
);
pub(crate) const CHROMIUM_NO_CORS_REDIRECT: Template = Template(
    "Fetch API cannot load {url}. Request mode is \"no-cors\" but the redirect mode is not \"follow\".",
);
pub(crate) const CHROMIUM_UNSUPPORTED_SCHEME: Template =
    Template("Fetch API cannot load {url}. URL scheme \"{scheme}\" is not supported.");

/// The `network`-source line after every failure (`net::ERR_FAILED` after a CORS one).
pub(crate) const CHROMIUM_NETWORK: Template = Template("Failed to load resource: {net_error}");
/// Read only: an answer the page could read, with an error status (not a CORS failure).
pub(crate) const CHROMIUM_ERROR_STATUS: Template =
    Template("Failed to load resource: the server responded with a status of {status} ({status_text})");
/// Read only: row 36, an `https:` page fetching `http:` on a private address (a warning; it goes through).
pub(crate) const CHROMIUM_MIXED_CONTENT: Template = Template(
    "Mixed Content: The page at '{page_url}' was loaded over HTTPS, but requested an insecure resource '{url}'. This content should also be served over HTTPS.",
);
/// An `https:` page's `http:` request Chromium blocks as mixed content (a public target): its
/// `MixedContentChecker` wording, not measured (every case measured here went through, row 36).
pub(crate) const CHROMIUM_MIXED_CONTENT_BLOCKED: Template = Template(
    "Mixed Content: The page at '{page_url}' was loaded over HTTPS, but requested an insecure resource '{url}'. This request has been blocked; the content must be served over HTTPS.",
);
/// What `fetch()` rejects with, for every CORS and network failure (§3).
pub(crate) const CHROMIUM_JS_ERROR: Template = Template("TypeError: Failed to fetch");

// ---- Firefox: `security.properties` (docs/console-messages.md §6) ----------------------------------

/// A Firefox "Cross-Origin Request Blocked" sentence with the given reason.
macro_rules! firefox {
    ($reason:literal) => {
        Template(concat!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: ",
            $reason
        ))
    };
}

pub(crate) const FIREFOX_MISSING: Template =
    firefox!("CORS header ‘Access-Control-Allow-Origin’ missing). Status code: {status}.");
pub(crate) const FIREFOX_NOT_MATCHING: Template =
    firefox!("CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’).");
/// Two `Access-Control-Allow-Origin` lines spelled exactly so (row 3a).
pub(crate) const FIREFOX_MULTIPLE: Template =
    firefox!("Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).");
/// The only Firefox CORS sentence that quotes the URL.
pub(crate) const FIREFOX_NOT_SUPPORTING_CREDENTIALS: Template = Template(
    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘{url}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).",
);
pub(crate) const FIREFOX_MISSING_CREDENTIALS: Template =
    firefox!("expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).");
pub(crate) const FIREFOX_PREFLIGHT_STATUS: Template =
    firefox!("CORS preflight response did not succeed). Status code: {status}.");
pub(crate) const FIREFOX_EXTERNAL_REDIRECT: Template =
    firefox!("CORS request external redirect not allowed).");
pub(crate) const FIREFOX_INVALID_METHOD: Template =
    firefox!("invalid token ‘{token}’ in CORS header ‘Access-Control-Allow-Methods’).");
pub(crate) const FIREFOX_INVALID_HEADER: Template =
    firefox!("invalid token ‘{token}’ in CORS header ‘Access-Control-Allow-Headers’).");
pub(crate) const FIREFOX_METHOD: Template =
    firefox!("Did not find method in CORS header ‘Access-Control-Allow-Methods’).");
pub(crate) const FIREFOX_HEADER: Template = firefox!(
    "header ‘{header}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."
);
pub(crate) const FIREFOX_NOT_HTTP: Template = firefox!("CORS request not http).");
/// "Did not succeed": after every preflight failure, and alone for a network error (rows 27, 28, 32).
pub(crate) const FIREFOX_DID_NOT_SUCCEED: Template =
    firefox!("CORS request did not succeed). Status code: (null).");
/// Read only: rows 30 and 31.
pub(crate) const FIREFOX_DISABLED: Template = firefox!("CORS disabled).");
pub(crate) const FIREFOX_ORIGIN_NOT_ADDED: Template = firefox!("CORS header ‘Origin’ cannot be added).");
/// `mode: "same-origin"` to another origin (row 24).
pub(crate) const FIREFOX_SECURITY_ERROR: Template =
    Template("Security Error: Content at {page_url} may not load data from {url}.");
/// Row 36.
pub(crate) const FIREFOX_MIXED_CONTENT: Template = Template("Blocked loading mixed active content “{url}”");
/// What `fetch()` rejects with (§3).
pub(crate) const FIREFOX_JS_ERROR: Template =
    Template("TypeError: NetworkError when attempting to fetch resource.");

// ---- WebKit: WebCore's `CrossOriginAccessControl.cpp`, `FetchLoader.cpp` (§5) ---------------------

/// Missing, mismatched and invalid `Access-Control-Allow-Origin` alike (rows 1, 2, 4).
pub(crate) const WEBKIT_NOT_ALLOWED: Template =
    Template("Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}");
pub(crate) const WEBKIT_MULTIPLE: Template =
    Template("Access-Control-Allow-Origin cannot contain more than one origin.");
pub(crate) const WEBKIT_WILDCARD: Template =
    Template("Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.");
pub(crate) const WEBKIT_CREDENTIALS: Template =
    Template("Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".");
pub(crate) const WEBKIT_PREFLIGHT_STATUS: Template =
    Template("Preflight response is not successful. Status code: {status}");
pub(crate) const WEBKIT_METHOD: Template =
    Template("Method {method} is not allowed by Access-Control-Allow-Methods.");
pub(crate) const WEBKIT_HEADER: Template =
    Template("Request header field {header} is not allowed by Access-Control-Allow-Headers.");
pub(crate) const WEBKIT_INVALID_HEADERS: Template =
    Template("Header Access-Control-Allow-Headers has an invalid value: {token}");
pub(crate) const WEBKIT_INVALID_METHODS: Template =
    Template("Header Access-Control-Allow-Methods has an invalid value: {token}");
pub(crate) const WEBKIT_REDIRECT_MODE: Template =
    Template("Not allowed to follow a redirection while loading {url}");
/// A redirect refused: where it pointed, then why (`{check}` is one of the lines above, or below).
pub(crate) const WEBKIT_REDIRECTION: Template =
    Template("Cross-origin redirection to {target} denied by Cross-Origin Resource Sharing policy: {check}");
pub(crate) const WEBKIT_NON_CORS_SCHEME: Template =
    Template("not allowed to follow a cross-origin CORS redirection with non CORS scheme");
pub(crate) const WEBKIT_REDIRECT_CREDENTIALS: Template = Template("redirection URL {target} has credentials");
pub(crate) const WEBKIT_FTP: Template = Template("FTP URLs are disabled");
pub(crate) const WEBKIT_TOO_MANY_REDIRECTS: Template =
    Template("Load cannot follow more than 20 redirections");
/// The `JS ERROR` line after each of the above.
pub(crate) const WEBKIT_CANNOT_LOAD: Template =
    Template("Fetch API cannot load {url} due to access control checks.");
/// Read only: the same for XMLHttpRequest.
pub(crate) const WEBKIT_XHR_CANNOT_LOAD: Template =
    Template("XMLHttpRequest cannot load {url} due to access control checks.");
/// Measured (docs/evidence.md, console-messages.md §5.1): `mode: "same-origin"` to another origin (row 24).
pub(crate) const WEBKIT_CANNOT_LOAD_PLAIN: Template = Template("Fetch API cannot load {url}.");
/// Measured: `no-cors` with a `redirect` other than `follow` (row 25), then the two below.
pub(crate) const WEBKIT_NO_CORS_FOLLOW: Template = Template("No-Cors mode requires follow redirect mode");
/// Measured: after row 25's line, and after mixed content.
pub(crate) const WEBKIT_NOT_ALLOWED_TO_REQUEST: Template = Template("Not allowed to request resource");
/// Read only (measured): `fetch("foo://…")`.
pub(crate) const WEBKIT_ONLY_HTTP: Template = Template("Cross origin requests are only supported for HTTP.");
/// Read only (measured): a preflight whose connection was closed.
pub(crate) const WEBKIT_CONNECTION_TERMINATED: Template = Template("Connection terminated unexpectedly");
/// Mixed content (rows 36, 37); for a loopback target WebKit stops the sentence at "must".
pub(crate) const WEBKIT_MIXED_CONTENT: Template = Template(
    "[blocked] The page at {page_url} requested insecure content from {url}. This content was blocked and must be served over HTTPS.",
);
pub(crate) const WEBKIT_MIXED_CONTENT_CUT: Template = Template(
    "[blocked] The page at {page_url} requested insecure content from {url}. This content was blocked and must",
);
/// What `fetch()` rejects with (§3).
pub(crate) const WEBKIT_JS_ERROR: Template = Template("TypeError: Load failed");

/// The checks WebKit names after "denied by Cross-Origin Resource Sharing policy: ".
pub(crate) const WEBKIT_CHECKS: [Template; 10] = [
    WEBKIT_NOT_ALLOWED,
    WEBKIT_MULTIPLE,
    WEBKIT_WILDCARD,
    WEBKIT_CREDENTIALS,
    WEBKIT_PREFLIGHT_STATUS,
    WEBKIT_METHOD,
    WEBKIT_HEADER,
    WEBKIT_NON_CORS_SCHEME,
    WEBKIT_REDIRECT_CREDENTIALS,
    WEBKIT_INVALID_HEADERS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Hole;

    #[test]
    fn every_placeholder_is_a_hole_and_no_two_holes_touch() {
        let all = crate::explain::every_template();
        for template in all.iter().copied() {
            let holes = template.holes();
            let braces = template.0.matches('{').count();
            assert_eq!(holes.len(), braces, "{:?}: a placeholder that is not a hole", template.0);
            assert!(!template.0.contains("}{"), "{:?}: two holes in a row", template.0);
        }
        let mut texts: Vec<&str> = all.iter().map(|t| t.0).collect();
        texts.sort_unstable();
        let count = texts.len();
        texts.dedup();
        assert_eq!(texts.len(), count, "every sentence is written once");
        assert_eq!(CHROMIUM_METHOD.holes(), [Hole::Method]);
    }
}
