//! Access to the `default` key-value store and SQLite database. Every failure to reach them
//! becomes [`ApiError::Unavailable`] (a clean 503 with `Retry-After`), never a trap.

use spin_sdk::key_value::Store;
use spin_sdk::sqlite::{Connection, QueryResult, Value};

use crate::error::ApiError;

pub const STORE_LABEL: &str = "default";
pub const DATABASE_NAME: &str = "default";

pub fn kv() -> Result<Store, ApiError> {
    Store::open(STORE_LABEL).map_err(|e| ApiError::Unavailable(format!("key-value open: {e}")))
}

pub fn db() -> Result<Connection, ApiError> {
    Connection::open(DATABASE_NAME).map_err(|e| ApiError::Unavailable(format!("sqlite open: {e}")))
}

/// Runs one parameterised statement.
pub fn query(db: &Connection, sql: &str, params: &[Value]) -> Result<QueryResult, ApiError> {
    db.execute(sql, params)
        .map_err(|e| ApiError::Unavailable(format!("sqlite: {e}")))
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
