//! The key-value store behind `fermyon:spin/key-value`: Spin's own SQLite file (the default)
//! or Redis (runtime config `type = "redis"`), with Spin's semantics on both — keys are not
//! prefixed by store label on Redis, and `get-keys` lists the whole database, as Spin's Redis
//! store does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::Commands as _;

use crate::storage::{self, SqlitePool};

/// How long one Redis call may take before the guest gets an error (and a 503).
const REDIS_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle Redis connections kept for reuse.
const REDIS_IDLE: usize = 64;

#[derive(Debug, Clone)]
pub enum KeyValue {
    Sqlite(Arc<SqlitePool>),
    Redis(Arc<RedisStore>),
}

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

impl KeyValue {
    pub fn get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        match self {
            KeyValue::Sqlite(pool) => Ok(storage::kv::get(&pool.get()?, label, key)?),
            KeyValue::Redis(redis) => redis.with(|c| c.get(key)),
        }
    }

    pub fn set(&self, label: &str, key: &str, value: &[u8]) -> Result<(), KvError> {
        match self {
            KeyValue::Sqlite(pool) => Ok(storage::kv::set(&pool.get()?, label, key, value)?),
            KeyValue::Redis(redis) => redis.with(|c| c.set(key, value)),
        }
    }

    pub fn delete(&self, label: &str, key: &str) -> Result<(), KvError> {
        match self {
            KeyValue::Sqlite(pool) => Ok(storage::kv::delete(&pool.get()?, label, key)?),
            KeyValue::Redis(redis) => redis.with(|c| c.del(key)),
        }
    }

    pub fn exists(&self, label: &str, key: &str) -> Result<bool, KvError> {
        match self {
            KeyValue::Sqlite(pool) => Ok(storage::kv::exists(&pool.get()?, label, key)?),
            KeyValue::Redis(redis) => redis.with(|c| c.exists(key)),
        }
    }

    pub fn keys(&self, label: &str) -> Result<Vec<String>, KvError> {
        match self {
            KeyValue::Sqlite(pool) => Ok(storage::kv::keys(&pool.get()?, label)?),
            KeyValue::Redis(redis) => redis.with(|c| c.keys("*")),
        }
    }

    /// Whether the store answers (the readiness check's question, without a write).
    pub fn ping(&self) -> Result<(), KvError> {
        match self {
            KeyValue::Sqlite(pool) => pool
                .get()?
                .query_row("SELECT 1", [], |_| Ok(()))
                .map_err(KvError::from),
            KeyValue::Redis(redis) => {
                redis.with(|c| redis::cmd("PING").query::<String>(c).map(drop))
            }
        }
    }
}

/// A Redis server, with a few connections kept open.
pub struct RedisStore {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.client.get_connection_info().addr)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects once at start-up, so a wrong URL stops the start instead of every request.
    pub fn connect(url: &str) -> anyhow::Result<Arc<Self>> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("key_value_store.default: bad redis url: {e}"))?;
        let store = Arc::new(Self {
            client,
            idle: Mutex::new(Vec::new()),
        });
        store
            .with(|c| redis::cmd("PING").query::<String>(c).map(drop))
            .map_err(|e| anyhow::anyhow!("key_value_store.default: redis at {url}: {e}"))?;
        Ok(store)
    }

    fn with<T>(
        &self,
        op: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, KvError> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = self.client.get_connection_with_timeout(REDIS_TIMEOUT)?;
                conn.set_read_timeout(Some(REDIS_TIMEOUT))?;
                conn.set_write_timeout(Some(REDIS_TIMEOUT))?;
                conn
            }
        };
        let result = op(&mut conn);
        // A connection that failed is dropped, not pooled: the next call opens a fresh one.
        if result.is_ok()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < REDIS_IDLE
        {
            idle.push(conn);
        }
        Ok(result?)
    }
}
