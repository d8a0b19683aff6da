//! Electronic digital signature (EDS) sign-in: a certificate chain that leads to a configured
//! trust anchor, and a signature by the leaf's key over the sign-in challenge. Pure Rust, no
//! host calls: the caller passes the time, the anchors and the revocation check.
//!
//! Kazakh EDS certificates carry the holder's IIN in the subject's `serialNumber` attribute as
//! `IIN` followed by 12 digits; that IIN is the identity.

use chrono::{DateTime, Utc};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Tag};
use signature::Verifier;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::name::Name;

use crate::law::iin::{Iin, IinError};

mod ber;
pub mod cms;

const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_SURNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.4");
const OID_SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const OID_GIVEN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.42");
const OID_ORGANISATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_ORGANISATIONAL_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// The national CA's GOST 34.10-2015 512-bit public key, its parameter set (TC26 512 A), and
/// its signature algorithm (with Streebog-512).
const OID_GOST_512_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2");
const OID_GOST_512_PARAMS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2.1");
const OID_GOST_512_SIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.3.2");

const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
/// Critical extensions this verifier understands well enough to accept.
const UNDERSTOOD_CRITICAL: [&str; 5] = [
    "2.5.29.15", // key usage
    "2.5.29.19", // basic constraints
    "2.5.29.37", // extended key usage
    "2.5.29.17", // subject alternative name
    "2.5.29.32", // certificate policies
];

/// Longest chain accepted between the leaf and the anchor.
const MAX_INTERMEDIATES: usize = 4;
/// Certificates a sign-in or a CMS may bring at most (the leaf, its intermediates, perhaps
/// the root): NCA's chains are three. Each same-named candidate may cost a signature check
/// (a GOST one is milliseconds), so a bundle of a hundred would buy a hundred of them.
pub const MAX_CERTIFICATES_SENT: usize = 8;
const OID_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const MIN_RSA_BITS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdsError {
    #[error("the certificate is not valid PEM/DER: {0}")]
    Malformed(String),
    #[error("the signature is not valid base64")]
    SignatureEncoding,
    #[error("the certificate chain does not lead to a trusted authority")]
    Untrusted,
    #[error("a certificate in the chain is expired or not yet valid")]
    OutsideValidity,
    #[error("the certificate does not allow digital signatures")]
    KeyUsage,
    #[error("a certificate authority's certificate cannot be used to sign in")]
    NotAPerson,
    #[error("the certificate has a critical extension this service does not understand")]
    UnknownCriticalExtension,
    #[error("the key or signature algorithm is not supported")]
    UnsupportedAlgorithm,
    #[error("RSA keys must have at least 2048 bits")]
    WeakKey,
    #[error("the signature does not verify")]
    BadSignature,
    /// A foreigner's certificate, typically: the portal identifies people by IIN.
    #[error(
        "the certificate's subject carries no IIN: the portal identifies people by IIN, so a foreign citizen without one cannot sign in; the officer conducting the case records them by their identity document, and a defender or representative with an IIN acts for them"
    )]
    NoIin,
    #[error("the certificate's IIN is invalid: {0}")]
    BadIin(IinError),
    #[error("the certificate's subject names more than one serial number")]
    AmbiguousSubject,
    #[error("the certificate is issued for another purpose than signing in")]
    Purpose,
    #[error("the chain has more intermediate authorities than an authority in it allows")]
    PathTooLong,
    #[error(
        "the certificate is not one this service accepts: its issuing authority or its policy is not among those the deployment pins"
    )]
    NotPinned,
    #[error("the certificate has been revoked")]
    Revoked,
    #[error("the certificate's revocation status is not known")]
    RevocationUnknown,
    #[error("the CMS signature is not a valid SignedData: {0}")]
    CmsMalformed(String),
    #[error("the signature covers other content than what was to be signed")]
    CmsOtherContent,
    #[error("the CMS names no signer whose certificate it carries")]
    CmsSigner,
    #[error("the CMS lacks a valid signed attribute: {0}")]
    CmsAttributes(&'static str),
    #[error("the signing time is outside the time the signature was asked for")]
    CmsSigningTime,
}

impl EdsError {
    /// Stable code for clients to translate.
    pub fn code(&self) -> &'static str {
        match self {
            EdsError::Malformed(_) => "certificate_malformed",
            EdsError::SignatureEncoding => "signature_malformed",
            EdsError::Untrusted => "certificate_untrusted",
            EdsError::OutsideValidity => "certificate_expired",
            EdsError::KeyUsage => "certificate_key_usage",
            EdsError::NotAPerson => "certificate_not_personal",
            EdsError::UnknownCriticalExtension => "certificate_unknown_critical_extension",
            EdsError::UnsupportedAlgorithm => "unsupported_algorithm",
            EdsError::WeakKey => "weak_key",
            EdsError::BadSignature => "signature_invalid",
            EdsError::NoIin => "certificate_no_iin",
            EdsError::BadIin(_) => "certificate_invalid_iin",
            EdsError::AmbiguousSubject => "certificate_ambiguous_subject",
            EdsError::Purpose => "certificate_purpose",
            EdsError::PathTooLong => "certificate_path_too_long",
            EdsError::NotPinned => "certificate_not_pinned",
            EdsError::Revoked => "certificate_revoked",
            EdsError::RevocationUnknown => "certificate_status_unknown",
            EdsError::CmsMalformed(_) => "cms_malformed",
            EdsError::CmsOtherContent => "cms_other_content",
            EdsError::CmsSigner => "cms_signer_missing",
            EdsError::CmsAttributes(_) => "cms_attributes",
            EdsError::CmsSigningTime => "cms_signing_time",
        }
    }
}

/// Who a verified certificate names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub iin: Iin,
    pub full_name: String,
    /// Serial number of the leaf, lower-case hex without leading zeros (for revocation).
    pub serial_hex: String,
    /// The organisation the key speaks for, if it is an NCA organisation key.
    pub organisation: Option<Organisation>,
}

/// The organisation an NCA organisation key speaks for: its BIN (`OU=BIN…`) and name (`O=…`)
/// from the subject, and the holder's role there from the key's purposes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Organisation {
    pub bin: String,
    pub name: String,
    pub role: OrganisationRole,
}

/// The holder's role in the organisation, as NCA certifies it (1.2.398.3.3.4.1.2.x).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationRole {
    /// The first head (.1): acts for the organisation.
    Head,
    /// An employee with the right to sign (.2): acts for the organisation.
    SigningRight,
    /// An employee (.5): a person of the organisation, not its voice.
    Employee,
}

impl OrganisationRole {
    /// Whether the holder may act (sign) for the organisation.
    pub fn acts_for_organisation(self) -> bool {
        matches!(self, Self::Head | Self::SigningRight)
    }
}

/// Parses every `CERTIFICATE` block of a PEM bundle, in order.
pub fn parse_pem_bundle(pem: &str) -> Result<Vec<Certificate>, EdsError> {
    let certs = Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| EdsError::Malformed(e.to_string()))?;
    if certs.is_empty() {
        return Err(EdsError::Malformed("no certificate found".into()));
    }
    Ok(certs)
}

/// Refuses more certificates than a chain needs ([`MAX_CERTIFICATES_SENT`]).
pub fn too_many_sent(count: usize) -> Result<(), EdsError> {
    if count > MAX_CERTIFICATES_SENT {
        return Err(EdsError::Malformed(format!(
            "{count} certificates sent; a chain needs at most {MAX_CERTIFICATES_SENT}"
        )));
    }
    Ok(())
}

/// Whether `issuer` may be the one that signed `cert`, by what costs nothing to compare: the
/// names, and the key identifiers where both carry them (a pair without them is compared by
/// name alone). Only such a candidate's signature is checked.
fn may_have_signed(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let authority = extension::<x509_cert::ext::pkix::AuthorityKeyIdentifier>(
        cert,
        OID_AUTHORITY_KEY_IDENTIFIER,
    )
    .ok()
    .flatten()
    .and_then(|aki| aki.key_identifier);
    let subject =
        extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>(issuer, OID_SUBJECT_KEY_IDENTIFIER)
            .ok()
            .flatten();
    match (authority, subject) {
        (Some(authority), Some(subject)) => authority == subject.0,
        _ => true,
    }
}

/// A public key this service can verify with.
enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Gost512(jaria_gost::VerifyingKey),
}

/// How an ECDSA signature is encoded: X.509 uses DER, WebCrypto produces raw r‖s.
#[derive(Clone, Copy)]
enum EcdsaEncoding {
    DerOnly,
    DerOrRaw,
}

impl PublicKey {
    fn of(cert: &Certificate) -> Result<Self, EdsError> {
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or(EdsError::UnsupportedAlgorithm)?;
        let alg = spki.algorithm.oid;
        if alg == OID_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            if curve != Some(OID_P256) {
                return Err(EdsError::UnsupportedAlgorithm);
            }
            p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                .map(PublicKey::P256)
                .map_err(|_| EdsError::Malformed("bad P-256 public key".into()))
        } else if alg == OID_RSA_ENCRYPTION {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::traits::PublicKeyParts;
            let key = rsa::RsaPublicKey::from_pkcs1_der(bits)
                .map_err(|_| EdsError::Malformed("bad RSA public key".into()))?;
            if key.size() * 8 < MIN_RSA_BITS {
                return Err(EdsError::WeakKey);
            }
            Ok(PublicKey::Rsa(key))
        } else if alg == OID_ED25519 {
            let bytes: [u8; 32] = bits
                .try_into()
                .map_err(|_| EdsError::Malformed("bad Ed25519 public key".into()))?;
            ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map(PublicKey::Ed25519)
                .map_err(|_| EdsError::Malformed("bad Ed25519 public key".into()))
        } else if alg == OID_GOST_512_KEY {
            // Parameters: SEQUENCE { parameter set, digest }; only TC26 512 A is known here.
            let params = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<Vec<ObjectIdentifier>>().ok())
                .unwrap_or_default();
            if params.first() != Some(&OID_GOST_512_PARAMS) {
                return Err(EdsError::UnsupportedAlgorithm);
            }
            let point = der::asn1::OctetString::from_der(bits)
                .map_err(|_| EdsError::Malformed("bad GOST public key".into()))?;
            jaria_gost::VerifyingKey::from_le_bytes(
                jaria_gost::Curve::tc26_512_a(),
                point.as_bytes(),
            )
            .map(PublicKey::Gost512)
            .map_err(|_| EdsError::Malformed("bad GOST public key".into()))
        } else {
            Err(EdsError::UnsupportedAlgorithm)
        }
    }

    fn verify(&self, message: &[u8], sig: &[u8], ecdsa: EcdsaEncoding) -> Result<(), EdsError> {
        let ok = match self {
            PublicKey::P256(key) => {
                let parsed = p256::ecdsa::Signature::from_der(sig)
                    .ok()
                    .or_else(|| match ecdsa {
                        EcdsaEncoding::DerOrRaw => p256::ecdsa::Signature::from_slice(sig).ok(),
                        EcdsaEncoding::DerOnly => None,
                    });
                parsed.is_some_and(|s| key.verify(message, &s).is_ok())
            }
            PublicKey::Rsa(key) => rsa::pkcs1v15::Signature::try_from(sig).is_ok_and(|s| {
                rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key.clone())
                    .verify(message, &s)
                    .is_ok()
            }),
            PublicKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|s| key.verify_strict(message, &s).is_ok()),
            PublicKey::Gost512(key) => key.verify(message, sig),
        };
        if ok {
            Ok(())
        } else {
            Err(EdsError::BadSignature)
        }
    }

    /// Verifies `sig` over a message whose `hash` is `digest` (a CMS signer's signed
    /// attributes), by `scheme`.
    fn verify_digest(
        &self,
        scheme: cms::Scheme,
        hash: cms::Hash,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<(), EdsError> {
        use signature::hazmat::PrehashVerifier as _;
        let rsa_scheme = |key: &rsa::RsaPublicKey| -> bool {
            let result = match (scheme, hash) {
                (cms::Scheme::Pkcs1v15, cms::Hash::Sha256) => {
                    key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest, sig)
                }
                (cms::Scheme::Pkcs1v15, cms::Hash::Sha384) => {
                    key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), digest, sig)
                }
                (cms::Scheme::Pkcs1v15, cms::Hash::Sha512) => {
                    key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), digest, sig)
                }
                (cms::Scheme::Pss { salt_len }, cms::Hash::Sha256) => key.verify(
                    rsa::Pss::new_with_salt::<sha2::Sha256>(salt_len),
                    digest,
                    sig,
                ),
                (cms::Scheme::Pss { salt_len }, cms::Hash::Sha384) => key.verify(
                    rsa::Pss::new_with_salt::<sha2::Sha384>(salt_len),
                    digest,
                    sig,
                ),
                (cms::Scheme::Pss { salt_len }, cms::Hash::Sha512) => key.verify(
                    rsa::Pss::new_with_salt::<sha2::Sha512>(salt_len),
                    digest,
                    sig,
                ),
                // ECDSA and GOST keys are not RSA keys; RSA does not sign Streebog digests.
                _ => return false,
            };
            result.is_ok()
        };
        let ok = match (self, scheme) {
            (PublicKey::Rsa(key), cms::Scheme::Pkcs1v15 | cms::Scheme::Pss { .. }) => {
                rsa_scheme(key)
            }
            (PublicKey::P256(key), cms::Scheme::Ecdsa) => p256::ecdsa::Signature::from_der(sig)
                .is_ok_and(|s| key.verify_prehash(digest, &s).is_ok()),
            (PublicKey::Gost512(key), cms::Scheme::Gost) if hash == cms::Hash::Streebog512 => {
                key.verify_digest(digest, sig)
            }
            _ => return Err(EdsError::UnsupportedAlgorithm),
        };
        if ok {
            Ok(())
        } else {
            Err(EdsError::BadSignature)
        }
    }

    fn matches_signature_algorithm(&self, oid: ObjectIdentifier) -> bool {
        matches!(
            (self, oid),
            (PublicKey::P256(_), o) if o == OID_ECDSA_SHA256
        ) || matches!((self, oid), (PublicKey::Rsa(_), o) if o == OID_RSA_SHA256)
            || matches!((self, oid), (PublicKey::Ed25519(_), o) if o == OID_ED25519)
            || matches!((self, oid), (PublicKey::Gost512(_), o) if o == OID_GOST_512_SIGNATURE)
    }
}

/// Whether `issuer`'s key signed `cert`.
fn signed_by(cert: &Certificate, issuer: &Certificate) -> Result<(), EdsError> {
    if !may_have_signed(cert, issuer) {
        return Err(EdsError::Untrusted);
    }
    // RFC 5280 §4.1.1.2: the algorithm outside the signed part must be the one inside it; a
    // certificate whose two differ has been rewritten since it was signed.
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(EdsError::Untrusted);
    }
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| EdsError::Malformed(e.to_string()))?;
    let sig = cert
        .signature
        .as_bytes()
        .ok_or_else(|| EdsError::Malformed("signature has unused bits".into()))?;
    verify_signed_by(issuer, cert.signature_algorithm.oid, &tbs, sig)
}

/// Whether `signer`'s key made `signature` with `algorithm` over `signed` (the DER of a signed
/// structure: a certificate's, a revocation list's or an OCSP response's to-be-signed part).
pub fn verify_signed_by(
    signer: &Certificate,
    algorithm: ObjectIdentifier,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), EdsError> {
    let key = PublicKey::of(signer)?;
    if !key.matches_signature_algorithm(algorithm) {
        return Err(EdsError::UnsupportedAlgorithm);
    }
    key.verify(signed, signature, EcdsaEncoding::DerOnly)
}

/// Whether a CA certificate may sign revocation lists (a key usage, if present, must say so).
pub fn may_sign_crls(cert: &Certificate) -> Result<bool, EdsError> {
    Ok(extension::<KeyUsage>(cert, OID_KEY_USAGE)?.is_none_or(|ku| ku.crl_sign()))
}

/// Whether a certificate is delegated to sign OCSP answers (`id-kp-OCSPSigning`).
pub fn is_ocsp_signer(cert: &Certificate) -> Result<bool, EdsError> {
    const OID_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
    Ok(extension::<ExtendedKeyUsage>(cert, OID_EXTENDED_KEY_USAGE)?
        .is_some_and(|eku| eku.0.contains(&OID_OCSP_SIGNING)))
}

/// Whether `cert` was signed by `issuer` (names match and the signature verifies).
pub fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    signed_by(cert, issuer).is_ok()
}

/// Whether `cert` is within its validity period at `now`.
pub fn is_valid_at(cert: &Certificate, now: DateTime<Utc>) -> bool {
    within_validity(cert, now).is_ok()
}

fn within_validity(cert: &Certificate, now: DateTime<Utc>) -> Result<(), EdsError> {
    let validity = &cert.tbs_certificate.validity;
    let now = now.timestamp();
    let not_before = validity.not_before.to_unix_duration().as_secs() as i64;
    let not_after = validity.not_after.to_unix_duration().as_secs() as i64;
    if now < not_before || now > not_after {
        return Err(EdsError::OutsideValidity);
    }
    Ok(())
}

fn extension<T: for<'a> Decode<'a>>(
    cert: &Certificate,
    oid: ObjectIdentifier,
) -> Result<Option<T>, EdsError> {
    let Some(ext) = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == oid)
    else {
        return Ok(None);
    };
    T::from_der(ext.extn_value.as_bytes())
        .map(Some)
        .map_err(|e| EdsError::Malformed(format!("extension {oid}: {e}")))
}

fn check_critical_extensions(cert: &Certificate) -> Result<(), EdsError> {
    let unknown = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .any(|e| e.critical && !UNDERSTOOD_CRITICAL.contains(&e.extn_id.to_string().as_str()));
    if unknown {
        Err(EdsError::UnknownCriticalExtension)
    } else {
        Ok(())
    }
}

fn is_ca(cert: &Certificate) -> Result<bool, EdsError> {
    Ok(extension::<BasicConstraints>(cert, OID_BASIC_CONSTRAINTS)?.is_some_and(|bc| bc.ca))
}

/// Whether a certificate is a CA that may issue certificates (what an intermediate must be).
pub fn is_certificate_authority(cert: &Certificate) -> Result<bool, EdsError> {
    may_issue(cert)
}

/// An intermediate may issue certificates only if it says it is a CA and, when it has a key
/// usage, that usage includes certificate signing.
fn may_issue(cert: &Certificate) -> Result<bool, EdsError> {
    let usage_ok = extension::<KeyUsage>(cert, OID_KEY_USAGE)?.is_none_or(|ku| ku.key_cert_sign());
    Ok(is_ca(cert)? && usage_ok)
}

fn attribute(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    attributes(name, oid).into_iter().next().flatten()
}

/// Every value of an attribute in a name, as text where it is a string type (`None` where it
/// is not), so that a second `serialNumber` is seen even if it is encoded oddly.
fn attributes(name: &Name, oid: ObjectIdentifier) -> Vec<Option<String>> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == oid)
        .map(|atv| match der::Tagged::tag(&atv.value) {
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
                String::from_utf8(atv.value.value().to_vec()).ok()
            }
            Tag::BmpString => {
                let units: Vec<u16> = atv
                    .value
                    .value()
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16(&units).ok()
            }
            _ => None,
        })
        .collect()
}

/// What a deployment accepts for signing in: the trust anchors, which leaves may sign in
/// (their purposes), and NCA's test IINs while a staging deployment lists them.
#[derive(Debug, Clone)]
pub struct Policy {
    pub anchors: Vec<Certificate>,
    pub purposes: Purposes,
    /// What the deployment pins within its anchors' PKI ([`Pins`]); none by default.
    pub pins: Pins,
}

/// Trusting a national root trusts every CA under it, for any IIN. A deployment may pin the
/// issuing CAs a person's certificate must come straight from (`eds_issuing_cas`: matched by
/// name and key, so a CA certificate renewed on the same key still fits) and the certificate
/// policies it must carry one of (`eds_certificate_policies`). Empty: no pin.
#[derive(Debug, Clone, Default)]
pub struct Pins {
    pub issuers: Vec<Certificate>,
    pub policies: Vec<ObjectIdentifier>,
}

const OID_CERTIFICATE_POLICIES: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32");

impl Pins {
    pub fn parse(issuing_cas_pem: Option<&str>, policies: Option<&str>) -> Result<Self, EdsError> {
        let issuers = match issuing_cas_pem.map(str::trim).filter(|p| !p.is_empty()) {
            Some(pem) => parse_pem_bundle(pem)
                .map_err(|e| EdsError::Malformed(format!("eds_issuing_cas: {e}")))?,
            None => Vec::new(),
        };
        let policies = list_words(policies)
            .map(|w| {
                ObjectIdentifier::new(w).map_err(|_| {
                    EdsError::Malformed(format!("eds_certificate_policies: `{w}` is not an OID"))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { issuers, policies })
    }

    /// Whether `leaf`, issued by `issuer`, is within the pins.
    fn admit(&self, leaf: &Certificate, issuer: &Certificate) -> Result<(), EdsError> {
        let same_authority = |pinned: &Certificate| {
            pinned.tbs_certificate.subject == issuer.tbs_certificate.subject
                && pinned.tbs_certificate.subject_public_key_info
                    == issuer.tbs_certificate.subject_public_key_info
        };
        if !self.issuers.is_empty() && !self.issuers.iter().any(same_authority) {
            return Err(EdsError::NotPinned);
        }
        if !self.policies.is_empty() {
            let carried = extension::<x509_cert::ext::pkix::CertificatePolicies>(
                leaf,
                OID_CERTIFICATE_POLICIES,
            )?
            .map(|p| p.0)
            .unwrap_or_default();
            if !carried
                .iter()
                .any(|info| self.policies.contains(&info.policy_identifier))
            {
                return Err(EdsError::NotPinned);
            }
        }
        Ok(())
    }
}

/// Which extended key usages (purposes) let a leaf that names its purposes sign in. A leaf
/// that names none is not restricted (RFC 5280 §4.2.1.12); one that names OCSP or time
/// stamping is a service's key and never signs in, whatever else it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purposes {
    /// NCA's profile ([`nca_person`]): client authentication (the RSA-era `AUTH_…` keys), or
    /// e-mail protection with the role of a person (the GOST keys issued since 2024).
    pub nca_profile: bool,
    /// Any of these, as a deployment lists them.
    pub listed: Vec<ObjectIdentifier>,
}

/// `id-kp-clientAuth`: the purpose of the national CA's authentication (`AUTH_…`) certificates.
pub const OID_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
/// `id-kp-emailProtection`: NCA's signing keys (`RSA256_…`, and every `GOST512_…` key).
pub const OID_EMAIL_PROTECTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const OID_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const OID_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const OID_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

/// NCA's role OIDs (in the extended key usage): an individual; an organisation's first
/// head, employee with the right to sign, employee. (An organisation's information system,
/// 1.2.398.3.3.4.1.2.6, is no person.)
pub const OID_NCA_INDIVIDUAL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.1");
pub const OID_NCA_HEAD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.2.1");
pub const OID_NCA_SIGNING_RIGHT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.2.2");
pub const OID_NCA_EMPLOYEE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.2.5");

/// Whether a leaf's purposes are those of a person's key under NCA's profile.
pub fn nca_person(purposes: &[ObjectIdentifier]) -> bool {
    let person = [
        OID_NCA_INDIVIDUAL,
        OID_NCA_HEAD,
        OID_NCA_SIGNING_RIGHT,
        OID_NCA_EMPLOYEE,
    ];
    purposes.contains(&OID_CLIENT_AUTH)
        || (purposes.contains(&OID_EMAIL_PROTECTION) && purposes.iter().any(|p| person.contains(p)))
}

impl Purposes {
    /// NCA's profile only: the default.
    pub fn nca() -> Self {
        Self {
            nca_profile: true,
            listed: Vec::new(),
        }
    }

    /// From `eds_sign_in_purposes`: `nca` for NCA's profile and/or OIDs, separated by commas
    /// or spaces; empty or missing: NCA's profile.
    pub fn parse(text: Option<&str>) -> Result<Self, EdsError> {
        let mut purposes = Self {
            nca_profile: false,
            listed: Vec::new(),
        };
        for word in list_words(text) {
            if word.eq_ignore_ascii_case("nca") {
                purposes.nca_profile = true;
                continue;
            }
            purposes
                .listed
                .push(ObjectIdentifier::new(word).map_err(|_| {
                    EdsError::Malformed(format!("purpose `{word}` is neither `nca` nor an OID"))
                })?);
        }
        if !purposes.nca_profile && purposes.listed.is_empty() {
            purposes.nca_profile = true;
        }
        Ok(purposes)
    }

    /// Whether a leaf naming `named` may sign in.
    pub fn allow(&self, named: &[ObjectIdentifier]) -> bool {
        if named.contains(&OID_OCSP_SIGNING) || named.contains(&OID_TIME_STAMPING) {
            return false;
        }
        named.contains(&OID_ANY_EXTENDED_KEY_USAGE)
            || (self.nca_profile && nca_person(named))
            || named.iter().any(|p| self.listed.contains(p))
    }
}

/// The words of a list variable, separated by commas, spaces or new lines.
fn list_words(text: Option<&str>) -> impl Iterator<Item = &str> {
    text.unwrap_or("")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
}

/// `eds_test_iins`: twelve-digit numbers, separated by commas or spaces.
pub fn parse_test_iins(text: Option<&str>) -> Result<Vec<String>, EdsError> {
    list_words(text)
        .map(|w| {
            if w.len() == 12 && w.bytes().all(|b| b.is_ascii_digit()) {
                Ok(w.to_owned())
            } else {
                Err(EdsError::Malformed(format!(
                    "test IIN `{w}` is not 12 digits"
                )))
            }
        })
        .collect()
}

impl Policy {
    /// The anchors from a PEM bundle; purposes as [`Purposes::parse`] reads them; no test
    /// IINs.
    pub fn from_config(anchors_pem: &str, purposes: Option<&str>) -> Result<Self, EdsError> {
        Ok(Self {
            anchors: parse_pem_bundle(anchors_pem)?,
            purposes: Purposes::parse(purposes)?,
            pins: Pins::default(),
        })
    }
}

/// A certificate as revocation lists name it: its issuer (the SHA-256 of the issuer's
/// distinguished name, DER) and its serial number. Serial `1` of one CA is not serial `1` of
/// another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertKey {
    pub issuer_key: String,
    pub serial_hex: String,
}

impl CertKey {
    pub fn of(cert: &Certificate) -> Result<Self, EdsError> {
        Ok(Self {
            issuer_key: name_key(&cert.tbs_certificate.issuer)?,
            serial_hex: serial_hex(cert),
        })
    }
}

/// The key under which a distinguished name is stored: SHA-256 of its DER, hex.
pub fn name_key(name: &Name) -> Result<String, EdsError> {
    use sha2::Digest as _;
    let der = name
        .to_der()
        .map_err(|e| EdsError::Malformed(e.to_string()))?;
    Ok(hex::encode(sha2::Sha256::digest(der)))
}

/// A sign-in that verified: who it is, and the path from the leaf to the anchor that proved it.
#[derive(Debug, Clone)]
pub struct Verified {
    pub holder: Holder,
    /// The leaf, the intermediates in order, and last the trust anchor.
    pub path: Vec<Certificate>,
}

impl Verified {
    /// Every certificate of the path a revocation can hit: the leaf and the intermediates
    /// (an anchor is withdrawn from the configuration, not revoked).
    pub fn revocable(&self) -> Result<Vec<CertKey>, EdsError> {
        self.path[..self.path.len().saturating_sub(1)]
            .iter()
            .map(CertKey::of)
            .collect()
    }
}

/// The certificate chain in `certificate_pem` (leaf first, then any intermediates), verified
/// against `policy` at `now`, without any signature over a message (a CMS signer's chain, or
/// the first half of a sign-in).
pub fn verify_chain(
    certificate_pem: &str,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Verified, EdsError> {
    let certs = parse_pem_bundle(certificate_pem)?;
    // What a person sends; the deployment's own bundles (anchors, pins) are not capped.
    too_many_sent(certs.len())?;
    let (leaf, intermediates) = certs.split_first().ok_or(EdsError::Untrusted)?;
    verify_path(leaf, intermediates, policy, now)
}

/// `leaf`'s chain through any of `intermediates` (in any order) to an anchor of `policy`,
/// and the leaf fit for `policy`'s purposes, at `now`.
fn verify_path(
    leaf: &Certificate,
    intermediates: &[Certificate],
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Verified, EdsError> {
    // The leaf: a person's certificate meant for signing in.
    check_critical_extensions(leaf)?;
    if is_ca(leaf)? || policy.anchors.iter().any(|a| a == leaf) {
        return Err(EdsError::NotAPerson);
    }
    let usage = extension::<KeyUsage>(leaf, OID_KEY_USAGE)?.ok_or(EdsError::KeyUsage)?;
    if !usage.digital_signature() {
        return Err(EdsError::KeyUsage);
    }
    // A key that may certify or sign revocation lists is an authority's, whatever it claims.
    if usage.key_cert_sign() || usage.crl_sign() {
        return Err(EdsError::NotAPerson);
    }
    if let Some(purposes) = extension::<ExtendedKeyUsage>(leaf, OID_EXTENDED_KEY_USAGE)?
        && !policy.purposes.allow(&purposes.0)
    {
        return Err(EdsError::Purpose);
    }
    // A key this service cannot verify with (or a weak one) is refused before anything else.
    PublicKey::of(leaf)?;
    let holder = holder_of(leaf)?;

    // Walk up: each certificate must be in validity and signed by the next, until an anchor.
    // Every CA on the way must allow as many intermediates below it as there are.
    let mut path = vec![leaf.clone()];
    let mut current = leaf;
    loop {
        within_validity(current, now)?;
        if let Some(anchor) = policy
            .anchors
            .iter()
            .find(|a| signed_by(current, a).is_ok())
        {
            within_validity(anchor, now)?;
            check_path_len(anchor, path.len() - 1)?;
            path.push(anchor.clone());
            break;
        }
        if path.len() - 1 == MAX_INTERMEDIATES {
            return Err(EdsError::Untrusted);
        }
        let issuer = intermediates
            .iter()
            .find(|c| !std::ptr::eq(*c, current) && signed_by(current, c).is_ok())
            .ok_or(EdsError::Untrusted)?;
        check_critical_extensions(issuer)?;
        if !may_issue(issuer)? {
            return Err(EdsError::Untrusted);
        }
        // Intermediates already on the path below this one.
        check_path_len(issuer, path.len() - 1)?;
        path.push(issuer.clone());
        current = issuer;
    }
    policy.pins.admit(leaf, &path[1])?;
    Ok(Verified { holder, path })
}

/// A CA's `pathLenConstraint` caps the intermediates that may follow it towards the leaf.
fn check_path_len(ca: &Certificate, intermediates_below: usize) -> Result<(), EdsError> {
    match extension::<BasicConstraints>(ca, OID_BASIC_CONSTRAINTS)?
        .and_then(|bc| bc.path_len_constraint)
    {
        Some(limit) if intermediates_below > usize::from(limit) => Err(EdsError::PathTooLong),
        _ => Ok(()),
    }
}

/// Verifies the chain as [`verify_chain`] does, and the leaf key's `signature` over `message`.
pub fn verify_sign_in(
    certificate_pem: &str,
    policy: &Policy,
    message: &[u8],
    signature: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, EdsError> {
    let verified = verify_chain(certificate_pem, policy, now)?;
    PublicKey::of(&verified.path[0])?.verify(message, signature, EcdsaEncoding::DerOrRaw)?;
    Ok(verified)
}

/// The message a sign-in signature covers: the purpose, the portal's origin and the nonce, so
/// that a signature made for anything else (another site, a document) is no sign-in here.
pub fn sign_in_message(origin: &str, nonce: &str) -> String {
    format!("jaria:sign-in:v1\norigin={origin}\nnonce={nonce}")
}

/// The person a leaf names: exactly one `serialNumber` attribute holding `IIN` + a valid IIN
/// (or a test IIN the deployment lists: [`crate::law::iin::accept_test_iins`]).
fn holder_of(leaf: &Certificate) -> Result<Holder, EdsError> {
    let subject = &leaf.tbs_certificate.subject;
    let serial = match attributes(subject, OID_SERIAL_NUMBER).as_slice() {
        [] => return Err(EdsError::NoIin),
        [one] => one.clone().ok_or(EdsError::NoIin)?,
        _ => return Err(EdsError::AmbiguousSubject),
    };
    let digits = serial.strip_prefix("IIN").ok_or(EdsError::NoIin)?;
    let iin = Iin::parse(digits).map_err(EdsError::BadIin)?;
    let full_name = attribute(subject, OID_COMMON_NAME)
        .or_else(|| {
            let surname = attribute(subject, OID_SURNAME)?;
            let given = attribute(subject, OID_GIVEN_NAME).unwrap_or_default();
            Some(format!("{surname} {given}").trim().to_owned())
        })
        .unwrap_or_default();
    Ok(Holder {
        iin,
        full_name,
        serial_hex: serial_hex(leaf),
        organisation: organisation_of(leaf)?,
    })
}

/// The organisation an NCA organisation key names: a `BIN` + 12 digits in the subject's
/// organisational unit, the organisation's name, and a person's role OID among its purposes.
/// Anything less is a person's own key (`None`). The BIN is taken as the trusted CA certified
/// it (NCA's test BIN fails the checksum, as its test IIN does).
fn organisation_of(leaf: &Certificate) -> Result<Option<Organisation>, EdsError> {
    let subject = &leaf.tbs_certificate.subject;
    let bins: Vec<String> = attributes(subject, OID_ORGANISATIONAL_UNIT)
        .into_iter()
        .flatten()
        .filter_map(|unit| {
            unit.strip_prefix("BIN")
                .filter(|d| d.len() == 12 && d.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_owned)
        })
        .collect();
    let bin = match bins.as_slice() {
        [] => return Ok(None),
        [one] => one.clone(),
        _ => return Err(EdsError::AmbiguousSubject),
    };
    let purposes = extension::<ExtendedKeyUsage>(leaf, OID_EXTENDED_KEY_USAGE)?
        .map(|eku| eku.0)
        .unwrap_or_default();
    let role = if purposes.contains(&OID_NCA_HEAD) {
        OrganisationRole::Head
    } else if purposes.contains(&OID_NCA_SIGNING_RIGHT) {
        OrganisationRole::SigningRight
    } else if purposes.contains(&OID_NCA_EMPLOYEE) {
        OrganisationRole::Employee
    } else {
        return Ok(None);
    };
    Ok(Some(Organisation {
        bin,
        name: attribute(subject, OID_ORGANISATION).unwrap_or_default(),
        role,
    }))
}

/// The valid IIN a certificate's subject claims, if any (before anything is verified).
pub fn subject_iin(cert: &Certificate) -> Option<String> {
    holder_of(cert).ok().map(|h| h.iin.as_str().to_owned())
}

/// A certificate's serial number as lower-case hex without leading zeros.
pub fn serial_hex(cert: &Certificate) -> String {
    let hex = hex::encode(cert.tbs_certificate.serial_number.as_bytes());
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Normalises an admin-entered serial number the same way (hex, any case, optional colons).
pub fn normalise_serial(text: &str) -> Option<String> {
    let hex: String = text.chars().filter(|c| *c != ':' && *c != ' ').collect();
    if hex.is_empty() || hex.len() > 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let trimmed = lower.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    })
}

#[cfg(test)]
mod nca_tests;
#[cfg(test)]
mod tests;
