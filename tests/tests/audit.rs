//! `jaria audit verify` against the log a real portal wrote: intact after real traffic, and
//! broken, naming the row, once someone holding the file bypasses the append-only triggers
//! and alters or deletes a row.

use std::process::Output;

use jaria_tests::world::{PDF, officer, organ, signed_in};
use jaria_tests::{TEST_ADMIN_IIN, TestApp, person};
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

/// A portal with history: sign-ins, an organ, an officer, an upload, a filing, a view. Stopped,
/// so the state dir is the tests' to read and tamper with.
fn portal_with_history() -> TestApp {
    let mut app = TestApp::portal();
    {
        let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
        let organ_id = organ(&admin, "Police");
        officer(&app, &admin, "investigator", organ_id);
        let me = app.sign_in(&person("APPLICANT"));
        let upload = me.request_with(
            "POST",
            "/api/filings/attachments",
            &[("content-type", "application/pdf")],
            PDF,
        );
        assert_eq!(upload.status, 201, "{}", upload.text());
        let filed = me.request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", "audit-1"),
                ("content-type", "application/json"),
            ],
            me.signed_filing(
                &json!({"kind": "crime_report", "organ_id": organ_id, "text": "Stolen bicycle.",
                   "attachments": [upload.json()["id"]]}),
            )
            .to_string()
            .as_bytes(),
        );
        assert_eq!(filed.status, 201, "{}", filed.text());
        app.sign_in(&person("WITNESS"));
        // A live host's log verifies too: the check only reads.
        let live = verify(&app);
        assert!(live.status.success(), "{}", describe(&live));
    }
    let stopped = app.stop().expect("a local host");
    assert!(stopped.success(), "host stopped badly: {stopped}");
    app
}

/// `jaria audit verify` on the app's database (its state dir's, or its libSQL server's).
fn verify(app: &TestApp) -> Output {
    jaria_tests::jaria_command()
        .args(["audit", "verify"])
        .args(app.store_args())
        .output()
        .expect("run jaria audit verify")
}

fn describe(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn database(app: &TestApp) -> Connection {
    Connection::open(app.database_file()).expect("open the state database")
}

/// The id of the row some action wrote, and the number of rows after it.
fn row_of(db: &Connection, action: &str) -> (i64, i64) {
    let id: i64 = db
        .query_row(
            "SELECT id FROM audit_log WHERE action = ?1 ORDER BY id LIMIT 1",
            [action],
            |r| r.get(0),
        )
        .optional()
        .expect("query audit_log")
        .unwrap_or_else(|| panic!("the portal wrote no `{action}` audit row"));
    let after: i64 = db
        .query_row("SELECT count(*) FROM audit_log WHERE id > ?1", [id], |r| {
            r.get(0)
        })
        .expect("count");
    (id, after)
}

#[test]
fn the_portal_log_verifies_and_an_altered_row_is_named() {
    jaria_tests::local_only!();
    let app = portal_with_history();
    let db = database(&app);
    let (rows, last_hash): (i64, String) = db
        .query_row(
            "SELECT count(*), (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) FROM audit_log",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("audit_log");
    assert!(
        rows >= 8,
        "the journey should have written its audit rows, got {rows}"
    );
    let out = verify(&app);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next(),
        Some(
            format!("audit log verified: {rows} rows, chain intact, last hash {last_hash}")
                .as_str()
        )
    );

    let (id, after) = row_of(&db, "filing_submitted");
    assert!(after > 0, "the altered row should not be the last one");
    let refused = db.execute(
        "UPDATE audit_log SET detail = '{\"kind\":\"petition\"}' WHERE id = ?1",
        [id],
    );
    assert!(
        refused.is_err(),
        "the append-only trigger must refuse an UPDATE"
    );
    // The attacker with the file drops the trigger, then rewrites what was filed.
    db.execute_batch("DROP TRIGGER audit_log_no_update")
        .expect("drop trigger");
    let changed = db
        .execute(
            "UPDATE audit_log SET detail = '{\"kind\":\"petition\"}' WHERE id = ?1",
            [id],
        )
        .expect("update once the trigger is gone");
    assert_eq!(changed, 1);
    drop(db);

    let out = verify(&app);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("BROKEN at row {id}:")) && stdout.contains("altered"),
        "verify must name row {id} as altered: {}",
        describe(&out)
    );
}

#[test]
fn a_deleted_row_is_named() {
    jaria_tests::local_only!();
    let app = portal_with_history();
    let db = database(&app);
    let (id, after) = row_of(&db, "organ_created");
    assert!(after > 0, "the deleted row should not be the last one");
    assert!(
        db.execute("DELETE FROM audit_log WHERE id = ?1", [id])
            .is_err(),
        "the append-only trigger must refuse a DELETE"
    );
    // Through the schema itself, as an attacker might: switch the trigger's body off by
    // editing sqlite_master, then delete.
    db.execute_batch(
        "PRAGMA writable_schema = ON;
         DELETE FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_delete';
         PRAGMA writable_schema = OFF;",
    )
    .expect("edit the schema");
    drop(db);
    let db = database(&app);
    assert_eq!(
        db.execute("DELETE FROM audit_log WHERE id = ?1", [id])
            .expect("delete once the trigger is gone"),
        1
    );
    drop(db);

    let out = verify(&app);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("BROKEN at row {}:", id + 1))
            && stdout.contains(&format!("row {id} is missing"))
            && stdout.contains("deleted"),
        "verify must name the gap left by row {id}: {}",
        describe(&out)
    );
}

#[test]
fn a_state_dir_without_a_database_is_an_error_not_a_pass() {
    jaria_tests::local_only!();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = jaria_tests::jaria_command()
        .args(["audit", "verify", "--state-dir"])
        .arg(dir.path())
        .output()
        .expect("run jaria audit verify");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no database"),
        "{}",
        describe(&out)
    );
    assert!(
        !dir.path().join("sqlite_db.db").exists(),
        "verify must not create a database"
    );
}

#[test]
fn signed_checkpoints_verify_with_the_public_key_and_not_with_another() {
    jaria_tests::local_only!();
    use base64::Engine as _;
    let mut app = TestApp::portal();
    // Enough history for a checkpoint (one every 100 rows): each sign-in writes one row.
    let p = person("BUSY");
    for _ in 0..(jaria_portal::audit::CHECKPOINT_EVERY + 5) {
        app.sign_in(&p);
    }
    // The tick logs and reports the signed head: the copy an operator keeps elsewhere.
    let head = app.tick()["audit_head"].clone();
    assert_eq!(head["row"], jaria_portal::audit::CHECKPOINT_EVERY, "{head}");
    let anchor = format!(
        "{}:{}",
        head["row"],
        head["hash"].as_str().expect("the head's hash")
    );
    assert!(
        app.component_log()
            .contains(&format!("audit head: checkpoint at row {}", head["row"])),
        "the tick logs the head"
    );
    assert!(app.stop().is_some_and(|s| s.success()));
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(jaria_tests::TEST_AUDIT_KEY)
        .expect("base64")
        .try_into()
        .expect("32 bytes");
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let encode = |key: &ed25519_dalek::VerifyingKey| {
        base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
    };
    let run_with = |key: &str, more: &[&str]| {
        jaria_tests::jaria_command()
            .args(["audit", "verify", "--public-key", key])
            .args(more)
            .args(app.store_args())
            .output()
            .expect("run jaria audit verify")
    };
    let run = |key: &str| run_with(key, &[]);
    let good = run(&encode(&public));
    assert!(good.status.success(), "{}", describe(&good));
    let stdout = String::from_utf8_lossy(&good.stdout);
    assert!(
        stdout.contains("signed checkpoints: 1 verified"),
        "{}",
        describe(&good)
    );
    let other = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]).verifying_key();
    let forged = run(&encode(&other));
    assert_eq!(forged.status.code(), Some(2), "{}", describe(&forged));
    assert!(
        String::from_utf8_lossy(&forged.stdout).contains("forged"),
        "{}",
        describe(&forged)
    );
    let public = encode(&public);
    let anchored = run_with(&public, &["--anchor", &anchor]);
    assert!(anchored.status.success(), "{}", describe(&anchored));
    // Someone with the database file removes the checkpoint (and its guard): with the key
    // given, the missing hundredth row's checkpoint is the proof.
    {
        let db = database(&app);
        db.execute_batch(
            "DROP TRIGGER audit_checkpoints_no_delete; DELETE FROM audit_checkpoints;",
        )
        .expect("tamper");
    }
    let deleted = run(&public);
    assert_eq!(deleted.status.code(), Some(2), "{}", describe(&deleted));
    assert!(
        String::from_utf8_lossy(&deleted.stdout).contains("checkpoints were deleted"),
        "{}",
        describe(&deleted)
    );
    // … and cut the log back below the head the tick logged: the chain alone is consistent,
    // the kept head is not there any more.
    {
        let db = database(&app);
        db.execute_batch(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id >= 100;",
        )
        .expect("tamper");
    }
    let cut = run_with(&public, &["--anchor", &anchor]);
    assert_eq!(cut.status.code(), Some(2), "{}", describe(&cut));
    assert!(
        String::from_utf8_lossy(&cut.stdout).contains("cut back or rewritten"),
        "{}",
        describe(&cut)
    );
}

#[test]
fn readiness_refuses_an_unusable_audit_key_and_warns_without_one() {
    jaria_tests::local_only!();
    let broken = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_AUDIT_SIGNING_KEY", "not a key")
        .start();
    for component in ["auth", "filings", "internal"] {
        let ready = broken.readiness(&format!("/api/{component}"));
        assert_eq!(ready.status, 503, "{component}: {}", ready.text());
        assert!(
            ready.text().contains("audit_signing_key"),
            "{}",
            ready.text()
        );
    }
    let unsigned = TestApp::builder()
        .portal()
        .without_env("SPIN_VARIABLE_AUDIT_SIGNING_KEY")
        .start();
    let ready = unsigned.readiness("/api/auth");
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert!(
        ready.text().contains("the audit log is not signed"),
        "{}",
        ready.text()
    );
}

#[test]
fn reads_are_sealed_into_the_chain_by_the_tick() {
    jaria_tests::local_only!();
    let mut app = TestApp::portal();
    {
        let me = app.sign_in(&person("READER"));
        for _ in 0..5 {
            assert_eq!(me.get("/api/cases").status, 200);
        }
    }
    let tick = app.tick();
    assert!(tick["reads_sealed"].as_i64().unwrap_or(0) >= 5, "{tick}");
    // The tick is idempotent: nothing is left to seal.
    let again = app.tick();
    assert_eq!(again["reads_sealed"], 0, "{again}");
    assert!(app.stop().is_some_and(|s| s.success()));
    let out = verify(&app);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("sealed into the chain, 0 logged since the last seal"),
        "{}",
        describe(&out)
    );
}

/// Writes a history the way a portal five years old has it: three reads, sealed into the
/// chain by a row written in 2019, into a freshly migrated database.
fn five_years_of_history(database: &std::path::Path) {
    use jaria_portal::audit::{Entry, GENESIS_HASH, ReadRow, chain_hash, reads_digest};
    let db = Connection::open(database).expect("open the migrated database");
    let mut reads = Vec::new();
    for n in 1..=3 {
        let entry = Entry {
            at: format!("2019-01-0{n}T10:00:00.000Z"),
            actor_iin: Some("850101300011".into()),
            actor_role: "participant".into(),
            action: "case_viewed".into(),
            subject: "case:old".into(),
            case_id: None,
            client_addr: "192.0.2.1".into(),
            detail: "{}".into(),
        };
        db.execute(
            "INSERT INTO read_log (id, at, actor_iin, actor_role, action, subject, case_id, client_addr, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![n, entry.at, entry.actor_iin, entry.actor_role, entry.action,
                entry.subject, entry.case_id, entry.client_addr, entry.detail],
        )
        .expect("an old read");
        reads.push(ReadRow { id: n, entry });
    }
    let prev: String = db
        .query_row(
            "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .expect("chain head")
        .unwrap_or_else(|| GENESIS_HASH.to_owned());
    let seal = Entry {
        at: "2019-01-04T00:00:00.000Z".into(),
        actor_iin: None,
        actor_role: "operator".into(),
        action: "reads_sealed".into(),
        subject: "read_log".into(),
        case_id: None,
        client_addr: String::new(),
        detail: json!({"from": 1, "to": 3, "count": 3, "sha256": reads_digest(&reads)}).to_string(),
    };
    let hash = chain_hash(&prev, &seal);
    db.execute(
        "INSERT INTO audit_log (at, actor_iin, actor_role, action, subject, case_id, client_addr, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        rusqlite::params![seal.at, seal.actor_iin, seal.actor_role, seal.action, seal.subject,
            seal.case_id, seal.client_addr, seal.detail, prev, hash],
    )
    .expect("the old seal");
    db.execute(
        "INSERT INTO read_seals (to_row, audit_id) VALUES (3, last_insert_rowid())",
        [],
    )
    .expect("its entry");
    db.execute("UPDATE read_log_sealed SET up_to = 3 WHERE only = 1", [])
        .expect("sealed to 3");
}

#[test]
fn reads_past_their_retention_are_pruned_and_the_chain_names_what_went() {
    jaria_tests::local_only!();
    if jaria_tests::sqld::wanted() {
        eprintln!("skipped: writes the history into the SQLite file before the portal starts");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let migrated = jaria_tests::jaria_command()
        .args(["migrate", "--state-dir"])
        .arg(dir.path())
        .arg("--from")
        .arg(jaria_tests::workspace_root().join("spin.toml"))
        .output()
        .expect("jaria migrate");
    assert!(migrated.status.success(), "{}", describe(&migrated));
    five_years_of_history(&jaria_tests::database_file_for(dir.path()));
    let mut app = TestApp::builder().portal().state_dir(dir.path()).start();
    {
        let me = app.sign_in(&person("READER NOW"));
        for _ in 0..3 {
            assert_eq!(me.get("/api/cases").status, 200);
        }
    }
    // The tick seals today's reads, then prunes the seal made five years ago (the default
    // keeps 1826 days); the next tick finds nothing more that old.
    let tick = app.tick();
    assert!(tick["reads_sealed"].as_i64().unwrap_or(0) >= 3, "{tick}");
    assert_eq!(tick["reads_pruned"], 3, "{tick}");
    assert_eq!(app.tick()["reads_pruned"], 0);
    assert!(app.stop().is_some_and(|s| s.success()));
    {
        let db = database(&app);
        let oldest: i64 = db
            .query_row("SELECT min(id) FROM read_log", [], |r| r.get(0))
            .expect("read rows");
        assert_eq!(oldest, 4, "only today's reads remain");
        let named: String = db
            .query_row(
                "SELECT detail FROM audit_log WHERE action = 'reads_pruned'",
                [],
                |r| r.get(0),
            )
            .expect("the chain names the pruning");
        let named: serde_json::Value = serde_json::from_str(&named).expect("json");
        assert_eq!(
            (named["from"].as_i64(), named["to"].as_i64()),
            (Some(1), Some(3))
        );
        // Even by SQL, rows not pruned cannot be deleted, nor the counters run ahead.
        assert!(db.execute("DELETE FROM read_log WHERE id = 4", []).is_err());
        assert!(
            db.execute(
                "UPDATE read_log_sealed SET up_to = up_to + 1000000, pruned_up_to = up_to + 1000000",
                []
            )
            .is_err()
        );
        assert!(db.execute("DELETE FROM read_log_sealed", []).is_err());
    }
    let out = verify(&app);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("reads pruned by the retention rule: 3"),
        "{}",
        describe(&out)
    );
    // The same deletion by someone holding the file (triggers dropped), without the rule's
    // chain row: the seals still name the rows, and the counters disagree with the chain.
    {
        let db = database(&app);
        db.execute_batch(
            "DROP TRIGGER read_log_no_delete; DROP TRIGGER read_log_sealed_forward;
             UPDATE read_log_sealed SET pruned_up_to = up_to WHERE only = 1;
             DELETE FROM read_log;",
        )
        .expect("prune quietly");
    }
    let out = verify(&app);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("read rows were deleted"),
        "{}",
        describe(&out)
    );
}
