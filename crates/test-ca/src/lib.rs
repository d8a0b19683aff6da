//! A test certificate authority for Jaria's tests and demo: it issues certificates shaped like
//! the national CA's (IIN in the subject's `serialNumber` as `IIN` + 12 digits), including the
//! broken ones tests need (expired, wrong usage, bad IIN, weak key), and signs sign-in
//! challenges the way OpenSSL (DER) and WebCrypto (raw r‖s) do. Never used in production.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams,
    SerialNumber, SubjectPublicKeyInfo,
};
use time::OffsetDateTime;

mod cms;
pub mod nca;
pub use cms::CmsOptions;

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("key handling: {0}")]
    Key(String),
}

type Result<T> = std::result::Result<T, CaError>;

fn key_err(e: impl std::fmt::Display) -> CaError {
    CaError::Key(e.to_string())
}

/// A certificate authority (root or intermediate) that can issue certificates.
pub struct Authority {
    params_cert: rcgen::Certificate,
    key: KeyPair,
    /// This authority's certificate, PEM.
    pub cert_pem: String,
}

/// The key algorithm of an issued person's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    EcdsaP256,
    Ed25519,
    Rsa2048,
    /// Too weak: the portal must refuse it.
    Rsa1024,
    /// GOST 34.10-2015, 512 bits: only ever NCA's own keys ([`Person::from_nca_p12`]), never
    /// issued here.
    Gost512,
}

/// What to put in a person's certificate.
#[derive(Debug, Clone)]
pub struct PersonSpec {
    /// The subject's `serialNumber` value, normally `IIN` + 12 digits.
    pub serial_attribute: String,
    pub common_name: String,
    pub algorithm: KeyAlgorithm,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Whether the key usage includes digital signatures.
    pub digital_signature: bool,
    /// Issue it as a CA certificate (which must not be accepted for sign-in).
    pub is_ca: bool,
    /// The purposes (extended key usage); empty means the extension is left out.
    pub purposes: Vec<Purpose>,
    /// Only non-repudiation in the key usage (a certificate for signing documents).
    pub non_repudiation_only: bool,
}

/// An extended key usage a test certificate may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// id-kp-clientAuth: what the national CA's authentication certificates say.
    ClientAuth,
    /// id-kp-emailProtection: what its signing (`RSA256_…`) certificates say.
    EmailProtection,
    /// id-kp-OCSPSigning: a delegated OCSP responder.
    OcspSigning,
}

impl Purpose {
    fn rcgen(self) -> ExtendedKeyUsagePurpose {
        match self {
            Purpose::ClientAuth => ExtendedKeyUsagePurpose::ClientAuth,
            Purpose::EmailProtection => ExtendedKeyUsagePurpose::EmailProtection,
            Purpose::OcspSigning => ExtendedKeyUsagePurpose::OcspSigning,
        }
    }
}

impl PersonSpec {
    /// A valid two-year ECDSA P-256 certificate for this IIN.
    pub fn new(iin: &str, common_name: &str) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            serial_attribute: format!("IIN{iin}"),
            common_name: common_name.to_owned(),
            algorithm: KeyAlgorithm::EcdsaP256,
            not_before: now - time::Duration::days(1),
            not_after: now + time::Duration::days(730),
            digital_signature: true,
            is_ca: false,
            purposes: vec![Purpose::ClientAuth],
            non_repudiation_only: false,
        }
    }

    pub fn purposes(mut self, purposes: &[Purpose]) -> Self {
        self.purposes = purposes.to_vec();
        self
    }

    /// A certificate for signing documents only (non-repudiation), not for signing in.
    pub fn non_repudiation_only(mut self) -> Self {
        self.non_repudiation_only = true;
        self.purposes = vec![Purpose::EmailProtection];
        self
    }

    pub fn algorithm(mut self, algorithm: KeyAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    pub fn expired(mut self) -> Self {
        let now = OffsetDateTime::now_utc();
        self.not_before = now - time::Duration::days(400);
        self.not_after = now - time::Duration::days(1);
        self
    }

    pub fn without_digital_signature(mut self) -> Self {
        self.digital_signature = false;
        self
    }
}

/// An issued certificate with its private key.
#[derive(Clone)]
pub struct Person {
    pub cert_pem: String,
    /// PKCS#8 private key, PEM (what a person would hold in their key file).
    pub key_pem: String,
    pub algorithm: KeyAlgorithm,
    /// Serial number, lower-case hex without leading zeros.
    pub serial_hex: String,
    signer: Signer,
}

#[derive(Clone)]
enum Signer {
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(rsa::pkcs1v15::SigningKey<sha2::Sha256>),
    Gost(jaria_gost::SigningKey),
}

impl Authority {
    /// A new self-signed root with a fresh ECDSA P-256 key.
    pub fn new_root(common_name: &str) -> Result<Self> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(3650);
        params.serial_number = Some(random_serial());
        let cert = params.self_signed(&key)?;
        Ok(Self {
            cert_pem: cert.pem(),
            params_cert: cert,
            key,
        })
    }

    /// A root loaded from its certificate and PKCS#8 key (a committed fixture or the demo's).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self> {
        let key = KeyPair::from_pem(key_pem)?;
        let params = CertificateParams::from_ca_cert_pem(cert_pem)?;
        // Re-signing the same parameters with the same key keeps subject and key identical,
        // which is all issuing needs; the original PEM stays the trusted one.
        let cert = params.self_signed(&key)?;
        Ok(Self {
            cert_pem: cert_pem.to_owned(),
            params_cert: cert,
            key,
        })
    }

    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// An intermediate CA signed by this authority, issuing only end-entity certificates.
    pub fn intermediate(&self, common_name: &str) -> Result<Authority> {
        self.intermediate_with_path_len(common_name, Some(0))
    }

    /// An intermediate CA allowing `path_len` further intermediates below it (`None`: any).
    pub fn intermediate_with_path_len(
        &self,
        common_name: &str,
        path_len: Option<u8>,
    ) -> Result<Authority> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(match path_len {
            Some(n) => BasicConstraints::Constrained(n),
            None => BasicConstraints::Unconstrained,
        });
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(1825);
        params.serial_number = Some(random_serial());
        let cert = params.signed_by(&key, &self.params_cert, &self.key)?;
        Ok(Authority {
            cert_pem: cert.pem(),
            params_cert: cert,
            key,
        })
    }

    /// A revocation list of this authority naming `revoked` (serials as lower-case hex),
    /// issued `this_update` and promising the next by `next_update`; PEM.
    pub fn crl(
        &self,
        revoked: &[&str],
        crl_number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> Result<String> {
        let revoked_certs = revoked
            .iter()
            .map(|hex| {
                // Serials are written without leading zeros: an odd count of digits has lost
                // half a byte in front.
                let hex = if hex.len() % 2 == 1 {
                    format!("0{hex}")
                } else {
                    (*hex).to_owned()
                };
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..(i + 2).min(hex.len())], 16))
                    .collect::<std::result::Result<Vec<u8>, _>>()
                    .map_err(key_err)?;
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&bytes),
                    revocation_time: this_update - time::Duration::hours(1),
                    reason_code: None,
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(crl_number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.params_cert, &self.key)?.pem()?)
    }

    /// The certificate in `cert_pem`, changed by `edit` and signed again with this authority's
    /// key (P-256, as rcgen makes them): for certificates rcgen cannot make, such as a subject
    /// with two `serialNumber` attributes. Returns PEM.
    pub fn resign(
        &self,
        cert_pem: &str,
        edit: impl FnOnce(&mut x509_cert::TbsCertificate),
    ) -> Result<String> {
        use p256::pkcs8::DecodePrivateKey as _;
        use x509_cert::der::{Decode as _, DecodePem as _, Encode as _, EncodePem as _};
        let mut cert = x509_cert::Certificate::from_pem(cert_pem.as_bytes()).map_err(key_err)?;
        edit(&mut cert.tbs_certificate);
        let tbs = cert.tbs_certificate.to_der().map_err(key_err)?;
        let key =
            p256::ecdsa::SigningKey::from_pkcs8_pem(&self.key.serialize_pem()).map_err(key_err)?;
        let signature: p256::ecdsa::Signature = signature_traits::Signer::sign(&key, &tbs);
        cert.signature = x509_cert::der::asn1::BitString::from_bytes(signature.to_der().as_bytes())
            .map_err(key_err)?;
        let _ =
            x509_cert::Certificate::from_der(&cert.to_der().map_err(key_err)?).map_err(key_err)?;
        cert.to_pem(x509_cert::der::pem::LineEnding::LF)
            .map_err(key_err)
    }

    /// Issues a person's certificate.
    pub fn issue(&self, spec: &PersonSpec) -> Result<Person> {
        let (signer, key_pem, spki_der) = new_key(spec.algorithm)?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, spec.common_name.as_str());
        params.distinguished_name.push(
            DnType::CustomDnType(vec![2, 5, 4, 5]),
            spec.serial_attribute.as_str(),
        );
        params.distinguished_name.push(DnType::CountryName, "KZ");
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        params.extended_key_usages = spec.purposes.iter().map(|p| p.rcgen()).collect();
        params.key_usages = if spec.non_repudiation_only {
            vec![KeyUsagePurpose::ContentCommitment]
        } else if spec.digital_signature {
            vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ]
        } else {
            vec![KeyUsagePurpose::KeyEncipherment]
        };
        // Real EDS certificates say explicitly that they are not a CA, and name their issuer's
        // key; both also make rcgen write the extensions at all.
        params.is_ca = if spec.is_ca {
            IsCa::Ca(BasicConstraints::Unconstrained)
        } else {
            IsCa::ExplicitNoCa
        };
        params.use_authority_key_identifier_extension = true;
        let serial = random_serial();
        let serial_hex = {
            let hex: String = serial.as_ref().iter().map(|b| format!("{b:02x}")).collect();
            let trimmed = hex.trim_start_matches('0');
            if trimmed.is_empty() {
                "0".to_owned()
            } else {
                trimmed.to_owned()
            }
        };
        params.serial_number = Some(serial);
        let public = SubjectPublicKeyInfo::from_der(&spki_der)?;
        let cert = params.signed_by(&public, &self.params_cert, &self.key)?;
        Ok(Person {
            cert_pem: cert.pem(),
            key_pem,
            algorithm: spec.algorithm,
            serial_hex,
            signer,
        })
    }
}

fn random_serial() -> SerialNumber {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x01; // no leading zero byte
    SerialNumber::from_slice(&bytes)
}

fn new_key(algorithm: KeyAlgorithm) -> Result<(Signer, String, Vec<u8>)> {
    let mut rng = rand::thread_rng();
    match algorithm {
        KeyAlgorithm::EcdsaP256 => {
            let key = p256::ecdsa::SigningKey::random(&mut rng);
            let (pem, spki) = encode(&key, key.verifying_key())?;
            Ok((Signer::P256(key), pem, spki))
        }
        KeyAlgorithm::Ed25519 => {
            let key = ed25519_dalek::SigningKey::generate(&mut rng);
            let (pem, spki) = encode(&key, &key.verifying_key())?;
            Ok((Signer::Ed25519(key), pem, spki))
        }
        KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa1024 => {
            let bits = if algorithm == KeyAlgorithm::Rsa2048 {
                2048
            } else {
                1024
            };
            let key = rsa::RsaPrivateKey::new(&mut rng, bits).map_err(key_err)?;
            let (pem, spki) = encode(&key, &key.to_public_key())?;
            Ok((Signer::Rsa(rsa::pkcs1v15::SigningKey::new(key)), pem, spki))
        }
        KeyAlgorithm::Gost512 => Err(key_err(
            "GOST keys are NCA's own (Person::from_nca_p12); this authority does not make them",
        )),
    }
}

/// A private key as PKCS#8 PEM and its public key as SubjectPublicKeyInfo DER.
fn encode(
    private: &impl p256::pkcs8::EncodePrivateKey,
    public: &impl p256::pkcs8::EncodePublicKey,
) -> Result<(String, Vec<u8>)> {
    let pem = private
        .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
        .map_err(key_err)?
        .to_string();
    let spki = public.to_public_key_der().map_err(key_err)?.into_vec();
    Ok((pem, spki))
}

impl Person {
    /// A person from their certificate and PKCS#8 private key (the demo's files).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Person> {
        use p256::pkcs8::DecodePrivateKey;
        let (signer, algorithm) = if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(key_pem) {
            (Signer::P256(k), KeyAlgorithm::EcdsaP256)
        } else if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(key_pem) {
            (Signer::Ed25519(k), KeyAlgorithm::Ed25519)
        } else {
            let k = rsa::RsaPrivateKey::from_pkcs8_pem(key_pem).map_err(key_err)?;
            (
                Signer::Rsa(rsa::pkcs1v15::SigningKey::new(k)),
                KeyAlgorithm::Rsa2048,
            )
        };
        Ok(Person {
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
            algorithm,
            serial_hex: String::new(),
            signer,
        })
    }

    /// A person from one of NCA's own key files (`.p12`, GOST 34.10-2015 512-bit), opened with
    /// its password. `key_pem` is empty: the key never existed as PEM.
    pub fn from_nca_p12(p12: &[u8], password: &str) -> Result<Person> {
        use x509_cert::der::{Decode, EncodePem};
        let file = nca::open(p12, password)?;
        let key = jaria_gost::SigningKey::from_le_bytes(
            jaria_gost::Curve::tc26_512_a(),
            &file.private_le,
        )
        .map_err(|e| key_err(format!("{e:?}")))?;
        let cert = x509_cert::Certificate::from_der(&file.certificate_der).map_err(key_err)?;
        let serial = hex::encode(cert.tbs_certificate.serial_number.as_bytes());
        Ok(Person {
            cert_pem: cert
                .to_pem(x509_cert::der::pem::LineEnding::LF)
                .map_err(key_err)?,
            key_pem: String::new(),
            algorithm: KeyAlgorithm::Gost512,
            serial_hex: serial.trim_start_matches('0').to_owned(),
            signer: Signer::Gost(key),
        })
    }

    /// Signs `message` as OpenSSL would: DER for ECDSA, raw for Ed25519, PKCS#1 v1.5 for RSA.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use signature_traits::Signer as _;
        match &self.signer {
            Signer::P256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
            Signer::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
            // As NCA encodes it: r ‖ s, each little-endian, over Streebog-512.
            Signer::Gost(key) => key.sign(message),
            Signer::Rsa(key) => {
                use rsa::signature::SignatureEncoding;
                key.sign(message).to_vec()
            }
        }
    }

    /// Signs as WebCrypto does: raw r‖s for ECDSA (64 bytes); the others as [`Person::sign`].
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        use signature_traits::Signer as _;
        match &self.signer {
            Signer::P256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(message);
                sig.to_bytes().to_vec()
            }
            _ => self.sign(message),
        }
    }

    /// [`Person::sign`], base64 (standard alphabet), as the sign-in API takes it.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        STANDARD.encode(self.sign(message))
    }
}

/// The `signature` crate's traits, re-exported through p256 to keep one version.
mod signature_traits {
    pub use p256::ecdsa::signature::Signer;
}
