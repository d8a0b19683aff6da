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
