//! Versioned schema migrations: `schema/migrations/NNNN_<name>.sql`, applied in order, each
//! exactly once, each in its own transaction together with its record in `schema_migrations`.
//! A migration that fails leaves the database as it was, and the host refuses to start.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use sha2::Digest;

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("cannot read migrations in {dir}: {source}")]
    ReadDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("migration file name `{0}` must look like NNNN_name.sql")]
    BadName(String),
    #[error("migrations {0} and {1} have the same version number")]
    DuplicateVersion(String, String),
    #[error(
        "migration {name} was changed after it was applied (recorded sha256 {recorded}, file has {current}); add a new migration instead"
    )]
    Changed {
        name: String,
        recorded: String,
        current: String,
    },
    #[error("migration {name} failed and was rolled back, the database is unchanged: {source}")]
    Failed {
        name: String,
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
}

#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    pub name: String,
    pub sql: String,
    pub sha256: String,
}

pub fn load_dir(dir: &Path) -> Result<Vec<Migration>, MigrationError> {
    let read_err = |source| MigrationError::ReadDir {
        dir: dir.to_owned(),
        source,
    };
    let mut migrations = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sql") {
            continue;
        }
        let sql = std::fs::read_to_string(entry.path()).map_err(read_err)?;
        migrations.push(parse(&name, sql)?);
    }
    migrations.sort_by_key(|m| m.version);
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(MigrationError::DuplicateVersion(
                pair[0].name.clone(),
                pair[1].name.clone(),
            ));
        }
    }
    Ok(migrations)
}

fn parse(file_name: &str, sql: String) -> Result<Migration, MigrationError> {
    let bad = || MigrationError::BadName(file_name.to_owned());
    let stem = file_name.strip_suffix(".sql").ok_or_else(bad)?;
    let (number, label) = stem.split_once('_').ok_or_else(bad)?;
    if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) || label.is_empty() {
        return Err(bad());
    }
    let version = number.parse().map_err(|_| bad())?;
    let sha256 = hex::encode(sha2::Sha256::digest(sql.as_bytes()));
    Ok(Migration {
        version,
        name: file_name.to_owned(),
        sql,
        sha256,
    })
}

/// Applies pending migrations; returns the names of those applied now.
pub fn apply(
    conn: &mut Connection,
    migrations: &[Migration],
) -> Result<Vec<String>, MigrationError> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    let mut applied = Vec::new();
    for m in migrations {
        // IMMEDIATE takes the write lock first, so two hosts starting together cannot both
        // decide the same migration is pending.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let recorded: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM schema_migrations WHERE version = ?1",
                [m.version],
                |r| r.get(0),
            )
            .optional()?;
        match recorded {
            Some(recorded) if recorded == m.sha256 => continue,
            Some(recorded) => {
                return Err(MigrationError::Changed {
                    name: m.name.clone(),
                    recorded,
                    current: m.sha256.clone(),
                });
            }
            None => {}
        }
        let failed = |source| MigrationError::Failed {
            name: m.name.clone(),
            source,
        };
        tx.execute_batch(&m.sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at)
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (m.version, &m.name, &m.sha256),
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
        applied.push(m.name.clone());
    }
    Ok(applied)
}

/// Opens the database file, switches it to WAL and applies the migrations in `dir`.
pub fn migrate_file(db: &Path, dir: &Path) -> anyhow::Result<Vec<String>> {
    let migrations = load_dir(dir)?;
    if let Some(parent) = db.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut conn = Connection::open(db)?;
    conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))?;
    Ok(apply(&mut conn, &migrations)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, sql: &str) -> Migration {
        parse(name, sql.to_owned()).expect("valid name")
    }

    #[test]
    fn applies_in_order_exactly_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        let ms = vec![
            m("0001_init.sql", "CREATE TABLE a (x INTEGER);"),
            m("0002_more.sql", "INSERT INTO a VALUES (1);"),
        ];
        assert_eq!(apply(&mut conn, &ms).unwrap().len(), 2);
        assert!(apply(&mut conn, &ms).unwrap().is_empty());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM a", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn failed_migration_leaves_database_unchanged() {
        let mut conn = Connection::open_in_memory().unwrap();
        let ms = vec![
            m("0001_init.sql", "CREATE TABLE a (x INTEGER);"),
            m(
                "0002_bad.sql",
                "CREATE TABLE b (y INTEGER); INSERT INTO nope VALUES (1);",
            ),
        ];
        let err = apply(&mut conn, &ms).unwrap_err();
        assert!(err.to_string().contains("0002_bad.sql"), "{err}");
        let b_exists: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!b_exists, "partial migration must be rolled back");
        let versions: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(versions, 1);
    }

    #[test]
    fn changed_migration_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(
            &mut conn,
            &[m("0001_init.sql", "CREATE TABLE a (x INTEGER);")],
        )
        .unwrap();
        let err = apply(&mut conn, &[m("0001_init.sql", "CREATE TABLE a (x TEXT);")]).unwrap_err();
        assert!(matches!(err, MigrationError::Changed { .. }), "{err}");
    }

    #[test]
    fn names_are_strict() {
        assert!(parse("0001_init.sql", String::new()).is_ok());
        assert!(parse("1_init.sql", String::new()).is_err());
        assert!(parse("0001.sql", String::new()).is_err());
        assert!(parse("abcd_x.sql", String::new()).is_err());
    }
}
