//! Acts signed with EDS. Filings by their filers (CPC art. 181: a statement about an offence is
//! an electronic document signed by its applicant): the portal says what to sign, checks the
//! CMS against the signed-in person, keeps it with the filing and names it in the receipt.
//! Officers' decisions by the deciding officer, over the document's bytes. Whoever may see the
//! act downloads the signature and checks it with `openssl cms -verify`.
//! Runs against a fresh local host, or `JARIA_BASE_URL`.

use std::process::Command;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use jaria_tests::world::{officer, organ, signed_in};
use jaria_tests::{
    CmsOptions, KeyAlgorithm, PersonSpec, Session, TEST_ADMIN_IIN, TestApp, issue, random_iin,
    test_ca_pem,
};
use serde_json::{Value, json};
use sha2::Digest as _;

fn file(session: &Session<'_>, body: &Value) -> jaria_tests::Reply {
    session.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", &random_iin()),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

fn error(reply: &jaria_tests::Reply) -> (String, String) {
    let body = reply.json();
    let at = |k: &str| body["errors"][0][k].as_str().unwrap_or_default().to_owned();
    (at("field"), at("code"))
}

fn my_filing_count(session: &Session<'_>) -> usize {
    session.get("/api/status/filings").json()["filings"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

fn to_sign(session: &Session<'_>, body: &Value) -> String {
    let r = session.post_json("/api/filings/to-sign", body);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["to_sign"].as_str().expect("to_sign").to_owned()
}

/// `openssl cms -verify` of a detached CMS over `content`, against the suite's CA.
fn openssl_verifies(cms: &[u8], content: &[u8]) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("act.p7s"), cms).expect("p7s");
    std::fs::write(dir.path().join("act.content"), content).expect("content");
    std::fs::write(dir.path().join("ca.pem"), test_ca_pem()).expect("ca");
    let check = Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "act.p7s",
            "-content",
            "act.content",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ])
        .output()
        .expect("openssl is needed for this test (apt-get install openssl)");
    assert!(
        check.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

fn with_cms(body: &Value, cms: &[u8]) -> Value {
    let mut signed = body.clone();
    signed["signature"] = base64::engine::general_purpose::STANDARD.encode(cms).into();
    signed
}

/// A case with its investigator (IIN and session) and a confirmed victim.
fn case_with_victim(app: &TestApp) -> (String, Session<'_>, String, Session<'_>) {
    let admin = signed_in(app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (lead_iin, lead) = officer(app, &admin, "investigator", police);
    let erdr = jaria_tests::world::register_case(&lead);
    let victim = signed_in(app, &random_iin(), "VICTIM");
    let id = jaria_tests::world::request(&victim, &erdr, "victim", None, None);
    assert_eq!(
        jaria_tests::world::decide(&lead, id, "confirm", None).status,
        200
    );
    (lead_iin, lead, erdr, victim)
}

#[test]
fn a_statement_is_signed_kept_named_in_its_receipt_and_checks_with_openssl() {
    let app = TestApp::portal();
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (_, investigator) = officer(&app, &admin, "investigator", police);
    let applicant = app.sign_in(&issue(
        PersonSpec::new(&random_iin(), "ZHUMABAYEVA DANA").algorithm(KeyAlgorithm::Rsa2048),
    ));
    let body = json!({"kind": "crime_report", "organ_id": police, "warning_language": "ru", "text": "Моя машина угнана."});

    // Unsigned: refused, nothing stored.
    let unsigned = file(&applicant, &body);
    unsigned.assert_problem(422);
    assert_eq!(
        error(&unsigned),
        ("signature".into(), "signature_required".into())
    );
    assert_eq!(my_filing_count(&applicant), 0);

    // What to sign is the content the receipt attests (its SHA-256 is `content_sha256`).
    let prepared = applicant.post_json("/api/filings/to-sign", &body).json();
    assert_eq!(prepared["signature_required"], true);
    let content = prepared["to_sign"].as_str().expect("to_sign").to_owned();
    assert_eq!(
        prepared["content_sha256"],
        hex::encode(sha2::Sha256::digest(content.as_bytes()))
    );
    let cms = applicant
        .person
        .as_ref()
        .expect("key")
        .sign_cms(content.as_bytes(), &CmsOptions::default())
        .expect("cms");
    let filed = file(&applicant, &with_cms(&body, &cms));
    assert_eq!(filed.status, 201, "{}", filed.text());
    let receipt = filed.json();
    let summary = &receipt["receipt_summary"];
    assert_eq!(summary["content_sha256"], prepared["content_sha256"]);
    assert_eq!(
        summary["signature_sha256"],
        hex::encode(sha2::Sha256::digest(&cms))
    );
    let verified = app.post_json(
        "/api/filings/receipts/verify",
        &json!({"summary": summary, "signature": receipt["receipt"]}),
    );
    assert_eq!(verified.json()["valid"], true, "{}", verified.text());
    let id = receipt["id"].as_i64().expect("id");

    // The filer sees who signed it and when, and downloads the signature and what it signs.
    let detail = applicant.get(&format!("/api/status/filings/{id}")).json();
    assert_eq!(
        detail["signature"]["signer_iin"],
        applicant.get("/api/auth/me").json()["iin"]
    );
    let p7s = applicant.get(&format!("/api/status/filings/{id}/signature"));
    assert_eq!(p7s.status, 200);
    assert_eq!(
        p7s.header("content-type"),
        Some("application/pkcs7-signature")
    );
    assert_eq!(p7s.body, cms);
    let signed_content = applicant.get(&format!("/api/status/filings/{id}/signed-content"));
    assert_eq!(signed_content.status, 200);
    assert_eq!(signed_content.body, content.as_bytes());
    // The receiving organ's officer downloads the same.
    let officer_copy = investigator.get(&format!("/api/officer/filings/{id}/signature"));
    assert_eq!(officer_copy.status, 200, "{}", officer_copy.text());
    assert_eq!(officer_copy.body, cms);

    // And anyone checks it with OpenSSL against the CA.
    openssl_verifies(&p7s.body, &signed_content.body);
    // An unsigned filing has no signature to download.
    let case_free = signed_in(&app, &random_iin(), "NOBODY");
    assert_eq!(my_filing_count(&case_free), 0);
}

#[test]
fn a_signature_by_another_person_over_other_content_or_too_old_is_refused_and_nothing_stored() {
    let app = TestApp::portal();
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let applicant = signed_in(&app, &random_iin(), "APPLICANT");
    let key = applicant.person.clone().expect("key");
    let body = json!({"kind": "crime_report", "organ_id": police, "warning_language": "en", "text": "Fraud."});
    let content = to_sign(&applicant, &body);
    let somebody_else = issue(PersonSpec::new(&random_iin(), "SOMEBODY ELSE"));
    let an_hour_ago = CmsOptions {
        signing_time: SystemTime::now() - Duration::from_secs(3600),
        ..CmsOptions::default()
    };
    let cases = [
        (
            somebody_else
                .sign_cms(content.as_bytes(), &CmsOptions::default())
                .expect("cms"),
            "signature_other_person",
        ),
        (
            key.sign_cms(
                b"{\"kind\":\"crime_report\",\"text\":\"Other.\"}",
                &CmsOptions::default(),
            )
            .expect("cms"),
            "cms_other_content",
        ),
        (
            key.sign_cms(content.as_bytes(), &an_hour_ago).expect("cms"),
            "cms_signing_time",
        ),
        (b"not a cms".to_vec(), "cms_malformed"),
    ];
    for (cms, code) in cases {
        let r = file(&applicant, &with_cms(&body, &cms));
        r.assert_problem(422);
        assert_eq!(error(&r), ("signature".into(), code.into()), "{}", r.text());
    }
    // A signature over the same content, by another text: the body changed after signing.
    let signed = applicant.signed_filing(&body);
    let mut changed = signed.clone();
    changed["text"] = "Fraud, and more.".into();
    assert_eq!(error(&file(&applicant, &changed)).1, "cms_other_content");
    assert_eq!(my_filing_count(&applicant), 0);
    // The right one goes through.
    assert_eq!(file(&applicant, &signed).status, 201);
    assert_eq!(my_filing_count(&applicant), 1);
}

#[test]
fn petitions_may_be_signed_too_and_to_sign_never_stores() {
    let app = TestApp::portal();
    let (_, lead, erdr, victim) = case_with_victim(&app);
    let petition = json!({"kind": "petition", "erdr_number": erdr, "text": "Question a witness."});
    let prepared = victim.post_json("/api/filings/to-sign", &petition).json();
    assert_eq!(prepared["signature_required"], false);
    assert_eq!(my_filing_count(&victim), 0, "to-sign stored something");
    // A body with a signature is not something to prepare.
    victim
        .post_json("/api/filings/to-sign", &with_cms(&petition, b"x"))
        .assert_problem(422);
    // Unsigned is taken; signed is taken and carries its signature.
    let unsigned = file(&victim, &petition);
    assert_eq!(unsigned.status, 201);
    let unsigned = unsigned.json()["id"].as_i64().expect("id");
    let signed = file(&victim, &victim.signed_filing(&petition));
    assert_eq!(signed.status, 201, "{}", signed.text());
    assert!(signed.json()["receipt_summary"]["signature_sha256"].is_string());
    // The investigator answers with a document signed with their EDS; the filer downloads
    // that signature beside the document and checks it.
    let answer_document = jaria_tests::world::PDF;
    let cms = lead
        .person
        .as_ref()
        .expect("the officer's key")
        .sign_cms(answer_document, &CmsOptions::default())
        .expect("cms");
    let answered = lead.post_json(
        &format!("/api/officer/filings/{unsigned}/decision"),
        &json!({"outcome": "granted", "reasoning": "The witness will be questioned.",
                "document": {"filename": "answer.pdf",
                    "content_base64": base64::engine::general_purpose::STANDARD.encode(answer_document),
                    "signature": base64::engine::general_purpose::STANDARD.encode(&cms)}}),
    );
    assert_eq!(answered.status, 200, "{}", answered.text());
    let detail = victim
        .get(&format!("/api/status/filings/{unsigned}"))
        .json();
    let answer_doc = detail["documents"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["role"] == "answer"))
        .cloned()
        .expect("the answer's document");
    assert!(
        answer_doc["signature"]["signer_iin"].is_string(),
        "{detail}"
    );
    let sha = answer_doc["sha256"].as_str().expect("sha");
    let p7s = victim.get(&format!(
        "/api/status/filings/{unsigned}/documents/{sha}/signature"
    ));
    assert_eq!(p7s.status, 200, "{}", p7s.text());
    openssl_verifies(&p7s.body, answer_document);
    // Someone outside the case cannot even prepare one for it.
    let outsider = signed_in(&app, &random_iin(), "OUTSIDER");
    outsider
        .post_json("/api/filings/to-sign", &petition)
        .assert_problem(404);
}

#[test]
fn a_decision_signed_by_its_officer_reaches_the_participant_with_its_signature() {
    let app = TestApp::portal();
    let (lead_iin, lead, erdr, victim) = case_with_victim(&app);
    let key = lead.person.clone().expect("the officer's key");
    let order = jaria_tests::world::PDF;
    let post_document = |document: &[u8], signature: Option<Vec<u8>>| {
        let mut body = json!({"type": "suspension", "decided_on": "2026-11-20",
            "title": "Order suspending the investigation", "filename": "order.pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(document)});
        if let Some(cms) = signature {
            body["signature"] = base64::engine::general_purpose::STANDARD.encode(cms).into();
        }
        lead.post_json(&format!("/api/officer/cases/{erdr}/decisions"), &body)
    };
    let post = |signature: Option<Vec<u8>>| post_document(order, signature);
    let decisions_on_card = || {
        lead.get(&format!("/api/officer/cases/{erdr}")).json()["decisions"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    // Signed by someone else, or over other bytes: refused, nothing stored.
    let stranger = issue(PersonSpec::new(&random_iin(), "NOT THE OFFICER"));
    for (cms, code) in [
        (
            stranger
                .sign_cms(order, &CmsOptions::default())
                .expect("cms"),
            "signature_other_person",
        ),
        (
            key.sign_cms(b"another document", &CmsOptions::default())
                .expect("cms"),
            "cms_other_content",
        ),
    ] {
        let r = post(Some(cms));
        r.assert_problem(422);
        assert_eq!(error(&r), ("signature".into(), code.into()), "{}", r.text());
    }
    assert_eq!(decisions_on_card(), 0);
    // Signed by the officer: the participant sees who signed it and downloads the signature.
    let cms = key.sign_cms(order, &CmsOptions::default()).expect("cms");
    let created = post(Some(cms.clone()));
    assert_eq!(created.status, 201, "{}", created.text());
    let decision = created.json()["id"].as_i64().expect("id");
    let listed = victim.get(&format!("/api/cases/{erdr}/decisions")).json();
    assert_eq!(listed["decisions"][0]["signature"]["signer_iin"], lead_iin);
    let card = lead.get(&format!("/api/officer/cases/{erdr}")).json();
    assert!(card["decisions"][0]["signed_at"].is_string(), "{card}");
    let p7s = victim.get(&format!("/api/cases/{erdr}/decisions/{decision}/signature"));
    assert_eq!(p7s.status, 200, "{}", p7s.text());
    assert_eq!(p7s.body, cms);
    // Fetching the signature is not opening the decision: the officer's proof of service
    // still says the victim has not downloaded it.
    let service = lead
        .get(&format!(
            "/api/officer/cases/{erdr}/decisions/{decision}/service"
        ))
        .json();
    let victims_row = service["recipients"]
        .as_array()
        .and_then(|r| r.first())
        .cloned()
        .unwrap_or_default();
    assert!(victims_row["first_downloaded_at"].is_null(), "{service}");
    let document = victim.get(&format!("/api/cases/{erdr}/decisions/{decision}/document"));
    assert_eq!(document.status, 200);
    openssl_verifies(&p7s.body, &document.body);
    // A decision whose document was never signed has no signature (a signature belongs to
    // the bytes it covers); someone outside the case sees neither.
    let other_document = [order, &b"% another order\n"[..]].concat();
    let unsigned = post_document(&other_document, None);
    assert_eq!(unsigned.status, 201);
    let unsigned = unsigned.json()["id"].as_i64().expect("id");
    victim
        .get(&format!("/api/cases/{erdr}/decisions/{unsigned}/signature"))
        .assert_problem(404);
    let outsider = signed_in(&app, &random_iin(), "OUTSIDER");
    outsider
        .get(&format!("/api/cases/{erdr}/decisions/{decision}/signature"))
        .assert_problem(404);
}

#[test]
fn the_applicant_signs_that_they_were_warned_in_the_language_they_read() {
    let app = TestApp::portal();
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let applicant = app.sign_in(&issue(PersonSpec::new(&random_iin(), "ASANOVA AIGUL")));
    let body = json!({"kind": "crime_report", "organ_id": police, "warning_language": "kk",
                      "text": "Менің көлігімді ұрлап кетті."});
    let prepared = applicant.post_json("/api/filings/to-sign", &body).json();
    let content: Value =
        serde_json::from_str(prepared["to_sign"].as_str().expect("to_sign")).expect("json");
    let warning = &content["false_report_warning"];
    assert_eq!(warning["language"], "kk", "{content}");
    assert_eq!(warning["acknowledged"], true);
    assert!(
        warning["text"]
            .as_str()
            .is_some_and(|t| t.contains("419") && t.contains("жауапкершілік")),
        "the Kazakh warning: {content}"
    );
    // Signed as prepared, it is kept with the statement the applicant can read back.
    let filed = file(&applicant, &applicant.signed_filing(&body));
    assert_eq!(filed.status, 201, "{}", filed.text());
    let id = filed.json()["id"].as_i64().expect("id");
    let signed = applicant.get(&format!("/api/status/filings/{id}/signed-content"));
    assert_eq!(signed.status, 200, "{}", signed.text());
    assert!(
        signed.text().contains("false_report_warning"),
        "{}",
        signed.text()
    );
    // Only a statement carries it, in a language of the page.
    for (bad, code) in [
        (
            json!({"kind": "crime_report", "organ_id": police, "warning_language": "de",
                "text": "x"}),
            "invalid_language",
        ),
        (
            json!({"kind": "petition", "erdr_number": "267511031000001", "warning_language": "ru",
                "text": "x"}),
            "not_allowed",
        ),
    ] {
        let r = file(&applicant, &bad);
        r.assert_problem(422);
        assert_eq!(r.error_code(), code, "{}", r.text());
    }
}
