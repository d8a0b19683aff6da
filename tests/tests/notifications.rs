//! Notices that leave the portal, tried against a real HTTP receiver started here (one that
//! fails, stalls and answers slowly on purpose): contacts proven by codes sent through the
//! channel itself, messages signed and in the recipient's language, delivered once through
//! outages and parallel ticks, and deadlines that escalate on the schedule.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use jaria_tests::webhook::{Behaviour, Receiver, SECRET, code_in};
use jaria_tests::world::{CaseWorld, add_decision, request, signed_in};
use jaria_tests::{Reply, Session, TEST_ADMIN_IIN, TestApp, random_iin};
use serde_json::{Value, json};
use sha2::Sha256;

/// The portal with its delivery webhook pointed at `receiver`, retries a second apart.
fn app_with(receiver: &Receiver, more: &[(&str, &str)]) -> TestApp {
    let mut builder = receiver.configured(TestApp::builder());
    for (k, v) in more {
        builder = builder.env(k, v);
    }
    builder.portal().start()
}

fn put_contacts(session: &Session<'_>, body: &Value, language: &str) -> Reply {
    session.request_with(
        "PUT",
        "/api/auth/contacts",
        &[
            ("content-type", "application/json"),
            ("accept-language", language),
        ],
        body.to_string().as_bytes(),
    )
}

fn verify(session: &Session<'_>, channel: &str, code: &str) -> Reply {
    session.post_json(
        "/api/auth/contacts/verify",
        &json!({"channel": channel, "code": code}),
    )
}

/// A case led by an investigator, with its victim confirmed.
fn world(app: &TestApp) -> CaseWorld<'_> {
    CaseWorld::new(app).with_head().registered().with_victim()
}

fn signature_of(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[test]
fn a_decision_reaches_the_victims_phone_once_signed_and_in_kazakh() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[]);
    let w = world(&app);
    let phone = receiver.verified_phone(&app, w.victim(), "kk-KZ,kk;q=0.9,ru;q=0.8");
    add_decision(&w.lead, &w.erdr, "suspension");
    let message = receiver.delivered(&app, "decision notice", |m| {
        m["template"] == "decision_available"
    });
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["to"], phone.as_str());
    assert_eq!(message["language"], "kk");
    let text = message["text"].as_str().expect("text");
    assert!(text.contains(&w.erdr), "{text}");
    assert!(text.contains("шешім"), "not Kazakh: {text}");
    // Never case content in an SMS: the decision's title stays in the portal.
    assert!(!text.contains("Order"), "{text}");
    // Signed over the exact bytes, with the message id also in a header.
    let raw = receiver
        .received()
        .into_iter()
        .find(|r| r.accepted && r.json()["template"] == "decision_available")
        .expect("raw request");
    assert_eq!(raw.path, "/hooks/jaria");
    assert_eq!(
        raw.signature.as_deref(),
        Some(signature_of(&raw.body).as_str())
    );
    assert_eq!(raw.message_id_header.as_deref(), message["id"].as_str());
    // More ticks send nothing again.
    app.tick();
    app.tick();
    let decisions: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|m| m["template"] == "decision_available")
        .collect();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    // The feed has it too, as before.
    let feed = w.victim().get("/api/status/notifications").json();
    assert_eq!(feed["notifications"][0]["kind"], "decision_available");
    // A narrower choice is honoured: decisions to the feed only.
    let r = w.victim().send_json(
        "PUT",
        "/api/auth/notification-preferences",
        &json!({"kinds": {"decision_available": []}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    add_decision(&w.lead, &w.erdr, "termination");
    app.tick();
    let decisions = receiver
        .accepted()
        .into_iter()
        .filter(|m| m["template"] == "decision_available")
        .count();
    assert_eq!(decisions, 1);
    // A person without verified contacts gets nothing outside the portal.
    assert!(
        receiver
            .accepted()
            .iter()
            .all(|m| m["to"] == phone.as_str()),
        "{:?}",
        receiver.accepted()
    );
}

#[test]
fn a_receiver_that_is_down_stalls_or_is_slow_gets_every_message_and_can_de_duplicate() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[]);
    let w = world(&app);
    receiver.verified_phone(&app, w.victim(), "en");
    // Down: three decisions are tried and refused.
    receiver.set(Behaviour::Fail);
    for kind in ["suspension", "resumption", "termination"] {
        add_decision(&w.lead, &w.erdr, kind);
    }
    let report = app.tick();
    assert_eq!(report["delivery"]["retrying"], 3, "{report}");
    assert!(
        receiver
            .accepted()
            .iter()
            .all(|m| m["template"] != "decision_available")
    );
    // Stalled: the tick gives up on each within the timeout, and keeps its budget. (A retry
    // is due at least one whole second after the failure, counted from the next second.)
    std::thread::sleep(Duration::from_millis(2100));
    receiver.set(Behaviour::Stall);
    let started = Instant::now();
    app.tick();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    // Slow, past the timeout: taken by the receiver but not known to the portal, so sent again
    // later with the same id.
    receiver.set(Behaviour::Slow(Duration::from_millis(1500)));
    std::thread::sleep(Duration::from_secs(3));
    app.tick();
    // Back: everything arrives.
    receiver.set(Behaviour::Accept);
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let report = app.tick();
        if report["outbox"]["pending"] == 0 {
            assert_eq!(report["outbox"]["dead"], 0, "{report}");
            break;
        }
        assert!(Instant::now() < deadline, "still queued: {report}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut ids: Vec<String> = receiver
        .accepted()
        .into_iter()
        .filter(|m| m["template"] == "decision_available")
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "{ids:?}");
    // Once the portal has had a 2xx it never sends that id again.
    let seen = receiver.received().len();
    std::thread::sleep(Duration::from_secs(2));
    app.tick();
    assert_eq!(receiver.received().len(), seen);
    // Every repeat the receiver saw carries the id of a message it already had: nothing lost,
    // and duplicates are recognisable.
    let all: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|m| m["template"] == "decision_available")
        .collect();
    assert!(
        all.len() > 3,
        "the failures should have caused repeats: {all:?}"
    );
    for m in &all {
        assert!(
            ids.contains(&m["id"].as_str().unwrap_or("").to_owned()),
            "{m}"
        );
    }
    for id in &ids {
        let texts: Vec<&Value> = all
            .iter()
            .filter(|m| m["id"] == id.as_str())
            .map(|m| &m["text"])
            .collect();
        assert!(
            texts.windows(2).all(|p| p[0] == p[1]),
            "a repeat changed its text: {texts:?}"
        );
    }
}

#[test]
fn two_ticks_in_parallel_send_each_message_once() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[]);
    let w = world(&app);
    receiver.verified_phone(&app, w.victim(), "ru");
    receiver.set(Behaviour::Slow(Duration::from_millis(30)));
    for _ in 0..12 {
        add_decision(&w.lead, &w.erdr, "suspension");
    }
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                for _ in 0..3 {
                    app.tick();
                }
            });
        }
    });
    let decisions = receiver.ids_of("decision_available");
    let mut unique = decisions.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "{decisions:?}");
    assert_eq!(
        decisions.len(),
        12,
        "a message was sent twice: {decisions:?}"
    );
}

/// A flood of notices to one person is no flood of paid SMS: past the day's allowance
/// (`sms_per_person_per_day`) the rest are counted into one digest, sent after a delay
/// (`sms_digest_delay_secs`); the portal's feed still lists every notice.
#[test]
fn past_the_days_allowance_notices_reach_the_phone_as_one_digest() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(
        &receiver,
        &[
            ("SPIN_VARIABLE_SMS_PER_PERSON_PER_DAY", "3"),
            ("SPIN_VARIABLE_SMS_DIGEST_DELAY_SECS", "3"),
        ],
    );
    let w = world(&app);
    receiver.verified_phone(&app, w.victim(), "en");
    for _ in 0..7 {
        add_decision(&w.lead, &w.erdr, "suspension");
    }
    app.tick();
    assert_eq!(receiver.ids_of("decision_available").len(), 3);
    assert!(
        receiver.ids_of("notices_digest").is_empty(),
        "the digest waits for its delay"
    );
    std::thread::sleep(Duration::from_secs(4));
    app.tick();
    let digests: Vec<Value> = receiver
        .accepted()
        .into_iter()
        .filter(|m| m["template"] == "notices_digest")
        .collect();
    assert_eq!(digests.len(), 1, "{digests:?}");
    let text = digests[0]["text"].as_str().expect("text");
    assert!(text.contains("4 more notices"), "{text}");
    assert_eq!(receiver.ids_of("decision_available").len(), 3);
    assert_eq!(count(&feed_kinds(w.victim()), "decision_available"), 7);
}

fn feed_kinds(session: &Session<'_>) -> Vec<String> {
    session.get("/api/status/notifications").json()["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter_map(|n| n["kind"].as_str().map(str::to_owned))
        .collect()
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

#[test]
fn an_overdue_petition_escalates_once_and_a_near_one_reminds_its_handler() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[]);
    let w = world(&app);
    let file = |text: &str| -> i64 {
        let r = w.victim().request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", &random_iin()),
                ("content-type", "application/json"),
            ],
            json!({"kind": "petition", "erdr_number": w.erdr, "text": text})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_i64().expect("id")
    };
    let late = file("Return my phone.");
    let near = file("Question the neighbour.");
    // Days are too long to wait: the due times are moved in the file.
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    let now = chrono::Utc::now().timestamp();
    db.execute(
        "UPDATE filings SET due_unix = ?1 WHERE id = ?2",
        [now - 60, late],
    )
    .expect("update");
    db.execute(
        "UPDATE filings SET due_unix = ?1 WHERE id = ?2",
        [now + 6 * 3600, near],
    )
    .expect("update");
    drop(db);
    let report = app.tick();
    assert_eq!(report["deadlines"]["overdue_escalations"], 1, "{report}");
    assert_eq!(report["deadlines"]["due_soon_reminders"], 1, "{report}");
    // Again, and in parallel: nothing more.
    std::thread::scope(|s| {
        s.spawn(|| app.tick());
        s.spawn(|| app.tick());
    });
    let again = app.tick();
    assert_eq!(again["deadlines"]["overdue_escalations"], 0, "{again}");
    assert_eq!(count(&feed_kinds(w.victim()), "filing_overdue"), 1);
    assert_eq!(count(&feed_kinds(w.head()), "filing_overdue_escalated"), 1);
    assert_eq!(count(&feed_kinds(&w.lead), "filing_due_soon"), 1);
    // The lead is not the supervisor of their own overdue work; the head is not its handler.
    assert_eq!(count(&feed_kinds(&w.lead), "filing_overdue_escalated"), 0);
    assert_eq!(count(&feed_kinds(w.head()), "filing_due_soon"), 0);
    // The filer sees the escalation in the filing's timeline, once.
    let status = w
        .victim()
        .get(&format!("/api/status/filings/{late}"))
        .json();
    let escalations = status["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter(|e| e["event"] == "overdue_escalated")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(escalations, 1, "{status}");
}

#[test]
fn a_complaint_granted_in_part_reminds_its_filer_before_the_court_window_ends() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[]);
    let w = world(&app);
    let r = w.victim().request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", &random_iin()),
            ("content-type", "application/json"),
        ],
        json!({"kind": "complaint", "erdr_number": w.erdr, "addressee": "head_of_unit",
               "subject": "other", "text": "The search took my laptop."})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let complaint = r.json()["id"].as_i64().expect("id");
    let r = w.head().post_json(
        &format!("/api/officer/filings/{complaint}/decision"),
        &json!({"outcome": "partially_granted", "reasoning": "The laptop is returned, the disk kept."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // Fifteen days are too long to wait: the decision is moved back in the file, to a day
    // whose window (counted by the tests' own calendar) ends within the reminder's three days.
    let now = chrono::Utc::now().timestamp();
    let (decided, ends) = (12..=25)
        .map(|days_ago| now - days_ago * 86_400)
        .map(|decided| (decided, jaria_tests::calendar::period_end(decided, 15)))
        .find(|(_, ends)| *ends > now + 600 && *ends - now < 3 * 86_400 - 600)
        .expect("a decision day whose window ends within three days");
    let decided_at = chrono::DateTime::from_timestamp(decided, 0)
        .expect("instant")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    db.execute(
        "UPDATE filings SET decided_at = ?1 WHERE id = ?2",
        rusqlite::params![decided_at, complaint],
    )
    .expect("update");
    drop(db);
    let report = app.tick();
    assert_eq!(report["deadlines"]["court_window_reminders"], 1, "{report}");
    assert_eq!(app.tick()["deadlines"]["court_window_reminders"], 0);
    let feed = w.victim().get("/api/status/notifications").json();
    let reminders: Vec<&Value> = feed["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["kind"] == "court_window")
        .collect();
    assert_eq!(reminders.len(), 1, "{feed}");
    let payload = &reminders[0]["payload"];
    assert_eq!(payload["filing_id"], complaint);
    let expected_end = chrono::DateTime::from_timestamp(ends, 0)
        .expect("instant")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(payload["ends_at"], expected_end.as_str(), "{payload}");
    // The filing shows the same end.
    let status = w
        .victim()
        .get(&format!("/api/status/filings/{complaint}"))
        .json();
    assert_eq!(status["court_window"]["opened_by"], "partial_refusal");
    assert_eq!(status["court_window"]["ends_at"], expected_end.as_str());
}

#[test]
fn codes_expire_run_out_of_tries_and_are_rate_limited() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[]);
    let me = signed_in(&app, &random_iin(), "CITIZEN");
    // Bad addresses are refused with the field named.
    let r = put_contacts(&me, &json!({"phone": "8 701 234 56 78"}), "en");
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "phone");
    let r = put_contacts(&me, &json!({"email": "not an address"}), "en");
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "email");
    assert_eq!(verify(&me, "sms", "123456").error_code(), "no_code");
    // A code, then a second one at once: too soon.
    let r = put_contacts(&me, &json!({"email": "citizen@mail.kz"}), "en");
    assert_eq!(r.status, 200, "{}", r.text());
    let first = receiver.delivered(&app, "code", |m| m["to"] == "citizen@mail.kz");
    assert_eq!(first["channel"], "email");
    let r = put_contacts(&me, &json!({"email": "citizen@mail.kz"}), "en");
    r.assert_problem(429);
    assert!(r.header("retry-after").is_some());
    // Five wrong tries use the code up; the right one is then refused too.
    let right = code_in(&first);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in (1..=4).rev() {
        let r = verify(&me, "email", wrong);
        assert_eq!(r.error_code(), "wrong_code", "{}", r.text());
        assert!(r.text().contains(&format!("{left} tries")), "{}", r.text());
    }
    assert_eq!(verify(&me, "email", wrong).error_code(), "code_exhausted");
    assert_eq!(verify(&me, "email", &right).error_code(), "code_exhausted");
    // Parallel guesses cannot share a try: the count is exact.
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    let spacing = |db: &rusqlite::Connection| {
        db.execute("UPDATE contact_codes_sent SET at_unix = at_unix - 61", [])
            .expect("update");
    };
    spacing(&db);
    let r = put_contacts(&me, &json!({"email": "citizen@mail.kz"}), "en");
    assert_eq!(r.status, 200, "{}", r.text());
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| verify(&me, "email", wrong));
        }
    });
    let left: i64 = db
        .query_row(
            "SELECT code_tries_left FROM contacts WHERE channel = 'email' AND address = 'citizen@mail.kz'",
            [],
            |r| r.get(0),
        )
        .expect("row");
    assert_eq!(left, 0);
    // An expired code is refused as expired.
    spacing(&db);
    let r = put_contacts(&me, &json!({"email": "citizen@mail.kz"}), "en");
    assert_eq!(r.status, 200, "{}", r.text());
    db.execute(
        "UPDATE contacts SET code_expires_unix = 1 WHERE address = 'citizen@mail.kz'",
        [],
    )
    .expect("update");
    assert_eq!(verify(&me, "email", "123456").error_code(), "code_expired");
    // Three codes to one address an hour, whoever asks: nobody floods another's phone.
    let other = signed_in(&app, &random_iin(), "OTHER");
    let r = put_contacts(&other, &json!({"email": "citizen@mail.kz"}), "en");
    r.assert_problem(429);
    assert!(r.header("retry-after").is_some());
    // Five codes a person an hour, whatever the spacing and the addresses.
    spacing(&db);
    assert_eq!(
        put_contacts(&me, &json!({"email": "citizen2@mail.kz"}), "en").status,
        200
    );
    spacing(&db);
    assert_eq!(
        put_contacts(&me, &json!({"email": "citizen3@mail.kz"}), "en").status,
        200
    );
    spacing(&db);
    let r = put_contacts(&me, &json!({"email": "citizen4@mail.kz"}), "en");
    r.assert_problem(429);
    // Nothing was half-written by the refusal: the last address and its pending code stand.
    let view = me.get("/api/auth/contacts").json();
    assert_eq!(view["email"]["address"], "citizen3@mail.kz");
    assert_eq!(view["email"]["verified"], false);
    assert_eq!(view["email"]["code_pending"], true);
    // Only the newest code's message may still go out: older ones were voided with their codes.
    let queued: i64 = db
        .query_row(
            "SELECT count(*) FROM outbox WHERE template = 'verification_code' AND state = 'pending'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(queued, 1);
    // Removing the address drops what was queued for it, and the code with it.
    let r = put_contacts(&me, &json!({"email": null}), "en");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["email"], Value::Null);
    let kept: i64 = db
        .query_row(
            "SELECT count(*) FROM outbox WHERE template = 'verification_code' AND state != 'sent' AND payload != '{}'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(kept, 0, "codes not sent must not be kept");
}

#[test]
fn a_changed_number_gets_nothing_queued_for_the_old_one() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[]);
    let w = world(&app);
    let old = receiver.verified_phone(&app, w.victim(), "ru");
    receiver.set(Behaviour::Fail);
    add_decision(&w.lead, &w.erdr, "suspension");
    let report = app.tick();
    assert_eq!(report["delivery"]["retrying"], 1, "{report}");
    // The SIM card is lost: the victim gives a new number while the notice waits (a minute
    // after the last code, as the per-channel limit wants: moved in the file).
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    db.execute("UPDATE contact_codes_sent SET at_unix = at_unix - 61", [])
        .expect("update");
    receiver.set(Behaviour::Accept);
    let new = format!("+770{}", &random_iin()[..8]);
    let r = put_contacts(w.victim(), &json!({"phone": new}), "ru");
    assert_eq!(r.status, 200, "{}", r.text());
    // The notice's retry is due again (see the back-off's whole seconds).
    std::thread::sleep(Duration::from_millis(2100));
    receiver.delivered(&app, "the new number's code", |m| {
        m["to"] == new.as_str() && m["template"] == "verification_code"
    });
    app.tick();
    assert!(
        receiver
            .accepted()
            .iter()
            .all(|m| !(m["to"] == old.as_str() && m["template"] == "decision_available")),
        "a notice went to the old number: {:?}",
        receiver.accepted()
    );
    // And an admin cannot send it there either.
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let dead = admin.get("/api/admin/outbox").json();
    let message = dead["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["template"] == "decision_available"))
        .cloned()
        .expect("the dead notice");
    assert_eq!(message["last_error"], "address changed");
    admin
        .post_json(
            &format!(
                "/api/admin/outbox/{}/retry",
                message["id"].as_str().unwrap_or("")
            ),
            &json!({}),
        )
        .assert_problem(409);
}

#[test]
fn dead_messages_are_shown_to_admins_and_can_be_retried() {
    jaria_tests::local_only!();
    let receiver = Receiver::start();
    let app = app_with(&receiver, &[("SPIN_VARIABLE_NOTIFY_MAX_ATTEMPTS", "2")]);
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let w = world(&app);
    receiver.verified_phone(&app, w.victim(), "ru");
    receiver.set(Behaviour::Fail);
    add_decision(&w.lead, &w.erdr, "suspension");
    // A code to a new e-mail address fails the same way.
    let r = put_contacts(w.victim(), &json!({"email": "victim@mail.kz"}), "ru");
    assert_eq!(r.status, 200, "{}", r.text());
    app.tick();
    // Past the retry (due a whole second after the failure, counted from the next second).
    std::thread::sleep(Duration::from_millis(2100));
    let report = app.tick();
    assert_eq!(report["outbox"]["dead"], 2, "{report}");
    // Only admins see the list, and never a message's text (a code may be in it).
    w.victim().get("/api/admin/outbox").assert_problem(403);
    let list = admin.get("/api/admin/outbox").json();
    let find = |template: &str| {
        list["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["template"] == template))
            .cloned()
            .unwrap_or_else(|| panic!("no dead {template}: {list}"))
    };
    let dead = find("decision_available");
    assert_eq!(dead["attempts"], 2);
    assert!(
        dead["last_error"].as_str().unwrap_or("").contains("503"),
        "{dead}"
    );
    assert!(
        dead.get("text").is_none() && dead.get("payload").is_none(),
        "{dead}"
    );
    admin
        .get("/api/admin/outbox?state=lost")
        .assert_problem(422);
    // A dead code is never sent again: the person asks for a new one.
    let code = find("verification_code");
    admin
        .post_json(
            &format!(
                "/api/admin/outbox/{}/retry",
                code["id"].as_str().unwrap_or("")
            ),
            &json!({}),
        )
        .assert_problem(409);
    // The notice, retried, is delivered.
    let id = dead["id"].as_str().expect("id").to_owned();
    receiver.set(Behaviour::Accept);
    let r = admin.post_json(&format!("/api/admin/outbox/{id}/retry"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "pending");
    admin
        .post_json(&format!("/api/admin/outbox/{id}/retry"), &json!({}))
        .assert_problem(409);
    admin
        .post_json(
            &format!("/api/admin/outbox/{}/retry", "0".repeat(32)),
            &json!({}),
        )
        .assert_problem(404);
    receiver.delivered(&app, "retried notice", |m| m["id"] == id.as_str());
    // The outbox is a queue, not an archive: delivered messages go after 30 days (moved back
    // in the file), dead ones after 90.
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    db.execute(
        "UPDATE outbox SET created_at = '2000-01-01T00:00:00.000Z' WHERE state = 'sent'",
        [],
    )
    .expect("update");
    let report = app.tick();
    assert!(
        report["deadlines"]["messages_pruned"].as_u64().unwrap_or(0) >= 2,
        "{report}"
    );
    assert_eq!(report["outbox"]["sent"], 0, "{report}");
    assert_eq!(
        report["outbox"]["dead"], 1,
        "the dead code is younger than 90 days: {report}"
    );
}

#[test]
fn a_misconfigured_webhook_is_not_ready_and_spends_nothing() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        // The URL is outside the origin the component may reach.
        .env(
            "SPIN_VARIABLE_NOTIFY_WEBHOOK_URL",
            "http://127.0.0.1:9/hooks",
        )
        .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_ORIGIN", "http://127.0.0.1:8")
        .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_SECRET", SECRET)
        .env("JARIA_TICK_INTERVAL_SECS", "0")
        .portal()
        .start();
    let ready = app.readiness("/api/internal");
    assert_eq!(ready.status, 503, "{}", ready.text());
    assert!(
        ready.text().contains("notify_webhook_url"),
        "{}",
        ready.text()
    );
    // The other components do not depend on it.
    assert_eq!(app.get("/api/auth/health/ready").status, 200);
    let me = signed_in(&app, &random_iin(), "CITIZEN");
    assert_eq!(
        put_contacts(&me, &json!({"phone": "+77015556677"}), "en").status,
        200
    );
    let report = app.tick();
    assert_eq!(report["delivery"]["state"], "misconfigured", "{report}");
    assert!(
        report["delivery"]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("notify_webhook_origin"),
        "{report}"
    );
    // The code waits, untried, for a working configuration.
    assert_eq!(report["outbox"]["pending"], 1, "{report}");
    assert_eq!(report["outbox"]["dead"], 0, "{report}");
}

#[test]
fn a_detained_persons_filing_rings_again_until_taken_up_and_past_24_hours_reaches_supervisors() {
    jaria_tests::local_only!();
    let app = TestApp::portal();
    let w = world(&app);
    let r = w.victim().request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "from-the-cell"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "petition", "erdr_number": w.erdr, "filed_in_detention": true,
               "text": "I ask to be examined by a doctor."})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().expect("id");
    let alarms = |session: &Session<'_>| -> Vec<Value> {
        session.get("/api/status/notifications").json()["notifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .filter(|n| n["kind"] == "custody_waiting" && n["payload"]["filing_id"] == id)
            .cloned()
            .collect()
    };
    // Submitted `hours` ago, as far as the tick can tell.
    let waited = |hours: i64| {
        let db = rusqlite::Connection::open(app.database_file()).expect("db");
        db.execute(
            "UPDATE filings SET submitted_unix = ?1 WHERE id = ?2",
            rusqlite::params![chrono::Utc::now().timestamp() - hours * 3600 - 60, id],
        )
        .expect("moved back");
    };
    // The arrival notice is the first alarm; the next comes after 4 hours.
    app.tick();
    assert!(alarms(&w.lead).is_empty());
    waited(5);
    app.tick();
    app.tick();
    let rung = alarms(&w.lead);
    assert_eq!(
        rung.len(),
        1,
        "once per period, however many ticks: {rung:?}"
    );
    assert_eq!(rung[0]["payload"]["hours_waiting"], 5);
    assert_eq!(rung[0]["payload"]["handover_overdue"], false);
    assert!(
        alarms(w.head()).is_empty(),
        "within the 24 hours, only the handler"
    );
    // Past the 24 hours: again, and to the head of unit too.
    waited(25);
    app.tick();
    assert_eq!(alarms(&w.lead).len(), 2);
    let escalated = alarms(w.head());
    assert_eq!(escalated.len(), 1, "{escalated:?}");
    assert_eq!(escalated[0]["payload"]["handover_overdue"], true);
    assert!(
        alarms(w.victim()).is_empty(),
        "the alarm is the officers', not the filer's"
    );
    // Taken up: silence.
    let r = w
        .lead
        .post_json(&format!("/api/officer/filings/{id}/review"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    waited(33);
    app.tick();
    assert_eq!(alarms(&w.lead).len(), 2, "no alarm once it is taken up");
}

#[test]
fn the_lead_officer_is_told_at_once_when_someone_asks_for_a_status_in_their_case() {
    let app = TestApp::portal();
    let w = world(&app);
    let before = count(&feed_kinds(&w.lead), "access_request_received");
    let asker = signed_in(&app, &random_iin(), "CIVIL PLAINTIFF");
    request(&asker, &w.erdr, "civil_plaintiff", None, None);
    let feed = w.lead.get("/api/status/notifications").json();
    let notice = feed["notifications"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["kind"] == "access_request_received"))
        .cloned()
        .expect("the request's notice");
    assert_eq!(
        count(&feed_kinds(&w.lead), "access_request_received"),
        before + 1
    );
    assert_eq!(
        notice["payload"]["erdr_number"],
        w.erdr.as_str(),
        "{notice}"
    );
    assert_eq!(notice["payload"]["procedural_status"], "civil_plaintiff");
    assert!(
        notice["payload"]["due_at"]
            .as_str()
            .is_some_and(|d| d.len() == 16),
        "{notice}"
    );
    // Nobody else is told: not the head of unit, not the person who asked.
    assert_eq!(count(&feed_kinds(w.head()), "access_request_received"), 0);
    assert_eq!(count(&feed_kinds(&asker), "access_request_received"), 0);
    // Asking under a number not registered tells no one (and reveals nothing).
    let before = count(&feed_kinds(&w.lead), "access_request_received");
    request(
        &asker,
        &jaria_tests::world::random_erdr(),
        "victim",
        None,
        None,
    );
    assert_eq!(
        count(&feed_kinds(&w.lead), "access_request_received"),
        before
    );
}
