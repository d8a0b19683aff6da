//! CMS `SignedData` (RFC 5652) as NCALayer, KAZTOKEN, eGov Mobile and
//! `openssl cms -sign -binary -outform DER [-nodetach]` make it: one signer, its certificate
//! chain inside, signed attributes (content type, message digest, signing time), the content
//! attached or detached. Verified against the bytes the caller expects (a sign-in challenge, a
//! filing's summary), never against whatever the envelope happens to carry.
//!
//! The signature covers the signed attributes exactly as the signer encoded them: they are
//! taken from the original bytes (the `[0]` tag turned into `SET OF`, RFC 5652 §5.4), because
//! decoding sorts a `SET OF` and a signer that did not would otherwise never verify.

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::time::Time;

use super::{EdsError, Policy, PublicKey, Verified, verify_path};

/// Largest CMS accepted: a signature, a leaf and a few intermediates (and, attached, a
/// sign-in challenge or a filing summary).
pub const MAX_CMS_BYTES: usize = 64 * 1024;

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// `id-aa-signingCertificateV2` (RFC 5035), which NCA's Kalkan and NCALayer add.
const OID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const OID_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
/// Streebog-512 (GOST 34.11-2015) as the national CA names it.
const OID_STREEBOG_512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.3.3");
const OID_GOST_512_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2");
const OID_GOST_512_SIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.3.2");

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");

/// The digests a CMS signature may use here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
    Sha512,
    Streebog512,
}

impl Hash {
    fn of(oid: ObjectIdentifier) -> Option<Self> {
        match oid {
            o if o == OID_SHA256 => Some(Hash::Sha256),
            o if o == OID_SHA384 => Some(Hash::Sha384),
            o if o == OID_SHA512 => Some(Hash::Sha512),
            o if o == OID_STREEBOG_512 => Some(Hash::Streebog512),
            _ => None,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        match self {
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
            Hash::Streebog512 => jaria_gost::streebog512(data),
        }
    }
}

/// How the signer's key signed the digest of the signed attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scheme {
    Pkcs1v15,
    Pss {
        salt_len: usize,
    },
    Ecdsa,
    /// GOST 34.10-2015 with Streebog-512.
    Gost,
}

/// What the signature must be about: exactly these bytes, signed in this time window.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub content: &'a [u8],
    /// The signing time must fall within `[signed_after, signed_before]`.
    pub signed_after: DateTime<Utc>,
    pub signed_before: DateTime<Utc>,
}

/// A CMS signature that verified: whose chain proved it, and when the signer says they signed.
#[derive(Debug, Clone)]
pub struct SignedBy {
    pub verified: Verified,
    pub signing_time: DateTime<Utc>,
    /// Whether the content travelled inside the CMS (`-nodetach`) or beside it.
    pub attached: bool,
}

fn malformed(what: impl std::fmt::Display) -> EdsError {
    EdsError::CmsMalformed(what.to_string())
}

/// The DER of a CMS from what a client sends: base64 of DER, or PEM (`-----BEGIN CMS-----`,
/// as NCALayer's `basics` module answers, or `PKCS7`).
pub fn decode_transport(text: &str) -> Result<Vec<u8>, EdsError> {
    use base64::Engine as _;
    let body: String = if text.contains("-----BEGIN") {
        text.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .concat()
    } else {
        text.to_owned()
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&compact))
        .map_err(|_| malformed("the CMS is not base64"))?;
    if der.len() > MAX_CMS_BYTES {
        return Err(malformed("the CMS is too large"));
    }
    Ok(der)
}

/// Verifies `der` (a `ContentInfo` holding `SignedData`) as a signature over `expected`, by a
/// certificate whose chain leads to an anchor of `policy` at `now`.
pub fn verify(
    der: &[u8],
    expected: &Expected<'_>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<SignedBy, EdsError> {
    if der.len() > MAX_CMS_BYTES {
        return Err(malformed("the CMS is too large"));
    }
    // Signers that stream (indefinite lengths, a content cut into pieces) send BER: read as
    // the DER it stands for. DER comes through unchanged, and so do the signed attributes.
    let normalised = super::ber::to_der(der)?;
    let der = normalised.as_slice();
    let info = ContentInfo::from_der(der).map_err(malformed)?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(malformed("not a SignedData"));
    }
    let signed_data_der = info.content.to_der().map_err(malformed)?;
    let signed: SignedData = SignedData::from_der(&signed_data_der).map_err(malformed)?;
    if signed.encap_content_info.econtent_type != OID_DATA {
        return Err(EdsError::CmsOtherContent);
    }
    let signer = match signed.signer_infos.0.as_slice() {
        [one] => one,
        [] => return Err(EdsError::CmsSigner),
        _ => return Err(malformed("more than one signer")),
    };

    // The content: what is attached must be exactly what we expect; detached, it is ours.
    let attached = match &signed.encap_content_info.econtent {
        Some(any) => {
            let content = any.decode_as::<OctetString>().map_err(malformed)?;
            if content.as_bytes() != expected.content {
                return Err(EdsError::CmsOtherContent);
            }
            true
        }
        None => false,
    };

    let hash = Hash::of(signer.digest_alg.oid).ok_or(EdsError::UnsupportedAlgorithm)?;
    let attributes = SignedAttributes::of(signer)?;
    if attributes.content_type != OID_DATA {
        return Err(EdsError::CmsAttributes("content type"));
    }
    if attributes.message_digest != hash.digest(expected.content) {
        return Err(EdsError::CmsOtherContent);
    }
    if attributes.signing_time < expected.signed_after
        || attributes.signing_time > expected.signed_before
    {
        return Err(EdsError::CmsSigningTime);
    }

    // The signer's certificate, named by issuer and serial or by key identifier, and the rest
    // of the set as the intermediates its chain may use.
    let certificates: Vec<Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|choice| match choice {
                    CertificateChoices::Certificate(cert) => Some(cert.clone()),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    super::too_many_sent(certificates.len())?;
    let position = certificates
        .iter()
        .position(|cert| names(&signer.sid, cert))
        .ok_or(EdsError::CmsSigner)?;
    let mut chain = certificates;
    let leaf = chain.remove(position);
    if let Some(named) = &attributes.signing_certificate {
        use sha2::Digest as _;
        let der = leaf.to_der().map_err(malformed)?;
        if sha2::Sha256::digest(&der).as_slice() != named.as_slice() {
            return Err(EdsError::CmsAttributes("signing certificate"));
        }
    }
    // The signer's own signature first: one check, and a forgery is refused before its
    // chain costs any.
    let scheme = scheme_of(signer, hash)?;
    let signed_bytes = signed_attributes_der(der)?;
    PublicKey::of(&leaf)?.verify_digest(
        scheme,
        hash,
        &hash.digest(&signed_bytes),
        signer.signature.as_bytes(),
    )?;
    let verified = verify_path(&leaf, &chain, policy, now)?;
    Ok(SignedBy {
        verified,
        signing_time: attributes.signing_time,
        attached,
    })
}

/// The signed attributes a signature here must carry, each exactly once, and the one it may.
struct SignedAttributes {
    content_type: ObjectIdentifier,
    message_digest: Vec<u8>,
    signing_time: DateTime<Utc>,
    /// The SHA-256 of the certificate the signer says it signed with (`signingCertificateV2`,
    /// RFC 5035), when present: it must be the certificate that verifies.
    signing_certificate: Option<Vec<u8>>,
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }`.
#[derive(der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<der::Any>,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }`.
#[derive(der::Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<spki::AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<der::Any>,
}

impl SignedAttributes {
    fn of(signer: &SignerInfo) -> Result<Self, EdsError> {
        let attributes = signer
            .signed_attrs
            .as_ref()
            .ok_or(EdsError::CmsAttributes("signed attributes"))?;
        let single = |oid: ObjectIdentifier, name: &'static str| -> Result<der::Any, EdsError> {
            let mut found = attributes.iter().filter(|a: &&Attribute| a.oid == oid);
            let attribute = found.next().ok_or(EdsError::CmsAttributes(name))?;
            if found.next().is_some() || attribute.values.len() != 1 {
                return Err(EdsError::CmsAttributes(name));
            }
            attribute
                .values
                .get(0)
                .cloned()
                .ok_or(EdsError::CmsAttributes(name))
        };
        let content_type = single(OID_CONTENT_TYPE, "content type")?
            .decode_as::<ObjectIdentifier>()
            .map_err(|_| EdsError::CmsAttributes("content type"))?;
        let message_digest = single(OID_MESSAGE_DIGEST, "message digest")?
            .decode_as::<OctetString>()
            .map_err(|_| EdsError::CmsAttributes("message digest"))?
            .as_bytes()
            .to_vec();
        let time = single(OID_SIGNING_TIME, "signing time")?
            .to_der()
            .ok()
            .and_then(|der| Time::from_der(&der).ok())
            .ok_or(EdsError::CmsAttributes("signing time"))?;
        let seconds = i64::try_from(time.to_unix_duration().as_secs())
            .map_err(|_| EdsError::CmsAttributes("signing time"))?;
        let signing_time = DateTime::<Utc>::from_timestamp(seconds, 0)
            .ok_or(EdsError::CmsAttributes("signing time"))?;
        let signing_certificate = match attributes
            .iter()
            .filter(|a: &&Attribute| a.oid == OID_SIGNING_CERTIFICATE_V2)
            .count()
        {
            0 => None,
            _ => Some(
                single(OID_SIGNING_CERTIFICATE_V2, "signing certificate")?
                    .decode_as::<SigningCertificateV2>()
                    .ok()
                    .and_then(|v2| v2.certs.into_iter().next())
                    // Only the default hash (SHA-256), what every signer here uses.
                    .filter(|id| {
                        id.hash_algorithm
                            .as_ref()
                            .is_none_or(|a| a.oid == OID_SHA256)
                    })
                    .map(|id| id.cert_hash.as_bytes().to_vec())
                    .ok_or(EdsError::CmsAttributes("signing certificate"))?,
            ),
        };
        Ok(Self {
            content_type,
            message_digest,
            signing_time,
            signing_certificate,
        })
    }
}

/// Whether `sid` names `cert`.
fn names(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            id.issuer == cert.tbs_certificate.issuer
                && id.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(id) => cert
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == OID_SUBJECT_KEY_IDENTIFIER)
            .any(|e| {
                SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).is_ok_and(|ski| ski == *id)
            }),
    }
}

/// The signature scheme, which must use the same digest as the signer info says.
fn scheme_of(signer: &SignerInfo, hash: Hash) -> Result<Scheme, EdsError> {
    let alg = &signer.signature_algorithm;
    let same_hash = |h: Hash| {
        if h == hash {
            Ok(())
        } else {
            Err(EdsError::UnsupportedAlgorithm)
        }
    };
    match alg.oid {
        o if o == OID_RSA_ENCRYPTION => Ok(Scheme::Pkcs1v15),
        o if o == OID_RSA_SHA256 => same_hash(Hash::Sha256).map(|()| Scheme::Pkcs1v15),
        o if o == OID_RSA_SHA384 => same_hash(Hash::Sha384).map(|()| Scheme::Pkcs1v15),
        o if o == OID_RSA_SHA512 => same_hash(Hash::Sha512).map(|()| Scheme::Pkcs1v15),
        o if o == OID_EC_PUBLIC_KEY => Ok(Scheme::Ecdsa),
        o if o == OID_ECDSA_SHA256 => same_hash(Hash::Sha256).map(|()| Scheme::Ecdsa),
        o if o == OID_ECDSA_SHA384 => same_hash(Hash::Sha384).map(|()| Scheme::Ecdsa),
        o if o == OID_ECDSA_SHA512 => same_hash(Hash::Sha512).map(|()| Scheme::Ecdsa),
        o if o == OID_GOST_512_KEY || o == OID_GOST_512_SIGNATURE => {
            same_hash(Hash::Streebog512).map(|()| Scheme::Gost)
        }
        o if o == OID_RSA_PSS => {
            let params = alg
                .parameters
                .as_ref()
                .ok_or(EdsError::UnsupportedAlgorithm)?
                .to_der()
                .map_err(malformed)?;
            let pss = rsa::pkcs1::RsaPssParams::from_der(&params).map_err(malformed)?;
            same_hash(Hash::of(pss.hash.oid).ok_or(EdsError::UnsupportedAlgorithm)?)?;
            if pss.mask_gen.oid != OID_MGF1 {
                return Err(EdsError::UnsupportedAlgorithm);
            }
            let mgf_hash = pss
                .mask_gen
                .parameters
                .as_ref()
                .and_then(|p| Hash::of(p.oid))
                .ok_or(EdsError::UnsupportedAlgorithm)?;
            same_hash(mgf_hash)?;
            Ok(Scheme::Pss {
                salt_len: usize::from(pss.salt_len),
            })
        }
        _ => Err(EdsError::UnsupportedAlgorithm),
    }
}

/// The signed attributes of the (single) signer exactly as encoded, re-tagged as `SET OF`:
/// the bytes the signature covers (RFC 5652 §5.4).
fn signed_attributes_der(der: &[u8]) -> Result<Vec<u8>, EdsError> {
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData }
    let content_info = Tlv::read(der)?.tagged(0x30)?;
    let mut fields = content_info.children();
    fields.next_tlv()?; // contentType
    let explicit = fields.next_tlv()?.tagged(0xA0)?;
    let signed_data = explicit.children().next_tlv()?.tagged(0x30)?;
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
    //   [0] certificates OPTIONAL, [1] crls OPTIONAL, signerInfos SET OF }
    let mut fields = signed_data.children();
    let mut signer_infos = None;
    while let Some(field) = fields.next_opt()? {
        signer_infos = Some(field);
    }
    let signer_infos = signer_infos.ok_or_else(|| malformed("no signer infos"))?;
    let signer_info = signer_infos
        .tagged(0x31)?
        .children()
        .next_tlv()?
        .tagged(0x30)?;
    // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, ... }
    let mut fields = signer_info.children();
    for _ in 0..3 {
        fields.next_tlv()?;
    }
    let attrs = fields.next_tlv()?.tagged(0xA0)?;
    let mut bytes = attrs.whole.to_vec();
    bytes[0] = 0x31;
    Ok(bytes)
}

/// One DER tag-length-value (definite lengths, single-byte tags: all CMS needs here).
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    whole: &'a [u8],
    value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The first TLV of `input`.
    fn read(input: &'a [u8]) -> Result<Self, EdsError> {
        let bad = || malformed("bad DER length");
        let (&tag, rest) = input.split_first().ok_or_else(bad)?;
        if tag & 0x1F == 0x1F {
            return Err(malformed("multi-byte tag"));
        }
        let (&first, rest) = rest.split_first().ok_or_else(bad)?;
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let count = usize::from(first & 0x7F);
            if count == 0 || count > 4 || rest.len() < count {
                return Err(bad());
            }
            let len = rest[..count]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, 2 + count)
        };
        let end = header.checked_add(len).ok_or_else(bad)?;
        let whole = input.get(..end).ok_or_else(bad)?;
        Ok(Tlv {
            tag,
            whole,
            value: &whole[header..],
        })
    }

    fn tagged(self, tag: u8) -> Result<Self, EdsError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(malformed(format!(
                "expected tag {tag:#04x}, found {:#04x}",
                self.tag
            )))
        }
    }

    fn children(self) -> Children<'a> {
        Children { rest: self.value }
    }
}

/// The TLVs inside a constructed value, in order.
struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Children<'a> {
    fn next_opt(&mut self) -> Result<Option<Tlv<'a>>, EdsError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let tlv = Tlv::read(self.rest)?;
        self.rest = &self.rest[tlv.whole.len()..];
        Ok(Some(tlv))
    }

    fn next_tlv(&mut self) -> Result<Tlv<'a>, EdsError> {
        self.next_opt()?
            .ok_or_else(|| malformed("a structure ends too early"))
    }
}

#[cfg(test)]
mod tests;
