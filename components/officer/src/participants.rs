//! Participants: answering status requests, recording a participant, ending a status.

use jaria_portal::case::authz::{self, Act, OfficerParticipant};
use jaria_portal::case::conduct;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Principal;
use jaria_portal::notice::notify::{self, Notice};
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, case::participants, platform::clock};
use serde::Deserialize;

use crate::record;
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    decision: String,
    #[serde(default)]
    reason: Option<String>,
}

/// Tells the participant what changed about their place in the case.
pub(crate) async fn notify_participant(
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

pub(crate) async fn decide_request(
    db: &Db,
    me: &Principal,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: Decision = json_body(req)?;
    let reason = body.reason.unwrap_or_default().trim().to_owned();
    let state = match body.decision.as_str() {
        "confirm" => "confirmed",
        "reject" if !reason.is_empty() => "rejected",
        "reject" => {
            return Err(ApiError::invalid(
                "reason",
                "required",
                "A rejection must give its reason.",
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                "decision",
                "invalid_decision",
                "Either confirm or reject.",
            ));
        }
    };
    let (id, state) = db
        .transaction(async |db| {
            let act = if state == "confirmed" {
                Act::ConfirmStatus
            } else {
                Act::RejectStatusRequest
            };
            let p = authz::officer_participant(db, me, id, None, act).await?;
            let (case, id, current) = (&p.case, p.id, &p.state);
            if current != "requested" {
                return Err(ApiError::Conflict(format!(
                    "The request is already {current}."
                )));
            }
            let reason_given = (!reason.is_empty()).then_some(reason.as_str());
            conduct::answer_status_request(
                db,
                id,
                state,
                &me.iin,
                reason_given,
                &clock::rfc3339(clock::now()),
            )
            .await?;
            record(
                db,
                me,
                if state == "confirmed" {
                    "status_confirmed"
                } else {
                    "status_rejected"
                },
                &format!("participant:{id}"),
                case,
                serde_json::json!({}),
            )
            .await?;
            notify_participant(
                db,
                &p,
                Notice::AccessRequestDecided,
                serde_json::json!({
                    "state": state, "reason": (!reason.is_empty()).then_some(reason.as_str()),
                }),
            )
            .await?;
            Ok((id, state))
        })
        .await?;
    Reply::json(
        200,
        &serde_json::json!({ "id": id, "state": state, "reason": (!reason.is_empty()).then_some(reason) }),
    )
}

/// `DELETE .../participants/{id}`: the status ends today (kept for clients of the first API;
/// `POST .../participants/{id}/end` records the date and the reason).
pub(crate) async fn revoke_status(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let now = clock::now();
    let ending = participants::Ending {
        ended_on: clock::almaty_date(now),
        reason: "Status revoked.".into(),
        entered_in_error: false,
    };
    db.transaction(async |db| {
        participants::end(db, me, erdr, id, &ending, &clock::rfc3339(now)).await
    })
    .await?;
    Ok(Reply::empty(204))
}

/// `POST /api/officer/cases/{erdr}/participants`: the officer records a participant on their
/// procedural decision; the person sees the case at their next sign-in.
pub(crate) async fn record_participant(
    db: &Db,
    me: &Principal,
    erdr: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let input: participants::RecordInput = json_body(req)?;
    let now = clock::now();
    let new = participants::validate(&input, clock::almaty_date(now))?;
    let (_, recorded) = db
        .transaction(async |db| {
            participants::record(db, me, erdr, &new, &clock::rfc3339(now)).await
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "id": recorded.id, "erdr_number": erdr, "iin": new.party.as_str(),
            "party": new.party.kind(),
            "full_name": new.full_name, "procedural_status": new.status,
            "represented_iin": new.represented.as_ref().map(|r| r.as_str()),
            "basis": {
                "document": new.basis.document, "number": new.basis.number,
                "date": new.basis.date.to_string(),
            },
            "state": "confirmed", "confirmed_request": recorded.confirmed_request,
        }),
    )
}

/// `POST /api/officer/cases/{erdr}/participants/{id}/end`
pub(crate) async fn end_status(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let input: participants::EndInput = json_body(req)?;
    let now = clock::now();
    let ending = participants::validate_ending(&input, clock::almaty_date(now))?;
    db.transaction(async |db| {
        participants::end(db, me, erdr, id, &ending, &clock::rfc3339(now)).await
    })
    .await?;
    Reply::json(
        200,
        &serde_json::json!({
            "id": id, "state": "revoked", "ended_on": ending.ended_on.to_string(),
            "reason": ending.reason,
        }),
    )
}
