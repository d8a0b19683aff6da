//! The Spin host interfaces (`fermyon:spin/key-value`, `fermyon:spin/sqlite`,
//! `spin:sqlite/sqlite`, `fermyon:spin/variables`) implemented over the state files.
//! Permission is decided once at start-up (component → granted labels) and checked at `open`.

use wasmtime::component::{HasSelf, Linker, Resource};

use crate::runtime::RequestState;
use crate::storage::{self, PooledConnection, SqlValue};

wasmtime::component::bindgen!({
    path: "wit",
    world: "fermyon:spin/host",
    with: {
        "fermyon:spin/key-value.store": KvStore,
        "fermyon:spin/sqlite.connection": SqlConnection,
        "spin:sqlite/sqlite.connection": SqlConnection3,
    },
});

use fermyon::spin::{key_value, sqlite as sqlite2, variables};
use spin::sqlite::sqlite as sqlite3;

/// A guest's open key-value store: its label, checked against the grants at `open`.
pub struct KvStore {
    label: String,
}

/// A guest's open database connection (`fermyon:spin/sqlite`).
pub struct SqlConnection(PooledConnection);
/// A guest's open database connection (`spin:sqlite/sqlite@3.0.0`).
pub struct SqlConnection3(PooledConnection);

pub fn add_to_linker(linker: &mut Linker<RequestState>) -> wasmtime::Result<()> {
    key_value::add_to_linker::<_, HasSelf<RequestState>>(linker, |s| s)?;
    sqlite2::add_to_linker::<_, HasSelf<RequestState>>(linker, |s| s)?;
    sqlite3::add_to_linker::<_, HasSelf<RequestState>>(linker, |s| s)?;
    variables::add_to_linker::<_, HasSelf<RequestState>>(linker, |s| s)?;
    Ok(())
}

fn kv_error(e: impl std::fmt::Display) -> key_value::Error {
    tracing::error!("key-value store error: {e}");
    key_value::Error::Other(e.to_string())
}

/// Runs one host call: counted in the metrics, and inside a span named as Spin names its own
/// (`spin_key_value.get`, `spin_sqlite.execute`, …), a child of the request's span.
fn host_call<R>(interface: &'static str, operation: &'static str, f: impl FnOnce() -> R) -> R {
    if let Some(metrics) = crate::metrics::get() {
        metrics.host_call(interface, operation);
    }
    if !crate::telemetry::enabled() {
        return f();
    }
    let span = tracing::info_span!(
        "host_call",
        otel.name = %format_args!("{interface}.{operation}"),
        otel.kind = "client",
    );
    span.in_scope(f)
}

/// Runs blocking SQLite work without stalling the async executor's other tasks.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl RequestState {
    fn kv_store(&self, store: &Resource<KvStore>) -> Result<String, key_value::Error> {
        self.table
            .get(store)
            .map(|s| s.label.clone())
            .map_err(kv_error)
    }

    fn kv_with<R>(
        &mut self,
        operation: &'static str,
        store: &Resource<KvStore>,
        op: impl FnOnce(&crate::kv::KeyValue, &str) -> Result<R, crate::kv::KvError>,
    ) -> Result<R, key_value::Error> {
        let label = self.kv_store(store)?;
        let kv = self.app.state.kv.clone();
        self.faults.check().map_err(kv_error)?;
        host_call("spin_key_value", operation, || {
            blocking(|| op(&kv, &label)).map_err(kv_error)
        })
    }

    fn open_database(&mut self, name: &str) -> Result<PooledConnection, DbOpenError> {
        if !self.component.sqlite_databases.contains(name) {
            return Err(DbOpenError::AccessDenied);
        }
        if name != "default" {
            return Err(DbOpenError::NoSuchDatabase);
        }
        self.faults
            .check()
            .map_err(|e| DbOpenError::Io(e.to_string()))?;
        let pool = self.app.state.db.clone();
        let conn = host_call("spin_sqlite", "open", || {
            blocking(|| pool.get()).map_err(|e| DbOpenError::Io(e.to_string()))
        })?;
        self.writer_flags.push(conn.gate_flag());
        Ok(conn)
    }

    /// Runs a guest's statement on the connection its resource holds.
    fn run_sql<C: AsRef<PooledConnection> + 'static>(
        &mut self,
        conn: &Resource<C>,
        statement: &str,
        params: Vec<SqlValue>,
    ) -> Result<storage::QueryOutput, SqlCallError> {
        self.faults
            .check()
            .map_err(|e| SqlCallError::Io(e.to_string()))?;
        let c = self
            .table
            .get(conn)
            .map_err(|_| SqlCallError::InvalidConnection)?;
        host_call("spin_sqlite", "execute", || {
            blocking(|| storage::execute(c.as_ref(), statement, &params))
                .map_err(|e| SqlCallError::Io(e.to_string()))
        })
    }
}

enum SqlCallError {
    InvalidConnection,
    Io(String),
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

enum DbOpenError {
    AccessDenied,
    NoSuchDatabase,
    Io(String),
}

impl key_value::Host for RequestState {}

impl key_value::HostStore for RequestState {
    fn open(&mut self, label: String) -> Result<Resource<KvStore>, key_value::Error> {
        if !self.component.key_value_stores.contains(&label) {
            return Err(key_value::Error::AccessDenied);
        }
        if label != "default" {
            return Err(key_value::Error::NoSuchStore);
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
        self.kv_with("get", &store, |kv, label| kv.get(label, &key))
    }

    fn set(
        &mut self,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), key_value::Error> {
        self.kv_with("set", &store, |kv, label| kv.set(label, &key, &value))
    }

    fn delete(&mut self, store: Resource<KvStore>, key: String) -> Result<(), key_value::Error> {
        self.kv_with("delete", &store, |kv, label| kv.delete(label, &key))
    }

    fn exists(&mut self, store: Resource<KvStore>, key: String) -> Result<bool, key_value::Error> {
        self.kv_with("exists", &store, |kv, label| kv.exists(label, &key))
    }

    fn get_keys(&mut self, store: Resource<KvStore>) -> Result<Vec<String>, key_value::Error> {
        self.kv_with("get_keys", &store, |kv, label| kv.keys(label))
    }

    fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

/// The two SQLite interface versions are the same shape; one macro keeps them identical.
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

        impl From<DbOpenError> for $module::Error {
            fn from(e: DbOpenError) -> Self {
                match e {
                    DbOpenError::AccessDenied => $module::Error::AccessDenied,
                    DbOpenError::NoSuchDatabase => $module::Error::NoSuchDatabase,
                    DbOpenError::Io(m) => $module::Error::Io(m),
                }
            }
        }

        impl From<SqlCallError> for $module::Error {
            fn from(e: SqlCallError) -> Self {
                match e {
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

impl sqlite2::Host for RequestState {}

impl sqlite2::HostConnection for RequestState {
    fn open(&mut self, database: String) -> Result<Resource<SqlConnection>, sqlite2::Error> {
        let conn = self.open_database(&database)?;
        self.table
            .push(SqlConnection(conn))
            .map_err(|e| sqlite2::Error::Io(e.to_string()))
    }

    fn execute(
        &mut self,
        conn: Resource<SqlConnection>,
        statement: String,
        parameters: Vec<sqlite2::Value>,
    ) -> Result<sqlite2::QueryResult, sqlite2::Error> {
        let params = parameters.into_iter().map(Into::into).collect();
        self.run_sql(&conn, &statement, params)
            .map(Into::into)
            .map_err(Into::into)
    }

    fn drop(&mut self, conn: Resource<SqlConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

impl sqlite3::Host for RequestState {}

impl sqlite3::HostConnection for RequestState {
    fn open(&mut self, database: String) -> Result<Resource<SqlConnection3>, sqlite3::Error> {
        let conn = self.open_database(&database)?;
        self.table
            .push(SqlConnection3(conn))
            .map_err(|e| sqlite3::Error::Io(e.to_string()))
    }

    fn execute(
        &mut self,
        conn: Resource<SqlConnection3>,
        statement: String,
        parameters: Vec<sqlite3::Value>,
    ) -> Result<sqlite3::QueryResult, sqlite3::Error> {
        let params = parameters.into_iter().map(Into::into).collect();
        self.run_sql(&conn, &statement, params)
            .map(Into::into)
            .map_err(Into::into)
    }

    fn last_insert_rowid(&mut self, conn: Resource<SqlConnection3>) -> i64 {
        self.table
            .get(&conn)
            .map(|c| c.0.last_insert_rowid())
            .unwrap_or(0)
    }

    fn changes(&mut self, conn: Resource<SqlConnection3>) -> u64 {
        self.table.get(&conn).map(|c| c.0.changes()).unwrap_or(0)
    }

    fn drop(&mut self, conn: Resource<SqlConnection3>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

impl variables::Host for RequestState {
    fn get(&mut self, name: String) -> Result<String, variables::Error> {
        use crate::variables::VariableError;
        host_call("spin_variables", "get", || {
            self.app.variables.get(&self.component.id, &name)
        })
        .map_err(|e| match e {
            VariableError::InvalidName(m) => variables::Error::InvalidName(m),
            VariableError::Undefined(m) => variables::Error::Undefined(m),
            VariableError::Provider(m) => variables::Error::Provider(m),
        })
    }
}
