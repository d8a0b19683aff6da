//! Filings signed with the filer's EDS. A statement about an offence is an electronic document
//! signed by its applicant (CPC art. 181); petitions and complaints may be signed too. The
//! filer's key (a `.p12` opened in the page, or NCALayer) makes a CMS over the filing's
//! canonical content — the JSON whose SHA-256 the receipt attests, attachment hashes included —
//! and the portal checks it against the signed-in person before it takes the filing. The CMS
//! is kept as it came, with the exact bytes it signs, so `openssl cms -verify` checks it later.

use crate::identity::signed::Signed;
use crate::platform::db::{Db, SqlValue, col_text, int, text};
use crate::{ApiError, platform::clock};

/// Keeps the signature with its filing (inside the filing's transaction).
pub async fn store(
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
    .await
}

/// Who signed a filing and when, for its detail (`None`: not signed).
pub async fn info(db: &Db, filing_id: i64) -> Result<Option<serde_json::Value>, ApiError> {
    let Some(row) = db
        .one(
            "SELECT cms_sha256, signer_iin, signer_name, signing_time FROM filing_signatures
         WHERE filing_id = ?",
            &[int(filing_id)],
        )
        .await?
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
pub async fn sha256_of(db: &Db, filing_id: i64) -> Result<Option<String>, ApiError> {
    db.one(
        "SELECT cms_sha256 FROM filing_signatures WHERE filing_id = ?",
        &[int(filing_id)],
    )
    .await?
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
pub async fn download(
    db: &Db,
    filing_id: i64,
    registration_number: &str,
    part: Part,
) -> Result<crate::http::Reply, ApiError> {
    let row = db
        .one(
            "SELECT cms, signed_content FROM filing_signatures WHERE filing_id = ?",
            &[int(filing_id)],
        )
        .await?
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
    Ok(crate::identity::signed::signature_reply(
        body,
        content_type,
        &format!("{registration_number}.{extension}"),
    ))
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
