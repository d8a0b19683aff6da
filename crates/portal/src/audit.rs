//! The append-only, hash-chained audit log. Every state change writes its row in the same
//! transaction as the change itself ([`record`] must be called inside
//! [`Db::transaction`](crate::platform::db::Db::transaction)). Each row's hash covers the previous hash
//! and the row's own content, so an altered or deleted row breaks the chain.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::platform::db::{Db, opt_text, text};
use crate::platform::error::ApiError;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did something, from where, and in which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub iin: Option<String>,
    /// `participant`, an officer role, `admin`, or `anonymous` before identity is proven.
    pub role: String,
    pub client_addr: String,
    pub request: RequestIds,
}

/// The ids of the request an actor made: the server's, and the client's own if it sent one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestIds {
    pub id: String,
    pub client_id: Option<String>,
}

impl RequestIds {
    pub fn of(req: &crate::http::Request) -> Self {
        Self {
            id: req.context().id().to_owned(),
            client_id: req.context().client_id().map(str::to_owned),
        }
    }

    /// Adds these ids to an audit detail object.
    fn stamp(&self, detail: serde_json::Value) -> serde_json::Value {
        crate::http::request::stamp(detail, &self.id, self.client_id.as_deref())
    }
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
pub async fn record(
    db: &Db,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    record_for_case(db, actor, action, subject, None, detail).await
}

/// [`record`], for a row that concerns a case (it appears in the case's access log).
pub async fn record_for_case(
    db: &Db,
    actor: &Actor,
    action: &str,
    subject: &str,
    case_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    // Many reads waiting to be sealed (a busy minute): this change seals a batch first. One
    // statement tells both that and the chain's head: on libSQL each statement inside the
    // transaction is a round trip made while every other writer waits.
    let head = chain_head(db).await?;
    let prev_hash = if head.last_read - head.sealed_up_to >= SEAL_WHEN_WAITING {
        seal_from(db, actor, &head)
            .await?
            .map_or(head.prev_hash, |(hash, _)| hash)
    } else {
        head.prev_hash
    };
    insert_chained(db, &prev_hash, actor, action, subject, case_id, detail)
        .await
        .map(drop)
}

/// Appends one row after `prev_hash` (inside the caller's write transaction); returns its hash.
async fn insert_chained(
    db: &Db,
    prev_hash: &str,
    actor: &Actor,
    action: &str,
    subject: &str,
    case_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<String, ApiError> {
    let entry = Entry {
        at: crate::platform::clock::rfc3339(crate::platform::clock::now()),
        actor_iin: actor.iin.clone(),
        actor_role: actor.role.clone(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        case_id,
        client_addr: actor.client_addr.clone(),
        detail: actor.request.stamp(detail).to_string(),
    };
    let hash = chain_hash(prev_hash, &entry);
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
            entry.case_id.map(crate::platform::db::int).unwrap_or(crate::platform::db::SqlValue::Null),
            text(entry.client_addr),
            text(entry.detail),
            text(prev_hash),
            text(&hash),
        ],
    ).await?;
    let id = crate::platform::db::col_int(
        &row.ok_or_else(|| ApiError::Internal("insert returned no id".into()))?,
        0,
    )?;
    if id % CHECKPOINT_EVERY == 0 {
        checkpoint(db, id, &hash, &at).await?;
    }
    Ok(hash)
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
async fn checkpoint_key() -> Result<Option<ed25519_dalek::SigningKey>, ApiError> {
    let Some(text) = crate::platform::settings::AUDIT_SIGNING_KEY
        .optional()
        .await
        .filter(|t| !t.trim().is_empty())
    else {
        return Ok(None);
    };
    parse_checkpoint_key(&text)
        .map(Some)
        .map_err(ApiError::Unavailable)
}

/// The key a set `audit_signing_key` holds; readiness refuses one that is not a key, so a
/// mistake shows at rollout, not at the next hundredth audited write (which it would fail).
pub fn parse_checkpoint_key(text: &str) -> Result<ed25519_dalek::SigningKey, String> {
    use base64::Engine as _;
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| "audit_signing_key is not the base64 of 32 bytes".to_owned())?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

/// The newest signed checkpoint: the row and the hash it signs. The tick logs and reports it,
/// so a copy of the chain's head lives outside the database (`jaria audit verify --anchor`
/// then shows a chain cut back below it).
pub async fn last_checkpoint(db: &Db) -> Result<Option<(i64, String)>, ApiError> {
    let row = db
        .one(
            "SELECT audit_id, hash FROM audit_checkpoints ORDER BY audit_id DESC LIMIT 1",
            &[],
        )
        .await?;
    row.map(|r| {
        Ok((
            crate::platform::db::col_int(&r, 0)?,
            crate::platform::db::col_text(&r, 1)?,
        ))
    })
    .transpose()
}

/// Signs the chain up to row `audit_id` (inside the row's transaction).
async fn checkpoint(db: &Db, audit_id: i64, hash: &str, at: &str) -> Result<(), ApiError> {
    use ed25519_dalek::Signer as _;
    let Some(key) = checkpoint_key().await? else {
        return Ok(());
    };
    let signature = key.sign(checkpoint_message(audit_id, hash, at).as_bytes());
    db.exec(
        "INSERT INTO audit_checkpoints (audit_id, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)",
        &[
            crate::platform::db::int(audit_id),
            text(hash),
            text(at),
            text(key_id(key.verifying_key().as_bytes())),
            text(hex::encode(signature.to_bytes())),
        ],
    ).await
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

/// An audited read: `read` runs on one snapshot without the write lock, then its row is
/// appended to `read_log` with one `INSERT` — the write lock is held for that one statement,
/// not for a transaction. The data is returned only once the row is committed, so every read
/// that reaches a caller is in the log. Its commit does not wait for the disk (a power
/// failure, unlike a crash, may cut the newest read rows off the end: [`Db::append_unsynced`]);
/// the row joins the hash chain when reads are next sealed ([`seal_reads`]).
pub async fn audited_read<T>(
    db: &Db,
    actor: &Actor,
    read: impl AsyncFn(&Db) -> Result<(T, ReadNote), ApiError>,
) -> Result<T, ApiError> {
    let (value, note) = db.snapshot(read).await?;
    db.append_unsynced(
        "INSERT INTO read_log (at, actor_iin, actor_role, action, subject, case_id, client_addr, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            text(crate::platform::clock::rfc3339(crate::platform::clock::now())),
            opt_text(actor.iin.clone()),
            text(&actor.role),
            text(&note.action),
            text(&note.subject),
            note.case_id.map(crate::platform::db::int).unwrap_or(crate::platform::db::SqlValue::Null),
            text(&actor.client_addr),
            text(actor.request.stamp(note.detail).to_string()),
        ],
    ).await?;
    Ok(value)
}

/// One read row, as the seals hash it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadRow {
    pub id: i64,
    pub entry: Entry,
}

/// The canonical text of a read row inside a seal: its id and the same fields as a chain
/// entry, one JSON array per line.
pub fn read_row_line(row: &ReadRow) -> String {
    serde_json::json!([
        row.id,
        row.entry.at,
        row.entry.actor_iin,
        row.entry.actor_role,
        row.entry.action,
        row.entry.subject,
        row.entry.case_id,
        row.entry.client_addr,
        row.entry.detail,
    ])
    .to_string()
}

/// The digest a seal carries: SHA-256 over the rows' lines, each followed by a newline.
pub fn reads_digest<'a>(rows: impl IntoIterator<Item = &'a ReadRow>) -> String {
    let mut h = Sha256::new();
    for row in rows {
        h.update(read_row_line(row).as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// The most read rows one seal covers: the work of one seal stays bounded.
pub const SEAL_BATCH: i64 = 5_000;
/// State changes seal reads themselves only once this many wait (the tick seals the rest).
pub const SEAL_WHEN_WAITING: i64 = 2_000;

/// Seals the read rows not sealed yet (at most [`SEAL_BATCH`]) into the chain: one
/// `reads_sealed` row with the range and the SHA-256 of the rows. Call inside a write
/// transaction. Returns how many rows were sealed.
pub async fn seal_reads(db: &Db, actor: &Actor) -> Result<i64, ApiError> {
    let head = chain_head(db).await?;
    Ok(seal_from(db, actor, &head)
        .await?
        .map_or(0, |(_, count)| count))
}

/// [`seal_reads`] from a chain head just read: if it sealed anything, the new head's hash and
/// how many rows it sealed.
async fn seal_from(
    db: &Db,
    actor: &Actor,
    head: &ChainHead,
) -> Result<Option<(String, i64)>, ApiError> {
    let (up_to, last) = (head.sealed_up_to, head.last_read);
    if last <= up_to {
        return Ok(None);
    }
    let to = last.min(up_to + SEAL_BATCH);
    let rows = db
        .query(
            "SELECT id, at, actor_iin, actor_role, action, subject, case_id, client_addr, detail
         FROM read_log WHERE id > ? AND id <= ? ORDER BY id",
            &[
                crate::platform::db::int(up_to),
                crate::platform::db::int(to),
            ],
        )
        .await?;
    let rows = rows.each(|r| {
        Ok(ReadRow {
            id: crate::platform::db::col_int(r, 0)?,
            entry: Entry {
                at: crate::platform::db::col_text(r, 1)?,
                actor_iin: crate::platform::db::col_opt_text(r, 2),
                actor_role: crate::platform::db::col_text(r, 3)?,
                action: crate::platform::db::col_text(r, 4)?,
                subject: crate::platform::db::col_text(r, 5)?,
                case_id: crate::platform::db::col_opt_int(r, 6),
                client_addr: crate::platform::db::col_text(r, 7)?,
                detail: crate::platform::db::col_text(r, 8)?,
            },
        })
    })?;
    let digest = reads_digest(&rows);
    db.exec(
        "UPDATE read_log_sealed SET up_to = ? WHERE only = 1",
        &[crate::platform::db::int(to)],
    )
    .await?;
    let hash = insert_chained(
        db,
        &head.prev_hash,
        actor,
        "reads_sealed",
        "read_log",
        None,
        serde_json::json!({ "from": up_to + 1, "to": to, "count": rows.len(), "sha256": digest }),
    )
    .await?;
    // Where this seal ends, and its chain row (the row just written): the retention rule
    // prunes whole seals whose chain row is older than its cut-off.
    db.exec(
        "INSERT INTO read_seals (to_row, audit_id) VALUES (?, (SELECT max(id) FROM audit_log))",
        &[crate::platform::db::int(to)],
    )
    .await?;
    Ok(Some((hash, rows.len() as i64)))
}

/// How long read rows are kept (variable `read_log_retention_days`): five years unless set;
/// `0` keeps them for ever. The chain keeps each pruned range's digest and the row that
/// pruned it, so the record stays provable; who first saw a decision (proof of service) is
/// kept apart and never pruned.
pub const DEFAULT_READ_RETENTION_DAYS: i64 = 1826;

/// The retention rule as configured: the number of days, or none for "for ever".
pub async fn read_retention_days() -> Result<Option<i64>, ApiError> {
    let Some(value) = crate::platform::settings::READ_LOG_RETENTION_DAYS
        .optional()
        .await
    else {
        return Ok(Some(DEFAULT_READ_RETENTION_DAYS));
    };
    parse_retention_days(&value)
}

/// `read_log_retention_days`: empty is the default, `0` keeps for ever, else whole days (at
/// least 30: a shorter promise would prune what a person may still ask to see). Nonsense is
/// an error, never "prune everything".
pub fn parse_retention_days(value: &str) -> Result<Option<i64>, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(Some(DEFAULT_READ_RETENTION_DAYS));
    }
    match value.parse::<i64>() {
        Ok(0) => Ok(None),
        Ok(days) if (30..=36_600).contains(&days) => Ok(Some(days)),
        _ => Err(ApiError::Unavailable(format!(
            "variable `read_log_retention_days`: {value:?} is not 0 (keep for ever) or a number of days from 30 to 36600"
        ))),
    }
}

/// The cut-off for rows kept `days` at `now`: seals made before it are pruned.
pub fn read_cutoff(now: chrono::DateTime<chrono::Utc>, days: i64) -> String {
    crate::platform::clock::rfc3339(now - chrono::Duration::days(days))
}

/// Prunes the read rows of the oldest seal not pruned yet if its chain row was written before
/// `cutoff` (RFC 3339): deletes them, and writes a `reads_pruned` row into the chain naming
/// the range and the cut-off — the only way the verifier accepts read rows gone. The seal
/// holding the newest read is never pruned: read ids are never reused. Call inside a write
/// transaction. Returns how many rows were deleted (0: nothing is old enough).
pub async fn prune_reads(db: &Db, actor: &Actor, cutoff: &str) -> Result<i64, ApiError> {
    use crate::platform::db::{col_int, col_opt_int, int, text};
    let Some(next) = db
        .one(
            "SELECT s.pruned_up_to, r.to_row,
                    a.at < ? AND a.action = 'reads_sealed' AND json_extract(a.detail, '$.to') = r.to_row,
                    r.to_row < (SELECT ifnull(max(id), 0) FROM read_log)
             FROM read_log_sealed s JOIN read_seals r ON r.to_row > s.pruned_up_to
             LEFT JOIN audit_log a ON a.id = r.audit_id
             WHERE s.only = 1 ORDER BY r.to_row LIMIT 1",
            &[text(cutoff)],
        )
        .await?
    else {
        return Ok(0);
    };
    // Seals are pruned in order: the next one not old enough (or the newest) stops the rule.
    if col_opt_int(&next, 2) != Some(1) || col_opt_int(&next, 3) != Some(1) {
        return Ok(0);
    }
    let (from, to) = (col_int(&next, 0)? + 1, col_int(&next, 1)?);
    let count = db
        .one(
            "SELECT count(*) FROM read_log WHERE id >= ? AND id <= ?",
            &[int(from), int(to)],
        )
        .await?
        .map(|r| col_int(&r, 0))
        .transpose()?
        .unwrap_or(0);
    db.exec(
        "UPDATE read_log_sealed SET pruned_up_to = ? WHERE only = 1",
        &[int(to)],
    )
    .await?;
    db.exec(
        "DELETE FROM read_log WHERE id >= ? AND id <= ?",
        &[int(from), int(to)],
    )
    .await?;
    db.exec("DELETE FROM read_seals WHERE to_row <= ?", &[int(to)])
        .await?;
    record(
        db,
        actor,
        "reads_pruned",
        "read_log",
        serde_json::json!({ "from": from, "to": to, "count": count, "sealed_before": cutoff }),
    )
    .await?;
    Ok(count)
}

/// Where the chain stands: how far reads are sealed, the newest read row, the last hash.
struct ChainHead {
    sealed_up_to: i64,
    last_read: i64,
    prev_hash: String,
}

async fn chain_head(db: &Db) -> Result<ChainHead, ApiError> {
    let row = db
        .one(
            "SELECT (SELECT up_to FROM read_log_sealed WHERE only = 1),
                    (SELECT ifnull(max(id), 0) FROM read_log),
                    (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1)",
            &[],
        )
        .await?
        .ok_or_else(|| ApiError::Internal("chain head returned no row".into()))?;
    Ok(ChainHead {
        sealed_up_to: crate::platform::db::col_opt_int(&row, 0).unwrap_or(0),
        last_read: crate::platform::db::col_opt_int(&row, 1).unwrap_or(0),
        prev_hash: crate::platform::db::col_opt_text(&row, 2)
            .unwrap_or_else(|| GENESIS_HASH.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_retention_is_days_or_for_ever_and_never_nonsense() {
        assert_eq!(
            parse_retention_days("").ok(),
            Some(Some(DEFAULT_READ_RETENTION_DAYS))
        );
        assert_eq!(parse_retention_days(" 0 ").ok(), Some(None));
        assert_eq!(parse_retention_days("365").ok(), Some(Some(365)));
        // Too short a promise, a negative, a fraction or words: refused, never "prune all".
        for nonsense in ["29", "-1", "1.5", "forever", "36601"] {
            assert!(parse_retention_days(nonsense).is_err(), "{nonsense}");
        }
    }

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
