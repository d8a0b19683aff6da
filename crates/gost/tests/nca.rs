//! The national CA's own GOST 34.10-2015 signatures: its public test issuing authority
//! (`ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022`, from the NCANode project's test resources)
//! and a revocation list it signed. This pins the byte orders real certificates use.

use der::{Decode, Encode};
use jaria_gost::{Curve, VerifyingKey};

fn authority() -> x509_cert::Certificate {
    x509_cert::Certificate::from_der(include_bytes!("data/nca_gost2015_test.cer"))
        .expect("the test authority's certificate")
}

fn key_of(cert: &x509_cert::Certificate) -> VerifyingKey {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    assert_eq!(spki.algorithm.oid.to_string(), "1.2.398.3.10.1.1.2.2");
    let bits = spki.subject_public_key.as_bytes().expect("whole bytes");
    let point = der::asn1::OctetString::from_der(bits).expect("an OCTET STRING");
    VerifyingKey::from_le_bytes(Curve::tc26_512_a(), point.as_bytes()).expect("a point")
}

#[test]
fn the_test_authoritys_key_is_a_point_of_tc26_512_a() {
    key_of(&authority());
}

#[test]
fn a_revocation_list_the_national_ca_signed_verifies_and_a_changed_one_does_not() {
    let crl =
        x509_cert::crl::CertificateList::from_der(include_bytes!("data/nca_gost2022_test.crl"))
            .expect("the revocation list");
    assert_eq!(
        crl.signature_algorithm.oid.to_string(),
        "1.2.398.3.10.1.1.2.3.2"
    );
    let key = key_of(&authority());
    let signed = crl.tbs_cert_list.to_der().expect("tbs");
    let signature = crl.signature.as_bytes().expect("whole bytes");
    assert!(key.verify(&signed, signature));
    let mut changed = signed.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    assert!(!key.verify(&changed, signature));
    let mut forged = signature.to_vec();
    forged[0] ^= 1;
    assert!(!key.verify(&signed, &forged));
}
