//! Schema migrations from the host's side. The app migrates itself
//! (`POST /api/internal/migrate`, the runner in `jaria_portal::schema`); `jaria up` calls that
//! endpoint in-process before it serves, exactly as operators call it on real Spin. The same
//! runner also works over a native connection, for `jaria migrate` on a state dir without the
//! components built, and for the host's own tests.

use std::path::Path;

use jaria_portal::schema::{self, Connection as _, Outcome, Param};
use rusqlite::OptionalExtension as _;

/// The runner's connection over rusqlite.
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

impl schema::Connection for Native<'_> {
    fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<(), String> {
        let mut stmt = self.0.prepare(sql).map_err(|e| e.to_string())?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(bind(params)))
            .map_err(|e| e.to_string())?;
        while rows.next().map_err(|e| e.to_string())?.is_some() {}
        Ok(())
    }

    fn query_text(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<String>, String> {
        self.0
            .query_row(sql, rusqlite::params_from_iter(bind(params)), |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| e.to_string())
    }

    fn query_int(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<i64>, String> {
        self.0
            .query_row(sql, rusqlite::params_from_iter(bind(params)), |r| {
                r.get::<_, Option<i64>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| e.to_string())
    }
}

/// Applies the embedded migrations to a database file directly.
pub fn migrate_file(db: &Path) -> anyhow::Result<Outcome> {
    if let Some(parent) = db.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(schema::apply(&Native(&conn), &schema::embedded())?)
}

/// The schema version of a database file (`PRAGMA user_version`).
pub fn version_of(db: &Path) -> anyhow::Result<i64> {
    let conn = rusqlite::Connection::open(db)?;
    Ok(Native(&conn)
        .query_int("PRAGMA user_version", &[])
        .map_err(anyhow::Error::msg)?
        .unwrap_or(0))
}
