//! Participants: answering status requests, recording a participant, ending a status.

use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::{ApiError, case::participants, platform::clock};

use jaria_portal::case::status_request::{self, StatusAnswer, StatusRequestAnswer};

/// `POST /api/officer/access-requests/{id}/decision`: a status request confirmed or rejected.
pub(crate) async fn decide_request(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: StatusRequestAnswer = json_body(req)?;
    let answer = StatusAnswer::parse(&body)?;
    let id = db
        .transaction(async |db| status_request::answer(db, me, id, &answer).await)
        .await?;
    Reply::json(
        200,
        &serde_json::json!({ "id": id, "state": answer.state(), "reason": answer.reason() }),
    )
}

/// `DELETE .../participants/{id}`: the status ends today (kept for clients of the first API;
/// `POST .../participants/{id}/end` records the date and the reason).
pub(crate) async fn revoke_status(desk: Desk<'_>, erdr: &str, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
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
pub(crate) async fn record_participant(desk: Desk<'_>, erdr: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
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
pub(crate) async fn end_status(desk: Desk<'_>, erdr: &str, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
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
