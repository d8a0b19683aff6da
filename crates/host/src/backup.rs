//! `jaria backup` and `jaria restore`: copies of the state files (Spin's own layout, so they
//! serve `spin up` as well as `jaria up`), taken while the portal keeps serving and writing.
//!
//! A backup uses SQLite's online backup API in a single step: all pages are copied inside one
//! read transaction of the source, which in WAL mode blocks no writer and sees one committed
//! state — a consistent snapshot, never a torn file. The copy is then checked
//! (`integrity_check`, and the audit chain of the database) before the backup is reported.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use rusqlite::{Connection, OpenFlags};

// The state files a backup holds, in Spin's layout.
use crate::storage::{DB_FILE as DATABASE_FILE, KV_FILE as KEY_VALUE_FILE};

/// One file copied.
#[derive(Debug, Clone)]
pub struct Copied {
    pub file: PathBuf,
    pub bytes: u64,
}

/// What a backup holds.
#[derive(Debug)]
pub struct Backup {
    pub files: Vec<Copied>,
    /// Rows of the copied audit log, verified.
    pub audit_rows: u64,
    pub audit_last_hash: String,
}

fn integrity_ok(conn: &Connection) -> anyhow::Result<()> {
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        bail!("integrity_check: {verdict}");
    }
    Ok(())
}

/// Copies one SQLite file as one consistent snapshot.
fn copy_online(source: &Path, target: &Path) -> anyhow::Result<Copied> {
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("open {}", source.display()))?;
    // A writer holding the lock briefly must not fail the backup.
    from.busy_timeout(std::time::Duration::from_secs(30))?;
    let mut to =
        Connection::open(target).with_context(|| format!("create {}", target.display()))?;
    {
        let backup = rusqlite::backup::Backup::new(&from, &mut to)?;
        // -1: every page in one step, inside one read transaction of the source.
        backup
            .step(-1)
            .with_context(|| format!("copy {}", source.display()))?;
    }
    integrity_ok(&to).with_context(|| format!("the copy of {}", source.display()))?;
    // The copy keeps the source's WAL mode; fold its log into the file so that the backup is
    // one self-contained file.
    to.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    drop(to);
    let bytes = std::fs::metadata(target)?.len();
    Ok(Copied {
        file: target.to_owned(),
        bytes,
    })
}

/// Backs up `state_dir` into `to` (created; it must not hold files already).
pub fn backup(state_dir: &Path, to: &Path) -> anyhow::Result<Backup> {
    let database = state_dir.join(DATABASE_FILE);
    if !database.exists() {
        bail!("{} has no {DATABASE_FILE} to back up", state_dir.display());
    }
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!("{} is not empty: back up into a new folder", to.display());
    }
    std::fs::create_dir_all(to)?;
    let mut files = vec![copy_online(&database, &to.join(DATABASE_FILE))?];
    let key_value = state_dir.join(KEY_VALUE_FILE);
    if key_value.exists() {
        files.push(copy_online(&key_value, &to.join(KEY_VALUE_FILE))?);
    }
    // The whole check `jaria audit verify` makes: the chain, its checkpoints and the read
    // seals.
    let verified = crate::audit::verify_state_dir(to, &crate::audit::Expect::default())?
        .map_err(|broken| anyhow::anyhow!("the copy's audit chain is broken: {broken}"))?;
    Ok(Backup {
        files,
        audit_rows: verified.rows,
        audit_last_hash: verified.last_hash,
    })
}

/// Backs up the `default` database of a libSQL server into `to` (created; it must not hold
/// files already): one consistent dump of it, loaded into a SQLite file of the same layout as
/// a state dir's backup (so either restores anywhere), then checked the same way.
pub fn backup_server(server: &crate::libsql_server::Server, to: &Path) -> anyhow::Result<Backup> {
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!("{} is not empty: back up into a new folder", to.display());
    }
    std::fs::create_dir_all(to)?;
    let target = to.join(DATABASE_FILE);
    let partial = to.join(format!("{DATABASE_FILE}.partial"));
    {
        let conn =
            Connection::open(&partial).with_context(|| format!("create {}", partial.display()))?;
        server.snapshot_into(&conn)?;
        integrity_ok(&conn).context("the copy of the server's database")?;
    }
    // Named as a backup only once whole.
    std::fs::rename(&partial, &target)?;
    let verified = crate::audit::verify_state_dir(to, &crate::audit::Expect::default())?
        .map_err(|broken| anyhow::anyhow!("the copy's audit chain is broken: {broken}"))?;
    Ok(Backup {
        files: vec![Copied {
            bytes: std::fs::metadata(&target)?.len(),
            file: target,
        }],
        audit_rows: verified.rows,
        audit_last_hash: verified.last_hash,
    })
}

/// Loads a backup (`jaria backup` of a state dir or of a server) into a libSQL server's
/// `default` database, which must be empty (a new server, or a new database on Turso): in
/// one transaction, all of it or nothing.
pub fn restore_to_server(
    from: &Path,
    server: &crate::libsql_server::Server,
) -> anyhow::Result<Copied> {
    let database = from.join(DATABASE_FILE);
    if !database.exists() {
        bail!("{} holds no {DATABASE_FILE}: not a backup", from.display());
    }
    let source = Connection::open_with_flags(&database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    integrity_ok(&source).with_context(|| format!("{} is damaged", database.display()))?;
    server.load_file(&source)?;
    Ok(Copied {
        bytes: std::fs::metadata(&database)?.len(),
        file: database,
    })
}

/// Puts a backup in place in `state_dir` (the portal stopped). Refuses to replace a database
/// unless `force`; removes the replaced files' `-wal` and `-shm`, which would otherwise be
/// replayed into the restored database.
pub fn restore(from: &Path, state_dir: &Path, force: bool) -> anyhow::Result<Vec<Copied>> {
    let database = from.join(DATABASE_FILE);
    if !database.exists() {
        bail!("{} holds no {DATABASE_FILE}: not a backup", from.display());
    }
    std::fs::create_dir_all(state_dir)?;
    if state_dir.join(DATABASE_FILE).exists() && !force {
        bail!(
            "{} already holds a database: stop the portal and add --force to replace it",
            state_dir.display()
        );
    }
    let mut restored = Vec::new();
    for name in [DATABASE_FILE, KEY_VALUE_FILE] {
        let source = from.join(name);
        if !source.exists() {
            continue;
        }
        integrity_ok(&Connection::open_with_flags(
            &source,
            OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?)
        .with_context(|| format!("{} is damaged", source.display()))?;
        let target = state_dir.join(name);
        for suffix in ["-wal", "-shm"] {
            let mut stale = target.clone().into_os_string();
            stale.push(suffix);
            let stale = PathBuf::from(stale);
            if stale.exists() {
                std::fs::remove_file(&stale)
                    .with_context(|| format!("remove {}", stale.display()))?;
            }
        }
        // Copy beside, then rename: a restore cut short leaves the old file or the new one.
        let partial = state_dir.join(format!("{name}.restoring"));
        std::fs::copy(&source, &partial)?;
        std::fs::rename(&partial, &target)?;
        restored.push(Copied {
            bytes: std::fs::metadata(&target)?.len(),
            file: target,
        });
    }
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_with_rows(dir: &Path, rows: i64) {
        let conn = Connection::open(dir.join(DATABASE_FILE)).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        crate::migrate::migrate_file(&dir.join(DATABASE_FILE)).unwrap();
        for x in 0..rows {
            conn.execute("INSERT INTO t (x) VALUES (?1)", [x]).unwrap();
        }
    }

    #[test]
    fn a_backup_restores_with_its_rows_and_refuses_to_overwrite_unasked() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir_all(&state).unwrap();
        database_with_rows(&state, 50);
        let saved = dir.path().join("backup");
        let backup = backup(&state, &saved).unwrap();
        assert_eq!(backup.files.len(), 1);
        assert!(backup.audit_rows == 0 || !backup.audit_last_hash.is_empty());
        assert!(
            super::backup(&state, &saved).is_err(),
            "never into a used folder"
        );

        let target = dir.path().join("restored");
        restore(&saved, &target, false).unwrap();
        let n: i64 = Connection::open(target.join(DATABASE_FILE))
            .unwrap()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 50);
        assert!(
            restore(&saved, &target, false).is_err(),
            "replacing needs --force"
        );
        restore(&saved, &target, true).unwrap();
    }

    #[test]
    fn restore_drops_the_replaced_databases_log() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir_all(&state).unwrap();
        database_with_rows(&state, 3);
        let saved = dir.path().join("backup");
        backup(&state, &saved).unwrap();
        // A later state with a log of its own that must not be replayed into the restore.
        let later = Connection::open(state.join(DATABASE_FILE)).unwrap();
        later
            .execute_batch("PRAGMA wal_autocheckpoint = 0; INSERT INTO t (x) VALUES (99);")
            .unwrap();
        let wal = state.join(format!("{DATABASE_FILE}-wal"));
        assert!(wal.exists());
        std::mem::forget(later); // still open, as a crashed portal would leave it
        restore(&saved, &state, true).unwrap();
        assert!(!wal.exists());
        let n: i64 = Connection::open(state.join(DATABASE_FILE))
            .unwrap()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
    }
}
