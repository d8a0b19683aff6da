//! Access to the `default` key-value store (the database is [`crate::db::Db`]). Every failure to reach them
//! becomes [`ApiError::Unavailable`] (a clean 503 with `Retry-After`), never a trap.

use spin_sdk::key_value::Store;

use crate::error::ApiError;

pub const STORE_LABEL: &str = "default";
pub const DATABASE_NAME: &str = "default";

pub fn kv() -> Result<Store, ApiError> {
    Store::open(STORE_LABEL).map_err(|e| ApiError::Unavailable(format!("key-value open: {e}")))
}

pub fn kv_get(store: &Store, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    store
        .get(key)
        .map_err(|e| ApiError::Unavailable(format!("key-value get: {e}")))
}

pub fn kv_set(store: &Store, key: &str, value: &[u8]) -> Result<(), ApiError> {
    store
        .set(key, value)
        .map_err(|e| ApiError::Unavailable(format!("key-value set: {e}")))
}
