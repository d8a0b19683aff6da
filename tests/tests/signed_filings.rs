//! Filings signed with the filer's EDS (CPC art. 181: a statement about an offence is an
//! electronic document signed by its applicant). The portal says what to sign, checks the CMS
//! against the signed-in person, keeps it with the filing and names it in the receipt; anyone
//! who may see the filing downloads it and checks it with `openssl cms -verify`.
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

fn with_cms(body: &Value, cms: &[u8]) -> Value {
    let mut signed = body.clone();
    signed["signature"] = base64::engine::general_purpose::STANDARD.encode(cms).into();
    signed
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
    let body = json!({"kind": "crime_report", "organ_id": police, "text": "Моя машина угнана."});

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
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("statement.p7s"), &p7s.body).expect("p7s");
    std::fs::write(dir.path().join("statement.json"), &signed_content.body).expect("json");
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
            "statement.p7s",
            "-content",
            "statement.json",
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
    let body = json!({"kind": "crime_report", "organ_id": police, "text": "Fraud."});
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
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (_, lead) = officer(&app, &admin, "investigator", police);
    let erdr = jaria_tests::world::register_case(&lead);
    let victim = signed_in(&app, &random_iin(), "VICTIM");
    let id = jaria_tests::world::request(&victim, &erdr, "victim", None, None);
    assert_eq!(
        jaria_tests::world::decide(&lead, id, "confirm", None).status,
        200
    );
    let petition = json!({"kind": "petition", "erdr_number": erdr, "text": "Question a witness."});
    let prepared = victim.post_json("/api/filings/to-sign", &petition).json();
    assert_eq!(prepared["signature_required"], false);
    assert_eq!(my_filing_count(&victim), 0, "to-sign stored something");
    // A body with a signature is not something to prepare.
    victim
        .post_json("/api/filings/to-sign", &with_cms(&petition, b"x"))
        .assert_problem(422);
    // Unsigned is taken; signed is taken and carries its signature.
    assert_eq!(file(&victim, &petition).status, 201);
    let signed = file(&victim, &victim.signed_filing(&petition));
    assert_eq!(signed.status, 201, "{}", signed.text());
    assert!(signed.json()["receipt_summary"]["signature_sha256"].is_string());
    // Someone outside the case cannot even prepare one for it.
    let outsider = signed_in(&app, &random_iin(), "OUTSIDER");
    outsider
        .post_json("/api/filings/to-sign", &petition)
        .assert_problem(404);
}
