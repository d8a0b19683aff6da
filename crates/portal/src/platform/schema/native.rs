//! The migration runner's connection over rusqlite: for native tools (the host's `jaria
//! migrate`, its tests) and this crate's own tests. Components never build it.

use rusqlite::OptionalExtension as _;

use super::{Connection, Param};

/// The runner's connection over a rusqlite connection.
pub struct Native<'a>(pub &'a rusqlite::Connection);

fn bind(params: &[Param<'_>]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|p| match p {
            Param::Int(i) => rusqlite::types::Value::Integer(*i),
            Param::Text(t) => rusqlite::types::Value::Text((*t).to_owned()),
        })
        .collect()
}

impl Connection for Native<'_> {
    async fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<(), String> {
        let mut stmt = self.0.prepare(sql).map_err(|e| e.to_string())?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(bind(params)))
            .map_err(|e| e.to_string())?;
        while rows.next().map_err(|e| e.to_string())?.is_some() {}
        Ok(())
    }

    async fn query_text(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<String>, String> {
        self.0
            .query_row(sql, rusqlite::params_from_iter(bind(params)), |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| e.to_string())
    }

    async fn query_int(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<i64>, String> {
        self.0
            .query_row(sql, rusqlite::params_from_iter(bind(params)), |r| {
                r.get::<_, Option<i64>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| e.to_string())
    }

    async fn pause(&self, millis: u64) {
        std::thread::sleep(std::time::Duration::from_millis(millis));
    }
}

/// Runs the migrations over a native connection, which never waits: the runner's future is
/// ready at its first poll.
pub fn apply(
    conn: &rusqlite::Connection,
    migrations: &[super::Migration],
) -> Result<super::Outcome, super::MigrationError> {
    ready(super::apply(&Native(conn), migrations))
}

/// The value of a future that completes without waiting (a native connection's work).
pub fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        // A native connection never returns Pending; polling again is only a guard.
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}
