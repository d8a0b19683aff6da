//! Receipts after the filing: the filer's copy again (JSON, or a page to print in their
//! language), the signature check anyone may run, and the public check page's facts for
//! someone holding a printed receipt (its QR code carries the check code).

use jaria_portal::ApiError;
use jaria_portal::filing::receipt::{self, Summary};
use jaria_portal::filing::receipt_page::{self, Printed};
use jaria_portal::filing::store as filing_store;
use jaria_portal::http::paging::query_param;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::notice::delivery::{self, Language};
use jaria_portal::platform::db::{Db, col_int, col_text, int, text};
use serde::Deserialize;

pub async fn signing_key() -> Result<ed25519_dalek::SigningKey, ApiError> {
    let seed = jaria_portal::platform::settings::RECEIPT_SIGNING_KEY
        .optional()
        .await
        .unwrap_or_default();
    if seed.trim().is_empty() {
        return Err(ApiError::Unavailable(
            "receipt_signing_key is not configured".into(),
        ));
    }
    receipt::signing_key(&seed).map_err(|e| ApiError::Unavailable(e.to_string()))
}

/// The public keys of retired receipt keys (`receipt_previous_public_keys`).
async fn previous_keys() -> Result<Vec<ed25519_dalek::VerifyingKey>, ApiError> {
    receipt::previous_keys(
        &jaria_portal::platform::settings::RECEIPT_PREVIOUS_PUBLIC_KEYS
            .optional()
            .await
            .unwrap_or_default(),
    )
    .map_err(|e| ApiError::Unavailable(format!("receipt_previous_public_keys: {e}")))
}

/// Which key signed `stored`'s receipt: the current one, a retired one, or none. Retired keys
/// are read only when the current one does not verify it, so a receipt of the current key is
/// served even while the list of retired keys is broken.
async fn signed_by(
    current: &ed25519_dalek::VerifyingKey,
    summary: &Summary,
    signature: &str,
) -> Result<Option<(receipt::SignedBy, ed25519_dalek::VerifyingKey)>, ApiError> {
    if receipt::verify(current, summary, signature) {
        return Ok(Some((receipt::SignedBy::Current, *current)));
    }
    Ok(receipt::signed_by(
        current,
        &previous_keys().await?,
        summary,
        signature,
    ))
}

/// A filing its filer (or the person it was filed for) may see; to anyone else it is 404.
async fn mine(db: &Db, me: &Principal, id: &str) -> Result<filing_store::Stored, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let (stored, _) = filing_store::load_receipt(db, "f.id = ?", &[int(id)])
        .await?
        .ok_or(ApiError::NotFound)?;
    if filing_store::may_read(
        &stored.filer_iin,
        stored.on_behalf_of_iin.as_deref(),
        &me.iin,
    ) {
        Ok(stored)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The language a printed receipt is in: the page's (`?lang=`), else the browser's, else the
/// one the person chose for notices.
async fn language(
    db: &Db,
    req: &jaria_portal::http::Request,
    me: &Principal,
) -> Result<Language, ApiError> {
    if let Some(asked) = query_param(req.query(), "lang") {
        return Language::parse(asked)
            .ok_or_else(|| ApiError::invalid("lang", "invalid_language", "One of kk, ru, en."));
    }
    if let Some(language) =
        auth::header(req, "accept-language").and_then(Language::from_accept_language)
    {
        return Ok(language);
    }
    delivery::language_of(db, &me.iin).await
}

pub async fn receipt(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let signing = signing_key().await?;
    let stored = mine(&db, &me, id).await?;
    // After a rotation an old receipt names its old key.
    let public_key = signed_by(&signing.verifying_key(), &stored.summary, &stored.signature)
        .await?
        .map_or_else(
            || receipt::public_key(&signing),
            |(_, key)| receipt::encode_public_key(&key),
        );
    // A browser asking for a page gets one to print or save.
    let wants_html = auth::header(req, "accept").is_some_and(|a| a.contains("text/html"));
    if wants_html {
        let language = language(&db, req, &me).await?;
        let sent_to = filing_store::sent_to(&db, stored.summary.id).await?;
        let check_url = receipt_page::check_url(
            &auth::portal_origin(req).await,
            &stored.summary.registration_number,
            &stored.signature,
        );
        let mut page = Reply::html(
            200,
            receipt_page::printable(&Printed {
                summary: &stored.summary,
                signature: &stored.signature,
                public_key: &public_key,
                sent_to: &sent_to,
                language,
                check_url: &check_url,
            }),
        );
        page.set_header(
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        );
        page.set_header("content-language", language.as_str());
        return Ok(page);
    }
    Reply::json(
        200,
        &serde_json::json!({
            "summary": stored.summary, "signature": stored.signature,
            "public_key": public_key, "algorithm": "Ed25519",
            "check_code": receipt_page::check_code(&stored.signature),
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    summary: Summary,
    signature: String,
}

/// Anyone may check a receipt: it proves only what the summary says.
pub async fn verify_receipt(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let body: VerifyRequest = if req.body().is_empty() {
        return Err(ApiError::BadRequest(
            "Send the receipt's summary and signature.".into(),
        ));
    } else {
        json_body(req)?
    };
    let signing = signing_key().await?;
    let signed_by = receipt::signed_by(
        &signing.verifying_key(),
        &previous_keys().await?,
        &body.summary,
        &body.signature,
    );
    Reply::json(
        200,
        &serde_json::json!({
            "valid": signed_by.is_some(),
            "key": signed_by.map(|(by, _)| by),
            "public_key": signed_by.map(|(_, key)| receipt::encode_public_key(&key)),
        }),
    )
}

/// The public check page's facts (no sign-in): what the portal registered under `number`, for
/// whoever holds its receipt (the `code` printed in its QR code). A wrong number or code is
/// the same 404, so the page tells a stranger nothing, not even that a number exists.
pub async fn check(req: &jaria_portal::http::Request, number: &str) -> Result<Reply, ApiError> {
    let code = query_param(req.query(), "code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "code",
                "missing_check_code",
                "The check code printed with the receipt's QR code is required.",
            )
        })?;
    let db = Db::open().await?;
    let signing = signing_key().await?;
    // The code is checked before anything else is read: an unknown number and a known one with
    // a wrong code cost the same one query.
    let id = db
        .one(
            "SELECT id, receipt FROM filings WHERE registration_number = ?",
            &[text(number)],
        )
        .await?
        .and_then(|row| Some((col_int(&row, 0).ok()?, col_text(&row, 1).ok()?)))
        .filter(|(_, signature)| receipt_page::code_matches(signature, code))
        .map(|(id, _)| id)
        .ok_or(ApiError::NotFound)?;
    let (stored, _) = filing_store::load_receipt(&db, "f.id = ?", &[int(id)])
        .await?
        .ok_or(ApiError::NotFound)?;
    let sent_to = filing_store::sent_to(&db, stored.summary.id).await?;
    let by = signed_by(&signing.verifying_key(), &stored.summary, &stored.signature).await?;
    Reply::json(
        200,
        &receipt_page::check_json(&stored.summary, &sent_to, by.map(|(by, _)| by)),
    )
}
