//! The local host's Spin behaviours, each checked black-box through the probe fixture
//! (`tests/fixtures`). These run only against a local host: a deployment has no probe.

use std::time::{Duration, Instant};

use jaria_tests::{TestApp, jaria_only, workspace_root};

fn fixture() -> TestApp {
    TestApp::builder().fixture().start()
}

#[test]
fn routing_follows_spin_precedence() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = fixture();
    // (path, status, matched route): exact beats wildcard, longest prefix wins.
    let table = [
        ("/granted/exact", 404, "/granted/exact"),
        ("/granted/exactly", 404, "/granted/..."),
        ("/granted/exact/more", 404, "/granted/..."),
        ("/probe/anything", 404, "/probe/..."),
    ];
    for (path, status, matched) in table {
        let reply = app.get(path);
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
        assert_eq!(
            reply.json()["spin-matched-route"],
            matched,
            "{path}: {}",
            reply.text()
        );
    }
    // The exact route is served by `probe`, which has no store: prove it is that component.
    let unmatched = app.get("/elsewhere");
    unmatched.assert_problem(404);
}

#[test]
fn spin_headers_are_set_and_cannot_be_forged() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = fixture();
    let reply = app.request(
        "GET",
        "/probe/headers?x=1",
        &[
            ("spin-path-info", "/evil"),
            ("spin-client-addr", "6.6.6.6:1"),
        ],
        None,
    );
    assert_eq!(reply.status, 200);
    let h = reply.json();
    let port = app.base_url.rsplit(':').next().unwrap_or_default();
    assert_eq!(h["spin-path-info"], "/headers");
    assert_eq!(
        h["spin-full-url"],
        format!("http://127.0.0.1:{port}/probe/headers?x=1")
    );
    assert_eq!(h["spin-matched-route"], "/probe/...");
    assert_eq!(h["spin-raw-component-route"], "/probe/...");
    assert_eq!(h["spin-component-route"], "/probe");
    assert_eq!(h["spin-base-path"], "/");
    assert!(
        h["spin-client-addr"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:")),
        "{h}"
    );
}

#[test]
fn stores_not_granted_in_the_manifest_are_access_denied() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = fixture();
    let kv = app.get("/probe/kv").json();
    assert!(
        kv["kv"]
            .as_str()
            .is_some_and(|e| e.ends_with("AccessDenied")),
        "{kv}"
    );
    let sqlite = app.get("/probe/sqlite").json();
    assert!(
        sqlite["sqlite"]
            .as_str()
            .is_some_and(|e| e.ends_with("AccessDenied")),
        "{sqlite}"
    );
    assert_eq!(app.get("/granted/kv").json()["kv"], "ok:true");
    assert_eq!(app.get("/granted/sqlite").json()["sqlite"], "ok");
}

#[test]
fn variables_resolve_from_defaults_and_the_environment() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = fixture();
    assert_eq!(
        app.get("/granted/variable?name=message").json()["value"],
        "salem, s3cret"
    );
    let undefined = app.get("/probe/variable?name=message").json();
    assert!(
        undefined["error"]
            .as_str()
            .is_some_and(|e| e.contains("Undefined")),
        "{undefined}"
    );
    let invalid = app.get("/granted/variable?name=Not-Valid").json();
    assert!(
        invalid["error"]
            .as_str()
            .is_some_and(|e| e.contains("InvalidName")),
        "{invalid}"
    );
}

#[test]
fn a_missing_required_variable_stops_start_up() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let failure = TestApp::builder()
        .fixture()
        .without_env("SPIN_VARIABLE_SECRET_TOKEN")
        .try_start()
        .err()
        .expect("host must refuse to start");
    assert!(!failure.status.success());
    assert!(
        failure.output.contains("SPIN_VARIABLE_SECRET_TOKEN"),
        "{}",
        failure.output
    );
}

#[test]
fn a_trap_fails_only_its_own_request() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = fixture();
    let reply = app.get("/probe/trap");
    let problem = reply.assert_problem(500);
    assert!(
        !reply.text().contains("probe asked to trap"),
        "internals leaked: {problem}"
    );
    assert_eq!(app.get("/probe/ok").status, 200);
    // The guest's panic message reaches the host log, tagged with its component.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !app.log().contains("probe asked to trap") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = app.log();
    let line = log
        .lines()
        .find(|l| l.contains("probe asked to trap"))
        .unwrap_or_else(|| panic!("guest stderr not logged:\n{log}"));
    assert!(line.contains("component=\"probe\""), "{line}");
}

#[test]
fn the_deadline_stops_a_runaway_guest() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = TestApp::builder()
        .fixture()
        .arg("--request-timeout-ms")
        .arg("1000")
        .start();
    for path in ["/probe/spin", "/probe/sleep?ms=5000"] {
        let started = Instant::now();
        app.get(path).assert_problem(504);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{path} took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(app.get("/probe/ok").status, 200);
}

#[test]
fn the_memory_cap_stops_a_greedy_guest() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = TestApp::builder()
        .fixture()
        .arg("--memory-mib")
        .arg("64")
        .start();
    app.get("/probe/grow").assert_problem(500);
    assert_eq!(app.get("/probe/ok").status, 200);
}

#[test]
fn oversized_bodies_are_refused_before_the_guest_runs() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = TestApp::builder()
        .fixture()
        .arg("--max-body-bytes")
        .arg("1024")
        .start();
    let small = app.post("/probe/body", "application/octet-stream", &[7u8; 1024]);
    assert_eq!(small.json()["length"], 1024);
    let large = app.post("/probe/body", "application/octet-stream", &[7u8; 1025]);
    large.assert_problem(413);
}

#[test]
fn two_hundred_concurrent_requests_are_all_answered() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = std::sync::Arc::new(fixture());
    let handles: Vec<_> = (0..200)
        .map(|i| {
            let app = std::sync::Arc::clone(&app);
            std::thread::spawn(move || {
                let path = if i % 2 == 0 {
                    "/granted/kv"
                } else {
                    "/probe/ok"
                };
                app.get(path).status
            })
        })
        .collect();
    let statuses: Vec<u16> = handles
        .into_iter()
        .map(|h| h.join().expect("request thread"))
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

#[test]
fn past_the_instance_limit_requests_are_shed_with_retry_after() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let app = std::sync::Arc::new(
        TestApp::builder()
            .fixture()
            .arg("--max-instances")
            .arg("2")
            .start(),
    );
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let app = std::sync::Arc::clone(&app);
            std::thread::spawn(move || app.get("/probe/sleep?ms=1500"))
        })
        .collect();
    let replies: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let shed: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(ok >= 1, "some requests must be served");
    assert!(
        !shed.is_empty(),
        "statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in shed {
        r.assert_problem(503);
        assert!(r.header("retry-after").is_some());
    }
    // And it recovers once load drops.
    assert_eq!(app.get("/probe/ok").status, 200);
}

#[test]
fn state_survives_a_restart_and_migrations_apply_once() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first = TestApp::builder().state_dir(dir.path()).start();
    let wrote = first.get("/api/auth/health").json()["key_value"]["wrote"].clone();
    assert!(first.stop().is_some_and(|s| s.success()));
    drop(first);

    let second = TestApp::builder().state_dir(dir.path()).start();
    assert!(
        !second.log().contains("Applied migration"),
        "{}",
        second.log()
    );
    // The KV file is Spin's own layout, so `spin up` would see the same value. (With
    // JARIA_KV=redis every app has a Redis of its own: nothing of it outlives the app.)
    if jaria_tests::redis_key_value() {
        return;
    }
    let kv = rusqlite::Connection::open(dir.path().join("sqlite_key_value.db")).expect("kv file");
    let stored: Vec<u8> = kv
        .query_row(
            "SELECT value FROM spin_key_value WHERE store = 'default' AND key = 'health:login'",
            [],
            |r| r.get(0),
        )
        .expect("value persisted");
    assert_eq!(
        Some(String::from_utf8_lossy(&stored).as_ref()),
        wrote.as_str()
    );
    let db = rusqlite::Connection::open(dir.path().join("sqlite_db.db")).expect("db file");
    let applied: i64 = db
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .expect("migrations table");
    let files = std::fs::read_dir(workspace_root().join("schema/migrations"))
        .expect("migrations dir")
        .count() as i64;
    assert_eq!(applied, files);
    let mode: String = db
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    assert_eq!(second.get("/api/cases/health").status, 200);
}

/// A migrated state dir, the host stopped, and its database open for tampering.
fn migrated_state() -> (tempfile::TempDir, rusqlite::Connection) {
    let state = tempfile::tempdir().expect("temp dir");
    let mut first = TestApp::builder().state_dir(state.path()).start();
    let status = first.stop();
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        first.log()
    );
    drop(first);
    let db = rusqlite::Connection::open(state.path().join("sqlite_db.db")).expect("db");
    (state, db)
}

fn refused_start(state: &tempfile::TempDir) -> String {
    let failure = TestApp::builder()
        .state_dir(state.path())
        .try_start()
        .err()
        .expect("host must refuse to start");
    assert!(!failure.status.success());
    failure.output
}

#[test]
fn a_database_changed_by_another_version_is_refused_at_start() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    // A migration that was applied has been changed since.
    let (state, db) = migrated_state();
    db.execute(
        "UPDATE schema_migrations SET sha256 = 'not the same' WHERE version = 1",
        [],
    )
    .expect("tamper");
    let output = refused_start(&state);
    assert!(
        output.contains("0001_foundation.sql") && output.contains("changed"),
        "{output}"
    );
    // A database a newer version migrated is not touched by this one.
    let (state, db) = migrated_state();
    db.execute(
        "INSERT INTO schema_migrations (version, name, sha256, applied_at)
         VALUES (9999, '9999_future.sql', 'x', 'now')",
        [],
    )
    .expect("a future migration");
    let output = refused_start(&state);
    assert!(output.contains("newer than this code"), "{output}");
}

#[test]
fn a_new_instance_never_sees_the_previous_requests_memory() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    for (mode, said) in [
        ("safe", "memory slots: safe reset (forced)"),
        ("auto", "memory slots: "),
    ] {
        let app = TestApp::builder()
            .fixture()
            .arg("--slot-reset")
            .arg(mode)
            .start();
        assert!(app.log().contains(said), "{mode}: {}", app.log());
        for round in 0..20 {
            let dirty = app.get("/probe/memory/dirty?mib=8");
            assert_eq!(dirty.status, 200, "{mode} round {round}: {}", dirty.text());
            let scan = app.get("/probe/memory/scan?mib=8").json();
            assert_eq!(
                scan["from_page"],
                dirty.json()["from_page"],
                "{mode}: the scan covers the pages the last request dirtied"
            );
            assert_eq!(
                scan["nonzero_bytes"], 0,
                "{mode} round {round}: a new instance saw the previous request's bytes"
            );
        }
    }
}
#[test]
fn a_bad_manifest_is_refused_naming_the_field() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(workspace_root().join("tests/fixtures/spin.toml"))
        .expect("fixture manifest")
        .replace("key_value_stores", "key_value_storez")
        .replace(
            "../../target",
            &workspace_root().join("target").to_string_lossy(),
        );
    let manifest = dir.path().join("spin.toml");
    std::fs::write(&manifest, text).expect("write manifest");
    let failure = TestApp::builder()
        .fixture()
        .manifest(&manifest)
        .try_start()
        .err()
        .expect("host must refuse a bad manifest");
    assert!(
        failure.output.contains("key_value_storez"),
        "{}",
        failure.output
    );
}

#[test]
fn shutdown_lets_in_flight_requests_finish() {
    jaria_only!("a test of jaria up itself (its probe fixture, limits and flags)");
    let mut app = fixture();
    let url = app.url("/probe/sleep?ms=1500");
    let in_flight = std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = agent.get(&url).call().expect("in-flight request");
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    });
    std::thread::sleep(Duration::from_millis(400));
    let status = app.stop().expect("local host");
    assert!(status.success(), "{status}");
    let (code, body) = in_flight.join().expect("request thread");
    assert_eq!((code, body.as_str()), (200, "slept"));
}
