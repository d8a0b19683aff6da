//! The notification feed: a row per person per event, written in the same transaction as the
//! change it reports, so a notice exists exactly when its change does. A payload carries only
//! what its recipient may already see. The same transaction queues the notice for every
//! verified channel the person wants it on (`delivery`): nothing is sent from a request that
//! changes state; the tick sends it.

use crate::platform::db::{Db, text};
use crate::platform::error::ApiError;

/// What happened, as the feed names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// My filing (or one filed for me) changed state, was extended or answered.
    FilingUpdated,
    /// My request for a procedural status was confirmed or rejected.
    AccessRequestDecided,
    /// My confirmed status in a case was revoked.
    StatusRevoked,
    /// A new decision in my case is visible to me.
    DecisionAvailable,
    /// I may now get acquainted with materials of my case.
    FamiliarisationGranted,
    /// That right was withdrawn.
    FamiliarisationRevoked,
    /// My filing was not answered in time; its supervisors have been told.
    FilingOverdue,
    /// (Officer) a filing I receive is due within 24 hours.
    FilingDueSoon,
    /// (Head of unit, supervising prosecutor) a filing of my organ or supervision is overdue.
    FilingOverdueEscalated,
    /// My period for taking an answer to the investigating judge (CPC art. 106) ends soon.
    CourtWindow,
    /// An officer recorded me as a participant of a case (or my statement was registered as one).
    ParticipantRecorded,
    /// My filing was forwarded to another organ, which now owes the answer.
    FilingForwarded,
    /// A case in which I hold a status moved to another stage.
    StageChanged,
    /// (Officer) a filing I must answer has arrived.
    FilingReceived,
    /// Someone acting for me (a defender, a representative) made a filing on my behalf.
    FiledOnBehalf,
    /// (Officer) a detained person's filing still waits to be taken up (art. 101: within 24
    /// hours); repeated until it is, and past the 24 hours to supervisors too.
    CustodyWaiting,
    /// A decision of my case that reached me was annulled (by a decision that reaches me too).
    DecisionAnnulled,
    /// A decision of my case that reached me was corrected.
    DecisionCorrected,
    /// (Officer) a person asks to be confirmed in a status in a case I lead.
    AccessRequestReceived,
}

crate::text_enum!(Notice {
    FilingUpdated => "filing_updated",
    AccessRequestDecided => "access_request_decided",
    StatusRevoked => "status_revoked",
    DecisionAvailable => "decision_available",
    FamiliarisationGranted => "familiarisation_granted",
    FamiliarisationRevoked => "familiarisation_revoked",
    FilingOverdue => "filing_overdue",
    FilingDueSoon => "filing_due_soon",
    FilingOverdueEscalated => "filing_overdue_escalated",
    CourtWindow => "court_window",
    ParticipantRecorded => "participant_recorded",
    FilingForwarded => "filing_forwarded",
    StageChanged => "stage_changed",
    FilingReceived => "filing_received",
    FiledOnBehalf => "filed_on_behalf",
    CustodyWaiting => "custody_waiting",
    DecisionAnnulled => "decision_annulled",
    DecisionCorrected => "decision_corrected",
    AccessRequestReceived => "access_request_received",
});

/// Queues one notice for each distinct recipient. Call inside the transaction of the change.
pub async fn send<'a>(
    db: &Db,
    recipients: impl IntoIterator<Item = &'a str>,
    notice: Notice,
    at: &str,
    payload: &serde_json::Value,
) -> Result<(), ApiError> {
    let mut sent: Vec<&str> = Vec::new();
    let now_unix = crate::platform::clock::now().timestamp();
    let payload_text = payload.to_string();
    for recipient in recipients {
        if sent.contains(&recipient) {
            continue;
        }
        sent.push(recipient);
        db.exec(
            "INSERT INTO notifications (recipient_iin, at, kind, payload) VALUES (?, ?, ?, ?)",
            &[
                text(recipient),
                text(at),
                text(notice.as_str()),
                text(&payload_text),
            ],
        )
        .await?;
        crate::notice::delivery::enqueue_for(db, recipient, notice.as_str(), payload, at, now_unix)
            .await?;
    }
    Ok(())
}

/// One page of `iin`'s feed, newest first: notices with ids below `before_id` (all of them, or
/// only the unread), at most `limit`, each as the feed shows it, with the ids for the cursor.
pub async fn feed(
    db: &Db,
    iin: &str,
    before_id: i64,
    limit: i64,
    unread_only: bool,
) -> Result<(Vec<serde_json::Value>, Vec<i64>), ApiError> {
    use crate::platform::db::{col_int, col_opt_text, col_text, int};
    let rows = db
        .query(
            &format!(
                "SELECT id, at, kind, payload, read_at FROM notifications
                 WHERE recipient_iin = ? AND id < ? AND (? = 0 OR read_at IS NULL)
                 ORDER BY id DESC {}",
                crate::platform::db::limit(limit)
            ),
            &[text(iin), int(before_id), int(i64::from(unread_only))],
        )
        .await?;
    let mut ids = Vec::new();
    let items = rows.each(|r| {
        let id = col_int(r, 0)?;
        ids.push(id);
        Ok(serde_json::json!({
            "id": id, "at": col_text(r, 1)?, "kind": col_text(r, 2)?,
            "payload": serde_json::from_str::<serde_json::Value>(&col_text(r, 3)?)
                .unwrap_or_default(),
            "read_at": col_opt_text(r, 4),
        }))
    })?;
    Ok((items, ids))
}

/// How many of `iin`'s notices are unread.
pub async fn unread_count(db: &Db, iin: &str) -> Result<i64, ApiError> {
    db.one(
        "SELECT count(*) FROM notifications WHERE recipient_iin = ? AND read_at IS NULL",
        &[text(iin)],
    )
    .await?
    .map(|r| crate::platform::db::col_int(&r, 0))
    .transpose()
    .map(Option::unwrap_or_default)
}

/// Marks `iin`'s notice `id` read (again is harmless); `false` when it is not theirs.
pub async fn mark_read(db: &Db, iin: &str, id: i64, now: &str) -> Result<bool, ApiError> {
    Ok(db
        .one(
            "UPDATE notifications SET read_at = ifnull(read_at, ?) WHERE id = ? AND recipient_iin = ?
             RETURNING id",
            &[text(now), crate::platform::db::int(id), text(iin)],
        )
        .await?
        .is_some())
}

/// Marks every unread notice of `iin` read.
pub async fn mark_all_read(db: &Db, iin: &str, now: &str) -> Result<(), ApiError> {
    db.exec(
        "UPDATE notifications SET read_at = ? WHERE recipient_iin = ? AND read_at IS NULL",
        &[text(now), text(iin)],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_has_a_template_to_leave_the_portal_by() {
        for notice in Notice::ALL {
            assert!(
                crate::notice::delivery::is_template(notice.as_str()),
                "{notice:?}"
            );
        }
    }

    /// The API description names every kind of notice the feed can hold.
    #[test]
    fn the_openapi_notification_kinds_are_every_notice() {
        let openapi = include_str!("../../../../schema/openapi.yaml");
        let line = openapi
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with("kind: { type: string, enum: [filing_updated")
            })
            .expect("the Notification kind in schema/openapi.yaml");
        let listed: Vec<&str> = line
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(names, _)| names.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let notices: Vec<&str> = Notice::ALL.into_iter().map(Notice::as_str).collect();
        assert_eq!(listed, notices);
    }
}
