//! The notification feed: a row per person per event, written in the same transaction as the
//! change it reports, so a notice exists exactly when its change does. A payload carries only
//! what its recipient may already see.

use crate::db::{Db, text};
use crate::error::ApiError;

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
}

impl Notice {
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::FilingUpdated => "filing_updated",
            Notice::AccessRequestDecided => "access_request_decided",
            Notice::StatusRevoked => "status_revoked",
            Notice::DecisionAvailable => "decision_available",
            Notice::FamiliarisationGranted => "familiarisation_granted",
            Notice::FamiliarisationRevoked => "familiarisation_revoked",
        }
    }
}

/// Queues one notice for each distinct recipient. Call inside the transaction of the change.
pub fn send<'a>(
    db: &Db,
    recipients: impl IntoIterator<Item = &'a str>,
    notice: Notice,
    at: &str,
    payload: &serde_json::Value,
) -> Result<(), ApiError> {
    let mut sent: Vec<&str> = Vec::new();
    let payload = payload.to_string();
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
                text(&payload),
            ],
        )?;
    }
    Ok(())
}
