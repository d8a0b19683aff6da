//! NCA's own key files (`.p12`, as the national CA issues them and publishes its test keys):
//! opened here so that tests sign in and sign with the keys people actually hold, not with
//! look-alikes this crate made.
//!
//! What such a file is (pinned by the tests below on NCA's public test keys): PKCS#12 in BER
//! with indefinite lengths; the GOST key as PKCS#8 under pbeWithSHAAnd3-KeyTripleDES-CBC, its
//! scalar a 64-byte little-endian OCTET STRING inside the PKCS#8 OCTET STRING; the certificate
//! alone under pbeWithSHAAnd40BitRC2-CBC; an HMAC-SHA1 MAC; keys derived as RFC 7292
//! appendix B says, from the password as a NUL-terminated BMPString.

use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyIvInit, block_padding::Pkcs7};
use hmac::Mac as _;
use sha1::Digest as _;
use x509_cert::der::asn1::ObjectIdentifier;

use crate::{CaError, Result, key_err};

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const OID_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const OID_CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const OID_PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
const OID_PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";
const OID_GOST_512_KEY: &str = "1.2.398.3.10.1.1.2.2";

/// One BER element: its tag and either its bytes or its elements.
#[derive(Debug)]
enum Ber {
    Primitive { tag: u8, bytes: Vec<u8> },
    Constructed { tag: u8, items: Vec<Ber> },
}

fn bad(what: &str) -> CaError {
    CaError::Key(format!("not an NCA key file: {what}"))
}

impl Ber {
    fn tag(&self) -> u8 {
        match self {
            Ber::Primitive { tag, .. } | Ber::Constructed { tag, .. } => *tag,
        }
    }

    fn items(&self) -> &[Ber] {
        match self {
            Ber::Constructed { items, .. } => items,
            Ber::Primitive { .. } => &[],
        }
    }

    fn item(&self, index: usize) -> Result<&Ber> {
        self.items()
            .get(index)
            .ok_or_else(|| bad("missing element"))
    }

    /// The bytes of a primitive element, or of a constructed string's pieces joined.
    fn octets(&self) -> Vec<u8> {
        match self {
            Ber::Primitive { bytes, .. } => bytes.clone(),
            Ber::Constructed { items, .. } => items.iter().flat_map(Ber::octets).collect(),
        }
    }

    fn oid(&self) -> Result<String> {
        match self {
            Ber::Primitive { tag: 0x06, bytes } => ObjectIdentifier::from_bytes(bytes)
                .map(|oid| oid.to_string())
                .map_err(key_err),
            _ => Err(bad("expected an object identifier")),
        }
    }

    fn integer(&self) -> Result<u64> {
        match self {
            Ber::Primitive { tag: 0x02, bytes } if bytes.len() <= 8 => {
                Ok(bytes.iter().fold(0, |n, b| (n << 8) | u64::from(*b)))
            }
            _ => Err(bad("expected a small integer")),
        }
    }

    fn parse(input: &[u8]) -> Result<(Ber, &[u8])> {
        let (&tag, rest) = input.split_first().ok_or_else(|| bad("truncated"))?;
        if tag & 0x1f == 0x1f {
            return Err(bad("multi-byte tag"));
        }
        let (&first, mut rest) = rest.split_first().ok_or_else(|| bad("truncated"))?;
        let constructed = tag & 0x20 != 0;
        let length = match first {
            0x80 => None,
            n if n & 0x80 == 0 => Some(usize::from(n)),
            n => {
                let count = usize::from(n & 0x7f);
                if count > 4 || rest.len() < count {
                    return Err(bad("length"));
                }
                let (digits, after) = rest.split_at(count);
                rest = after;
                Some(digits.iter().fold(0, |n, b| (n << 8) | usize::from(*b)))
            }
        };
        match (constructed, length) {
            (false, Some(len)) if len <= rest.len() => {
                let (bytes, after) = rest.split_at(len);
                let bytes = bytes.to_vec();
                Ok((Ber::Primitive { tag, bytes }, after))
            }
            (true, Some(len)) if len <= rest.len() => {
                let (mut body, after) = rest.split_at(len);
                let mut items = Vec::new();
                while !body.is_empty() {
                    let (item, more) = Ber::parse(body)?;
                    items.push(item);
                    body = more;
                }
                Ok((Ber::Constructed { tag, items }, after))
            }
            (true, None) => {
                let mut items = Vec::new();
                loop {
                    if let Some(after) = rest.strip_prefix(&[0, 0]) {
                        return Ok((Ber::Constructed { tag, items }, after));
                    }
                    let (item, more) = Ber::parse(rest)?;
                    items.push(item);
                    rest = more;
                }
            }
            _ => Err(bad("length")),
        }
    }

    fn parse_whole(input: &[u8]) -> Result<Ber> {
        match Ber::parse(input)? {
            (ber, []) => Ok(ber),
            _ => Err(bad("trailing bytes")),
        }
    }
}

/// RFC 7292 appendix B.2 with SHA-1 (u = 20, v = 64): `n` bytes of key material of kind `id`
/// (1 key, 2 IV, 3 MAC key).
fn derive(password: &str, salt: &[u8], iterations: u64, id: u8, n: usize) -> Vec<u8> {
    const V: usize = 64;
    let mut bmp: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    bmp.extend([0, 0]);
    let fill = |x: &[u8]| -> Vec<u8> {
        if x.is_empty() {
            return Vec::new();
        }
        let len = V * x.len().div_ceil(V);
        x.iter().copied().cycle().take(len).collect()
    };
    let mut i = fill(salt);
    i.extend(fill(&bmp));
    let mut out = Vec::new();
    while out.len() < n {
        let mut a = sha1::Sha1::new()
            .chain_update([id; V])
            .chain_update(&i)
            .finalize()
            .to_vec();
        for _ in 1..iterations {
            a = sha1::Sha1::digest(&a).to_vec();
        }
        out.extend_from_slice(&a);
        // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        for block in i.chunks_mut(V) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(n);
    out
}

/// Decrypts what a PKCS#12 password-based algorithm (`alg`: its identifier) protects.
fn decrypt(alg: &Ber, password: &str, data: &[u8]) -> Result<Vec<u8>> {
    let oid = alg.item(0)?.oid()?;
    let params = alg.item(1)?;
    let salt = params.item(0)?.octets();
    let iterations = params.item(1)?.integer()?;
    let iv = derive(password, &salt, iterations, 2, 8);
    let mut buffer = data.to_vec();
    let plain = match oid.as_str() {
        OID_PBE_SHA1_3DES => {
            let key = derive(password, &salt, iterations, 1, 24);
            cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map_err(key_err)?
                .decrypt_padded_mut::<Pkcs7>(&mut buffer)
                .map_err(|_| bad("wrong password"))?
                .to_vec()
        }
        OID_PBE_SHA1_RC2_40 => {
            let key = derive(password, &salt, iterations, 1, 5);
            let cipher = rc2::Rc2::new_with_eff_key_len(&key, 40);
            cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
                .map_err(key_err)?
                .decrypt_padded_mut::<Pkcs7>(&mut buffer)
                .map_err(|_| bad("wrong password"))?
                .to_vec()
        }
        other => return Err(bad(&format!("encryption {other}"))),
    };
    Ok(plain)
}

/// What an NCA key file holds: the certificate (DER) and the GOST private scalar `d`
/// (64 bytes, little-endian).
pub struct KeyFile {
    pub certificate_der: Vec<u8>,
    pub private_le: Vec<u8>,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyFile(..)")
    }
}

/// Opens an NCA `.p12` with its password; the MAC is checked first, so a wrong password is
/// told as such.
pub fn open(p12: &[u8], password: &str) -> Result<KeyFile> {
    let pfx = Ber::parse_whole(p12)?;
    let auth_safe = pfx.item(1)?;
    if auth_safe.item(0)?.oid()? != OID_DATA {
        return Err(bad("public-key integrity mode"));
    }
    let safes_der = auth_safe.item(1)?.item(0)?.octets();
    let mac_data = pfx.item(2)?;
    let expected = mac_data.item(0)?.item(1)?.octets();
    let salt = mac_data.item(1)?.octets();
    let iterations = mac_data.item(2).and_then(Ber::integer).unwrap_or(1);
    let mac_key = derive(password, &salt, iterations, 3, 20);
    let mut mac =
        <hmac::Hmac<sha1::Sha1> as hmac::Mac>::new_from_slice(&mac_key).map_err(key_err)?;
    mac.update(&safes_der);
    mac.verify_slice(&expected)
        .map_err(|_| bad("wrong password (the MAC does not match)"))?;

    let mut certificate_der = None;
    let mut private_le = None;
    for content in Ber::parse_whole(&safes_der)?.items() {
        let bags_der = match content.item(0)?.oid()?.as_str() {
            OID_DATA => content.item(1)?.item(0)?.octets(),
            OID_ENCRYPTED_DATA => {
                let info = content.item(1)?.item(0)?.item(1)?;
                decrypt(info.item(1)?, password, &info.item(2)?.octets())?
            }
            other => return Err(bad(&format!("content {other}"))),
        };
        for bag in Ber::parse_whole(&bags_der)?.items() {
            let value = bag.item(1)?.item(0)?;
            match bag.item(0)?.oid()?.as_str() {
                OID_SHROUDED_KEY_BAG => {
                    let pkcs8 = decrypt(value.item(0)?, password, &value.item(1)?.octets())?;
                    let info = Ber::parse_whole(&pkcs8)?;
                    if info.item(1)?.item(0)?.oid()? != OID_GOST_512_KEY {
                        return Err(bad("not a GOST 34.10-2015 512-bit key"));
                    }
                    let inner = Ber::parse_whole(&info.item(2)?.octets())?;
                    if inner.tag() != 0x04 {
                        return Err(bad("the private key is not an OCTET STRING"));
                    }
                    private_le = Some(inner.octets());
                }
                OID_CERT_BAG => certificate_der = Some(value.item(1)?.item(0)?.octets()),
                _ => {}
            }
        }
    }
    Ok(KeyFile {
        certificate_der: certificate_der.ok_or_else(|| bad("no certificate"))?,
        private_le: private_le.ok_or_else(|| bad("no key"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::der::Decode as _;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/nca-gost-test"
    );

    fn file(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
    }

    fn public_key(cert_der: &[u8]) -> jaria_gost::VerifyingKey {
        let cert = x509_cert::Certificate::from_der(cert_der).expect("certificate");
        let bits = cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .as_bytes()
            .expect("whole bytes");
        let point = x509_cert::der::asn1::OctetString::from_der(bits).expect("OCTET STRING");
        jaria_gost::VerifyingKey::from_le_bytes(jaria_gost::Curve::tc26_512_a(), point.as_bytes())
            .expect("a point")
    }

    #[test]
    fn every_nca_test_key_file_opens_and_its_key_is_its_certificates() {
        for name in [
            "individual_valid",
            "individual_revoked",
            "legal_head",
            "legal_employee_signright",
            "legal_infosystem",
        ] {
            let opened = open(&file(&format!("keys/{name}.p12")), "Qwerty12").expect(name);
            let key = jaria_gost::SigningKey::from_le_bytes(
                jaria_gost::Curve::tc26_512_a(),
                &opened.private_le,
            )
            .expect("a scalar below q");
            assert_eq!(
                key.verifying_key(),
                public_key(&opened.certificate_der),
                "{name}"
            );
            let signature = key.sign(b"jaria");
            assert!(public_key(&opened.certificate_der).verify(b"jaria", &signature));
            assert!(!public_key(&opened.certificate_der).verify(b"jarib", &signature));
        }
    }

    #[test]
    fn a_wrong_password_is_told_by_the_mac() {
        let e = open(&file("keys/individual_valid.p12"), "qwerty12").expect_err("wrong");
        assert!(e.to_string().contains("wrong password"), "{e}");
    }

    #[test]
    fn the_certificate_inside_is_the_one_kalkan_signed_with() {
        let opened = open(&file("keys/individual_valid.p12"), "Qwerty12").expect("opens");
        let cert = x509_cert::Certificate::from_der(&opened.certificate_der).expect("cert");
        assert_eq!(
            hex::encode_upper(cert.tbs_certificate.serial_number.as_bytes()),
            "6C425659BD2FC6DC587B871AEDE1857727CF8451"
        );
    }
}
