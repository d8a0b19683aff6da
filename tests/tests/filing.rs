//! Filing as a participant lives it: a statement, a petition, a complaint, each with a signed
//! receipt at once, the same answer for a retried request, and the status to follow; and the
//! officer's side: the queue, the answer, extensions, and the notices that reach the filer.

use base64::Engine as _;
use jaria_portal::law::deadline::{self, Addressee, Calendar, Kind, Subject};
use jaria_tests::world::{CaseWorld, PDF, decide, erdr_of, officer, organ, request, signed_in};
use jaria_tests::{Session, TEST_ADMIN_IIN, TestApp, person, random_iin};
use serde_json::{Value, json};

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

/// A police organ to send statements to, made by the test admin.
fn police(app: &TestApp) -> i64 {
    organ(&signed_in(app, TEST_ADMIN_IIN, "ADMIN"), "Police")
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
    jaria_portal::platform::clock::rfc3339(due)
}

#[test]
fn a_crime_report_with_an_attachment_gets_a_verifiable_receipt() {
    let app = TestApp::portal();
    let organ_id = police(&app);
    let me = app.sign_in(&person("APPLICANT"));
    let attachment = upload(&me, "application/pdf", PDF);
    assert_eq!(attachment.status, 201, "{}", attachment.text());
    let attachment_id = attachment.json()["id"].as_str().expect("id").to_owned();
    let filed = file(
        &me,
        "report-1",
        &me.signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": "My car was stolen.", "attachments": [attachment_id]})),
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
    // Printable: a page with no script, carrying every attested value.
    let page = me.request_with(
        "GET",
        &format!("/api/filings/{id}/receipt"),
        &[("accept", "text/html")],
        b"",
    );
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(
        page.header("content-security-policy")
            .is_some_and(|c| c.contains("default-src 'none'"))
    );
    let text = page.text();
    for field in [
        "registration_number",
        "submitted_at",
        "due_at",
        "content_sha256",
    ] {
        assert!(
            text.contains(summary[field].as_str().unwrap_or("?")),
            "{field}: {text}"
        );
    }
    let status = me.get(&format!("/api/status/filings/{id}")).json();
    assert_eq!(status["state"], "submitted");
    assert_eq!(status["timeline"][0]["event"], "submitted");
    // An attachment is used once.
    file(
        &me,
        "report-2",
        &json!({"kind": "crime_report", "organ_id": organ_id, "text": "Again", "attachments": [attachment.json()["id"]]}),
    )
    .assert_problem(422);
}

#[test]
fn an_attachment_named_twice_is_refused_and_stays_free() {
    let app = TestApp::portal();
    let organ_id = police(&app);
    let me = app.sign_in(&person("TWICE"));
    let attachment = upload(&me, "application/pdf", PDF);
    assert_eq!(attachment.status, 201, "{}", attachment.text());
    let id = attachment.json()["id"].clone();
    let twice = json!({"kind": "crime_report", "organ_id": organ_id, "text": "Twice.", "attachments": [id, id]});
    let r = me.post_json("/api/filings/to-sign", &twice);
    r.assert_problem(422);
    assert_eq!(r.error_code(), "duplicate_attachment", "{}", r.text());
    let r = file(&me, "twice", &twice);
    r.assert_problem(422);
    assert_eq!(r.error_code(), "duplicate_attachment", "{}", r.text());
    // Nothing was taken: named once, it is filed, and its receipt verifies.
    let once = me.signed_filing(
        &json!({"kind": "crime_report", "organ_id": organ_id, "text": "Once.", "attachments": [id]}),
    );
    let filed = file(&me, "once", &once);
    assert_eq!(filed.status, 201, "{}", filed.text());
    let receipt = filed.json();
    let verified = app.post_json(
        "/api/filings/receipts/verify",
        &json!({"summary": receipt["receipt_summary"], "signature": receipt["receipt"]}),
    );
    assert_eq!(verified.json()["valid"], json!(true), "{}", verified.text());
}

#[test]
fn a_retried_request_gets_the_same_answer_and_creates_nothing() {
    let app = std::sync::Arc::new(TestApp::portal());
    let organ_id = police(&app);
    let me = app.sign_in(&person("A"));
    let body = me
        .signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": "Retried."}));
    let first = file(&me, "same-key", &body).json();
    let second = file(&me, "same-key", &body).json();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["receipt"], second["receipt"]);
    // The summary given again is the one that was signed, to the millisecond.
    assert_eq!(first["receipt_summary"], second["receipt_summary"]);
    let verified = app.post_json(
        "/api/filings/receipts/verify",
        &json!({"summary": second["receipt_summary"], "signature": second["receipt"]}),
    );
    assert_eq!(verified.json()["valid"], true);
    file(
        &me,
        "same-key",
        &json!({"kind": "crime_report", "organ_id": organ_id, "text": "Different."}),
    )
    .assert_problem(422);
    file(&me, "", &body).assert_problem(400);
    // Parallel duplicates: one filing.
    let token = me.token.clone();
    let parallel = me.signed_filing(
        &json!({"kind": "crime_report", "organ_id": organ_id, "text": "In parallel."}),
    );
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (app, token, parallel) = (app.clone(), token.clone(), parallel.clone());
            std::thread::spawn(move || {
                let r = app.request(
                    "POST",
                    "/api/filings",
                    &[
                        ("authorization", &format!("Bearer {token}")),
                        ("idempotency-key", "parallel"),
                        ("content-type", "application/json"),
                    ],
                    Some(parallel.to_string().as_bytes()),
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
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let organ_id = organ(&admin, "Police");
    let (_, lead) = officer(&app, &admin, "investigator", organ_id);
    // A complaint to the prosecutor needs a case a prosecutor supervises.
    let (prosecutor_iin, _) = officer(&app, &admin, "prosecutor", organ(&admin, "Prosecutors"));
    let erdr = erdr_of(&lead);
    assert_eq!(
        lead.post_json(
            "/api/officer/cases",
            &json!({"erdr_number": erdr, "registered_on": "2026-11-01", "articles": ["art. 188"],
                    "prosecutor_iin": prosecutor_iin})
        )
        .status,
        201
    );
    let victim = app.sign_in(&person("VICTIM"));
    let petition =
        json!({"kind": "petition", "erdr_number": erdr, "text": "Please question the witness."});
    // Not yet confirmed: the case does not exist for me.
    file(&victim, "p-early", &petition).assert_problem(404);
    let id = request(&victim, &erdr, "victim", None, None);
    assert_eq!(decide(&lead, id, "confirm", None).status, 200);

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

/// The field and code of a 422.
fn refused_on(reply: &jaria_tests::Reply) -> (String, String) {
    let problem = reply.assert_problem(422);
    let error = &problem["errors"][0];
    (
        error["field"].as_str().unwrap_or_default().to_owned(),
        error["code"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The page's form decides nothing the server decides: the addressees and subjects each kind
/// may name, and whether it must be signed, come from `GET /api/filings/kinds`, and a filing
/// is checked by exactly those; whether a filing is open and whether I may withdraw it, and
/// whether I act as an officer or register cases, come with what the API answers.
#[test]
fn the_form_is_given_the_rules_a_filing_is_checked_by() {
    let app = TestApp::portal();
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let organ_id = organ(&admin, "Police");
    let (_, lead) = officer(&app, &admin, "investigator", organ_id);
    let (prosecutor_iin, prosecutor) =
        officer(&app, &admin, "prosecutor", organ(&admin, "Prosecutors"));
    let erdr = erdr_of(&lead);
    let registered = lead.post_json(
        "/api/officer/cases",
        &json!({"erdr_number": erdr, "registered_on": "2026-11-01", "articles": ["art. 188"],
                "prosecutor_iin": prosecutor_iin}),
    );
    assert_eq!(registered.status, 201, "{}", registered.text());
    let victim = app.sign_in(&person("VICTIM"));
    let id = request(&victim, &erdr, "victim", None, None);
    assert_eq!(decide(&lead, id, "confirm", None).status, 200);

    for (who, session, officer, registers) in [
        ("victim", &victim, false, false),
        ("investigator", &lead, true, true),
        ("prosecutor", &prosecutor, true, false),
    ] {
        let me = session.get("/api/auth/me").json();
        assert_eq!(me["acts_as_officer"], officer, "{who}: {me}");
        assert_eq!(me["may_register_cases"], registers, "{who}: {me}");
    }

    let catalogue = victim.get("/api/filings/kinds").json();
    let kinds = catalogue["kinds"].as_array().expect("kinds").clone();
    let names: Vec<&str> = kinds.iter().filter_map(|k| k["kind"].as_str()).collect();
    assert_eq!(
        names,
        ["crime_report", "petition", "complaint"],
        "{catalogue}"
    );
    let all_addressees = [
        "investigator",
        "head_of_unit",
        "prosecutor",
        "investigating_judge",
    ];
    let mut key = 0;
    let mut file_as = |body: Value| {
        key += 1;
        file(&victim, &format!("kinds-{key}"), &body)
    };
    for rules in &kinds {
        let kind = rules["kind"].as_str().unwrap_or_default();
        let listed = |field: &str, value: &str| {
            rules[field]
                .as_array()
                .is_some_and(|list| list.iter().any(|v| v == value))
        };
        if kind == "crime_report" {
            // Art. 181: the rule the form shows is the one a filing meets.
            assert_eq!(rules["signature_required"], true, "{rules}");
            let unsigned = file_as(
                json!({"kind": kind, "organ_id": organ_id, "text": "A theft.",
                                         "warning_language": "ru"}),
            );
            assert_eq!(
                refused_on(&unsigned),
                ("signature".into(), "signature_required".into())
            );
            continue;
        }
        assert_eq!(rules["signature_required"], false, "{rules}");
        for addressee in all_addressees {
            let r = file_as(
                json!({"kind": kind, "erdr_number": erdr, "addressee": addressee,
                                  "text": "Text."}),
            );
            if listed("addressees", addressee) {
                assert_eq!(r.status, 201, "{kind} to {addressee}: {}", r.text());
            } else {
                let refusal = refused_on(&r);
                assert_eq!(
                    refusal,
                    ("addressee".into(), "invalid_addressee".into()),
                    "{kind} to {addressee}"
                );
            }
        }
        for subject in ["other", "detention", "qualification", "asset_restriction"] {
            let mut body = json!({"kind": kind, "erdr_number": erdr, "subject": subject,
                                  "text": "Text."});
            if let Some(first) = rules["addressees"][0].as_str() {
                body["addressee"] = first.into();
            }
            let r = file_as(body);
            if listed("subjects", subject) {
                assert_eq!(r.status, 201, "{kind} about {subject}: {}", r.text());
            } else {
                assert_eq!(r.status, 422, "{kind} about {subject}: {}", r.text());
            }
        }
        // A kind with a default addressee may name none.
        let bare = file_as(json!({"kind": kind, "erdr_number": erdr, "text": "Text."}));
        match rules["default_addressee"].as_str() {
            Some(default) => {
                assert_eq!(bare.status, 201, "{kind}: {}", bare.text());
                let filing = bare.json();
                let view = victim
                    .get(&format!("/api/status/filings/{}", filing["id"]))
                    .json();
                assert_eq!(view["addressee"], default, "{view}");
            }
            None => assert_eq!(
                refused_on(&bare),
                ("addressee".into(), "required".into()),
                "{kind}"
            ),
        }
    }

    // Open, and mine to withdraw; then neither.
    let petition = file_as(json!({"kind": "petition", "erdr_number": erdr, "text": "Please."}));
    let petition = petition.json()["id"].as_i64().expect("id");
    let view = |session: &Session<'_>| {
        session
            .get(&format!("/api/status/filings/{petition}"))
            .json()
    };
    let open = view(&victim);
    assert_eq!(
        (open["open"].clone(), open["may_withdraw"].clone()),
        (json!(true), json!(true))
    );
    let listed = victim.get("/api/status/filings").json();
    let item = listed["filings"]
        .as_array()
        .and_then(|items| items.iter().find(|f| f["id"] == petition).cloned())
        .expect("listed");
    assert_eq!(item["open"], true, "{item}");
    let withdrawn = victim.post_json(&format!("/api/filings/{petition}/withdraw"), &json!({}));
    assert_eq!(withdrawn.json()["state"], "withdrawn");
    let closed = view(&victim);
    assert_eq!(
        (closed["open"].clone(), closed["may_withdraw"].clone()),
        (json!(false), json!(false))
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

/// A case with its officers and a confirmed victim, for the officer's side of filings.
fn desk(app: &TestApp) -> CaseWorld<'_> {
    CaseWorld::new(app)
        .with_head()
        .with_prosecutor()
        .with_stranger_officer()
        .registered()
        .with_victim()
}

/// Files `body` (a statement about an offence signed, as it must be) and answers its id.
fn filed(session: &Session<'_>, body: &Value) -> i64 {
    let body = if body["kind"] == "crime_report" {
        session.signed_filing(body)
    } else {
        body.clone()
    };
    let r = file(session, &random_iin(), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("filing id")
}

fn answer(officer: &Session<'_>, id: i64, body: &Value) -> jaria_tests::Reply {
    officer.post_json(&format!("/api/officer/filings/{id}/decision"), body)
}

fn queue_ids(officer: &Session<'_>, query: &str) -> Vec<i64> {
    let r = officer.get(&format!("/api/officer/filings{query}"));
    assert_eq!(r.status, 200, "{}\n{}", r.text(), officer.app().log());
    r.json()["filings"]
        .as_array()
        .expect("filings")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect()
}

fn notifications(session: &Session<'_>) -> Value {
    let r = session.get("/api/status/notifications");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// The notices of one kind about one filing, oldest first.
fn filing_events_notified(session: &Session<'_>, filing: i64) -> Vec<String> {
    let mut events: Vec<String> = notifications(session)["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["kind"] == "filing_updated" && n["payload"]["filing_id"] == filing)
        .map(|n| {
            n["payload"]["event"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    events.reverse();
    events
}

fn timeline_events(session: &Session<'_>, filing: i64) -> Vec<String> {
    session.strings_of(
        &format!("/api/status/filings/{filing}"),
        "timeline",
        "event",
    )
}

#[test]
fn a_petition_is_answered_by_the_lead_officer_and_the_answer_reaches_the_filer() {
    let app = TestApp::portal();
    let d = desk(&app);
    // The victim learnt of the confirmation.
    let feed = notifications(d.victim());
    assert!(
        feed["notifications"]
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n["kind"] == "access_request_decided" && n["payload"]["state"] == "confirmed"),
        "{feed}"
    );
    let attachment = upload(d.victim(), "application/pdf", PDF).json();
    let petition = filed(
        d.victim(),
        &json!({"kind": "petition", "erdr_number": d.erdr, "text": "Please order an examination.",
                "attachments": [attachment["id"]]}),
    );
    // Only the lead officer receives it; to the others it does not exist.
    assert!(queue_ids(&d.lead, "").contains(&petition));
    assert!(!queue_ids(d.head(), "").contains(&petition));
    for other in [d.head(), d.prosecutor(), d.stranger_officer()] {
        other
            .get(&format!("/api/officer/filings/{petition}"))
            .assert_problem(404);
        answer(
            other,
            petition,
            &json!({"outcome": "granted", "reasoning": "x"}),
        )
        .assert_problem(404);
    }
    d.victim()
        .get(&format!("/api/officer/filings/{petition}"))
        .assert_problem(403);
    // The combined queue lists it next to access requests.
    let combined = d.lead.get("/api/officer/queue").json();
    assert!(
        combined["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["kind"] == "filing" && i["id"] == petition),
        "{combined}"
    );
    // The officer reads it and its attachment.
    let view = d
        .lead
        .get(&format!("/api/officer/filings/{petition}"))
        .json();
    assert_eq!(view["text"], "Please order an examination.");
    assert_eq!(view["permitted_outcomes"][0], "granted");
    let sha = view["documents"][0]["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();
    let download = d
        .lead
        .get(&format!("/api/officer/filings/{petition}/documents/{sha}"));
    assert_eq!(download.status, 200);
    assert_eq!(download.body, PDF);
    d.lead
        .get(&format!(
            "/api/officer/filings/{petition}/documents/{}",
            "0".repeat(64)
        ))
        .assert_problem(404);
    // Under review, then answered with a reasoned order.
    assert_eq!(
        d.lead
            .post_json(
                &format!("/api/officer/filings/{petition}/review"),
                &json!({})
            )
            .json()["state"],
        "under_review"
    );
    // A petition's period is not extended.
    d.lead
        .post_json(
            &format!("/api/officer/filings/{petition}/extension"),
            &json!({"reason": "busy", "due_at": "2099-01-01"}),
        )
        .assert_problem(422);
    answer(
        &d.lead,
        petition,
        &json!({"outcome": "registered", "reasoning": "x", "erdr_number": d.erdr}),
    )
    .assert_problem(422);
    answer(
        &d.lead,
        petition,
        &json!({"outcome": "granted", "reasoning": "  "}),
    )
    .assert_problem(422);
    let order = base64::engine::general_purpose::STANDARD.encode(PDF);
    let r = answer(
        &d.lead,
        petition,
        &json!({"outcome": "partially_granted", "reasoning": "The examination is ordered; the rest is refused.",
                "document": {"filename": "../order.pdf", "content_base64": order}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "decided");
    answer(
        &d.lead,
        petition,
        &json!({"outcome": "granted", "reasoning": "again"}),
    )
    .assert_problem(409);
    d.victim()
        .post_json(&format!("/api/filings/{petition}/withdraw"), &json!({}))
        .assert_problem(409);
    // The filer sees the answer, its document, the timeline, and the notices.
    let status = d
        .victim()
        .get(&format!("/api/status/filings/{petition}"))
        .json();
    assert_eq!(status["state"], "decided");
    assert_eq!(status["overdue"], false);
    assert_eq!(status["answer"]["outcome"], "partially_granted");
    let answer_doc = status["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["role"] == "answer")
        .cloned()
        .expect("answer document");
    assert_eq!(answer_doc["filename"], "order.pdf");
    let got = d.victim().get(&format!(
        "/api/status/filings/{petition}/documents/{}",
        answer_doc["sha256"].as_str().expect("sha")
    ));
    assert_eq!(got.status, 200);
    assert_eq!(got.body, PDF);
    assert_eq!(
        timeline_events(d.victim(), petition),
        ["submitted", "under_review", "decided"]
    );
    assert_eq!(
        filing_events_notified(d.victim(), petition),
        ["under_review", "decided"]
    );
    // Decided filings leave the open queue but can be asked for.
    assert!(!queue_ids(&d.lead, "").contains(&petition));
    assert!(queue_ids(&d.lead, "?state=decided").contains(&petition));
    // Someone else reading my answer: 404.
    let outsider = app.sign_in(&person("OUTSIDER"));
    outsider
        .get(&format!("/api/status/filings/{petition}"))
        .assert_problem(404);
    outsider
        .get(&format!(
            "/api/status/filings/{petition}/documents/{}",
            answer_doc["sha256"].as_str().expect("sha")
        ))
        .assert_problem(404);
}

#[test]
fn a_complaint_goes_to_the_head_or_prosecutor_is_extended_with_its_reason_and_never_decided_by_the_challenged_official()
 {
    let app = TestApp::portal();
    let d = desk(&app);
    let complaint = |addressee: &str, extra: Value| {
        let mut body = json!({"kind": "complaint", "erdr_number": d.erdr, "addressee": addressee,
                              "text": "The investigator does nothing."});
        if let (Some(b), Value::Object(more)) = (body.as_object_mut(), extra) {
            b.extend(more);
        }
        filed(d.victim(), &body)
    };
    // To the head of unit, about the investigation: the head decides, the lead never sees it.
    let to_head = complaint("head_of_unit", json!({}));
    assert!(queue_ids(d.head(), "").contains(&to_head));
    assert!(!queue_ids(&d.lead, "").contains(&to_head));
    d.lead
        .get(&format!("/api/officer/filings/{to_head}"))
        .assert_problem(404);
    // Extended, within 15 days of submission, with its reason.
    let view = d
        .head()
        .get(&format!("/api/officer/filings/{to_head}"))
        .json();
    let limit = view["extension_limit_at"]
        .as_str()
        .expect("limit")
        .to_owned();
    let extend = |due: &str| {
        d.head().post_json(
            &format!("/api/officer/filings/{to_head}/extension"),
            &json!({"reason": "Awaiting the expert's report.", "due_at": due}),
        )
    };
    extend("2099-01-01").assert_problem(422);
    extend("2020-01-01").assert_problem(422);
    let r = extend(&limit);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["due_at"], limit);
    let status = d
        .victim()
        .get(&format!("/api/status/filings/{to_head}"))
        .json();
    assert_eq!(status["state"], "extended");
    assert_eq!(status["due_at"], limit);
    let extension = status["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["event"] == "extended")
        .cloned()
        .expect("extension event");
    assert_eq!(
        extension["detail"]["reason"],
        "Awaiting the expert's report."
    );
    assert!(extension["detail"]["previous_due_at"].is_string());
    assert_eq!(filing_events_notified(d.victim(), to_head), ["extended"]);
    let r = answer(
        d.head(),
        to_head,
        &json!({"outcome": "rejected", "reasoning": "The investigation is active."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // To the prosecutor: the supervising prosecutor decides.
    let to_prosecutor = complaint("prosecutor", json!({"subject": "qualification"}));
    assert!(queue_ids(d.prosecutor(), "?kind=complaint").contains(&to_prosecutor));
    assert!(queue_ids(d.prosecutor(), "?kind=petition").is_empty());
    let r = answer(
        d.prosecutor(),
        to_prosecutor,
        &json!({"outcome": "granted", "reasoning": "Requalified."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // The head's own decision, challenged before the head: only forwarded, never decided.
    let order = base64::engine::general_purpose::STANDARD.encode(PDF);
    let decision = d.head().post_json(
        &format!("/api/officer/cases/{}/decisions", d.erdr),
        &json!({"type": "suspension", "decided_on": "2026-11-20", "title": "Suspension",
                "filename": "s.pdf", "content_base64": order}),
    );
    assert_eq!(decision.status, 201, "{}", decision.text());
    let decision_id = decision.json()["id"].clone();
    let own_act = complaint(
        "head_of_unit",
        json!({"challenged_decision_id": decision_id}),
    );
    let view = d
        .head()
        .get(&format!("/api/officer/filings/{own_act}"))
        .json();
    assert_eq!(view["challenged_official_is_me"], true);
    assert_eq!(view["permitted_outcomes"], json!(["forwarded"]));
    assert!(view["extension_limit_at"].is_null());
    let refused = answer(
        d.head(),
        own_act,
        &json!({"outcome": "rejected", "reasoning": "No."}),
    )
    .assert_problem(422);
    assert_eq!(refused["errors"][0]["code"], "own_act", "{refused}");
    answer(
        d.head(),
        own_act,
        &json!({"outcome": "forwarded", "reasoning": "Sent to the prosecutor."}),
    )
    .assert_problem(422);
    let r = answer(
        d.head(),
        own_act,
        &json!({"outcome": "forwarded", "reasoning": "Art. 104: not mine to decide.",
                "forwarded_to": "Prosecutor of the Almaly district"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let status = d
        .victim()
        .get(&format!("/api/status/filings/{own_act}"))
        .json();
    assert_eq!(status["state"], "forwarded");
    assert_eq!(
        status["answer"]["forwarded_to"],
        "Prosecutor of the Almaly district"
    );

    // To the investigating judge: the lead forwards it to the court and may do nothing else.
    let to_judge = complaint(
        "investigating_judge",
        json!({"subject": "search_or_seizure"}),
    );
    assert!(queue_ids(&d.lead, "").contains(&to_judge));
    answer(
        &d.lead,
        to_judge,
        &json!({"outcome": "rejected", "reasoning": "No."}),
    )
    .assert_problem(422);
    let r = answer(
        &d.lead,
        to_judge,
        &json!({"outcome": "forwarded", "reasoning": "Sent to the court at once.", "forwarded_to": "Investigating judge, Almaly district court"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // The victim received the suspension (every participant does) and each answer.
    let feed = notifications(d.victim());
    let kinds: Vec<&str> = feed["notifications"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"decision_available"), "{feed}");
    for filing in [to_head, to_prosecutor, own_act, to_judge] {
        assert!(
            !filing_events_notified(d.victim(), filing).is_empty(),
            "no notice for {filing}"
        );
    }
}

#[test]
fn a_crime_report_is_registered_by_the_organ_it_was_sent_to() {
    let app = TestApp::portal();
    let d = desk(&app);
    let applicant = app.sign_in(&person("APPLICANT"));
    let organs = applicant.get("/api/filings/organs").json();
    assert!(
        organs["organs"]
            .as_array()
            .expect("organs")
            .iter()
            .any(|o| o["id"] == d.police),
        "{organs}"
    );
    file(
        &applicant,
        "no-organ",
        &json!({"kind": "crime_report", "text": "Theft."}),
    )
    .assert_problem(422);
    file(
        &applicant,
        "bad-organ",
        &json!({"kind": "crime_report", "organ_id": 999_999_999, "text": "Theft."}),
    )
    .assert_problem(422);
    let report = filed(
        &applicant,
        &json!({"kind": "crime_report", "organ_id": d.police, "text": "My flat was burgled."}),
    );
    let other = filed(
        &applicant,
        &json!({"kind": "crime_report", "organ_id": d.police, "text": "A second statement."}),
    );
    // The organ's officers receive it; another organ's and the prosecutor do not.
    assert!(queue_ids(&d.lead, "?kind=crime_report").contains(&report));
    assert!(queue_ids(d.head(), "?kind=crime_report").contains(&report));
    assert!(!queue_ids(d.stranger_officer(), "").contains(&report));
    d.prosecutor()
        .get(&format!("/api/officer/filings/{report}"))
        .assert_problem(404);
    answer(
        &d.lead,
        report,
        &json!({"outcome": "granted", "reasoning": "x"}),
    )
    .assert_problem(422);
    answer(
        &d.lead,
        report,
        &json!({"outcome": "registered", "reasoning": "x"}),
    )
    .assert_problem(422);
    // Registered in a case of another organ: refused; in a case of this organ: done.
    let (_, foreign_lead) = officer(
        &app,
        &d.admin,
        "investigator",
        organ(&d.admin, "Far police"),
    );
    let foreign_erdr = erdr_of(&foreign_lead);
    assert_eq!(
        foreign_lead
            .post_json(
                "/api/officer/cases",
                &json!({"erdr_number": foreign_erdr, "registered_on": "2026-11-02", "articles": ["art. 188"]})
            )
            .status,
        201
    );
    answer(
        &d.lead,
        report,
        &json!({"outcome": "registered", "reasoning": "x", "erdr_number": foreign_erdr}),
    )
    .assert_problem(422);
    let r = answer(
        &d.lead,
        report,
        &json!({"outcome": "registered", "reasoning": "Registered in ERDR.", "erdr_number": d.erdr}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let status = applicant
        .get(&format!("/api/status/filings/{report}"))
        .json();
    assert_eq!(status["state"], "registered");
    assert_eq!(status["answer"]["erdr_number"], d.erdr.as_str());
    assert_eq!(filing_events_notified(&applicant, report), ["registered"]);
    // The second is refused, with reasons; the applicant can read them.
    let r = answer(
        d.head(),
        other,
        &json!({"outcome": "refused", "reasoning": "No signs of an offence (art. 35)."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let status = applicant
        .get(&format!("/api/status/filings/{other}"))
        .json();
    assert_eq!(status["state"], "refused");
    assert_eq!(
        status["answer"]["reasoning"],
        "No signs of an offence (art. 35)."
    );
    // Filter by state in my list.
    let mine = applicant.get("/api/status/filings?state=refused").json();
    assert_eq!(mine["filings"].as_array().map(Vec::len), Some(1), "{mine}");
    applicant
        .get("/api/status/filings?state=lost")
        .assert_problem(422);
}

#[test]
fn a_complaint_may_name_only_a_decision_its_filer_was_given() {
    let app = TestApp::portal();
    let d = desk(&app);
    let order = base64::engine::general_purpose::STANDARD.encode(PDF);
    let decide = |body: Value| {
        let r = d
            .lead
            .post_json(&format!("/api/officer/cases/{}/decisions", d.erdr), &body);
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].clone()
    };
    // Recognising someone else as a suspect: the victim is not given it.
    let hidden = decide(
        json!({"type": "recognition_as_suspect", "decided_on": "2026-11-20",
        "title": "Suspect", "concerns_iin": random_iin(), "filename": "s.pdf", "content_base64": order}),
    );
    // A suspension: every participant is.
    let given = decide(json!({"type": "suspension", "decided_on": "2026-11-20",
        "title": "Suspension", "filename": "p.pdf", "content_base64": order}));
    let complain = |decision: &Value, key: &str| {
        file(
            d.victim(),
            key,
            &json!({"kind": "complaint", "erdr_number": d.erdr, "addressee": "head_of_unit",
                    "text": "I object.", "challenged_decision_id": decision}),
        )
    };
    let r = complain(&hidden, "hidden");
    r.assert_problem(422);
    assert_eq!(r.error_code(), "unknown_decision", "{}", r.text());
    // Refused exactly as a decision that does not exist: no oracle.
    let r = complain(&json!(999_999_999), "missing");
    assert_eq!(r.error_code(), "unknown_decision", "{}", r.text());
    let r = complain(&given, "given");
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn notifications_are_mine_alone_and_can_be_marked_read() {
    let app = TestApp::portal();
    let d = desk(&app);
    // A grant, and a decision that concerns someone else (which the victim must not hear of).
    let participants = d.lead.get(&format!("/api/officer/cases/{}", d.erdr)).json();
    let victim_participant = participants["participants"][0]["id"].as_i64().expect("id");
    let r = d.lead.send_json(
        "PUT",
        &format!(
            "/api/officer/cases/{}/participants/{victim_participant}/familiarisation",
            d.erdr
        ),
        &json!({"scope": "all"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let order = base64::engine::general_purpose::STANDARD.encode(PDF);
    let r = d.lead.post_json(
        &format!("/api/officer/cases/{}/decisions", d.erdr),
        &json!({"type": "recognition_as_suspect", "decided_on": "2026-11-20", "title": "Suspect",
                "concerns_iin": random_iin(), "filename": "s.pdf", "content_base64": order}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let feed = notifications(d.victim());
    let kinds: Vec<&str> = feed["notifications"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["familiarisation_granted", "access_request_decided"],
        "{feed}"
    );
    assert_eq!(feed["unread_count"], 2);
    let first = feed["notifications"][0]["id"].as_i64().expect("id");
    // Nobody else can mark mine, or see them.
    let outsider = app.sign_in(&person("OUTSIDER"));
    outsider
        .post_json(
            &format!("/api/status/notifications/{first}/read"),
            &json!({}),
        )
        .assert_problem(404);
    assert_eq!(notifications(&outsider)["unread_count"], 0);
    assert_eq!(
        d.victim()
            .post_json(
                &format!("/api/status/notifications/{first}/read"),
                &json!({})
            )
            .status,
        204
    );
    assert_eq!(notifications(d.victim())["unread_count"], 1);
    let unread = d
        .victim()
        .get("/api/status/notifications?unread=true")
        .json();
    assert_eq!(unread["notifications"].as_array().map(Vec::len), Some(1));
    d.victim()
        .get("/api/status/notifications?unread=maybe")
        .assert_problem(422);
    assert_eq!(
        d.victim()
            .post_json("/api/status/notifications/read-all", &json!({}))
            .status,
        204
    );
    assert_eq!(notifications(d.victim())["unread_count"], 0);
    // Revoking the right is a notice too.
    let r = d.lead.delete(&format!(
        "/api/officer/cases/{}/participants/{victim_participant}/familiarisation",
        d.erdr
    ));
    assert_eq!(r.status, 204);
    assert_eq!(
        notifications(d.victim())["notifications"][0]["kind"],
        "familiarisation_revoked"
    );
}

#[test]
fn an_overdue_filing_is_marked_for_the_filer_and_the_officer() {
    jaria_tests::local_only!();
    let app = TestApp::portal();
    let d = desk(&app);
    let petition = filed(
        d.victim(),
        &json!({"kind": "petition", "erdr_number": d.erdr, "text": "Return my phone."}),
    );
    // Three days is too long to wait: the due time is moved into the past in the file.
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    db.execute(
        "UPDATE filings SET due_unix = 1000000000 WHERE id = ?1",
        [petition],
    )
    .expect("update");
    let mine = d
        .victim()
        .get(&format!("/api/status/filings/{petition}"))
        .json();
    assert_eq!(mine["overdue"], true);
    let queue = d.lead.get("/api/officer/filings").json();
    assert_eq!(queue["filings"][0]["id"], petition, "{queue}");
    assert_eq!(queue["filings"][0]["overdue"], true);
    // Overdue filings are found by due_before, and answering ends the overdue mark.
    assert_eq!(queue_ids(&d.lead, "?due_before=2002-01-01"), [petition]);
    d.lead
        .get("/api/officer/filings?due_before=soon")
        .assert_problem(422);
    let r = answer(
        &d.lead,
        petition,
        &json!({"outcome": "granted", "reasoning": "Returned."}),
    );
    assert_eq!(r.status, 200);
    let mine = d
        .victim()
        .get(&format!("/api/status/filings/{petition}"))
        .json();
    assert_eq!(mine["overdue"], false);
}

#[test]
fn the_registration_period_of_a_crime_report_is_configurable() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .env("SPIN_VARIABLE_CRIME_REPORT_REGISTRATION_HOURS", "72")
        .portal()
        .start();
    let organ_id = police(&app);
    let me = app.sign_in(&person("APPLICANT"));
    let r = file(
        &me,
        "k",
        &me.signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": "Fraud."})),
    )
    .json();
    let submitted = chrono::DateTime::parse_from_rfc3339(r["submitted_at"].as_str().expect("at"))
        .expect("time");
    let due =
        chrono::DateTime::parse_from_rfc3339(r["due_at"].as_str().expect("due")).expect("time");
    assert_eq!(due.timestamp() - submitted.timestamp(), 72 * 3600);
}

#[test]
fn the_officer_queue_pages_by_due_time() {
    let app = TestApp::portal();
    let d = desk(&app);
    let mut ids: Vec<i64> = (0..5)
        .map(|i| {
            filed(
                d.victim(),
                &json!({"kind": "petition", "erdr_number": d.erdr, "text": format!("Petition {i}")}),
            )
        })
        .collect();
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = d
            .lead
            .get(&format!("/api/officer/filings?limit=2&cursor={cursor}"));
        assert_eq!(r.status, 200, "{}\n{}", r.text(), app.log());
        let r = r.json();
        seen.extend(
            r["filings"]
                .as_array()
                .expect("filings")
                .iter()
                .filter_map(|f| f["id"].as_i64()),
        );
        match r["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    ids.sort();
    assert_eq!(seen, ids);
    d.lead
        .get("/api/officer/filings?cursor=bogus")
        .assert_problem(422);
    d.lead
        .get("/api/officer/filings?state=lost")
        .assert_problem(422);
}

/// The QR code of a printed receipt (the SVG's `M x,y h1v1h-1z` modules) read as a phone
/// reads it: drawn into pixels and decoded by an independent decoder.
fn read_qr_code(page: &str) -> String {
    let svg = &page[page.find("<svg").expect("a QR code")..];
    let path = svg
        .split("<path d=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .expect("the code's path");
    let side: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|v| v.split(' ').next())
        .and_then(|v| v.parse().ok())
        .expect("viewBox");
    let mut dark = vec![false; side * side];
    for module in path.split('M').filter(|m| !m.is_empty()) {
        let (xy, _) = module.split_once('h').expect("h1v1h-1z");
        let (x, y) = xy.split_once(',').expect("x,y");
        let (x, y): (usize, usize) = (x.parse().expect("x"), y.parse().expect("y"));
        dark[y * side + x] = true;
    }
    let scale = 4;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(side * scale, side * scale, |x, y| {
            if dark[(y / scale) * side + x / scale] {
                0
            } else {
                255
            }
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the receipt");
    grids[0].decode().expect("a readable QR code").1
}

/// An instant as the receipt prints it in Almaty (UTC+5): a period's end is 24:00 of its day.
fn almaty_wall_clock(rfc3339: &str) -> String {
    let local = chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .naive_utc()
        + chrono::Duration::hours(5);
    if local.time() == chrono::NaiveTime::MIN {
        format!(
            "{} 24:00",
            (local - chrono::Duration::days(1)).format("%d.%m.%Y")
        )
    } else {
        local.format("%d.%m.%Y %H:%M").to_string()
    }
}

/// A receipt says what was registered: a statement forwarded by jurisdiction to another organ
/// still names, on its receipt and its public check, the organ it was filed with.
#[test]
fn a_receipt_keeps_the_organ_a_statement_was_filed_with_after_it_is_forwarded() {
    let app = TestApp::portal();
    let w = CaseWorld::new(&app);
    let other = organ(&w.admin, "Other police");
    let me = app.sign_in(&person("RECEIPT"));
    let filed = file(
        &me,
        "forwarded-receipt",
        &me.signed_filing(
            &json!({"kind": "crime_report", "organ_id": w.police, "text": "A theft."}),
        ),
    );
    assert_eq!(filed.status, 201, "{}", filed.text());
    let filed = filed.json();
    let (id, number) = (
        filed["id"].as_i64().expect("id"),
        filed["registration_number"].clone(),
    );
    let code = me.get(&format!("/api/filings/{id}/receipt")).json()["check_code"].clone();
    let check = || {
        let number = number.as_str().unwrap_or_default();
        let code = code.as_str().unwrap_or_default();
        app.get(&format!("/api/filings/receipts/{number}?code={code}"))
            .json()
    };
    let filed_with = check()["organ"].clone();
    assert!(filed_with.is_string(), "{filed_with}");
    let r = answer(
        &w.lead,
        id,
        &json!({"outcome": "forwarded", "reasoning": "Not our district.",
                "forwarded_to_organ_id": other}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(check()["organ"], filed_with);
    let printed = me.request_with(
        "GET",
        &format!("/api/filings/{id}/receipt"),
        &[("accept", "text/html")],
        b"",
    );
    assert!(
        printed
            .text()
            .contains(filed_with.as_str().unwrap_or_default())
    );
}

#[test]
fn a_printed_receipt_speaks_the_persons_language_and_its_qr_code_opens_the_public_check() {
    let app = TestApp::portal();
    let organ_id = police(&app);
    let iin = random_iin();
    let me = app.sign_in(&jaria_tests::issue(jaria_tests::PersonSpec::new(
        &iin, "RECEIPT",
    )));
    let organ_name = me.get("/api/filings/organs").json()["organs"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["id"] == organ_id))
        .and_then(|o| o["name"].as_str())
        .expect("the organ in the list")
        .to_owned();
    let filed = file(
        &me,
        "receipt-page-1",
        &me.signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": "My bicycle was stolen."})),
    );
    assert_eq!(filed.status, 201, "{}", filed.text());
    let filed = filed.json();
    let id = filed["id"].as_i64().expect("id");
    let number = filed["registration_number"]
        .as_str()
        .expect("number")
        .to_owned();
    let printed = |query: &str, language: Option<&str>| {
        let mut headers = vec![("accept", "text/html")];
        if let Some(language) = language {
            headers.push(("accept-language", language));
        }
        me.request_with(
            "GET",
            &format!("/api/filings/{id}/receipt{query}"),
            &headers,
            b"",
        )
    };
    // In the language the page asks for: the kind and addressee in words, the organ by
    // name, Almaty time beside the UTC value.
    let kk = printed("?lang=kk", Some("en"));
    assert_eq!(kk.status, 200, "{}", kk.text());
    assert_eq!(kk.header("content-language"), Some("kk"));
    let page = kk.text();
    assert!(page.contains("<html lang=\"kk\">"), "{page}");
    assert!(page.contains("Қылмыс туралы арыз"), "{page}");
    assert!(page.contains(&organ_name), "{page}");
    let submitted = filed["submitted_at"].as_str().expect("submitted_at");
    assert!(
        page.contains(&format!(
            "{} (Алматы уақыты (UTC+5)) · UTC {submitted}",
            almaty_wall_clock(submitted)
        )),
        "{page}"
    );
    // Else the browser's language; a language the portal does not write is refused.
    let ru = printed("", Some("ru-KZ, en;q=0.5")).text();
    assert!(ru.contains("<html lang=\"ru\">") && ru.contains("Заявление о преступлении"));
    printed("?lang=de", None).assert_problem(422);
    // The QR code leads to the public check page of this receipt.
    let url = read_qr_code(&page);
    let code = me.get(&format!("/api/filings/{id}/receipt")).json()["check_code"]
        .as_str()
        .expect("check_code")
        .to_owned();
    assert!(
        url.starts_with("http") && url.ends_with(&format!("/#/check/{number}?c={code}")),
        "{url}"
    );
    assert!(
        page.contains(&format!("href=\"{url}\"")),
        "the address is printed too"
    );
    // Anyone holding the receipt may check it without signing in: what was registered, the
    // IIN masked, and whether the portal's signature holds.
    let check = app.get(&format!("/api/filings/receipts/{number}?code={code}"));
    assert_eq!(check.status, 200, "{}", check.text());
    let check = check.json();
    assert_eq!(check["valid"], true);
    assert_eq!(check["key"], "current");
    assert_eq!(check["registration_number"], number.as_str());
    assert_eq!(check["kind"], "crime_report");
    assert_eq!(check["addressee"], "organ");
    assert_eq!(check["organ"], organ_name.as_str());
    assert_eq!(check["submitted_at"], filed["submitted_at"]);
    assert_eq!(check["content_sha256"], filed["content_sha256"]);
    assert_eq!(check["signed_with_eds"], true);
    let iin = iin.as_str();
    assert_eq!(check["filer_iin"], format!("••••••••{}", &iin[8..]));
    assert!(
        !check.to_string().contains(iin),
        "the IIN is not given to whoever asks"
    );
    // Without the receipt's own code, nothing: not even whether the number exists.
    let mut wrong = code.clone().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).expect("code");
    app.get(&format!("/api/filings/receipts/{number}?code={wrong}"))
        .assert_problem(404);
    app.get(&format!("/api/filings/receipts/2099-S-9999999?code={code}"))
        .assert_problem(404);
    app.get(&format!("/api/filings/receipts/{number}"))
        .assert_problem(422);
    // Another filing's code does not open this one.
    let other = file(
        &me,
        "receipt-page-2",
        &me.signed_filing(
            &json!({"kind": "crime_report", "organ_id": organ_id, "text": "And my scooter."}),
        ),
    )
    .json();
    let other_code = me
        .get(&format!("/api/filings/{}/receipt", other["id"]))
        .json()["check_code"]
        .as_str()
        .expect("check_code")
        .to_owned();
    assert_ne!(other_code, code);
    app.get(&format!("/api/filings/receipts/{number}?code={other_code}"))
        .assert_problem(404);
}

#[test]
fn receipts_signed_with_a_retired_key_still_verify_after_rotation() {
    jaria_tests::local_only!();
    let state = tempfile::tempdir().expect("state dir");
    let new_key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    // Before the rotation: a statement filed under the first key.
    let (old_summary, old_signature, old_public_key) = {
        let mut app = TestApp::builder().portal().state_dir(state.path()).start();
        let organ_id = police(&app);
        let me = app.sign_in(&person("FILED BEFORE THE ROTATION"));
        let filed = file(
            &me,
            "before-rotation",
            &me.signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": "Filed under the old key."})),
        );
        assert_eq!(filed.status, 201, "{}", filed.text());
        let receipt = filed.json();
        let id = receipt["id"].as_i64().expect("id");
        let public_key = me.get(&format!("/api/filings/{id}/receipt")).json()["public_key"]
            .as_str()
            .expect("public key")
            .to_owned();
        app.stop();
        (
            receipt["receipt_summary"].clone(),
            receipt["receipt"].clone(),
            public_key,
        )
    };
    let verify = |app: &TestApp, summary: &Value, signature: &Value| {
        let r = app.post_json(
            "/api/filings/receipts/verify",
            &json!({"summary": summary, "signature": signature}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    };
    // Rotated without naming the old key: the old receipt no longer verifies.
    {
        let mut app = TestApp::builder()
            .portal()
            .state_dir(state.path())
            .env("SPIN_VARIABLE_RECEIPT_SIGNING_KEY", &new_key)
            .start();
        let answer = verify(&app, &old_summary, &old_signature);
        assert_eq!(answer["valid"], false, "{answer}");
        app.stop();
    }
    // Rotated properly: the old key is kept as a previous one.
    let app = TestApp::builder()
        .portal()
        .state_dir(state.path())
        .env("SPIN_VARIABLE_RECEIPT_SIGNING_KEY", &new_key)
        .env(
            "SPIN_VARIABLE_RECEIPT_PREVIOUS_PUBLIC_KEYS",
            &old_public_key,
        )
        .start();
    let answer = verify(&app, &old_summary, &old_signature);
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["key"], "previous");
    assert_eq!(answer["public_key"], old_public_key.as_str());
    // New receipts carry the new key.
    let organ_id = app
        .sign_in(&person("ANYONE"))
        .get("/api/filings/organs")
        .json()["organs"][0]["id"]
        .as_i64()
        .expect("organ");
    let me = app.sign_in(&person("FILED AFTER THE ROTATION"));
    let filed = file(
        &me,
        "after-rotation",
        &me.signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": "Filed under the new key."})),
    );
    assert_eq!(filed.status, 201, "{}", filed.text());
    let fresh = filed.json();
    let answer = verify(&app, &fresh["receipt_summary"], &fresh["receipt"]);
    assert_eq!(answer["key"], "current", "{answer}");
    assert_ne!(answer["public_key"], old_public_key.as_str());
    // A malformed list of previous keys makes filing not ready, and says why.
    drop(app);
    let broken = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_RECEIPT_PREVIOUS_PUBLIC_KEYS", "not-a-key")
        .start();
    let ready = broken.readiness("/api/filings");
    assert_eq!(ready.status, 503, "{}", ready.text());
    assert!(ready.text().contains("receipt_previous_public_keys"));
}

#[test]
fn the_courts_acts_on_a_complaint_to_the_judge_are_recorded_with_their_periods_and_told() {
    let app = TestApp::portal();
    let d = desk(&app);
    let complaint = filed(
        d.victim(),
        &json!({"kind": "complaint", "erdr_number": d.erdr, "addressee": "investigating_judge",
                "subject": "search_or_seizure", "text": "The search of my flat was unlawful."}),
    );
    let r = answer(
        &d.lead,
        complaint,
        &json!({"outcome": "forwarded", "reasoning": "Sent to the court with the case file.",
                "forwarded_to": "Investigating judge, Almaty district court"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let court = |who: &Session<'_>, body: Value| {
        who.post_json(&format!("/api/officer/filings/{complaint}/court"), &body)
    };
    let seen = |what: &str| {
        d.victim()
            .get(&format!("/api/status/filings/{complaint}"))
            .json()["court"][what]
            .clone()
    };
    assert_eq!(seen("received_on"), Value::Null, "nothing recorded yet");
    // The supervising prosecutor, who records the court's acts, finds it among their filings;
    // an officer of another organ does not.
    let before_the_judge = |who: &Session<'_>| queue_ids(who, "?state=forwarded");
    assert!(before_the_judge(d.prosecutor()).contains(&complaint));
    assert!(!before_the_judge(d.stranger_officer()).contains(&complaint));
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(5 * 3600).expect("offset"))
        .date_naive();
    let now = chrono::Utc::now().timestamp();
    let at = |unix: i64| {
        chrono::DateTime::from_timestamp(unix, 0)
            .expect("instant")
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };

    // Nobody but those who received it, or the case's supervising prosecutor, records anything.
    court(
        d.stranger_officer(),
        json!({"step": "received", "on": today.to_string(), "hearing": false}),
    )
    .assert_problem(404);
    // The official whose act it challenges (here the lead officer) enters nothing of what the
    // court did with it: the filer's time to appeal depends on it.
    court(
        &d.lead,
        json!({"step": "received", "on": today.to_string(), "hearing": false}),
    )
    .assert_problem(403);
    // In order, and never in the future.
    let r = court(
        d.head(),
        json!({"step": "decided", "on": today.to_string(), "outcome": "rejected"}),
    );
    r.assert_problem(409);
    let tomorrow = today.succ_opt().expect("a next day");
    let r = court(
        d.head(),
        json!({"step": "received", "on": tomorrow.to_string(), "hearing": true}),
    );
    r.assert_problem(422);
    assert_eq!(r.error_code(), "out_of_range");

    // The court received it for a closed hearing: the judge has 10 days (arts. 48-49).
    let r = court(
        d.head(),
        json!({"step": "received", "on": today.to_string(), "hearing": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(seen("received_on"), today.to_string());
    assert_eq!(seen("hearing"), true);
    assert_eq!(
        seen("decision_due_at"),
        at(jaria_tests::calendar::period_end(now, 10))
    );
    court(
        d.head(),
        json!({"step": "received", "on": today.to_string(), "hearing": false}),
    )
    .assert_problem(409);

    // The supervising prosecutor records the judge's order: 3 days to appeal it (art. 107).
    let r = court(
        d.prosecutor(),
        json!({"step": "decided", "on": today.to_string(), "outcome": "partially_granted"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(seen("outcome"), "partially_granted");
    assert_eq!(
        seen("appeal")["ends_at"],
        at(jaria_tests::calendar::period_end(now, 3))
    );
    assert_eq!(seen("appeal")["expired"], false);
    court(
        d.head(),
        json!({"step": "decided", "on": today.to_string(), "outcome": "rejected"}),
    )
    .assert_problem(409);
    // The supervising prosecutor, who records from the court's papers, sees the complaint.
    let seen_by_prosecutor = d
        .prosecutor()
        .get(&format!("/api/officer/filings/{complaint}"));
    assert_eq!(
        seen_by_prosecutor.status,
        200,
        "{}",
        seen_by_prosecutor.text()
    );
    // The filer was told at each step, and the timeline shows both.
    let told = filing_events_notified(d.victim(), complaint);
    assert!(
        told.ends_with(&["court_received".to_owned(), "court_decided".to_owned()]),
        "{told:?}"
    );
    let timeline = timeline_events(d.victim(), complaint);
    assert!(
        timeline.ends_with(&["court_received".to_owned(), "court_decided".to_owned()]),
        "{timeline:?}"
    );
    // Only a complaint forwarded to the judge has a court record.
    let petition = filed(
        d.victim(),
        &json!({"kind": "petition", "erdr_number": d.erdr, "text": "Question the neighbour."}),
    );
    let r = d.lead.post_json(
        &format!("/api/officer/filings/{petition}/court"),
        &json!({"step": "received", "on": today.to_string(), "hearing": false}),
    );
    r.assert_problem(409);
}
