//! `jaria audit verify`: re-walks the hash-chained `audit_log` of a state dir's database and
//! says whether it is intact. The chain is recomputed with the portal's own
//! [`jaria_portal::audit::chain_hash`], so the check and the writers can never disagree on
//! the canonical form.
//!
//! What each failure means:
//! - a row whose recomputed hash differs from its stored `hash`: the row was **altered**;
//! - a row whose `prev_hash` is not the previous row's `hash` (the genesis hash for the first
//!   row): a row before it was **deleted, inserted or rewritten** (with a recomputed hash);
//! - an id that does not follow the previous one (ids start at 1 and have no gaps, since rows
//!   are never deleted): rows were **deleted**.
//!
//! The database is opened read-only, so this is safe beside a running host (it reads one
//! snapshot). A chain alone cannot show that rows were cut off its end: keep the printed last
//! hash somewhere else (a log, a ticket, a signed note) and compare it later.

use std::path::Path;

use jaria_portal::audit::{Entry, GENESIS_HASH, chain_hash};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// An intact chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub rows: u64,
    /// The last row's hash ([`GENESIS_HASH`] for an empty log): an anchor to keep elsewhere.
    pub last_hash: String,
    /// Signed checkpoints found and checked.
    pub checkpoints: u64,
    /// The last row a checkpoint signs, if any.
    pub last_signed_row: Option<i64>,
    /// Whether the checkpoints' signatures were checked (a public key was given).
    pub signatures_checked: bool,
    /// Read rows the chain's seals cover (and that are still there to check), and read rows
    /// logged since the last seal.
    pub reads_sealed: u64,
    pub reads_unsealed: u64,
    /// Read rows of sealed ranges the retention rule pruned, each range named by a
    /// `reads_pruned` row of the chain.
    pub reads_pruned: u64,
}

impl Verified {
    /// The chain alone: `rows` rows ending in `last_hash`, nothing else checked yet.
    fn chain(rows: u64, last_hash: String) -> Self {
        Self {
            rows,
            last_hash,
            checkpoints: 0,
            last_signed_row: None,
            signatures_checked: false,
            reads_sealed: 0,
            reads_unsealed: 0,
            reads_pruned: 0,
        }
    }
}

/// The first place where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// Ids jumped from `previous_id` to `id`: the rows between were deleted.
    Gap {
        id: i64,
        previous_id: i64,
        rows_checked: u64,
    },
    /// The row's `prev_hash` column is not the previous row's hash.
    PrevMismatch {
        id: i64,
        stored_prev: String,
        expected_prev: String,
        rows_checked: u64,
    },
    /// The row's content does not hash to its stored `hash`.
    Altered {
        id: i64,
        stored_hash: String,
        computed_hash: String,
        rows_checked: u64,
    },
    /// A signed checkpoint names a hash the chain no longer has at its row (or a row that is
    /// gone): the chain up to it was rewritten.
    CheckpointMismatch {
        id: i64,
        signed_hash: String,
        chain_hash: Option<String>,
    },
    /// A checkpoint's signature does not verify with the key it names, or names a key not
    /// given: forged.
    CheckpointSignature { id: i64, key_id: String },
    /// A row that must have its signed checkpoint (every 100th while the key is set) has none:
    /// checkpoints were deleted.
    CheckpointMissing { id: i64 },
    /// The chain's hash at a row kept outside the database (the tick's logged head) is not the
    /// one kept, or the row is gone: the log was cut back or rewritten.
    AnchorMismatch {
        id: i64,
        kept_hash: String,
        chain_hash: Option<String>,
    },
    /// The read rows a seal covers no longer hash to what it sealed (altered, deleted or
    /// inserted), or the seals do not follow one another.
    ReadSeal {
        id: i64,
        from: i64,
        to: i64,
        why: String,
    },
    /// `read_log_sealed` says reads are sealed or pruned up to other rows than the chain does
    /// (sealed, pruned): moved without a seal or a pruning, unsealed rows could go unnoticed.
    ReadCounters {
        table: (i64, i64),
        chain: (i64, i64),
    },
}

impl Broken {
    /// The id of the first row that does not verify.
    pub fn id(&self) -> i64 {
        match self {
            Broken::Gap { id, .. }
            | Broken::PrevMismatch { id, .. }
            | Broken::Altered { id, .. }
            | Broken::CheckpointMismatch { id, .. }
            | Broken::CheckpointSignature { id, .. }
            | Broken::CheckpointMissing { id }
            | Broken::AnchorMismatch { id, .. }
            | Broken::ReadSeal { id, .. } => *id,
            Broken::ReadCounters { .. } => 0,
        }
    }
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::Gap {
                id,
                previous_id,
                rows_checked,
            } => {
                let missing = if id - previous_id == 2 {
                    format!("row {} is missing", previous_id + 1)
                } else {
                    format!("rows {}..={} are missing", previous_id + 1, id - 1)
                };
                write!(
                    f,
                    "audit log BROKEN at row {id}: id gap after row {previous_id} ({missing}): \
                     rows were deleted ({rows_checked} rows before it verified)"
                )
            }
            Broken::PrevMismatch {
                id,
                stored_prev,
                expected_prev,
                rows_checked,
            } => write!(
                f,
                "audit log BROKEN at row {id}: its prev_hash {stored_prev} is not the previous \
                 row's hash {expected_prev}: a row before it was deleted, inserted or rewritten \
                 ({rows_checked} rows before it verified)"
            ),
            Broken::Altered {
                id,
                stored_hash,
                computed_hash,
                rows_checked,
            } => write!(
                f,
                "audit log BROKEN at row {id}: its content hashes to {computed_hash}, not to the \
                 stored {stored_hash}: the row was altered ({rows_checked} rows before it verified)"
            ),
            Broken::CheckpointMismatch {
                id,
                signed_hash,
                chain_hash,
            } => write!(
                f,
                "audit log BROKEN at row {id}: a signed checkpoint says its hash is {signed_hash}, \
                 the chain has {}: the chain was rewritten up to a signed point",
                chain_hash.as_deref().unwrap_or("no such row")
            ),
            Broken::CheckpointSignature { id, key_id } => write!(
                f,
                "audit log BROKEN at row {id}: its checkpoint's signature (key {key_id}) does not \
                 verify with the keys given: the checkpoint is forged"
            ),
            Broken::CheckpointMissing { id } => write!(
                f,
                "audit log BROKEN at row {id}: it has no signed checkpoint, yet every {}th row \
                 gets one in its own transaction while the key is set: checkpoints were deleted \
                 (if the key was set only after this row, give --signed-from with the first row \
                 written under it)",
                jaria_portal::audit::CHECKPOINT_EVERY
            ),
            Broken::AnchorMismatch {
                id,
                kept_hash,
                chain_hash,
            } => write!(
                f,
                "audit log BROKEN at row {id}: the head kept outside the database says {kept_hash}, \
                 the chain has {}: the log was cut back or rewritten",
                chain_hash.as_deref().unwrap_or("no such row")
            ),
            Broken::ReadSeal { id, from, to, why } => write!(
                f,
                "audit log BROKEN at row {id}: it seals read rows {from}..={to}, but {why}"
            ),
            Broken::ReadCounters { table, chain } => write!(
                f,
                "audit log BROKEN: read_log_sealed says reads are sealed to row {} and pruned to row {}, \
                 the chain says {} and {}: the counters were moved outside a seal or a pruning",
                table.0, table.1, chain.0, chain.1
            ),
        }
    }
}

/// What the operator knows from outside the database, to hold the log to.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The keys checkpoints must be signed with (none: their hashes only, and no cadence).
    pub keys: Vec<ed25519_dalek::VerifyingKey>,
    /// The first row written while the key was set (default: the first row): from it on,
    /// every hundredth row must have its checkpoint.
    pub signed_from: Option<i64>,
    /// A row and its hash kept elsewhere (the tick's logged `audit head`).
    pub anchor: Option<(i64, String)>,
}

/// Opens the state dir's database read-only (never creating it) and verifies its chain, and
/// its signed checkpoints as `expect` says.
pub fn verify_state_dir(
    state_dir: &Path,
    expect: &Expect,
) -> anyhow::Result<Result<Verified, Broken>> {
    let path = state_dir.join(crate::storage::DB_FILE);
    if !path.is_file() {
        anyhow::bail!("no database at {}", path.display());
    }
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| anyhow::anyhow!("cannot open {} read-only: {e}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    verify_database(&conn, expect, &path.display().to_string())
}

/// Verifies the `default` database on a libSQL server, from one consistent dump of it.
pub fn verify_server(
    server: &crate::libsql_server::Server,
    expect: &Expect,
) -> anyhow::Result<Result<Verified, Broken>> {
    let conn = Connection::open_in_memory()?;
    server.snapshot_into(&conn)?;
    verify_database(&conn, expect, "the libSQL server's database")
}

/// The chain, its checkpoints and the read seals of one database, read in one snapshot;
/// `what` names it in errors.
pub fn verify_database(
    conn: &Connection,
    expect: &Expect,
    what: &str,
) -> anyhow::Result<Result<Verified, Broken>> {
    conn.execute_batch("BEGIN")?;
    let checked = verify_all(conn, expect)
        .map_err(|e| anyhow::anyhow!("cannot read the audit tables in {what}: {e}"));
    conn.execute_batch("COMMIT")?;
    checked
}

/// The chain, the anchor, the checkpoints (and their cadence), the read seals: the first that
/// fails.
fn verify_all(conn: &Connection, expect: &Expect) -> rusqlite::Result<Result<Verified, Broken>> {
    let verified = match verify(conn)? {
        Ok(verified) => verified,
        broken => return Ok(broken),
    };
    if let Some((id, kept_hash)) = &expect.anchor {
        let chain_hash: Option<String> = conn
            .query_row("SELECT hash FROM audit_log WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        if chain_hash.as_deref() != Some(kept_hash.as_str()) {
            return Ok(Err(Broken::AnchorMismatch {
                id: *id,
                kept_hash: kept_hash.clone(),
                chain_hash,
            }));
        }
    }
    let verified = match verify_checkpoints(conn, verified, &expect.keys)? {
        Ok(verified) => verified,
        broken => return Ok(broken),
    };
    if !expect.keys.is_empty()
        && let Some(id) = missing_checkpoint(conn, expect.signed_from.unwrap_or(1))?
    {
        return Ok(Err(Broken::CheckpointMissing { id }));
    }
    verify_read_seals(conn, verified)
}

/// The first row from `signed_from` on that should carry a checkpoint (every
/// [`jaria_portal::audit::CHECKPOINT_EVERY`]th) and does not.
pub fn missing_checkpoint(conn: &Connection, signed_from: i64) -> rusqlite::Result<Option<i64>> {
    let every = jaria_portal::audit::CHECKPOINT_EVERY;
    let last: i64 = conn.query_row("SELECT ifnull(max(id), 0) FROM audit_log", [], |r| r.get(0))?;
    let mut present = std::collections::BTreeSet::new();
    if table_exists(conn, "audit_checkpoints")? {
        let mut stmt = conn.prepare("SELECT audit_id FROM audit_checkpoints")?;
        for id in stmt.query_map([], |r| r.get::<_, i64>(0))? {
            present.insert(id?);
        }
    }
    let first = (signed_from.max(1) + every - 1) / every * every;
    Ok((first..=last)
        .step_by(every as usize)
        .find(|id| !present.contains(id)))
}

/// The audit entry of a row whose columns are `id, at, actor_iin, actor_role, action,
/// subject, case_id, client_addr, detail, …` (the chain's and the read log's order).
fn entry_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        at: row.get(1)?,
        actor_iin: row.get(2)?,
        actor_role: row.get(3)?,
        action: row.get(4)?,
        subject: row.get(5)?,
        case_id: row.get(6)?,
        client_addr: row.get(7)?,
        detail: row.get(8)?,
    })
}

/// Whether the database has this table (an older one may lack a later migration's).
fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )
}

/// Checks every `reads_sealed` row of the chain against the read rows it covers: the seals
/// follow one another from row 1, and the rows in each range still hash to what was sealed —
/// unless a `reads_pruned` row of the chain says the retention rule deleted that range (whole
/// seals only, in order from row 1; rows back in a pruned range are tampering too).
pub fn verify_read_seals(
    conn: &Connection,
    mut verified: Verified,
) -> rusqlite::Result<Result<Verified, Broken>> {
    use jaria_portal::audit::{ReadRow, reads_digest};
    if !table_exists(conn, "read_log")? {
        return Ok(Ok(verified));
    }
    let range = |detail: String| {
        let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
        (
            detail["from"].as_i64().unwrap_or(0),
            detail["to"].as_i64().unwrap_or(0),
            detail,
        )
    };
    // How far the retention rule pruned, and each pruning (row, range, cut-off).
    let mut pruned_to = 0_i64;
    let mut pruned_ranges: Vec<(i64, i64, i64, Option<String>)> = Vec::new();
    let mut prunings =
        conn.prepare("SELECT id, detail FROM audit_log WHERE action = 'reads_pruned' ORDER BY id")?;
    let mut pruning_rows = prunings.query([])?;
    while let Some(pruning) = pruning_rows.next()? {
        let id: i64 = pruning.get(0)?;
        let (from, to, detail) = range(pruning.get(1)?);
        if from != pruned_to + 1 || to < from {
            return Ok(Err(Broken::ReadSeal {
                id,
                from,
                to,
                why: format!("the previous pruning ended at row {pruned_to}"),
            }));
        }
        pruned_to = to;
        pruned_ranges.push((
            id,
            from,
            to,
            detail["sealed_before"].as_str().map(str::to_owned),
        ));
    }
    let mut seals = conn.prepare(
        "SELECT id, detail, at FROM audit_log WHERE action = 'reads_sealed' ORDER BY id",
    )?;
    let mut reads = conn.prepare(
        "SELECT id, at, actor_iin, actor_role, action, subject, case_id, client_addr, detail
         FROM read_log WHERE id >= ?1 AND id <= ?2 ORDER BY id",
    )?;
    let mut next_from = 1_i64;
    let mut seal_rows = seals.query([])?;
    while let Some(seal) = seal_rows.next()? {
        let id: i64 = seal.get(0)?;
        let (from, to, detail) = range(seal.get(1)?);
        let broken = |why: String| Ok(Err(Broken::ReadSeal { id, from, to, why }));
        if from != next_from || to < from {
            return broken(format!("the previous seal ended at row {}", next_from - 1));
        }
        if from <= pruned_to && pruned_to < to {
            return broken(format!(
                "a pruning ended at row {pruned_to}, inside this seal: only whole seals are pruned"
            ));
        }
        if to <= pruned_to {
            // Pruned only if it was made before the cut-off of the pruning that took it: a
            // seal made later was within its retention, whatever a table said.
            let sealed_at: String = seal.get(2)?;
            let pruning = pruned_ranges
                .iter()
                .find(|(_, p_from, p_to, _)| *p_from <= from && to <= *p_to);
            match pruning {
                Some((_, _, _, Some(cutoff))) if sealed_at.as_str() < cutoff.as_str() => {}
                Some((pruned_by, _, _, cutoff)) => {
                    return broken(format!(
                        "row {pruned_by} pruned it though it was made at {sealed_at}, not before that pruning's cut-off {}",
                        cutoff.as_deref().unwrap_or("(none named)")
                    ));
                }
                None => {
                    return broken(format!(
                        "no pruning covers it whole (the prunings end at row {pruned_to})"
                    ));
                }
            }
            let back: i64 = conn.query_row(
                "SELECT count(*) FROM read_log WHERE id >= ?1 AND id <= ?2",
                [from, to],
                |r| r.get(0),
            )?;
            if back > 0 {
                return broken(format!(
                    "{back} read rows are in this range the retention rule pruned"
                ));
            }
            verified.reads_pruned += (to - from + 1) as u64;
            next_from = to + 1;
            continue;
        }
        let rows = reads
            .query_map([from, to], |r| {
                Ok(ReadRow {
                    id: r.get(0)?,
                    entry: entry_of(r)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if rows.len() as i64 != to - from + 1 {
            return broken(format!(
                "only {} of them are there: read rows were deleted",
                rows.len()
            ));
        }
        if Some(reads_digest(&rows).as_str()) != detail["sha256"].as_str() {
            return broken(
                "they no longer hash to the sealed digest: read rows were altered".into(),
            );
        }
        verified.reads_sealed += rows.len() as u64;
        next_from = to + 1;
    }
    if let Some(&(id, from, to, _)) = pruned_ranges.last()
        && to >= next_from
    {
        return Ok(Err(Broken::ReadSeal {
            id,
            from,
            to,
            why: format!(
                "it prunes past the last seal (row {}): unsealed rows are never pruned",
                next_from - 1
            ),
        }));
    }
    // The table's counters are the chain's: one that runs ahead would let unsealed rows go.
    let has_pruned_column: bool = conn.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('read_log_sealed') WHERE name = 'pruned_up_to'",
        [],
        |r| r.get(0),
    )?;
    if has_pruned_column {
        let (up_to, pruned_up_to): (i64, i64) = conn.query_row(
            "SELECT up_to, pruned_up_to FROM read_log_sealed WHERE only = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if (up_to, pruned_up_to) != (next_from - 1, pruned_to) {
            return Ok(Err(Broken::ReadCounters {
                table: (up_to, pruned_up_to),
                chain: (next_from - 1, pruned_to),
            }));
        }
    }
    let newest: i64 =
        conn.query_row("SELECT ifnull(max(id), 0) FROM read_log", [], |r| r.get(0))?;
    verified.reads_unsealed = (newest - (next_from - 1)).max(0) as u64;
    Ok(Ok(verified))
}

/// Checks every signed checkpoint against the chain (and, with `keys`, its signature).
pub fn verify_checkpoints(
    conn: &Connection,
    mut verified: Verified,
    keys: &[ed25519_dalek::VerifyingKey],
) -> rusqlite::Result<Result<Verified, Broken>> {
    use ed25519_dalek::Verifier as _;
    if !table_exists(conn, "audit_checkpoints")? {
        return Ok(Ok(verified));
    }
    let mut stmt = conn.prepare(
        "SELECT c.audit_id, c.hash, c.at, c.key_id, c.signature, a.hash
         FROM audit_checkpoints c LEFT JOIN audit_log a ON a.id = c.audit_id ORDER BY c.audit_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let signed_hash: String = row.get(1)?;
        let at: String = row.get(2)?;
        let key_id: String = row.get(3)?;
        let signature: String = row.get(4)?;
        let chain_hash: Option<String> = row.get(5)?;
        if chain_hash.as_deref() != Some(signed_hash.as_str()) {
            return Ok(Err(Broken::CheckpointMismatch {
                id,
                signed_hash,
                chain_hash,
            }));
        }
        if !keys.is_empty() {
            let message = jaria_portal::audit::checkpoint_message(id, &signed_hash, &at);
            let good = keys.iter().any(|key| {
                jaria_portal::audit::key_id(key.as_bytes()) == key_id
                    && hex::decode(&signature)
                        .ok()
                        .and_then(|bytes| ed25519_dalek::Signature::from_slice(&bytes).ok())
                        .is_some_and(|sig| key.verify(message.as_bytes(), &sig).is_ok())
            });
            if !good {
                return Ok(Err(Broken::CheckpointSignature { id, key_id }));
            }
        }
        verified.checkpoints += 1;
        verified.last_signed_row = Some(id);
    }
    verified.signatures_checked = !keys.is_empty();
    Ok(Ok(verified))
}

/// Walks `audit_log` in id order (one read snapshot) and stops at the first broken row.
pub fn verify(conn: &Connection) -> rusqlite::Result<Result<Verified, Broken>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor_iin, actor_role, action, subject, case_id, client_addr, detail,
                prev_hash, hash
         FROM audit_log ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut previous_id = 0_i64;
    let mut previous_hash = GENESIS_HASH.to_owned();
    let mut checked = 0_u64;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let entry = entry_of(row)?;
        let stored_prev: String = row.get(9)?;
        let stored_hash: String = row.get(10)?;
        if id != previous_id + 1 {
            return Ok(Err(Broken::Gap {
                id,
                previous_id,
                rows_checked: checked,
            }));
        }
        if stored_prev != previous_hash {
            return Ok(Err(Broken::PrevMismatch {
                id,
                stored_prev,
                expected_prev: previous_hash,
                rows_checked: checked,
            }));
        }
        let computed_hash = chain_hash(&previous_hash, &entry);
        if computed_hash != stored_hash {
            return Ok(Err(Broken::Altered {
                id,
                stored_hash,
                computed_hash,
                rows_checked: checked,
            }));
        }
        previous_id = id;
        previous_hash = stored_hash;
        checked += 1;
    }
    Ok(Ok(Verified::chain(checked, previous_hash)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    /// The real schema (every migration, so the real table and its triggers).
    fn database() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::storage::DB_FILE);
        crate::migrate::migrate_file(&path).unwrap();
        (dir, Connection::open(path).unwrap())
    }

    fn entry(n: usize) -> Entry {
        Entry {
            at: format!("2026-11-28T10:00:0{n}.000Z"),
            // Both shapes of the nullable columns appear in the chain.
            actor_iin: n.is_multiple_of(2).then(|| "791028302728".to_owned()),
            actor_role: "participant".into(),
            action: format!("action_{n}"),
            subject: format!("thing:{n}"),
            case_id: n.is_multiple_of(3).then_some(n as i64),
            client_addr: "127.0.0.1:1".into(),
            detail: format!("{{\"n\":{n},\"text\":\"кириллица \\\"quoted\\\"\"}}"),
        }
    }

    /// Appends a row as the portal does (prev = the last row's hash).
    fn append(conn: &Connection, e: &Entry) -> String {
        let prev: String = conn
            .query_row(
                "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|_| GENESIS_HASH.to_owned());
        insert(conn, e, &prev)
    }

    /// Inserts a row linked to `prev` and hashed as the portal hashes; answers its hash.
    fn insert(conn: &Connection, e: &Entry, prev: &str) -> String {
        let hash = chain_hash(prev, e);
        conn.execute(
            "INSERT INTO audit_log (at, actor_iin, actor_role, action, subject, case_id, client_addr, detail, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                e.at, e.actor_iin, e.actor_role, e.action, e.subject, e.case_id, e.client_addr,
                e.detail, prev, hash
            ],
        )
        .unwrap();
        hash
    }

    fn chain(rows: usize) -> (tempfile::TempDir, Connection, Vec<String>) {
        let (dir, conn) = database();
        let hashes = (1..=rows).map(|n| append(&conn, &entry(n))).collect();
        (dir, conn, hashes)
    }

    /// What an attacker holding the file does first: the append-only triggers go.
    fn drop_triggers(conn: &Connection) {
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .unwrap();
    }

    /// A chain of `rows` rows that someone holding the file changed with `sql`.
    fn tampered(rows: usize, sql: &str) -> (tempfile::TempDir, Connection, Vec<String>) {
        let (dir, conn, hashes) = chain(rows);
        drop_triggers(&conn);
        conn.execute_batch(sql).unwrap();
        (dir, conn, hashes)
    }

    #[test]
    fn the_canonical_hash_is_pinned_to_a_known_vector() {
        // Computed independently of Rust (sha256 over this exact text with Python's hashlib),
        // so a change to the canonical form in either the portal or here fails this test.
        let e = Entry {
            at: "2026-11-28T10:00:00.000Z".into(),
            actor_iin: Some("791028302728".into()),
            actor_role: "participant".into(),
            action: "sign_in".into(),
            subject: "session:1".into(),
            case_id: None,
            client_addr: "127.0.0.1:1".into(),
            detail: "{}".into(),
        };
        let text = format!(
            "{GENESIS_HASH}\n[\"2026-11-28T10:00:00.000Z\",\"791028302728\",\"participant\",\"sign_in\",\"session:1\",null,\"127.0.0.1:1\",\"{{}}\"]"
        );
        assert_eq!(
            hex::encode(sha2::Sha256::digest(text.as_bytes())),
            KNOWN_VECTOR
        );
        assert_eq!(chain_hash(GENESIS_HASH, &e), KNOWN_VECTOR);
        let second = Entry {
            actor_iin: None,
            case_id: Some(7),
            detail: "{\"kind\":\"crime_report\"}".into(),
            ..e
        };
        assert_eq!(chain_hash(KNOWN_VECTOR, &second), KNOWN_VECTOR_SECOND);
    }

    const KNOWN_VECTOR: &str = "58fbc536b4b6d83a9ac1a2b9962a7be1711d6e02079f5cd2759434fd8c37bdc5";
    const KNOWN_VECTOR_SECOND: &str =
        "18974456f685bf61c26e99838ed08602fb341fc14e366f73e967ef60e3483f12";

    #[test]
    fn an_intact_chain_verifies_and_names_its_last_hash() {
        let (dir, conn, hashes) = chain(6);
        let verified = verify(&conn).unwrap().expect("intact chain");
        assert_eq!(verified.rows, 6);
        assert_eq!(&verified.last_hash, hashes.last().unwrap());
        drop(conn);
        // The same through the file, read-only.
        let again = verify_state_dir(dir.path(), &Expect::default())
            .unwrap()
            .expect("intact chain");
        assert_eq!(again, verified);
    }

    #[test]
    fn an_empty_log_verifies_with_the_genesis_hash() {
        let (_dir, conn) = database();
        assert_eq!(
            verify(&conn).unwrap(),
            Ok(Verified {
                rows: 0,
                last_hash: GENESIS_HASH.to_owned(),
                checkpoints: 0,
                last_signed_row: None,
                signatures_checked: false,
                reads_sealed: 0,
                reads_unsealed: 0,
                reads_pruned: 0,
            })
        );
    }

    #[test]
    fn the_triggers_refuse_changes_until_an_attacker_drops_them() {
        let (_dir, conn, _) = chain(3);
        let update = conn.execute("UPDATE audit_log SET detail = '{}' WHERE id = 2", []);
        assert!(
            update.is_err(),
            "the append-only trigger must refuse UPDATE"
        );
        let delete = conn.execute("DELETE FROM audit_log WHERE id = 2", []);
        assert!(
            delete.is_err(),
            "the append-only trigger must refuse DELETE"
        );
        drop_triggers(&conn);
        conn.execute("UPDATE audit_log SET detail = '{}' WHERE id = 2", [])
            .unwrap();
        assert!(matches!(
            verify(&conn).unwrap(),
            Err(Broken::Altered { id: 2, .. })
        ));
    }

    #[test]
    fn an_altered_row_is_named() {
        for (column, value) in [
            ("at", "'2020-01-01T00:00:00.000Z'"),
            ("actor_iin", "NULL"),
            ("actor_role", "'admin'"),
            ("action", "'nothing_happened'"),
            ("subject", "'thing:99'"),
            ("case_id", "42"),
            ("client_addr", "'10.0.0.1:1'"),
            ("detail", "'{}'"),
        ] {
            let (_dir, conn, hashes) = tampered(
                6,
                &format!("UPDATE audit_log SET {column} = {value} WHERE id = 4"),
            );
            match verify(&conn).unwrap() {
                Err(Broken::Altered {
                    id,
                    stored_hash,
                    rows_checked,
                    ..
                }) => {
                    assert_eq!((id, rows_checked), (4, 3), "altering {column}");
                    assert_eq!(stored_hash, hashes[3]);
                }
                other => panic!("altering {column} must break the chain at row 4: {other:?}"),
            }
        }
    }

    #[test]
    fn a_deleted_row_in_the_middle_is_a_gap() {
        let (_dir, conn, _) = tampered(6, "DELETE FROM audit_log WHERE id = 3");
        let broken = verify(&conn)
            .unwrap()
            .expect_err("deletion must break the chain");
        assert_eq!(
            broken,
            Broken::Gap {
                id: 4,
                previous_id: 2,
                rows_checked: 2
            }
        );
        let text = broken.to_string();
        assert!(
            text.contains("row 4") && text.contains("row 3 is missing") && text.contains("deleted"),
            "{text}"
        );
    }

    #[test]
    fn a_deleted_first_row_is_caught() {
        let (_dir, conn, _) = tampered(4, "DELETE FROM audit_log WHERE id = 1");
        assert_eq!(verify(&conn).unwrap().map_err(|b| b.id()), Err(2));
    }

    #[test]
    fn renumbering_after_a_deletion_is_caught_by_the_prev_hash() {
        // The attacker deletes row 3 and closes the gap by moving the later rows down.
        let (_dir, conn, hashes) = tampered(
            6,
            "DELETE FROM audit_log WHERE id = 3;
             UPDATE audit_log SET id = 3 WHERE id = 4;
             UPDATE audit_log SET id = 4 WHERE id = 5;
             UPDATE audit_log SET id = 5 WHERE id = 6;",
        );
        match verify(&conn).unwrap() {
            Err(Broken::PrevMismatch {
                id,
                stored_prev,
                expected_prev,
                ..
            }) => {
                assert_eq!(id, 3);
                assert_eq!(
                    stored_prev, hashes[2],
                    "row 4's prev is the deleted row's hash"
                );
                assert_eq!(expected_prev, hashes[1]);
            }
            other => panic!("expected a prev_hash mismatch at row 3: {other:?}"),
        }
    }

    #[test]
    fn a_rewritten_row_with_a_recomputed_hash_is_caught_at_the_next_row() {
        let (_dir, conn, hashes) = chain(5);
        drop_triggers(&conn);
        let mut forged = entry(3);
        forged.detail = "{\"forged\":true}".into();
        let forged_hash = chain_hash(&hashes[1], &forged);
        conn.execute(
            "UPDATE audit_log SET detail = ?1, hash = ?2 WHERE id = 3",
            (&forged.detail, &forged_hash),
        )
        .unwrap();
        let broken = verify(&conn)
            .unwrap()
            .expect_err("the rewrite must break the chain");
        assert!(
            matches!(&broken, Broken::PrevMismatch { id: 4, expected_prev, .. } if *expected_prev == forged_hash),
            "{broken:?}"
        );
    }

    #[test]
    fn an_inserted_row_is_caught() {
        // A row slipped in at the end that does not link to the chain.
        let (_dir, conn, _) = chain(3);
        insert(&conn, &entry(9), GENESIS_HASH);
        assert!(matches!(
            verify(&conn).unwrap(),
            Err(Broken::PrevMismatch { id: 4, .. })
        ));
    }

    #[test]
    fn a_cut_off_tail_verifies_but_changes_the_last_hash() {
        // The limit of a bare chain: only an anchor kept elsewhere shows the missing tail.
        let (_dir, conn, hashes) = chain(5);
        let anchor = verify(&conn).unwrap().expect("intact").last_hash;
        drop_triggers(&conn);
        conn.execute("DELETE FROM audit_log WHERE id = 5", [])
            .unwrap();
        let after = verify(&conn)
            .unwrap()
            .expect("a shorter chain is still a chain");
        assert_eq!(after.rows, 4);
        assert_eq!(after.last_hash, hashes[3]);
        assert_ne!(after.last_hash, anchor);
    }

    #[test]
    fn a_missing_database_is_an_error_and_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let err = verify_state_dir(dir.path(), &Expect::default()).unwrap_err();
        assert!(err.to_string().contains("no database"), "{err}");
        assert!(!dir.path().join(crate::storage::DB_FILE).exists());
    }

    /// Read-only: the database file is byte for byte the same afterwards. (SQLite may leave
    /// its empty `-wal`/`-shm` companions beside a cleanly closed file, as any reader does.)
    #[test]
    fn verifying_never_changes_the_database() {
        let (dir, conn, _) = chain(3);
        drop(conn);
        let path = dir.path().join(crate::storage::DB_FILE);
        let before = std::fs::read(&path).unwrap();
        verify_state_dir(dir.path(), &Expect::default())
            .unwrap()
            .expect("intact");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    /// Signs a checkpoint over row `id` as the portal does.
    fn sign_checkpoint(conn: &Connection, key: &ed25519_dalek::SigningKey, id: i64) {
        use ed25519_dalek::Signer as _;
        let (hash, at): (String, String) = conn
            .query_row("SELECT hash, at FROM audit_log WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let message = jaria_portal::audit::checkpoint_message(id, &hash, &at);
        conn.execute(
            "INSERT INTO audit_checkpoints (audit_id, hash, at, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                id,
                &hash,
                &at,
                jaria_portal::audit::key_id(key.verifying_key().as_bytes()),
                hex::encode(key.sign(message.as_bytes()).to_bytes()),
            ),
        )
        .unwrap();
    }

    #[test]
    fn signed_checkpoints_verify_with_the_key_and_a_rewritten_chain_does_not() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let (dir, conn, _) = chain(6);
        sign_checkpoint(&conn, &key, 3);
        sign_checkpoint(&conn, &key, 6);
        let verified = verify(&conn).unwrap().unwrap();
        let checked = verify_checkpoints(&conn, verified.clone(), &[key.verifying_key()])
            .unwrap()
            .unwrap();
        assert_eq!(checked.checkpoints, 2);
        assert_eq!(checked.last_signed_row, Some(6));
        assert!(checked.signatures_checked);
        // Another key: the checkpoints are not this deployment's.
        let other = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
        assert!(matches!(
            verify_checkpoints(&conn, verified.clone(), &[other.verifying_key()]).unwrap(),
            Err(Broken::CheckpointSignature { id: 3, .. })
        ));
        // Someone with the file rewrites the whole chain from row 2 on, recomputing every hash
        // (the chain alone then verifies), but cannot sign: the checkpoint at row 3 says so.
        drop_triggers(&conn);
        let mut prev: String = conn
            .query_row("SELECT hash FROM audit_log WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        for id in 2..=6_i64 {
            let mut e = entry(id as usize);
            e.action = format!("rewritten_{id}");
            let hash = chain_hash(&prev, &e);
            conn.execute(
                "UPDATE audit_log SET action = ?1, prev_hash = ?2, hash = ?3 WHERE id = ?4",
                (&e.action, &prev, &hash, id),
            )
            .unwrap();
            prev = hash;
        }
        let rewritten = verify(&conn)
            .unwrap()
            .expect("the chain alone is consistent");
        assert!(matches!(
            verify_checkpoints(&conn, rewritten, &[key.verifying_key()]).unwrap(),
            Err(Broken::CheckpointMismatch { id: 3, .. })
        ));
        drop(conn);
        assert!(matches!(
            verify_state_dir(
                dir.path(),
                &Expect {
                    keys: vec![key.verifying_key()],
                    ..Expect::default()
                }
            )
            .unwrap(),
            Err(Broken::CheckpointMismatch { id: 3, .. })
        ));
    }

    #[test]
    fn with_a_key_a_deleted_checkpoint_and_a_log_cut_back_below_its_kept_head_are_caught() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let (_dir, conn, hashes) = chain(250);
        sign_checkpoint(&conn, &key, 100);
        sign_checkpoint(&conn, &key, 200);
        let expect = Expect {
            keys: vec![key.verifying_key()],
            ..Expect::default()
        };
        let intact = verify_all(&conn, &expect).unwrap().expect("intact");
        assert_eq!(intact.last_signed_row, Some(200));
        // The head the tick logged: row 200 and its hash.
        let kept = Expect {
            anchor: Some((200, hashes[199].clone())),
            ..expect.clone()
        };
        verify_all(&conn, &kept)
            .unwrap()
            .expect("the kept head is there");
        // Someone with the file drops the guard and deletes a checkpoint (the chain itself
        // untouched): with the key given, the gap in the cadence is the proof.
        conn.execute_batch("DROP TRIGGER IF EXISTS audit_checkpoints_no_delete")
            .unwrap();
        conn.execute("DELETE FROM audit_checkpoints WHERE audit_id = 100", [])
            .unwrap();
        assert_eq!(
            verify_all(&conn, &expect).unwrap(),
            Err(Broken::CheckpointMissing { id: 100 })
        );
        // A key set only from row 150 on expects nothing before it.
        let later = Expect {
            signed_from: Some(150),
            ..expect.clone()
        };
        verify_all(&conn, &later)
            .unwrap()
            .expect("nothing was due before row 150");
        // All of them gone: "none" is not an answer while a key is given.
        conn.execute("DELETE FROM audit_checkpoints", []).unwrap();
        assert_eq!(
            verify_all(&conn, &expect).unwrap(),
            Err(Broken::CheckpointMissing { id: 100 })
        );
        // Cut back to row 150: the chain and its remaining checkpoints agree, the kept head
        // does not.
        drop_triggers(&conn);
        conn.execute("DELETE FROM audit_log WHERE id > 150", [])
            .unwrap();
        verify_all(&conn, &later)
            .unwrap()
            .expect("consistent alone");
        assert!(matches!(
            verify_all(
                &conn,
                &Expect {
                    anchor: kept.anchor.clone(),
                    ..later.clone()
                }
            )
            .unwrap(),
            Err(Broken::AnchorMismatch {
                id: 200,
                chain_hash: None,
                ..
            })
        ));
    }

    /// Logs `n` reads, and seals them into the chain as the portal does.
    fn reads_and_seal(conn: &Connection, n: usize) {
        use jaria_portal::audit::{ReadRow, reads_digest};
        let mut rows = Vec::new();
        for i in 1..=n {
            let e = entry(i);
            conn.execute(
                "INSERT INTO read_log (at, actor_iin, actor_role, action, subject, case_id, client_addr, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![e.at, e.actor_iin, e.actor_role, e.action, e.subject, e.case_id, e.client_addr, e.detail],
            )
            .unwrap();
            rows.push(ReadRow {
                id: conn.last_insert_rowid(),
                entry: e,
            });
        }
        let (from, to) = (rows[0].id, rows[rows.len() - 1].id);
        let mut seal = entry(99);
        seal.action = "reads_sealed".into();
        seal.detail =
            serde_json::json!({"from": from, "to": to, "count": n, "sha256": reads_digest(&rows)})
                .to_string();
        append(conn, &seal);
        conn.execute("UPDATE read_log_sealed SET up_to = ?1 WHERE only = 1", [to])
            .unwrap();
    }

    /// A cut-off after every test row's time.
    const LATER: &str = "2099-01-01T00:00:00.000Z";

    /// Writes the retention rule's chain row naming `from..=to` pruned before `sealed_before`.
    fn append_pruning(conn: &Connection, from: i64, to: i64, sealed_before: &str) {
        let mut pruned = entry(98);
        pruned.action = "reads_pruned".into();
        pruned.detail =
            serde_json::json!({"from": from, "to": to, "sealed_before": sealed_before}).to_string();
        append(conn, &pruned);
    }

    /// Prunes read rows `from..=to` as the retention rule does, with its chain row (cut-off
    /// `sealed_before`) or, with `None`, without one.
    fn prune(conn: &Connection, from: i64, to: i64, sealed_before: Option<&str>) {
        conn.execute(
            "UPDATE read_log_sealed SET pruned_up_to = ?1 WHERE only = 1",
            [to],
        )
        .unwrap();
        conn.execute(
            "DELETE FROM read_log WHERE id >= ?1 AND id <= ?2",
            [from, to],
        )
        .unwrap();
        if let Some(cutoff) = sealed_before {
            append_pruning(conn, from, to, cutoff);
        }
    }

    #[test]
    fn reads_pruned_by_the_retention_rule_verify_and_any_other_removal_does_not() {
        let (_dir, conn, _) = chain(2);
        reads_and_seal(&conn, 4);
        reads_and_seal(&conn, 3);
        // The rule prunes the first seal, and says so in the chain.
        prune(&conn, 1, 4, Some(LATER));
        let verified = verify(&conn).unwrap().unwrap();
        let checked = verify_read_seals(&conn, verified.clone())
            .unwrap()
            .expect("a pruning named in the chain");
        assert_eq!(
            (
                checked.reads_pruned,
                checked.reads_sealed,
                checked.reads_unsealed
            ),
            (4, 3, 0)
        );
        // Rows deleted the same way without the chain row: the seal still names them.
        let (_dir, quiet, _) = chain(2);
        reads_and_seal(&quiet, 4);
        prune(&quiet, 1, 4, None);
        let verified = verify(&quiet).unwrap().unwrap();
        assert!(matches!(
            verify_read_seals(&quiet, verified).unwrap(),
            Err(Broken::ReadSeal { from: 1, to: 4, .. })
        ));
        // A pruning that ends inside a seal, or runs past the last seal, is refused.
        let (_dir, partial, _) = chain(2);
        reads_and_seal(&partial, 4);
        prune(&partial, 1, 2, Some(LATER));
        let verified = verify(&partial).unwrap().unwrap();
        let broken = verify_read_seals(&partial, verified).unwrap().unwrap_err();
        assert!(broken.to_string().contains("inside this seal"), "{broken}");
        let (_dir, beyond, _) = chain(2);
        reads_and_seal(&beyond, 4);
        prune(&beyond, 1, 4, None);
        append_pruning(&beyond, 1, 9, LATER);
        let verified = verify(&beyond).unwrap().unwrap();
        let broken = verify_read_seals(&beyond, verified).unwrap().unwrap_err();
        assert!(
            broken.to_string().contains("past the last seal"),
            "{broken}"
        );
        // A pruning whose cut-off came before the seal was made took reads still kept.
        let (_dir, early, _) = chain(2);
        reads_and_seal(&early, 4);
        prune(&early, 1, 4, Some("2001-01-01T00:00:00.000Z"));
        let verified = verify(&early).unwrap().unwrap();
        let broken = verify_read_seals(&early, verified).unwrap().unwrap_err();
        assert!(
            broken
                .to_string()
                .contains("not before that pruning's cut-off"),
            "{broken}"
        );
        // Counters moved ahead of the chain (so that unsealed rows could be deleted).
        let (_dir, ahead, _) = chain(2);
        reads_and_seal(&ahead, 4);
        ahead
            .execute(
                "INSERT INTO read_log (at, actor_role, action, subject) VALUES ('t', 'p', 'late', 's')",
                [],
            )
            .unwrap();
        ahead
            .execute("UPDATE read_log_sealed SET up_to = 5 WHERE only = 1", [])
            .unwrap();
        let verified = verify(&ahead).unwrap().unwrap();
        assert!(matches!(
            verify_read_seals(&ahead, verified).unwrap(),
            Err(Broken::ReadCounters {
                table: (5, 0),
                chain: (4, 0)
            })
        ));
        // Rows put back into a pruned range: tampering as well.
        conn.execute_batch("DROP TRIGGER read_log_no_delete;")
            .unwrap();
        conn.execute(
            "INSERT INTO read_log (id, at, actor_role, action, subject) VALUES (2, 't', 'p', 'forged', 's')",
            [],
        )
        .unwrap();
        let verified = verify(&conn).unwrap().unwrap();
        let broken = verify_read_seals(&conn, verified).unwrap().unwrap_err();
        assert!(
            broken.to_string().contains("retention rule pruned"),
            "{broken}"
        );
    }

    #[test]
    fn sealed_reads_verify_and_a_deleted_or_altered_read_is_named() {
        let (dir, conn, _) = chain(2);
        reads_and_seal(&conn, 4);
        conn.execute(
            "INSERT INTO read_log (at, actor_role, action, subject) VALUES ('t', 'p', 'late_read', 's')",
            [],
        )
        .unwrap();
        let verified = verify(&conn).unwrap().unwrap();
        let checked = verify_read_seals(&conn, verified.clone()).unwrap().unwrap();
        assert_eq!((checked.reads_sealed, checked.reads_unsealed), (4, 1));
        // Through the file, as `jaria audit verify` reads it.
        let through_file = verify_state_dir(dir.path(), &Expect::default())
            .unwrap()
            .unwrap();
        assert_eq!(through_file.reads_sealed, 4);
        // Someone with the file removes a read (the trigger dropped first).
        conn.execute_batch("DROP TRIGGER read_log_no_delete; DROP TRIGGER read_log_no_update;")
            .unwrap();
        conn.execute(
            "UPDATE read_log SET actor_iin = '000000000000' WHERE id = 2",
            [],
        )
        .unwrap();
        assert!(matches!(
            verify_read_seals(&conn, verified.clone()).unwrap(),
            Err(Broken::ReadSeal { from: 1, to: 4, .. })
        ));
        conn.execute("DELETE FROM read_log WHERE id = 3", [])
            .unwrap();
        let broken = verify_read_seals(&conn, verified).unwrap().unwrap_err();
        assert!(broken.to_string().contains("deleted"), "{broken}");
    }
}
