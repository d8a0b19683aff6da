//! Access to the `default` key-value store (the database is [`crate::platform::db::Db`]). Every failure
//! to reach them becomes [`ApiError::Unavailable`] (a clean 503 with `Retry-After`), never a
//! trap.

use spin_sdk::key_value::Store;

use crate::platform::error::ApiError;

pub const STORE_LABEL: &str = "default";
pub const DATABASE_NAME: &str = "default";

pub async fn kv() -> Result<Store, ApiError> {
    Store::open(STORE_LABEL)
        .await
        .map_err(|e| ApiError::Unavailable(format!("key-value open: {e}")))
}

pub async fn kv_get(store: &Store, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    store
        .get(key)
        .await
        .map_err(|e| ApiError::Unavailable(format!("key-value get: {e}")))
}

pub async fn kv_set(store: &Store, key: &str, value: &[u8]) -> Result<(), ApiError> {
    store
        .set(key, value)
        .await
        .map_err(|e| ApiError::Unavailable(format!("key-value set: {e}")))
}
