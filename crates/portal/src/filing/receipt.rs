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

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The receipt as a page to print or save: every attested field, the signature and the key,
/// and the JSON to paste into the verification endpoint. No script, no style: it prints as is.
pub fn printable(summary: &Summary, signature: &str, public_key: &str) -> String {
    let row = |label: &str, value: &str| {
        format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
            escape_html(label),
            escape_html(value)
        )
    };
    let mut rows = String::new();
    rows += &row(
        "Registration number / Тіркеу нөмірі / Регистрационный номер",
        &summary.registration_number,
    );
    rows += &row("Kind", &summary.kind);
    rows += &row("Filer IIN", &summary.filer_iin);
    if let Some(principal) = &summary.on_behalf_of_iin {
        rows += &row("On behalf of IIN", principal);
    }
    if let Some(erdr) = &summary.erdr_number {
        rows += &row("ERDR number", erdr);
    }
    rows += &row("Submitted at (UTC)", &summary.submitted_at);
    rows += &row("Answer due by (UTC)", &summary.due_at);
    rows += &row("Content SHA-256", &summary.content_sha256);
    for (i, sha) in summary.attachments_sha256.iter().enumerate() {
        rows += &row(&format!("Attachment {} SHA-256", i + 1), sha);
    }
    rows += &row("Signature (Ed25519, base64)", signature);
    rows += &row("Portal public key (base64)", public_key);
    let verify = serde_json::json!({ "summary": summary, "signature": signature }).to_string();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Receipt {number}</title></head>\n<body>\n<h1>Receipt for filing {number}</h1>\n\
         <table>\n{rows}</table>\n<h2>To verify</h2>\n<p>POST this JSON to \
         <code>/api/filings/receipts/verify</code>:</p>\n<pre>{verify}</pre>\n</body></html>\n",
        number = escape_html(&summary.registration_number),
        verify = escape_html(&verify),
    )
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

    #[test]
    fn the_printable_receipt_shows_every_field_escaped() {
        let key = signing_key(&STANDARD.encode([7u8; 32])).unwrap();
        let mut summary = summary();
        summary.registration_number = "2026-P-<b>".into();
        let page = printable(&summary, &sign(&key, &summary), &public_key(&key));
        assert!(page.contains("2026-P-&lt;b&gt;"));
        assert!(!page.contains("<b>"));
        assert!(page.contains(&summary.content_sha256));
        assert!(page.contains(&summary.submitted_at));
        assert!(!page.contains("<script"));
    }
}
