//! EDS sign-in: a single-use challenge, then the certificate chain and a signature over it.

use base64::Engine as _;
use jaria_portal::auth::{self, Proven};
use jaria_portal::db::{Db, col_int, int, text};
use jaria_portal::eds::{self, EdsError};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::problem::FieldError;
use jaria_portal::{ApiError, clock, config, random, session};
use serde::Deserialize;

/// How long a challenge may be answered.
const CHALLENGE_TTL_SECS: i64 = 5 * 60;
/// Largest certificate bundle accepted (a leaf and a few intermediates).
const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

pub fn challenge() -> Result<Reply, ApiError> {
    let nonce = random::token()?;
    let now = clock::now().timestamp();
    let expires_unix = now + CHALLENGE_TTL_SECS;
    let db = Db::open()?;
    // Stored in the database, not the key-value store: consuming it must be atomic.
    db.exec(
        "INSERT INTO auth_challenges (nonce, expires_unix) VALUES (?, ?)",
        &[text(&nonce), int(expires_unix)],
    )?;
    db.exec(
        "DELETE FROM auth_challenges WHERE expires_unix < ?",
        &[int(now)],
    )?;
    Reply::json(
        200,
        &serde_json::json!({
            "nonce": nonce,
            "expires_at": clock::rfc3339(clock::from_unix(expires_unix)),
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EdsRequest {
    certificate: String,
    nonce: String,
    signature: String,
}

fn rejected(field: &str, code: &str, message: &str) -> ApiError {
    ApiError::Rejected(vec![FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }])
}

pub fn sign_in(req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let body: EdsRequest = json_body(req)?;
    if body.certificate.len() > MAX_CERTIFICATE_BYTES {
        return Err(ApiError::invalid(
            "certificate",
            "certificate_too_large",
            "The certificate bundle is too large.",
        ));
    }
    let signature = base64::engine::general_purpose::STANDARD
        .decode(body.signature.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body.signature.trim()))
        .map_err(|_| {
            ApiError::invalid(
                "signature",
                "signature_malformed",
                "The signature is not base64.",
            )
        })?;
    let anchors_pem = config::optional("eds_trust_anchors").unwrap_or_default();
    if anchors_pem.trim().is_empty() {
        return Err(ApiError::Unavailable(
            "EDS sign-in is not configured: the eds_trust_anchors variable is empty".into(),
        ));
    }
    let anchors = eds::parse_pem_bundle(&anchors_pem)
        .map_err(|e| ApiError::Unavailable(format!("eds_trust_anchors: {e}")))?;

    let db = Db::open()?;
    let actor = auth::anonymous(req);
    // The IIN the certificate claims, for throttling before anything is proven.
    let claimed_iin = claimed_iin(&body.certificate);
    let ip = auth::client_ip(req);
    crate::people::check_throttle(&db, claimed_iin.as_deref(), &ip, &actor)?;

    // Consume the challenge first: whatever happens next, it cannot be replayed.
    let consumed = db.one(
        "DELETE FROM auth_challenges WHERE nonce = ? RETURNING expires_unix",
        &[text(&body.nonce)],
    )?;
    let live = match consumed {
        Some(row) => col_int(&row, 0)? >= clock::now().timestamp(),
        None => false,
    };
    if !live {
        crate::people::record_failure(&db, claimed_iin.as_deref(), &ip, &actor, "eds", "nonce")?;
        return Err(rejected(
            "nonce",
            "nonce_invalid",
            "The challenge is unknown, expired or already used. Request a new one.",
        ));
    }

    let holder = match eds::verify_sign_in(
        &body.certificate,
        &anchors,
        body.nonce.as_bytes(),
        &signature,
        clock::now(),
    ) {
        Ok(holder) => holder,
        Err(e) => {
            crate::people::record_failure(
                &db,
                claimed_iin.as_deref(),
                &ip,
                &actor,
                "eds",
                e.code(),
            )?;
            let field = match e {
                EdsError::BadSignature | EdsError::SignatureEncoding => "signature",
                _ => "certificate",
            };
            return Err(rejected(field, e.code(), &e.to_string()));
        }
    };
    let iin = holder.iin.as_str().to_owned();
    if db
        .one(
            "SELECT 1 FROM revoked_certificates WHERE serial_hex = ?",
            &[text(&holder.serial_hex)],
        )?
        .is_some()
    {
        crate::people::record_failure(&db, Some(&iin), &ip, &actor, "eds", "certificate_revoked")?;
        return Err(rejected(
            "certificate",
            "certificate_revoked",
            "The certificate has been revoked.",
        ));
    }

    let identity = crate::people::identity(&db, &iin)?;
    let proven = Proven {
        iin: iin.clone(),
        full_name: holder.full_name.clone(),
        roles: identity.roles,
        organ: identity.organ,
    };
    let now = clock::rfc3339(clock::now());
    let new = auth::start_session(&db, &proven, "eds", req, |db| {
        db.exec(
            "INSERT INTO persons (iin, full_name, created_at, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (iin) DO UPDATE SET full_name = excluded.full_name, updated_at = excluded.updated_at",
            &[text(&iin), text(&holder.full_name), text(&now), text(&now)],
        )?;
        if identity.bootstrap_admin {
            db.exec(
                "INSERT INTO admins (iin, created_at, created_by) VALUES (?, ?, 'bootstrap')
                 ON CONFLICT (iin) DO NOTHING",
                &[text(&iin), text(&now)],
            )?;
        }
        Ok(())
    })?;
    signed_in(&new)
}

/// The session's secrets in the body (API clients) and the token in a locked-down cookie.
pub fn signed_in(new: &auth::NewSession) -> Result<Reply, ApiError> {
    let mut reply = Reply::json(200, new)?;
    reply
        .headers
        .push(("set-cookie".into(), session::set_cookie(&new.token)));
    Ok(reply)
}

fn claimed_iin(certificate_pem: &str) -> Option<String> {
    let certs = eds::parse_pem_bundle(certificate_pem).ok()?;
    let leaf = certs.first()?;
    eds::subject_iin(leaf)
}
