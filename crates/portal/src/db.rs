//! The `default` SQLite database: parameterised statements, and transactions that either
//! commit whole or roll back whole. Every failure to reach the database is a clean 503.

use spin_sdk::sqlite::{Connection, QueryResult, RowResult, Value};

use crate::error::ApiError;

pub use spin_sdk::sqlite::Value as SqlValue;

pub struct Db {
    conn: Connection,
    /// Set once this connection has been switched to commits that do not wait for the disk
    /// ([`Db::append_unsynced`]); the next transaction switches it back first.
    unsynced: std::cell::Cell<bool>,
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable(format!("sqlite: {e}"))
}

impl Db {
    /// The database, once its schema is at the version this code needs (else 503: the
    /// deployment has not been migrated yet, `POST /api/internal/migrate`).
    pub fn open() -> Result<Self, ApiError> {
        let db = Self::open_unchecked()?;
        let version = db
            .one("PRAGMA user_version", &[])?
            .and_then(|row| row.get::<i64>(0))
            .unwrap_or(0);
        if version < crate::schema::REQUIRED_VERSION {
            return Err(ApiError::SchemaBehind {
                found: version,
                required: crate::schema::REQUIRED_VERSION,
            });
        }
        Ok(db)
    }

    /// The database as it is, whatever its schema version: for the migration runner and the
    /// readiness check, which must work before the schema does.
    pub fn open_unchecked() -> Result<Self, ApiError> {
        let conn = Connection::open(crate::storage::DATABASE_NAME).map_err(unavailable)?;
        Ok(Self {
            conn,
            unsynced: std::cell::Cell::new(false),
        })
    }

    pub fn query(&self, sql: &str, params: &[Value]) -> Result<QueryResult, ApiError> {
        self.conn.execute(sql, params).map_err(unavailable)
    }

    pub fn exec(&self, sql: &str, params: &[Value]) -> Result<(), ApiError> {
        self.query(sql, params).map(drop)
    }

    /// The first row of a query, if any.
    pub fn one(&self, sql: &str, params: &[Value]) -> Result<Option<RowResult>, ApiError> {
        Ok(self.query(sql, params)?.rows.into_iter().next())
    }

    /// Runs `work` in one write transaction (taken at once, so concurrent writers queue rather
    /// than deadlock); commits if it succeeds, rolls back if it fails. Keep the work short: it
    /// holds the database's single write lock.
    pub fn transaction<T>(
        &self,
        work: impl FnOnce(&Db) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        if self.unsynced.replace(false) {
            // Acknowledged means stored through a power cut.
            self.exec("PRAGMA synchronous = FULL", &[])?;
        }
        self.begin_write()?;
        self.finish(work(self))
    }

    /// Takes the write lock, waiting our own way. SQLite's busy handler, which the runtime
    /// turns on (Spin: 5 s), sleeps a waiting writer in growing steps (1, 2, 5 … 100 ms) and
    /// lets later writers overtake it: under load on real Spin, where nothing queues writers
    /// before SQLite, some waited seconds. With the handler off for this one statement, the
    /// request retries itself, more and more often the longer it has waited (every 2 ms at
    /// first, down to every ¼ ms, with jitter), so the lock goes to the longest waiters first,
    /// roughly as a queue would hand it out.
    fn begin_write(&self) -> Result<(), ApiError> {
        self.exec("PRAGMA busy_timeout = 0", &[])?;
        let began = self.wait_for_write_lock();
        // Every later statement waits as the runtime would have it.
        let restored = self.exec(RUNTIME_BUSY_TIMEOUT, &[]);
        match (began, restored) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) => {
                let _ = self.exec("ROLLBACK", &[]);
                Err(e)
            }
        }
    }

    fn wait_for_write_lock(&self) -> Result<(), ApiError> {
        let started = std::time::Instant::now();
        let mut jitter = JitterSource::new();
        loop {
            match self.conn.execute("BEGIN IMMEDIATE", &[]) {
                Ok(_) => return Ok(()),
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_RETRY_FOR => {
                    let pause = std::time::Duration::from_millis(2)
                        .saturating_sub(started.elapsed() / 8)
                        .max(std::time::Duration::from_micros(250));
                    std::thread::sleep(jitter.between(pause / 2, pause));
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
    }

    /// Appends to a log whose newest rows may be lost to a power failure (never to a crash of
    /// the process): one statement, committed without waiting for the disk — the next
    /// ordinary commit syncs it with its own. State changes never use this; the connection's
    /// next [`Db::transaction`] is durable again.
    pub fn append_unsynced(&self, sql: &str, params: &[Value]) -> Result<(), ApiError> {
        if !self.unsynced.replace(true) {
            self.exec("PRAGMA synchronous = NORMAL", &[])?;
        }
        self.with_busy_retry(|| self.conn.execute(sql, params).map(drop))
    }

    /// Runs `work` in a read transaction: one consistent snapshot, no write lock taken, so reads
    /// never queue behind writers (WAL).
    pub fn snapshot<T>(
        &self,
        work: impl FnOnce(&Db) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.begin("BEGIN DEFERRED")?;
        self.finish(work(self))
    }

    /// Starts a transaction; a busy database is retried ([`Db::with_busy_retry`]).
    fn begin(&self, statement: &str) -> Result<(), ApiError> {
        self.with_busy_retry(|| self.conn.execute(statement, &[]).map(drop))
    }

    /// Runs a statement that takes the write lock. A busy database (another writer past the
    /// runtime's busy timeout) is retried with backoff for a bounded time before the request
    /// gives up with a 503 and `Retry-After`.
    fn with_busy_retry(
        &self,
        mut statement: impl FnMut() -> Result<(), spin_sdk::sqlite::Error>,
    ) -> Result<(), ApiError> {
        let started = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(2);
        loop {
            match statement() {
                Ok(()) => return Ok(()),
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_RETRY_FOR => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
    }

    fn finish<T>(&self, outcome: Result<T, ApiError>) -> Result<T, ApiError> {
        match outcome {
            Ok(value) => match self.exec("COMMIT", &[]) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = self.exec("ROLLBACK", &[]);
                    Err(e)
                }
            },
            Err(e) => {
                let _ = self.exec("ROLLBACK", &[]);
                Err(e)
            }
        }
    }
}

impl crate::schema::Connection for Db {
    fn execute(&self, sql: &str, params: &[crate::schema::Param<'_>]) -> Result<(), String> {
        self.conn
            .execute(sql, &bind(params))
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn query_text(
        &self,
        sql: &str,
        params: &[crate::schema::Param<'_>],
    ) -> Result<Option<String>, String> {
        let result = self
            .conn
            .execute(sql, &bind(params))
            .map_err(|e| e.to_string())?;
        Ok(result
            .rows
            .first()
            .and_then(|row| row.get::<&str>(0).map(str::to_owned)))
    }

    fn query_int(
        &self,
        sql: &str,
        params: &[crate::schema::Param<'_>],
    ) -> Result<Option<i64>, String> {
        let result = self
            .conn
            .execute(sql, &bind(params))
            .map_err(|e| e.to_string())?;
        Ok(result.rows.first().and_then(|row| row.get::<i64>(0)))
    }
}

fn bind(params: &[crate::schema::Param<'_>]) -> Vec<Value> {
    params
        .iter()
        .map(|p| match p {
            crate::schema::Param::Int(i) => Value::Integer(*i),
            crate::schema::Param::Text(t) => Value::Text((*t).to_owned()),
        })
        .collect()
}

/// How long a request keeps trying to start a transaction on a busy database.
const BUSY_RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// The busy timeout put back after [`Db::begin_write`]: what Spin's SQLite host sets.
const RUNTIME_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 5000";

/// Cheap jitter for retry pauses (not a secret: an xorshift seeded from the clock).
struct JitterSource(u64);

impl JitterSource {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
        Self(nanos | 1)
    }

    /// A duration between `low` and `high`.
    fn between(
        &mut self,
        low: std::time::Duration,
        high: std::time::Duration,
    ) -> std::time::Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let span = high.saturating_sub(low).as_nanos() as u64;
        low + std::time::Duration::from_nanos(if span == 0 { 0 } else { self.0 % span })
    }
}

fn is_busy(e: &spin_sdk::sqlite::Error) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("database is locked") || text.contains("busy")
}

pub fn text(v: impl Into<String>) -> Value {
    Value::Text(v.into())
}

pub fn int(v: i64) -> Value {
    Value::Integer(v)
}

pub fn opt_text(v: Option<impl Into<String>>) -> Value {
    v.map(|v| Value::Text(v.into())).unwrap_or(Value::Null)
}

/// Reads a text column; a missing or mistyped column is an internal error, never a panic.
pub fn col_text(row: &RowResult, index: usize) -> Result<String, ApiError> {
    row.get::<&str>(index)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::Internal(format!("column {index} is not text")))
}

pub fn col_opt_text(row: &RowResult, index: usize) -> Option<String> {
    row.get::<&str>(index).map(str::to_owned)
}

pub fn col_opt_int(row: &RowResult, index: usize) -> Option<i64> {
    row.get::<i64>(index)
}

pub fn col_int(row: &RowResult, index: usize) -> Result<i64, ApiError> {
    row.get::<i64>(index)
        .ok_or_else(|| ApiError::Internal(format!("column {index} is not an integer")))
}
