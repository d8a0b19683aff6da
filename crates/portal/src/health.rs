//! `GET <prefix>/health`: proves the component can write and read the key-value store and
//! query the database, answering what it saw.

use serde::Serialize;
use spin_sdk::sqlite::Value;

use crate::error::ApiError;
use crate::http::Reply;
use crate::storage;

#[derive(Debug, Serialize)]
pub struct Health {
    pub component: &'static str,
    pub status: &'static str,
    pub key_value: KeyValueCheck,
    pub sqlite: SqliteCheck,
}

#[derive(Debug, Serialize)]
pub struct KeyValueCheck {
    pub key: String,
    pub wrote: String,
    pub read_back: bool,
}

#[derive(Debug, Serialize)]
pub struct SqliteCheck {
    /// Number of schema migrations recorded as applied.
    pub migrations_applied: i64,
}

/// A value that differs on every call, so a stale read cannot pass for a fresh one.
fn probe_value(component: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("random: {e}")))?;
    Ok(format!("{component}-{:016x}", u64::from_le_bytes(bytes)))
}

pub fn check(component: &'static str) -> Result<Reply, ApiError> {
    let store = storage::kv()?;
    let key = format!("health:{component}");
    let wrote = probe_value(component)?;
    storage::kv_set(&store, &key, wrote.as_bytes())?;
    let read_back = storage::kv_get(&store, &key)?.as_deref() == Some(wrote.as_bytes());

    let db = crate::db::Db::open()?;
    let result = db.query(
        "SELECT count(*) FROM schema_migrations WHERE version > ?",
        &[Value::Integer(0)],
    )?;
    let migrations_applied = result
        .rows
        .first()
        .and_then(|row| row.get::<i64>(0))
        .ok_or_else(|| ApiError::Internal("count(*) returned no row".into()))?;

    let healthy = read_back;
    Reply::json(
        if healthy { 200 } else { 503 },
        &Health {
            component,
            status: if healthy { "ok" } else { "degraded" },
            key_value: KeyValueCheck {
                key,
                wrote,
                read_back,
            },
            sqlite: SqliteCheck { migrations_applied },
        },
    )
}
