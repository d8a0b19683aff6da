//! The `default` SQLite database: parameterised statements, and transactions that either
//! commit whole or roll back whole. Every failure to reach the database is a clean 503.
//!
//! **Connections live with the instance.** A runtime that reuses instances (Spin 4.1 and
//! `jaria up` reuse WASI 0.3 ones) lets a connection outlive its request, and a kept
//! connection skips what a new one costs before its first answer: opening the file and
//! parsing the whole schema (about half a millisecond on real Spin, more than the rest of a
//! read). A request takes a kept connection only when no transaction is open on it, and gives
//! it back only after its last transaction ended in a commit or a rollback and no statement
//! failed; anything else drops it. What a connection carries is settings (and the knowledge
//! that the schema is new enough), never data: the session and the appointment are read in
//! every request, as before. A connection idle for [`KEPT_IDLE_LIMIT`] is not reused: a libSQL
//! server drops a stream after 10 s without a statement.
//!
//! **Two kinds of database behind one interface.** Spin's `default` database is a local
//! SQLite file, or a libSQL server (`sqld`, Turso) through the runtime config. libSQL refuses
//! the connection settings SQLite takes (`PRAGMA busy_timeout`, `PRAGMA synchronous`:
//! "unsupported statement"): it queues writers itself and its durability is the server's
//! setting. Each new connection is probed with the runtime's own busy timeout (a no-op on
//! SQLite, refused by Spin's libSQL client before anything is sent), and one that refuses is
//! remembered as one that takes no setting. On a server every statement may wait (it is a
//! round trip), an instance keeps at most [`MAX_KEPT_ON_SERVER`] connections (each holds one
//! of the server's connection slots), and a kept connection that turns out dead at its first
//! statement (its stream expired, the server restarted) is replaced by a new one
//! (`docs/operations.md` §10).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

// The interface itself (spin:sqlite@3.1.0), for both its synchronous `execute` and its async
// one (the SDK's `Connection` offers only the async one).
use spin_sdk::sqlite::Value;
use spin_sdk::sqlite::wit::sqlite::Connection;

use crate::platform::error::ApiError;
use crate::platform::sql_fault::SqlFault;

pub use spin_sdk::sqlite::RowResult;
pub use spin_sdk::sqlite::Value as SqlValue;

/// A statement's answer: its columns and all its rows.
#[derive(Debug)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<RowResult>,
}

impl QueryResult {
    /// Each row through `read`, in order; the first row it cannot read is the answer.
    pub fn each<T>(
        &self,
        read: impl FnMut(&RowResult) -> Result<T, ApiError>,
    ) -> Result<Vec<T>, ApiError> {
        self.rows.iter().map(read).collect()
    }
}

/// A connection this instance keeps between requests, with what it knows of it.
struct Kept {
    conn: Connection,
    /// The schema was found new enough (versions only grow, so this stays true).
    schema_checked: bool,
    /// The connection commits without waiting for the disk ([`Db::append_unsynced`]); the
    /// next transaction switches it back first.
    unsynced: bool,
    /// The database refuses connection settings (libSQL).
    settings_refused: bool,
    /// When its last request gave it back.
    idle_since: std::time::Instant,
}

thread_local! {
    /// Connections this instance keeps for its next requests (one of the two statics request
    /// handling may touch; it holds connections, never a request's data).
    static KEPT: RefCell<Vec<Kept>> = const { RefCell::new(Vec::new()) };
}

/// Connections kept at most: as many as requests an instance serves at once on Spin (16).
/// Fewer would close and reopen connections at every burst (and a new connection parses the
/// whole schema before its first answer).
const MAX_KEPT: usize = 16;

/// Connections to a libSQL server kept at most. Each is a stream that holds one of the
/// server's connection slots until it is closed (sqld: 128 by default, for every node and
/// instance together; a request that finds none free waits, then fails with "Timed out while
/// opening database connection"), so an instance keeps only a couple for its next requests.
const MAX_KEPT_ON_SERVER: usize = 2;

/// A kept connection idle longer than this is closed rather than reused: a libSQL server
/// expires a stream after 10 s without a statement, and Spin drops an instance idle for 1 s
/// anyway (`--idle-instance-timeout`).
pub const KEPT_IDLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Db {
    /// The connection (an `Rc` so a statement can hold it while another is opened in its
    /// place, see [`Db::execute`]).
    conn: RefCell<Option<Rc<Connection>>>,
    /// The connection came from this instance's pool and has not answered yet: if it turns out
    /// dead (a libSQL stream expired, or the server restarted), a new one takes its place.
    unproven: Cell<bool>,
    schema_checked: bool,
    unsynced: Cell<bool>,
    settings_refused: Cell<bool>,
    /// A transaction is open (from its `BEGIN` until its commit or rollback succeeded).
    in_transaction: Cell<bool>,
    /// A statement failed: the connection is not kept (its state is not known well enough).
    failed: Cell<bool>,
    /// The server ended the open transaction under us ([`SqlFault::TransactionLost`]): none of
    /// its statements count any more, no later one is sent before its rollback, and
    /// [`Db::transaction`] may run the whole work again.
    transaction_lost: Cell<bool>,
}

/// How many times [`Db::transaction`] runs its work when the server ends the transaction
/// under it (a libSQL server takes the write lock back from a transaction held over 5 s when
/// another writer waits: rare, and under load only). Twice: a transaction lost twice in a row
/// means the server is overloaded, and the request answers 503 with `Retry-After`.
const TRANSACTION_ATTEMPTS: u32 = 2;

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable(format!("sqlite: {e}"))
}

impl Db {
    /// The database, once its schema is at the version this code needs (else 503: the
    /// deployment has not been migrated yet, `POST /api/internal/migrate`).
    pub async fn open() -> Result<Self, ApiError> {
        let mut db = Self::open_unchecked().await?;
        if !db.schema_checked {
            let version = db
                .one("PRAGMA user_version", &[])
                .await?
                .and_then(|row| row.get::<i64>(0))
                .unwrap_or(0);
            if version < crate::platform::schema::REQUIRED_VERSION {
                return Err(ApiError::SchemaBehind {
                    found: version,
                    required: crate::platform::schema::REQUIRED_VERSION,
                });
            }
            db.schema_checked = true;
        }
        Ok(db)
    }

    /// The database as it is, whatever its schema version: for the migration runner and the
    /// readiness check, which must work before the schema does.
    pub async fn open_unchecked() -> Result<Self, ApiError> {
        let kept = KEPT.with(|kept| {
            let mut kept = kept.borrow_mut();
            kept.retain(|k| k.idle_since.elapsed() < KEPT_IDLE_LIMIT);
            kept.pop()
        });
        let reused = kept.is_some();
        let kept = match kept {
            Some(kept) => kept,
            None => Kept {
                conn: open_connection().await.map_err(unavailable)?,
                schema_checked: false,
                unsynced: false,
                settings_refused: false,
                idle_since: std::time::Instant::now(),
            },
        };
        let db = Self {
            conn: RefCell::new(Some(Rc::new(kept.conn))),
            unproven: Cell::new(reused),
            schema_checked: kept.schema_checked,
            unsynced: Cell::new(kept.unsynced),
            settings_refused: Cell::new(kept.settings_refused),
            in_transaction: Cell::new(false),
            failed: Cell::new(false),
            transaction_lost: Cell::new(false),
        };
        if !reused {
            // What kind of database this is, at no cost: SQLite takes the runtime's own busy
            // timeout as a no-op, libSQL's client refuses it before anything is sent.
            db.setting(RUNTIME_BUSY_TIMEOUT).await?;
        }
        Ok(db)
    }

    fn conn(&self) -> Option<Rc<Connection>> {
        self.conn.borrow().clone()
    }

    /// One statement, as the runtime answers it; any failure marks the connection as not to
    /// be kept. A statement that cannot wait for another writer runs through the interface's
    /// synchronous `execute`: one call to the runtime, where the async one takes three (the
    /// call, its rows, its outcome). One that may wait (it takes the write lock, or the
    /// database is a server across the network) runs async, so that the instance's other
    /// requests, the lock's holder among them, go on meanwhile.
    async fn run(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<QueryResult, spin_sdk::sqlite::Error> {
        if self.transaction_lost.get() && self.in_transaction.get() && sql != "ROLLBACK" {
            // Sent now, a write would run on its own, outside the transaction it belongs to.
            return Err(spin_sdk::sqlite::Error::Io(
                "the transaction was ended by the database; not sent".to_owned(),
            ));
        }
        let outcome = self.execute(sql, params).await;
        if let Err(e) = &outcome {
            self.failed.set(true);
            if self.in_transaction.get()
                && SqlFault::of(&e.to_string()) == SqlFault::TransactionLost
            {
                self.transaction_lost.set(true);
            }
        }
        outcome
    }

    /// [`Db::run`] for a statement the caller may try again (a busy database): a failure is
    /// the caller's to judge.
    async fn execute(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<QueryResult, spin_sdk::sqlite::Error> {
        let conn = match self.conn() {
            Some(conn) => conn,
            None => {
                // The last one was abandoned (a transaction on it could not be ended): a new
                // one, which sees only what was committed.
                let fresh = Rc::new(open_connection().await?);
                self.conn.replace(Some(Rc::clone(&fresh)));
                fresh
            }
        };
        let outcome = self.execute_on(&conn, sql, params).await;
        if !self.unproven.replace(false) {
            return outcome;
        }
        match outcome {
            Err(e) if SqlFault::of(&e.to_string()) == SqlFault::ConnectionLost => {
                // A kept connection that died while it waited (nothing of this request ran
                // on it yet): a new one, once.
                let fresh = Rc::new(open_connection().await?);
                self.conn.replace(Some(Rc::clone(&fresh)));
                self.execute_on(&fresh, sql, params).await
            }
            outcome => outcome,
        }
    }

    async fn execute_on(
        &self,
        conn: &Connection,
        sql: &str,
        params: &[Value],
    ) -> Result<QueryResult, spin_sdk::sqlite::Error> {
        if self.may_wait(sql) {
            execute_async(conn, sql, params).await
        } else {
            conn.execute(sql, params).map(|result| QueryResult {
                columns: result.columns,
                rows: result.rows,
            })
        }
    }

    /// Whether a statement may have to wait: a write outside a transaction (for the write
    /// lock), anything on a database server. Reads in WAL mode never wait for a writer, and
    /// inside a transaction the lock is taken already (`BEGIN IMMEDIATE`, which waits, runs
    /// async in [`Db::wait_for_write_lock`]) or never will be (a snapshot).
    fn may_wait(&self, sql: &str) -> bool {
        if self.settings_refused.get() {
            return true;
        }
        if self.in_transaction.get() {
            return false;
        }
        let mut words = sql
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty());
        let first = words.next().unwrap_or("");
        let reads = first.eq_ignore_ascii_case("SELECT") || first.eq_ignore_ascii_case("PRAGMA");
        // `BEGIN` (deferred) takes no lock; `BEGIN IMMEDIATE` does.
        let snapshot = first.eq_ignore_ascii_case("BEGIN")
            && words
                .next()
                .is_none_or(|w| w.eq_ignore_ascii_case("DEFERRED"));
        !(reads || snapshot)
    }

    pub async fn query(&self, sql: &str, params: &[Value]) -> Result<QueryResult, ApiError> {
        self.run(sql, params).await.map_err(unavailable)
    }

    pub async fn exec(&self, sql: &str, params: &[Value]) -> Result<(), ApiError> {
        self.query(sql, params).await.map(drop)
    }

    /// The first row of a query, if any.
    pub async fn one(&self, sql: &str, params: &[Value]) -> Result<Option<RowResult>, ApiError> {
        Ok(self.query(sql, params).await?.rows.into_iter().next())
    }

    /// Runs `work` in one write transaction (taken at once, so concurrent writers queue rather
    /// than deadlock); commits if it succeeds, rolls back if it fails. Keep the work short: it
    /// holds the database's single write lock.
    ///
    /// If the database ends the transaction under it (a libSQL server that took the write lock
    /// back), nothing of it was stored, and `work` runs once more from the start, in a new
    /// transaction ([`TRANSACTION_ATTEMPTS`]); so `work` may only change the database (and
    /// it cannot change what it captured: `AsyncFn`).
    pub async fn transaction<T>(
        &self,
        work: impl AsyncFn(&Db) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut attempt = 1;
        loop {
            if self.unsynced.replace(false) {
                // Acknowledged means stored through a power cut.
                self.setting("PRAGMA synchronous = FULL").await?;
            }
            self.transaction_lost.set(false);
            self.begin_write().await?;
            let outcome = work(self).await;
            let finished = self.finish(outcome).await;
            if let Err(e) = &finished
                && self.transaction_lost.replace(false)
            {
                // The operator's to see: frequent, it means the database is overloaded.
                crate::log_line!(
                    "sqlite: the database ended a transaction (attempt {attempt}): {e}"
                );
                if attempt < TRANSACTION_ATTEMPTS {
                    attempt += 1;
                    continue;
                }
                return Err(ApiError::Unavailable(
                    "the database ended the transaction twice (overloaded)".to_owned(),
                ));
            }
            return finished;
        }
    }

    /// Takes the write lock, waiting our own way. SQLite's busy handler, which the runtime
    /// turns on (Spin: 5 s), sleeps a waiting writer in growing steps (1, 2, 5 … 100 ms) and
    /// lets later writers overtake it: under load on real Spin, where nothing queues writers
    /// before SQLite, some waited seconds. With the handler off for this one statement, the
    /// request retries itself, more and more often the longer it has waited (every 2 ms at
    /// first, down to every ¼ ms, with jitter), so the lock goes to the longest waiters first,
    /// roughly as a queue would hand it out. (`jaria up` queues writers before SQLite, so
    /// there the first attempt waits its turn and succeeds.) The handler is back on for every
    /// later statement: a write outside a transaction waits for the lock as the runtime has it.
    async fn begin_write(&self) -> Result<(), ApiError> {
        self.setting("PRAGMA busy_timeout = 0").await?;
        let began = self.wait_for_write_lock().await;
        let restored = self.setting(RUNTIME_BUSY_TIMEOUT).await;
        match (began, restored) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) => {
                self.roll_back().await;
                Err(e)
            }
        }
    }

    /// Rolls back the open transaction. If even that fails, the connection is abandoned:
    /// closing it rolls the transaction back, and the request's later statements run on a
    /// new one. Never read on a connection whose transaction is still open after a failure:
    /// it sees its own uncommitted rows (a filing that is about to vanish would be
    /// acknowledged as stored).
    async fn roll_back(&self) {
        if self.run("ROLLBACK", &[]).await.is_err() {
            self.abandon();
        }
        self.in_transaction.set(false);
    }

    /// Closes the connection without giving it back (the runtime rolls back whatever is open).
    fn abandon(&self) {
        self.failed.set(true);
        self.conn.replace(None);
        // A new connection starts with the runtime's settings.
        self.unsynced.set(false);
    }

    /// Applies a connection setting, unless the database is one that takes none (libSQL
    /// answers "unsupported statement": remembered, not a failure).
    async fn setting(&self, pragma: &str) -> Result<(), ApiError> {
        if self.settings_refused.get() {
            return Ok(());
        }
        match self.execute(pragma, &[]).await.map(drop) {
            Ok(()) => Ok(()),
            Err(e) if SqlFault::of(&e.to_string()) == SqlFault::Unsupported => {
                self.settings_refused.set(true);
                Ok(())
            }
            Err(e) => Err(self.failure(e)),
        }
    }

    async fn wait_for_write_lock(&self) -> Result<(), ApiError> {
        let started = std::time::Instant::now();
        let mut jitter = JitterSource::new();
        loop {
            // The runtime may answer the statement at once, or only with its rows: a busy
            // database is told in either place.
            let attempt = self.execute("BEGIN IMMEDIATE", &[]).await.map(drop);
            match attempt {
                Ok(()) => {
                    self.in_transaction.set(true);
                    return Ok(());
                }
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_RETRY_FOR => {
                    let pause = Duration::from_millis(2)
                        .saturating_sub(started.elapsed() / 8)
                        .max(Duration::from_micros(250));
                    spin_sdk::time::sleep(jitter.between(pause / 2, pause)).await;
                }
                Err(e) => return Err(self.failure(e)),
            }
        }
    }

    fn failure(&self, e: spin_sdk::sqlite::Error) -> ApiError {
        self.failed.set(true);
        unavailable(e)
    }

    /// Appends to a log whose newest rows may be lost to a power failure (never to a crash of
    /// the process): one statement, committed without waiting for the disk — the next
    /// ordinary commit syncs it with its own. State changes never use this; the connection's
    /// next [`Db::transaction`] is durable again.
    pub async fn append_unsynced(&self, sql: &str, params: &[Value]) -> Result<(), ApiError> {
        if !self.unsynced.replace(true) {
            self.setting("PRAGMA synchronous = NORMAL").await?;
        }
        self.with_busy_retry(sql, params).await
    }

    /// Runs `work` in a read transaction: one consistent snapshot, no write lock taken, so reads
    /// never queue behind writers (WAL). A read the server interrupted (libSQL under load:
    /// `SQLITE_INTERRUPT`, [`SqlFault::TransactionLost`]) is read again once, on a new
    /// snapshot: it wrote nothing, so running it again changes nothing.
    pub async fn snapshot<T>(
        &self,
        work: impl AsyncFn(&Db) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut attempt = 1;
        loop {
            self.with_busy_retry("BEGIN DEFERRED", &[]).await?;
            self.transaction_lost.set(false);
            self.in_transaction.set(true);
            let outcome = work(self).await;
            let finished = self.finish(outcome).await;
            if finished.is_err() && self.transaction_lost.replace(false) {
                crate::log_line!("sqlite: the database interrupted a read (attempt {attempt})");
                if attempt < TRANSACTION_ATTEMPTS {
                    attempt += 1;
                    continue;
                }
            }
            return finished;
        }
    }

    /// Runs a statement that may meet a busy database (another writer past the runtime's
    /// busy timeout): retried with backoff for a bounded time before the request gives up
    /// with a 503 and `Retry-After`.
    async fn with_busy_retry(&self, sql: &str, params: &[Value]) -> Result<(), ApiError> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            let attempt = self.execute(sql, params).await.map(drop);
            match attempt {
                Ok(()) => return Ok(()),
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_RETRY_FOR => {
                    spin_sdk::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => return Err(self.failure(e)),
            }
        }
    }

    async fn finish<T>(&self, outcome: Result<T, ApiError>) -> Result<T, ApiError> {
        let end = if outcome.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        match (outcome, self.run(end, &[]).await) {
            (Ok(value), Ok(_)) => {
                self.in_transaction.set(false);
                Ok(value)
            }
            (Ok(_), Err(e)) => {
                self.roll_back().await;
                Err(unavailable(e))
            }
            (Err(e), Ok(_)) => {
                self.in_transaction.set(false);
                Err(e)
            }
            (Err(e), Err(_)) => {
                self.roll_back().await;
                Err(e)
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let Some(conn) = self
            .conn
            .get_mut()
            .take()
            .and_then(|c| Rc::try_unwrap(c).ok())
        else {
            return;
        };
        if self.in_transaction.get() || self.failed.get() {
            // Dropped: the runtime rolls back whatever is open and closes it.
            return;
        }
        let limit = if self.settings_refused.get() {
            MAX_KEPT_ON_SERVER
        } else {
            MAX_KEPT
        };
        let kept = Kept {
            conn,
            schema_checked: self.schema_checked,
            unsynced: self.unsynced.get(),
            settings_refused: self.settings_refused.get(),
            idle_since: std::time::Instant::now(),
        };
        KEPT.with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < limit {
                pool.push(kept);
            }
        });
    }
}

impl crate::platform::schema::Connection for Db {
    async fn execute(
        &self,
        sql: &str,
        params: &[crate::platform::schema::Param<'_>],
    ) -> Result<(), String> {
        self.run(sql, &bind(params))
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn query_text(
        &self,
        sql: &str,
        params: &[crate::platform::schema::Param<'_>],
    ) -> Result<Option<String>, String> {
        let result = self
            .run(sql, &bind(params))
            .await
            .map_err(|e| e.to_string())?;
        Ok(result
            .rows
            .first()
            .and_then(|row| row.get::<&str>(0).map(str::to_owned)))
    }

    async fn query_int(
        &self,
        sql: &str,
        params: &[crate::platform::schema::Param<'_>],
    ) -> Result<Option<i64>, String> {
        let result = self
            .run(sql, &bind(params))
            .await
            .map_err(|e| e.to_string())?;
        Ok(result.rows.first().and_then(|row| row.get::<i64>(0)))
    }

    async fn pause(&self, millis: u64) {
        spin_sdk::time::sleep(Duration::from_millis(millis)).await;
    }
}

fn bind(params: &[crate::platform::schema::Param<'_>]) -> Vec<Value> {
    params
        .iter()
        .map(|p| match p {
            crate::platform::schema::Param::Int(i) => Value::Integer(*i),
            crate::platform::schema::Param::Text(t) => Value::Text((*t).to_owned()),
        })
        .collect()
}

/// A new connection to the `default` database.
async fn open_connection() -> Result<Connection, spin_sdk::sqlite::Error> {
    Connection::open_async(crate::platform::storage::DATABASE_NAME.to_owned()).await
}

/// A statement through the async interface: its rows (all of them: a result left unread
/// would be cancelled), then its outcome, where the runtime reports what failed.
async fn execute_async(
    conn: &Connection,
    sql: &str,
    params: &[Value],
) -> Result<QueryResult, spin_sdk::sqlite::Error> {
    let (columns, rows, outcome) = conn.execute_async(sql.to_owned(), params.to_vec()).await?;
    let rows = rows.collect().await;
    outcome.await?;
    Ok(QueryResult { columns, rows })
}

/// How long a request keeps trying to start a transaction on a busy database.
const BUSY_RETRY_FOR: Duration = Duration::from_secs(10);

/// SQLite's busy timeout as Spin's SQLite host leaves it (rusqlite's default).
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
    fn between(&mut self, low: Duration, high: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let span = high.saturating_sub(low).as_nanos() as u64;
        low + Duration::from_nanos(if span == 0 { 0 } else { self.0 % span })
    }
}

fn is_busy(e: &spin_sdk::sqlite::Error) -> bool {
    SqlFault::of(&e.to_string()) == SqlFault::Busy
}

/// `LIMIT n`, the number written into the statement rather than bound. SQLite plans a bound
/// `LIMIT ?` with the value bound to it, so it compiles the statement again whenever a value
/// is bound: every time it runs (`bench/analysis.md`, "Statements compiled again"). Written
/// in, the statement stays compiled between requests, one per distinct page size. `n` is an
/// integer of ours (a constant, or a page size already parsed and bounded), never request text.
pub fn limit(n: i64) -> String {
    format!("LIMIT {}", n.max(0))
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

#[cfg(test)]
mod tests {
    /// A bound `LIMIT ?` (or `OFFSET ?`) is compiled again at every run ([`super::limit`]):
    /// none in the portal or a component.
    #[test]
    fn no_statement_binds_its_limit() {
        let bound = ["LIMIT", "OFFSET"].map(|word| format!("{word} ?"));
        let mut found = Vec::new();
        for (file, text) in crate::platform::project_sources() {
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                let upper = code.to_ascii_uppercase();
                if !code.starts_with("//") && bound.iter().any(|b| upper.contains(b.as_str())) {
                    found.push(format!("{}:{}", file.display(), n + 1));
                }
            }
        }
        assert!(found.is_empty(), "use platform::db::limit: {found:?}");
    }

    /// The reason for [`super::limit`], kept true: SQLite (as linked by `jaria up`; Spin links
    /// the same major version) compiles a statement whose `LIMIT` is bound again at every run.
    #[test]
    fn sqlite_compiles_a_bound_limit_again_at_every_run_and_a_written_one_once() {
        use rusqlite::StatementStatus::RePrepare;
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        // Split so that the check above does not find the very statement this one shows.
        let bound = concat!("SELECT x FROM t ORDER BY x LIMIT", " ?1");
        let written = format!("SELECT x FROM t ORDER BY x {}", super::limit(50));
        for _ in 0..10 {
            let mut st = conn.prepare_cached(bound).unwrap();
            st.query_map([50], |r| r.get::<_, i64>(0))
                .unwrap()
                .for_each(drop);
            let mut st = conn.prepare_cached(&written).unwrap();
            st.query_map([], |r| r.get::<_, i64>(0))
                .unwrap()
                .for_each(drop);
        }
        assert_eq!(
            conn.prepare_cached(bound).unwrap().get_status(RePrepare),
            10
        );
        assert_eq!(
            conn.prepare_cached(&written).unwrap().get_status(RePrepare),
            0
        );
    }

    #[test]
    fn a_limit_is_a_whole_number_never_below_zero() {
        assert_eq!(super::limit(50), "LIMIT 50");
        assert_eq!(super::limit(-1), "LIMIT 0");
    }
}
