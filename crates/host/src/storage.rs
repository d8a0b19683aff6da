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
    /// Write transactions of this database queue here, first come first served.
    writers: Arc<WriterGate>,
}

/// A first-come-first-served gate for writers, held across calls (from `BEGIN IMMEDIATE` to
/// the end of the transaction) and waited for by blocking the calling thread. Blocking is
/// safe: a guest never yields to other requests on its thread while it holds a turn (see the
/// epoch callback in `runtime.rs`), so the holder always runs on another thread.
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

impl SqlitePool {
    /// Opens (creating if needed) the file, switches it to WAL and runs `init` once.
    pub fn open(path: &Path, init: &str) -> anyhow::Result<Arc<Self>> {
        let pool = Arc::new(Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            max_idle: 64,
            writers: Arc::default(),
        });
        let conn = pool.connect()?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
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
            holds_gate: Arc::default(),
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
const GUEST_PRAGMAS: [(&str, bool); 15] = [
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
    /// This connection's turn at the writer gate, held from `BEGIN IMMEDIATE` until the
    /// transaction ends (or the connection is given back, after its rollback).
    writing: Mutex<Option<GateTurn>>,
    /// Whether `writing` holds a turn, for the request that owns this connection to see.
    holds_gate: Arc<std::sync::atomic::AtomicBool>,
}

impl PooledConnection {
    /// Waits for this connection's turn to write. SQLite's busy handler would otherwise make
    /// waiting writers sleep in growing steps and let later ones overtake them: seconds of
    /// tail latency under load. Here they queue in order and each starts the moment the one
    /// before it commits.
    fn enter_writer_gate(&self) {
        let started = std::time::Instant::now();
        let turn = self.pool.writers.enter(WRITER_GATE_WAIT);
        if let Some(metrics) = crate::metrics::get() {
            metrics.writer_gate_waited(started.elapsed());
        }
        self.holds_gate
            .store(turn.is_some(), std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut writing) = self.writing.lock() {
            *writing = turn;
        }
    }

    /// Set while this connection holds its turn at the writer gate.
    pub fn gate_flag(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.holds_gate)
    }

    /// Runs one writing statement in its turn at the gate (key-value writes, which have no
    /// transaction of their own).
    fn write_in_turn<R>(&self, work: impl FnOnce(&Connection) -> R) -> R {
        self.enter_writer_gate();
        let result = work(self);
        self.leave_writer_gate_if_done();
        result
    }

    /// Leaves the gate once no transaction is open any more.
    fn leave_writer_gate_if_done(&self) {
        if self.is_autocommit()
            && let Ok(mut writing) = self.writing.lock()
        {
            writing.take();
            self.holds_gate
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
    }
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
        // The turn itself is released when `writing` drops, after the rollback above.
        self.holds_gate
            .store(false, std::sync::atomic::Ordering::Relaxed);
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

/// Runs one statement with positional parameters, as Spin's `execute` does.
pub fn execute(
    c: &PooledConnection,
    statement: &str,
    params: &[SqlValue],
) -> rusqlite::Result<QueryOutput> {
    if begins_write_transaction(statement) {
        c.enter_writer_gate();
    }
    let output = run_statement(c, statement, params);
    c.leave_writer_gate_if_done();
    output
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

    #[test]
    fn the_gate_is_held_for_the_transaction_and_released_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let a = state.db.get().unwrap();
        let b = state.db.get().unwrap();
        execute(&a, "BEGIN IMMEDIATE", &[]).unwrap();
        assert!(state.db.writers.is_held(), "held while open");
        execute(&a, "CREATE TABLE t (x)", &[]).unwrap();
        execute(&a, "COMMIT", &[]).unwrap();
        assert!(!state.db.writers.is_held(), "released at commit");
        execute(&b, "BEGIN IMMEDIATE", &[]).unwrap();
        drop(b); // given back mid-transaction: rolled back, and the gate released
        assert!(!state.db.writers.is_held());
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
        let outcome = jaria_portal::schema::apply(
            &crate::migrate::Native(&c),
            &jaria_portal::schema::embedded(),
        )
        .unwrap();
        assert_eq!(outcome.version, jaria_portal::schema::REQUIRED_VERSION);
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
