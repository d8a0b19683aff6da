//! The Spin host interfaces implemented over the state files: `fermyon:spin/key-value`,
//! `fermyon:spin/sqlite` and `fermyon:spin/variables` (spin-sdk 5, WASI 0.2), and
//! `spin:sqlite/sqlite@3.1.0`, `spin:key-value/key-value@3.0.0` and
//! `spin:variables/variables@3.0.0` (spin-sdk 7, WASI 0.3, whose functions are async).
//! Permission is decided once at start-up (component → granted labels) and checked at `open`.
//!
//! A statement that writes waits for the database's turn to write asynchronously (see
//! [`storage::PooledConnection::needs_turn`]), so a guest task suspended inside its
//! transaction never blocks the thread its next statement has to run on.

use wasmtime::component::{Accessor, FutureReader, HasData, Linker, Resource, StreamReader};

use crate::instance::InstanceState;
use crate::storage::{self, PooledConnection, SqlValue};

wasmtime::component::bindgen!({
    path: "wit",
    world: "fermyon:spin/host",
    imports: {
        // Synchronous to the guest, but they may wait for a turn to write.
        "fermyon:spin/sqlite.[method]connection.execute": async,
        "spin:sqlite/sqlite.[method]connection.execute": async,
        // Its answer has no error case: a failure to hand the keys over traps the guest.
        "spin:key-value/key-value.[method]store.get-keys": async | store | trappable,
    },
    with: {
        "fermyon:spin/key-value.store": KvStore,
        "fermyon:spin/sqlite.connection": SqlConnection,
        "spin:sqlite/sqlite.connection": SqlConnection3,
        "spin:key-value/key-value.store": KvStore,
    },
});

use fermyon::spin::{key_value, sqlite as sqlite2, variables};
use spin::key_value::key_value as key_value3;
use spin::sqlite::sqlite as sqlite3;
use spin::variables::variables as variables3;

/// The Spin interfaces' view of a store: its instance's state.
pub struct SpinHost;

impl HasData for SpinHost {
    type Data<'a> = &'a mut InstanceState;
}

/// A guest's open key-value store: its label, checked against the grants at `open`.
pub struct KvStore {
    label: String,
}

/// A guest's open database connection (`fermyon:spin/sqlite`).
pub struct SqlConnection(PooledConnection);
/// A guest's open database connection (`spin:sqlite/sqlite@3.x`).
pub struct SqlConnection3(PooledConnection);

pub fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    key_value::add_to_linker::<_, SpinHost>(linker, |s| s)?;
    sqlite2::add_to_linker::<_, SpinHost>(linker, |s| s)?;
    variables::add_to_linker::<_, SpinHost>(linker, |s| s)?;
    sqlite3::add_to_linker::<_, SpinHost>(linker, |s| s)?;
    key_value3::add_to_linker::<_, SpinHost>(linker, |s| s)?;
    variables3::add_to_linker::<_, SpinHost>(linker, |s| s)?;
    Ok(())
}

fn kv_error(e: impl std::fmt::Display) -> key_value::Error {
    tracing::error!("key-value store error: {e}");
    key_value::Error::Other(e.to_string())
}

fn kv3_error(e: impl std::fmt::Display) -> key_value3::Error {
    tracing::error!("key-value store error: {e}");
    key_value3::Error::Other(e.to_string())
}

/// Runs one host call: counted in the metrics, and inside a span named as Spin names its own
/// (`spin_key_value.get`, `spin_sqlite.execute`, …), a child of the request's span when the
/// instance is working on that one request alone (with several at once, the call cannot be
/// told apart, and its span stands on its own).
fn host_call<R>(
    state: &InstanceState,
    interface: &'static str,
    operation: &'static str,
    f: impl FnOnce() -> R,
) -> R {
    if let Some(metrics) = crate::metrics::get() {
        metrics.host_call(interface, operation);
    }
    if !crate::telemetry::enabled() {
        return f();
    }
    let span = tracing::info_span!(
        parent: state.in_flight.sole_span(),
        "host_call",
        otel.name = %format_args!("{interface}.{operation}"),
        otel.kind = "client",
    );
    span.in_scope(f)
}

/// Runs blocking work without stalling a multi-threaded executor's other tasks (on this
/// host's per-core threads it simply runs: SQLite work is CPU work there).
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Why a database call failed, before it is put in either interface version's terms.
enum SqlCallError {
    AccessDenied,
    NoSuchDatabase,
    InvalidConnection,
    Io(String),
}

impl InstanceState {
    fn kv_label(&self, store: &Resource<KvStore>) -> Result<String, String> {
        self.table
            .get(store)
            .map(|s| s.label.clone())
            .map_err(|e| e.to_string())
    }

    fn kv_with<R>(
        &mut self,
        operation: &'static str,
        label: &str,
        op: impl FnOnce(&crate::kv::KeyValue, &str) -> Result<R, crate::kv::KvError>,
    ) -> Result<R, String> {
        let kv = self.app.state.kv.clone();
        self.faults.check().map_err(|e| e.to_string())?;
        host_call(self, "spin_key_value", operation, || {
            blocking(|| op(&kv, label)).map_err(|e| e.to_string())
        })
    }

    /// A store label the component was granted (and that exists).
    fn kv_open(&self, label: &str) -> Result<(), KvOpenError> {
        if !self.component.key_value_stores.contains(label) {
            return Err(KvOpenError::AccessDenied);
        }
        if label != "default" {
            return Err(KvOpenError::NoSuchStore);
        }
        Ok(())
    }

    fn open_database(&mut self, name: &str) -> Result<PooledConnection, SqlCallError> {
        if !self.component.sqlite_databases.contains(name) {
            return Err(SqlCallError::AccessDenied);
        }
        if name != "default" {
            return Err(SqlCallError::NoSuchDatabase);
        }
        self.faults
            .check()
            .map_err(|e| SqlCallError::Io(e.to_string()))?;
        let pool = self.app.state.db.clone();
        host_call(self, "spin_sqlite", "open", || {
            blocking(|| pool.get()).map_err(|e| SqlCallError::Io(e.to_string()))
        })
    }

    /// The connection a guest's resource holds.
    fn connection<C: AsRef<PooledConnection> + 'static>(
        &self,
        conn: &Resource<C>,
    ) -> Result<&PooledConnection, SqlCallError> {
        self.table
            .get(conn)
            .map(AsRef::as_ref)
            .map_err(|_| SqlCallError::InvalidConnection)
    }

    /// The queue to wait in before `statement` may run, if it writes and holds no turn yet.
    fn turn_to_wait_for<C: AsRef<PooledConnection> + 'static>(
        &self,
        conn: &Resource<C>,
        statement: &str,
    ) -> Result<Option<std::sync::Arc<tokio::sync::Semaphore>>, SqlCallError> {
        let c = self.connection(conn)?;
        Ok(c.needs_turn(statement).then(|| c.turns()))
    }

    /// Runs a guest's statement on the connection its resource holds, in the turn `permit`
    /// (waited for by the caller) if it needed one. Taking the turn and running the
    /// statement happen together, so a guest that abandons its call cannot leave a turn held.
    fn run_sql<C: AsRef<PooledConnection> + 'static>(
        &mut self,
        conn: &Resource<C>,
        statement: &str,
        params: &[SqlValue],
        permit: Option<storage::Turn>,
    ) -> Result<storage::QueryOutput, SqlCallError> {
        let lose_commit = self.faults.loses_commit(statement);
        let c = self.connection(conn)?;
        if let Some(permit) = permit {
            c.hold_turn(permit);
        }
        if lose_commit {
            // What a libSQL server does to a transaction whose write lock it took back.
            host_call(self, "spin_sqlite", "execute", || {
                storage::execute(c, "ROLLBACK", &[]).map_err(|e| SqlCallError::Io(e.to_string()))
            })?;
            return Err(SqlCallError::Io(crate::faults::LOST_TRANSACTION.to_owned()));
        }
        host_call(self, "spin_sqlite", "execute", || {
            storage::execute(c, statement, params).map_err(|e| SqlCallError::Io(e.to_string()))
        })
    }

    /// The whole of a synchronous `execute` (both interface versions): the guest waits, this
    /// thread does not.
    async fn execute_sync_call<C: AsRef<PooledConnection> + 'static>(
        &mut self,
        conn: Resource<C>,
        statement: String,
        params: Vec<SqlValue>,
    ) -> Result<storage::QueryOutput, SqlCallError> {
        self.faults
            .check_async()
            .await
            .map_err(|e| SqlCallError::Io(e.to_string()))?;
        let permit = match self.turn_to_wait_for(&conn, &statement)? {
            Some(turns) => Some(
                storage::wait_for_turn(turns)
                    .await
                    .map_err(|e| SqlCallError::Io(e.to_string()))?,
            ),
            None => None,
        };
        self.run_sql(&conn, &statement, &params, permit)
    }
}

enum KvOpenError {
    AccessDenied,
    NoSuchStore,
}

impl AsRef<PooledConnection> for SqlConnection {
    fn as_ref(&self) -> &PooledConnection {
        &self.0
    }
}

impl AsRef<PooledConnection> for SqlConnection3 {
    fn as_ref(&self) -> &PooledConnection {
        &self.0
    }
}

// --- fermyon:spin/key-value (spin-sdk 5) -------------------------------------------------

impl key_value::Host for InstanceState {}

impl key_value::HostStore for InstanceState {
    fn open(&mut self, label: String) -> Result<Resource<KvStore>, key_value::Error> {
        match self.kv_open(&label) {
            Err(KvOpenError::AccessDenied) => return Err(key_value::Error::AccessDenied),
            Err(KvOpenError::NoSuchStore) => return Err(key_value::Error::NoSuchStore),
            Ok(()) => {}
        }
        self.table
            .push(KvStore { label })
            .map_err(|_| key_value::Error::StoreTableFull)
    }

    fn get(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> Result<Option<Vec<u8>>, key_value::Error> {
        let label = self.kv_label(&store).map_err(kv_error)?;
        self.kv_with("get", &label, |kv, label| kv.get(label, &key))
            .map_err(kv_error)
    }

    fn set(
        &mut self,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), key_value::Error> {
        let label = self.kv_label(&store).map_err(kv_error)?;
        self.kv_with("set", &label, |kv, label| kv.set(label, &key, &value))
            .map_err(kv_error)
    }

    fn delete(&mut self, store: Resource<KvStore>, key: String) -> Result<(), key_value::Error> {
        let label = self.kv_label(&store).map_err(kv_error)?;
        self.kv_with("delete", &label, |kv, label| kv.delete(label, &key))
            .map_err(kv_error)
    }

    fn exists(&mut self, store: Resource<KvStore>, key: String) -> Result<bool, key_value::Error> {
        let label = self.kv_label(&store).map_err(kv_error)?;
        self.kv_with("exists", &label, |kv, label| kv.exists(label, &key))
            .map_err(kv_error)
    }

    fn get_keys(&mut self, store: Resource<KvStore>) -> Result<Vec<String>, key_value::Error> {
        let label = self.kv_label(&store).map_err(kv_error)?;
        self.kv_with("get_keys", &label, |kv, label| kv.keys(label))
            .map_err(kv_error)
    }

    fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

// --- spin:key-value/key-value@3.0.0 (spin-sdk 7) ------------------------------------------

impl key_value3::Host for InstanceState {}

impl key_value3::HostStore for InstanceState {
    fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

/// One key-value operation of a spin-sdk 7 guest, on the store its resource names.
fn kv3_call<T, R>(
    accessor: &Accessor<T, SpinHost>,
    operation: &'static str,
    store: &Resource<KvStore>,
    op: impl FnOnce(&crate::kv::KeyValue, &str) -> Result<R, crate::kv::KvError>,
) -> Result<R, key_value3::Error> {
    accessor.with(|mut access| {
        let state = access.get();
        let label = state.kv_label(store).map_err(kv3_error)?;
        state.kv_with(operation, &label, op).map_err(kv3_error)
    })
}

impl<T> key_value3::HostStoreWithStore<T> for SpinHost {
    async fn open(
        accessor: &Accessor<T, Self>,
        label: String,
    ) -> Result<Resource<KvStore>, key_value3::Error> {
        accessor.with(|mut access| {
            let state = access.get();
            match state.kv_open(&label) {
                Err(KvOpenError::AccessDenied) => return Err(key_value3::Error::AccessDenied),
                Err(KvOpenError::NoSuchStore) => return Err(key_value3::Error::NoSuchStore),
                Ok(()) => {}
            }
            state
                .table
                .push(KvStore { label })
                .map_err(|_| key_value3::Error::StoreTableFull)
        })
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> Result<Option<Vec<u8>>, key_value3::Error> {
        kv3_call(accessor, "get", &store, |kv, label| kv.get(label, &key))
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), key_value3::Error> {
        kv3_call(accessor, "set", &store, |kv, label| {
            kv.set(label, &key, &value)
        })
    }

    async fn delete(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> Result<(), key_value3::Error> {
        kv3_call(accessor, "delete", &store, |kv, label| {
            kv.delete(label, &key)
        })
    }

    async fn exists(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> Result<bool, key_value3::Error> {
        kv3_call(accessor, "exists", &store, |kv, label| {
            kv.exists(label, &key)
        })
    }

    async fn get_keys(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
    ) -> wasmtime::Result<(
        StreamReader<String>,
        FutureReader<Result<(), key_value3::Error>>,
    )> {
        let keys = kv3_call(accessor, "get_keys", &store, |kv, label| kv.keys(label));
        accessor.with(|mut access| {
            let (keys, outcome) = match keys {
                Ok(keys) => (keys, Ok(())),
                Err(e) => (Vec::new(), Err(e)),
            };
            // Creating the pair fails only if the store's table is full: the guest traps,
            // as for any other host resource it cannot be given.
            let stream = StreamReader::new(&mut access, keys)?;
            let done = FutureReader::new(
                &mut access,
                async move { Ok::<_, wasmtime::Error>(outcome) },
            )?;
            Ok((stream, done))
        })
    }
}

// --- fermyon:spin/sqlite and spin:sqlite@3.x: values and errors ----------------------------

/// The SQLite interface versions are the same shape; one macro keeps them identical.
macro_rules! sqlite_values {
    ($module:ident) => {
        impl From<$module::Value> for SqlValue {
            fn from(v: $module::Value) -> Self {
                match v {
                    $module::Value::Integer(i) => SqlValue::Integer(i),
                    $module::Value::Real(f) => SqlValue::Real(f),
                    $module::Value::Text(s) => SqlValue::Text(s),
                    $module::Value::Blob(b) => SqlValue::Blob(b),
                    $module::Value::Null => SqlValue::Null,
                }
            }
        }

        impl From<SqlValue> for $module::Value {
            fn from(v: SqlValue) -> Self {
                match v {
                    SqlValue::Integer(i) => $module::Value::Integer(i),
                    SqlValue::Real(f) => $module::Value::Real(f),
                    SqlValue::Text(s) => $module::Value::Text(s),
                    SqlValue::Blob(b) => $module::Value::Blob(b),
                    SqlValue::Null => $module::Value::Null,
                }
            }
        }

        impl From<SqlCallError> for $module::Error {
            fn from(e: SqlCallError) -> Self {
                match e {
                    SqlCallError::AccessDenied => $module::Error::AccessDenied,
                    SqlCallError::NoSuchDatabase => $module::Error::NoSuchDatabase,
                    SqlCallError::InvalidConnection => $module::Error::InvalidConnection,
                    SqlCallError::Io(m) => $module::Error::Io(m),
                }
            }
        }

        impl From<storage::QueryOutput> for $module::QueryResult {
            fn from(out: storage::QueryOutput) -> Self {
                $module::QueryResult {
                    columns: out.columns,
                    rows: out
                        .rows
                        .into_iter()
                        .map(|row| $module::RowResult {
                            values: row.into_iter().map(Into::into).collect(),
                        })
                        .collect(),
                }
            }
        }
    };
}

sqlite_values!(sqlite2);
sqlite_values!(sqlite3);

// --- fermyon:spin/sqlite (spin-sdk 5) -----------------------------------------------------

impl sqlite2::Host for InstanceState {}

impl sqlite2::HostConnection for InstanceState {
    fn open(&mut self, database: String) -> Result<Resource<SqlConnection>, sqlite2::Error> {
        let conn = self.open_database(&database)?;
        self.table
            .push(SqlConnection(conn))
            .map_err(|e| sqlite2::Error::Io(e.to_string()))
    }

    async fn execute(
        &mut self,
        conn: Resource<SqlConnection>,
        statement: String,
        parameters: Vec<sqlite2::Value>,
    ) -> Result<sqlite2::QueryResult, sqlite2::Error> {
        let params = parameters.into_iter().map(Into::into).collect();
        self.execute_sync_call(conn, statement, params)
            .await
            .map(Into::into)
            .map_err(Into::into)
    }

    fn drop(&mut self, conn: Resource<SqlConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

// --- spin:sqlite/sqlite@3.1.0 (3.0.0 for spin-sdk 5, the async functions for spin-sdk 7) ----

impl sqlite3::Host for InstanceState {}

impl sqlite3::HostConnection for InstanceState {
    fn open(&mut self, database: String) -> Result<Resource<SqlConnection3>, sqlite3::Error> {
        let conn = self.open_database(&database)?;
        self.table
            .push(SqlConnection3(conn))
            .map_err(|e| sqlite3::Error::Io(e.to_string()))
    }

    async fn execute(
        &mut self,
        conn: Resource<SqlConnection3>,
        statement: String,
        parameters: Vec<sqlite3::Value>,
    ) -> Result<sqlite3::QueryResult, sqlite3::Error> {
        let params = parameters.into_iter().map(Into::into).collect();
        self.execute_sync_call(conn, statement, params)
            .await
            .map(Into::into)
            .map_err(Into::into)
    }

    fn last_insert_rowid(&mut self, conn: Resource<SqlConnection3>) -> i64 {
        self.connection(&conn)
            .map(|c| c.last_insert_rowid())
            .unwrap_or(0)
    }

    fn changes(&mut self, conn: Resource<SqlConnection3>) -> u64 {
        self.connection(&conn).map(|c| c.changes()).unwrap_or(0)
    }

    fn drop(&mut self, conn: Resource<SqlConnection3>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

type RowsAndOutcome = (
    Vec<String>,
    StreamReader<sqlite3::RowResult>,
    FutureReader<Result<(), sqlite3::Error>>,
);

impl<T> sqlite3::HostConnectionWithStore<T> for SpinHost {
    async fn open_async(
        accessor: &Accessor<T, Self>,
        database: String,
    ) -> Result<Resource<SqlConnection3>, sqlite3::Error> {
        accessor.with(|mut access| {
            let state = access.get();
            let conn = state.open_database(&database)?;
            state
                .table
                .push(SqlConnection3(conn))
                .map_err(|e| sqlite3::Error::Io(e.to_string()))
        })
    }

    async fn execute_async(
        accessor: &Accessor<T, Self>,
        conn: Resource<SqlConnection3>,
        statement: String,
        parameters: Vec<sqlite3::Value>,
    ) -> Result<RowsAndOutcome, sqlite3::Error> {
        let faults = accessor.with(|mut access| access.get().faults.clone());
        faults
            .check_async()
            .await
            .map_err(|e| sqlite3::Error::Io(e.to_string()))?;
        let params: Vec<SqlValue> = parameters.into_iter().map(Into::into).collect();
        let turns = accessor.with(|mut access| access.get().turn_to_wait_for(&conn, &statement))?;
        let permit = match turns {
            Some(turns) => Some(
                storage::wait_for_turn(turns)
                    .await
                    .map_err(|e| sqlite3::Error::Io(e.to_string()))?,
            ),
            None => None,
        };
        accessor.with(|mut access| {
            let output = access.get().run_sql(&conn, &statement, &params, permit)?;
            let result: sqlite3::QueryResult = output.into();
            let rows = StreamReader::new(&mut access, result.rows)
                .map_err(|e| sqlite3::Error::Io(e.to_string()))?;
            let done = FutureReader::new(&mut access, async {
                Ok::<_, wasmtime::Error>(Ok::<(), sqlite3::Error>(()))
            })
            .map_err(|e| sqlite3::Error::Io(e.to_string()))?;
            Ok((result.columns, rows, done))
        })
    }

    async fn last_insert_rowid_async(
        accessor: &Accessor<T, Self>,
        conn: Resource<SqlConnection3>,
    ) -> i64 {
        accessor.with(|mut access| {
            access
                .get()
                .connection(&conn)
                .map(|c| c.last_insert_rowid())
                .unwrap_or(0)
        })
    }

    async fn changes_async(accessor: &Accessor<T, Self>, conn: Resource<SqlConnection3>) -> u64 {
        accessor.with(|mut access| {
            access
                .get()
                .connection(&conn)
                .map(|c| c.changes())
                .unwrap_or(0)
        })
    }
}

// --- variables ---------------------------------------------------------------------------

impl InstanceState {
    fn variable(&self, name: &str) -> Result<String, crate::variables::VariableError> {
        host_call(self, "spin_variables", "get", || {
            self.app.variables.get(&self.component.id, name)
        })
    }
}

impl variables::Host for InstanceState {
    fn get(&mut self, name: String) -> Result<String, variables::Error> {
        use crate::variables::VariableError;
        self.variable(&name).map_err(|e| match e {
            VariableError::InvalidName(m) => variables::Error::InvalidName(m),
            VariableError::Undefined(m) => variables::Error::Undefined(m),
            VariableError::Provider(m) => variables::Error::Provider(m),
        })
    }
}

impl variables3::Host for InstanceState {}

impl<T> variables3::HostWithStore<T> for SpinHost {
    async fn get(accessor: &Accessor<T, Self>, name: String) -> Result<String, variables3::Error> {
        use crate::variables::VariableError;
        accessor.with(|mut access| {
            access.get().variable(&name).map_err(|e| match e {
                VariableError::InvalidName(m) => variables3::Error::InvalidName(m),
                VariableError::Undefined(m) => variables3::Error::Undefined(m),
                VariableError::Provider(m) => variables3::Error::Provider(m),
            })
        })
    }
}
