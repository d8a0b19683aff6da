//! Signing in, as participants, officers and admins experience it: EDS first, a password
//! only after EDS, sessions they can see and end, and the abuse rules around all of it.
//! Runs against a fresh local host, or `JARIA_BASE_URL` (see tests/fixtures/test-ca).

use std::time::Instant;

use jaria_tests::{
    KeyAlgorithm, PersonSpec, Session, Signing, TEST_ADMIN_IIN, TestApp, issue, local_only, person,
    random_iin,
};

fn error_code(reply: &jaria_tests::Reply) -> String {
    reply.json()["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_participant_signs_in_with_each_supported_signature() {
    let app = TestApp::portal();
    let cases = [
        (KeyAlgorithm::EcdsaP256, Signing::Der),
        (KeyAlgorithm::EcdsaP256, Signing::Raw),
        (KeyAlgorithm::Ed25519, Signing::Der),
        (KeyAlgorithm::Rsa2048, Signing::Der),
    ];
    for (algorithm, signing) in cases {
        let iin = random_iin();
        let p = issue(PersonSpec::new(&iin, "ASANOV BERIK").algorithm(algorithm));
        let reply = app.try_sign_in(&p, signing);
        assert_eq!(
            reply.status,
            200,
            "{algorithm:?}/{signing:?}: {}",
            reply.text()
        );
        let session = Session::from_reply(&app, &reply);
        assert_eq!(session.token.len(), 43);
        for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(session.cookie.contains(attr), "{}", session.cookie);
        }
        let me = session.get("/api/auth/me").json();
        assert_eq!(me["iin"], iin.as_str());
        assert_eq!(me["full_name"], "ASANOV BERIK");
        assert_eq!(me["roles"], serde_json::json!(["participant"]));
        assert_eq!(me["session"]["method"], "eds");
    }
}

#[test]
fn a_challenge_is_single_use_even_under_a_race() {
    let app = std::sync::Arc::new(TestApp::portal());
    let p = std::sync::Arc::new(person("A"));
    let challenge = app.challenge();
    let nonce = challenge.nonce.clone();
    let signature = std::sync::Arc::new(p.sign(challenge.to_sign.as_bytes()));
    let handles: Vec<_> = (0..12)
        .map(|_| {
            let (app, p, nonce, signature) =
                (app.clone(), p.clone(), nonce.clone(), signature.clone());
            std::thread::spawn(move || app.post_eds(&p.cert_pem, &nonce, &signature).status)
        })
        .collect();
    let statuses: Vec<u16> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401 || *s == 429),
        "{statuses:?}\n{}",
        app.component_log()
    );
    // A replay is refused; by now the IIN may also be locked out by the failed racers.
    let replay = app.post_eds(&p.cert_pem, &nonce, &signature);
    assert!(
        replay.status == 401 || replay.status == 429,
        "{}",
        replay.text()
    );
}

#[test]
fn unknown_nonces_and_forged_signatures_are_refused() {
    let app = TestApp::portal();
    let p = person("A");
    let other = person("B");
    let made_up = "A".repeat(43);
    let reply = app.post_eds(&p.cert_pem, &made_up, &p.sign(made_up.as_bytes()));
    reply.assert_problem(401);
    assert_eq!(error_code(&reply), "nonce_invalid");

    let challenge = app.challenge();
    let reply = app.post_eds(
        &p.cert_pem,
        &challenge.nonce,
        &other.sign(challenge.to_sign.as_bytes()),
    );
    reply.assert_problem(401);
    assert_eq!(error_code(&reply), "signature_invalid");
}

#[test]
fn bad_certificates_are_refused_with_their_reason() {
    let app = TestApp::portal();
    let rogue_ca = jaria_test_ca::Authority::new_root("Rogue CA").expect("rogue CA");
    let rogue = rogue_ca
        .issue(&PersonSpec::new(&random_iin(), "R"))
        .expect("issue");
    let mut bad_iin = PersonSpec::new("791028302729", "B");
    bad_iin.serial_attribute = "IIN791028302729".into();
    let cases = [
        (
            issue(PersonSpec::new(&random_iin(), "E").expired()),
            "certificate_expired",
        ),
        (rogue, "certificate_untrusted"),
        (
            issue(PersonSpec::new(&random_iin(), "K").without_digital_signature()),
            "certificate_key_usage",
        ),
        (issue(bad_iin), "certificate_invalid_iin"),
        (
            issue(PersonSpec::new(&random_iin(), "W").algorithm(KeyAlgorithm::Rsa1024)),
            "weak_key",
        ),
    ];
    for (p, code) in cases {
        let reply = app.try_sign_in(&p, Signing::Der);
        reply.assert_problem(401);
        assert_eq!(error_code(&reply), code, "{}", reply.text());
    }
    let reply = app.post_json(
        "/api/auth/eds",
        &serde_json::json!({"certificate": "junk", "nonce": app.challenge().nonce, "signature": "AAAA"}),
    );
    reply.assert_problem(401);
    assert_eq!(error_code(&reply), "certificate_malformed");
    app.post_json("/api/auth/eds", &serde_json::json!({"certificate": 1}))
        .assert_problem(422);
    app.post("/api/auth/eds", "text/plain", b"x")
        .assert_problem(415);
    app.post("/api/auth/eds", "application/json", b"{not json")
        .assert_problem(400);
}

#[test]
fn an_admin_revokes_a_certificate_and_it_no_longer_signs_in() {
    let app = TestApp::portal();
    let admin = app.sign_in(&issue(PersonSpec::new(TEST_ADMIN_IIN, "ADMIN")));
    let me = admin.get("/api/auth/me").json();
    assert!(
        me["roles"]
            .as_array()
            .is_some_and(|r| r.contains(&"admin".into())),
        "{me}"
    );
    let p = person("TO BE REVOKED");
    let user = app.sign_in(&p);
    // Only admins administer.
    user.post_json(
        "/api/admin/revocations",
        &serde_json::json!({"certificate": p.cert_pem, "reason": "lost"}),
    )
    .assert_problem(403);
    // By issuer and serial (any case of hex): the issuer's certificate names the issuer.
    let revoked = admin.post_json(
        "/api/admin/revocations",
        &serde_json::json!({"issuer_certificate": jaria_tests::test_ca_pem(),
                            "serial_number": p.serial_hex.to_uppercase(), "reason": "key lost"}),
    );
    assert_eq!(revoked.status, 201, "{}", revoked.text());
    let reply = app.try_sign_in(&p, Signing::Der);
    reply.assert_problem(401);
    assert_eq!(error_code(&reply), "certificate_revoked");
    let list = admin.get("/api/admin/revocations").json();
    assert!(list.to_string().contains(&p.serial_hex), "{list}");
}

#[test]
fn tokens_must_be_exact_and_die_at_logout() {
    let app = TestApp::portal();
    let session = app.sign_in(&person("A"));
    assert_eq!(session.get("/api/auth/me").status, 200);
    let mut tampered = session.token.clone().into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for auth in [
        format!("Bearer {tampered}"),
        "Bearer nope".into(),
        "Basic abc".into(),
    ] {
        app.request("GET", "/api/auth/me", &[("authorization", &auth)], None)
            .assert_problem(401);
    }
    app.get("/api/auth/me").assert_problem(401);
    assert_eq!(
        session
            .send_json("POST", "/api/auth/logout", &serde_json::json!({}))
            .status,
        204
    );
    session.get("/api/auth/me").assert_problem(401);
}

/// The `name=value` a browser sends back of the session's `Set-Cookie`.
fn cookie_pair(session: &Session<'_>) -> String {
    session
        .cookie
        .split(';')
        .next()
        .expect("cookie pair")
        .to_owned()
}

#[test]
fn cookie_sessions_need_csrf_and_same_origin_for_changes() {
    let app = TestApp::portal();
    let session = app.sign_in(&person("A"));
    let cookie = cookie_pair(&session);
    let host = app.base_url.trim_start_matches("http://").to_owned();
    let origin = format!("http://{host}");
    assert_eq!(
        app.request("GET", "/api/auth/me", &[("cookie", &cookie)], None)
            .status,
        200
    );
    app.request("POST", "/api/auth/logout", &[("cookie", &cookie)], None)
        .assert_problem(403);
    app.request(
        "POST",
        "/api/auth/logout",
        &[
            ("cookie", &cookie),
            ("x-csrf-token", &session.csrf_token),
            ("origin", "http://evil.example"),
        ],
        None,
    )
    .assert_problem(403);
    app.request(
        "POST",
        "/api/auth/logout",
        &[
            ("cookie", &cookie),
            ("x-csrf-token", "wrong"),
            ("origin", &origin),
        ],
        None,
    )
    .assert_problem(403);
    let ok = app.request(
        "POST",
        "/api/auth/logout",
        &[
            ("cookie", &cookie),
            ("x-csrf-token", &session.csrf_token),
            ("origin", &origin),
        ],
        None,
    );
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert!(
        ok.header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );
}

/// Behind a TLS-terminating proxy the runtime sees plain HTTP, so with `portal_origin` set a
/// change must come from exactly that origin, scheme and port included: a page on the same
/// host name over plain HTTP (or on another port) is not the portal's.
#[test]
fn with_portal_origin_set_changes_come_only_from_that_exact_origin() {
    local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_PORTAL_ORIGIN", "https://jaria.example")
        .start();
    let logout = |session: &Session<'_>, origin: &str| {
        let cookie = cookie_pair(session);
        app.request(
            "POST",
            "/api/auth/logout",
            &[
                ("cookie", &cookie),
                ("x-csrf-token", &session.csrf_token),
                ("origin", origin),
            ],
            None,
        )
    };
    let session = app.sign_in(&person("A"));
    let host = app.base_url.trim_start_matches("http://").to_owned();
    for foreign in [
        format!("http://{host}"),
        "http://jaria.example".to_owned(),
        "https://jaria.example:8443".to_owned(),
        "https://jaria.example.evil".to_owned(),
    ] {
        logout(&session, &foreign).assert_problem(403);
    }
    assert_eq!(
        logout(&session, "https://JARIA.example").status,
        204,
        "the portal's own origin (host names are case-blind)"
    );
}

#[test]
fn a_password_is_set_after_eds_and_then_signs_in() {
    let app = TestApp::portal();
    let iin = random_iin();
    let p = issue(PersonSpec::new(&iin, "OMAROVA AIGERIM"));
    let session = app.sign_in(&p);
    for (password, code) in [
        ("short", "password_too_short"),
        (&*format!("my-{iin}-pass"), "password_contains_iin"),
        ("Password1234", "password_common"),
    ] {
        let reply = session.set_password(password);
        reply.assert_problem(422);
        assert_eq!(error_code(&reply), code);
    }
    let good = "Жаңа құпия сөз 2026";
    assert_eq!(session.set_password(good).status, 204);
    let login = app.post_json(
        "/api/auth/login",
        &serde_json::json!({"iin": iin, "password": good}),
    );
    assert_eq!(login.status, 200, "{}", login.text());
    let by_password = Session::from_reply(&app, &login);
    let me = by_password.get("/api/auth/me").json();
    assert_eq!(me["session"]["method"], "password");
    // A password session changes the password only with the current one.
    let change = by_password.set_password("another long passphrase");
    change.assert_problem(401);
    let change = by_password.send_json(
        "PUT",
        "/api/auth/password",
        &serde_json::json!({"password": "another long passphrase", "current_password": good}),
    );
    assert_eq!(change.status, 204);
}

#[test]
fn wrong_password_and_unknown_iin_look_the_same() {
    local_only!();
    let app = TestApp::portal();
    let iin = random_iin();
    let session = app.sign_in(&issue(PersonSpec::new(&iin, "A")));
    session.set_password("a fine long password");
    let attempt = |iin: &str| {
        let started = Instant::now();
        let r = app.post_json(
            "/api/auth/login",
            &serde_json::json!({"iin": iin, "password": "not the password"}),
        );
        (r, started.elapsed())
    };
    // Two attempts each (four failures stay under the lock-out), the faster of each pair, so one
    // scheduling hiccup on a busy machine does not decide the comparison.
    let (wrong, first_wrong) = attempt(&iin);
    let (_, second_wrong) = attempt(&iin);
    let (unknown, first_unknown) = attempt(&random_iin());
    let (_, second_unknown) = attempt(&random_iin());
    let wrong_time = first_wrong.min(second_wrong);
    let unknown_time = first_unknown.min(second_unknown);
    wrong.assert_problem(401);
    unknown.assert_problem(401);
    assert_eq!(wrong.problem_shape(), unknown.problem_shape());
    // Both run Argon2: neither answers in a fraction of the other's time.
    let (fast, slow) = if wrong_time < unknown_time {
        (wrong_time, unknown_time)
    } else {
        (unknown_time, wrong_time)
    };
    assert!(
        fast * 4 > slow,
        "wrong {wrong_time:?} vs unknown {unknown_time:?}"
    );
}

#[test]
fn repeated_failures_lock_the_iin_out_with_retry_after() {
    local_only!();
    let app = TestApp::portal();
    let iin = random_iin();
    let session = app.sign_in(&issue(PersonSpec::new(&iin, "A")));
    let password = "the right long password";
    session.set_password(password);
    for _ in 0..5 {
        app.post_json(
            "/api/auth/login",
            &serde_json::json!({"iin": iin, "password": "wrong password here"}),
        )
        .assert_problem(401);
    }
    let locked = app.post_json(
        "/api/auth/login",
        &serde_json::json!({"iin": iin, "password": password}),
    );
    locked.assert_problem(429);
    let retry: u64 = locked
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    // The lock-out and the failures are in the audit log.
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    let count = |action: &str| -> i64 {
        db.query_row(
            "SELECT count(*) FROM audit_log WHERE action = ?1",
            [action],
            |r| r.get(0),
        )
        .expect("count")
    };
    assert_eq!(count("sign_in_failed"), 5);
    assert!(count("sign_in_locked_out") >= 1);
}

#[test]
fn officers_sign_in_only_with_eds_and_carry_their_organ() {
    let app = TestApp::portal();
    let admin = app.sign_in(&issue(PersonSpec::new(TEST_ADMIN_IIN, "ADMIN")));
    let organ = admin.post_json(
        "/api/admin/organs",
        &serde_json::json!({"name": format!("Police {}", random_iin()), "region": "Almaty"}),
    );
    assert_eq!(organ.status, 201, "{}", organ.text());
    let organ_id = organ.json()["id"].as_i64().expect("id");
    let iin = random_iin();
    let appointed = admin.post_json(
        "/api/admin/officers",
        &serde_json::json!({"iin": iin, "full_name": "SERIKOVA DANA", "role": "investigator", "organ_id": organ_id}),
    );
    assert_eq!(appointed.status, 201, "{}", appointed.text());
    admin
        .post_json(
            "/api/admin/officers",
            &serde_json::json!({"iin": iin, "full_name": "X", "role": "sheriff", "organ_id": organ_id}),
        )
        .assert_problem(422);
    let officer = app.sign_in(&issue(PersonSpec::new(&iin, "SERIKOVA DANA")));
    let me = officer.get("/api/auth/me").json();
    assert_eq!(
        me["roles"],
        serde_json::json!(["participant", "investigator"])
    );
    assert_eq!(me["organ"]["id"], organ_id);
    officer
        .set_password("officer long password")
        .assert_problem(403);
    officer.get("/api/admin/officers").assert_problem(403);
    // Dismissal ends the officer's powers in the session already open (it goes on as a
    // person's own).
    assert_eq!(
        admin.delete(&format!("/api/admin/officers/{iin}")).status,
        204
    );
    let me = officer.get("/api/auth/me").json();
    assert_eq!(me["roles"], serde_json::json!(["participant"]));
    assert_eq!(me["organ"], serde_json::Value::Null);
    officer.get("/api/officer/queue").assert_problem(403);
}

#[test]
fn people_see_and_end_their_own_sessions_only() {
    let app = TestApp::portal();
    let p = person("A");
    let first = app.sign_in(&p);
    let second = app.sign_in(&p);
    let stranger = app.sign_in(&person("B"));
    let list = first.get("/api/auth/sessions").json();
    let sessions = list["sessions"].as_array().expect("sessions").clone();
    assert_eq!(sessions.len(), 2, "{list}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    stranger
        .delete(&format!("/api/auth/sessions/{}", second.session_id))
        .assert_problem(404);
    assert_eq!(second.get("/api/auth/me").status, 200);
    assert_eq!(
        first
            .delete(&format!("/api/auth/sessions/{}", second.session_id))
            .status,
        204
    );
    second.get("/api/auth/me").assert_problem(401);
    first.delete("/api/auth/sessions/nope").assert_problem(404);
    assert_eq!(
        first.get("/api/auth/sessions").json()["sessions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn every_identity_event_is_in_the_hash_chained_audit_log() {
    local_only!();
    let app = TestApp::portal();
    let iin = random_iin();
    let session = app.sign_in(&issue(PersonSpec::new(&iin, "A")));
    session.set_password("a fine long password");
    let other = app.sign_in(&issue(PersonSpec::new(&iin, "A")));
    session.delete(&format!("/api/auth/sessions/{}", other.session_id));
    session.send_json("POST", "/api/auth/logout", &serde_json::json!({}));
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    let mut stmt = db
        .prepare("SELECT at, actor_iin, actor_role, action, subject, case_id, client_addr, detail, prev_hash, hash FROM audit_log ORDER BY id")
        .expect("prepare");
    let rows: Vec<(jaria_portal::audit::Entry, String, String)> = stmt
        .query_map([], |r| {
            Ok((
                jaria_portal::audit::Entry {
                    at: r.get(0)?,
                    actor_iin: r.get(1)?,
                    actor_role: r.get(2)?,
                    action: r.get(3)?,
                    subject: r.get(4)?,
                    case_id: r.get(5)?,
                    client_addr: r.get(6)?,
                    detail: r.get(7)?,
                },
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mine: Vec<&str> = rows
        .iter()
        .filter(|(e, _, _)| e.actor_iin.as_deref() == Some(iin.as_str()))
        .map(|(e, _, _)| e.action.as_str())
        .collect();
    assert_eq!(
        mine,
        [
            "sign_in",
            "password_changed",
            "sessions_ended",
            "sign_in",
            "session_revoked",
            "sign_out"
        ]
    );
    assert!(
        rows.iter()
            .all(|(e, _, _)| e.client_addr.starts_with("127.0.0.1"))
    );
    let mut prev = jaria_portal::audit::GENESIS_HASH.to_owned();
    for (entry, prev_hash, hash) in &rows {
        assert_eq!(prev_hash, &prev);
        assert_eq!(hash, &jaria_portal::audit::chain_hash(prev_hash, entry));
        prev = hash.clone();
    }
    // The log refuses to be rewritten.
    assert!(db.execute("DELETE FROM audit_log", []).is_err());
    assert!(db.execute("UPDATE audit_log SET action = 'x'", []).is_err());
}

#[test]
fn repeated_failures_from_one_address_lock_that_address_out() {
    local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES", "5")
        .start();
    // Five different IINs, so only the address is common to the failures.
    for _ in 0..5 {
        app.post_json(
            "/api/auth/login",
            &serde_json::json!({"iin": random_iin(), "password": "wrong password here"}),
        )
        .assert_problem(401);
    }
    let locked = app.post_json(
        "/api/auth/login",
        &serde_json::json!({"iin": random_iin(), "password": "wrong password here"}),
    );
    locked.assert_problem(429);
    assert!(locked.header("retry-after").is_some());
    // EDS sign-in from that address waits too.
    app.try_sign_in(&person("A"), Signing::Der)
        .assert_problem(429);
}

#[test]
fn the_demo_lets_a_newcomer_sign_in_at_once() {
    jaria_tests::jaria_only!("tests `jaria up --demo`, the README's first command");
    let app = TestApp::builder().arg("--demo").start();
    assert!(app.log().contains("Demo people"), "{}", app.log());
    let demo = app.state_dir().join("demo");
    let read = |name: &str| std::fs::read_to_string(demo.join(name)).expect("demo file");
    let investigator =
        jaria_tests::Person::from_pem(&read("investigator.pem"), &read("investigator.key"))
            .expect("demo key");
    let session = app.sign_in(&investigator);
    let me = session.get("/api/auth/me").json();
    assert!(
        me["roles"]
            .as_array()
            .is_some_and(|r| r.contains(&"investigator".into())),
        "{me}"
    );
    assert!(me["organ"]["name"].is_string(), "{me}");
    let victim =
        jaria_tests::Person::from_pem(&read("victim.pem"), &read("victim.key")).expect("demo key");
    let session = app.sign_in(&victim);
    assert_eq!(session.set_password("demo victim password").status, 204);
    let me = session.get("/api/auth/me").json();
    let login = app.post_json(
        "/api/auth/login",
        &serde_json::json!({"iin": me["iin"], "password": "demo victim password"}),
    );
    assert_eq!(login.status, 200, "{}", login.text());
}

#[test]
fn without_demo_no_demo_ca_is_trusted() {
    local_only!();
    // The plain portal (no --demo, no trust anchors) has no way in by EDS at all.
    let app = TestApp::builder().start();
    let p = person("A");
    app.try_sign_in(&p, Signing::Der).assert_problem(503);
    assert!(!app.state_dir().join("demo").exists());
}

#[test]
fn sessions_expire_when_idle_and_at_the_end_of_their_lifetime() {
    local_only!();
    let idle = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_SESSION_IDLE_TIMEOUT_SECS", "2")
        .start();
    let session = idle.sign_in(&person("A"));
    assert_eq!(session.get("/api/auth/me").status, 200);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    session.get("/api/auth/me").assert_problem(401);

    let short = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_SESSION_LIFETIME_SECS", "4")
        .start();
    let session = short.sign_in(&person("B"));
    let started = Instant::now();
    // Activity within the lifetime does not extend it.
    assert_eq!(session.get("/api/auth/me").status, 200);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    if started.elapsed() < std::time::Duration::from_millis(3500) {
        assert_eq!(session.get("/api/auth/me").status, 200);
    }
    std::thread::sleep(std::time::Duration::from_millis(5000).saturating_sub(started.elapsed()));
    session.get("/api/auth/me").assert_problem(401);
}

/// A foreign citizen's certificate carries a document number, not an IIN: it cannot sign in,
/// and the answer says why and what to do instead (the page says it in kk/ru/en).
#[test]
fn a_certificate_without_an_iin_is_refused_with_what_to_do_instead() {
    let app = TestApp::portal();
    let mut foreigner = PersonSpec::new(&random_iin(), "IVANOV IVAN");
    foreigner.serial_attribute = "PASSPORT4509123456".into();
    let reply = app.try_sign_in(&issue(foreigner), Signing::Der);
    reply.assert_problem(401);
    assert_eq!(error_code(&reply), "certificate_no_iin", "{}", reply.text());
    assert!(
        reply
            .text()
            .contains("records them by their identity document"),
        "{}",
        reply.text()
    );
}
