//! Resources no one person can exhaust: unattached uploads are limited per person and day, an
//! upload that expires unattached gives its bytes back (unless something else refers to the
//! same document), a deployment's storage limit refuses new documents with 507 before the
//! volume fills, with nothing half-written; filings per day and status requests waiting for an
//! officer are limited per person.

use jaria_tests::world::PDF;
use jaria_tests::{Session, TestApp, person};

/// The portal with the per-person limits spin.toml ships (the harness raises them for every
/// other test, which file and upload as one person far more often).
fn shipped_limits() -> TestApp {
    TestApp::builder()
        .portal()
        .without_env("SPIN_VARIABLE_FILINGS_PER_PERSON_PER_DAY")
        .without_env("SPIN_VARIABLE_UPLOADS_PER_PERSON_PER_DAY")
        .without_env("SPIN_VARIABLE_UPLOAD_BYTES_PER_PERSON_PER_DAY")
        .without_env("SPIN_VARIABLE_PENDING_ACCESS_REQUESTS_PER_PERSON")
        .start()
}

fn upload(session: &Session<'_>, bytes: &[u8]) -> jaria_tests::Reply {
    session.request_with(
        "POST",
        "/api/filings/attachments",
        &[("content-type", "application/pdf")],
        bytes,
    )
}

/// A PDF no other test uploads (the same bytes are stored once).
fn unique_pdf(tag: &str) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend_from_slice(format!("\n% {tag} {}\n", jaria_tests::random_iin()).as_bytes());
    bytes
}

#[test]
fn unattached_uploads_past_the_days_limit_wait_for_the_oldest_to_leave_the_window() {
    jaria_tests::local_only!();
    // The shipped limits (the harness raises them for every other test).
    let app = shipped_limits();
    let me = app.sign_in(&person("MANY FILES"));
    for n in 0..jaria_portal::platform::limits::UNATTACHED_UPLOADS_PER_DAY {
        let r = upload(&me, &unique_pdf(&format!("n{n}")));
        assert_eq!(r.status, 201, "upload {n}: {}", r.text());
    }
    let refused = upload(&me, &unique_pdf("one too many"));
    refused.assert_problem(429);
    let wait: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(
        (23 * 3600..=24 * 3600).contains(&wait),
        "until the first upload leaves the day: {wait}"
    );
    // Another person is not held to my count.
    let other = app.sign_in(&person("FEW FILES"));
    assert_eq!(upload(&other, &unique_pdf("other")).status, 201);
}

#[test]
fn an_upload_that_expires_unattached_gives_its_bytes_back() {
    jaria_tests::local_only!();
    let app = TestApp::portal();
    let me = app.sign_in(&person("FORGETFUL"));
    let lonely = unique_pdf("lonely");
    let shared = unique_pdf("shared");
    let first = upload(&me, &lonely).json();
    let second = upload(&me, &shared).json();
    // The same bytes uploaded again, still within its day: that document must stay.
    let again = upload(&me, &shared).json();
    assert_eq!(second["sha256"], again["sha256"]);
    {
        // A day passes for the first two uploads only.
        let db = rusqlite::Connection::open(app.database_file()).expect("database");
        db.execute(
            "UPDATE attachments SET created_unix = created_unix - 90000 WHERE id IN (?1, ?2)",
            (
                first["id"].as_str().expect("id"),
                second["id"].as_str().expect("id"),
            ),
        )
        .expect("age the uploads");
    }
    let tick = app.tick();
    assert_eq!(tick["deadlines"]["attachments_expired"], 2, "{tick}");
    assert_eq!(tick["deadlines"]["documents_reclaimed"], 1, "{tick}");
    let db = rusqlite::Connection::open(app.database_file()).expect("database");
    let stored = |sha: &serde_json::Value| -> (i64, i64) {
        let sha = sha.as_str().expect("sha");
        (
            db.query_row(
                "SELECT count(*) FROM documents WHERE sha256 = ?1",
                [sha],
                |r| r.get(0),
            )
            .expect("documents"),
            db.query_row(
                "SELECT count(*) FROM document_chunks WHERE sha256 = ?1",
                [sha],
                |r| r.get(0),
            )
            .expect("chunks"),
        )
    };
    assert_eq!(
        stored(&first["sha256"]),
        (0, 0),
        "the lonely upload's bytes are gone"
    );
    assert_eq!(stored(&second["sha256"]).0, 1, "the shared document stays");
    assert!(stored(&second["sha256"]).1 > 0);
}

#[test]
fn past_the_storage_limit_new_documents_are_refused_and_nothing_is_half_written() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_STORAGE_LIMIT_BYTES", "4096")
        .start();
    let me = app.sign_in(&person("TOO LATE"));
    let refused = upload(&me, &unique_pdf("full"));
    let problem = refused.assert_problem(507);
    assert!(problem["detail"].is_string(), "{problem}");
    let db = rusqlite::Connection::open(app.database_file()).expect("database");
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT count(*) FROM attachments"), 0);
    assert_eq!(count("SELECT count(*) FROM documents"), 0);
    assert_eq!(count("SELECT count(*) FROM document_chunks"), 0);
}

#[test]
fn a_script_filing_past_a_day_or_flooding_the_officers_queues_is_held_back() {
    jaria_tests::local_only!();
    let app = shipped_limits();
    let admin = jaria_tests::world::signed_in(&app, jaria_tests::TEST_ADMIN_IIN, "ADMIN");
    let organ_id = jaria_tests::world::organ(&admin, "Police");
    let script = app.sign_in(&person("SCRIPT"));
    // Statements must be signed: sign each as the page does.
    let signed_body = |n: i64| {
        script.signed_filing(&serde_json::json!({"kind": "crime_report",
            "organ_id": organ_id, "text": format!("Statement {n}.")}))
    };
    let send = |n: i64, body: &serde_json::Value| {
        script.request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", &format!("flood-{n}")),
                ("content-type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    };
    let first = signed_body(0);
    for n in 0..jaria_portal::platform::limits::FILINGS_PER_DAY {
        let body = if n == 0 {
            first.clone()
        } else {
            signed_body(n)
        };
        let r = send(n, &body);
        assert_eq!(r.status, 201, "filing {n}: {}", r.text());
    }
    // A retry of one already made is still answered (it adds nothing)…
    let again = send(0, &first);
    assert_eq!(again.status, 201, "{}", again.text());
    // … a new one waits.
    let refused = send(
        jaria_portal::platform::limits::FILINGS_PER_DAY,
        &signed_body(jaria_portal::platform::limits::FILINGS_PER_DAY),
    );
    refused.assert_problem(429);
    assert!(refused.header("retry-after").is_some());
    // Status requests: at most so many waiting for officers at once. Each in its own case (a
    // second request for one case is a 409 of its own, so the numbers are drawn distinct).
    let mut cases = std::collections::BTreeSet::new();
    let limit = jaria_portal::platform::limits::PENDING_ACCESS_REQUESTS as usize;
    while cases.len() <= limit {
        cases.insert(jaria_tests::world::random_erdr());
    }
    let mut cases = cases.into_iter();
    for n in 0..limit {
        let r = script.post_json(
            "/api/cases/access-requests",
            &serde_json::json!({"erdr_number": cases.next(), "procedural_status": "victim"}),
        );
        assert_eq!(r.status, 202, "request {n}: {}", r.text());
    }
    let refused = script.post_json(
        "/api/cases/access-requests",
        &serde_json::json!({"erdr_number": cases.next(), "procedural_status": "victim"}),
    );
    refused.assert_problem(429);
}
