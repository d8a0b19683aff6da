use super::native::ready;
use super::*;

use super::native::Native;

fn m(version: i64, name: &'static str, sql: &'static str) -> Migration {
    Migration {
        version,
        name,
        sql,
        sha256: hex::encode(sha2::Sha256::digest(sql.as_bytes())),
    }
}

fn memory() -> rusqlite::Connection {
    rusqlite::Connection::open_in_memory().unwrap()
}

#[test]
fn statements_split_at_semicolons_outside_strings_comments_and_trigger_bodies() {
    let sql = "-- a comment; with a semicolon\n\
        CREATE TABLE a (x TEXT DEFAULT 'a;b', \"we;ird\" INTEGER); /* c; */\n\
        CREATE TRIGGER t BEFORE DELETE ON a\n\
        BEGIN\n    SELECT CASE WHEN 1 THEN RAISE(ABORT, 'no; way') END;\n    SELECT 1;\nEND;\n\
        INSERT INTO a VALUES ('it''s; fine', 1);\n\
        -- only a comment at the end;\n";
    let statements = split_statements(sql);
    assert_eq!(statements.len(), 3, "{statements:#?}");
    assert!(
        statements[0].ends_with("\"we;ird\" INTEGER)"),
        "{}",
        statements[0]
    );
    assert!(
        statements[1].starts_with("/* c; */\nCREATE TRIGGER"),
        "{}",
        statements[1]
    );
    assert!(statements[1].ends_with("END"), "{}", statements[1]);
    assert_eq!(statements[2], "INSERT INTO a VALUES ('it''s; fine', 1)");
}

#[test]
fn every_embedded_migration_splits_into_statements_sqlite_calls_complete() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    for migration in embedded() {
        for statement in split_statements(migration.sql) {
            // Each piece prepares as exactly one statement with nothing left over.
            let rest = {
                let mut stmt = conn.prepare(statement);
                // Later statements may refer to tables of earlier ones: run as we go.
                if let Ok(s) = stmt.as_mut() {
                    let _ = s.raw_execute();
                }
                stmt.map(|_| ()).map_err(|e| e.to_string())
            };
            assert!(
                rest.is_ok(),
                "{}: `{statement}` does not prepare: {rest:?}",
                migration.name
            );
        }
    }
}

#[test]
fn the_required_version_is_the_newest_embedded_migration() {
    let all = embedded();
    assert!(!all.is_empty());
    assert_eq!(REQUIRED_VERSION, all.last().unwrap().version);
    assert!(all.windows(2).all(|w| w[0].version < w[1].version));
}

#[test]
fn the_embedded_migrations_apply_to_an_empty_database_and_set_user_version() {
    let raw = memory();
    let conn = Native(&raw);
    let outcome = ready(apply(&conn, &embedded())).unwrap();
    assert_eq!(outcome.applied.len(), embedded().len());
    assert_eq!(outcome.version, REQUIRED_VERSION);
    assert_eq!(
        ready(conn.query_int("PRAGMA user_version", &[])).unwrap(),
        Some(REQUIRED_VERSION)
    );
    // A second run finds nothing to do.
    assert!(ready(apply(&conn, &embedded())).unwrap().applied.is_empty());
}

#[test]
fn applies_in_order_exactly_once() {
    let raw = memory();
    let conn = Native(&raw);
    let ms = [
        m(1, "0001_init.sql", "CREATE TABLE a (x INTEGER);"),
        m(
            2,
            "0002_more.sql",
            "INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);",
        ),
    ];
    assert_eq!(ready(apply(&conn, &ms)).unwrap().applied.len(), 2);
    assert!(ready(apply(&conn, &ms)).unwrap().applied.is_empty());
    assert_eq!(
        ready(conn.query_int("SELECT count(*) FROM a", &[])).unwrap(),
        Some(2)
    );
    assert_eq!(
        ready(conn.query_int("PRAGMA user_version", &[])).unwrap(),
        Some(2)
    );
}

#[test]
fn a_failed_migration_leaves_the_database_as_it_was() {
    let raw = memory();
    let conn = Native(&raw);
    let ms = [
        m(1, "0001_init.sql", "CREATE TABLE a (x INTEGER);"),
        m(
            2,
            "0002_bad.sql",
            "CREATE TABLE b (y INTEGER); INSERT INTO nope VALUES (1);",
        ),
    ];
    let err = ready(apply(&conn, &ms)).unwrap_err();
    assert!(
        matches!(&err, MigrationError::Failed { name, statement: 2, .. } if name == "0002_bad.sql"),
        "{err}"
    );
    assert_eq!(
        ready(conn.query_int("SELECT count(*) FROM sqlite_master WHERE name = 'b'", &[])).unwrap(),
        Some(0),
        "a partial migration must be rolled back"
    );
    assert_eq!(
        ready(conn.query_int("SELECT count(*) FROM schema_migrations", &[])).unwrap(),
        Some(1)
    );
    assert_eq!(
        ready(conn.query_int("PRAGMA user_version", &[])).unwrap(),
        Some(1)
    );
}

#[test]
fn a_migration_changed_after_it_was_applied_is_refused() {
    let raw = memory();
    let conn = Native(&raw);
    ready(apply(
        &conn,
        &[m(1, "0001_init.sql", "CREATE TABLE a (x INTEGER);")],
    ))
    .unwrap();
    let err = ready(apply(
        &conn,
        &[m(1, "0001_init.sql", "CREATE TABLE a (x TEXT);")],
    ))
    .unwrap_err();
    assert!(matches!(err, MigrationError::Changed { .. }), "{err}");
}

#[test]
fn a_database_ahead_of_the_code_is_not_touched() {
    let raw = memory();
    let conn = Native(&raw);
    ready(apply(
        &conn,
        &[
            m(1, "0001_init.sql", "CREATE TABLE a (x INTEGER);"),
            m(2, "0002_more.sql", "CREATE TABLE b (x INTEGER);"),
        ],
    ))
    .unwrap();
    let err = ready(apply(
        &conn,
        &[m(1, "0001_init.sql", "CREATE TABLE a (x INTEGER);")],
    ))
    .unwrap_err();
    assert_eq!(err, MigrationError::Ahead { found: 2, known: 1 });
}

#[test]
fn a_database_migrated_before_user_version_was_kept_is_brought_level() {
    let raw = memory();
    let conn = Native(&raw);
    let ms = [m(1, "0001_init.sql", "CREATE TABLE a (x INTEGER);")];
    ready(apply(&conn, &ms)).unwrap();
    ready(conn.execute("PRAGMA user_version = 0", &[])).unwrap();
    ready(apply(&conn, &ms)).unwrap();
    assert_eq!(
        ready(conn.query_int("PRAGMA user_version", &[])).unwrap(),
        Some(1)
    );
}

#[test]
fn first_reads_of_decisions_are_kept_as_the_reads_are_logged() {
    let raw = memory();
    ready(apply(&Native(&raw), &embedded())).unwrap();
    let read = |at: &str, who: &str, action: &str, detail: &str| {
        raw.execute(
            "INSERT INTO read_log (at, actor_iin, actor_role, action, subject, case_id, detail)
             VALUES (?1, ?2, 'participant', ?3, 's', 7, ?4)",
            (at, who, action, detail),
        )
        .unwrap();
    };
    read(
        "2026-12-01T10:00:00Z",
        "A",
        "decisions_listed",
        r#"{"decision_ids":[1,2]}"#,
    );
    read(
        "2026-12-01T11:00:00Z",
        "A",
        "decisions_listed",
        r#"{"decision_ids":[2,3]}"#,
    );
    read(
        "2026-12-01T12:00:00Z",
        "A",
        "decision_downloaded",
        r#"{"decision_id":2}"#,
    );
    read(
        "2026-12-01T13:00:00Z",
        "A",
        "decision_downloaded",
        r#"{"decision_id":2}"#,
    );
    read(
        "2026-12-01T14:00:00Z",
        "B",
        "decisions_listed",
        r#"{"decision_ids":[1]}"#,
    );
    read("2026-12-01T15:00:00Z", "A", "case_viewed", r#"{}"#);
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = raw
        .prepare(
            "SELECT decision_id, reader_iin, first_listed_at, first_downloaded_at
             FROM decision_first_reads WHERE case_id = 7 ORDER BY reader_iin, decision_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let at = |h: u8| Some(format!("2026-12-01T{h}:00:00Z"));
    assert_eq!(
        rows,
        vec![
            (1, "A".into(), at(10), None),
            (2, "A".into(), at(10), at(12)),
            (3, "A".into(), at(11), None),
            (1, "B".into(), at(14), None),
        ],
        "the first listing and the first download of each, per reader"
    );
}

#[test]
fn grants_of_all_given_before_0023_keep_the_materials_there_were_when_given() {
    let lists: Vec<(i64, String)> = pairs_after_migrating(
        23,
        "INSERT INTO case_participants (id, erdr_number, case_id, person_iin, status, state,
                                        requested_at, due_unix)
         VALUES (1, '267511031000001', 7, '920412400018', 'defender', 'confirmed', 't', 0),
                (2, '267511031000002', 8, '920412400018', 'victim', 'confirmed', 't', 0);
         INSERT INTO materials (id, case_id, title, kind, document_sha256, filename, added_by,
                                created_at)
         VALUES (3, 7, 'a', 'document', 's', 'a.pdf', 'o', '2026-12-01T10:00:00.000Z'),
                (4, 8, 'b', 'document', 's', 'b.pdf', 'o', '2026-12-01T10:00:00.000Z'),
                (5, 7, 'c', 'document', 's', 'c.pdf', 'o', '2026-12-01T12:00:00.000Z');
         INSERT INTO familiarisation_grants (id, participant_id, scope_all, material_ids,
                                             granted_by, granted_at)
         VALUES (10, 1, 1, '[]', 'o', '2026-12-01T11:00:00.000Z'),
                (11, 1, 0, '[5]', 'o', '2026-12-01T11:00:00.000Z'),
                (12, 2, 1, '[]', 'o', '2026-12-01T09:00:00.000Z');",
        "SELECT id, material_ids FROM familiarisation_grants ORDER BY id",
    );
    assert_eq!(
        lists,
        vec![(10, "[3]".into()), (11, "[5]".into()), (12, "[]".into())],
        "all of its own case, up to the grant; a list stays as given"
    );
}

/// A connection that fails chosen statements the way a libSQL server interrupts them (the
/// statement fails, and the server has rolled back the open transaction), over a real
/// database.
struct Interrupting<'a> {
    inner: Native<'a>,
    /// Statement numbers (counted from 1 over the whole run) that fail.
    fail_at: Vec<usize>,
    /// The message of the failure.
    error: &'static str,
    count: std::cell::Cell<usize>,
}

impl Interrupting<'_> {
    fn fault(&self) -> Result<(), String> {
        let n = self.count.get() + 1;
        self.count.set(n);
        if self.fail_at.contains(&n) {
            // The server rolled back what was open; the statement did nothing.
            let _ = self.inner.0.execute_batch("ROLLBACK");
            return Err(self.error.to_owned());
        }
        Ok(())
    }
}

impl Connection for Interrupting<'_> {
    async fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<(), String> {
        self.fault()?;
        self.inner.execute(sql, params).await
    }

    async fn query_text(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<String>, String> {
        self.fault()?;
        self.inner.query_text(sql, params).await
    }

    async fn query_int(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<i64>, String> {
        self.fault()?;
        self.inner.query_int(sql, params).await
    }

    async fn pause(&self, _millis: u64) {}
}

const INTERRUPTED: &str = "Io(\"Hrana: `cursor error: `error at step 0: (error code: SQLITE_INTERRUPT) `SQLite error: interrupted```\")";

#[test]
fn an_interrupted_run_is_run_again_and_lands_whole_on_the_first_call() {
    let db = memory();
    let migrations = [
        m(
            1,
            "0001_a.sql",
            "CREATE TABLE a (x); CREATE INDEX a_x ON a (x);",
        ),
        m(
            2,
            "0002_b.sql",
            "CREATE TABLE b (y); INSERT INTO b VALUES (1);",
        ),
    ];
    // Statement 9 sets the first migration's version after its statements ran (all rolled
    // back with it); 12 is the first statement of the second run.
    let conn = Interrupting {
        inner: Native(&db),
        fail_at: vec![9, 12],
        error: INTERRUPTED,
        count: std::cell::Cell::new(0),
    };
    let outcome = ready(apply(&conn, &migrations)).expect("lands despite two interrupts");
    assert_eq!(outcome.version, 2);
    assert_eq!(outcome.applied, vec!["0001_a.sql", "0002_b.sql"]);
    let rows: i64 = db
        .query_row("SELECT count(*) FROM b", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "the second migration's insert ran once");
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}

#[test]
fn a_run_that_keeps_failing_gives_up_after_its_attempts_with_nothing_half_done() {
    let db = memory();
    let migrations = [m(
        1,
        "0001_a.sql",
        "CREATE TABLE a (x); INSERT INTO a VALUES (1);",
    )];
    let conn = Interrupting {
        inner: Native(&db),
        fail_at: (1..1000).collect(),
        error: INTERRUPTED,
        count: std::cell::Cell::new(0),
    };
    let error = ready(apply(&conn, &migrations)).unwrap_err();
    assert!(error.transient(), "{error}");
    // Each run: the WAL switch (its failure ignored) and its first real statement; between
    // runs, a rollback.
    let attempts = ATTEMPTS as usize;
    assert_eq!(conn.count.get(), attempts * 2 + (attempts - 1));
    let tables: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'a'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
}

#[test]
fn a_migrations_own_error_is_not_retried() {
    let db = memory();
    let migrations = [m(
        1,
        "0001_bad.sql",
        "CREATE TABLE a (x); CREATE TABLE a (x);",
    )];
    let conn = Interrupting {
        inner: Native(&db),
        fail_at: Vec::new(),
        error: INTERRUPTED,
        count: std::cell::Cell::new(0),
    };
    let error = ready(apply(&conn, &migrations)).unwrap_err();
    assert!(!error.transient(), "{error}");
    assert!(
        matches!(error, MigrationError::Failed { statement: 2, .. }),
        "{error}"
    );
}

#[test]
fn an_up_to_date_database_is_checked_without_a_transaction_per_migration() {
    let raw = memory();
    ready(apply(&Native(&raw), &embedded())).unwrap();
    let counting = Interrupting {
        inner: Native(&raw),
        fail_at: Vec::new(),
        error: "",
        count: std::cell::Cell::new(0),
    };
    let outcome = ready(apply(&counting, &embedded())).unwrap();
    assert!(outcome.applied.is_empty());
    // Journal mode, the table, the newest version, what is recorded, version, user_version.
    assert_eq!(
        counting.count.get(),
        6,
        "statements for an up-to-date database"
    );
    // A changed one is still refused, with its name.
    let mut changed = embedded();
    changed[0].sha256 = "0".repeat(64);
    let err = ready(apply(&Native(&raw), &changed)).unwrap_err();
    assert!(matches!(err, MigrationError::Changed { .. }), "{err}");
}

#[test]
fn statuses_ended_before_0025_keep_what_the_proof_of_service_shows_they_were_given() {
    let kept: Vec<(String, i64)> = pairs_after_migrating(
        25,
        "INSERT INTO case_participants (id, erdr_number, case_id, person_iin, status, state,
                                        requested_at, due_unix, decided_at)
         VALUES (1, '267511031000001', 7, '920412400018', 'suspect', 'revoked', 't', 0,
                 '2026-12-01T12:00:00.000Z'),
                (2, '267511031000001', 7, '850101300022', 'victim', 'confirmed', 't', 0,
                 '2026-12-01T08:00:00.000Z');
         INSERT INTO decision_first_reads (decision_id, reader_iin, case_id, first_listed_at,
                                           first_downloaded_at)
         VALUES (30, '920412400018', 7, '2026-12-01T10:00:00.000Z', NULL),
                (31, '920412400018', 7, NULL, '2026-12-01T11:00:00.000Z'),
                (32, '920412400018', 7, '2026-12-01T13:00:00.000Z', NULL),
                (30, '850101300022', 7, '2026-12-01T10:00:00.000Z', NULL);",
        "SELECT person_iin, decision_id FROM served_decisions ORDER BY 1, 2",
    );
    assert_eq!(
        kept,
        vec![("920412400018".into(), 30), ("920412400018".into(), 31)],
        "what the ended status was given before its end; nothing for a status in force"
    );
}

/// Applies the migrations before `version`, writes `rows` (foreign keys off: the rows a
/// migration reads, without what they would name), applies the rest, and answers the pairs
/// `query` selects.
fn pairs_after_migrating<A: rusqlite::types::FromSql, B: rusqlite::types::FromSql>(
    version: i64,
    rows: &str,
    query: &str,
) -> Vec<(A, B)> {
    let raw = memory();
    let before: Vec<Migration> = embedded()
        .into_iter()
        .filter(|m| m.version < version)
        .collect();
    ready(apply(&Native(&raw), &before)).unwrap();
    raw.execute_batch(&format!("PRAGMA foreign_keys = OFF;\n{rows}"))
        .unwrap();
    ready(apply(&Native(&raw), &embedded())).unwrap();
    raw.prepare(query)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
