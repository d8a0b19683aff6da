//! The database schema: the migrations embedded at build time, the version the code needs, and
//! the runner that applies pending migrations from inside the app — so a fresh deployment on
//! real Spin or SpinKube migrates itself (`POST /api/internal/migrate`), with no side tool.
//!
//! Each migration runs in its own write transaction together with its record in
//! `schema_migrations` and `PRAGMA user_version`; every request checks `user_version` and
//! answers 503 while the schema is behind the code. Spin runs one statement per call, so the
//! runner splits each file into statements itself ([`split_statements`]).

use sha2::Digest as _;

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    pub sha256: String,
}

/// The embedded migrations, in order.
pub fn embedded() -> Vec<Migration> {
    EMBEDDED
        .iter()
        .map(|(version, name, sql)| Migration {
            version: *version,
            name,
            sql,
            sha256: hex::encode(sha2::Sha256::digest(sql.as_bytes())),
        })
        .collect()
}

/// Splits SQL text into complete statements (without their `;`), as SQLite's own
/// `sqlite3_complete` judges them: semicolons inside strings, quoted names, comments and the
/// `BEGIN … END` body of a trigger (with any `CASE … END` in it) do not end a statement.
/// Statements that are only comments or blanks are dropped.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut i = 0;
    // Words of the current statement, upper-cased, outside strings and comments: enough to see
    // `CREATE [TEMP] TRIGGER` and count `BEGIN`/`CASE` against `END`.
    let mut words: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if b == b'[' { b']' } else { b };
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == close {
                        // A doubled quote is an escaped quote, not the end.
                        if close != b']' && bytes.get(i + 1) == Some(&close) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b';' => {
                let in_trigger = is_trigger(&words);
                if !in_trigger || depth == 0 {
                    push_statement(&mut statements, &sql[start..i]);
                    start = i + 1;
                    words.clear();
                    depth = 0;
                }
                i += 1;
            }
            _ if is_word(b) => {
                let begin = i;
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                let word = sql[begin..i].to_ascii_uppercase();
                if is_trigger(&words) {
                    match word.as_str() {
                        "BEGIN" | "CASE" => depth += 1,
                        "END" => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                // Only the first words matter for the statement's kind.
                if words.len() < 4 {
                    words.push(word);
                }
            }
            _ => i += 1,
        }
    }
    push_statement(&mut statements, &sql[start.min(sql.len())..]);
    statements
}

fn is_trigger(words: &[String]) -> bool {
    matches!(
        words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["CREATE", "TRIGGER", ..] | ["CREATE", "TEMP" | "TEMPORARY", "TRIGGER", ..]
    )
}

/// Keeps a statement unless it holds nothing but blanks and comments.
fn push_statement<'a>(statements: &mut Vec<&'a str>, text: &'a str) {
    let trimmed = text.trim();
    let mut rest = trimmed;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    if !rest.is_empty() {
        statements.push(trimmed);
    }
}

/// A value bound to a migration runner's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param<'a> {
    Int(i64),
    Text(&'a str),
}

/// The little the runner needs of a database connection, so the same runner serves the app
/// (over Spin's SQLite) and native tests (over rusqlite).
#[allow(async_fn_in_trait)] // used generically, within one thread
pub trait Connection {
    /// Runs one statement.
    async fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<(), String>;
    /// The first column of the first row as text (`None`: no row or NULL).
    async fn query_text(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<String>, String>;
    /// The first column of the first row as an integer (`None`: no row or NULL).
    async fn query_int(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<i64>, String>;
    /// Waits a moment before the runner tries again.
    async fn pause(&self, millis: u64);
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "migration {name} was changed after it was applied (recorded sha256 {recorded}, the code has {current}); add a new migration instead"
    )]
    Changed {
        name: String,
        recorded: String,
        current: String,
    },
    #[error(
        "migration {name} failed at statement {statement} and was rolled back, the database is unchanged: {error}"
    )]
    Failed {
        name: String,
        statement: usize,
        error: String,
    },
    #[error("the database could not be read or written: {0}")]
    Database(String),
    #[error(
        "the database is at schema version {found}, newer than this code knows ({known}); run the newer version"
    )]
    Ahead { found: i64, known: i64 },
}

impl MigrationError {
    /// Whether the run failed for a reason of the moment (the lock was busy, a libSQL server
    /// interrupted the statement or took the lock back), not for the migration's own fault:
    /// its transaction was rolled back whole, and running it again may succeed.
    pub fn transient(&self) -> bool {
        match self {
            MigrationError::Failed { error, .. } | MigrationError::Database(error) => {
                crate::platform::sql_fault::SqlFault::of(error).retry_transaction()
            }
            MigrationError::Changed { .. } | MigrationError::Ahead { .. } => false,
        }
    }
}

/// Runs of the whole migration at most, when a run fails for a transient reason.
pub const ATTEMPTS: u32 = 5;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// Migrations applied by this run, by file name.
    pub applied: Vec<String>,
    /// The schema version after the run.
    pub version: i64,
}

/// Applies the pending `migrations`, each in its own `BEGIN IMMEDIATE` transaction (two
/// replicas migrating at once queue at the write lock, and the second finds nothing pending),
/// recording each and moving `user_version` with it. Refuses a migration changed after it was
/// applied. Switches the file to WAL first, which lets readers and the writer run side by side.
///
/// A run that fails for a transient reason ([`MigrationError::transient`]) is run again, up
/// to [`ATTEMPTS`] times: a libSQL server interrupts a statement now and then (its client
/// cancels a finished cursor late, and the cancel lands on the next statement), and every
/// step is safe to repeat, since each migration commits whole with its record or not at all.
pub async fn apply(
    conn: &impl Connection,
    migrations: &[Migration],
) -> Result<Outcome, MigrationError> {
    let mut attempt = 1;
    let mut applied_before = Vec::new();
    loop {
        match apply_once(conn, migrations, &mut applied_before).await {
            Err(e) if e.transient() && attempt < ATTEMPTS => {
                // Whatever the server left open is gone or goes now.
                let _ = conn.execute("ROLLBACK", &[]).await;
                conn.pause(25 * u64::from(attempt)).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// One run of [`apply`]; `applied` gathers what each run applied, across runs.
async fn apply_once(
    conn: &impl Connection,
    migrations: &[Migration],
    applied: &mut Vec<String>,
) -> Result<Outcome, MigrationError> {
    let db = MigrationError::Database;
    // WAL is a property of the file: set once, every later connection (Spin's too) uses it.
    // Another connection holding the file may keep it in its mode for now; that is not fatal.
    let _ = conn.query_text("PRAGMA journal_mode=WAL", &[]).await;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
        &[],
    )
    .await
    .map_err(db)?;
    let known = migrations.iter().map(|m| m.version).max().unwrap_or(0);
    let found = conn
        .query_int("SELECT max(version) FROM schema_migrations", &[])
        .await
        .map_err(db)?
        .unwrap_or(0);
    if found > known {
        return Err(MigrationError::Ahead { found, known });
    }
    // What is recorded already, in one read: a deployment that is up to date (every start,
    // every rollout after the first) checks each checksum here instead of taking a write
    // transaction per migration. One recorded under another checksum, or not recorded, is
    // looked at again inside its own transaction, where another node's run cannot race it.
    let recorded = conn
        .query_text(
            "SELECT group_concat(version || ':' || sha256, ',') FROM schema_migrations",
            &[],
        )
        .await
        .map_err(db)?
        .unwrap_or_default();
    let recorded: std::collections::BTreeSet<&str> = recorded.split(',').collect();
    for m in migrations {
        if recorded.contains(format!("{}:{}", m.version, m.sha256).as_str()) {
            continue;
        }
        conn.execute("BEGIN IMMEDIATE", &[]).await.map_err(db)?;
        let result = apply_one(conn, m).await;
        match result {
            Ok(true) => {
                if let Err(e) = conn.execute("COMMIT", &[]).await {
                    let _ = conn.execute("ROLLBACK", &[]).await;
                    return Err(MigrationError::Failed {
                        name: m.name.to_owned(),
                        statement: 0,
                        error: e,
                    });
                }
                applied.push(m.name.to_owned());
            }
            Ok(false) => {
                conn.execute("COMMIT", &[]).await.map_err(db)?;
            }
            Err(e) => {
                let _ = conn.execute("ROLLBACK", &[]).await;
                return Err(e);
            }
        }
    }
    // A database migrated before `user_version` was kept carries 0 there: bring it level.
    let version = conn
        .query_int("SELECT max(version) FROM schema_migrations", &[])
        .await
        .map_err(db)?
        .unwrap_or(0);
    let current = conn
        .query_int("PRAGMA user_version", &[])
        .await
        .map_err(db)?
        .unwrap_or(0);
    if current < version {
        conn.execute(&format!("PRAGMA user_version = {version}"), &[])
            .await
            .map_err(db)?;
    }
    Ok(Outcome {
        applied: applied.clone(),
        version,
    })
}

/// Applies one migration inside the open transaction; `false` if it was applied before.
async fn apply_one(conn: &impl Connection, m: &Migration) -> Result<bool, MigrationError> {
    let recorded = conn
        .query_text(
            "SELECT sha256 FROM schema_migrations WHERE version = ?",
            &[Param::Int(m.version)],
        )
        .await
        .map_err(MigrationError::Database)?;
    match recorded {
        Some(recorded) if recorded == m.sha256 => return Ok(false),
        Some(recorded) => {
            return Err(MigrationError::Changed {
                name: m.name.to_owned(),
                recorded,
                current: m.sha256.clone(),
            });
        }
        None => {}
    }
    let failed = |statement: usize, error: String| MigrationError::Failed {
        name: m.name.to_owned(),
        statement,
        error,
    };
    for (index, statement) in split_statements(m.sql).into_iter().enumerate() {
        conn.execute(statement, &[])
            .await
            .map_err(|e| failed(index + 1, e))?;
    }
    conn.execute(
        "INSERT INTO schema_migrations (version, name, sha256, applied_at)
         VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        &[
            Param::Int(m.version),
            Param::Text(m.name),
            Param::Text(&m.sha256),
        ],
    )
    .await
    .map_err(|e| failed(0, e))?;
    // PRAGMA takes no parameters; the version is an integer of ours.
    conn.execute(&format!("PRAGMA user_version = {}", m.version), &[])
        .await
        .map_err(|e| failed(0, e))?;
    Ok(true)
}

#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "native"))]
pub mod native;
