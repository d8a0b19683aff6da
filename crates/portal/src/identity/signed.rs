//! Documents signed with a person's EDS: a CMS SignedData over exact bytes (a filing's
//! canonical content, an officer's decision document), checked against the person who sends
//! it. The CMS is kept as it came, so `openssl cms -verify` checks it later against the bytes.

use chrono::{DateTime, TimeDelta, Utc};

use crate::identity::eds::{self, EdsError, Policy, cms};
use crate::platform::db::{Db, SqlValue, col_text, text};
use crate::{ApiError, identity::lockout, identity::revocation, platform::clock};

/// A signature is made just before the document is sent: its signing time may be this old.
pub const MAX_SIGNATURE_AGE_SECS: i64 = 30 * 60;
/// … or this far ahead, for the signer's clock.
const CLOCK_SKEW_SECS: i64 = 120;

/// A verified signature.
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
async fn document_policy() -> Result<Policy, ApiError> {
    let anchors = crate::identity::signin::trust_anchors("checking EDS signatures").await?;
    let mut policy = Policy::from_config(&anchors, None)
        .map_err(|e| ApiError::Unavailable(format!("eds_trust_anchors: {e}")))?;
    // Any signing key (NCA's `RSA256_…` ones name no role) or authentication key.
    policy.purposes.listed = vec![eds::OID_EMAIL_PROTECTION, eds::OID_CLIENT_AUTH];
    policy.pins = crate::identity::signin::configured_pins().await?;
    Ok(policy)
}

/// Refused signature checks one person may cause in the lock-out window before their next
/// ones wait (variable `signature_failures_per_person`): each check costs a chain verification
/// (milliseconds of CPU), and a refused one stores nothing that any other limit counts.
pub const DEFAULT_REFUSED_SIGNATURES: i64 = 10;

/// 429 with `Retry-After` when `signer_iin` has had too many signatures refused lately (the
/// wait doubles with each further refusal, as a sign-in lock-out's). A read: no write lock.
async fn refuse_while_too_many_refused(
    db: &Db,
    signer_iin: &str,
    now: i64,
) -> Result<(), ApiError> {
    let free = crate::platform::settings::SIGNATURE_FAILURES_PER_PERSON
        .positive_number(DEFAULT_REFUSED_SIGNATURES)
        .await;
    let rows = db
        .query(
            "SELECT at_unix FROM signature_refusals WHERE signer_iin = ? AND at_unix > ?",
            &[
                text(signer_iin),
                crate::platform::db::int(now - lockout::WINDOW_SECS),
            ],
        )
        .await?;
    let times: Vec<i64> = rows.rows.iter().filter_map(|r| r.get::<i64>(0)).collect();
    match lockout::decide(&times, usize::try_from(free).unwrap_or(usize::MAX), now) {
        lockout::Decision::Allowed => Ok(()),
        lockout::Decision::Locked { retry_after_secs } => Err(ApiError::TooManyRequests {
            retry_after_secs: u32::try_from(retry_after_secs.max(1)).unwrap_or(u32::MAX),
        }),
    }
}

/// Deletes a batch of refusals past the window (by the tick).
pub async fn expire_refusals(db: &Db, now: i64) -> Result<(), ApiError> {
    db.exec(
        "DELETE FROM signature_refusals WHERE id IN
           (SELECT id FROM signature_refusals WHERE at_unix <= ? LIMIT 1000)",
        &[crate::platform::db::int(now - lockout::WINDOW_SECS)],
    )
    .await
}

/// Checks `cms_text` (base64 of DER, or PEM), sent as the request's `field`, as `signer_iin`'s
/// signature over `content`, made within the last [`MAX_SIGNATURE_AGE_SECS`], by a certificate
/// that leads to a trust anchor and is on no revocation list the portal holds. A refusal is a
/// 422 on `field` with the reason's code; past `signature_failures_per_person` refusals in
/// the window, further checks wait (429) before any verification is done.
pub async fn verify(
    db: &Db,
    field: &str,
    cms_text: &str,
    content: &[u8],
    signer_iin: &str,
    now: DateTime<Utc>,
) -> Result<Signed, ApiError> {
    refuse_while_too_many_refused(db, signer_iin, now.timestamp()).await?;
    let refused = |code: &str, message: &str| ApiError::invalid(field, code, message);
    let checked = async {
        let der =
            cms::decode_transport(cms_text).map_err(|e| refused(e.code(), &e.to_string()))?;
        let expected = cms::Expected {
            content,
            signed_after: now - TimeDelta::seconds(MAX_SIGNATURE_AGE_SECS),
            signed_before: now + TimeDelta::seconds(CLOCK_SKEW_SECS),
        };
        let signed = cms::verify(&der, &expected, &document_policy().await?, now)
            .map_err(|e| refused(e.code(), &e.to_string()))?;
        let holder = &signed.verified.holder;
        if holder.iin.as_str() != signer_iin {
            return Err(refused(
                "signature_other_person",
                "The signature is by another person than the one sending it: sign with your own key.",
            ));
        }
        let keys = signed
            .verified
            .revocable()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        if revocation::first_revoked(db, &keys).await?.is_some() {
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
    .await;
    if let Err(ApiError::Unprocessable(_)) = &checked
        && let Err(e) = db
            .exec(
                "INSERT INTO signature_refusals (signer_iin, at_unix) VALUES (?, ?)",
                &[text(signer_iin), crate::platform::db::int(now.timestamp())],
            )
            .await
    {
        // The person still learns why their signature was refused; one uncounted refusal
        // only loosens the allowance by one.
        crate::log_line!("signed: could not count a refused signature: {e}");
    }
    checked
}

/// Keeps an officer's signature of a stored document (inside the transaction that stores it).
/// Signing the same document again replaces the earlier signature of the same person.
pub async fn store_for_document(
    db: &Db,
    document_sha256: &str,
    signed: &Signed,
    now: &str,
) -> Result<(), ApiError> {
    db.exec(
        "INSERT INTO document_signatures (document_sha256, signer_iin, cms, cms_sha256,
             signer_name, signer_serial, signing_time, verified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (document_sha256, signer_iin) DO UPDATE SET cms = excluded.cms,
             cms_sha256 = excluded.cms_sha256, signer_name = excluded.signer_name,
             signer_serial = excluded.signer_serial, signing_time = excluded.signing_time,
             verified_at = excluded.verified_at",
        &[
            text(document_sha256),
            text(&signed.signer_iin),
            SqlValue::Blob(signed.der.clone()),
            text(signed.sha256()),
            text(&signed.signer_name),
            text(&signed.serial_hex),
            text(clock::rfc3339(signed.signing_time)),
            text(now),
        ],
    )
    .await
}

/// Who signed a document (as `signer_iin`) and when, if they did.
pub async fn document_info(
    db: &Db,
    document_sha256: &str,
    signer_iin: &str,
) -> Result<Option<serde_json::Value>, ApiError> {
    let Some(row) = db
        .one(
            "SELECT cms_sha256, signer_name, signing_time FROM document_signatures
         WHERE document_sha256 = ? AND signer_iin = ?",
            &[text(document_sha256), text(signer_iin)],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(serde_json::json!({
        "cms_sha256": col_text(&row, 0)?, "signer_iin": signer_iin,
        "signer_name": col_text(&row, 1)?, "signing_time": col_text(&row, 2)?,
    })))
}

/// The CMS (DER, `.p7s`) by which `signer_iin` signed a document, as a download named
/// `filename.p7s` (404 when they did not sign it).
pub async fn document_download(
    db: &Db,
    document_sha256: &str,
    signer_iin: &str,
    filename: &str,
) -> Result<crate::http::Reply, ApiError> {
    let row = db
        .one(
            "SELECT cms FROM document_signatures WHERE document_sha256 = ? AND signer_iin = ?",
            &[text(document_sha256), text(signer_iin)],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    let body = row
        .get::<&[u8]>(0)
        .ok_or_else(|| ApiError::Internal("cms is not a blob".into()))?
        .to_vec();
    Ok(signature_reply(
        body,
        "application/pkcs7-signature",
        &format!("{filename}.p7s"),
    ))
}

/// A signature or signed content as a private download.
pub(crate) fn signature_reply(
    body: Vec<u8>,
    content_type: &str,
    filename: &str,
) -> crate::http::Reply {
    let mut reply = crate::http::Reply::empty(200);
    reply.set_header("content-type", content_type);
    reply.set_header(
        "content-disposition",
        &crate::http::documents::content_disposition(filename),
    );
    // Personal data: private to this person's browser.
    reply.set_header("cache-control", "private, no-store");
    reply.body = body;
    reply
}
