//! CMS `SignedData` as NCALayer and `openssl cms -sign` make it, built by hand so that tests
//! can also make the broken ones: signed over other content, at another time, without the
//! signer's certificate.

use std::time::{Duration, SystemTime};

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use x509_cert::der::{Any, Decode, DecodePem, Encode};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use crate::{Person, Signer, key_err};

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// Streebog-512 and GOST 34.10-2015 (512) with it, as NCA names them.
const OID_STREEBOG_512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.3.3");
const OID_GOST_512_SIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.3.2");
const OID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// How to make a CMS signature.
#[derive(Debug, Clone)]
pub struct CmsOptions {
    /// The content inside the CMS (`-nodetach`), or beside it.
    pub attached: bool,
    /// The signing time attribute.
    pub signing_time: SystemTime,
    /// Certificates (PEM) to carry besides the signer's: its intermediates.
    pub chain_pem: Vec<String>,
    /// Leave the signer's own certificate out.
    pub without_signer_certificate: bool,
    /// Sign a digest of these bytes instead of the content (a signature over other content).
    pub digest_of: Option<Vec<u8>>,
    /// Name this certificate (PEM) in `signingCertificateV2` instead of the signer's own (which
    /// GOST signatures name, as Kalkan's do), and add the attribute whatever the algorithm.
    pub signing_certificate_pem: Option<String>,
}

impl Default for CmsOptions {
    fn default() -> Self {
        Self {
            attached: false,
            signing_time: SystemTime::now(),
            chain_pem: Vec::new(),
            without_signer_certificate: false,
            digest_of: None,
            signing_certificate_pem: None,
        }
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> crate::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(key_err)?,
    })
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).to_vec()
}

impl Person {
    /// A CMS `SignedData` (DER) by this person over `content`, SHA-256, with the signed
    /// attributes content type, signing time and message digest, as NCALayer makes it.
    pub fn sign_cms(&self, content: &[u8], options: &CmsOptions) -> crate::Result<Vec<u8>> {
        let cert = Certificate::from_pem(self.cert_pem.as_bytes()).map_err(key_err)?;
        let seconds = options
            .signing_time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(key_err)?
            .as_secs();
        let time = UtcTime::from_unix_duration(Duration::from_secs(seconds)).map_err(key_err)?;
        let gost = matches!(self.signer, Signer::Gost(_));
        let digest_of = options.digest_of.as_deref().unwrap_or(content);
        let digest = if gost {
            jaria_gost::streebog512(digest_of)
        } else {
            sha256(digest_of)
        };
        let mut attributes = vec![
            attribute(
                OID_CONTENT_TYPE,
                Any::encode_from(&OID_DATA).map_err(key_err)?,
            )?,
            attribute(
                OID_SIGNING_TIME,
                Any::encode_from(&Time::UtcTime(time)).map_err(key_err)?,
            )?,
            attribute(
                OID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(digest).map_err(key_err)?).map_err(key_err)?,
            )?,
        ];
        if gost || options.signing_certificate_pem.is_some() {
            // As NCA's Kalkan adds it: the signer's certificate named by its SHA-256
            // (ESSCertIDv2, hash algorithm left at its default).
            let named = match &options.signing_certificate_pem {
                Some(pem) => Certificate::from_pem(pem.as_bytes()).map_err(key_err)?,
                None => cert.clone(),
            };
            let cert_hash = sha256(&named.to_der().map_err(key_err)?);
            let id = OctetString::new(cert_hash).map_err(key_err)?;
            let encoded_id = Any::encode_from(&SigningCertificateV2 {
                certs: vec![EssCertIdV2 { cert_hash: id }],
            })
            .map_err(key_err)?;
            attributes.push(attribute(OID_SIGNING_CERTIFICATE_V2, encoded_id)?);
        }
        let signed_attrs = SetOfVec::try_from(attributes).map_err(key_err)?;
        // The signature covers the attributes encoded as a SET OF (RFC 5652 §5.4).
        let to_sign = signed_attrs.to_der().map_err(key_err)?;
        let signature_oid = match &self.signer {
            Signer::Rsa(_) => OID_RSA_ENCRYPTION,
            Signer::P256(_) => OID_ECDSA_SHA256,
            Signer::Gost(_) => OID_GOST_512_SIGNATURE,
            Signer::Ed25519(_) => return Err(key_err("Ed25519 CMS is not made here")),
        };
        let signature = self.sign(&to_sign);
        let digest_id = if gost {
            AlgorithmIdentifierOwned {
                oid: OID_STREEBOG_512,
                parameters: Some(Any::null()),
            }
        } else {
            AlgorithmIdentifierOwned {
                oid: OID_SHA256,
                parameters: None,
            }
        };
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: cert.tbs_certificate.issuer.clone(),
                serial_number: cert.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: digest_id.clone(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: signature_oid,
                parameters: gost.then(Any::null),
            },
            signature: OctetString::new(signature).map_err(key_err)?,
            unsigned_attrs: None,
        };
        let mut certificates = Vec::new();
        if !options.without_signer_certificate {
            certificates.push(CertificateChoices::Certificate(cert));
        }
        for pem in &options.chain_pem {
            let extra = Certificate::from_pem(pem.as_bytes()).map_err(key_err)?;
            certificates.push(CertificateChoices::Certificate(extra));
        }
        let econtent = if options.attached {
            Some(Any::encode_from(&OctetString::new(content).map_err(key_err)?).map_err(key_err)?)
        } else {
            None
        };
        let signed_data = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![digest_id]).map_err(key_err)?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: OID_DATA,
                econtent,
            },
            certificates: Some(CertificateSet(
                SetOfVec::try_from(certificates).map_err(key_err)?,
            )),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(key_err)?),
        };
        let info = ContentInfo {
            content_type: OID_SIGNED_DATA,
            content: Any::encode_from(&signed_data).map_err(key_err)?,
        };
        let der = info.to_der().map_err(key_err)?;
        // What was made must read back as a CMS.
        ContentInfo::from_der(&der).map_err(key_err)?;
        Ok(der)
    }
}

/// `SigningCertificateV2` (RFC 5035) with one certificate, its hash algorithm the default.
#[derive(Debug, Clone, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

#[derive(Debug, Clone, der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}
