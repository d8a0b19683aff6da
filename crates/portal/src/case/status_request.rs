//! A person's request for a procedural status, answered by an officer who may as of now
//! (confirmed, or rejected with its reason), and the person told; also how any change of a
//! person's place in the case is told to them.

use serde::Deserialize;

use super::authz::{self, Act, OfficerParticipant};
use super::conduct;
use crate::ApiError;
use crate::audit;
use crate::identity::auth::Principal;
use crate::notice::notify::{self, Notice};
use crate::platform::clock;
use crate::platform::db::Db;

/// `POST /api/officer/access-requests/{id}/decision`: the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequestAnswer {
    pub decision: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// An answer to a status request, checked: a rejection gives its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAnswer {
    Confirm { note: Option<String> },
    Reject { reason: String },
}

impl StatusAnswer {
    pub fn parse(body: &StatusRequestAnswer) -> Result<Self, ApiError> {
        let reason = body.reason.as_deref().unwrap_or_default().trim();
        let reason = (!reason.is_empty()).then(|| reason.to_owned());
        match (body.decision.as_str(), reason) {
            ("confirm", note) => Ok(StatusAnswer::Confirm { note }),
            ("reject", Some(reason)) => Ok(StatusAnswer::Reject { reason }),
            ("reject", None) => Err(ApiError::invalid(
                "reason",
                "required",
                "A rejection must give its reason.",
            )),
            _ => Err(ApiError::invalid(
                "decision",
                "invalid_decision",
                "Either confirm or reject.",
            )),
        }
    }

    /// The request's state once answered.
    pub fn state(&self) -> &'static str {
        match self {
            StatusAnswer::Confirm { .. } => "confirmed",
            StatusAnswer::Reject { .. } => "rejected",
        }
    }

    /// The reason given, if any (a confirmation may carry a note).
    pub fn reason(&self) -> Option<&str> {
        match self {
            StatusAnswer::Confirm { note } => note.as_deref(),
            StatusAnswer::Reject { reason } => Some(reason),
        }
    }

    fn act(&self) -> Act {
        match self {
            StatusAnswer::Confirm { .. } => Act::ConfirmStatus,
            StatusAnswer::Reject { .. } => Act::RejectStatusRequest,
        }
    }
}

/// Answers the status request `id` in the caller's transaction; its participant id.
pub async fn answer(
    db: &Db,
    me: &Principal,
    id: &str,
    answer: &StatusAnswer,
) -> Result<i64, ApiError> {
    let p = authz::officer_participant(db, me, id, None, answer.act()).await?;
    if p.state != "requested" {
        return Err(ApiError::Conflict(format!(
            "The request is already {}.",
            p.state
        )));
    }
    let state = answer.state();
    let now = clock::rfc3339(clock::now());
    conduct::answer_status_request(db, p.id, state, &me.iin, answer.reason(), &now).await?;
    let action = match answer {
        StatusAnswer::Confirm { .. } => "status_confirmed",
        StatusAnswer::Reject { .. } => "status_rejected",
    };
    let subject = format!("participant:{}", p.id);
    audit::record_for_case(
        db,
        &me.actor(),
        action,
        &subject,
        Some(p.case.id),
        serde_json::json!({}),
    )
    .await?;
    let detail = serde_json::json!({ "state": state, "reason": answer.reason() });
    notify_participant(db, &p, Notice::AccessRequestDecided, detail).await?;
    Ok(p.id)
}

/// Tells the participant what changed about their place in the case.
pub async fn notify_participant(
    db: &Db,
    p: &OfficerParticipant,
    notice: Notice,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let mut payload =
        serde_json::json!({ "erdr_number": p.case.erdr_number, "participant_id": p.id });
    if let (Some(target), serde_json::Value::Object(more)) = (payload.as_object_mut(), detail) {
        target.extend(more);
    }
    notify::send(
        db,
        [p.person_iin.as_str()],
        notice,
        &clock::rfc3339(clock::now()),
        &payload,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::{StatusAnswer, StatusRequestAnswer};

    fn parse(decision: &str, reason: Option<&str>) -> Result<StatusAnswer, (String, String)> {
        let body = StatusRequestAnswer {
            decision: decision.into(),
            reason: reason.map(Into::into),
        };
        StatusAnswer::parse(&body).map_err(|e| {
            let p = e.to_problem();
            (p.errors[0].field.clone(), p.errors[0].code.clone())
        })
    }

    #[test]
    fn a_confirmation_may_carry_a_note_and_a_rejection_needs_its_reason() {
        let confirmed = parse("confirm", None).unwrap();
        assert_eq!((confirmed.state(), confirmed.reason()), ("confirmed", None));
        let noted = parse("confirm", Some(" seen ")).unwrap();
        assert_eq!(noted.reason(), Some("seen"));
        let rejected = parse("reject", Some(" not a party ")).unwrap();
        assert_eq!(
            (rejected.state(), rejected.reason()),
            ("rejected", Some("not a party"))
        );
        let missing = ("reason".to_owned(), "required".to_owned());
        assert_eq!(parse("reject", None), Err(missing.clone()));
        assert_eq!(parse("reject", Some("   ")), Err(missing));
        let invalid = ("decision".to_owned(), "invalid_decision".to_owned());
        assert_eq!(parse("approve", Some("x")), Err(invalid.clone()));
        assert_eq!(parse("Confirm", None), Err(invalid));
    }
}
