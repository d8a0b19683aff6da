use jaria_test_ca::{Authority, KeyAlgorithm, PersonSpec};

use super::*;

const IIN: &str = "791028302728";
const NONCE: &[u8] = b"Zm9vYmFyLW5vbmNlLWZvci10ZXN0cw";

fn anchors(ca: &Authority) -> Vec<Certificate> {
    parse_pem_bundle(&ca.cert_pem).expect("anchor parses")
}

fn now() -> DateTime<Utc> {
    crate::clock::now()
}

/// The person signs the test nonce with their key and signs in against `ca` alone.
fn attempt(ca: &Authority, person: &jaria_test_ca::Person) -> Result<Holder, EdsError> {
    verify_sign_in(
        &person.cert_pem,
        &anchors(ca),
        NONCE,
        &person.sign(NONCE),
        now(),
    )
}

#[test]
fn every_supported_algorithm_signs_in() {
    let ca = Authority::new_root("Test CA").unwrap();
    for alg in [
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::Ed25519,
        KeyAlgorithm::Rsa2048,
    ] {
        let person = ca
            .issue(&PersonSpec::new(IIN, "ASANOV ALIBEK").algorithm(alg))
            .unwrap();
        let holder = attempt(&ca, &person).unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(holder.iin.as_str(), IIN);
        assert_eq!(holder.full_name, "ASANOV ALIBEK");
        assert_eq!(holder.serial_hex, person.serial_hex);
    }
}

#[test]
fn ecdsa_accepts_webcrypto_raw_signatures() {
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let raw = person.sign_raw(NONCE);
    assert_eq!(raw.len(), 64);
    verify_sign_in(&person.cert_pem, &anchors(&ca), NONCE, &raw, now()).unwrap();
}

#[test]
fn chains_through_an_intermediate() {
    let root = Authority::new_root("Root").unwrap();
    let intermediate = root.intermediate("Issuing CA").unwrap();
    let person = intermediate.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let bundle = format!("{}{}", person.cert_pem, intermediate.cert_pem);
    verify_sign_in(&bundle, &anchors(&root), NONCE, &person.sign(NONCE), now()).unwrap();
    // Without the intermediate the chain is broken.
    assert_eq!(attempt(&root, &person), Err(EdsError::Untrusted));
}

#[test]
fn a_certificate_from_another_ca_is_untrusted() {
    let trusted = Authority::new_root("Trusted").unwrap();
    let rogue = Authority::new_root("Trusted").unwrap(); // same name, other key
    let person = rogue.issue(&PersonSpec::new(IIN, "A")).unwrap();
    assert_eq!(attempt(&trusted, &person), Err(EdsError::Untrusted));
}

#[test]
fn expired_certificates_are_refused() {
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca.issue(&PersonSpec::new(IIN, "A").expired()).unwrap();
    assert_eq!(attempt(&ca, &person), Err(EdsError::OutsideValidity));
    // And a valid one is refused at a time past its end.
    let valid = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let far_future = now() + chrono::Duration::days(3 * 365);
    assert_eq!(
        verify_sign_in(
            &valid.cert_pem,
            &anchors(&ca),
            NONCE,
            &valid.sign(NONCE),
            far_future
        ),
        Err(EdsError::OutsideValidity)
    );
}

#[test]
fn key_usage_must_allow_digital_signatures() {
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca
        .issue(&PersonSpec::new(IIN, "A").without_digital_signature())
        .unwrap();
    assert_eq!(attempt(&ca, &person), Err(EdsError::KeyUsage));
}

#[test]
fn a_ca_certificate_cannot_sign_in() {
    let ca = Authority::new_root("Test CA").unwrap();
    let mut spec = PersonSpec::new(IIN, "A");
    spec.is_ca = true;
    let person = ca.issue(&spec).unwrap();
    assert_eq!(attempt(&ca, &person), Err(EdsError::NotAPerson));
}

#[test]
fn forged_signatures_are_refused() {
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let other = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let anchors = anchors(&ca);
    // Signed by another key.
    assert_eq!(
        verify_sign_in(&person.cert_pem, &anchors, NONCE, &other.sign(NONCE), now()),
        Err(EdsError::BadSignature)
    );
    // Over another message.
    assert_eq!(
        verify_sign_in(
            &person.cert_pem,
            &anchors,
            NONCE,
            &person.sign(b"other"),
            now()
        ),
        Err(EdsError::BadSignature)
    );
    // Garbage.
    assert_eq!(
        verify_sign_in(&person.cert_pem, &anchors, NONCE, &[0u8; 64], now()),
        Err(EdsError::BadSignature)
    );
}

#[test]
fn weak_rsa_keys_are_refused() {
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca
        .issue(&PersonSpec::new(IIN, "A").algorithm(KeyAlgorithm::Rsa1024))
        .unwrap();
    assert_eq!(attempt(&ca, &person), Err(EdsError::WeakKey));
}

#[test]
fn the_iin_must_be_present_and_valid() {
    let ca = Authority::new_root("Test CA").unwrap();
    let mut bad = PersonSpec::new("791028302729", "A");
    let person = ca.issue(&bad).unwrap();
    assert!(matches!(attempt(&ca, &person), Err(EdsError::BadIin(_))));
    bad.serial_attribute = "BIN123456789012".into();
    let person = ca.issue(&bad).unwrap();
    assert_eq!(attempt(&ca, &person), Err(EdsError::NoIin));
}

#[test]
fn malformed_pem_is_reported_as_such() {
    let ca = Authority::new_root("Test CA").unwrap();
    assert!(matches!(
        verify_sign_in("not a certificate", &anchors(&ca), NONCE, &[], now()),
        Err(EdsError::Malformed(_))
    ));
}

#[test]
fn serial_numbers_normalise() {
    assert_eq!(normalise_serial("00:AB:cd").as_deref(), Some("abcd"));
    assert_eq!(normalise_serial("0000").as_deref(), Some("0"));
    assert_eq!(normalise_serial("xyz"), None);
    assert_eq!(normalise_serial(""), None);
}
