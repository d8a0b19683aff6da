//! The CA's revocation lists: checked against the trust anchors, current, newer than the last.

use crate::admin::audited_list;
use jaria_portal::audit::{self};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::identity::eds::{self};
use jaria_portal::identity::revocation::{self};
use jaria_portal::{ApiError, platform::clock};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrlUpload {
    /// PEM, or base64 of DER.
    crl: String,
    /// The intermediate authorities between the list's issuer and a trust anchor (PEM).
    #[serde(default)]
    issuer_chain: Option<String>,
}

/// The CRL's bytes and the intermediates offered with it, from a raw upload
/// (`application/pkix-crl`, DER or PEM) or JSON.
fn crl_upload(
    req: &jaria_portal::http::Request,
) -> Result<(Vec<u8>, Vec<x509_cert::Certificate>), ApiError> {
    use base64::Engine as _;
    let content_type = req.media_type();
    match content_type.as_str() {
        "application/pkix-crl" | "application/x-pem-file" => Ok((req.body().to_vec(), Vec::new())),
        "application/json" => {
            let body: CrlUpload = json_body(req)?;
            let text = body.crl.trim();
            let bytes = if text.starts_with("-----BEGIN") {
                text.as_bytes().to_vec()
            } else {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| {
                        ApiError::invalid("crl", "crl_malformed", "Give the CRL as PEM or base64 of DER.")
                    })?
            };
            let chain = match body.issuer_chain.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(pem) => eds::parse_pem_bundle(pem).map_err(|e| {
                    ApiError::invalid("issuer_chain", "certificate_malformed", &e.to_string())
                })?,
                None => Vec::new(),
            };
            Ok((bytes, chain))
        }
        _ => Err(ApiError::UnsupportedMediaType(
            "Upload the CRL as application/pkix-crl (DER or PEM) or as JSON {\"crl\", \"issuer_chain\"}.".into(),
        )),
    }
}

/// Loads a revocation list as the national CA publishes it: its signature is checked against
/// the trust anchors (or intermediates under them given with it), it must be current and newer
/// than the one loaded before; every session its certificates proved ends.
pub(crate) async fn load_crl(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let (bytes, chain) = crl_upload(req)?;
    let anchors_pem =
        jaria_portal::identity::signin::trust_anchors("checking a revocation list").await?;
    let anchors = eds::parse_pem_bundle(&anchors_pem)
        .map_err(|e| ApiError::Unavailable(format!("eds_trust_anchors: {e}")))?;
    let now = clock::now();
    let crl = revocation::parse_crl(&bytes).map_err(|e| revocation::crl_problem(&e))?;
    let issuers = revocation::crl_issuers(&anchors, &chain, now);
    let contents =
        revocation::verify_crl(&crl, &issuers, now).map_err(|e| revocation::crl_problem(&e))?;
    let stamp = clock::rfc3339(now);
    let (id, done) = db
        .transaction(async |db| {
            let (id, done) = revocation::load_crl(db, &contents, &me.iin, &stamp).await?;
            audit::record(
                db,
                &me.actor(),
                "crl_loaded",
                &format!("crl:{id}"),
                serde_json::json!({
                    "issuer_key": contents.issuer_key, "entries": contents.revoked.len(),
                    "sha256": contents.sha256, "sessions_ended": done.sessions_ended,
                    "passwords_voided": done.passwords_voided,
                }),
            )
            .await?;
            Ok((id, done))
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "id": id, "issuer_key": contents.issuer_key, "entries": contents.revoked.len(),
            "this_update": clock::rfc3339(clock::from_unix(contents.this_update_unix)),
            "next_update": clock::rfc3339(clock::from_unix(contents.next_update_unix)),
            "crl_number": contents.crl_number, "sha256": contents.sha256,
            "sessions_ended": done.sessions_ended, "passwords_voided": done.passwords_voided,
        }),
    )
}

pub(crate) async fn list_crls(desk: Desk<'_>) -> Result<Reply, ApiError> {
    audited_list(desk, "crls_listed", async |db| {
        let list = revocation::crls(db, clock::now().timestamp()).await?;
        Ok(serde_json::json!({ "crls": list }))
    })
    .await
}
