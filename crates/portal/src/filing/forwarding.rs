//! Forwarding a statement about an offence to the organ competent to register it (CPC art.
//! 180–185: registration is mandatory, so a statement sent to the wrong organ is passed on,
//! not refused). The statement moves into the receiving organ's queue with a fresh
//! registration period; the move is kept (`filing_forwardings`) so both the sending and the
//! receiving organ see it, and the filer is told where it went.

use chrono::{DateTime, Utc};

use crate::identity::auth::Principal;
use crate::notice::notify::Notice;
use crate::platform::clock;
use crate::platform::db::{Db, col_int, col_opt_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;

use super::lifecycle::{self, Step, Told, Transition};
use super::store::FilingRow;
use crate::law::deadline::{Deadlines, Kind, Period};

/// Whether a filing of this kind moves into another organ's queue when forwarded. Petitions
/// and complaints belong to their case; forwarding one names the official who must answer
/// (a complaint about an investigator goes to the head of unit or the prosecutor), which the
/// handling rules already route, so they do not change organ.
pub fn moves_between_organs(kind: Kind) -> bool {
    kind == Kind::CrimeReport
}

/// The organ a statement is forwarded to: it exists and is not the one holding it now.
pub async fn check_target(
    db: &Db,
    filing: &FilingRow,
    to_organ_id: i64,
) -> Result<String, ApiError> {
    if !moves_between_organs(filing.kind) {
        return Err(ApiError::invalid(
            "forwarded_to_organ_id",
            "not_allowed",
            "Only a statement about an offence moves to another organ; a petition or complaint stays with its case.",
        ));
    }
    if filing.organ_id == Some(to_organ_id) {
        return Err(ApiError::invalid(
            "forwarded_to_organ_id",
            "same_organ",
            "The statement is already with this organ.",
        ));
    }
    db.one("SELECT name FROM organs WHERE id = ?", &[int(to_organ_id)])
        .await?
        .map(|r| col_text(&r, 0))
        .transpose()?
        .ok_or_else(|| {
            ApiError::invalid(
                "forwarded_to_organ_id",
                "unknown_organ",
                "No such organ; choose one from the list of organs.",
            )
        })
}

/// Moves the statement into `to_organ_id`'s queue: open again, due after the registration
/// period from now, with the move, its timeline event, audit row and the filer's notice in
/// the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn forward(
    db: &Db,
    me: &Principal,
    filing: &FilingRow,
    to_organ_id: i64,
    to_organ_name: &str,
    reasoning: &str,
    deadlines: &Deadlines,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let at = clock::rfc3339(now);
    let due = deadlines.due(now, Period::Registration);
    db.exec(
        "INSERT INTO filing_forwardings (filing_id, from_organ_id, to_organ_id, forwarded_by,
             forwarded_at, reasoning)
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            int(filing.id),
            filing
                .organ_id
                .map(int)
                .unwrap_or(crate::platform::db::SqlValue::Null),
            int(to_organ_id),
            text(&me.iin),
            text(&at),
            text(reasoning),
        ],
    )
    .await?;
    let detail = serde_json::json!({
        "from_organ_id": filing.organ_id, "to_organ_id": to_organ_id,
        "to_organ": to_organ_name, "due_at": clock::rfc3339(due),
    });
    let step = Transition {
        step: Step::Forward,
        set: vec![
            ("organ_id", int(to_organ_id)),
            ("due_unix", int(due.timestamp())),
            ("forwarded_to", text(to_organ_name)),
            (
                "overdue_alerted_due_unix",
                crate::platform::db::SqlValue::Null,
            ),
        ],
        detail,
        audit_case_id: None,
        notice: Notice::FilingForwarded,
        payload: serde_json::json!({ "to_organ": to_organ_name }),
        told: Told::Interested,
        at: &at,
    };
    lifecycle::transition(db, me, filing, step).await?;
    Ok(due.timestamp())
}

/// `GET /api/officer/forwardings`: the statements my organ sent on and received, newest
/// first. `organ_id` is the caller's organ now.
pub async fn of_organ(db: &Db, organ_id: i64, limit: i64) -> Result<serde_json::Value, ApiError> {
    let rows = db.query(
        &format!("SELECT w.id, w.filing_id, f.registration_number, w.from_organ_id, fo.name, w.to_organ_id,
                t.name, w.forwarded_by, w.forwarded_at, w.reasoning
         FROM (SELECT * FROM filing_forwardings WHERE from_organ_id = ?
               UNION SELECT * FROM filing_forwardings WHERE to_organ_id = ?) w
         JOIN filings f ON f.id = w.filing_id
         LEFT JOIN organs fo ON fo.id = w.from_organ_id
         JOIN organs t ON t.id = w.to_organ_id
         ORDER BY w.id DESC {}", crate::platform::db::limit(limit)),
        &[int(organ_id), int(organ_id)],
    ).await?;
    let items = rows.each(|r| {
        let from = col_opt_int(r, 3);
        Ok(serde_json::json!({
            "id": col_int(r, 0)?, "filing_id": col_int(r, 1)?,
            "registration_number": col_text(r, 2)?,
            "direction": if from == Some(organ_id) { "sent" } else { "received" },
            "from_organ": { "id": from, "name": col_opt_text(r, 4) },
            "to_organ": { "id": col_int(r, 5)?, "name": col_text(r, 6)? },
            "forwarded_by": col_text(r, 7)?, "forwarded_at": col_text(r, 8)?,
            "reasoning": col_text(r, 9)?,
        }))
    })?;
    Ok(serde_json::json!({ "forwardings": items }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_statements_change_organ() {
        assert!(moves_between_organs(Kind::CrimeReport));
        assert!(!moves_between_organs(Kind::Petition));
        assert!(!moves_between_organs(Kind::Complaint));
    }
}
