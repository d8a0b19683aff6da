//! The append-only, hash-chained audit log. Every state change writes its row in the same
//! transaction as the change itself ([`record`] must be called inside
//! [`Db::transaction`](crate::db::Db::transaction)). Each row's hash covers the previous hash
//! and the row's own content, so an altered or deleted row breaks the chain.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Db, opt_text, text};
use crate::error::ApiError;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did something, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub iin: Option<String>,
    /// `participant`, an officer role, `admin`, or `anonymous` before identity is proven.
    pub role: String,
    pub client_addr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub at: String,
    pub actor_iin: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub subject: String,
    pub case_id: Option<i64>,
    pub client_addr: String,
    pub detail: String,
}

/// The chain link: SHA-256 over the previous hash and the row's canonical JSON.
pub fn chain_hash(prev_hash: &str, entry: &Entry) -> String {
    let canonical = serde_json::json!([
        entry.at,
        entry.actor_iin,
        entry.actor_role,
        entry.action,
        entry.subject,
        entry.case_id,
        entry.client_addr,
        entry.detail,
    ])
    .to_string();
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// Appends one row. Call inside a transaction: the read of the last hash and the insert must
/// not interleave with another writer's.
pub fn record(
    db: &Db,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    record_for_case(db, actor, action, subject, None, detail)
}

/// [`record`], for a row that concerns a case (it appears in the case's access log).
pub fn record_for_case(
    db: &Db,
    actor: &Actor,
    action: &str,
    subject: &str,
    case_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let prev_hash = match db.one("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", &[])? {
        Some(row) => crate::db::col_text(&row, 0)?,
        None => GENESIS_HASH.to_owned(),
    };
    let entry = Entry {
        at: crate::clock::rfc3339(crate::clock::now()),
        actor_iin: actor.iin.clone(),
        actor_role: actor.role.clone(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        case_id,
        client_addr: actor.client_addr.clone(),
        detail: detail.to_string(),
    };
    let hash = chain_hash(&prev_hash, &entry);
    let at = entry.at.clone();
    let row = db.one(
        "INSERT INTO audit_log (at, actor_iin, actor_role, action, subject, case_id, client_addr, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &[
            text(entry.at),
            opt_text(entry.actor_iin),
            text(entry.actor_role),
            text(entry.action),
            text(entry.subject),
            entry.case_id.map(crate::db::int).unwrap_or(crate::db::SqlValue::Null),
            text(entry.client_addr),
            text(entry.detail),
            text(prev_hash),
            text(&hash),
        ],
    )?;
    let id = crate::db::col_int(
        &row.ok_or_else(|| ApiError::Internal("insert returned no id".into()))?,
        0,
    )?;
    if id % CHECKPOINT_EVERY == 0 {
        checkpoint(db, id, &hash, &at)?;
    }
    Ok(())
}

/// Every this many rows, the chain gets a signed checkpoint.
pub const CHECKPOINT_EVERY: i64 = 100;

/// What a checkpoint signature covers.
pub fn checkpoint_message(audit_id: i64, hash: &str, at: &str) -> String {
    format!("jaria:audit-checkpoint:v1\n{audit_id}\n{hash}\n{at}")
}

/// The name of a checkpoint key: the start of its public key's SHA-256.
pub fn key_id(public_key: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public_key)[..8])
}

/// The checkpoint signing key from the `audit_signing_key` variable (base64 of a 32-byte
/// Ed25519 seed), if set. The key lives outside the database on purpose.
fn checkpoint_key() -> Result<Option<ed25519_dalek::SigningKey>, ApiError> {
    use base64::Engine as _;
    let Some(text) = crate::config::optional("audit_signing_key").filter(|t| !t.trim().is_empty())
    else {
        return Ok(None);
    };
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            ApiError::Unavailable("audit_signing_key is not the base64 of 32 bytes".into())
        })?;
    Ok(Some(ed25519_dalek::SigningKey::from_bytes(&seed)))
}

/// Signs the chain up to row `audit_id` (inside the row's transaction).
fn checkpoint(db: &Db, audit_id: i64, hash: &str, at: &str) -> Result<(), ApiError> {
    use ed25519_dalek::Signer as _;
    let Some(key) = checkpoint_key()? else {
        return Ok(());
    };
    let signature = key.sign(checkpoint_message(audit_id, hash, at).as_bytes());
    db.exec(
        "INSERT INTO audit_checkpoints (audit_id, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)",
        &[
            crate::db::int(audit_id),
            text(hash),
            text(at),
            text(key_id(key.verifying_key().as_bytes())),
            text(hex::encode(signature.to_bytes())),
        ],
    )
}

/// What a read of personal or case data leaves in the log.
#[derive(Debug, Clone)]
pub struct ReadNote {
    pub action: String,
    pub subject: String,
    pub case_id: Option<i64>,
    pub detail: serde_json::Value,
}

impl ReadNote {
    pub fn new(action: &str, subject: impl Into<String>, case_id: Option<i64>) -> Self {
        Self {
            action: action.to_owned(),
            subject: subject.into(),
            case_id,
            detail: serde_json::json!({}),
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// An audited read: `read` runs on one snapshot without the write lock, then its audit row is
/// appended in a short write transaction. The data is returned only once that row is
/// committed, so every read that reaches a caller is in the log (a power failure, unlike a
/// crash, may cut the newest read rows off the end: see [`Db::log_transaction`]), and reads do
/// not queue behind one another for the whole time they take.
pub fn audited_read<T>(
    db: &Db,
    actor: &Actor,
    read: impl FnOnce(&Db) -> Result<(T, ReadNote), ApiError>,
) -> Result<T, ApiError> {
    let (value, note) = db.snapshot(read)?;
    db.log_transaction(|db| {
        record_for_case(
            db,
            actor,
            &note.action,
            &note.subject,
            note.case_id,
            note.detail,
        )
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> Entry {
        Entry {
            at: "2026-11-28T10:00:00.000Z".into(),
            actor_iin: Some("791028302728".into()),
            actor_role: "participant".into(),
            action: action.into(),
            subject: "session:1".into(),
            case_id: None,
            client_addr: "127.0.0.1:1".into(),
            detail: "{}".into(),
        }
    }

    #[test]
    fn hash_depends_on_previous_hash_and_every_field() {
        let a = chain_hash(GENESIS_HASH, &entry("sign_in"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, chain_hash(&a, &entry("sign_in")));
        assert_ne!(a, chain_hash(GENESIS_HASH, &entry("sign_out")));
        let mut other = entry("sign_in");
        other.actor_iin = None;
        assert_ne!(a, chain_hash(GENESIS_HASH, &other));
        let mut other = entry("sign_in");
        other.case_id = Some(1);
        assert_ne!(a, chain_hash(GENESIS_HASH, &other));
        assert_eq!(a, chain_hash(GENESIS_HASH, &entry("sign_in")));
    }
}
