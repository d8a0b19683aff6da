use der::Encode as _;
use jaria_test_ca::{Authority, KeyAlgorithm, PersonSpec, Purpose};

use super::*;

const IIN: &str = "791028302728";
const NONCE: &[u8] = b"Zm9vYmFyLW5vbmNlLWZvci10ZXN0cw";

fn anchors(ca: &Authority) -> Policy {
    Policy::from_config(&ca.cert_pem, None).expect("anchor parses")
}

fn now() -> DateTime<Utc> {
    crate::platform::clock::now()
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
    .map(|v| v.holder)
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
    let verified =
        verify_sign_in(&bundle, &anchors(&root), NONCE, &person.sign(NONCE), now()).unwrap();
    // The path runs leaf, intermediate, anchor; the first two can be revoked.
    assert_eq!(verified.path.len(), 3);
    let keys = verified.revocable().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].serial_hex, person.serial_hex);
    // The leaf's issuer is the intermediate, the intermediate's the root.
    let intermediate_cert = parse_pem_bundle(&intermediate.cert_pem).unwrap();
    let root_cert = parse_pem_bundle(&root.cert_pem).unwrap();
    assert_eq!(
        keys[0].issuer_key,
        name_key(&intermediate_cert[0].tbs_certificate.subject).unwrap()
    );
    assert_eq!(
        keys[1].issuer_key,
        name_key(&root_cert[0].tbs_certificate.subject).unwrap()
    );
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
        )
        .err(),
        Some(EdsError::OutsideValidity)
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
        verify_sign_in(&person.cert_pem, &anchors, NONCE, &other.sign(NONCE), now()).err(),
        Some(EdsError::BadSignature)
    );
    // Over another message.
    assert_eq!(
        verify_sign_in(
            &person.cert_pem,
            &anchors,
            NONCE,
            &person.sign(b"other"),
            now()
        )
        .err(),
        Some(EdsError::BadSignature)
    );
    // Garbage.
    assert_eq!(
        verify_sign_in(&person.cert_pem, &anchors, NONCE, &[0u8; 64], now()).err(),
        Some(EdsError::BadSignature)
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
        verify_sign_in("not a certificate", &anchors(&ca), NONCE, &[], now()).err(),
        Some(EdsError::Malformed(_))
    ));
}

#[test]
fn serial_numbers_normalise() {
    assert_eq!(normalise_serial("00:AB:cd").as_deref(), Some("abcd"));
    assert_eq!(normalise_serial("0000").as_deref(), Some("0"));
    assert_eq!(normalise_serial("xyz"), None);
    assert_eq!(normalise_serial(""), None);
}

#[test]
fn a_chain_longer_than_an_authority_allows_is_refused() {
    let root = Authority::new_root("Root").unwrap();
    // The first intermediate allows no further intermediate below it.
    let strict = root
        .intermediate_with_path_len("Strict CA", Some(0))
        .unwrap();
    let below = strict.intermediate_with_path_len("Below CA", None).unwrap();
    let person = below.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let bundle = format!("{}{}{}", person.cert_pem, below.cert_pem, strict.cert_pem);
    assert_eq!(
        verify_sign_in(&bundle, &anchors(&root), NONCE, &person.sign(NONCE), now()).err(),
        Some(EdsError::PathTooLong)
    );
    // The same depth under an intermediate that allows one more is accepted.
    let lenient = root
        .intermediate_with_path_len("Lenient CA", Some(1))
        .unwrap();
    let below = lenient
        .intermediate_with_path_len("Below CA 2", None)
        .unwrap();
    let person = below.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let bundle = format!("{}{}{}", person.cert_pem, below.cert_pem, lenient.cert_pem);
    verify_sign_in(&bundle, &anchors(&root), NONCE, &person.sign(NONCE), now()).unwrap();
}

#[test]
fn a_certificate_for_signing_documents_cannot_sign_in() {
    let ca = Authority::new_root("Test CA").unwrap();
    // Non-repudiation only: the national CA's certificates for signing documents.
    let signer = ca
        .issue(&PersonSpec::new(IIN, "A").non_repudiation_only())
        .unwrap();
    assert_eq!(attempt(&ca, &signer), Err(EdsError::KeyUsage));
    // Digital signature allowed, but the purpose is e-mail protection only.
    let mail = ca
        .issue(&PersonSpec::new(IIN, "A").purposes(&[Purpose::EmailProtection]))
        .unwrap();
    assert_eq!(attempt(&ca, &mail), Err(EdsError::Purpose));
    // The allowed purposes are a setting.
    let policy = Policy::from_config(&ca.cert_pem, Some("1.3.6.1.5.5.7.3.4")).unwrap();
    verify_sign_in(&mail.cert_pem, &policy, NONCE, &mail.sign(NONCE), now()).unwrap();
    // No extended key usage at all means any purpose (RFC 5280).
    let any = ca.issue(&PersonSpec::new(IIN, "A").purposes(&[])).unwrap();
    attempt(&ca, &any).unwrap();
    assert!(Policy::from_config(&ca.cert_pem, Some("not-an-oid")).is_err());
}

#[test]
fn a_subject_with_two_serial_numbers_is_refused_not_resolved() {
    use der::Decode as _;
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    // Append a second serialNumber attribute (another IIN) as its own RDN, and sign again.
    let forged = ca
        .resign(&person.cert_pem, |tbs| {
            let mut rdn = tbs.subject.0[1].clone();
            let value = der::asn1::Any::from_der(
                &der::asn1::PrintableStringRef::new("IIN061211600012")
                    .unwrap()
                    .to_der()
                    .unwrap(),
            )
            .unwrap();
            let mut atv = rdn.0.get(0).unwrap().clone();
            atv.value = value;
            rdn = x509_cert::name::RelativeDistinguishedName::from(
                der::asn1::SetOfVec::try_from(vec![atv]).unwrap(),
            );
            tbs.subject.0.push(rdn);
        })
        .unwrap();
    let holder = verify_sign_in(&forged, &anchors(&ca), NONCE, &person.sign(NONCE), now());
    assert_eq!(holder.err(), Some(EdsError::AmbiguousSubject));
    let cert = &parse_pem_bundle(&forged).unwrap()[0];
    assert_eq!(
        subject_iin(cert),
        None,
        "no IIN is claimed for throttling either"
    );
}

#[test]
fn the_sign_in_message_binds_purpose_origin_and_nonce() {
    let message = sign_in_message("https://jaria.example", "abc");
    assert_eq!(
        message,
        "jaria:sign-in:v1\norigin=https://jaria.example\nnonce=abc"
    );
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    // A signature over the bare nonce (made for anything else) is not a sign-in.
    assert_eq!(
        verify_sign_in(
            &person.cert_pem,
            &anchors(&ca),
            message.as_bytes(),
            &person.sign(b"abc"),
            now()
        )
        .err(),
        Some(EdsError::BadSignature)
    );
}

#[test]
fn a_certificate_rewritten_after_signing_is_not_trusted() {
    // The outer signature algorithm no longer matches the signed one (what a tool that
    // re-encodes certificates, like node-forge, can produce): refused as OpenSSL refuses it.
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let mut cert = parse_pem_bundle(&person.cert_pem).unwrap().remove(0);
    cert.signature_algorithm.parameters = Some(der::Any::null());
    let pem = der::EncodePem::to_pem(&cert, der::pem::LineEnding::LF).unwrap();
    let err = verify_sign_in(&pem, &anchors(&ca), NONCE, &person.sign(NONCE), now()).unwrap_err();
    assert_eq!(err, EdsError::Untrusted);
}

#[test]
fn the_national_cas_gost_signature_verifies_through_the_same_path_as_any_other() {
    // The national CA's public test issuing authority (GOST 34.10-2015, 512 bits) and a
    // revocation list it signed: what `POST /api/admin/crls` checks for a GOST CA.
    let authority = Certificate::from_der(include_bytes!(
        "../../../../gost/tests/data/nca_gost2015_test.cer"
    ))
    .unwrap();
    let crl = x509_cert::crl::CertificateList::from_der(include_bytes!(
        "../../../../gost/tests/data/nca_gost2022_test.crl"
    ))
    .unwrap();
    let signed = crl.tbs_cert_list.to_der().unwrap();
    let signature = crl.signature.as_bytes().unwrap();
    verify_signed_by(&authority, crl.signature_algorithm.oid, &signed, signature).unwrap();
    let mut changed = signed.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    assert_eq!(
        verify_signed_by(&authority, crl.signature_algorithm.oid, &changed, signature),
        Err(EdsError::BadSignature)
    );
    // Another algorithm named for a GOST key: refused, never tried.
    assert_eq!(
        verify_signed_by(&authority, OID_RSA_SHA256, &signed, signature),
        Err(EdsError::UnsupportedAlgorithm)
    );
}

/// The cap on certificates is for what a person sends: a deployment may trust more roots than
/// that (a rollover, several national CAs).
#[test]
fn a_deployment_may_trust_more_anchors_than_a_person_may_send_certificates() {
    let roots: Vec<Authority> = (0..MAX_CERTIFICATES_SENT + 2)
        .map(|i| Authority::new_root(&format!("Root {i}")).expect("root"))
        .collect();
    let bundle: String = roots.iter().map(|r| r.cert_pem.as_str()).collect();
    let policy = Policy::from_config(&bundle, None).expect("every anchor parses");
    let last = roots.last().expect("a root");
    let person = last.issue(&PersonSpec::new(IIN, "A")).expect("issued");
    assert!(verify_chain(&person.cert_pem, &policy, now()).is_ok());
    let flooded: String = std::iter::once(person.cert_pem.clone())
        .chain(roots.iter().map(|r| r.cert_pem.clone()))
        .collect();
    assert!(matches!(
        verify_chain(&flooded, &policy, now()),
        Err(EdsError::Malformed(_))
    ));
}
