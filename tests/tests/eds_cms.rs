//! Signing in with a CMS signature, as NCALayer, KAZTOKEN and `openssl cms` make it: the
//! challenge signed attached or detached, the chain inside the CMS. And every way such a
//! signature can be wrong is refused with its reason, with the challenge spent and no session.
//! Runs against a fresh local host, or `JARIA_BASE_URL`.

use std::process::Command;
use std::time::{Duration, SystemTime};

use jaria_tests::{CmsOptions, KeyAlgorithm, PersonSpec, Session, TestApp, issue, random_iin};

fn error(reply: &jaria_tests::Reply) -> (String, String) {
    let body = reply.json();
    (
        body["errors"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// `openssl cms -sign -binary -outform DER [-nodetach]` over `content`, as the person.
fn openssl_cms(person: &jaria_tests::Person, content: &[u8], attached: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("cert.pem"), &person.cert_pem).expect("cert");
    std::fs::write(path("key.pem"), &person.key_pem).expect("key");
    std::fs::write(path("content"), content).expect("content");
    let mut command = Command::new("openssl");
    command.args([
        "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
    ]);
    command.arg("-in").arg(path("content"));
    command.arg("-signer").arg(path("cert.pem"));
    command.arg("-inkey").arg(path("key.pem"));
    command.arg("-out").arg(path("signature.der"));
    if attached {
        command.arg("-nodetach");
    }
    let output = command
        .output()
        .expect("openssl is needed for this test (apt-get install openssl)");
    assert!(
        output.status.success(),
        "openssl cms: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(path("signature.der")).expect("signature")
}

#[test]
fn a_cms_made_by_openssl_signs_in_attached_or_detached() {
    let app = TestApp::portal();
    for algorithm in [KeyAlgorithm::Rsa2048, KeyAlgorithm::EcdsaP256] {
        for attached in [false, true] {
            let iin = random_iin();
            let person = issue(PersonSpec::new(&iin, "SAPAROVA AIGUL").algorithm(algorithm));
            let challenge = app.challenge();
            let cms = openssl_cms(&person, challenge.to_sign.as_bytes(), attached);
            let reply = app.post_eds_cms(&challenge.nonce, &cms);
            assert_eq!(
                reply.status,
                200,
                "{algorithm:?} attached={attached}: {}",
                reply.text()
            );
            let me = Session::from_reply(&app, &reply).get("/api/auth/me").json();
            assert_eq!(me["iin"], iin.as_str());
            assert_eq!(me["session"]["method"], "eds");
        }
    }
}

#[test]
fn ncalayers_pem_armoured_answer_signs_in() {
    use base64::Engine as _;
    let app = TestApp::portal();
    let person = issue(PersonSpec::new(&random_iin(), "A").algorithm(KeyAlgorithm::Rsa2048));
    let challenge = app.challenge();
    let cms = person
        .sign_cms(challenge.to_sign.as_bytes(), &CmsOptions::default())
        .expect("cms");
    let pem = format!(
        "-----BEGIN CMS-----\n{}\n-----END CMS-----\n",
        base64::engine::general_purpose::STANDARD.encode(cms)
    );
    let reply = app.post_json(
        "/api/auth/eds",
        &serde_json::json!({"nonce": challenge.nonce, "cms": pem}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn every_wrong_cms_is_refused_with_its_reason_and_spends_the_challenge() {
    let app = TestApp::portal();
    let person = issue(PersonSpec::new(&random_iin(), "A").algorithm(KeyAlgorithm::Rsa2048));
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let stranger = {
        let ca = jaria_test_ca::Authority::new_root("Not a trusted CA").expect("ca");
        ca.issue(&PersonSpec::new(&random_iin(), "B").algorithm(KeyAlgorithm::Rsa2048))
            .expect("person")
    };
    type Make<'a> = Box<dyn Fn(&[u8]) -> Vec<u8> + 'a>;
    let cases: Vec<(&str, Make<'_>)> = vec![
        (
            "cms_other_content",
            Box::new(|_| {
                let options = CmsOptions {
                    attached: true,
                    ..CmsOptions::default()
                };
                person
                    .sign_cms(b"another site's challenge", &options)
                    .expect("cms")
            }),
        ),
        (
            "cms_other_content",
            Box::new(|challenge| {
                let options = CmsOptions {
                    digest_of: Some(b"a loan agreement".to_vec()),
                    ..CmsOptions::default()
                };
                person.sign_cms(challenge, &options).expect("cms")
            }),
        ),
        (
            "cms_signing_time",
            Box::new(|challenge| {
                let options = CmsOptions {
                    signing_time: an_hour_ago,
                    ..CmsOptions::default()
                };
                person.sign_cms(challenge, &options).expect("cms")
            }),
        ),
        (
            "certificate_untrusted",
            Box::new(|challenge| {
                stranger
                    .sign_cms(challenge, &CmsOptions::default())
                    .expect("cms")
            }),
        ),
        (
            "cms_signer_missing",
            Box::new(|challenge| {
                let options = CmsOptions {
                    without_signer_certificate: true,
                    ..CmsOptions::default()
                };
                person.sign_cms(challenge, &options).expect("cms")
            }),
        ),
        (
            "cms_malformed",
            Box::new(|_| b"\x30\x03\x02\x01\x01".to_vec()),
        ),
    ];
    for (code, make) in cases {
        let challenge = app.challenge();
        let reply = app.post_eds_cms(&challenge.nonce, &make(challenge.to_sign.as_bytes()));
        reply.assert_problem(401);
        assert_eq!(
            error(&reply),
            ("cms".to_owned(), code.to_owned()),
            "{}",
            reply.text()
        );
        assert!(reply.json().get("token").is_none());
        // The challenge is spent: even a good signature cannot use it now.
        let good = person
            .sign_cms(challenge.to_sign.as_bytes(), &CmsOptions::default())
            .expect("cms");
        let again = app.post_eds_cms(&challenge.nonce, &good);
        assert_eq!(error(&again).1, "nonce_invalid", "{}", again.text());
    }
}

#[test]
fn a_cms_and_a_certificate_together_or_neither_is_a_clear_422() {
    let app = TestApp::portal();
    let challenge = app.challenge();
    let both = app.post_json(
        "/api/auth/eds",
        &serde_json::json!({"nonce": challenge.nonce, "cms": "MAA=", "certificate": "x", "signature": "AA=="}),
    );
    both.assert_problem(422);
    assert_eq!(error(&both), ("cms".to_owned(), "not_allowed".to_owned()));
    let neither = app.post_json(
        "/api/auth/eds",
        &serde_json::json!({"nonce": challenge.nonce}),
    );
    neither.assert_problem(422);
    assert_eq!(error(&neither).1, "required");
    let not_base64 = app.post_json(
        "/api/auth/eds",
        &serde_json::json!({"nonce": challenge.nonce, "cms": "%%%"}),
    );
    not_base64.assert_problem(422);
    assert_eq!(
        error(&not_base64),
        ("cms".to_owned(), "cms_malformed".to_owned())
    );
    // Shape errors come before the challenge is spent: it still signs in.
    let person = issue(PersonSpec::new(&random_iin(), "A").algorithm(KeyAlgorithm::Rsa2048));
    let good = person
        .sign_cms(challenge.to_sign.as_bytes(), &CmsOptions::default())
        .expect("cms");
    assert_eq!(app.post_eds_cms(&challenge.nonce, &good).status, 200);
}
