//! NCA's own public GOST test keys and CMS (tests/fixtures/nca-gost-test): what people hold
//! since 2024 signs in under the default policy, and only what is a person's key does.

use chrono::TimeZone as _;
use der::EncodePem as _;
use jaria_test_ca::Person;

use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/nca-gost-test"
);
const TEST_IIN: &str = "123456789011";
const TEST_IIN_EMPLOYEE: &str = "123456789012";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn pem_of(name: &str) -> String {
    Certificate::from_der(&fixture(name))
        .expect("certificate")
        .to_pem(der::pem::LineEnding::LF)
        .expect("PEM")
}

/// NCA's test root and issuing CA, as a staging deployment trusts them.
fn anchors_pem() -> String {
    pem_of("root_test_gost_2022.cer") + &pem_of("nca_gost2022_test.cer")
}

/// A day on which the test keys (2026-05-08 → 2027-05-08) are valid.
fn today() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0)
        .single()
        .expect("date")
}

fn staging(purposes: Option<&str>) -> Policy {
    // As `http::serve` sets it from `eds_test_iins` (per thread: each test has its own).
    crate::law::iin::accept_test_iins(vec![TEST_IIN.into(), TEST_IIN_EMPLOYEE.into()]);
    Policy::from_config(&anchors_pem(), purposes).expect("policy")
}

fn key(name: &str) -> Person {
    Person::from_nca_p12(&fixture(&format!("keys/{name}.p12")), "Qwerty12").expect(name)
}

fn sign_in(person: &Person, policy: &Policy) -> Result<Holder, EdsError> {
    let message = sign_in_message("https://jaria.example", "bm9uY2U");
    verify_sign_in(
        &person.cert_pem,
        policy,
        message.as_bytes(),
        &person.sign(message.as_bytes()),
        today(),
    )
    .map(|v| v.holder)
}

#[test]
fn ncas_gost_keys_sign_in_by_default_with_the_test_iins_listed() {
    for (name, iin) in [
        ("individual_valid", TEST_IIN),
        ("legal_head", TEST_IIN),
        ("legal_employee_signright", TEST_IIN_EMPLOYEE),
    ] {
        let holder = sign_in(&key(name), &staging(None)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(holder.iin.as_str(), iin, "{name}");
        assert!(holder.full_name.contains("ТЕСТ"), "{}", holder.full_name);
    }
}

#[test]
fn client_authentication_alone_refuses_them_as_the_old_default_did() {
    let old_default = staging(Some("1.3.6.1.5.5.7.3.2"));
    assert_eq!(
        sign_in(&key("individual_valid"), &old_default),
        Err(EdsError::Purpose)
    );
    // Listed together with NCA's profile, they are in again.
    let both = staging(Some("nca, 1.3.6.1.5.5.7.3.2"));
    assert!(sign_in(&key("individual_valid"), &both).is_ok());
}

#[test]
fn the_test_iin_is_no_iin_unless_the_deployment_lists_it() {
    let production = staging(None);
    crate::law::iin::accept_test_iins(Vec::new());
    assert!(matches!(
        sign_in(&key("individual_valid"), &production),
        Err(EdsError::BadIin(_))
    ));
}

#[test]
fn an_information_systems_key_is_no_persons_and_does_not_sign_in() {
    assert_eq!(
        sign_in(&key("legal_infosystem"), &staging(None)),
        Err(EdsError::Purpose)
    );
}

#[test]
fn the_cas_own_certificates_never_sign_in() {
    let policy = staging(None);
    let issuing = pem_of("nca_gost2022_test.cer");
    assert_eq!(
        verify_chain(&issuing, &policy, today()).map(|v| v.holder),
        Err(EdsError::NotAPerson)
    );
}

#[test]
fn expired_they_are_refused() {
    let after = Utc
        .with_ymd_and_hms(2027, 5, 9, 0, 0, 0)
        .single()
        .expect("date");
    let person = key("individual_valid");
    let message = b"m";
    assert_eq!(
        verify_sign_in(
            &person.cert_pem,
            &staging(None),
            message,
            &person.sign(message),
            after
        )
        .map(|v| v.holder),
        Err(EdsError::OutsideValidity)
    );
}

/// What NCA's Kalkan signed (the fixtures were made on 2026-05-08) over `document`, until today.
fn signed_by_kalkan(document: &[u8]) -> cms::Expected<'_> {
    cms::Expected {
        content: document,
        signed_after: Utc
            .with_ymd_and_hms(2026, 5, 8, 0, 0, 0)
            .single()
            .expect("date"),
        signed_before: today(),
    }
}

#[test]
fn what_ncas_kalkan_signs_verifies_attached_and_detached() {
    for (stem, iin) in [("individual", TEST_IIN), ("legal_entity", TEST_IIN)] {
        let document = fixture(&format!("kalkan-cms/{stem}_document.txt"));
        for form in ["attached", "detached"] {
            let der = fixture(&format!("kalkan-cms/{stem}_{form}.der"));
            let expected = signed_by_kalkan(&document);
            let signed = cms::verify(&der, &expected, &staging(None), today())
                .unwrap_or_else(|e| panic!("{stem} {form}: {e}"));
            assert_eq!(signed.verified.holder.iin.as_str(), iin);
            // Other bytes under the same signature: refused.
            let other = cms::Expected {
                content: b"another document",
                ..expected
            };
            assert!(cms::verify(&der, &other, &staging(None), today()).is_err());
        }
    }
}

#[test]
fn purposes_read_nca_and_oids_and_refuse_anything_else() {
    assert_eq!(Purposes::parse(None), Ok(Purposes::nca()));
    assert_eq!(Purposes::parse(Some(" ")), Ok(Purposes::nca()));
    let both = Purposes::parse(Some("NCA,1.3.6.1.5.5.7.3.4")).expect("parses");
    assert!(both.nca_profile);
    assert_eq!(both.listed, vec![OID_EMAIL_PROTECTION]);
    let listed = Purposes::parse(Some("1.3.6.1.5.5.7.3.2")).expect("parses");
    assert!(!listed.nca_profile);
    assert!(Purposes::parse(Some("nca clientAuth")).is_err());
}

#[test]
fn a_service_key_never_signs_in_whatever_else_it_names() {
    let ocsp = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
    let tsa = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
    let any = ObjectIdentifier::new_unwrap("2.5.29.37.0");
    let everything = Purposes {
        nca_profile: true,
        listed: vec![OID_CLIENT_AUTH, ocsp, tsa],
    };
    assert!(!everything.allow(&[OID_CLIENT_AUTH, ocsp]));
    assert!(!everything.allow(&[any, tsa]));
    assert!(everything.allow(&[OID_CLIENT_AUTH]));
    // NCA's profile: e-mail protection only with a person's role.
    let nca = Purposes::nca();
    assert!(!nca.allow(&[OID_EMAIL_PROTECTION]));
    assert!(nca.allow(&[OID_EMAIL_PROTECTION, OID_NCA_INDIVIDUAL]));
    assert!(nca.allow(&[OID_EMAIL_PROTECTION, OID_NCA_SIGNING_RIGHT]));
    let information_system = ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.2.6");
    assert!(!nca.allow(&[OID_EMAIL_PROTECTION, information_system]));
}

#[test]
fn test_iins_are_twelve_digits() {
    assert_eq!(
        parse_test_iins(Some("123456789011, 123456789012")),
        Ok(vec![TEST_IIN.to_owned(), TEST_IIN_EMPLOYEE.to_owned()])
    );
    assert_eq!(parse_test_iins(None), Ok(vec![]));
    assert!(parse_test_iins(Some("12345678901")).is_err());
    assert!(parse_test_iins(Some("12345678901x")).is_err());
}

/// `der` as a streaming signer might send it: every constructed element with an indefinite
/// length, every OCTET STRING longer than 8 bytes cut into constructed pieces.
fn streamed(der: &[u8]) -> Vec<u8> {
    fn element(input: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = input[0];
        let (len, head) = match input[1] {
            n if n < 0x80 => (usize::from(n), 2),
            n => {
                let count = usize::from(n & 0x7f);
                let len = input[2..2 + count]
                    .iter()
                    .fold(0usize, |a, b| (a << 8) | usize::from(*b));
                (len, 2 + count)
            }
        };
        (tag, &input[head..head + len], &input[head + len..])
    }
    fn write(mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            let (tag, content, rest) = element(input);
            if tag & 0x20 != 0 {
                out.extend([tag, 0x80]);
                write(content, out);
                out.extend([0, 0]);
            } else if tag == 0x04 && content.len() > 8 {
                out.extend([0x24, 0x80]);
                for piece in content.chunks(8) {
                    out.extend([0x04, piece.len() as u8]);
                    out.extend_from_slice(piece);
                }
                out.extend([0, 0]);
            } else {
                out.extend_from_slice(&input[..input.len() - rest.len()]);
            }
            input = rest;
        }
    }
    let mut out = Vec::new();
    write(der, &mut out);
    out
}

#[test]
fn a_cms_streamed_in_ber_verifies_as_the_der_it_stands_for() {
    let document = fixture("kalkan-cms/individual_document.txt");
    let der = fixture("kalkan-cms/individual_attached.der");
    let ber = streamed(&der);
    assert_ne!(ber, der);
    assert_eq!(&ber[..2], &[0x30, 0x80]);
    let expected = signed_by_kalkan(&document);
    let signed = cms::verify(&ber, &expected, &staging(None), today()).expect("BER verifies");
    assert!(signed.attached);
    assert_eq!(signed.verified.holder.iin.as_str(), TEST_IIN);
    // Cut short, it is malformed, not a panic.
    assert!(matches!(
        cms::verify(&ber[..ber.len() - 3], &expected, &staging(None), today()),
        Err(EdsError::CmsMalformed(_))
    ));
}

#[test]
fn a_signature_naming_another_certificate_than_its_signers_is_refused() {
    let person = key("individual_valid");
    let document = b"a statement";
    let expected = cms::Expected {
        content: document,
        signed_after: today() - chrono::TimeDelta::hours(1),
        signed_before: today() + chrono::TimeDelta::hours(1),
    };
    let at = |seconds| std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
    let signing_time = at(today().timestamp() as u64);
    // Naming its own certificate (as Kalkan does): verifies.
    let own = person
        .sign_cms(
            document,
            &jaria_test_ca::CmsOptions {
                signing_time,
                ..Default::default()
            },
        )
        .expect("CMS");
    assert!(cms::verify(&own, &expected, &staging(None), today()).is_ok());
    // Naming the organisation head's certificate of the same person: refused.
    let other = person
        .sign_cms(
            document,
            &jaria_test_ca::CmsOptions {
                signing_time,
                signing_certificate_pem: Some(key("legal_head").cert_pem),
                ..Default::default()
            },
        )
        .expect("CMS");
    assert_eq!(
        cms::verify(&other, &expected, &staging(None), today()).map(|s| s.attached),
        Err(EdsError::CmsAttributes("signing certificate"))
    );
}

#[test]
fn an_organisation_key_names_its_organisation_and_the_holders_role() {
    let policy = staging(None);
    let organisation = |name: &str| sign_in(&key(name), &policy).expect(name).organisation;
    assert_eq!(organisation("individual_valid"), None);
    let head = organisation("legal_head").expect("the head's organisation");
    assert_eq!(head.bin, "123456789021");
    assert_eq!(head.name, "АО \"ТЕСТ\"");
    assert_eq!(head.role, OrganisationRole::Head);
    assert!(head.role.acts_for_organisation());
    let employee = organisation("legal_employee_signright").expect("the employee's");
    assert_eq!(employee.role, OrganisationRole::SigningRight);
    assert!(employee.role.acts_for_organisation());
    assert!(!OrganisationRole::Employee.acts_for_organisation());
}

/// Pinning within NCA's PKI: its GOST issuing CA and its policy let NCA's keys in; a pin on
/// another CA (the root itself issues no person) or another policy keeps them out.
#[test]
fn ncas_keys_pass_pins_on_ncas_issuing_ca_and_policy_and_no_other() {
    let pinned = |issuers: &str, policies: &str| {
        let mut policy = staging(None);
        policy.pins = Pins::parse(Some(issuers), Some(policies)).expect("pins");
        policy
    };
    let person = key("individual_valid");
    let issuing_ca = pem_of("nca_gost2022_test.cer");
    let root = pem_of("root_test_gost_2022.cer");
    for (issuers, policies) in [
        (&*issuing_ca, ""),
        ("", "1.2.398.3.3.2"),
        (&*issuing_ca, "1.2.398.3.3.2, 1.2.3.4"),
    ] {
        assert!(
            sign_in(&person, &pinned(issuers, policies)).is_ok(),
            "pins {policies:?}"
        );
    }
    assert_eq!(
        sign_in(&person, &pinned(&root, "")),
        Err(EdsError::NotPinned)
    );
    assert_eq!(
        sign_in(&person, &pinned("", "1.2.398.3.3.9")),
        Err(EdsError::NotPinned)
    );
    assert!(Pins::parse(None, Some("not-an-oid")).is_err());
    assert!(Pins::parse(Some("not a certificate"), None).is_err());
}
