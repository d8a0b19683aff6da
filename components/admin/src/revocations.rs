//! Certificates revoked one by one: their sessions end at once.

use crate::admin::audited_list;
use jaria_portal::audit::{self};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::identity::eds::{self, CertKey};
use jaria_portal::identity::revocation::{self, Source};
use jaria_portal::{ApiError, platform::clock};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRevocation {
    /// The revoked certificate itself (PEM): names its issuer and serial.
    #[serde(default)]
    certificate: Option<String>,
    /// Or its issuer's certificate (PEM) and the serial number (hex).
    #[serde(default)]
    issuer_certificate: Option<String>,
    #[serde(default)]
    serial_number: Option<String>,
    reason: String,
}

fn single_certificate(field: &str, pem: &str) -> Result<x509_cert::Certificate, ApiError> {
    match eds::parse_pem_bundle(pem)
        .map_err(|e| ApiError::invalid(field, "certificate_malformed", &e.to_string()))?
        .as_slice()
    {
        [one] => Ok(one.clone()),
        _ => Err(ApiError::invalid(
            field,
            "one_certificate",
            "Give exactly one certificate.",
        )),
    }
}

/// The certificate a revocation names: issuer and serial.
fn revoked_key(body: &NewRevocation) -> Result<CertKey, ApiError> {
    match (
        &body.certificate,
        &body.issuer_certificate,
        &body.serial_number,
    ) {
        (Some(pem), None, None) => CertKey::of(&single_certificate("certificate", pem)?)
            .map_err(|e| ApiError::invalid("certificate", "certificate_malformed", &e.to_string())),
        (None, Some(issuer), Some(serial)) => {
            let issuer = single_certificate("issuer_certificate", issuer)?;
            let serial_hex = eds::normalise_serial(serial).ok_or_else(|| {
                ApiError::invalid(
                    "serial_number",
                    "invalid_serial",
                    "Give the serial number in hex.",
                )
            })?;
            Ok(CertKey {
                issuer_key: eds::name_key(&issuer.tbs_certificate.subject).map_err(|e| {
                    ApiError::invalid(
                        "issuer_certificate",
                        "certificate_malformed",
                        &e.to_string(),
                    )
                })?,
                serial_hex,
            })
        }
        _ => Err(ApiError::invalid(
            "certificate",
            "certificate_or_issuer_and_serial",
            "Give the revoked certificate, or its issuer's certificate and its serial number: a serial number alone names a certificate of every CA.",
        )),
    }
}

pub(crate) async fn list_revocations(desk: Desk<'_>) -> Result<Reply, ApiError> {
    audited_list(desk, "revocations_listed", async |db| {
        // Lists loaded from CRLs are summarised under /crls; here what admins and OCSP added.
        let list = revocation::recorded(db).await?;
        Ok(serde_json::json!({ "revocations": list }))
    })
    .await
}

/// Revokes one certificate: the sessions it proved end now, and a password set from them is
/// void.
pub(crate) async fn revoke_certificate(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: NewRevocation = json_body(req)?;
    let key = revoked_key(&body)?;
    let reason = jaria_portal::http::text::bounded("reason", &body.reason, 500)?;
    let revoked_at = clock::rfc3339(clock::now());
    let done = db
        .transaction(async |db| {
            let done =
                revocation::record(db, &key, &reason, Source::Admin, &me.iin, &revoked_at).await?;
            audit::record(
                db,
                &me.actor(),
                "certificate_revoked",
                &format!("certificate:{}:{}", key.issuer_key, key.serial_hex),
                serde_json::json!({ "reason": reason, "sessions_ended": done.sessions_ended,
                "passwords_voided": done.passwords_voided }),
            )
            .await?;
            Ok(done)
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "issuer_key": key.issuer_key, "serial_number": key.serial_hex, "reason": reason,
            "revoked_at": revoked_at, "sessions_ended": done.sessions_ended,
            "passwords_voided": done.passwords_voided,
        }),
    )
}
