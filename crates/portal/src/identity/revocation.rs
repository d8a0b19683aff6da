//! Certificate revocation: revocation lists as the national CA publishes them (X.509 CRLs),
//! answers of an OCSP responder (RFC 6960), and what a revocation does to the portal — every
//! session the certificate proved ends at once, and a password set from such a session is void.
//!
//! Parsing and verification are plain Rust over `der`/`x509-cert`/`x509-ocsp` with the time
//! passed in; [`record`] and [`is_revoked`] are the only database code.

use chrono::{DateTime, Utc};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::Digest as _;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::serial_number::SerialNumber;

use crate::identity::eds::{self, CertKey, EdsError};
use crate::platform::db::{Db, int, text};
use crate::platform::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    #[error("the revocation list is not a valid X.509 CRL (DER or PEM): {0}")]
    Malformed(String),
    #[error("the revocation list's issuer is not a trusted authority (or an authority under one)")]
    UnknownIssuer,
    #[error("the revocation list's signature does not verify")]
    BadSignature,
    #[error("the revocation list has no next update time")]
    NoNextUpdate,
    #[error("the revocation list is out of date: its next update time has passed")]
    Stale,
    #[error("the revocation list is not valid yet: its this-update time is in the future")]
    NotYetValid,
    #[error("a newer revocation list of this authority is already loaded")]
    Older,
    #[error("the revocation list has a critical extension this service does not understand")]
    UnsupportedExtension,
    #[error("the OCSP answer is not usable: {0}")]
    OcspUnusable(String),
}

impl RevocationError {
    pub fn code(&self) -> &'static str {
        match self {
            RevocationError::Malformed(_) => "crl_malformed",
            RevocationError::UnknownIssuer => "crl_unknown_issuer",
            RevocationError::BadSignature => "crl_signature_invalid",
            RevocationError::NoNextUpdate => "crl_no_next_update",
            RevocationError::Stale => "crl_stale",
            RevocationError::NotYetValid => "crl_not_yet_valid",
            RevocationError::Older => "crl_older_than_loaded",
            RevocationError::UnsupportedExtension => "crl_unsupported_extension",
            RevocationError::OcspUnusable(_) => "ocsp_unusable",
        }
    }
}

/// Clock skew tolerated between the portal and a CA or responder.
const SKEW_SECS: i64 = 5 * 60;

fn unix(time: &x509_cert::time::Time) -> i64 {
    time.to_unix_duration().as_secs() as i64
}

fn serial_text(serial: &SerialNumber) -> String {
    let hex = hex::encode(serial.as_bytes());
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A CRL's bytes as uploaded: DER, or PEM (`-----BEGIN X509 CRL-----`).
pub fn parse_crl(bytes: &[u8]) -> Result<CertificateList, RevocationError> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(trimmed)
            .map_err(|_| RevocationError::Malformed("PEM is not text".into()))?;
        let (label, der) = der::pem::decode_vec(text.trim().as_bytes())
            .map_err(|e| RevocationError::Malformed(e.to_string()))?;
        if label != "X509 CRL" {
            return Err(RevocationError::Malformed(format!(
                "expected an X509 CRL block, found {label}"
            )));
        }
        CertificateList::from_der(&der).map_err(|e| RevocationError::Malformed(e.to_string()))
    } else {
        CertificateList::from_der(bytes).map_err(|e| RevocationError::Malformed(e.to_string()))
    }
}

/// What a verified CRL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlContents {
    /// The key of the issuer's name: what the revoked certificates name as their issuer.
    pub issuer_key: String,
    pub this_update_unix: i64,
    pub next_update_unix: i64,
    /// The CRL number extension, as a decimal-free hex string, if present.
    pub crl_number: Option<String>,
    /// Serial numbers (lower-case hex, no leading zeros) of the revoked certificates.
    pub revoked: Vec<String>,
    /// SHA-256 of the CRL's DER.
    pub sha256: String,
}

const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// The authorities that may sign revocation lists: the trust anchors, and intermediates given
/// with the upload that lead to an anchor (each issued by an anchor or an accepted
/// intermediate, a CA, within validity at `now`).
pub fn crl_issuers(
    anchors: &[Certificate],
    intermediates: &[Certificate],
    now: DateTime<Utc>,
) -> Vec<Certificate> {
    let mut accepted: Vec<Certificate> = anchors.to_vec();
    // At most as many rounds as there are intermediates: each round accepts one more level.
    for _ in 0..intermediates.len() {
        let before = accepted.len();
        for candidate in intermediates {
            if accepted.contains(candidate) || !eds::is_valid_at(candidate, now) {
                continue;
            }
            if eds::is_certificate_authority(candidate).unwrap_or(false)
                && accepted.iter().any(|a| eds::issued_by(candidate, a))
            {
                accepted.push(candidate.clone());
            }
        }
        if accepted.len() == before {
            break;
        }
    }
    accepted
}

/// Verifies a CRL against `issuers` at `now`: signed by one of them (which may sign CRLs),
/// current (this update not in the future, next update not passed), and with no critical
/// extension beyond those understood (delta CRLs are not).
pub fn verify_crl(
    crl: &CertificateList,
    issuers: &[Certificate],
    now: DateTime<Utc>,
) -> Result<CrlContents, RevocationError> {
    let tbs = &crl.tbs_cert_list;
    let signed = tbs
        .to_der()
        .map_err(|e| RevocationError::Malformed(e.to_string()))?;
    let signature = crl
        .signature
        .as_bytes()
        .ok_or_else(|| RevocationError::Malformed("signature has unused bits".into()))?;
    let named: Vec<&Certificate> = issuers
        .iter()
        .filter(|c| c.tbs_certificate.subject == tbs.issuer)
        .collect();
    if named.is_empty() {
        return Err(RevocationError::UnknownIssuer);
    }
    let signer = named.into_iter().find(|issuer| {
        eds::may_sign_crls(issuer).unwrap_or(false)
            && eds::verify_signed_by(issuer, crl.signature_algorithm.oid, &signed, signature)
                .is_ok()
    });
    if signer.is_none() {
        return Err(RevocationError::BadSignature);
    }
    let mut crl_number = None;
    for ext in tbs.crl_extensions.iter().flatten() {
        if ext.extn_id == OID_CRL_NUMBER {
            let number = der::asn1::Uint::from_der(ext.extn_value.as_bytes())
                .map_err(|e| RevocationError::Malformed(format!("CRL number: {e}")))?;
            crl_number = Some(hex::encode(number.as_bytes()));
        } else if ext.critical && ext.extn_id != OID_AUTHORITY_KEY_ID {
            return Err(RevocationError::UnsupportedExtension);
        }
    }
    for entry in tbs.revoked_certificates.iter().flatten() {
        if entry
            .crl_entry_extensions
            .iter()
            .flatten()
            .any(|e| e.critical)
        {
            // A critical entry extension (a certificate issuer of an indirect CRL, say) would
            // change whose serial this is: refuse rather than misread.
            return Err(RevocationError::UnsupportedExtension);
        }
    }
    let this_update_unix = unix(&tbs.this_update);
    let next_update_unix = tbs
        .next_update
        .as_ref()
        .map(unix)
        .ok_or(RevocationError::NoNextUpdate)?;
    let now = now.timestamp();
    if this_update_unix > now + SKEW_SECS {
        return Err(RevocationError::NotYetValid);
    }
    if next_update_unix < now {
        return Err(RevocationError::Stale);
    }
    let der = crl
        .to_der()
        .map_err(|e| RevocationError::Malformed(e.to_string()))?;
    Ok(CrlContents {
        issuer_key: eds::name_key(&tbs.issuer)
            .map_err(|e| RevocationError::Malformed(e.to_string()))?,
        this_update_unix,
        next_update_unix,
        crl_number,
        revoked: tbs
            .revoked_certificates
            .iter()
            .flatten()
            .map(|entry| serial_text(&entry.serial_number))
            .collect(),
        sha256: hex::encode(sha2::Sha256::digest(&der)),
    })
}

/// What an OCSP responder said of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OcspStatus {
    Good,
    Revoked,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcspAnswer {
    pub status: OcspStatus,
    pub this_update_unix: i64,
    pub next_update_unix: Option<i64>,
}

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const OID_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

/// The OCSP certificate identifier of `cert` issued by `issuer` (SHA-1 of the issuer's name and
/// key, as every responder accepts; the answer itself is signed, so SHA-1 here only names).
fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<x509_ocsp::CertId, RevocationError> {
    let name = issuer
        .tbs_certificate
        .subject
        .to_der()
        .map_err(|e| RevocationError::OcspUnusable(e.to_string()))?;
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let octets = |bytes: &[u8]| {
        der::asn1::OctetString::new(sha1::Sha1::digest(bytes).to_vec())
            .map_err(|e| RevocationError::OcspUnusable(e.to_string()))
    };
    Ok(x509_ocsp::CertId {
        hash_algorithm: spki::AlgorithmIdentifierOwned {
            oid: OID_SHA1,
            parameters: Some(der::asn1::Any::null()),
        },
        issuer_name_hash: octets(&name)?,
        issuer_key_hash: octets(key)?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

/// A DER OCSP request for `cert` (issued by `issuer`), carrying `nonce`.
pub fn ocsp_request(
    cert: &Certificate,
    issuer: &Certificate,
    nonce: &[u8],
) -> Result<Vec<u8>, RevocationError> {
    let unusable = |e: der::Error| RevocationError::OcspUnusable(e.to_string());
    let nonce_value = der::asn1::OctetString::new(nonce.to_vec()).map_err(unusable)?;
    let request = x509_ocsp::OcspRequest {
        tbs_request: x509_ocsp::TbsRequest {
            version: x509_ocsp::Version::V1,
            requestor_name: None,
            request_list: vec![x509_ocsp::Request {
                req_cert: cert_id(cert, issuer)?,
                single_request_extensions: None,
            }],
            request_extensions: Some(vec![x509_cert::ext::Extension {
                extn_id: OID_OCSP_NONCE,
                critical: false,
                extn_value: der::asn1::OctetString::new(nonce_value.to_der().map_err(unusable)?)
                    .map_err(unusable)?,
            }]),
        },
        optional_signature: None,
    };
    request.to_der().map_err(unusable)
}

/// An answer without `nextUpdate` says newer information is always available (RFC 5019
/// §2.2.4): it is taken only this soon after its `thisUpdate`, so an old one cannot be replayed.
pub const FRESH_WITHOUT_NEXT_UPDATE_SECS: i64 = 5 * 60;

/// Reads a responder's answer about `cert`: a successful basic response, signed by `issuer`
/// or by a responder certificate `issuer` delegated OCSP signing to, current at `now`, naming
/// exactly this certificate, and echoing `nonce` if it echoes one — or always, when
/// `nonce_required` (a responder known to echo it: `ocsp_require_nonce`).
pub fn read_ocsp_response(
    der_bytes: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    nonce: &[u8],
    nonce_required: bool,
    now: DateTime<Utc>,
) -> Result<OcspAnswer, RevocationError> {
    let unusable = |why: &str| RevocationError::OcspUnusable(why.to_owned());
    let response = x509_ocsp::OcspResponse::from_der(der_bytes)
        .map_err(|e| unusable(&format!("not an OCSP response: {e}")))?;
    if response.response_status != x509_ocsp::OcspResponseStatus::Successful {
        return Err(unusable(&format!(
            "the responder answered {:?}",
            response.response_status
        )));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| unusable("no response bytes"))?;
    if bytes.response_type != OID_OCSP_BASIC {
        return Err(unusable("not a basic OCSP response"));
    }
    let basic = x509_ocsp::BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| unusable(&format!("basic response: {e}")))?;
    let signed = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| unusable(&e.to_string()))?;
    let signature = basic
        .signature
        .as_bytes()
        .ok_or_else(|| unusable("signature has unused bits"))?;
    let algorithm = basic.signature_algorithm.oid;
    let by_issuer = eds::verify_signed_by(issuer, algorithm, &signed, signature).is_ok();
    let by_delegate = || {
        basic.certs.iter().flatten().any(|responder| {
            eds::issued_by(responder, issuer)
                && eds::is_ocsp_signer(responder).unwrap_or(false)
                && eds::is_valid_at(responder, now)
                && eds::verify_signed_by(responder, algorithm, &signed, signature).is_ok()
        })
    };
    if !(by_issuer || by_delegate()) {
        return Err(unusable(
            "the answer is not signed by the issuer or a responder it delegated",
        ));
    }
    match basic.nonce() {
        Some(echoed) => {
            let ours = der::asn1::OctetString::new(nonce.to_vec())
                .map_err(|e| unusable(&e.to_string()))?;
            if echoed.0 != ours {
                return Err(unusable("the answer's nonce is not ours"));
            }
        }
        None if nonce_required => {
            return Err(unusable("the answer does not echo our nonce"));
        }
        None => {}
    }
    let wanted = cert_id(cert, issuer)?;
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| {
            r.cert_id.serial_number == wanted.serial_number
                && r.cert_id.issuer_name_hash == wanted.issuer_name_hash
                && r.cert_id.issuer_key_hash == wanted.issuer_key_hash
        })
        .ok_or_else(|| unusable("the answer does not name this certificate"))?;
    let time = |t: &x509_ocsp::OcspGeneralizedTime| t.0.to_unix_duration().as_secs() as i64;
    let this_update_unix = time(&single.this_update);
    let next_update_unix = single.next_update.as_ref().map(time);
    let now = now.timestamp();
    if this_update_unix > now + SKEW_SECS {
        return Err(unusable("the answer is dated in the future"));
    }
    let current = match next_update_unix {
        Some(next) => next + SKEW_SECS >= now,
        None => now - this_update_unix <= FRESH_WITHOUT_NEXT_UPDATE_SECS + SKEW_SECS,
    };
    if !current {
        return Err(unusable("the answer is out of date"));
    }
    let status = match single.cert_status {
        x509_ocsp::CertStatus::Good(_) => OcspStatus::Good,
        x509_ocsp::CertStatus::Revoked(_) => OcspStatus::Revoked,
        x509_ocsp::CertStatus::Unknown(_) => OcspStatus::Unknown,
    };
    Ok(OcspAnswer {
        status,
        this_update_unix,
        next_update_unix,
    })
}

/// Where a revocation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Admin,
    Crl,
    Ocsp,
}

crate::text_enum!(Source {
    Admin => "admin",
    Crl => "crl",
    Ocsp => "ocsp",
});

/// What a recorded revocation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Consequences {
    pub sessions_ended: i64,
    pub passwords_voided: i64,
}

/// Records a revocation and its consequences, inside the caller's transaction (as this
/// source's own row: another source's, a CRL's above all, never stands for it): the sessions the
/// certificate proved (directly, or through a password set from such a session) end, and such a
/// password is void — the person sets a new one after signing in with a valid certificate
/// (restoring the old one would restore a password a thief may have chosen).
pub async fn record(
    db: &Db,
    key: &CertKey,
    reason: &str,
    source: Source,
    recorded_by: &str,
    now: &str,
) -> Result<Consequences, ApiError> {
    db.exec(
        "INSERT INTO certificate_revocations (issuer_key, serial_hex, reason, source, revoked_at, recorded_by)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (issuer_key, serial_hex, source) DO NOTHING",
        &[
            text(&key.issuer_key),
            text(&key.serial_hex),
            text(reason),
            text(source.as_str()),
            text(now),
            text(recorded_by),
        ],
    ).await?;
    let proofs =
        "SELECT session_id FROM session_certificates WHERE issuer_key = ?1 AND serial_hex = ?2";
    apply_consequences(
        db,
        proofs,
        &[text(&key.issuer_key), text(&key.serial_hex)],
        now,
    )
    .await
}

/// Ends the sessions whose proof is among `proofs` (SQL selecting session ids, with `params`
/// as ?1, ?2, …) and voids the passwords set from them.
async fn apply_consequences(
    db: &Db,
    proofs: &str,
    params: &[crate::platform::db::SqlValue],
    now: &str,
) -> Result<Consequences, ApiError> {
    let n = params.len() + 1;
    let mut with_now = params.to_vec();
    with_now.push(text(now));
    db.exec(
        &format!(
            "UPDATE sessions SET revoked_at = ?{n}, revoked_reason = 'certificate_revoked'
             WHERE revoked_at IS NULL AND proof_session_id IN ({proofs})"
        ),
        &with_now,
    )
    .await?;
    let sessions_ended = changes(db).await?;
    db.exec(
        &format!(
            "UPDATE persons SET password_hash = NULL, password_voided_at = ?{n}, password_proof_session_id = NULL
             WHERE password_hash IS NOT NULL AND password_proof_session_id IN ({proofs})"
        ),
        &with_now,
    ).await?;
    let passwords_voided = changes(db).await?;
    Ok(Consequences {
        sessions_ended,
        passwords_voided,
    })
}

/// Rows the connection's last statement changed.
async fn changes(db: &Db) -> Result<i64, ApiError> {
    crate::platform::db::col_int(
        &db.one("SELECT changes()", &[])
            .await?
            .ok_or_else(|| ApiError::Internal("changes() returned no row".into()))?,
        0,
    )
}

/// The first of `keys` that is revoked, if any. A legacy entry without an issuer (recorded
/// before revocations named one) matches its serial under any issuer: it over-blocks rather
/// than lets a possibly revoked certificate in.
pub async fn first_revoked(db: &Db, keys: &[CertKey]) -> Result<Option<CertKey>, ApiError> {
    for key in keys {
        if db
            .one(
                "SELECT 1 FROM certificate_revocations
                 WHERE serial_hex = ? AND (issuer_key = ? OR issuer_key = '*') LIMIT 1",
                &[text(&key.serial_hex), text(&key.issuer_key)],
            )
            .await?
            .is_some()
        {
            return Ok(Some(key.clone()));
        }
    }
    Ok(None)
}

/// Whether the newest loaded CRL of an issuer is past its next update (the CA has published a
/// newer one the portal does not have). `None` when no CRL of that issuer was loaded.
pub async fn crl_is_stale(
    db: &Db,
    issuer_key: &str,
    now_unix: i64,
) -> Result<Option<bool>, ApiError> {
    Ok(db
        .one(
            "SELECT next_update_unix FROM crls WHERE issuer_key = ? ORDER BY this_update_unix DESC LIMIT 1",
            &[text(issuer_key)],
        ).await?
        .and_then(|row| row.get::<i64>(0))
        .map(|next| next < now_unix))
}

/// Rows per multi-row insert of a CRL's entries (six parameters each, far below SQLite's cap).
const CRL_INSERT_BATCH: usize = 200;

/// Loads a verified CRL inside the caller's transaction: refuses one older than (or as old as)
/// the newest loaded for that issuer, replaces the issuer's CRL-sourced revocations with this
/// list's, and applies the consequences to every certificate on it at once (a national CA's
/// list has hundreds of thousands of entries: per-entry statements would take minutes).
pub async fn load_crl(
    db: &Db,
    crl: &CrlContents,
    loaded_by: &str,
    now: &str,
) -> Result<(i64, Consequences), ApiError> {
    if let Some(row) = db.one(
        "SELECT this_update_unix FROM crls WHERE issuer_key = ? ORDER BY this_update_unix DESC LIMIT 1",
        &[text(&crl.issuer_key)],
    ).await? && crate::platform::db::col_int(&row, 0)? >= crl.this_update_unix
    {
        return Err(crl_problem(&RevocationError::Older));
    }
    let id = crate::platform::db::col_int(
        &db.one(
            "INSERT INTO crls (issuer_key, this_update_unix, next_update_unix, crl_number, sha256, entries, loaded_at, loaded_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                text(&crl.issuer_key),
                int(crl.this_update_unix),
                int(crl.next_update_unix),
                crate::platform::db::opt_text(crl.crl_number.as_deref()),
                text(&crl.sha256),
                int(crl.revoked.len() as i64),
                text(now),
                text(loaded_by),
            ],
        ).await?
        .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?,
        0,
    )?;
    db.exec(
        "DELETE FROM certificate_revocations WHERE issuer_key = ? AND source = 'crl'",
        &[text(&crl.issuer_key)],
    )
    .await?;
    for batch in crl.revoked.chunks(CRL_INSERT_BATCH) {
        let rows = vec!["(?, ?, 'listed in the CA''s revocation list', 'crl', ?, ?)"; batch.len()]
            .join(", ");
        let mut params = Vec::with_capacity(batch.len() * 4);
        for serial in batch {
            params.extend([
                text(&crl.issuer_key),
                text(serial),
                text(now),
                text(loaded_by),
            ]);
        }
        db.exec(
            &format!(
                "INSERT INTO certificate_revocations (issuer_key, serial_hex, reason, source, revoked_at, recorded_by)
                 VALUES {rows} ON CONFLICT (issuer_key, serial_hex, source) DO NOTHING"
            ),
            &params,
        ).await?;
    }
    let proofs = "SELECT sc.session_id FROM session_certificates sc
                  JOIN certificate_revocations r ON r.issuer_key = sc.issuer_key AND r.serial_hex = sc.serial_hex
                  WHERE sc.issuer_key = ?1";
    let done = apply_consequences(db, proofs, &[text(&crl.issuer_key)], now).await?;
    Ok((id, done))
}

/// A CRL refused, as the API answers it: 422 naming what is wrong with the list.
pub fn crl_problem(e: &RevocationError) -> ApiError {
    ApiError::invalid("crl", e.code(), &e.to_string())
}

impl From<EdsError> for RevocationError {
    fn from(e: EdsError) -> Self {
        RevocationError::Malformed(e.to_string())
    }
}

#[cfg(test)]
mod tests;

/// The revocations admins and OCSP recorded (CRL entries are summarised by [`crls`]), newest
/// first, each with every source that revokes the certificate (a CRL may list it too).
pub async fn recorded(db: &Db) -> Result<Vec<serde_json::Value>, ApiError> {
    use crate::platform::db::col_text;
    let rows = db.query(
        "SELECT r.issuer_key, r.serial_hex, r.reason, r.source, r.revoked_at, r.recorded_by,
                (SELECT json_group_array(source) FROM (SELECT o.source FROM certificate_revocations o
                  WHERE o.issuer_key = r.issuer_key AND o.serial_hex = r.serial_hex ORDER BY o.source))
         FROM certificate_revocations r WHERE r.source <> 'crl' ORDER BY r.revoked_at DESC LIMIT 1000",
        &[],
    ).await?;
    let list = rows.each(|r| {
        let issuer = col_text(r, 0)?;
        Ok(serde_json::json!({
            "issuer_key": (issuer != "*").then_some(issuer),
            "serial_number": col_text(r, 1)?, "reason": col_text(r, 2)?,
            "source": col_text(r, 3)?, "revoked_at": col_text(r, 4)?,
            "revoked_by": col_text(r, 5)?,
            "sources": serde_json::from_str::<serde_json::Value>(&col_text(r, 6)?)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        }))
    })?;
    Ok(list)
}

/// The certificate revocation lists loaded, newest first, each marked stale once past its
/// next update at `now`.
pub async fn crls(db: &Db, now: i64) -> Result<Vec<serde_json::Value>, ApiError> {
    use crate::platform::clock;
    use crate::platform::db::{col_int, col_opt_text, col_text};
    let rows = db.query(
        "SELECT id, issuer_key, this_update_unix, next_update_unix, crl_number, sha256, entries,
                loaded_at, loaded_by
         FROM crls ORDER BY id DESC LIMIT 200",
        &[],
    ).await?;
    let list = rows.each(|r| {
        let next = col_int(r, 3)?;
        Ok(serde_json::json!({
            "id": col_int(r, 0)?, "issuer_key": col_text(r, 1)?,
            "this_update": clock::rfc3339(clock::from_unix(col_int(r, 2)?)),
            "next_update": clock::rfc3339(clock::from_unix(next)), "stale": next < now,
            "crl_number": col_opt_text(r, 4), "sha256": col_text(r, 5)?,
            "entries": col_int(r, 6)?, "loaded_at": col_text(r, 7)?, "loaded_by": col_text(r, 8)?,
        }))
    })?;
    Ok(list)
}
