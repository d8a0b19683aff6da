//! Two nodes, one store: two runtime processes (two `spin up`, or two `jaria up`) on their
//! own ports, sharing one SQL database and one key-value store — the servers `JARIA_SQL` and
//! `JARIA_KV` name (sqld, Redis), else the same state folder. What one node does, the other
//! must see at once: sessions, sign-outs, revocations, transfers, lock-outs, single-use
//! challenges, idempotent filings, and notices sent once however many nodes tick.

use std::time::Duration;

use jaria_tests::webhook::{Behaviour, Receiver};
use jaria_tests::world::{add_decision, decide, officer, organ, register_case, request, signed_in};
use jaria_tests::{
    PersonSpec, Session, Signing, TEST_ADMIN_IIN, TestApp, TestAppBuilder, issue, person,
    random_iin,
};
use serde_json::json;

/// Two nodes of the portal built the same way, on one store; both migrated (on Spin each
/// node's migration call races the other's, as two replicas' rollouts do).
/// Two nodes of one deployment: one store, and the one origin people reach them at (behind
/// the ingress every node sees the same host; here each listens on a port of its own, so the
/// deployment names it, as `deploy/spinapp.yaml` does).
fn two_nodes(build: impl Fn() -> TestAppBuilder) -> (TestApp, TestApp) {
    let build = || build().env("SPIN_VARIABLE_PORTAL_ORIGIN", "https://jaria.test");
    let first = build().portal().start();
    let mut second = build().portal().stores(first.stores());
    if first.sqld().is_none() || first.redis().is_none() {
        // A local file is shared by sharing the folder.
        second = second.state_dir(first.state_dir());
    }
    (first, second.start())
}

fn nodes() -> (TestApp, TestApp) {
    two_nodes(TestApp::builder)
}

#[test]
fn both_nodes_are_ready_on_one_store() {
    jaria_tests::local_only!();
    let (one, two) = nodes();
    for node in [&one, &two] {
        for prefix in jaria_tests::COMPONENT_PREFIXES {
            let ready = node.get(&format!("{prefix}/health/ready"));
            assert_eq!(
                ready.status,
                200,
                "{prefix}: {}\n{}",
                ready.text(),
                node.log()
            );
        }
    }
    // A third node's migration finds nothing left to do.
    let again = two.request(
        "POST",
        "/api/internal/migrate",
        &[(
            "authorization",
            &format!("Bearer {}", jaria_tests::TEST_INTERNAL_TOKEN),
        )],
        None,
    );
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["applied"], json!([]), "{}", again.text());
}

#[test]
fn two_nodes_migrating_a_new_store_at_once_both_come_up_on_one_schema() {
    jaria_tests::local_only!();
    // Both start together on a store nobody migrated: each migrates at its start (`jaria up`
    // in-process, Spin through the harness's call, as a rollout's Job would), at once.
    let stores = jaria_tests::Stores::from_env();
    let shared_dir = tempfile::tempdir().expect("state dir");
    let local_files = stores.sqld.is_none() || stores.redis.is_none();
    // Each node is started from a thread of its own that lives as long as the test: a runtime
    // dies with the thread that started it (the harness's parent-death signal).
    let (done, until_done) = std::sync::mpsc::channel::<()>();
    let until_done = std::sync::Arc::new(std::sync::Mutex::new(until_done));
    let start = || {
        let (stores, dir) = (stores.clone(), shared_dir.path().to_owned());
        let until_done = std::sync::Arc::clone(&until_done);
        let (sender, started) = std::sync::mpsc::channel();
        let keeper = std::thread::spawn(move || {
            let builder = TestApp::builder().portal().stores(stores);
            let builder = if local_files {
                builder.state_dir(&dir)
            } else {
                builder
            };
            let _ = sender.send(builder.start());
            // Keep this thread until the test is over.
            let _ = until_done.lock().map(|r| r.recv());
        });
        (started, keeper)
    };
    let (first, second) = (start(), start());
    let one = first.0.recv().expect("node 1 started");
    let two = second.0.recv().expect("node 2 started");
    for node in [&one, &two] {
        let ready = node.get("/api/cases/health/ready");
        assert_eq!(ready.status, 200, "{}\n{}", ready.text(), node.log());
    }
    // Each migration is recorded once, and the schema version is the newest.
    let db = rusqlite::Connection::open(one.database_file()).expect("db");
    let (recorded, distinct): (i64, i64) = db
        .query_row(
            "SELECT count(*), count(DISTINCT version) FROM schema_migrations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("schema_migrations");
    assert_eq!(recorded, distinct);
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version");
    assert_eq!(version, jaria_portal::platform::schema::REQUIRED_VERSION);
    // And they serve one store: what one writes, the other reads.
    let session = one.sign_in(&person("FIRST ON A NEW STORE"));
    assert_eq!(session.on(&two).get("/api/auth/me").status, 200);
    drop(session);
    drop((one, two));
    drop(done);
    for keeper in [first.1, second.1] {
        let _ = keeper.join();
    }
}

#[test]
fn a_session_made_on_one_node_works_on_the_other_and_its_sign_out_ends_it_on_both() {
    jaria_tests::local_only!();
    let (one, two) = nodes();
    let session = one.sign_in(&person("TRAVELLER"));
    let there = session.on(&two);
    let me = there.get("/api/auth/me");
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["session"]["method"], "eds");
    // Signed out on node 2: node 1 refuses the token at its next request.
    assert_eq!(
        there
            .send_json("POST", "/api/auth/logout", &json!({}))
            .status,
        204
    );
    session.get("/api/auth/me").assert_problem(401);
    there.get("/api/auth/me").assert_problem(401);
}

#[test]
fn a_challenge_is_single_use_across_nodes() {
    jaria_tests::local_only!();
    let (one, two) = nodes();
    let p = person("RACER");
    let challenge = one.challenge();
    let signature = p.sign(challenge.to_sign.as_bytes());
    // Both nodes at once, several times each: one sign-in in all.
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let node = if i % 2 == 0 { &one } else { &two };
                let (p, nonce, signature) = (&p, &challenge.nonce, &signature);
                s.spawn(move || node.post_eds(&p.cert_pem, nonce, signature).status)
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}\n{}\n{}",
        one.component_log(),
        two.component_log()
    );
    assert!(
        statuses.iter().all(|s| [200, 401, 429].contains(s)),
        "{statuses:?}"
    );
    // A challenge issued by node 2 signs in on node 1.
    let challenge = two.challenge();
    let reply = one.post_eds(
        &p.cert_pem,
        &challenge.nonce,
        &p.sign(challenge.to_sign.as_bytes()),
    );
    assert!(
        reply.status == 200 || reply.status == 429,
        "{}",
        reply.text()
    );
}

#[test]
fn a_revocation_on_one_node_ends_the_sessions_on_the_other_at_once() {
    jaria_tests::local_only!();
    let (one, two) = nodes();
    let admin = signed_in(&one, TEST_ADMIN_IIN, "ADMIN");
    let holder = person("LOST KEY");
    let session = two.sign_in(&holder);
    assert_eq!(session.get("/api/auth/me").status, 200);
    let r = admin.post_json(
        "/api/admin/revocations",
        &json!({"certificate": holder.cert_pem, "reason": "key reported stolen"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    session.get("/api/auth/me").assert_problem(401);
    let again = two.try_sign_in(&holder, Signing::Der);
    again.assert_problem(401);
    assert_eq!(again.error_code(), "certificate_revoked");
}

#[test]
fn an_officer_transferred_on_one_node_loses_the_old_cases_on_the_other_at_once() {
    jaria_tests::local_only!();
    let (one, two) = nodes();
    let admin = signed_in(&one, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (lead_iin, lead) = officer(&two, &admin, "investigator", police);
    let erdr = register_case(&lead);
    let victim = signed_in(&two, &random_iin(), "VICTIM");
    let pending = request(&victim, &erdr, "victim", None, None);
    let card = format!("/api/officer/cases/{erdr}");
    assert_eq!(lead.get(&card).status, 200);
    // The admin on node 1 moves the officer; the officer's next request is on node 2.
    let other = organ(&admin, "Other police");
    let r = admin.post_json(
        "/api/admin/officers",
        &json!({"iin": lead_iin, "full_name": "MOVED OFFICER", "role": "investigator", "organ_id": other}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    lead.get(&card).assert_problem(404);
    decide(&lead, pending, "confirm", None).assert_problem(404);
    // Dismissed on node 2: no officer's power left on node 1 either.
    let r = admin
        .on(&two)
        .delete(&format!("/api/admin/officers/{lead_iin}"));
    assert_eq!(r.status, 204, "{}", r.text());
    lead.on(&one).get("/api/officer/queue").assert_problem(403);
}

#[test]
fn a_lock_out_earned_on_one_node_holds_on_the_other() {
    jaria_tests::local_only!();
    let (one, two) = nodes();
    let iin = random_iin();
    let session = one.sign_in(&issue(PersonSpec::new(&iin, "FORGETFUL")));
    let password = "the right long password";
    assert_eq!(session.set_password(password).status, 204);
    // Five failures, spread over both nodes.
    for i in 0..5 {
        let node = if i % 2 == 0 { &one } else { &two };
        node.post_json(
            "/api/auth/login",
            &json!({"iin": iin, "password": "wrong password here"}),
        )
        .assert_problem(401);
    }
    for node in [&one, &two] {
        let locked = node.post_json(
            "/api/auth/login",
            &json!({"iin": iin, "password": password}),
        );
        locked.assert_problem(429);
        assert!(
            locked.header("retry-after").is_some(),
            "{:?}",
            locked.headers
        );
    }
}

#[test]
fn a_filing_retried_on_the_other_node_with_the_same_key_is_stored_once() {
    jaria_tests::local_only!();
    let (one, two) = nodes();
    let organ_id = organ(&signed_in(&one, TEST_ADMIN_IIN, "ADMIN"), "Police");
    let me = one.sign_in(&person("APPLICANT"));
    let body = me.signed_filing(
        &json!({"kind": "crime_report", "organ_id": organ_id, "text": "Filed once, sent twice."}),
    );
    let file = |session: &Session<'_>| {
        session.request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", "across-nodes"),
                ("content-type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    };
    let there = me.on(&two);
    // At once on both nodes, then once more on each: one filing, one answer.
    let answers: Vec<(u16, serde_json::Value)> = std::thread::scope(|s| {
        let a = s.spawn(|| file(&me));
        let b = s.spawn(|| file(&there));
        [a, b]
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .map(|r| (r.status, r.json()["id"].clone()))
            .collect()
    });
    let again = [file(&me), file(&there)].map(|r| (r.status, r.json()["id"].clone()));
    let all: Vec<_> = answers.iter().chain(again.iter()).collect();
    assert!(
        all.iter().all(|(s, id)| *s == 201 && *id == all[0].1),
        "{all:?}"
    );
    let list = there.get("/api/status/filings").json();
    assert_eq!(list["filings"].as_array().map(Vec::len), Some(1), "{list}");
}

#[test]
fn ticks_on_both_nodes_at_once_send_each_notice_once() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let (one, two) = two_nodes(|| receiver.configured(TestApp::builder()));
    let admin = signed_in(&one, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (_, lead) = officer(&one, &admin, "investigator", police);
    let erdr = register_case(&lead);
    let victim = signed_in(&two, &random_iin(), "VICTIM");
    let id = request(&victim, &erdr, "victim", None, None);
    assert_eq!(decide(&lead, id, "confirm", None).status, 200);
    // The victim's phone, proven by the code node 2's ticks send.
    receiver.verified_phone(&two, &victim, "ru");
    receiver.set(Behaviour::Slow(Duration::from_millis(30)));
    for _ in 0..10 {
        add_decision(&lead, &erdr, "suspension");
    }
    std::thread::scope(|s| {
        for node in [&one, &two, &one, &two] {
            s.spawn(move || {
                for _ in 0..3 {
                    node.tick();
                }
            });
        }
    });
    let decisions = receiver.ids_of("decision_available");
    let mut unique = decisions.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10, "{decisions:?}");
    assert_eq!(
        decisions.len(),
        10,
        "a notice was sent twice: {decisions:?}"
    );
}
