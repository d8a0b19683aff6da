//! The two state files, in Spin's default places and formats so that state moves between this
//! host and `spin up`: `<state-dir>/sqlite_key_value.db` (table `spin_key_value`) and
//! `<state-dir>/sqlite_db.db` (the `default` database). Both run in WAL mode, which persists in
//! the file, so every runtime that opens them afterwards benefits.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub const KV_FILE: &str = "sqlite_key_value.db";
pub const DB_FILE: &str = "sqlite_db.db";

/// How long a writer waits for another writer before reporting the database busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A small pool of connections to one SQLite file. A guest's `connection` resource holds one
/// connection for its whole life, so its `BEGIN … COMMIT` sequences stay on one connection.
#[derive(Debug)]
pub struct SqlitePool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
    /// Key-value writes (one statement each, never suspended) queue here.
    writers: Arc<WriterGate>,
    /// Guests' writing statements queue here, first come first served: one permit, and
    /// tokio's semaphore hands permits out in the order they were asked for. Waiting is
    /// asynchronous, because the holder may be a guest task suspended on this same thread.
    turns: Arc<tokio::sync::Semaphore>,
}

/// A first-come-first-served gate for key-value writers, waited for by blocking the calling
/// thread. Blocking is safe only because a turn is held for one statement that never
/// suspends: the holder always finishes on its own thread. (Guests' SQL, whose transactions
/// span suspensions, waits for [`SqlitePool`]'s `turns` asynchronously instead.)
#[derive(Debug, Default)]
pub struct WriterGate {
    state: Mutex<GateState>,
    turn: std::sync::Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    held: bool,
    next_ticket: u64,
    waiting: std::collections::VecDeque<u64>,
}

/// One writer's turn at the gate; dropping it lets the next writer in.
pub struct GateTurn(Arc<WriterGate>);

impl WriterGate {
    /// Waits up to `wait` for a turn; `None` past it (the writer then meets SQLite's own
    /// locking and its busy timeout).
    pub fn enter(self: &Arc<Self>, wait: Duration) -> Option<GateTurn> {
        let deadline = std::time::Instant::now() + wait;
        let mut state = self.state.lock().ok()?;
        if !state.held && state.waiting.is_empty() {
            state.held = true;
            return Some(GateTurn(Arc::clone(self)));
        }
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.waiting.push_back(ticket);
        loop {
            if !state.held && state.waiting.front() == Some(&ticket) {
                state.waiting.pop_front();
                state.held = true;
                return Some(GateTurn(Arc::clone(self)));
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                state.waiting.retain(|t| *t != ticket);
                drop(state);
                // The next in line may be waiting behind this ticket.
                self.turn.notify_all();
                return None;
            }
            state = self.turn.wait_timeout(state, deadline - now).ok()?.0;
        }
    }

    /// Whether a writer holds the gate now.
    pub fn is_held(&self) -> bool {
        self.state.lock().map(|s| s.held).unwrap_or(false)
    }
}

impl Drop for GateTurn {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.state.lock() {
            state.held = false;
        }
        self.0.turn.notify_all();
    }
}

/// How long a write transaction waits its turn at the gate before it goes on to SQLite's own
/// locking (which then applies its busy timeout).
const WRITER_GATE_WAIT: Duration = Duration::from_secs(10);

/// Whether a statement starts a write transaction (`BEGIN IMMEDIATE` / `EXCLUSIVE`).
fn begins_write_transaction(statement: &str) -> bool {
    let mut words = statement.split_whitespace().map(str::to_ascii_uppercase);
    words.next().as_deref() == Some("BEGIN")
        && matches!(words.next().as_deref(), Some("IMMEDIATE" | "EXCLUSIVE"))
}

/// Process-wide SQLite settings, before the first connection: no memory statistics. With them
/// on (the library's default), every allocation SQLite makes takes one global mutex, and the
/// per-core threads of `jaria up` queue at it (a tenth of a read's time went to futex waits).
/// Nothing here reads the statistics.
pub fn configure_sqlite() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; called once, before any connection
        // of this process exists (else SQLite refuses it with SQLITE_MISUSE, which is harmless).
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(rc, "SQLite memory statistics stay on (configured too late)");
        }
    });
}

/// Switches a database file to WAL. SQLite answers a mode switch that meets another
/// process's lock with "database is locked" at once, without its busy handler (two nodes
/// starting together on one new state dir): tried again until the busy timeout.
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            outcome => return outcome,
        }
    }
}

impl SqlitePool {
    /// Opens (creating if needed) the file, switches it to WAL and runs `init` once.
    pub fn open(path: &Path, init: &str) -> anyhow::Result<Arc<Self>> {
        configure_sqlite();
        let pool = Arc::new(Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            max_idle: 64,
            writers: Arc::default(),
            turns: Arc::new(tokio::sync::Semaphore::new(1)),
        });
        let conn = pool.connect()?;
        let mode = switch_to_wal(&conn)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "could not switch database to WAL mode");
        }
        if !init.is_empty() {
            conn.execute_batch(init)?;
        }
        pool.give_back(conn);
        Ok(pool)
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Durability: in WAL mode FULL syncs the log at every commit, so an acknowledged
        // filing survives power loss as well as a crash (NORMAL would only survive a crash).
        // Writes are small and few; the fsync per commit is the price of "acknowledged means
        // stored". Spin's own SQLite host uses SQLite's default, which is FULL too.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.set_prepared_statement_cache_capacity(64);
        guard(&conn)?;
        Ok(conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection for exclusive use until the guard drops.
    pub fn get(self: &Arc<Self>) -> rusqlite::Result<PooledConnection> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(PooledConnection {
            conn: Some(conn),
            pool: Arc::clone(self),
            writing: Mutex::new(None),
            turn: Mutex::new(None),
        })
    }

    fn give_back(&self, conn: Connection) {
        // A guest that trapped or dropped its connection mid-transaction must not leave the
        // transaction open for the next user of this connection.
        if !conn.is_autocommit()
            && let Err(e) = conn.execute_batch("ROLLBACK")
        {
            tracing::debug!(error = %e, "connection closed, not pooled: rollback failed");
            return;
        }
        // Nothing a request set may reach the next one: settings go back to ours, and a
        // connection that somehow holds more (a TEMP object, another database) is closed.
        if let Err(e) = reset(&conn) {
            tracing::debug!(error = %e, "connection closed, not pooled");
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push(conn);
        }
    }
}

/// Pragmas a guest may run on a pooled connection, and whether it may set them (`true`) or
/// only read them. Every settable one is reset when the connection returns to the pool.
const GUEST_PRAGMAS: [(&str, bool); 16] = [
    ("synchronous", true),
    ("busy_timeout", true),
    ("user_version", true),
    ("journal_mode", true),
    ("foreign_keys", false),
    ("table_info", false),
    ("table_xinfo", false),
    ("index_list", false),
    ("index_info", false),
    ("data_version", false),
    ("page_count", false),
    ("page_size", false),
    ("freelist_count", false),
    ("database_list", false),
    // SQLite runs these itself (ALTER TABLE … ADD COLUMN with a CHECK); they only read.
    ("quick_check", true),
    ("integrity_check", true),
];

/// What a guest may not do with a connection the pool will hand to someone else: attach other
/// files (or create them), create TEMP objects that would outlive its request, or change
/// settings beyond the few that [`reset`] puts back. Spin itself refuses `ATTACH` of files the
/// same way.
fn guard(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::hooks::{AuthAction, Authorization};
    use rusqlite::limits::Limit;
    // No attached databases at all (this also stops `VACUUM INTO`, which attaches its target).
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
        match ctx.action {
            AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
            AuthAction::CreateTempIndex { .. }
            | AuthAction::CreateTempTable { .. }
            | AuthAction::CreateTempTrigger { .. }
            | AuthAction::CreateTempView { .. }
            | AuthAction::CreateVtable { .. } => Authorization::Deny,
            AuthAction::Pragma {
                pragma_name,
                pragma_value,
            } => {
                let allowed = GUEST_PRAGMAS.iter().any(|(name, settable)| {
                    pragma_name.eq_ignore_ascii_case(name)
                        && (*settable || pragma_value.is_none())
                        && (!pragma_name.eq_ignore_ascii_case("journal_mode")
                            || pragma_value.is_none_or(|v| v.eq_ignore_ascii_case("wal")))
                });
                if allowed {
                    Authorization::Allow
                } else {
                    Authorization::Deny
                }
            }
            _ => Authorization::Allow,
        }
    }));
    Ok(())
}

/// Puts back the settings a guest may change, and refuses (so the connection is closed, not
/// pooled) if anything else survived: a TEMP object or another database.
fn reset(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let temp_objects: i64 =
        conn.query_row("SELECT count(*) FROM temp.sqlite_master", [], |r| r.get(0))?;
    // `temp` is listed once anything (this check included) has looked at it; it is empty.
    let attached: i64 = conn.query_row(
        "SELECT count(*) FROM pragma_database_list WHERE name NOT IN ('main', 'temp')",
        [],
        |r| r.get(0),
    )?;
    if temp_objects > 0 || attached > 0 {
        return Err(rusqlite::Error::InvalidQuery);
    }
    Ok(())
}

pub struct PooledConnection {
    conn: Option<Connection>,
    pool: Arc<SqlitePool>,
    /// A key-value write's turn at the blocking gate, for its one statement.
    writing: Mutex<Option<GateTurn>>,
    /// This connection's turn to write guests' SQL: from `BEGIN IMMEDIATE` (or the first
    /// writing statement) until the transaction ends, or for one statement outside one.
    turn: Mutex<Option<Turn>>,
}

/// A turn to write: the database's permit, held until the statements that need it are done,
/// and, for a guest of the background lane, its priority raised meanwhile.
pub struct Turn {
    _permit: tokio::sync::OwnedSemaphorePermit,
    _priority: Option<crate::lanes::WritePriority>,
}

/// Why a statement could not have its turn to write.
#[derive(Debug, thiserror::Error)]
#[error("the database stayed busy: no turn to write within {0:?}")]
pub struct NoTurn(Duration);

impl PooledConnection {
    /// Runs one writing statement in its turn at the gate (key-value writes, which have no
    /// transaction of their own).
    fn write_in_turn<R>(&self, work: impl FnOnce(&Connection) -> R) -> R {
        let turn = self.pool.writers.enter(WRITER_GATE_WAIT);
        if let Ok(mut writing) = self.writing.lock() {
            *writing = turn;
        }
        let result = work(self);
        if let Ok(mut writing) = self.writing.lock() {
            writing.take();
        }
        result
    }

    fn holds_turn(&self) -> bool {
        self.turn.lock().map(|t| t.is_some()).unwrap_or(false)
    }

    /// Whether `statement` must wait for this database's turn to write before it runs:
    /// `BEGIN IMMEDIATE`/`EXCLUSIVE`, and any statement that writes when no turn is held yet
    /// (an autocommit insert, the first write of a deferred transaction). Queued in order,
    /// writers never meet SQLite's busy handler, whose growing sleeps let later writers
    /// overtake earlier ones and would block this thread while the holder cannot run.
    /// A statement that does not prepare is run as it is, to fail with SQLite's own message.
    pub fn needs_turn(&self, statement: &str) -> bool {
        if self.holds_turn() {
            return false;
        }
        if begins_write_transaction(statement) {
            return true;
        }
        if sets_connection_pragma(statement) {
            return false;
        }
        self.prepare_cached(statement)
            .map(|stmt| !stmt.readonly())
            .unwrap_or(false)
    }

    /// The database's queue of writers (to wait in without holding this connection).
    pub fn turns(&self) -> Arc<tokio::sync::Semaphore> {
        Arc::clone(&self.pool.turns)
    }

    /// Keeps a turn to write until the statements that need it are done.
    pub fn hold_turn(&self, held: Turn) {
        if let Ok(mut turn) = self.turn.lock() {
            *turn = Some(held);
        }
    }

    /// Gives the turn back once no transaction is open any more.
    fn release_turn_if_done(&self) {
        if self.is_autocommit()
            && let Ok(mut turn) = self.turn.lock()
        {
            turn.take();
        }
    }
}

/// Waits, first come first served, for a turn to write; at most [`WRITER_GATE_WAIT`].
pub async fn wait_for_turn(turns: Arc<tokio::sync::Semaphore>) -> Result<Turn, NoTurn> {
    let started = std::time::Instant::now();
    let permit = tokio::time::timeout(WRITER_GATE_WAIT, turns.acquire_owned()).await;
    if let Some(metrics) = crate::metrics::get() {
        metrics.writer_gate_waited(started.elapsed());
    }
    match permit {
        Ok(Ok(permit)) => Ok(Turn {
            _permit: permit,
            _priority: crate::lanes::write_priority(),
        }),
        // The semaphore is never closed; a timeout is the database staying busy.
        _ => Err(NoTurn(WRITER_GATE_WAIT)),
    }
}

/// Pragmas that only change this connection's settings (and that a guest may set): they
/// write nothing, whatever SQLite's read-only flag says of them.
fn sets_connection_pragma(statement: &str) -> bool {
    let mut words = statement
        .split(|c: char| c.is_whitespace() || c == '=' || c == '(')
        .filter(|w| !w.is_empty());
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("PRAGMA"))
        && words.next().is_some_and(|w| {
            w.eq_ignore_ascii_case("synchronous") || w.eq_ignore_ascii_case("busy_timeout")
        })
}

impl std::ops::Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Present from construction until drop.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
        // The turn itself is released when `turn` drops, after the rollback above.
    }
}

/// Spin's own key-value table layout.
pub const KV_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS spin_key_value (
    store TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (store, key)
)";

/// The stores of an application: the key-value store and the `default` database.
#[derive(Debug, Clone)]
pub struct State {
    pub kv: crate::kv::KeyValue,
    pub db: Arc<SqlitePool>,
}

impl State {
    /// Spin's default files in `state_dir`.
    pub fn open(state_dir: &Path) -> anyhow::Result<Self> {
        Self::open_with(state_dir, &crate::runtime_config::RuntimeConfig::default())
    }

    /// The stores as a runtime-config file places them (Spin's defaults for what it leaves
    /// out).
    pub fn open_with(
        state_dir: &Path,
        config: &crate::runtime_config::RuntimeConfig,
    ) -> anyhow::Result<Self> {
        use crate::runtime_config::KeyValueConfig;
        std::fs::create_dir_all(state_dir)
            .map_err(|e| anyhow::anyhow!("cannot create state dir {}: {e}", state_dir.display()))?;
        let kv = match &config.key_value {
            None | Some(KeyValueConfig::Spin { path: None }) => {
                crate::kv::KeyValue::Sqlite(SqlitePool::open(&state_dir.join(KV_FILE), KV_SCHEMA)?)
            }
            Some(KeyValueConfig::Spin { path: Some(path) }) => {
                crate::kv::KeyValue::Sqlite(SqlitePool::open(path, KV_SCHEMA)?)
            }
            Some(KeyValueConfig::Redis { url }) => {
                crate::kv::KeyValue::Redis(crate::kv::RedisStore::connect(url)?)
            }
        };
        let db_path = config
            .sqlite
            .as_ref()
            .and_then(|s| s.path.clone())
            .unwrap_or_else(|| state_dir.join(DB_FILE));
        Ok(Self {
            kv,
            db: SqlitePool::open(&db_path, "")?,
        })
    }
}

/// Key-value operations on one store label.
pub mod kv {
    use super::PooledConnection;
    use rusqlite::OptionalExtension;

    pub fn get(c: &PooledConnection, store: &str, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
        c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .query_row((store, key), |r| r.get(0))
            .optional()
    }

    pub fn set(c: &PooledConnection, store: &str, key: &str, value: &[u8]) -> rusqlite::Result<()> {
        c.write_in_turn(|c| {
            c.prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
            )?
            .execute((store, key, value))
            .map(drop)
        })
    }

    pub fn delete(c: &PooledConnection, store: &str, key: &str) -> rusqlite::Result<()> {
        c.write_in_turn(|c| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .execute((store, key))
                .map(drop)
        })
    }

    pub fn exists(c: &PooledConnection, store: &str, key: &str) -> rusqlite::Result<bool> {
        c.prepare_cached("SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .exists((store, key))
    }

    pub fn keys(c: &PooledConnection, store: &str) -> rusqlite::Result<Vec<String>> {
        c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?
            .query_map([store], |r| r.get(0))?
            .collect()
    }
}

/// A column value crossing the guest boundary; one type for both SQLite interface versions.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Null,
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            SqlValue::Integer(i) => ValueRef::Integer(*i),
            SqlValue::Real(f) => ValueRef::Real(*f),
            SqlValue::Text(s) => ValueRef::Text(s.as_bytes()),
            SqlValue::Blob(b) => ValueRef::Blob(b),
            SqlValue::Null => ValueRef::Null,
        }))
    }
}

impl From<rusqlite::types::ValueRef<'_>> for SqlValue {
    fn from(v: rusqlite::types::ValueRef<'_>) -> Self {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => SqlValue::Null,
            ValueRef::Integer(i) => SqlValue::Integer(i),
            ValueRef::Real(f) => SqlValue::Real(f),
            ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
        }
    }
}

#[derive(Debug, Default)]
pub struct QueryOutput {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<SqlValue>>,
}

/// Runs one statement with positional parameters, as Spin's `execute` does. A statement that
/// [needs a turn](PooledConnection::needs_turn) must hold one (the caller waited for it); the
/// turn is given back when no transaction is open any more.
pub fn execute(
    c: &PooledConnection,
    statement: &str,
    params: &[SqlValue],
) -> rusqlite::Result<QueryOutput> {
    let output = run_statement(c, statement, params);
    c.release_turn_if_done();
    output
}

/// [`execute`] after waiting for a turn to write if the statement needs one: for callers that
/// hold the connection across the wait (tests, native tools).
pub async fn execute_in_turn(
    c: &PooledConnection,
    statement: &str,
    params: &[SqlValue],
) -> Result<QueryOutput, ExecuteError> {
    if c.needs_turn(statement) {
        c.hold_turn(wait_for_turn(c.turns()).await?);
    }
    Ok(execute(c, statement, params)?)
}

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Busy(#[from] NoTurn),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

fn run_statement(
    c: &PooledConnection,
    statement: &str,
    params: &[SqlValue],
) -> rusqlite::Result<QueryOutput> {
    let mut stmt = c.prepare_cached(statement)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let width = columns.len();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(SqlValue::from(row.get_ref(i)?));
        }
        out.push(values);
    }
    Ok(QueryOutput { columns, rows: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_immediate_and_exclusive_transactions_queue_as_writers() {
        assert!(begins_write_transaction("BEGIN IMMEDIATE"));
        assert!(begins_write_transaction("  begin   exclusive transaction"));
        assert!(!begins_write_transaction("BEGIN"));
        assert!(!begins_write_transaction("BEGIN DEFERRED"));
        assert!(!begins_write_transaction("SELECT 'BEGIN IMMEDIATE'"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_turn_is_held_for_the_transaction_and_released_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let free = || state.db.turns.available_permits() == 1;
        let a = state.db.get().unwrap();
        let b = state.db.get().unwrap();
        execute_in_turn(&a, "BEGIN IMMEDIATE", &[]).await.unwrap();
        assert!(!free(), "held while open");
        execute_in_turn(&a, "CREATE TABLE t (x)", &[])
            .await
            .unwrap();
        execute_in_turn(&a, "COMMIT", &[]).await.unwrap();
        assert!(free(), "released at commit");
        // A write outside a transaction holds a turn for its one statement.
        assert!(b.needs_turn("INSERT INTO t VALUES (1)"));
        assert!(!b.needs_turn("SELECT x FROM t"));
        assert!(!b.needs_turn("PRAGMA busy_timeout = 0"));
        assert!(!b.needs_turn("PRAGMA synchronous=NORMAL"));
        assert!(b.needs_turn("PRAGMA user_version = 3"));
        execute_in_turn(&b, "INSERT INTO t VALUES (1)", &[])
            .await
            .unwrap();
        assert!(free(), "released after the statement");
        // A deferred transaction takes its turn at its first write and keeps it.
        execute_in_turn(&b, "BEGIN", &[]).await.unwrap();
        assert!(free());
        execute_in_turn(&b, "INSERT INTO t VALUES (2)", &[])
            .await
            .unwrap();
        assert!(!free(), "held from the first write");
        drop(b); // given back mid-transaction: rolled back, and the turn released
        assert!(free());
        let c = state.db.get().unwrap();
        let out = execute(&c, "SELECT count(*) FROM t", &[]).unwrap();
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(1)]]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn writers_on_one_thread_wait_for_a_suspended_holder_without_blocking_it() {
        // The holder's transaction spans a suspension (a guest task awaiting something else);
        // a second writer on the same thread waits asynchronously, so the holder can finish.
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let setup = state.db.get().unwrap();
        execute(&setup, "CREATE TABLE t (x)", &[]).unwrap();
        drop(setup);
        let order = Arc::new(Mutex::new(Vec::new()));
        let holder = {
            let pool = Arc::clone(&state.db);
            let order = Arc::clone(&order);
            async move {
                let c = pool.get().unwrap();
                execute_in_turn(&c, "BEGIN IMMEDIATE", &[]).await.unwrap();
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                execute_in_turn(&c, "INSERT INTO t VALUES (1)", &[])
                    .await
                    .unwrap();
                execute_in_turn(&c, "COMMIT", &[]).await.unwrap();
                order.lock().unwrap().push("holder");
            }
        };
        let waiter = {
            let pool = Arc::clone(&state.db);
            let order = Arc::clone(&order);
            async move {
                tokio::task::yield_now().await;
                let c = pool.get().unwrap();
                execute_in_turn(&c, "INSERT INTO t VALUES (2)", &[])
                    .await
                    .unwrap();
                order.lock().unwrap().push("waiter");
            }
        };
        tokio::join!(holder, waiter);
        assert_eq!(*order.lock().unwrap(), vec!["holder", "waiter"]);
    }

    #[test]
    fn writers_take_turns_in_order_and_give_up_after_their_wait() {
        let gate = Arc::new(WriterGate::default());
        let first = gate.enter(Duration::from_secs(1)).unwrap();
        assert!(gate.enter(Duration::from_millis(20)).is_none(), "timed out");
        let order = Arc::new(Mutex::new(Vec::new()));
        let waiters: Vec<_> = (0..3u64)
            .map(|i| {
                let gate = Arc::clone(&gate);
                let order = Arc::clone(&order);
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(30 * i));
                    let _turn = gate.enter(Duration::from_secs(10)).unwrap();
                    order.lock().unwrap().push(i);
                    std::thread::sleep(Duration::from_millis(5));
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(150));
        assert!(order.lock().unwrap().is_empty(), "all wait for the first");
        drop(first);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2]);
        assert!(!gate.is_held());
    }

    #[test]
    fn kv_round_trip_uses_spin_layout() {
        let dir = tempfile::tempdir().unwrap();
        let pool = SqlitePool::open(&dir.path().join(KV_FILE), KV_SCHEMA).unwrap();
        let c = pool.get().unwrap();
        kv::set(&c, "default", "k", b"v1").unwrap();
        kv::set(&c, "default", "k", b"v2").unwrap();
        assert_eq!(
            kv::get(&c, "default", "k").unwrap().as_deref(),
            Some(&b"v2"[..])
        );
        assert!(kv::exists(&c, "default", "k").unwrap());
        assert_eq!(kv::keys(&c, "default").unwrap(), vec!["k".to_owned()]);
        assert_eq!(kv::get(&c, "other", "k").unwrap(), None);
        kv::delete(&c, "default", "k").unwrap();
        assert!(!kv::exists(&c, "default", "k").unwrap());
        drop(c);
        let raw = Connection::open(dir.path().join(KV_FILE)).unwrap();
        let mode: String = raw
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_guest_cannot_attach_files_make_temp_objects_or_keep_settings() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let c = state.db.get().unwrap();
        let outside = dir.path().join("stolen.db");
        let attach = format!("ATTACH DATABASE '{}' AS x", outside.display());
        assert!(execute(&c, &attach, &[]).is_err());
        let vacuum = format!("VACUUM INTO '{}'", outside.display());
        assert!(execute(&c, &vacuum, &[]).is_err());
        assert!(!outside.exists(), "no file may be created");
        assert!(execute(&c, "CREATE TEMP TABLE t (x)", &[]).is_err());
        assert!(execute(&c, "CREATE TEMP VIEW v AS SELECT 1", &[]).is_err());
        assert!(execute(&c, "PRAGMA writable_schema = ON", &[]).is_err());
        assert!(execute(&c, "PRAGMA schema_version = 1", &[]).is_err());
        assert!(execute(&c, "PRAGMA journal_mode = DELETE", &[]).is_err());
        assert!(execute(&c, "PRAGMA query_only = ON", &[]).is_err());
        // What the app does is allowed.
        execute(&c, "PRAGMA synchronous = OFF", &[]).unwrap();
        execute(&c, "PRAGMA user_version", &[]).unwrap();
        execute(&c, "PRAGMA journal_mode = WAL", &[]).unwrap();
        drop(c);
        // The next user of the pooled connection gets it back as it was.
        let c = state.db.get().unwrap();
        let sync = execute(&c, "PRAGMA synchronous", &[]).unwrap();
        assert_eq!(sync.rows, vec![vec![SqlValue::Integer(2)]], "FULL again");
    }

    #[test]
    fn a_connection_given_back_is_reused_not_reopened() {
        // A new connection parses the whole schema at its first statement: reopening per
        // request is what real Spin pays, and what the pool is there to spare.
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let first = state.db.get().unwrap();
        execute(&first, "CREATE TABLE t (x INTEGER PRIMARY KEY)", &[]).unwrap();
        execute(&first, "INSERT INTO t (x) VALUES (41)", &[]).unwrap();
        drop(first);
        // last_insert_rowid() belongs to the connection: a reopened one says 0.
        for round in 0..3 {
            let again = state.db.get().unwrap();
            let out = execute(&again, "SELECT last_insert_rowid()", &[]).unwrap();
            assert_eq!(
                out.rows,
                vec![vec![SqlValue::Integer(41)]],
                "round {round}: the same connection"
            );
        }
    }

    #[test]
    fn the_apps_migrations_run_on_a_guarded_connection() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let c = state.db.get().unwrap();
        let outcome = jaria_portal::platform::schema::native::apply(
            &c,
            &jaria_portal::platform::schema::embedded(),
        )
        .unwrap();
        assert_eq!(
            outcome.version,
            jaria_portal::platform::schema::REQUIRED_VERSION
        );
    }

    #[test]
    fn open_transaction_is_rolled_back_when_connection_returns_to_pool() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        {
            let c = state.db.get().unwrap();
            execute(&c, "CREATE TABLE t (x INTEGER)", &[]).unwrap();
            execute(&c, "BEGIN", &[]).unwrap();
            execute(&c, "INSERT INTO t VALUES (?)", &[SqlValue::Integer(1)]).unwrap();
        }
        let c = state.db.get().unwrap();
        let out = execute(&c, "SELECT count(*) AS n FROM t", &[]).unwrap();
        assert_eq!(out.columns, vec!["n"]);
        assert_eq!(out.rows, vec![vec![SqlValue::Integer(0)]]);
    }
}
