//! The keys Kazakhstan actually issues: NCA's public GOST 34.10-2015 test keys
//! (tests/fixtures/nca-gost-test) sign in under NCA's test CA with the portal's defaults and
//! the staging list of test IINs, the way NCALayer signs (a raw signature, a CMS attached or
//! detached); the revoked one does not once NCA's published list is loaded; a statement
//! signed with one is filed. Local only: the deployment is configured to trust NCA's test CA.

use jaria_tests::nca::{TEST_IIN, TEST_IIN_EMPLOYEE, fixture, key, pem, test_anchors};
use jaria_tests::{CmsOptions, TestApp, TestAppBuilder, local_only};
use serde_json::json;

/// NCA's test CA beside the suite's own (which its admin signs in with).
fn nca_trusted() -> TestAppBuilder {
    TestApp::builder().portal().env(
        "SPIN_VARIABLE_EDS_TRUST_ANCHORS",
        &(jaria_tests::test_ca_pem() + &test_anchors()),
    )
}

/// A staging deployment: NCA's test CA trusted and its test IINs listed.
fn staging() -> TestApp {
    nca_trusted()
        .env(
            "SPIN_VARIABLE_EDS_TEST_IINS",
            &format!("{TEST_IIN}, {TEST_IIN_EMPLOYEE}"),
        )
        .start()
}

fn code(reply: &jaria_tests::Reply) -> String {
    reply.assert_problem(401)["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn ncas_gost_test_keys_sign_in_every_way_ncalayer_signs() {
    local_only!();
    let app = staging();
    let person = key("individual_valid");
    // A raw signature (r ‖ s as NCA encodes it) over the challenge.
    let session = app.sign_in(&person);
    let me = session.get("/api/auth/me").json();
    assert_eq!(me["iin"], TEST_IIN, "{me}");
    assert!(me["organisation"].is_null(), "a person's own key: {me}");
    // A CMS over the challenge, detached and attached, as NCALayer's signXml/createCMS make it.
    for attached in [false, true] {
        let challenge = app.challenge();
        let cms = person
            .sign_cms(
                challenge.to_sign.as_bytes(),
                &CmsOptions {
                    attached,
                    ..CmsOptions::default()
                },
            )
            .expect("CMS");
        let reply = app.post_eds_cms(&challenge.nonce, &cms);
        assert_eq!(reply.status, 200, "attached {attached}: {}", reply.text());
    }
    // An organisation's head and its employee with the right to sign are people too.
    for (name, iin) in [
        ("legal_head", TEST_IIN),
        ("legal_employee_signright", TEST_IIN_EMPLOYEE),
    ] {
        let session = app.sign_in(&key(name));
        let me = session.get("/api/auth/me").json();
        assert_eq!(me["iin"], iin, "{name}");
        // `me` says which organisation the key speaks for, and as what.
        assert_eq!(me["organisation"]["bin"], "123456789021", "{me}");
        assert_eq!(me["organisation"]["name"], "АО \"ТЕСТ\"", "{me}");
        let role = if name == "legal_head" {
            "head"
        } else {
            "signing_right"
        };
        assert_eq!(me["organisation"]["role"], role, "{me}");
    }
    // An organisation's information system is no person.
    let reply = app.try_sign_in(&key("legal_infosystem"), jaria_tests::Signing::Der);
    assert_eq!(code(&reply), "certificate_purpose", "{}", reply.text());
}

#[test]
fn readiness_warns_while_test_iins_are_accepted_and_production_refuses_them() {
    local_only!();
    let app = staging();
    let ready = app.readiness("/api/auth");
    assert_eq!(ready.status, 200, "{}", ready.text());
    let checks = ready.json()["checks"].clone();
    let listed = checks
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "variable:eds_test_iins"))
        .cloned()
        .unwrap_or_else(|| panic!("no eds_test_iins check: {checks}"));
    assert!(
        listed["detail"]
            .as_str()
            .is_some_and(|d| d.contains("staging only") && d.contains(TEST_IIN)),
        "{listed}"
    );
    // Production: the same CA trusted, no test IINs. The key is sound, its IIN is no IIN.
    let production = nca_trusted().start();
    let reply = production.try_sign_in(&key("individual_valid"), jaria_tests::Signing::Der);
    assert_eq!(code(&reply), "certificate_invalid_iin", "{}", reply.text());
    // A list that is not twelve-digit numbers: not ready, and says why.
    let wrong = nca_trusted()
        .env("SPIN_VARIABLE_EDS_TEST_IINS", "12345")
        .start();
    let ready = wrong.readiness("/api/auth");
    assert_eq!(ready.status, 503, "{}", ready.text());
    assert!(ready.text().contains("12345"), "{}", ready.text());
}

#[test]
fn the_key_on_ncas_published_revocation_list_is_refused_once_the_list_is_loaded() {
    local_only!();
    let app = staging();
    let admin = jaria_tests::world::signed_in(&app, jaria_tests::TEST_ADMIN_IIN, "ADMIN");
    let upload = admin.request_with(
        "POST",
        "/api/admin/crls",
        &[("content-type", "application/pkix-crl")],
        pem("X509 CRL", &fixture("nca_gost2022_test.crl")).as_bytes(),
    );
    assert_eq!(
        upload.status,
        201,
        "NCA's test CRL (next update 2027-02-07; after that date refresh tests/fixtures/nca-gost-test): {}",
        upload.text()
    );
    let reply = app.try_sign_in(&key("individual_revoked"), jaria_tests::Signing::Der);
    assert_eq!(code(&reply), "certificate_revoked", "{}", reply.text());
    // The same person's other key is not on the list.
    app.sign_in(&key("individual_valid"));
}

#[test]
fn a_statement_signed_with_an_nca_gost_key_is_filed_with_its_signature() {
    local_only!();
    let app = staging();
    let admin = jaria_tests::world::signed_in(&app, jaria_tests::TEST_ADMIN_IIN, "ADMIN");
    let organ_id = jaria_tests::world::organ(&admin, "Police");
    let citizen = app.sign_in(&key("individual_valid"));
    let body = citizen.signed_filing(&json!({
        "kind": "crime_report",
        "organ_id": organ_id,
        "text": "Signed with the key NCA issues today.",
    }));
    let reply = citizen.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", &jaria_tests::random_iin()),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    // The receipt names the very CMS that was sent: NCA's GOST signature, kept as it came.
    use base64::Engine as _;
    use sha2::Digest as _;
    let sent = base64::engine::general_purpose::STANDARD
        .decode(body["signature"].as_str().expect("signed"))
        .expect("base64");
    assert_eq!(
        reply.json()["receipt_summary"]["signature_sha256"],
        hex::encode(sha2::Sha256::digest(&sent)),
        "{}",
        reply.text()
    );
}
