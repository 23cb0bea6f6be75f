//! The log, and the one verdict each exchange gets from what its record proves.

use reqwest::Method;
use serde_json::{Value, json};

use crate::*;

/// A blocked request still reached the API: the log has it, with the browser's verdict and message.
#[tokio::test]
async fn the_log_records_a_blocked_request_with_chromiums_message() {
    let sandbox = spawn_sandbox().await;
    sandbox.fetch_api_from(&sandbox.site).await;
    let log = sandbox.get_json("/sandbox/log").await;
    let exchange = &log[0];
    assert_eq!(exchange["method"], "GET");
    assert_eq!(exchange["path"], "/api");
    assert_eq!(exchange["origin"], sandbox.site);
    assert_eq!(exchange["status"], 200);
    assert_eq!(exchange["verdict"]["allowed"], false);
    assert_eq!(exchange["verdict"]["failed_check"], "AllowOriginMismatch");
    assert_eq!(
        exchange["verdict"]["chromium_message"],
        format!(
            "Access to fetch at '{}/api' from origin '{}' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://yoursite.com' that is not equal to the supplied origin. Have the server send the header with a valid value.",
            sandbox.api, sandbox.site
        )
    );
    let after = sandbox.get_json(&format!("/sandbox/log?after={}", exchange["seq"])).await;
    assert_eq!(after, json!([]));
    sandbox.stop().await;
}

/// A `fetch(url, {credentials: 'include'})` typed in DevTools, with a cookie to send, under `*` with
/// `Allow-Credentials: true`: the record's `Cookie` proves credentials were included, so it was blocked.
#[tokio::test]
async fn a_request_with_a_cookie_is_judged_as_credentialed() {
    let sandbox = spawn_sandbox().await;
    sandbox.patch(json!({ "allow_origin": "*", "allow_credentials": "true" })).await;
    let send = |cookie: Option<&str>| {
        let mut request = sandbox
            .http
            .get(format!("{}/api/whoami", sandbox.api))
            .header("origin", &sandbox.site)
            .header("sec-fetch-mode", "cors");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    send(Some("sandbox_session=abc")).await.unwrap();
    let with_cookie = logged(&sandbox, "GET", "/api/whoami").await;
    assert_eq!(with_cookie["verdict"]["allowed"], false, "{with_cookie}");
    assert_eq!(with_cookie["verdict"]["failed_check"], "WildcardOriginNotAllowed");

    // Without a cookie the record cannot tell credentials: 'include' (with no cookie to send) from the
    // default, and here that decides it: both outcomes, no guess.
    send(None).await.unwrap();
    let without = logged(&sandbox, "GET", "/api/whoami").await;
    let verdict = &without["verdict"];
    assert_eq!(verdict["allowed"], Value::Null, "{without}");
    assert!(verdict["rule"].as_str().unwrap().contains("credentials: 'include'"), "{verdict}");
    assert_eq!(verdict["if_credentials_included"]["allowed"], false);
    assert_eq!(verdict["if_not"]["allowed"], true);

    // Where credentials change nothing, the verdict is given as known.
    sandbox.patch(json!({ "allow_origin": "https://yoursite.com", "allow_credentials": null })).await;
    send(None).await.unwrap();
    let blocked_either_way = logged(&sandbox, "GET", "/api/whoami").await;
    assert_eq!(blocked_either_way["verdict"]["allowed"], false, "{blocked_either_way}");
    sandbox.stop().await;
}

/// A `PUT` with a custom header, after its preflight: judged with the header the record shows and the
/// preflight's answer, as the browser judged it — not as a plain `GET`.
#[tokio::test]
async fn a_preflighted_request_is_judged_with_its_preflight() {
    let sandbox = spawn_sandbox().await;
    // The exact origin with credentials allowed: credentials or not, the verdict is the same.
    let origin = sandbox.site.clone();
    sandbox
        .patch(json!({ "allow_origin": origin, "allow_credentials": "true", "allow_methods": "PUT" }))
        .await;
    let preflight_then_put = || async {
        sandbox
            .http
            .request(Method::OPTIONS, format!("{}/api", sandbox.api))
            .header("origin", &sandbox.site)
            .header("sec-fetch-mode", "cors")
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "x-api-key")
            .send()
            .await
            .unwrap();
        sandbox
            .http
            .put(format!("{}/api", sandbox.api))
            .header("origin", &sandbox.site)
            .header("sec-fetch-mode", "cors")
            .header("x-api-key", "k1")
            .send()
            .await
            .unwrap();
    };
    preflight_then_put().await;
    let refused = logged(&sandbox, "PUT", "/api").await;
    assert_eq!(refused["verdict"]["allowed"], false, "{refused}");
    assert_eq!(refused["verdict"]["failed_check"], "HeaderDisallowedByPreflightResponse");
    assert_eq!(refused["verdict"]["preflight"], true);

    sandbox.patch(json!({ "allow_headers": "X-Api-Key" })).await;
    preflight_then_put().await;
    let allowed = logged(&sandbox, "PUT", "/api").await;
    assert_eq!(allowed["verdict"]["allowed"], true, "{allowed}");
    assert_eq!(allowed["verdict"]["preflight"], true);
    sandbox.stop().await;
}

/// A navigation (the address bar, a link) is no fetch(): no verdict, even with an `Origin`.
#[tokio::test]
async fn a_navigation_gets_no_verdict() {
    let sandbox = spawn_sandbox().await;
    sandbox
        .http
        .post(format!("{}/api/counter", sandbox.api))
        .header("origin", &sandbox.site)
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    let navigation = logged(&sandbox, "POST", "/api/counter").await;
    assert_eq!(navigation["verdict"], Value::Null, "{navigation}");
    sandbox.stop().await;
}

/// A request without `Origin` (curl) gets no verdict: CORS does not apply to it.
#[tokio::test]
async fn a_request_without_origin_has_no_verdict() {
    let sandbox = spawn_sandbox().await;
    sandbox.http.get(format!("{}/api", sandbox.api)).send().await.unwrap();
    let log = sandbox.get_json("/sandbox/log").await;
    assert_eq!(log[0]["verdict"], Value::Null);
    assert!(log[0]["note"].as_str().unwrap().contains("CORS does not apply"));
    sandbox.stop().await;
}

/// The log's answer is bounded whatever the requests held: at most 1 MiB, oldest first, and the rest is
/// had by asking again with `after=` the last `seq`.
#[tokio::test]
async fn the_log_answer_is_bounded_and_pages() {
    let sandbox = spawn_sandbox().await;
    let pad = "p".repeat(4000);
    for _ in 0..200 {
        let mut request = sandbox.http.get(format!("{}/api", sandbox.api));
        for name in ["x-pad-1", "x-pad-2", "x-pad-3", "x-pad-4"] {
            request = request.header(name, &pad);
        }
        request.send().await.unwrap();
    }
    let mut after = 0;
    let mut seen = 0;
    let mut pages = 0;
    loop {
        let res =
            sandbox.http.get(format!("{}/sandbox/log?after={after}", sandbox.site)).send().await.unwrap();
        let text = res.text().await.unwrap();
        assert!(text.len() <= 1024 * 1024, "an answer of {} bytes", text.len());
        let page: Vec<Value> = serde_json::from_str(&text).unwrap();
        if page.is_empty() {
            break;
        }
        let seqs: Vec<u64> = page.iter().map(|x| x["seq"].as_u64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]) && seqs[0] > after, "oldest first, after {after}");
        after = *seqs.last().unwrap();
        seen += page.len();
        pages += 1;
    }
    assert_eq!(seen, 200, "every record reached by paging");
    assert!(pages > 1, "200 large records do not fit one answer");
    sandbox.stop().await;
}
