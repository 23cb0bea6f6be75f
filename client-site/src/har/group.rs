//! Which entries are one `fetch()`: the request, its redirect hops in order, and its preflights.
//!
//! This is the door's input, put in order — no CORS rule is decided here. A hop is the entry a redirect
//! pointed to (its `redirectURL`, or its `Location`), the nearest one after it; Firefox also lists the
//! target of a redirect it refused, with status 0 (docs/evidence.md), which belongs to the same fetch.
//! Preflights are claimed when the stepper asks for one (`Preflights::take`): both browsers write the
//! preflight's entry after its request's, so the one between a request and the next request to the same
//! URL with the same method is that request's.

use std::collections::HashMap;

use browser_model::Url;

use super::entries::{Item, Role};

/// One `fetch()`'s entries: `hops[0]` the request, then each redirect's target.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) hops: Vec<usize>,
}

/// Groups every `Fetch` entry into fetches, in the file's order.
pub(crate) fn fetches(items: &[Item<'_, '_>]) -> Vec<Group> {
    // Where each URL is requested, in order: a hop is the nearest unclaimed entry for its target.
    let mut by_url: HashMap<&str, Vec<usize>> = HashMap::new();
    for item in items.iter().filter(|item| item.role == Role::Fetch) {
        by_url.entry(item.key.as_str()).or_default().push(item.index);
    }
    let mut claimed = vec![false; items.len()];
    let mut groups = Vec::new();
    for item in items.iter().filter(|item| item.role == Role::Fetch) {
        if claimed[item.index] {
            continue;
        }
        claimed[item.index] = true;
        let mut hops = vec![item.index];
        let mut at = item;
        while let Some(target) = redirect_target(at) {
            let next = by_url.get(target.as_str()).and_then(|positions| {
                let after = positions.partition_point(|&i| i <= at.index);
                positions[after..].iter().find(|&&i| !claimed[i])
            });
            let Some(&next) = next else { break };
            claimed[next] = true;
            hops.push(next);
            at = &items[next];
        }
        groups.push(Group { hops });
    }
    groups
}

/// Where a redirect entry pointed: `redirectURL`, or its `Location`, resolved against its URL as the
/// browser resolves it (`browser_model::Url::resolve`).
fn redirect_target(item: &Item<'_, '_>) -> Option<String> {
    let entry = item.entry;
    if !entry.status().is_some_and(browser_model::http::is_redirect_status) {
        return None;
    }
    let written = entry
        .response
        .redirect_url
        .as_deref()
        .filter(|u| !u.is_empty())
        .or_else(|| entry.response_header("location"))?;
    let resolved = Url::parse(&entry.request.url).ok()?.resolve(written)?;
    Some(resolved.as_str().split('#').next().unwrap_or_default().to_string())
}

/// The file's preflights, each taken by at most one request.
#[derive(Debug)]
pub(crate) struct Preflights {
    by_url: HashMap<String, Vec<usize>>,
    /// Where each URL and method is requested (by `Fetch` entries), to bound a request's preflight.
    requests: HashMap<(String, String), Vec<usize>>,
    taken: Vec<bool>,
}

impl Preflights {
    pub(crate) fn new(items: &[Item<'_, '_>]) -> Preflights {
        let mut by_url: HashMap<String, Vec<usize>> = HashMap::new();
        let mut requests: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for item in items {
            match item.role {
                Role::Preflight => by_url.entry(item.key.clone()).or_default().push(item.index),
                Role::Fetch => requests
                    .entry((item.key.clone(), item.entry.request.method.to_ascii_uppercase()))
                    .or_default()
                    .push(item.index),
                Role::Skipped(_) => {}
            }
        }
        Preflights { by_url, requests, taken: vec![false; items.len()] }
    }

    /// The preflight entry for the request `anchor` (an entry index) to `url` with `method`, from
    /// `origin` when known: the nearest untaken one after it and before the next request to the same URL
    /// with the same method; else the nearest before it and after the previous one.
    pub(crate) fn find(
        &self,
        items: &[Item<'_, '_>],
        anchor: usize,
        url: &str,
        method: &str,
        origin: Option<&str>,
    ) -> Option<usize> {
        let candidates = self.by_url.get(url)?;
        // Positions are in file order: each bound is a binary search, each scan stops at its bound (a page
        // that polls one URL thousands of times stays linear).
        let same =
            self.requests.get(&(url.to_string(), method.to_ascii_uppercase())).map_or(&[][..], Vec::as_slice);
        let split = same.partition_point(|&i| i <= anchor);
        let next_request = same.get(split).copied().unwrap_or(usize::MAX);
        let previous_request = same[..split].iter().rev().find(|&&i| i < anchor).copied();
        let fits = |i: usize| {
            let entry = items[i].entry;
            !self.taken[i]
                && entry
                    .request_header("access-control-request-method")
                    .is_some_and(|m| m.eq_ignore_ascii_case(method))
                && origin.is_none_or(|o| entry.request_header("origin").is_none_or(|sent| sent == o))
        };
        let at = candidates.partition_point(|&i| i <= anchor);
        let after = candidates[at..].iter().copied().take_while(|&i| i < next_request).find(|&i| fits(i));
        let before = || {
            candidates[..at]
                .iter()
                .rev()
                .copied()
                .take_while(|&i| previous_request.is_none_or(|p| i > p))
                .find(|&i| i < anchor && fits(i))
        };
        after.or_else(before)
    }

    /// Marks the preflight entry `index` as its request's.
    pub(crate) fn mark_taken(&mut self, index: usize) {
        if let Some(taken) = self.taken.get_mut(index) {
            *taken = true;
        }
    }

    /// The preflights no request took.
    pub(crate) fn untaken(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_url.values().flatten().copied().filter(|&i| !self.taken[i])
    }
}
