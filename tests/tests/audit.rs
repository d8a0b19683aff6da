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

#[test]
fn reads_past_their_retention_are_pruned_and_the_chain_names_what_went() {
    jaria_tests::local_only!();
    let dir = tempfile::tempdir().expect("temp dir");
    let start = || TestApp::builder().portal().state_dir(dir.path()).start();
    let mut app = start();
    let reader = person("READER");
    let read = |app: &TestApp, times: usize| {
        let me = app.sign_in(&reader);
        for _ in 0..times {
            assert_eq!(me.get("/api/cases").status, 200);
        }
    };
    read(&app, 5);
    let first = app.tick()["reads_sealed"].as_i64().unwrap_or(0);
    read(&app, 3);
    let second = app.tick()["reads_sealed"].as_i64().unwrap_or(0);
    assert!(first >= 5 && second >= 3, "{first} then {second} sealed");
    // Kept five years by default: nothing goes now.
    assert_eq!(app.tick()["reads_pruned"], 0);
    assert!(app.stop().is_some_and(|s| s.success()));
    // The first seal was made long ago (the rule reads when each seal was made).
    let first_to: i64 = {
        let db = database(&app);
        db.execute(
            "UPDATE read_seals SET sealed_at = '2001-01-01T00:00:00Z'
             WHERE to_row = (SELECT min(to_row) FROM read_seals)",
            [],
        )
        .expect("backdate the first seal");
        db.query_row("SELECT min(to_row) FROM read_seals", [], |r| r.get(0))
            .expect("first seal")
    };
    assert_eq!(first_to, first);
    let mut app = start();
    let tick = app.tick();
    assert_eq!(tick["reads_pruned"], first, "{tick}");
    // The second seal is recent: it stays, and the rule is idempotent.
    assert_eq!(app.tick()["reads_pruned"], 0);
    assert!(app.stop().is_some_and(|s| s.success()));
    {
        let db = database(&app);
        let left: (i64, i64) = db
            .query_row(
                "SELECT count(*), ifnull(min(id), 0) FROM read_log",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("read rows");
        assert_eq!(
            left,
            (second, first + 1),
            "only the second seal's rows remain"
        );
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
            (Some(1), Some(first))
        );
    }
    let out = verify(&app);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("reads pruned by the retention rule: {first}")),
        "{}",
        describe(&out)
    );
    // The same deletion without the rule (no chain row naming it) is tampering.
    {
        let db = database(&app);
        db.execute_batch(
            "UPDATE read_log_sealed SET pruned_up_to = up_to WHERE only = 1;
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
