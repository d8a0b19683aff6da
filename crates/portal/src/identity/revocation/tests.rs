use der::{DecodePem as _, Encode as _};
use jaria_test_ca::{Authority, PersonSpec, Purpose};
use time::OffsetDateTime;

use super::*;

const IIN: &str = "791028302728";

fn cert(pem: &str) -> Certificate {
    Certificate::from_pem(pem.as_bytes()).unwrap()
}

fn now() -> DateTime<Utc> {
    crate::platform::clock::now()
}

fn day() -> time::Duration {
    time::Duration::days(1)
}

#[test]
fn a_crl_of_a_trusted_authority_is_read_with_its_serials_and_times() {
    let ca = Authority::new_root("Test CA").unwrap();
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let t = OffsetDateTime::now_utc();
    let pem = ca
        .crl(&[&person.serial_hex, "1f"], 7, t - day(), t + day())
        .unwrap();
    let crl = parse_crl(pem.as_bytes()).unwrap();
    let contents = verify_crl(&crl, &[cert(&ca.cert_pem)], now()).unwrap();
    assert_eq!(
        contents.revoked,
        vec![person.serial_hex.clone(), "1f".into()]
    );
    assert_eq!(contents.crl_number.as_deref(), Some("07"));
    assert_eq!(
        contents.issuer_key,
        crate::identity::eds::CertKey::of(&cert(&person.cert_pem))
            .unwrap()
            .issuer_key,
        "a CRL names its certificates' issuer the way the certificates do"
    );
    // DER works as well as PEM.
    let der = crl.to_der().unwrap();
    assert_eq!(parse_crl(&der).unwrap(), crl);
    assert!(matches!(
        parse_crl(b"garbage"),
        Err(RevocationError::Malformed(_))
    ));
}

#[test]
fn a_crl_must_be_signed_by_a_trusted_authority_and_be_current() {
    let ca = Authority::new_root("Test CA").unwrap();
    let anchors = [cert(&ca.cert_pem)];
    let t = OffsetDateTime::now_utc();
    // A rogue CA with the same name.
    let rogue = Authority::new_root("Test CA").unwrap();
    let forged = parse_crl(
        rogue
            .crl(&["1"], 1, t - day(), t + day())
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        verify_crl(&forged, &anchors, now()),
        Err(RevocationError::BadSignature)
    );
    // Another CA altogether.
    let other = Authority::new_root("Other CA").unwrap();
    let unknown = parse_crl(
        other
            .crl(&["1"], 1, t - day(), t + day())
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        verify_crl(&unknown, &anchors, now()),
        Err(RevocationError::UnknownIssuer)
    );
    // Out of date, and not yet valid.
    let stale = parse_crl(ca.crl(&[], 1, t - day() * 3, t - day()).unwrap().as_bytes()).unwrap();
    assert_eq!(
        verify_crl(&stale, &anchors, now()),
        Err(RevocationError::Stale)
    );
    let early = parse_crl(ca.crl(&[], 1, t + day(), t + day() * 2).unwrap().as_bytes()).unwrap();
    assert_eq!(
        verify_crl(&early, &anchors, now()),
        Err(RevocationError::NotYetValid)
    );
}

#[test]
fn an_intermediates_crl_needs_the_intermediate_to_lead_to_an_anchor() {
    let root = Authority::new_root("Root").unwrap();
    let issuing = root.intermediate("Issuing CA").unwrap();
    let t = OffsetDateTime::now_utc();
    let crl = parse_crl(
        issuing
            .crl(&["2a"], 1, t - day(), t + day())
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    let anchors = [cert(&root.cert_pem)];
    // Without the intermediate, its list cannot be checked.
    assert_eq!(
        verify_crl(&crl, &crl_issuers(&anchors, &[], now()), now()),
        Err(RevocationError::UnknownIssuer)
    );
    let issuers = crl_issuers(&anchors, &[cert(&issuing.cert_pem)], now());
    assert_eq!(
        verify_crl(&crl, &issuers, now()).unwrap().revoked,
        vec!["2a"]
    );
    // An intermediate of another root is not accepted as an issuer.
    let other_root = Authority::new_root("Other").unwrap();
    let stray = other_root.intermediate("Issuing CA").unwrap();
    assert_eq!(
        crl_issuers(&anchors, &[cert(&stray.cert_pem)], now()).len(),
        1
    );
}

/// An OCSP answer about `subject`, built and signed by hand with `signer`'s key (P-256) as a
/// responder would, current for an hour after `this_update`.
fn ocsp_answer(
    signer_key_pem: &str,
    extra_certs: Option<Vec<Certificate>>,
    subject: &Certificate,
    issuer: &Certificate,
    status: x509_ocsp::CertStatus,
    nonce: Option<&[u8]>,
    this_update: OffsetDateTime,
) -> Vec<u8> {
    let next_update = Some(this_update + time::Duration::hours(1));
    let answer = Answer {
        status,
        nonce,
        this_update,
        next_update,
    };
    ocsp_answer_with(signer_key_pem, extra_certs, subject, issuer, answer)
}

/// What an answer says, and when.
struct Answer<'a> {
    status: x509_ocsp::CertStatus,
    nonce: Option<&'a [u8]>,
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
}

fn ocsp_answer_with(
    signer_key_pem: &str,
    extra_certs: Option<Vec<Certificate>>,
    subject: &Certificate,
    issuer: &Certificate,
    answer: Answer<'_>,
) -> Vec<u8> {
    let Answer {
        status,
        nonce,
        this_update,
        next_update,
    } = answer;
    use p256::pkcs8::DecodePrivateKey as _;
    use signature::Signer as _;
    let gt = |t: OffsetDateTime| {
        x509_ocsp::OcspGeneralizedTime(
            der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
                t.unix_timestamp() as u64,
            ))
            .unwrap(),
        )
    };
    let extensions = nonce.map(|n| {
        vec![x509_cert::ext::Extension {
            extn_id: OID_OCSP_NONCE,
            critical: false,
            extn_value: der::asn1::OctetString::new(
                der::asn1::OctetString::new(n.to_vec())
                    .unwrap()
                    .to_der()
                    .unwrap(),
            )
            .unwrap(),
        }]
    });
    let tbs = x509_ocsp::ResponseData {
        version: x509_ocsp::Version::V1,
        responder_id: x509_ocsp::ResponderId::ByName(issuer.tbs_certificate.subject.clone()),
        produced_at: gt(this_update),
        responses: vec![x509_ocsp::SingleResponse {
            cert_id: cert_id(subject, issuer).unwrap(),
            cert_status: status,
            this_update: gt(this_update),
            next_update: next_update.map(gt),
            single_extensions: None,
        }],
        response_extensions: extensions,
    };
    let key = p256::ecdsa::SigningKey::from_pkcs8_pem(signer_key_pem).unwrap();
    let signature: p256::ecdsa::Signature = key.sign(&tbs.to_der().unwrap());
    let basic = x509_ocsp::BasicOcspResponse {
        tbs_response_data: tbs,
        signature_algorithm: spki::AlgorithmIdentifierOwned {
            oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        },
        signature: der::asn1::BitString::from_bytes(signature.to_der().as_bytes()).unwrap(),
        certs: extra_certs,
    };
    x509_ocsp::OcspResponse {
        response_status: x509_ocsp::OcspResponseStatus::Successful,
        response_bytes: Some(x509_ocsp::ResponseBytes {
            response_type: OID_OCSP_BASIC,
            response: der::asn1::OctetString::new(basic.to_der().unwrap()).unwrap(),
        }),
    }
    .to_der()
    .unwrap()
}

#[test]
fn ocsp_answers_signed_by_the_issuer_or_its_delegate_are_read() {
    let ca = Authority::new_root("Test CA").unwrap();
    let issuer = cert(&ca.cert_pem);
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let subject = cert(&person.cert_pem);
    let nonce = b"0123456789abcdef";
    let t = OffsetDateTime::now_utc();
    let request = ocsp_request(&subject, &issuer, nonce).unwrap();
    assert!(x509_ocsp::OcspRequest::from_der(&request).is_ok());

    let good = ocsp_answer(
        &ca.key_pem(),
        None,
        &subject,
        &issuer,
        x509_ocsp::CertStatus::good(),
        Some(nonce),
        t,
    );
    let answer = read_ocsp_response(&good, &subject, &issuer, nonce, false, now()).unwrap();
    assert_eq!(answer.status, OcspStatus::Good);
    assert_eq!(answer.next_update_unix, Some(t.unix_timestamp() + 3600));

    let unknown = ocsp_answer(
        &ca.key_pem(),
        None,
        &subject,
        &issuer,
        x509_ocsp::CertStatus::unknown(),
        None,
        t,
    );
    assert_eq!(
        read_ocsp_response(&unknown, &subject, &issuer, nonce, false, now())
            .unwrap()
            .status,
        OcspStatus::Unknown
    );

    // A delegated responder: issued by the CA for OCSP signing, carried in the answer.
    let responder = ca
        .issue(&PersonSpec::new(IIN, "OCSP RESPONDER").purposes(&[Purpose::OcspSigning]))
        .unwrap();
    let revoked = ocsp_answer(
        &responder.key_pem,
        Some(vec![cert(&responder.cert_pem)]),
        &subject,
        &issuer,
        x509_ocsp::CertStatus::Revoked(x509_ocsp::RevokedInfo {
            revocation_time: x509_ocsp::OcspGeneralizedTime(
                der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
                    (t - day()).unix_timestamp() as u64,
                ))
                .unwrap(),
            ),
            revocation_reason: None,
        }),
        Some(nonce),
        t,
    );
    assert_eq!(
        read_ocsp_response(&revoked, &subject, &issuer, nonce, false, now())
            .unwrap()
            .status,
        OcspStatus::Revoked
    );
    // A certificate of the CA without the OCSP purpose may not speak for it.
    let impostor = ca.issue(&PersonSpec::new(IIN, "NOT A RESPONDER")).unwrap();
    let claimed = ocsp_answer(
        &impostor.key_pem,
        Some(vec![cert(&impostor.cert_pem)]),
        &subject,
        &issuer,
        x509_ocsp::CertStatus::good(),
        Some(nonce),
        t,
    );
    assert!(read_ocsp_response(&claimed, &subject, &issuer, nonce, false, now()).is_err());
}

#[test]
fn ocsp_answers_that_are_not_the_issuers_or_not_ours_are_refused() {
    let ca = Authority::new_root("Test CA").unwrap();
    let issuer = cert(&ca.cert_pem);
    let person = ca.issue(&PersonSpec::new(IIN, "A")).unwrap();
    let subject = cert(&person.cert_pem);
    let nonce = b"0123456789abcdef";
    let t = OffsetDateTime::now_utc();
    // Signed by a stranger.
    let rogue = Authority::new_root("Test CA").unwrap();
    let forged = ocsp_answer(
        &rogue.key_pem(),
        None,
        &subject,
        &issuer,
        x509_ocsp::CertStatus::good(),
        Some(nonce),
        t,
    );
    assert!(matches!(
        read_ocsp_response(&forged, &subject, &issuer, nonce, false, now()),
        Err(RevocationError::OcspUnusable(_))
    ));
    // A replayed answer to another request (another nonce).
    let replay = ocsp_answer(
        &ca.key_pem(),
        None,
        &subject,
        &issuer,
        x509_ocsp::CertStatus::good(),
        Some(b"another nonce..."),
        t,
    );
    assert!(read_ocsp_response(&replay, &subject, &issuer, nonce, false, now()).is_err());
    // About another certificate.
    let other = cert(&ca.issue(&PersonSpec::new(IIN, "B")).unwrap().cert_pem);
    let elsewhere = ocsp_answer(
        &ca.key_pem(),
        None,
        &other,
        &issuer,
        x509_ocsp::CertStatus::good(),
        Some(nonce),
        t,
    );
    assert!(read_ocsp_response(&elsewhere, &subject, &issuer, nonce, false, now()).is_err());
    // Out of date (its next update an hour after a this-update two days ago).
    let old = ocsp_answer(
        &ca.key_pem(),
        None,
        &subject,
        &issuer,
        x509_ocsp::CertStatus::good(),
        Some(nonce),
        t - day() * 2,
    );
    assert!(read_ocsp_response(&old, &subject, &issuer, nonce, false, now()).is_err());
    // Not OCSP at all.
    assert!(read_ocsp_response(b"<html>", &subject, &issuer, nonce, false, now()).is_err());
}

#[test]
fn an_answer_without_next_update_is_taken_only_fresh_and_a_required_nonce_must_come_back() {
    let ca = Authority::new_root("Test CA").unwrap();
    let issuer = cert(&ca.cert_pem);
    let subject = cert(&ca.issue(&PersonSpec::new(IIN, "A")).unwrap().cert_pem);
    let nonce = b"0123456789abcdef";
    let t = OffsetDateTime::now_utc();
    let without_next = |this_update: OffsetDateTime, nonce: Option<&[u8]>| {
        let answer = Answer {
            status: x509_ocsp::CertStatus::good(),
            nonce,
            this_update,
            next_update: None,
        };
        ocsp_answer_with(&ca.key_pem(), None, &subject, &issuer, answer)
    };
    // Just made: taken.
    let fresh = without_next(t - time::Duration::minutes(1), Some(nonce));
    assert!(read_ocsp_response(&fresh, &subject, &issuer, nonce, true, now()).is_ok());
    // An hour old, with nothing saying until when it holds: a replay, refused.
    let old = without_next(t - time::Duration::hours(1), Some(nonce));
    assert!(read_ocsp_response(&old, &subject, &issuer, nonce, false, now()).is_err());
    // No nonce echoed: taken unless the deployment requires it.
    let unechoed = without_next(t - time::Duration::minutes(1), None);
    assert!(read_ocsp_response(&unechoed, &subject, &issuer, nonce, false, now()).is_ok());
    assert!(read_ocsp_response(&unechoed, &subject, &issuer, nonce, true, now()).is_err());
}
