//! Configuration comes from Spin variables (never from files or the environment of the host),
//! so the same component reads it under this host, `spin up` and SpinKube alike.

use crate::error::ApiError;

/// A required variable: missing means the deployment is misconfigured (503, logged).
pub fn required(name: &str) -> Result<String, ApiError> {
    spin_sdk::variables::get(name)
        .map_err(|e| ApiError::Unavailable(format!("variable `{name}`: {e}")))
}

/// An optional variable.
pub fn optional(name: &str) -> Option<String> {
    spin_sdk::variables::get(name).ok()
}
