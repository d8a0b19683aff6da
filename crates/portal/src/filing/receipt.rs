//! Receipts: the portal's Ed25519 signature over the canonical summary of a filing, so anyone
//! can later prove what was filed, by whom and when. The key comes from a Spin variable.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// What a receipt attests. Field order is fixed, so its JSON is canonical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub id: i64,
    pub registration_number: String,
    pub kind: String,
    pub filer_iin: String,
    pub on_behalf_of_iin: Option<String>,
    pub erdr_number: Option<String>,
    pub submitted_at: String,
    pub due_at: String,
    pub content_sha256: String,
    pub attachments_sha256: Vec<String>,
}

impl Summary {
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the receipt signing key must be base64 of 32 bytes")]
    Malformed,
}

/// Parses the signing key (base64 of the 32-byte Ed25519 seed).
pub fn signing_key(base64_seed: &str) -> Result<SigningKey, KeyError> {
    let bytes = STANDARD
        .decode(base64_seed.trim())
        .map_err(|_| KeyError::Malformed)?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn sign(key: &SigningKey, summary: &Summary) -> String {
    STANDARD.encode(key.sign(&summary.canonical()).to_bytes())
}

pub fn public_key(key: &SigningKey) -> String {
    STANDARD.encode(key.verifying_key().to_bytes())
}

/// Whether `signature` (base64) is the portal's signature over `summary`.
pub fn verify(key: &VerifyingKey, summary: &Summary, signature: &str) -> bool {
    let Ok(bytes) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(&summary.canonical(), &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        Summary {
            id: 1,
            registration_number: "2026-P-0000001".into(),
            kind: "petition".into(),
            filer_iin: "791028302728".into(),
            on_behalf_of_iin: None,
            erdr_number: Some("267511031000001".into()),
            submitted_at: "2026-11-28T10:00:00.000Z".into(),
            due_at: "2026-12-01T19:00:00.000Z".into(),
            content_sha256: "ab".into(),
            attachments_sha256: vec![],
        }
    }

    #[test]
    fn signed_receipts_verify_and_tampering_breaks_them() {
        let key = signing_key(&STANDARD.encode([7u8; 32])).unwrap();
        let sig = sign(&key, &summary());
        assert!(verify(&key.verifying_key(), &summary(), &sig));
        let mut changed = summary();
        changed.submitted_at = "2026-11-27T10:00:00.000Z".into();
        assert!(!verify(&key.verifying_key(), &changed, &sig));
        let other = signing_key(&STANDARD.encode([8u8; 32])).unwrap();
        assert!(!verify(&other.verifying_key(), &summary(), &sig));
        assert!(!verify(&key.verifying_key(), &summary(), "not base64!"));
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert!(signing_key("AAAA").is_err());
        assert!(signing_key("***").is_err());
    }
}
