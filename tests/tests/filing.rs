//! Filing as a participant lives it: a statement, a petition, a complaint, each with a signed
//! receipt at once, the same answer for a retried request, and the status to follow.

use jaria_portal::filing::deadline::{self, Addressee, Calendar, Kind, Subject};
use jaria_tests::{PersonSpec, Session, TEST_ADMIN_IIN, TestApp, issue, person, random_iin};
use serde_json::{Value, json};

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn file(session: &Session<'_>, key: &str, body: &Value) -> jaria_tests::Reply {
    session.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", key),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

fn upload(session: &Session<'_>, content_type: &str, bytes: &[u8]) -> jaria_tests::Reply {
    session.request_with(
        "POST",
        "/api/filings/attachments",
        &[("content-type", content_type)],
        bytes,
    )
}

fn expected_due(submitted_at: &str, kind: Kind, addressee: Addressee, subject: Subject) -> String {
    let submitted = chrono::DateTime::parse_from_rfc3339(submitted_at)
        .expect("time")
        .with_timezone(&chrono::Utc);
    let due = deadline::due(
        submitted,
        deadline::period_for(kind, addressee, subject),
        &Calendar::kazakhstan(),
    );
    jaria_portal::clock::rfc3339(due)
}

#[test]
fn a_crime_report_with_an_attachment_gets_a_verifiable_receipt() {
    let app = TestApp::portal();
    let me = app.sign_in(&person("APPLICANT"));
    let attachment = upload(&me, "application/pdf", PDF);
    assert_eq!(attachment.status, 201, "{}", attachment.text());
    let attachment_id = attachment.json()["id"].as_str().expect("id").to_owned();
    let filed = file(
        &me,
        "report-1",
        &json!({"kind": "crime_report", "text": "My car was stolen.", "attachments": [attachment_id]}),
    );
    if filed.status != 201 {
        std::thread::sleep(std::time::Duration::from_millis(500));
        panic!("{}\n{}", filed.text(), app.log());
    }
    let receipt = filed.json();
    assert!(
        receipt["registration_number"]
            .as_str()
            .is_some_and(|n| n.contains("-S-"))
    );
    assert_eq!(
        receipt["due_at"],
        expected_due(
            receipt["submitted_at"].as_str().unwrap_or_default(),
            Kind::CrimeReport,
            Addressee::Investigator,
            Subject::Other
        )
    );
    let summary = receipt["receipt_summary"].clone();
    assert_eq!(
        summary["attachments_sha256"].as_array().map(Vec::len),
        Some(1)
    );
    let verify = |summary: &Value, signature: &Value| {
        app.post_json(
            "/api/filings/receipts/verify",
            &json!({"summary": summary, "signature": signature}),
        )
        .json()["valid"]
            .clone()
    };
    assert_eq!(verify(&summary, &receipt["receipt"]), json!(true));
    let mut forged = summary.clone();
    forged["submitted_at"] = "2020-01-01T00:00:00.000Z".into();
    assert_eq!(verify(&forged, &receipt["receipt"]), json!(false));
    // The receipt again, and the status.
    let id = receipt["id"].as_i64().expect("id");
    let again = me.get(&format!("/api/filings/{id}/receipt")).json();
    assert_eq!(again["signature"], receipt["receipt"]);
    let status = me.get(&format!("/api/status/filings/{id}")).json();
    assert_eq!(status["state"], "submitted");
    assert_eq!(status["timeline"][0]["event"], "submitted");
    // An attachment is used once.
    file(
        &me,
        "report-2",
        &json!({"kind": "crime_report", "text": "Again", "attachments": [attachment.json()["id"]]}),
    )
    .assert_problem(422);
}

#[test]
fn a_retried_request_gets_the_same_answer_and_creates_nothing() {
    let app = std::sync::Arc::new(TestApp::portal());
    let me = app.sign_in(&person("A"));
    let body = json!({"kind": "crime_report", "text": "Retried."});
    let first = file(&me, "same-key", &body).json();
    let second = file(&me, "same-key", &body).json();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["receipt"], second["receipt"]);
    file(
        &me,
        "same-key",
        &json!({"kind": "crime_report", "text": "Different."}),
    )
    .assert_problem(422);
    file(&me, "", &body).assert_problem(400);
    // Parallel duplicates: one filing.
    let token = me.token.clone();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (app, token) = (app.clone(), token.clone());
            std::thread::spawn(move || {
                let r = app.request(
                    "POST",
                    "/api/filings",
                    &[
                        ("authorization", &format!("Bearer {token}")),
                        ("idempotency-key", "parallel"),
                        ("content-type", "application/json"),
                    ],
                    Some(
                        json!({"kind": "crime_report", "text": "In parallel."})
                            .to_string()
                            .as_bytes(),
                    ),
                );
                (r.status, r.json()["id"].clone())
            })
        })
        .collect();
    let answers: Vec<(u16, Value)> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert!(
        answers
            .iter()
            .all(|(s, id)| *s == 201 && *id == answers[0].1),
        "{answers:?}"
    );
    let list = me.get("/api/status/filings").json();
    assert_eq!(list["filings"].as_array().map(Vec::len), Some(2), "{list}");
}

#[test]
fn petitions_and_complaints_only_in_a_case_i_am_confirmed_on_with_their_deadlines() {
    let app = TestApp::portal();
    let admin = app.sign_in(&issue(PersonSpec::new(TEST_ADMIN_IIN, "ADMIN")));
    let organ = admin
        .post_json(
            "/api/officer/admin/organs",
            &json!({"name": format!("Police {}", random_iin()), "region": "Almaty"}),
        )
        .json()["id"]
        .clone();
    let lead_iin = random_iin();
    admin.post_json(
        "/api/officer/admin/officers",
        &json!({"iin": lead_iin, "full_name": "LEAD", "role": "investigator", "organ_id": organ}),
    );
    let lead = app.sign_in(&issue(PersonSpec::new(&lead_iin, "LEAD")));
    let erdr = format!("2675{:011}", rand_number());
    assert_eq!(
        lead.post_json(
            "/api/officer/cases",
            &json!({"erdr_number": erdr, "registered_on": "2026-11-01", "articles": ["art. 188"]})
        )
        .status,
        201
    );
    let victim = app.sign_in(&person("VICTIM"));
    let petition =
        json!({"kind": "petition", "erdr_number": erdr, "text": "Please question the witness."});
    // Not yet confirmed: the case does not exist for me.
    file(&victim, "p-early", &petition).assert_problem(404);
    let request = victim
        .post_json(
            "/api/cases/access-requests",
            &json!({"erdr_number": erdr, "procedural_status": "victim"}),
        )
        .json();
    let id = request["id"].as_i64().expect("id");
    assert_eq!(
        lead.post_json(
            &format!("/api/officer/access-requests/{id}/decision"),
            &json!({"decision": "confirm"})
        )
        .status,
        200
    );

    let filed = file(&victim, "p-1", &petition).json();
    assert_eq!(
        filed["due_at"],
        expected_due(
            filed["submitted_at"].as_str().unwrap_or_default(),
            Kind::Petition,
            Addressee::Investigator,
            Subject::Other
        )
    );
    let complaint = |key: &str, addressee: &str, subject: &str| {
        file(
            &victim,
            key,
            &json!({"kind": "complaint", "erdr_number": erdr, "addressee": addressee, "subject": subject, "text": "I complain."}),
        )
    };
    for (key, addressee, subject, a, s) in [
        (
            "c-1",
            "prosecutor",
            "other",
            Addressee::Prosecutor,
            Subject::Other,
        ),
        (
            "c-2",
            "head_of_unit",
            "detention",
            Addressee::HeadOfUnit,
            Subject::Detention,
        ),
        (
            "c-3",
            "investigating_judge",
            "other",
            Addressee::InvestigatingJudge,
            Subject::Other,
        ),
    ] {
        let r = complaint(key, addressee, subject);
        assert_eq!(r.status, 201, "{}", r.text());
        let r = r.json();
        assert_eq!(
            r["due_at"],
            expected_due(
                r["submitted_at"].as_str().unwrap_or_default(),
                Kind::Complaint,
                a,
                s
            ),
            "{key}"
        );
    }
    complaint("c-4", "investigator", "other").assert_problem(422);
    complaint("c-5", "prosecutor", "weather").assert_problem(422);

    // Another participant cannot read my filing, its receipt, or withdraw it.
    let other = app.sign_in(&person("OTHER"));
    let filing_id = filed["id"].as_i64().expect("id");
    other
        .get(&format!("/api/status/filings/{filing_id}"))
        .assert_problem(404);
    other
        .get(&format!("/api/filings/{filing_id}/receipt"))
        .assert_problem(404);
    other
        .post_json(&format!("/api/filings/{filing_id}/withdraw"), &json!({}))
        .assert_problem(404);
    // I withdraw it, once.
    assert_eq!(
        victim
            .post_json(&format!("/api/filings/{filing_id}/withdraw"), &json!({}))
            .json()["state"],
        "withdrawn"
    );
    victim
        .post_json(&format!("/api/filings/{filing_id}/withdraw"), &json!({}))
        .assert_problem(409);
    let status = victim
        .get(&format!("/api/status/filings/{filing_id}"))
        .json();
    assert_eq!(
        status["timeline"].as_array().map(Vec::len),
        Some(2),
        "{status}"
    );
}

#[test]
fn attachments_of_the_wrong_type_or_size_are_refused() {
    let app = TestApp::portal();
    let me = app.sign_in(&person("A"));
    upload(&me, "text/plain", b"hello").assert_problem(415);
    upload(&me, "application/pdf", b"\x89PNG\r\n\x1a\nnot a pdf").assert_problem(422);
    upload(&me, "image/png", b"%PDF-1.4 a pdf").assert_problem(422);
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'x');
    upload(&me, "application/pdf", &big).assert_problem(422);
    assert_eq!(
        upload(&me, "image/png", b"\x89PNG\r\n\x1a\nrest").status,
        201
    );
}

fn rand_number() -> u64 {
    use rand::Rng;
    rand::thread_rng().gen_range(0..100_000_000_000)
}
