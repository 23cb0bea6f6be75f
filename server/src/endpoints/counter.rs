//! `/api/counter`: a side effect that happens whatever the browser then does with the answer.
//!
//! | method | path | answer | lesson |
//! |---|---|---|---|
//! | `GET`, `HEAD` | `/api/counter` | 200 `{"count": n}`, unchanged | 12 |
//! | any other (`POST`, `PUT`, `DELETE`, …) | `/api/counter` | 200 `{"count": n + 1}`: counts first, answers second | 12 |
//!
//! CORS decides what the page may *read*, not what the server *does*. A simple `POST` (a `text/plain`
//! body, no custom headers) is sent without a preflight; the browser then blocks the answer because the
//! policy sends no matching `Access-Control-Allow-Origin`, and JS gets `TypeError: Failed to fetch`, yet
//! the count went up: CORS is not CSRF protection. A method that needs a preflight (`PUT`, `DELETE`) runs
//! only once the preflight passes; the preflight itself never reaches this endpoint, so it never counts.
//!
//! There is no reset route on the API; the control site resets the count with [`crate::Api::reset_counter`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use serde_json::{Value, json};

use super::EndpointState;

/// The count `/api/counter` shows.
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    /// The count now.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Adds one and returns the new count.
    fn increment(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
    }

    /// Back to zero.
    pub(crate) fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// `/api/counter`: `GET` and `HEAD` read the count; every other method adds one first.
pub(super) async fn counter(State(state): State<Arc<EndpointState>>, method: Method) -> Json<Value> {
    let counter = &state.counter;
    let count =
        if method == Method::GET || method == Method::HEAD { counter.get() } else { counter.increment() };
    Json(json!({ "count": count }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_from_zero_and_resets() {
        let counter = Counter::default();
        assert_eq!(counter.get(), 0);
        assert_eq!(counter.increment(), 1);
        assert_eq!(counter.increment(), 2);
        assert_eq!(counter.get(), 2);
        counter.reset();
        assert_eq!(counter.get(), 0);
    }
}
