//! Schema migrations from the host's side. The app migrates itself
//! (`POST /api/internal/migrate`, the runner in `jaria_portal::platform::schema`); `jaria up` calls that
//! endpoint in-process before it serves, exactly as operators call it on real Spin. The same
//! runner also works over a native connection, for `jaria migrate` on a state dir without the
//! components built, and for the host's own tests.

use std::path::Path;

use jaria_portal::platform::schema::native::ready;
use jaria_portal::platform::schema::{self, Connection as _, Outcome};

pub use jaria_portal::platform::schema::native::Native;

/// Applies the embedded migrations to a database file directly.
pub fn migrate_file(db: &Path) -> anyhow::Result<Outcome> {
    if let Some(parent) = db.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(schema::native::apply(&conn, &schema::embedded())?)
}

/// The schema version of a database file (`PRAGMA user_version`).
pub fn version_of(db: &Path) -> anyhow::Result<i64> {
    let conn = rusqlite::Connection::open(db)?;
    Ok(ready(Native(&conn).query_int("PRAGMA user_version", &[]))
        .map_err(anyhow::Error::msg)?
        .unwrap_or(0))
}
