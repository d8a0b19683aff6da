//! Proof of service: when each person a decision reaches first saw it listed and first
//! downloaded it. Every read of a case by a participant is in the read log
//! (`decisions_listed` names the decisions on the page it answered, `decision_downloaded` the
//! one served), sealed into the audit chain; the first of each is kept beside it, in the same
//! statement that logs the read (`decision_first_reads`, migration 0013), so answering costs
//! a lookup however often the person has read the case.

use std::collections::BTreeMap;

use crate::case::store::{self, CaseRow};
use crate::law::DecisionType;
use crate::platform::db::{Db, RowResult, col_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;

/// The read log's actions that serve a decision.
pub const LISTED: &str = "decisions_listed";
pub const DOWNLOADED: &str = "decision_downloaded";

/// When one person first saw a decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FirstReads {
    pub first_listed_at: Option<String>,
    pub first_downloaded_at: Option<String>,
}

/// A `decision_first_reads` row's two times, from column `at` on.
fn reads_from(row: &RowResult, at: usize) -> FirstReads {
    FirstReads {
        first_listed_at: col_opt_text(row, at),
        first_downloaded_at: col_opt_text(row, at + 1),
    }
}

/// For every decision of the case that `iin` has read, their first listing and download.
pub async fn first_reads_of(
    db: &Db,
    case_id: i64,
    iin: &str,
) -> Result<BTreeMap<i64, FirstReads>, ApiError> {
    let rows = db
        .query(
            "SELECT decision_id, first_listed_at, first_downloaded_at FROM decision_first_reads
             WHERE case_id = ? AND reader_iin = ?",
            &[int(case_id), text(iin)],
        )
        .await?;
    Ok(BTreeMap::from_iter(
        rows.each(|row| Ok((col_int(row, 0)?, reads_from(row, 1))))?,
    ))
}

/// Everyone's first reads of one decision, by reader.
async fn readers_of(db: &Db, decision_id: i64) -> Result<BTreeMap<String, FirstReads>, ApiError> {
    let rows = db
        .query(
            "SELECT reader_iin, first_listed_at, first_downloaded_at FROM decision_first_reads
             WHERE decision_id = ?",
            &[int(decision_id)],
        )
        .await?;
    Ok(BTreeMap::from_iter(
        rows.each(|row| Ok((col_text(row, 0)?, reads_from(row, 1))))?,
    ))
}

/// The officer's view: each person the decision reaches now, with their first reads.
pub async fn of_decision(
    db: &Db,
    case: &CaseRow,
    decision_id: i64,
) -> Result<serde_json::Value, ApiError> {
    let row = db
        .one(
            "SELECT type, concerns_iin, created_at FROM decisions WHERE id = ? AND case_id = ?",
            &[int(decision_id), int(case.id)],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    let type_text = col_text(&row, 0)?;
    let kind = DecisionType::parse(&type_text).ok_or(ApiError::NotFound)?;
    let concerns = col_opt_text(&row, 1);
    let recipients = store::decision_recipients(db, case.id, kind, concerns.as_deref()).await?;
    let mut readers = readers_of(db, decision_id).await?;
    let mut people = Vec::with_capacity(recipients.len());
    for iin in recipients {
        let name = db
            .one(
                "SELECT ifnull((SELECT full_name FROM case_participants
                                WHERE case_id = ? AND person_iin = ? AND full_name IS NOT NULL
                                ORDER BY id DESC LIMIT 1),
                               (SELECT full_name FROM persons WHERE iin = ?))",
                &[int(case.id), text(&iin), text(&iin)],
            )
            .await?
            .and_then(|r| col_opt_text(&r, 0));
        let reads = readers.remove(&iin).unwrap_or_default();
        people.push(serde_json::json!({
            "iin": iin, "full_name": name,
            "first_listed_at": reads.first_listed_at,
            "first_downloaded_at": reads.first_downloaded_at,
        }));
    }
    Ok(serde_json::json!({
        "decision_id": decision_id, "type": type_text, "created_at": col_text(&row, 2)?,
        "recipients": people,
    }))
}
