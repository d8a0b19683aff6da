//! Filings signed with the filer's EDS. A statement about an offence is an electronic document
//! signed by its applicant (CPC art. 181); petitions and complaints may be signed too. The
//! filer's key (a `.p12` opened in the page, or NCALayer) makes a CMS over the filing's
//! canonical content — the JSON whose SHA-256 the receipt attests, attachment hashes included —
//! and the portal checks it against the signed-in person before it takes the filing. The CMS
//! is kept as it came, with the exact bytes it signs, so `openssl cms -verify` checks it later.

use chrono::{DateTime, TimeDelta, Utc};
use der::asn1::ObjectIdentifier;

use crate::db::{Db, SqlValue, col_text, int, text};
use crate::eds::{EdsError, Policy, cms};
use crate::{ApiError, clock, config, revocation};

/// A signature is made just before the filing is sent: its signing time may be this old.
pub const MAX_SIGNATURE_AGE_SECS: i64 = 30 * 60;
/// … or this far ahead, for the signer's clock.
const CLOCK_SKEW_SECS: i64 = 120;

/// `id-kp-emailProtection`: the national CA's signing (`RSA256_…`, `GOST512_…`) certificates.
const OID_EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");

/// A verified signature of a filing.
#[derive(Debug, Clone)]
pub struct Signed {
    pub der: Vec<u8>,
    pub signer_iin: String,
    pub signer_name: String,
    pub serial_hex: String,
    pub signing_time: DateTime<Utc>,
}

impl Signed {
    pub fn sha256(&self) -> String {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&self.der))
    }
}

/// The anchors sign-in trusts, and the purposes of a key that may sign documents: the
/// signing key, or the authentication key of a person who holds only that one.
fn document_policy() -> Result<Policy, ApiError> {
    let anchors = config::optional("eds_trust_anchors").unwrap_or_default();
    if anchors.trim().is_empty() {
        return Err(ApiError::Unavailable(
            "signed filings need the eds_trust_anchors variable".into(),
        ));
    }
    let mut policy = Policy::from_config(&anchors, None)
        .map_err(|e| ApiError::Unavailable(format!("eds_trust_anchors: {e}")))?;
    policy.sign_in_purposes.push(OID_EMAIL_PROTECTION);
    Ok(policy)
}

fn refused(code: &str, message: &str) -> ApiError {
    ApiError::invalid("signature", code, message)
}

/// Checks `cms_text` (base64 of DER, or PEM) as `filer_iin`'s signature over `content`, made
/// within the last [`MAX_SIGNATURE_AGE_SECS`], by a certificate that leads to a trust anchor
/// and is on no revocation list the portal holds.
pub fn verify(
    db: &Db,
    cms_text: &str,
    content: &[u8],
    filer_iin: &str,
    now: DateTime<Utc>,
) -> Result<Signed, ApiError> {
    let der = cms::decode_transport(cms_text).map_err(|e| refused(e.code(), &e.to_string()))?;
    let expected = cms::Expected {
        content,
        signed_after: now - TimeDelta::seconds(MAX_SIGNATURE_AGE_SECS),
        signed_before: now + TimeDelta::seconds(CLOCK_SKEW_SECS),
    };
    let signed = cms::verify(&der, &expected, &document_policy()?, now)
        .map_err(|e| refused(e.code(), &e.to_string()))?;
    let holder = &signed.verified.holder;
    if holder.iin.as_str() != filer_iin {
        return Err(refused(
            "signature_other_person",
            "The signature is by another person than the one filing: sign with your own key.",
        ));
    }
    let keys = signed
        .verified
        .revocable()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if revocation::first_revoked(db, &keys)?.is_some() {
        let e = EdsError::Revoked;
        return Err(refused(e.code(), &e.to_string()));
    }
    Ok(Signed {
        der,
        signer_iin: holder.iin.as_str().to_owned(),
        signer_name: holder.full_name.clone(),
        serial_hex: holder.serial_hex.clone(),
        signing_time: signed.signing_time,
    })
}

/// Keeps the signature with its filing (inside the filing's transaction).
pub fn store(
    db: &Db,
    filing_id: i64,
    signed: &Signed,
    content: &str,
    now: &str,
) -> Result<(), ApiError> {
    db.exec(
        "INSERT INTO filing_signatures (filing_id, cms, cms_sha256, signed_content, signer_iin,
             signer_name, signer_serial, signing_time, verified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            int(filing_id),
            SqlValue::Blob(signed.der.clone()),
            text(signed.sha256()),
            text(content),
            text(&signed.signer_iin),
            text(&signed.signer_name),
            text(&signed.serial_hex),
            text(clock::rfc3339(signed.signing_time)),
            text(now),
        ],
    )
}

/// Who signed a filing and when, for its detail (`None`: not signed).
pub fn info(db: &Db, filing_id: i64) -> Result<Option<serde_json::Value>, ApiError> {
    let Some(row) = db.one(
        "SELECT cms_sha256, signer_iin, signer_name, signing_time FROM filing_signatures
         WHERE filing_id = ?",
        &[int(filing_id)],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(serde_json::json!({
        "cms_sha256": col_text(&row, 0)?, "signer_iin": col_text(&row, 1)?,
        "signer_name": col_text(&row, 2)?, "signing_time": col_text(&row, 3)?,
        "format": "CMS SignedData, detached, over signed_content",
    })))
}

/// The SHA-256 of a filing's CMS, if it is signed (what its receipt names).
pub fn sha256_of(db: &Db, filing_id: i64) -> Result<Option<String>, ApiError> {
    db.one(
        "SELECT cms_sha256 FROM filing_signatures WHERE filing_id = ?",
        &[int(filing_id)],
    )?
    .map(|row| col_text(&row, 0))
    .transpose()
}

/// What a filing's signature download serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The CMS, DER (`.p7s`).
    Cms,
    /// The exact bytes it signs.
    Content,
}

/// The signature or the signed content of a filing the caller may already see, as a download
/// named after the filing (404 when it is not signed).
pub fn download(
    db: &Db,
    filing_id: i64,
    registration_number: &str,
    part: Part,
) -> Result<crate::http::Reply, ApiError> {
    let row = db
        .one(
            "SELECT cms, signed_content FROM filing_signatures WHERE filing_id = ?",
            &[int(filing_id)],
        )?
        .ok_or(ApiError::NotFound)?;
    let (body, content_type, extension) = match part {
        Part::Cms => (
            row.get::<&[u8]>(0)
                .ok_or_else(|| ApiError::Internal("cms is not a blob".into()))?
                .to_vec(),
            "application/pkcs7-signature",
            "p7s",
        ),
        Part::Content => (col_text(&row, 1)?.into_bytes(), "application/json", "json"),
    };
    let mut reply = crate::http::Reply::empty(200);
    reply.set_header("content-type", content_type);
    reply.set_header(
        "content-disposition",
        &crate::documents::content_disposition(&format!("{registration_number}.{extension}")),
    );
    // Personal data: private to this person's browser.
    reply.set_header("cache-control", "private, no-store");
    reply.body = body;
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_named_by_the_sha256_of_its_der() {
        let signed = Signed {
            der: b"abc".to_vec(),
            signer_iin: String::new(),
            signer_name: String::new(),
            serial_hex: String::new(),
            signing_time: clock::from_unix(0),
        };
        assert_eq!(
            signed.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
