use std::time::{Duration, SystemTime};

use chrono::TimeDelta;
use jaria_test_ca::{Authority, CmsOptions, KeyAlgorithm, Person, PersonSpec};

use super::*;

const IIN: &str = "791028302728";
const CHALLENGE: &[u8] = b"jaria:sign-in:v1\norigin=https://jaria.test\nnonce=abc";

fn policy(ca: &Authority) -> Policy {
    Policy::from_config(&ca.cert_pem, None).expect("anchor parses")
}

fn expected(content: &[u8]) -> Expected<'_> {
    let now = crate::platform::clock::now();
    Expected {
        content,
        signed_after: now - TimeDelta::minutes(5),
        signed_before: now + TimeDelta::minutes(2),
    }
}

fn person(ca: &Authority, algorithm: KeyAlgorithm) -> Person {
    ca.issue(&PersonSpec::new(IIN, "ASANOV ALIBEK").algorithm(algorithm))
        .expect("issued")
}

fn check(ca: &Authority, der: &[u8], content: &[u8]) -> Result<SignedBy, EdsError> {
    verify(
        der,
        &expected(content),
        &policy(ca),
        crate::platform::clock::now(),
    )
}

#[test]
fn attached_and_detached_signatures_verify_for_rsa_and_ecdsa() {
    let ca = Authority::new_root("Test CA").unwrap();
    for algorithm in [KeyAlgorithm::Rsa2048, KeyAlgorithm::EcdsaP256] {
        let signer = person(&ca, algorithm);
        for attached in [false, true] {
            let options = CmsOptions {
                attached,
                ..CmsOptions::default()
            };
            let der = signer.sign_cms(CHALLENGE, &options).unwrap();
            let signed = check(&ca, &der, CHALLENGE)
                .unwrap_or_else(|e| panic!("{algorithm:?} attached={attached}: {e}"));
            assert_eq!(signed.verified.holder.iin.as_str(), IIN);
            assert_eq!(signed.attached, attached);
        }
    }
}

#[test]
fn the_chain_may_come_inside_the_cms_in_any_order() {
    let root = Authority::new_root("Root").unwrap();
    let issuing = root.intermediate("Issuing CA").unwrap();
    let signer = issuing
        .issue(&PersonSpec::new(IIN, "A").algorithm(KeyAlgorithm::Rsa2048))
        .unwrap();
    let options = CmsOptions {
        chain_pem: vec![issuing.cert_pem.clone()],
        ..CmsOptions::default()
    };
    let der = signer.sign_cms(CHALLENGE, &options).unwrap();
    let signed = check(&root, &der, CHALLENGE).unwrap();
    assert_eq!(signed.verified.path.len(), 3);
    // Without the intermediate there is no path to the root.
    let alone = signer.sign_cms(CHALLENGE, &CmsOptions::default()).unwrap();
    assert_eq!(
        check(&root, &alone, CHALLENGE).unwrap_err(),
        EdsError::Untrusted
    );
}

#[test]
fn a_signature_over_other_content_is_refused_attached_or_detached() {
    let ca = Authority::new_root("Test CA").unwrap();
    let signer = person(&ca, KeyAlgorithm::Rsa2048);
    // Attached: the envelope carries other bytes than the challenge.
    let attached = CmsOptions {
        attached: true,
        ..CmsOptions::default()
    };
    let der = signer
        .sign_cms(b"another site's challenge", &attached)
        .unwrap();
    assert_eq!(
        check(&ca, &der, CHALLENGE).unwrap_err(),
        EdsError::CmsOtherContent
    );
    // Detached: the message digest is of other bytes.
    let other = CmsOptions {
        digest_of: Some(b"a contract".to_vec()),
        ..CmsOptions::default()
    };
    let der = signer.sign_cms(CHALLENGE, &other).unwrap();
    assert_eq!(
        check(&ca, &der, CHALLENGE).unwrap_err(),
        EdsError::CmsOtherContent
    );
}

#[test]
fn the_signing_time_must_fall_in_the_window() {
    let ca = Authority::new_root("Test CA").unwrap();
    let signer = person(&ca, KeyAlgorithm::EcdsaP256);
    for offset in [-3600_i64, 3600] {
        let signing_time = if offset < 0 {
            SystemTime::now() - Duration::from_secs(offset.unsigned_abs())
        } else {
            SystemTime::now() + Duration::from_secs(offset.unsigned_abs())
        };
        let options = CmsOptions {
            signing_time,
            ..CmsOptions::default()
        };
        let der = signer.sign_cms(CHALLENGE, &options).unwrap();
        assert_eq!(
            check(&ca, &der, CHALLENGE).unwrap_err(),
            EdsError::CmsSigningTime,
            "signed {offset} s from now"
        );
    }
}

#[test]
fn a_tampered_signature_or_an_unknown_signer_is_refused() {
    let ca = Authority::new_root("Test CA").unwrap();
    let signer = person(&ca, KeyAlgorithm::Rsa2048);
    let der = signer.sign_cms(CHALLENGE, &CmsOptions::default()).unwrap();
    // The signature is the last OCTET STRING: flip its final byte.
    let mut tampered = der.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    assert_eq!(
        check(&ca, &tampered, CHALLENGE).unwrap_err(),
        EdsError::BadSignature
    );
    let without = CmsOptions {
        without_signer_certificate: true,
        chain_pem: vec![person(&ca, KeyAlgorithm::Rsa2048).cert_pem],
        ..CmsOptions::default()
    };
    let der = signer.sign_cms(CHALLENGE, &without).unwrap();
    assert_eq!(
        check(&ca, &der, CHALLENGE).unwrap_err(),
        EdsError::CmsSigner
    );
    // Another authority's person.
    let stranger = Authority::new_root("Other CA").unwrap();
    let der = person(&stranger, KeyAlgorithm::Rsa2048)
        .sign_cms(CHALLENGE, &CmsOptions::default())
        .unwrap();
    assert_eq!(
        check(&ca, &der, CHALLENGE).unwrap_err(),
        EdsError::Untrusted
    );
}

/// Each certificate named like the signer's issuer may cost a signature check (milliseconds
/// for GOST): a CMS brings at most a chain's worth, and of those only a candidate whose name
/// and key identifier fit is checked.
#[test]
fn a_cms_brings_at_most_a_chains_worth_of_certificates_and_only_fitting_ones_are_checked() {
    let root = Authority::new_root("Root").unwrap();
    let issuing = root.intermediate("Issuing CA").unwrap();
    let signer = issuing
        .issue(&PersonSpec::new(IIN, "A").algorithm(KeyAlgorithm::EcdsaP256))
        .unwrap();
    // Decoys named exactly like the issuing CA, each with a key of its own.
    let decoy = || root.intermediate("Issuing CA").unwrap().cert_pem;
    let flooded = CmsOptions {
        chain_pem: (0..crate::identity::eds::MAX_CERTIFICATES_SENT)
            .map(|_| decoy())
            .chain([issuing.cert_pem.clone()])
            .collect(),
        ..CmsOptions::default()
    };
    let der = signer.sign_cms(CHALLENGE, &flooded).unwrap();
    match check(&root, &der, CHALLENGE).unwrap_err() {
        EdsError::Malformed(why) => assert!(why.contains("certificates sent"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Within the cap the real issuer is found among decoys, which are passed over by their
    // key identifiers without a signature check.
    let some = CmsOptions {
        chain_pem: vec![decoy(), decoy(), issuing.cert_pem.clone(), decoy()],
        ..CmsOptions::default()
    };
    let der = signer.sign_cms(CHALLENGE, &some).unwrap();
    assert_eq!(
        check(&root, &der, CHALLENGE).unwrap().verified.path.len(),
        3
    );
    let leaf = crate::identity::eds::parse_pem_bundle(&signer.cert_pem)
        .unwrap()
        .remove(0);
    let named_alike = crate::identity::eds::parse_pem_bundle(&decoy())
        .unwrap()
        .remove(0);
    let real = crate::identity::eds::parse_pem_bundle(&issuing.cert_pem)
        .unwrap()
        .remove(0);
    assert!(!crate::identity::eds::may_have_signed(&leaf, &named_alike));
    assert!(crate::identity::eds::may_have_signed(&leaf, &real));
}

/// The signer's own signature is checked before its chain: a forgery costs one check, and is
/// told as what it is, whatever its chain.
#[test]
fn a_forged_signature_is_refused_before_its_chain_is_examined() {
    let ca = Authority::new_root("Test CA").unwrap();
    let stranger = Authority::new_root("Other CA").unwrap();
    let der = person(&stranger, KeyAlgorithm::Rsa2048)
        .sign_cms(CHALLENGE, &CmsOptions::default())
        .unwrap();
    let mut forged = der.clone();
    let last = forged.len() - 1;
    forged[last] ^= 0x01;
    assert_eq!(
        check(&ca, &forged, CHALLENGE).unwrap_err(),
        EdsError::BadSignature
    );
}

#[test]
fn garbage_is_a_malformed_cms_never_a_panic() {
    let ca = Authority::new_root("Test CA").unwrap();
    for bytes in [&b""[..], b"\x30\x80", b"\x30\x03\x02\x01", &[0xFF; 40]] {
        assert!(matches!(
            check(&ca, bytes, CHALLENGE),
            Err(EdsError::CmsMalformed(_))
        ));
    }
    assert!(matches!(
        check(&ca, &vec![0u8; MAX_CMS_BYTES + 1], CHALLENGE),
        Err(EdsError::CmsMalformed(_))
    ));
}

#[test]
fn the_transport_takes_base64_or_the_pem_ncalayer_answers() {
    use base64::Engine as _;
    let der = vec![0x30, 0x03, 0x02, 0x01, 0x01];
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    assert_eq!(decode_transport(&b64).unwrap(), der);
    let pem = format!("-----BEGIN CMS-----\n{b64}\n-----END CMS-----\n");
    assert_eq!(decode_transport(&pem).unwrap(), der);
    assert!(decode_transport("not base64!").is_err());
}

#[test]
fn the_signed_attributes_are_read_as_the_signer_encoded_them() {
    let ca = Authority::new_root("Test CA").unwrap();
    let der = person(&ca, KeyAlgorithm::Rsa2048)
        .sign_cms(CHALLENGE, &CmsOptions::default())
        .unwrap();
    let bytes = signed_attributes_der(&der).unwrap();
    assert_eq!(bytes[0], 0x31);
    // The same bytes as the decoded attributes re-encoded (this signer sorted them).
    let info = ContentInfo::from_der(&der).unwrap();
    let signed = SignedData::from_der(&info.content.to_der().unwrap()).unwrap();
    let signer = signed.signer_infos.0.get(0).unwrap();
    assert_eq!(
        bytes,
        signer.signed_attrs.as_ref().unwrap().to_der().unwrap()
    );
}
