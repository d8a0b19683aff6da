//! Configuration comes from Spin variables (never from files or the environment of the host),
//! so the same component reads it under this host, `spin up` and SpinKube alike.
//!
//! An instance reads each variable once and keeps what it read for the rest of its life (a
//! reused instance lives for at most a few hundred requests): variables are the deployment's,
//! the same for every request, and a secret rotated by its provider reaches new instances
//! within seconds. This is the second of the two statics request handling may touch.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::platform::error::ApiError;

thread_local! {
    /// Variables this instance has read: the value, or why there is none.
    static READ: RefCell<HashMap<String, Result<String, String>>> = RefCell::new(HashMap::new());
}

async fn get(name: &str) -> Result<String, String> {
    if let Some(known) = READ.with(|read| read.borrow().get(name).cloned()) {
        return known;
    }
    let value = spin_sdk::variables::get(name)
        .await
        .map_err(|e| e.to_string());
    READ.with(|read| {
        read.borrow_mut().insert(name.to_owned(), value.clone());
    });
    value
}

/// A required variable: missing means the deployment is misconfigured (503, logged).
pub async fn required(name: &str) -> Result<String, ApiError> {
    get(name)
        .await
        .map_err(|e| ApiError::Unavailable(format!("variable `{name}`: {e}")))
}

/// An optional variable.
pub async fn optional(name: &str) -> Option<String> {
    get(name).await.ok()
}

/// A variable holding a positive whole number, or `default` when it is unset, empty or not
/// one (a limit set to nonsense falls back to the shipped value, never to "no limit").
pub async fn positive_number(name: &str, default: i64) -> i64 {
    optional(name)
        .await
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}
