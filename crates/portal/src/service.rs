//! Proof of service: when each person a decision reaches first saw it listed and first
//! downloaded it. Every read of a case by a participant is in the read log
//! (`decisions_listed` names the decisions on the page it answered, `decision_downloaded` the
//! one served), sealed into the audit chain; the first of each is kept beside it, in the same
//! statement that logs the read (`decision_first_reads`, migration 0013), so answering costs
//! a lookup however often the person has read the case.

use std::collections::BTreeMap;

use crate::case::DecisionType;
use crate::case::store::{self, CaseRow};
use crate::db::{Db, col_int, col_opt_text, col_text, int, text};
use crate::error::ApiError;

/// The read log's actions that serve a decision.
pub const LISTED: &str = "decisions_listed";
pub const DOWNLOADED: &str = "decision_downloaded";

/// When one person first saw a decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FirstReads {
    pub first_listed_at: Option<String>,
    pub first_downloaded_at: Option<String>,
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
    let mut out = BTreeMap::new();
    for row in &rows.rows {
        out.insert(
            col_int(row, 0)?,
            FirstReads {
                first_listed_at: col_opt_text(row, 1),
                first_downloaded_at: col_opt_text(row, 2),
            },
        );
    }
    Ok(out)
}

/// One person's first reads of one decision.
async fn first_reads(db: &Db, decision_id: i64, iin: &str) -> Result<FirstReads, ApiError> {
    Ok(db
        .one(
            "SELECT first_listed_at, first_downloaded_at FROM decision_first_reads
             WHERE decision_id = ? AND reader_iin = ?",
            &[int(decision_id), text(iin)],
        )
        .await?
        .map(|row| FirstReads {
            first_listed_at: col_opt_text(&row, 0),
            first_downloaded_at: col_opt_text(&row, 1),
        })
        .unwrap_or_default())
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
        let reads = first_reads(db, decision_id, &iin).await?;
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
