//! The delivery webhook's outbox: what is dead, pending or sent, and a dead message sent again.

use crate::admin::audited_list;
use jaria_portal::audit::{self};
use jaria_portal::http::Reply;
use jaria_portal::identity::auth::Desk;
use jaria_portal::notice::delivery::RetryRefusal;
use jaria_portal::{ApiError, notice::delivery, platform::clock};

/// `GET /api/admin/outbox?state=dead|pending|sent` (dead by default): the messages of
/// the delivery webhook, newest first, without their texts.
pub(crate) async fn list_outbox(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let query = desk.req.query();
    let state = match jaria_portal::http::paging::query_param(query, "state") {
        None => "dead",
        Some(s @ ("dead" | "pending" | "sent")) => s,
        Some(_) => {
            return Err(ApiError::invalid(
                "state",
                "invalid_state",
                "The state is dead, pending or sent.",
            ));
        }
    };
    audited_list(desk, "outbox_listed", async |db| {
        Ok(serde_json::json!({
            "messages": delivery::list(db, state, 100).await?,
            "counts": delivery::counts(db).await?,
        }))
    })
    .await
}

/// `POST /api/admin/outbox/{id}/retry`: a dead message goes back in the queue, due now
/// — except a code, or a message to an address its owner removed or replaced.
pub(crate) async fn retry_message(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound);
    }
    let now = clock::now().timestamp();
    let outcome = db
        .transaction(async |db| {
            let outcome = delivery::retry(db, id, now).await?;
            if outcome.is_ok() {
                audit::record(
                    db,
                    &me.actor(),
                    "outbox_retried",
                    &format!("message:{id}"),
                    serde_json::json!({}),
                )
                .await?;
            }
            Ok(outcome)
        })
        .await?;
    match outcome {
        Ok(message) => Reply::json(200, &message),
        Err(RetryRefusal::NotFound) => Err(ApiError::NotFound),
        Err(RetryRefusal::NotDead) => Err(ApiError::Conflict(
            "Only a dead message can be retried; this one is still queued or was sent.".into(),
        )),
        Err(RetryRefusal::MustNotBeResent) => Err(ApiError::Conflict(
            "This message must not be sent again: a verification code (the person asks for a new one) or a message to an address its owner removed or replaced.".into(),
        )),
    }
}
