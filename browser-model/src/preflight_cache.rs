//! The CORS-preflight cache (Fetch §4.8, https://fetch.spec.whatwg.org/#cors-preflight-cache): a passing
//! preflight's answer is kept for `Access-Control-Max-Age` seconds (5 by default in Chromium), keyed by
//! the request's origin, its URL and whether it carries credentials, and a later request that asks for no
//! more than that answer allowed goes without a new `OPTIONS`.
//!
//! One `Fetch` keeps its own cache: a redirect chain that comes back to a URL it already preflighted
//! (within the answer's lifetime, which one walk never outlives) asks again only when the cache cannot
//! answer. A door that replays a recording learns of the browser's longer-lived cache from the recording
//! itself (`Answer::FromPreflightCache`).

use crate::method;
use crate::url::{Origin, Url};

/// One passing preflight's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    origin: String,
    url: String,
    credentials: bool,
    method: String,
    names: Vec<String>,
}

/// The answers one `fetch()` has collected.
#[derive(Debug, Clone, Default)]
pub(crate) struct PreflightCache {
    entries: Vec<Entry>,
}

/// What a preflight asks for.
pub(crate) trait Asks {
    fn method(&self) -> &str;
    fn names(&self) -> &[String];
}

impl PreflightCache {
    /// Keeps a passing answer, unless its max-age is 0 (Fetch §4.8 step 7.9: "not cached").
    pub(crate) fn store(
        &mut self,
        origin: &Origin,
        url: &Url,
        credentials: bool,
        method: &str,
        names: &[String],
        max_age: u64,
    ) {
        if max_age == 0 {
            return;
        }
        self.entries.push(Entry {
            origin: origin.serialize(),
            url: url.without_fragment(),
            credentials,
            method: method.to_string(),
            names: names.to_vec(),
        });
    }

    /// Whether an answer in the cache covers `asks` from `origin` to `url` (§4.8 "method cache entry
    /// match" for the method — or a CORS-safelisted one — and "header-name cache entry match" for every
    /// name).
    pub(crate) fn allows(&self, origin: &Origin, url: &Url, credentials: bool, asks: &impl Asks) -> bool {
        let (origin, url) = (origin.serialize(), url.without_fragment());
        self.entries.iter().any(|entry| {
            entry.origin == origin
                && entry.url == url
                && entry.credentials == credentials
                && (entry.method == asks.method() || method::is_cors_safelisted(asks.method()))
                && asks.names().iter().all(|name| entry.names.contains(name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url;

    struct Ask(&'static str, Vec<String>);
    impl Asks for Ask {
        fn method(&self) -> &str {
            self.0
        }
        fn names(&self) -> &[String] {
            &self.1
        }
    }

    #[test]
    fn an_answer_covers_the_same_or_less_until_max_age_zero() {
        let origin = url::parse("http://localhost:3000").expect("valid").origin();
        let api = url::parse("http://localhost:8000/api#f").expect("valid");
        let mut cache = PreflightCache::default();
        cache.store(&origin, &api, false, "PUT", &["x-a".into(), "x-b".into()], 5);
        assert!(cache.allows(&origin, &api, false, &Ask("PUT", vec!["x-a".into()])));
        assert!(cache.allows(&origin, &api, false, &Ask("GET", vec![])));
        assert!(!cache.allows(&origin, &api, false, &Ask("DELETE", vec![])));
        assert!(!cache.allows(&origin, &api, true, &Ask("PUT", vec![])), "credentials are part of the key");
        assert!(!cache.allows(&origin, &api, false, &Ask("PUT", vec!["x-c".into()])));
        let other = url::parse("http://localhost:8000/other").expect("valid");
        assert!(!cache.allows(&origin, &other, false, &Ask("PUT", vec![])));
        let mut never = PreflightCache::default();
        never.store(&origin, &api, false, "PUT", &[], 0);
        assert!(!never.allows(&origin, &api, false, &Ask("PUT", vec![])));
    }
}
