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

/// A CRL `ca` signs, listing `serials`, current from `from` to `until`, as a client reads it.
fn crl_of(
    ca: &Authority,
    serials: &[&str],
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> CertificateList {
    parse_crl(ca.crl(serials, 1, from, until).unwrap().as_bytes()).unwrap()
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
    let forged = crl_of(&rogue, &["1"], t - day(), t + day());
    assert_eq!(
        verify_crl(&forged, &anchors, now()),
        Err(RevocationError::BadSignature)
    );
    // Another CA altogether.
    let other = Authority::new_root("Other CA").unwrap();
    let unknown = crl_of(&other, &["1"], t - day(), t + day());
    assert_eq!(
        verify_crl(&unknown, &anchors, now()),
        Err(RevocationError::UnknownIssuer)
    );
    // Out of date, and not yet valid.
    let stale = crl_of(&ca, &[], t - day() * 3, t - day());
    assert_eq!(
        verify_crl(&stale, &anchors, now()),
        Err(RevocationError::Stale)
    );
    let early = crl_of(&ca, &[], t + day(), t + day() * 2);
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
    let crl = crl_of(&issuing, &["2a"], t - day(), t + day());
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

/// A person's certificate, its CA, and the nonce of the request asked about it: what every OCSP
/// test below asks, and answers signed now about it.
struct Asked {
    ca: Authority,
    issuer: Certificate,
    subject: Certificate,
    t: OffsetDateTime,
}

const NONCE: &[u8] = b"0123456789abcdef";

impl Asked {
    fn new() -> Self {
        let ca = Authority::new_root("Test CA").unwrap();
        let issuer = cert(&ca.cert_pem);
        let subject = cert(&ca.issue(&PersonSpec::new(IIN, "A")).unwrap().cert_pem);
        let t = OffsetDateTime::now_utc();
        Self {
            ca,
            issuer,
            subject,
            t,
        }
    }

    /// An answer about the subject with `status`, signed with `key` (its certificate carried
    /// in `certs`), echoing `nonce`, made at `this_update`.
    fn answer(
        &self,
        (key, certs): (&str, Option<Vec<Certificate>>),
        status: x509_ocsp::CertStatus,
        nonce: Option<&[u8]>,
        this_update: OffsetDateTime,
    ) -> Vec<u8> {
        let (subject, issuer) = (&self.subject, &self.issuer);
        ocsp_answer(key, certs, subject, issuer, status, nonce, this_update)
    }

    /// A good answer signed by `signer`, with the request's nonce, made now.
    fn good_from(&self, signer: (&str, Option<Vec<Certificate>>)) -> Vec<u8> {
        self.answer(signer, x509_ocsp::CertStatus::good(), Some(NONCE), self.t)
    }

    fn read(&self, der: &[u8], nonce_required: bool) -> Result<OcspAnswer, RevocationError> {
        read_ocsp_response(
            der,
            &self.subject,
            &self.issuer,
            NONCE,
            nonce_required,
            now(),
        )
    }
}

#[test]
fn ocsp_answers_signed_by_the_issuer_or_its_delegate_are_read() {
    let asked = Asked::new();
    let request = ocsp_request(&asked.subject, &asked.issuer, NONCE).unwrap();
    assert!(x509_ocsp::OcspRequest::from_der(&request).is_ok());
    let key = asked.ca.key_pem();
    let answer = asked.read(&asked.good_from((&key, None)), false).unwrap();
    assert_eq!(answer.status, OcspStatus::Good);
    assert_eq!(
        answer.next_update_unix,
        Some(asked.t.unix_timestamp() + 3600)
    );

    let unknown = x509_ocsp::CertStatus::unknown();
    let unknown = asked.answer((&key, None), unknown, None, asked.t);
    assert_eq!(
        asked.read(&unknown, false).unwrap().status,
        OcspStatus::Unknown
    );

    // A delegated responder: issued by the CA for OCSP signing, carried in the answer.
    let responder = asked
        .ca
        .issue(&PersonSpec::new(IIN, "OCSP RESPONDER").purposes(&[Purpose::OcspSigning]))
        .unwrap();
    let revoked = x509_ocsp::CertStatus::Revoked(x509_ocsp::RevokedInfo {
        revocation_time: x509_ocsp::OcspGeneralizedTime(
            der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
                (asked.t - day()).unix_timestamp() as u64,
            ))
            .unwrap(),
        ),
        revocation_reason: None,
    });
    let signer = (
        responder.key_pem.as_str(),
        Some(vec![cert(&responder.cert_pem)]),
    );
    let revoked = asked.answer(signer, revoked, Some(NONCE), asked.t);
    assert_eq!(
        asked.read(&revoked, false).unwrap().status,
        OcspStatus::Revoked
    );
    // A certificate of the CA without the OCSP purpose may not speak for it.
    let impostor = asked
        .ca
        .issue(&PersonSpec::new(IIN, "NOT A RESPONDER"))
        .unwrap();
    let claimed = asked.good_from((&impostor.key_pem, Some(vec![cert(&impostor.cert_pem)])));
    assert!(asked.read(&claimed, false).is_err());
}

#[test]
fn ocsp_answers_that_are_not_the_issuers_or_not_ours_are_refused() {
    let asked = Asked::new();
    let key = asked.ca.key_pem();
    let good = x509_ocsp::CertStatus::good;
    // Signed by a stranger.
    let rogue = Authority::new_root("Test CA").unwrap();
    let forged = asked.good_from((&rogue.key_pem(), None));
    assert!(matches!(
        asked.read(&forged, false),
        Err(RevocationError::OcspUnusable(_))
    ));
    // A replayed answer to another request (another nonce).
    let replay = asked.answer((&key, None), good(), Some(b"another nonce..."), asked.t);
    assert!(asked.read(&replay, false).is_err());
    // About another certificate.
    let other = cert(&asked.ca.issue(&PersonSpec::new(IIN, "B")).unwrap().cert_pem);
    let elsewhere = ocsp_answer(
        &key,
        None,
        &other,
        &asked.issuer,
        good(),
        Some(NONCE),
        asked.t,
    );
    assert!(asked.read(&elsewhere, false).is_err());
    // Out of date (its next update an hour after a this-update two days ago).
    let old = asked.answer((&key, None), good(), Some(NONCE), asked.t - day() * 2);
    assert!(asked.read(&old, false).is_err());
    // Not OCSP at all.
    assert!(asked.read(b"<html>", false).is_err());
}

#[test]
fn an_answer_without_next_update_is_taken_only_fresh_and_a_required_nonce_must_come_back() {
    let asked = Asked::new();
    let key = asked.ca.key_pem();
    let without_next = |this_update: OffsetDateTime, nonce: Option<&[u8]>| {
        let answer = Answer {
            status: x509_ocsp::CertStatus::good(),
            nonce,
            this_update,
            next_update: None,
        };
        ocsp_answer_with(&key, None, &asked.subject, &asked.issuer, answer)
    };
    let minute_ago = asked.t - time::Duration::minutes(1);
    // Just made: taken.
    assert!(
        asked
            .read(&without_next(minute_ago, Some(NONCE)), true)
            .is_ok()
    );
    // An hour old, with nothing saying until when it holds: a replay, refused.
    let old = without_next(asked.t - time::Duration::hours(1), Some(NONCE));
    assert!(asked.read(&old, false).is_err());
    // No nonce echoed: taken unless the deployment requires it.
    let unechoed = without_next(minute_ago, None);
    assert!(asked.read(&unechoed, false).is_ok());
    assert!(asked.read(&unechoed, true).is_err());
}
