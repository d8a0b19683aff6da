//! The holes an attacker or an insider finds by reading the code, each closed and tried here
//! as they would try it (docs/security.md lists each defence with its test): revoked
//! certificates, revocation lists and OCSP, authority that follows the current appointment,
//! self-dealing, lock-outs that cannot be turned against others, and bounded unauthenticated
//! writes.

use std::sync::Arc;

use jaria_tests::ocsp::{Behaviour, Entry, Responder};
use jaria_tests::world::{
    CaseWorld, decide, erdr_in, erdr_of, officer, organ, organ_coded, register_case, request,
    signed_in,
};
use jaria_tests::{
    Person, PersonSpec, Reply, Session, Signing, TEST_ADMIN_IIN, TestApp, issue, person,
    random_iin, test_ca,
};
use serde_json::{Value, json};

fn admin(app: &TestApp) -> Session<'_> {
    signed_in(app, TEST_ADMIN_IIN, "ADMIN")
}

fn revoke(admin: &Session<'_>, body: serde_json::Value) -> Reply {
    admin.post_json("/api/admin/revocations", &body)
}

/// A CA under the suite's root, with its own name: its revocations and lists concern only the
/// test that made it, even on a shared deployment.
fn intermediate(name: &str) -> jaria_test_ca::Authority {
    test_ca()
        .intermediate(&format!("{name} {}", random_iin()))
        .expect("intermediate CA")
}

/// A person issued by `ca`, who signs in with the chain up to the suite's root.
struct Chained {
    person: Person,
    chain: String,
}

fn chained(ca: &jaria_test_ca::Authority, name: &str) -> Chained {
    let person = ca
        .issue(&PersonSpec::new(&random_iin(), name))
        .expect("issue");
    let chain = format!("{}{}", person.cert_pem, ca.cert_pem);
    Chained { person, chain }
}

fn sign_in_chained(app: &TestApp, who: &Chained) -> Reply {
    let challenge = app.challenge();
    app.post_eds(
        &who.chain,
        &challenge.nonce,
        &who.person.sign(challenge.to_sign.as_bytes()),
    )
}

#[test]
fn a_revoked_certificate_ends_its_sessions_at_once_and_signs_in_no_more() {
    let app = TestApp::portal();
    let admin = admin(&app);
    let victim = person("VICTIM");
    let first = app.sign_in(&victim);
    let second = app.sign_in(&victim);
    assert_eq!(first.get("/api/auth/me").status, 200);

    let r = revoke(
        &admin,
        json!({"certificate": victim.cert_pem, "reason": "key reported stolen"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["sessions_ended"], 2);
    // Both sessions end now, not at their expiry.
    first.get("/api/auth/me").assert_problem(401);
    second.get("/api/auth/me").assert_problem(401);
    // And the certificate signs in no more.
    let again = app.try_sign_in(&victim, Signing::Der);
    again.assert_problem(401);
    assert_eq!(again.error_code(), "certificate_revoked");
    // A new certificate of the same person is another certificate.
    app.sign_in(&issue(PersonSpec::new(
        victim_iin(&victim).as_str(),
        "VICTIM",
    )));
}

fn victim_iin(p: &Person) -> String {
    let cert = x509_parse(&p.cert_pem);
    jaria_portal::identity::eds::subject_iin(&cert).expect("IIN in the subject")
}

fn x509_parse(pem: &str) -> x509_cert::Certificate {
    jaria_portal::identity::eds::parse_pem_bundle(pem).expect("certificate")[0].clone()
}

#[test]
fn a_password_set_from_a_revoked_certificates_session_stops_working() {
    let app = TestApp::portal();
    let admin = admin(&app);
    let p = person("HOLDER");
    let iin = victim_iin(&p);
    let eds = app.sign_in(&p);
    let password = "a long and unusual passphrase 41";
    assert_eq!(eds.set_password(password).status, 204);
    let login = |pw: &str| app.post_json("/api/auth/login", &json!({"iin": iin, "password": pw}));
    let by_password = login(password);
    assert_eq!(by_password.status, 200, "{}", by_password.text());
    let by_password = Session::from_reply(&app, &by_password);
    assert_eq!(by_password.get("/api/auth/me").status, 200);

    let r = revoke(
        &admin,
        json!({"certificate": p.cert_pem, "reason": "stolen"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["passwords_voided"], 1);
    // The password session derived from that certificate ends too, and the password is void.
    by_password.get("/api/auth/me").assert_problem(401);
    login(password).assert_problem(401);
    // A valid certificate proves the person again; then they set a new password.
    let renewed = app.sign_in(&issue(PersonSpec::new(&iin, "HOLDER")));
    assert_eq!(
        renewed.set_password("another long passphrase 42").status,
        204
    );
    assert_eq!(login("another long passphrase 42").status, 200);
    login(password).assert_problem(401);
}

#[test]
fn revocation_names_the_issuer_and_reaches_intermediates() {
    let app = TestApp::portal();
    let admin = admin(&app);
    let ca = intermediate("Issuing CA");
    let holder = chained(&ca, "UNDER INTERMEDIATE");
    let session = Session::from_reply(&app, &{
        let r = sign_in_chained(&app, &holder);
        assert_eq!(r.status, 200, "{}", r.text());
        r
    });
    let root_person = person("UNDER ROOT");
    let root_session = app.sign_in(&root_person);

    // The root person's serial, but under the intermediate: another certificate, untouched.
    let r = revoke(
        &admin,
        json!({"issuer_certificate": ca.cert_pem, "serial_number": root_person.serial_hex,
               "reason": "wrong issuer"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(root_session.get("/api/auth/me").status, 200);
    assert_eq!(app.try_sign_in(&root_person, Signing::Der).status, 200);
    // A serial number alone names no certificate.
    revoke(
        &admin,
        json!({"serial_number": root_person.serial_hex, "reason": "x"}),
    )
    .assert_problem(422);

    // The intermediate itself revoked: everyone under it is stopped.
    let r = revoke(
        &admin,
        json!({"certificate": ca.cert_pem, "reason": "CA compromised"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    session.get("/api/auth/me").assert_problem(401);
    let again = sign_in_chained(&app, &holder);
    again.assert_problem(401);
    assert_eq!(again.error_code(), "certificate_revoked");
    assert_eq!(root_session.get("/api/auth/me").status, 200);
}

fn upload_crl(admin: &Session<'_>, crl_pem: &str, chain: Option<&str>) -> Reply {
    match chain {
        None => admin.request_with(
            "POST",
            "/api/admin/crls",
            &[("content-type", "application/pkix-crl")],
            crl_pem.as_bytes(),
        ),
        Some(chain) => admin.post_json(
            "/api/admin/crls",
            &json!({"crl": crl_pem, "issuer_chain": chain}),
        ),
    }
}

#[test]
fn a_revocation_list_of_the_ca_is_verified_and_applied() {
    let app = TestApp::portal();
    let admin = admin(&app);
    let ca = intermediate("CRL CA");
    let listed = chained(&ca, "LISTED");
    let unlisted = chained(&ca, "UNLISTED");
    let listed_session = Session::from_reply(&app, &sign_in_chained(&app, &listed));
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let crl = ca
        .crl(
            &[&listed.person.serial_hex],
            1,
            now - time::Duration::minutes(1),
            now + day,
        )
        .expect("crl");

    // Without the intermediate its list cannot be checked against the anchors.
    let refused = upload_crl(&admin, &crl, None);
    refused.assert_problem(422);
    assert_eq!(refused.error_code(), "crl_unknown_issuer");
    let loaded = upload_crl(&admin, &crl, Some(&ca.cert_pem));
    assert_eq!(loaded.status, 201, "{}", loaded.text());
    assert_eq!(loaded.json()["entries"], 1);
    assert_eq!(loaded.json()["sessions_ended"], 1);
    listed_session.get("/api/auth/me").assert_problem(401);
    let again = sign_in_chained(&app, &listed);
    assert_eq!(
        again.error_code(),
        "certificate_revoked",
        "{}",
        again.text()
    );
    assert_eq!(sign_in_chained(&app, &unlisted).status, 200);

    // An older list (a replay of yesterday's) is refused; so is an out-of-date one.
    let older = ca.crl(&[], 0, now - day, now + day).expect("older crl");
    let r = upload_crl(&admin, &older, Some(&ca.cert_pem));
    r.assert_problem(422);
    assert_eq!(r.error_code(), "crl_older_than_loaded");
    let stale = ca.crl(&[], 2, now - day * 3, now - day).expect("stale crl");
    let r = upload_crl(&admin, &stale, Some(&ca.cert_pem));
    assert_eq!(r.error_code(), "crl_stale", "{}", r.text());
    // A newer list without the entry lifts a hold.
    let newer = ca.crl(&[], 3, now, now + day).expect("newer crl");
    assert_eq!(upload_crl(&admin, &newer, Some(&ca.cert_pem)).status, 201);
    assert_eq!(sign_in_chained(&app, &listed).status, 200);
    // Not a CRL at all.
    upload_crl(&admin, "garbage", None).assert_problem(422);
    let listed_crls = admin.get("/api/admin/crls");
    assert_eq!(listed_crls.status, 200);
    assert!(
        listed_crls.json()["crls"]
            .as_array()
            .is_some_and(|l| l.len() >= 2)
    );
}

#[test]
fn an_admins_revocation_outlives_every_revocation_list_that_drops_the_certificate() {
    let app = TestApp::portal();
    let admin = admin(&app);
    let ca = intermediate("HOLD CA");
    let stolen = chained(&ca, "STOLEN");
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    // The CA puts the certificate on hold; the holder reports the key stolen to the portal.
    let held = ca
        .crl(
            &[&stolen.person.serial_hex],
            1,
            now - time::Duration::minutes(2),
            now + day,
        )
        .expect("crl");
    assert_eq!(upload_crl(&admin, &held, Some(&ca.cert_pem)).status, 201);
    let r = revoke(
        &admin,
        json!({"certificate": stolen.person.cert_pem, "reason": "key reported stolen"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    // The admin's list shows the revocation, and that a CRL lists it too.
    let listed = admin.get("/api/admin/revocations").json();
    let row = listed["revocations"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|row| row["serial_number"] == stolen.person.serial_hex.as_str())
        })
        .cloned()
        .unwrap_or_else(|| panic!("the admin's revocation is listed: {listed}"));
    assert_eq!(row["source"], "admin");
    assert_eq!(row["sources"], json!(["admin", "crl"]), "{row}");
    // The CA lifts its hold: its next list no longer names the certificate. The admin's
    // revocation stands.
    let lifted = ca
        .crl(&[], 2, now - time::Duration::minutes(1), now + day)
        .expect("newer crl");
    assert_eq!(upload_crl(&admin, &lifted, Some(&ca.cert_pem)).status, 201);
    let again = sign_in_chained(&app, &stolen);
    assert_eq!(
        again.error_code(),
        "certificate_revoked",
        "a stolen certificate signed in again: {}",
        again.text()
    );
}

#[test]
fn a_forged_revocation_list_is_refused() {
    let app = TestApp::portal();
    let admin = admin(&app);
    // A CA with the suite root's name but another key: its list must not verify.
    let impostor = jaria_test_ca::Authority::new_root("Jaria Test CA").expect("impostor");
    let now = time::OffsetDateTime::now_utc();
    let crl = impostor
        .crl(&["1"], 1, now, now + time::Duration::days(1))
        .expect("crl");
    let r = upload_crl(&admin, &crl, None);
    r.assert_problem(422);
    assert!(
        ["crl_signature_invalid", "crl_unknown_issuer"].contains(&r.error_code().as_str()),
        "{}",
        r.text()
    );
}

fn ocsp_portal(responder: &Responder, policy: Option<&str>) -> TestApp {
    let mut builder = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_OCSP_RESPONDER", &responder.origin)
        .env("SPIN_VARIABLE_OCSP_TIMEOUT_MS", "1000")
        .env("SPIN_VARIABLE_OCSP_CACHE_SECS", "300");
    if let Some(policy) = policy {
        builder = builder.env("SPIN_VARIABLE_REVOCATION_CHECK_FAILURE", policy);
    }
    builder.start()
}

#[test]
fn a_real_ocsp_responder_is_asked_and_its_answers_are_obeyed() {
    jaria_tests::local_only!();
    let good = person("GOOD");
    let revoked = person("REVOKED");
    let unknown = person("UNKNOWN");
    let responder = Responder::start(&[
        Entry::Valid(good.serial_hex.clone()),
        Entry::Revoked(revoked.serial_hex.clone()),
    ]);
    let app = ocsp_portal(&responder, None);
    assert_eq!(app.try_sign_in(&good, Signing::Der).status, 200);
    assert_eq!(responder.requests(), 1);

    let r = app.try_sign_in(&revoked, Signing::Der);
    r.assert_problem(401);
    assert_eq!(r.error_code(), "certificate_revoked");
    let r = app.try_sign_in(&unknown, Signing::Der);
    r.assert_problem(401);
    assert_eq!(r.error_code(), "certificate_status_unknown");

    // A good answer is reused for a while: the responder is not asked again …
    let asked = responder.requests();
    responder.set(Behaviour::Stall);
    assert_eq!(app.try_sign_in(&good, Signing::Der).status, 200);
    assert_eq!(responder.requests(), asked);
    // … and a revoked answer is remembered for good, even with the responder silent.
    let r = app.try_sign_in(&revoked, Signing::Der);
    assert_eq!(r.error_code(), "certificate_revoked", "{}", r.text());
}

#[test]
fn a_silent_ocsp_responder_fails_closed_for_officers_and_open_for_participants_by_default() {
    jaria_tests::local_only!();
    let responder = Responder::start(&[]);
    responder.set(Behaviour::Stall);
    let app = ocsp_portal(&responder, None);
    // The admin (an officer-like power) is refused: 503 with Retry-After, not a 401.
    let admin_person = issue(PersonSpec::new(TEST_ADMIN_IIN, "ADMIN"));
    let r = app.try_sign_in(&admin_person, Signing::Der);
    r.assert_problem(503);
    assert!(r.header("retry-after").is_some());
    // A participant gets in.
    assert_eq!(
        app.try_sign_in(&person("CITIZEN"), Signing::Der).status,
        200
    );

    // Closed for everyone when the deployment says so.
    let strict = ocsp_portal(&responder, Some("closed"));
    strict
        .try_sign_in(&person("CITIZEN"), Signing::Der)
        .assert_problem(503);
    // Open for everyone, too, if it must (logged).
    let lenient = ocsp_portal(&responder, Some("open"));
    assert_eq!(lenient.try_sign_in(&admin_person, Signing::Der).status, 200);
}

/// "Closed for officers" holds for the whole session, not only at its sign-in: a session
/// opened while the certificate's revocation status could not be established (here the OCSP
/// responder is silent) gains no officer or admin power granted to its person later. A new
/// sign-in, once the status is known, has it.
#[test]
fn a_session_opened_without_a_revocation_status_gains_no_power_granted_later() {
    jaria_tests::local_only!();
    let admin_person = issue(PersonSpec::new(TEST_ADMIN_IIN, "ADMIN"));
    let iin = random_iin();
    let later_officer = issue(PersonSpec::new(&iin, "LATER OFFICER"));
    let responder = Responder::start(&[
        Entry::Valid(admin_person.serial_hex.clone()),
        Entry::Valid(later_officer.serial_hex.clone()),
    ]);
    let app = ocsp_portal(&responder, None);
    let admin = app.sign_in(&admin_person);
    responder.set(Behaviour::Stall);
    let unverified = app.sign_in(&later_officer);
    let police = organ(&admin, "Police");
    let r = admin.post_json(
        "/api/admin/officers",
        &json!({"iin": iin, "full_name": "LATER OFFICER", "role": "investigator", "organ_id": police}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    unverified.get("/api/officer/queue").assert_problem(403);
    assert_eq!(
        unverified.get("/api/auth/me").json()["roles"],
        json!(["participant"])
    );
    responder.set(Behaviour::Answer);
    let verified = app.sign_in(&later_officer);
    let queue = verified.get("/api/officer/queue");
    assert_eq!(queue.status, 200, "{}", queue.text());
    // The unverified session stays without powers even now.
    unverified.get("/api/officer/queue").assert_problem(403);
}

/// Trusting a national root trusts every CA under it, for any IIN. With `eds_issuing_cas`
/// set, only a certificate issued straight by a pinned CA signs in; one of another CA under the
/// same root is refused, and a pin that is no certificate makes sign-in not ready.
#[test]
fn with_issuing_cas_pinned_only_their_certificates_sign_in() {
    jaria_tests::local_only!();
    let pinned = test_ca()
        .intermediate(&format!("Pinned {}", random_iin()))
        .expect("pinned CA");
    let other = test_ca()
        .intermediate(&format!("Other {}", random_iin()))
        .expect("other CA");
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_EDS_ISSUING_CAS", &pinned.cert_pem)
        .start();
    let sign_in_through = |ca: &jaria_test_ca::Authority, name: &str| {
        let person = ca
            .issue(&PersonSpec::new(&random_iin(), name))
            .expect("issue");
        let challenge = app.challenge();
        app.post_eds(
            &format!("{}{}", person.cert_pem, ca.cert_pem),
            &challenge.nonce,
            &person.sign(challenge.to_sign.as_bytes()),
        )
    };
    let inside = sign_in_through(&pinned, "INSIDE");
    assert_eq!(inside.status, 200, "{}", inside.text());
    let outside = sign_in_through(&other, "OUTSIDE");
    outside.assert_problem(401);
    assert_eq!(outside.error_code(), "certificate_not_pinned");
    // A person of the root itself: no pinned CA issued it.
    let direct = app.try_sign_in(&person("DIRECT"), Signing::Der);
    assert_eq!(
        direct.error_code(),
        "certificate_not_pinned",
        "{}",
        direct.text()
    );

    let broken = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_EDS_ISSUING_CAS", "not a certificate")
        .start();
    assert_eq!(broken.readiness("/api/auth").status, 503);
    let challenge = broken.challenge();
    let refused = broken.post_eds(&pinned.cert_pem, &challenge.nonce, b"signature");
    refused.assert_problem(503);
}

#[test]
fn certificates_meant_for_something_else_cannot_sign_in() {
    let app = TestApp::portal();
    let iin = random_iin();
    let document_signer = issue(PersonSpec::new(&iin, "SIGNER").non_repudiation_only());
    let r = app.try_sign_in(&document_signer, Signing::Der);
    r.assert_problem(401);
    assert_eq!(r.error_code(), "certificate_key_usage");
    let mail =
        issue(PersonSpec::new(&iin, "MAIL").purposes(&[jaria_test_ca::Purpose::EmailProtection]));
    let r = app.try_sign_in(&mail, Signing::Der);
    assert_eq!(r.error_code(), "certificate_purpose", "{}", r.text());

    // Two serialNumber attributes: refused, not resolved by whichever comes first.
    let p = person("TWO SERIALS");
    let forged = test_ca()
        .resign(&p.cert_pem, |tbs| {
            let mut rdn = tbs.subject.0[1].clone();
            let mut atv = rdn.0.get(0).expect("serialNumber").clone();
            atv.value = x509_cert::der::asn1::Any::new(
                x509_cert::der::Tag::PrintableString,
                format!("IIN{}", random_iin()).into_bytes(),
            )
            .expect("value");
            rdn = x509_cert::name::RelativeDistinguishedName::from(
                x509_cert::der::asn1::SetOfVec::try_from(vec![atv]).expect("set"),
            );
            tbs.subject.0.push(rdn);
        })
        .expect("resign");
    let challenge = app.challenge();
    let r = app.post_eds(
        &forged,
        &challenge.nonce,
        &p.sign(challenge.to_sign.as_bytes()),
    );
    r.assert_problem(401);
    assert_eq!(r.error_code(), "certificate_ambiguous_subject");

    // A chain longer than an authority in it allows.
    let strict = test_ca()
        .intermediate_with_path_len(&format!("Strict {}", random_iin()), Some(0))
        .expect("strict");
    let below = strict
        .intermediate_with_path_len("Below", None)
        .expect("below");
    let deep = below
        .issue(&PersonSpec::new(&random_iin(), "DEEP"))
        .expect("issue");
    let chain = format!("{}{}{}", deep.cert_pem, below.cert_pem, strict.cert_pem);
    let challenge = app.challenge();
    let r = app.post_eds(
        &chain,
        &challenge.nonce,
        &deep.sign(challenge.to_sign.as_bytes()),
    );
    r.assert_problem(401);
    assert_eq!(r.error_code(), "certificate_path_too_long");

    // A signature over the bare nonce (made for some other purpose) is no sign-in.
    let p = person("REPLAY");
    let challenge = app.challenge();
    let r = app.post_eds(
        &p.cert_pem,
        &challenge.nonce,
        &p.sign(challenge.nonce.as_bytes()),
    );
    assert_eq!(r.error_code(), "signature_invalid");
    assert!(challenge.to_sign.starts_with("jaria:sign-in:v1\norigin="));
    assert!(
        challenge
            .to_sign
            .ends_with(&format!("nonce={}", challenge.nonce))
    );
}

#[test]
fn changing_a_password_needs_proof_and_ends_every_other_session() {
    let app = TestApp::portal();
    let p = person("CHANGER");
    let iin = victim_iin(&p);
    let eds = app.sign_in(&p);
    let other_eds = app.sign_in(&p);
    // A fresh certificate sign-in may set it without the current one.
    assert_eq!(eds.set_password("first long passphrase 1").status, 204);
    // Every other session of the person ended; this one goes on.
    other_eds.get("/api/auth/me").assert_problem(401);
    assert_eq!(eds.get("/api/auth/me").status, 200);

    let by_password = Session::from_reply(
        &app,
        &app.post_json(
            "/api/auth/login",
            &json!({"iin": iin, "password": "first long passphrase 1"}),
        ),
    );
    // From a password session: the current password is required, and must be right.
    let r = by_password.set_password("second long passphrase 2");
    r.assert_problem(401);
    assert_eq!(r.error_code(), "reauthentication_required");
    let r = by_password.send_json(
        "PUT",
        "/api/auth/password",
        &json!({"password": "second long passphrase 2", "current_password": "wrong guess here"}),
    );
    assert_eq!(r.error_code(), "current_password_invalid");
    let r = by_password.send_json(
        "PUT",
        "/api/auth/password",
        &json!({"password": "second long passphrase 2", "current_password": "first long passphrase 1"}),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    // The EDS session (another session) ended with the change.
    eds.get("/api/auth/me").assert_problem(401);
}

#[test]
fn an_eds_session_older_than_five_minutes_needs_the_current_password() {
    jaria_tests::local_only!();
    let app = TestApp::portal();
    let p = person("OLD SESSION");
    let eds = app.sign_in(&p);
    // Five minutes and a second later (the session's start moved back in the file).
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    db.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    db.execute(
        "UPDATE sessions SET created_unix = created_unix - 301 WHERE id = ?1",
        [&eds.session_id],
    )
    .expect("age the session");
    let r = eds.set_password("a long and unusual passphrase 9");
    r.assert_problem(401);
    assert_eq!(r.error_code(), "reauthentication_required");
}

/// A case led by an investigator of `police`, with a victim asking for their status.
fn desk(app: &TestApp) -> CaseWorld<'_> {
    CaseWorld::new(app).registered().with_victim_asking()
}

fn reappoint(admin: &Session<'_>, iin: &str, role: &str, organ_id: i64) {
    let r = admin.post_json(
        "/api/admin/officers",
        &json!({"iin": iin, "full_name": "MOVED OFFICER", "role": role, "organ_id": organ_id}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn a_transferred_officer_loses_the_old_organs_cases_in_the_session_already_open() {
    let app = TestApp::portal();
    let d = desk(&app);
    let card = format!("/api/officer/cases/{}", d.erdr);
    assert_eq!(d.lead.get(&card).status, 200);
    let other = organ(&d.admin, "Other police");
    reappoint(&d.admin, &d.lead_iin, "investigator", other);
    // Same session, next request: the old organ's case does not exist for them.
    d.lead.get(&card).assert_problem(404);
    decide(&d.lead, d.victim_request(), "confirm", None).assert_problem(404);
    let queue = d.lead.get("/api/officer/queue").json();
    assert!(
        !queue.to_string().contains(&d.erdr),
        "the old organ's requests left the queue: {queue}"
    );
    // Their new organ's work is theirs.
    let new_case = register_case(&d.lead);
    assert_eq!(
        d.lead.get(&format!("/api/officer/cases/{new_case}")).status,
        200
    );
    // Back in the old organ as head of unit: they see it again, in that capacity.
    reappoint(&d.admin, &d.lead_iin, "head_of_unit", d.police);
    let card_now = d.lead.get(&card).json();
    assert_eq!(card_now["my_relation"], "head_of_unit");
}

#[test]
fn a_dismissed_officers_open_session_loses_every_power_at_once() {
    let app = TestApp::portal();
    let d = desk(&app);
    let r = d
        .admin
        .delete(&format!("/api/admin/officers/{}", d.lead_iin));
    assert_eq!(r.status, 204, "{}", r.text());
    d.lead.get("/api/officer/queue").assert_problem(403);
    d.lead
        .get(&format!("/api/officer/cases/{}", d.erdr))
        .assert_problem(403);
    decide(&d.lead, d.victim_request(), "confirm", None).assert_problem(403);
    // Still a person: their own view works.
    let me = d.lead.get("/api/auth/me").json();
    assert_eq!(me["roles"], json!(["participant"]));
}

#[test]
fn no_request_after_a_dismissal_succeeds_even_while_the_officer_is_busy() {
    let app = Arc::new(TestApp::portal());
    let (token, lead_iin, erdr) = {
        let d = desk(&app);
        (d.lead.token.clone(), d.lead_iin.clone(), d.erdr.clone())
    };
    let admin = admin(&app);
    let dismissed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (app, token, erdr, dismissed) =
                (app.clone(), token.clone(), erdr.clone(), dismissed.clone());
            std::thread::spawn(move || {
                let mut late_successes = 0;
                for _ in 0..40 {
                    let was_dismissed = dismissed.load(std::sync::atomic::Ordering::SeqCst);
                    let r = app.request(
                        "GET",
                        &format!("/api/officer/cases/{erdr}"),
                        &[("authorization", &format!("Bearer {token}"))],
                        None,
                    );
                    if was_dismissed && r.status == 200 {
                        late_successes += 1;
                    }
                }
                late_successes
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let r = admin.delete(&format!("/api/admin/officers/{lead_iin}"));
    assert_eq!(r.status, 204, "{}", r.text());
    dismissed.store(true, std::sync::atomic::Ordering::SeqCst);
    let late: u32 = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    assert_eq!(
        late, 0,
        "requests started after the dismissal answered with the case"
    );
}

#[test]
fn a_revoked_session_never_comes_back_even_when_it_was_being_refreshed() {
    jaria_tests::local_only!();
    let app = Arc::new(TestApp::portal());
    let p = person("REFRESHED");
    let (token, session_id) = {
        let s = app.sign_in(&p);
        (s.token.clone(), s.session_id.clone())
    };
    // Idle for over a minute: every request now also refreshes the session's last-seen time.
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    db.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy");
    db.execute(
        "UPDATE sessions SET last_seen_unix = last_seen_unix - 120 WHERE id = ?1",
        [&session_id],
    )
    .expect("age");
    let revoked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (app, token, revoked) = (app.clone(), token.clone(), revoked.clone());
            std::thread::spawn(move || {
                let mut late = 0;
                for _ in 0..30 {
                    let after = revoked.load(std::sync::atomic::Ordering::SeqCst);
                    let r = app.request(
                        "GET",
                        "/api/auth/me",
                        &[("authorization", &format!("Bearer {token}"))],
                        None,
                    );
                    if after && r.status == 200 {
                        late += 1;
                    }
                }
                late
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let r = app.request(
        "POST",
        "/api/auth/logout",
        &[("authorization", &format!("Bearer {token}"))],
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    revoked.store(true, std::sync::atomic::Ordering::SeqCst);
    let late: u32 = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    assert_eq!(late, 0, "the session answered after it was revoked");
    let revoked_at: Option<String> = db
        .query_row(
            "SELECT revoked_at FROM sessions WHERE id = ?1",
            [&session_id],
            |r| r.get(0),
        )
        .expect("session row");
    assert!(revoked_at.is_some(), "the revocation stands");
}

#[test]
fn an_officer_does_not_decide_what_concerns_themselves() {
    let app = TestApp::portal();
    let d = desk(&app);
    // The lead asks for a status in their own case …
    let own = request(&d.lead, &d.erdr, "victim", None, None);
    // … and cannot confirm (or reject) it themselves.
    let r = decide(&d.lead, own, "confirm", None);
    r.assert_problem(403);
    assert_eq!(r.error_code(), "self_dealing");
    decide(&d.lead, own, "reject", Some("no")).assert_problem(403);
    // The head of unit can.
    let (_, head) = officer(&app, &d.admin, "head_of_unit", d.police);
    assert_eq!(decide(&head, own, "confirm", None).status, 200);
    // Every other deciding endpoint refuses the same way: the matrix's self-request test
    // (tests/authz.rs) goes through them all.
}

#[test]
fn an_organ_registers_only_its_own_erdr_numbers() {
    let app = TestApp::portal();
    let d = desk(&app);
    // Another organ's number — and with it the status requests people sent for that case.
    let other = organ(&d.admin, "Other police");
    let (_, foreign) = officer(&app, &d.admin, "investigator", other);
    let foreign_erdr = erdr_of(&foreign);
    let asker = signed_in(&app, &random_iin(), "ASKER");
    request(&asker, &foreign_erdr, "victim", None, None);
    let r = d.lead.post_json(
        "/api/officer/cases",
        &json!({"erdr_number": foreign_erdr, "registered_on": "2026-11-02", "articles": ["art. 188"]}),
    );
    r.assert_problem(422);
    assert_eq!(r.error_code(), "not_your_organ");
    // Registered by its own organ, the request reaches that organ's officer.
    let r = foreign.post_json(
        "/api/officer/cases",
        &json!({"erdr_number": foreign_erdr, "registered_on": "2026-11-02", "articles": ["art. 188"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(
        foreign
            .get("/api/officer/queue")
            .text()
            .contains(&foreign_erdr)
    );
}

#[test]
fn a_complaint_to_the_prosecutor_of_a_case_without_one_goes_to_the_territorial_office() {
    let app = TestApp::portal();
    let admin = admin(&app);
    // One district's police and prosecutor's office (agency digits 03 and 01), and another
    // district's office.
    let [district, other_district, far_district] = distinct_districts();
    let police = organ_coded(&admin, "Police", &format!("{district}03"));
    let office = organ_coded(&admin, "Prosecutor's office", &format!("{district}01"));
    let elsewhere = organ_coded(
        &admin,
        "Another prosecutor's office",
        &format!("{other_district}01"),
    );
    let (_, lead) = officer(&app, &admin, "investigator", police);
    let (_, head) = officer(&app, &admin, "head_of_unit", police);
    let (_, prosecutor) = officer(&app, &admin, "prosecutor", office);
    let (_, chief) = officer(&app, &admin, "head_of_unit", office);
    let (_, stranger) = officer(&app, &admin, "prosecutor", elsewhere);
    let erdr = register_case(&lead);
    let victim = signed_in(&app, &random_iin(), "VICTIM 2");
    let id = request(&victim, &erdr, "victim", None, None);
    assert_eq!(decide(&lead, id, "confirm", None).status, 200);
    let arrivals = |session: &Session<'_>| {
        session
            .strings_of("/api/status/notifications", "notifications", "kind")
            .iter()
            .filter(|kind| *kind == "filing_received")
            .count()
    };
    let chief_told_before = arrivals(&chief);
    let complain = |key: &str, erdr: &str| {
        victim.request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", key),
                ("content-type", "application/json"),
            ],
            json!({"kind": "complaint", "erdr_number": erdr, "addressee": "prosecutor",
                   "text": "About the investigator."})
            .to_string()
            .as_bytes(),
        )
    };
    let r = complain("to-the-office", &erdr);
    assert_eq!(r.status, 201, "{}", r.text());
    let filed = r.json();
    let complaint = filed["id"].as_i64().expect("id");
    let number = filed["registration_number"].as_str().unwrap_or_default();
    // The office's prosecutors and its head receive it, its head is told at once; nobody of
    // the police or of another office does.
    for (who, session, receives) in [
        ("the office's prosecutor", &prosecutor, true),
        ("the office's head", &chief, true),
        ("the lead investigator", &lead, false),
        ("the police head of unit", &head, false),
        ("another office's prosecutor", &stranger, false),
    ] {
        assert_eq!(
            session.get("/api/officer/filings").text().contains(number),
            receives,
            "{who}"
        );
    }
    assert_eq!(
        arrivals(&chief),
        chief_told_before + 1,
        "the office's head is told that it arrived"
    );
    let seen = victim.get(&format!("/api/status/filings/{complaint}"));
    assert_eq!(seen.json()["organ_id"], office, "{}", seen.text());
    stranger
        .post_json(
            &format!("/api/officer/filings/{complaint}/decision"),
            &json!({"outcome": "rejected", "reasoning": "Not ours."}),
        )
        .assert_problem(404);
    let r = prosecutor.post_json(
        &format!("/api/officer/filings/{complaint}/decision"),
        &json!({"outcome": "rejected", "reasoning": "The investigator acted within the law."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let seen = victim.get(&format!("/api/status/filings/{complaint}"));
    assert_eq!(seen.json()["state"], "decided", "{}", seen.text());

    // Only where the portal knows no office over the organ is it refused, saying why.
    let far_police = organ_coded(&admin, "Far police", &format!("{far_district}03"));
    let (_, far_lead) = officer(&app, &admin, "investigator", far_police);
    let far = register_case(&far_lead);
    let id = request(&victim, &far, "victim", None, None);
    assert_eq!(decide(&far_lead, id, "confirm", None).status, 200);
    let r = complain("to-nobody", &far);
    r.assert_problem(422);
    assert_eq!(r.error_code(), "no_prosecutors_office");
}

#[test]
fn anyone_an_act_affects_may_complain_and_learns_nothing_of_the_case() {
    let app = TestApp::portal();
    let admin = admin(&app);
    let [district, _, nowhere] = distinct_districts();
    let police = organ_coded(&admin, "Police", &format!("{district}03"));
    let office = organ_coded(&admin, "Prosecutor's office", &format!("{district}01"));
    let (_, lead) = officer(&app, &admin, "investigator", police);
    let (_, head) = officer(&app, &admin, "head_of_unit", police);
    let (_, prosecutor) = officer(&app, &admin, "prosecutor", office);
    let erdr = register_case(&lead);
    let no_case = loop {
        let drawn = erdr_in(&format!("{district}03"));
        if drawn != erdr {
            break drawn;
        }
    };
    // The owner of a seized car: no status in the case.
    let owner = signed_in(&app, &random_iin(), "OWNER");
    let complain = |key: &str, body: serde_json::Value| {
        owner.request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", key),
                ("content-type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    };
    let affected = |number: &str, addressee: &str| {
        json!({"kind": "complaint", "erdr_number": number, "addressee": addressee,
               "affected_person": true, "subject": "other",
               "text": "My car was seized in a search of my brother's garage; it is mine."})
    };
    // As a party they are no one: the case is not theirs to file in.
    let mut as_party = affected(&erdr, "head_of_unit");
    as_party["affected_person"] = false.into();
    complain("as-a-party", as_party).assert_problem(404);

    // As a person the act affects, a number with a case and one without answer alike.
    let filed: Vec<(i64, String, Value)> = [("real", &erdr), ("none", &no_case)]
        .into_iter()
        .map(|(key, named)| {
            let r = complain(key, affected(named, "head_of_unit"));
            assert_eq!(r.status, 201, "{}", r.text());
            let id = r.json()["id"].as_i64().expect("id");
            let number = r.json()["registration_number"]
                .as_str()
                .expect("registration number")
                .to_owned();
            let seen = owner.get(&format!("/api/status/filings/{id}"));
            assert_eq!(seen.status, 200, "{}", seen.text());
            let seen = seen.json();
            assert_eq!(seen["erdr_number"], named.as_str(), "{seen}");
            assert_eq!(seen["affected_person"], true, "{seen}");
            assert_eq!(seen["organ_id"], police, "{seen}");
            (id, number, without_what_differs_anyway(seen))
        })
        .collect();
    assert_eq!(
        filed[0].2, filed[1].2,
        "the filer's view tells nothing of whether the case exists"
    );
    owner.get(&format!("/api/cases/{erdr}")).assert_problem(404);
    // The organ's head receives both and owes an answer; nobody else of the police does.
    let queue = head.get("/api/officer/filings").text();
    assert!(
        filed
            .iter()
            .all(|(_, number, _)| queue.contains(number.as_str())),
        "{queue}"
    );
    let leads = lead.get("/api/officer/filings").text();
    assert!(
        filed
            .iter()
            .all(|(_, number, _)| !leads.contains(number.as_str())),
        "{leads}"
    );
    let r = head.post_json(
        &format!("/api/officer/filings/{}/decision", filed[0].0),
        &json!({"outcome": "granted", "reasoning": "The car is returned to its owner."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let answered = owner.get(&format!("/api/status/filings/{}", filed[0].0));
    assert_eq!(answered.json()["state"], "decided", "{}", answered.text());

    // To the prosecutor: the territorial office takes it.
    let r = complain("to-the-office", affected(&no_case, "prosecutor"));
    assert_eq!(r.status, 201, "{}", r.text());
    let to_office = r.json()["registration_number"]
        .as_str()
        .unwrap_or("none")
        .to_owned();
    assert!(
        prosecutor
            .get("/api/officer/filings")
            .text()
            .contains(&to_office)
    );
    // Refused only for what the number itself says, or a complaint's own form.
    let r = complain(
        "nowhere",
        affected(&erdr_in(&format!("{nowhere}03")), "head_of_unit"),
    );
    r.assert_problem(422);
    assert_eq!(r.error_code(), "unknown_organ_code");
    let mut petition = affected(&erdr, "investigator");
    petition["kind"] = "petition".into();
    let r = complain("petition", petition);
    r.assert_problem(422);
    assert_eq!(r.error_code(), "not_allowed");
}

/// A filer's view of a filing without what differs between any two filings (identity, times,
/// the number named, the signed receipt over them).
fn without_what_differs_anyway(mut seen: Value) -> Value {
    fn blank(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map.iter_mut() {
                    let differs = matches!(
                        key.as_str(),
                        "id" | "registration_number"
                            | "submitted_at"
                            | "due_at"
                            | "at"
                            | "erdr_number"
                            | "receipt"
                            | "content_sha256"
                            | "days_left"
                            | "overdue"
                    );
                    if differs {
                        *inner = Value::Null;
                    } else {
                        blank(inner);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(blank),
            _ => {}
        }
    }
    blank(&mut seen);
    seen
}

/// Three different districts: region and district digits of ERDR codes.
fn distinct_districts() -> [String; 3] {
    use rand::seq::SliceRandom;
    let all: Vec<u32> = (0..10_000).collect();
    let mut drawn = all.choose_multiple(&mut rand::thread_rng(), 3);
    std::array::from_fn(|_| format!("{:04}", drawn.next().copied().unwrap_or_default()))
}

#[test]
fn the_head_of_the_prosecutors_office_receives_what_is_addressed_to_its_prosecutor() {
    let app = TestApp::portal();
    let admin = admin(&app);
    let police = organ(&admin, "Police");
    let office = organ(&admin, "Prosecutor's office");
    let (_, lead) = officer(&app, &admin, "investigator", police);
    let (prosecutor_iin, prosecutor) = officer(&app, &admin, "prosecutor", office);
    let (_, chief) = officer(&app, &admin, "head_of_unit", office);
    let erdr = erdr_of(&lead);
    let r = lead.post_json(
        "/api/officer/cases",
        &json!({"erdr_number": erdr, "registered_on": "2026-11-01", "articles": ["art. 188"],
                "prosecutor_iin": prosecutor_iin}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let victim = signed_in(&app, &random_iin(), "VICTIM");
    let id = request(&victim, &erdr, "victim", None, None);
    assert_eq!(decide(&lead, id, "confirm", None).status, 200);
    let filed = victim.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "to-prosecutor"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "complaint", "erdr_number": erdr, "addressee": "prosecutor",
               "text": "About the investigator."})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(filed.status, 201, "{}", filed.text());
    let number = filed.json()["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        prosecutor
            .get("/api/officer/filings")
            .text()
            .contains(&number)
    );
    assert!(chief.get("/api/officer/filings").text().contains(&number));
    // The prosecutor moves to another office: the chief still has it, the prosecutor not.
    let elsewhere = organ(&admin, "Another prosecutor's office");
    reappoint(&admin, &prosecutor_iin, "prosecutor", elsewhere);
    assert!(
        !prosecutor
            .get("/api/officer/filings")
            .text()
            .contains(&number)
    );
    assert!(chief.get("/api/officer/filings").text().contains(&number));
}

#[test]
fn failures_with_a_forged_certificate_never_lock_out_the_iin_it_claims() {
    let app = TestApp::portal();
    let iin = random_iin();
    let rogue_ca = jaria_test_ca::Authority::new_root("Rogue CA").expect("rogue");
    let forged = rogue_ca
        .issue(&PersonSpec::new(&iin, "IMPOSTOR"))
        .expect("forged");
    for _ in 0..12 {
        let r = app.try_sign_in(&forged, Signing::Der);
        assert!(r.status == 401 || r.status == 429, "{}", r.text());
    }
    // The real holder signs in at once.
    let real = issue(PersonSpec::new(&iin, "REAL HOLDER"));
    assert_eq!(app.try_sign_in(&real, Signing::Der).status, 200);
}

#[test]
fn parallel_password_guesses_cannot_burst_past_the_limit() {
    let app = Arc::new(
        TestApp::builder()
            .portal()
            .env("SPIN_VARIABLE_LOCKOUT_IIN_FAILURES", "5")
            .start(),
    );
    let p = person("GUESSED");
    let iin = victim_iin(&p);
    assert_eq!(
        app.sign_in(&p)
            .set_password("the real long passphrase 5")
            .status,
        204
    );
    let guesses: Vec<_> = (0..20)
        .map(|i| {
            let (app, iin) = (app.clone(), iin.clone());
            std::thread::spawn(move || {
                app.post_json(
                    "/api/auth/login",
                    &json!({"iin": iin, "password": format!("wrong guess number {i:02}")}),
                )
                .status
            })
        })
        .collect();
    let statuses: Vec<u16> = guesses
        .into_iter()
        .map(|g| g.join().expect("guess"))
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(
        checked, 5,
        "exactly the free attempts were checked: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        15,
        "{statuses:?}"
    );
}

#[test]
fn the_per_client_limit_counts_the_real_client_behind_a_trusted_proxy() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES", "3")
        .env("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1")
        .start();
    let guess = |forwarded: &str| {
        app.request(
            "POST",
            "/api/auth/login",
            &[
                ("content-type", "application/json"),
                ("x-forwarded-for", forwarded),
            ],
            Some(
                json!({"iin": random_iin(), "password": "not the password at all"})
                    .to_string()
                    .as_bytes(),
            ),
        )
        .status
    };
    for _ in 0..3 {
        assert_eq!(guess("203.0.113.5"), 401);
    }
    assert_eq!(guess("203.0.113.5"), 429, "the client is locked out");
    // Another client behind the same proxy is not.
    assert_eq!(guess("203.0.113.6"), 401);
    // A client cannot escape by forging an earlier hop: the proxy's own entry counts.
    assert_eq!(guess("198.51.100.1, 203.0.113.5"), 429);
    // IPv6 clients of one /64 are one client.
    for n in 0..3 {
        assert_eq!(guess(&format!("2001:db8:1:2::{n}")), 401);
    }
    assert_eq!(guess("2001:db8:1:2::ffff"), 429);
    assert_eq!(guess("2001:db8:1:3::1"), 401);

    // Without the proxy rule, the header is not believed: every request is 127.0.0.1's.
    let plain = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES", "3")
        .start();
    let statuses: Vec<u16> = (0..4)
        .map(|i| {
            plain
                .request(
                    "POST",
                    "/api/auth/login",
                    &[
                        ("content-type", "application/json"),
                        ("x-forwarded-for", &format!("203.0.113.{i}")),
                    ],
                    Some(
                        json!({"iin": random_iin(), "password": "not the password at all"})
                            .to_string()
                            .as_bytes(),
                    ),
                )
                .status
        })
        .collect();
    assert_eq!(statuses, [401, 401, 401, 429]);
}

/// Anonymous traffic writes nothing it can repeat without bound: a challenge is issued without
/// a write (so no one fills a table of them, or pushes everyone else out of a shared cap), and
/// attempts refused during a lock write nothing either.
#[test]
fn unauthenticated_writes_are_bounded() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES", "2")
        .start();
    assert_eq!(app.get("/api/auth/challenge").status, 200);
    // Every table a challenge was ever kept in (the key is made by the first one, above).
    let stored = || {
        rusqlite::Connection::open(app.database_file())
            .expect("db")
            .query_row(
                "SELECT (SELECT count(*) FROM spent_challenges)
                      + (SELECT count(*) FROM auth_challenges)
                      + (SELECT count(*) FROM challenge_key)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .expect("count")
    };
    let before = stored();
    for _ in 0..200 {
        assert_eq!(app.get("/api/auth/challenge").status, 200);
    }
    assert_eq!(stored(), before, "issuing challenges stored something");

    // Refused attempts during a lock write nothing: neither failure rows nor audit rows.
    let attempt = || {
        app.post_json(
            "/api/auth/login",
            &json!({"iin": random_iin(), "password": "not the password at all"}),
        )
        .status
    };
    assert_eq!(attempt(), 401);
    assert_eq!(attempt(), 401);
    assert_eq!(attempt(), 429);
    let db = rusqlite::Connection::open(app.database_file()).expect("db");
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).expect(sql) };
    let failures = count("SELECT count(*) FROM auth_failures");
    let audit = count("SELECT count(*) FROM audit_log");
    let challenges = count("SELECT count(*) FROM spent_challenges");
    for _ in 0..30 {
        assert_eq!(attempt(), 429);
        // A locked client may still ask for challenges (they cost nothing), and its answers
        // are refused before anything is written.
        let challenge = app.challenge();
        let p = person("LOCKED OUT CLIENT");
        let r = app.post_eds(
            &p.cert_pem,
            &challenge.nonce,
            &p.sign(challenge.to_sign.as_bytes()),
        );
        assert_eq!(r.status, 429, "{}", r.text());
    }
    assert_eq!(count("SELECT count(*) FROM auth_failures"), failures);
    assert_eq!(count("SELECT count(*) FROM audit_log"), audit);
    assert_eq!(count("SELECT count(*) FROM spent_challenges"), challenges);
}

/// A challenge is one this portal issued, answered once, within its life: a made-up nonce, one
/// with a byte changed, or one answered before is refused (`nonce_invalid`) and writes nothing
/// of the challenge.
#[test]
fn a_challenge_is_the_portals_own_and_answered_once() {
    let app = TestApp::portal();
    let p = person("ONE ANSWER");
    let challenge = app.challenge();
    let answer =
        |nonce: &str, to_sign: &str| app.post_eds(&p.cert_pem, nonce, &p.sign(to_sign.as_bytes()));
    let made_up = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB";
    let mut tampered = challenge.nonce.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for nonce in [made_up, &tampered] {
        let to_sign = challenge.to_sign.replace(&challenge.nonce, nonce);
        let r = answer(nonce, &to_sign);
        r.assert_problem(401);
        assert_eq!(r.error_code(), "nonce_invalid", "{}", r.text());
    }
    assert_eq!(answer(&challenge.nonce, &challenge.to_sign).status, 200);
    let again = answer(&challenge.nonce, &challenge.to_sign);
    again.assert_problem(401);
    assert_eq!(again.error_code(), "nonce_invalid");
}

/// Every refused signature cost a chain verification, and nothing bounded refused ones: a
/// script sent bad signatures without end. Past the shipped allowance (10 in 15 minutes) the
/// person's next checks wait — before any verification, a good signature too — while other
/// people sign as before.
#[test]
fn refused_signatures_past_a_persons_allowance_wait_before_any_check() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .portal()
        .without_env("SPIN_VARIABLE_SIGNATURE_FAILURES_PER_PERSON")
        .start();
    let admin = jaria_tests::world::signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let organ_id = jaria_tests::world::organ(&admin, "Police");
    let script = app.sign_in(&person("SCRIPT"));
    let statement = |n: usize| json!({"kind": "crime_report", "organ_id": organ_id, "text": format!("Statement {n}.")});
    let send = |who: &jaria_tests::Session<'_>, n: usize, body: &serde_json::Value| {
        who.request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", &format!("sig-{n}")),
                ("content-type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    };
    // Signed by somebody else: refused after the whole chain was checked.
    let other = app.sign_in(&person("OTHER"));
    for n in 0..10 {
        let mut body = other.signed_filing(&statement(n));
        body["organ_id"] = organ_id.into();
        let r = send(&script, n, &body);
        assert_eq!(r.status, 422, "refusal {n}: {}", r.text());
    }
    let waits = send(&script, 10, &script.signed_filing(&statement(10)));
    waits.assert_problem(429);
    assert!(waits.header("retry-after").is_some(), "{}", waits.text());
    // Someone else's checks are their own.
    let r = send(&other, 11, &other.signed_filing(&statement(11)));
    assert_eq!(r.status, 201, "{}", r.text());
}

/// Behind a mobile operator's CGNAT one address is thousands of people: a script failing
/// there must not lock them all out. Past the address's allowance an EDS sign-in pays a proof
/// of work that grows with the failures (checked before anything is written or the challenge
/// spent) but always gets in. Passwords, which can be guessed, stay walled per address and
/// per IIN.
#[test]
fn one_address_failing_makes_eds_sign_in_dearer_never_impossible() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES", "3")
        .start();
    let rogue = jaria_test_ca::Authority::new_root("Rogue CA").expect("rogue");
    let forged = rogue
        .issue(&PersonSpec::new(&jaria_tests::random_iin(), "SCRIPT"))
        .expect("forged");
    assert_eq!(app.challenge().work_bits, 0, "a quiet address owes nothing");
    for _ in 0..3 {
        let r = app.try_sign_in(&forged, Signing::Der);
        assert_eq!(r.status, 401, "{}", r.text());
    }
    let real = person("SAME NETWORK");
    let challenge = app.challenge();
    assert_eq!(
        challenge.work_bits,
        jaria_portal::identity::lockout::MIN_WORK_BITS
    );
    let signature = real.sign(challenge.to_sign.as_bytes());
    let answer = |work: Option<&str>| {
        app.post_eds_with_work(&real.cert_pem, &challenge.nonce, &signature, work)
    };
    // Without the work, or with a wrong one: 429 naming what is owed.
    for work in [None, Some("not the work")] {
        let owed = answer(work);
        owed.assert_problem(429);
        assert_eq!(owed.error_code(), "work_required", "{}", owed.text());
        assert_eq!(owed.json()["work_bits"], challenge.work_bits);
    }
    // With it, the person gets in on the same challenge.
    let work = jaria_tests::solve_work(&challenge.nonce, challenge.work_bits);
    let signed_in = answer(Some(&work));
    assert_eq!(signed_in.status, 200, "{}", signed_in.text());
    // The answer is good once: replayed, its nonce is spent, and nothing is counted for it.
    let replayed = answer(Some(&work));
    replayed.assert_problem(401);
    assert_eq!(
        replayed.error_code(),
        "nonce_invalid",
        "{}",
        replayed.text()
    );
    assert_eq!(app.challenge().work_bits, challenge.work_bits);
    // Each further failure costs the script a bit more work, up to the cap.
    for _ in 0..2 {
        let c = app.challenge();
        let work = jaria_tests::solve_work(&c.nonce, c.work_bits);
        let r = app.post_eds_with_work(
            &forged.cert_pem,
            &c.nonce,
            &forged.sign(c.to_sign.as_bytes()),
            Some(&work),
        );
        assert_eq!(r.status, 401, "{}", r.text());
    }
    assert_eq!(
        app.challenge().work_bits,
        jaria_portal::identity::lockout::MIN_WORK_BITS + 2
    );
    // A password sign-in from the address waits, as before.
    let guess = app.post_json(
        "/api/auth/login",
        &json!({"iin": jaria_tests::random_iin(), "password": "not the password at all"}),
    );
    guess.assert_problem(429);
    assert!(guess.header("retry-after").is_some());
}
