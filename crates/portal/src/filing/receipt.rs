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
    /// The SHA-256 of the filer's CMS signature, when the filing is signed. Left out when not,
    /// so the canonical form of every unsigned receipt stays as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_sha256: Option<String>,
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

/// Parses a public key (base64 of the 32-byte Ed25519 point).
pub fn public_key_from(base64_key: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = STANDARD
        .decode(base64_key.trim())
        .map_err(|_| KeyError::Malformed)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Malformed)
}

/// The public keys of retired receipt keys (comma-separated base64, newest first): their
/// receipts keep verifying after a rotation. Empty: none.
pub fn previous_keys(list: &str) -> Result<Vec<VerifyingKey>, KeyError> {
    list.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(public_key_from)
        .collect()
}

/// Which key signed a receipt: the current one, a previous one, or none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedBy {
    Current,
    Previous,
}

/// Checks a receipt against the current key, then the retired ones; answers which signed it
/// and that key.
pub fn signed_by(
    current: &VerifyingKey,
    previous: &[VerifyingKey],
    summary: &Summary,
    signature: &str,
) -> Option<(SignedBy, VerifyingKey)> {
    if verify(current, summary, signature) {
        return Some((SignedBy::Current, *current));
    }
    previous
        .iter()
        .find(|key| verify(key, summary, signature))
        .map(|key| (SignedBy::Previous, *key))
}

pub fn sign(key: &SigningKey, summary: &Summary) -> String {
    STANDARD.encode(key.sign(&summary.canonical()).to_bytes())
}

pub fn public_key(key: &SigningKey) -> String {
    encode_public_key(&key.verifying_key())
}

pub fn encode_public_key(key: &VerifyingKey) -> String {
    STANDARD.encode(key.to_bytes())
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
pub(crate) mod tests {
    use super::*;

    /// A petition's receipt summary, as other modules' tests start from.
    pub(crate) fn summary() -> Summary {
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
            signature_sha256: None,
        }
    }

    #[test]
    fn an_unsigned_receipt_keeps_its_canonical_form_and_a_signed_one_names_its_signature() {
        let plain = String::from_utf8(summary().canonical()).unwrap();
        assert!(plain.ends_with(r#""attachments_sha256":[]}"#), "{plain}");
        let mut signed = summary();
        signed.signature_sha256 = Some("cd".into());
        let text = String::from_utf8(signed.canonical()).unwrap();
        assert!(
            text.ends_with(r#""attachments_sha256":[],"signature_sha256":"cd"}"#),
            "{text}"
        );
        // Changing or dropping the signature breaks the receipt.
        let key = signing_key(&STANDARD.encode([7u8; 32])).unwrap();
        let sig = sign(&key, &signed);
        assert!(verify(&key.verifying_key(), &signed, &sig));
        assert!(!verify(&key.verifying_key(), &summary(), &sig));
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

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    fn summary() -> impl Strategy<Value = Summary> {
        (
            any::<i64>(),
            any::<String>(),
            "(crime_report|petition|complaint)",
            "[0-9]{12}",
            proptest::option::of("[0-9]{12}"),
            proptest::option::of("[0-9]{15}"),
            any::<String>(),
            any::<String>(),
            "[0-9a-f]{64}",
            prop::collection::vec("[0-9a-f]{64}", 0..3),
        )
            .prop_map(
                |(id, number, kind, filer, behalf, erdr, submitted, due, sha, attachments)| {
                    Summary {
                        id,
                        registration_number: number,
                        kind,
                        filer_iin: filer,
                        on_behalf_of_iin: behalf,
                        erdr_number: erdr,
                        submitted_at: submitted,
                        due_at: due,
                        content_sha256: sha,
                        attachments_sha256: attachments,
                        signature_sha256: None,
                    }
                },
            )
    }

    fn key() -> impl Strategy<Value = SigningKey> {
        any::<[u8; 32]>().prop_map(|seed| SigningKey::from_bytes(&seed))
    }

    proptest! {
        #[test]
        fn verify_never_panics_on_arbitrary_signatures(
            key in key(),
            summary in summary(),
            signature in prop_oneof![
                any::<String>(),
                "[A-Za-z0-9+/=]{0,100}",
                prop::collection::vec(any::<u8>(), 0..80).prop_map(|b| STANDARD.encode(b)),
            ],
        ) {
            // A forgery made without the key never verifies.
            prop_assert!(!verify(&key.verifying_key(), &summary, &signature), "{:?}", signature);
        }

        #[test]
        fn signing_keys_never_panic_on_arbitrary_text(text in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let _ = signing_key(&text);
            let encoded = STANDARD.encode(&bytes);
            prop_assert_eq!(signing_key(&encoded).is_ok(), bytes.len() == 32);
        }

        #[test]
        fn signed_receipts_verify_and_survive_a_json_round_trip(key in key(), summary in summary()) {
            let signature = sign(&key, &summary);
            prop_assert!(verify(&key.verifying_key(), &summary, &signature));
            // What a client posts back is the summary as JSON: it must verify the same.
            let json = serde_json::to_string(&summary).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Summary = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(verify(&key.verifying_key(), &back, &signature));
            // The public key a receipt shows is the one that verifies it.
            let shown = STANDARD.decode(public_key(&key)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let shown: [u8; 32] = shown.try_into().map_err(|_| TestCaseError::fail("key length"))?;
            let shown = VerifyingKey::from_bytes(&shown).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(verify(&shown, &summary, &signature));
        }

        #[test]
        fn any_changed_signature_character_fails(
            key in key(),
            summary in summary(),
            position in any::<prop::sample::Index>(),
            replacement in "[A-Za-z0-9+/]",
        ) {
            let signature = sign(&key, &summary);
            let mut chars: Vec<char> = signature.chars().collect();
            let i = position.index(chars.len());
            let replacement = replacement.chars().next().unwrap_or('A');
            prop_assume!(chars[i] != replacement);
            chars[i] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(!verify(&key.verifying_key(), &summary, &changed), "{} -> {}", signature, changed);
        }

        #[test]
        fn any_changed_field_fails(key in key(), summary in summary(), other in summary(), field in 0usize..10) {
            let signature = sign(&key, &summary);
            let mut changed = summary.clone();
            match field {
                0 => changed.id = other.id,
                1 => changed.registration_number = other.registration_number,
                2 => changed.kind = other.kind,
                3 => changed.filer_iin = other.filer_iin,
                4 => changed.on_behalf_of_iin = other.on_behalf_of_iin,
                5 => changed.erdr_number = other.erdr_number,
                6 => changed.submitted_at = other.submitted_at,
                7 => changed.due_at = other.due_at,
                8 => changed.content_sha256 = other.content_sha256,
                _ => changed.attachments_sha256 = other.attachments_sha256,
            }
            prop_assume!(changed != summary);
            prop_assert!(!verify(&key.verifying_key(), &changed, &signature));
        }
    }
}
