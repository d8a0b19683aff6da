//! The officer's answer to a filing: under review, extended, answered or forwarded — each
//! step through `filing::lifecycle`.

use jaria_portal::case::authz::{self};
use jaria_portal::filing::answer::{AnswerDocument, AnswerDraft, AnswerRequest};
use jaria_portal::filing::answering::{self, Answering};
use jaria_portal::filing::court::{self, CourtRequest, CourtStep};
use jaria_portal::filing::lifecycle::{self, Step, Transition};
use jaria_portal::filing::received;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::law::deadline::{self};
use jaria_portal::platform::db::int;
use jaria_portal::{ApiError, http::documents, platform::clock};
use serde::Deserialize;

/// `POST /api/officer/filings/{id}/review` — I am looking into it (the filer sees that).
pub async fn review(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    let state = db
        .transaction(async |db| {
            let r = received::received(db, me, id, true).await?;
            let now = clock::rfc3339(clock::now());
            let step =
                Transition::updated(Step::Review, serde_json::json!({}), r.audit_case(), &now);
            lifecycle::transition(db, me, &r.filing, step).await
        })
        .await?;
    Reply::json(200, &serde_json::json!({ "state": state.as_str() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Extension {
    reason: String,
    due_at: String,
}

/// `POST /api/officer/filings/{id}/extension` — up to 15 days for a complaint, with its reason,
/// and notice to the complainant (art. 105).
pub async fn extend(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: Extension = json_body(req)?;
    let reason = jaria_portal::http::text::bounded("reason", &body.reason, 2_000)?;
    let new_due = clock::parse_due_time("due_at", body.due_at.trim())?;
    let due = db.transaction(async |db| {
        let r = received::received(db, me, id, true).await?;
        lifecycle::next(r.filing.state, Step::Extend)?;
        let limit = r.extension_limit().ok_or_else(|| {
            ApiError::invalid(
                "due_at",
                "not_extendable",
                "Only a complaint to a head of unit or a prosecutor is extended, and never by the official it challenges.",
            )
        })?;
        if new_due <= r.filing.due_unix || new_due > limit {
            return Err(ApiError::invalid(
                "due_at",
                "out_of_range",
                &format!(
                    "The new due time must be after the current one and no later than {}.",
                    clock::rfc3339(clock::from_unix(limit))
                ),
            ));
        }
        let due_at = clock::rfc3339(clock::from_unix(new_due));
        let now = clock::rfc3339(clock::now());
        let detail = serde_json::json!({
            "reason": reason,
            "previous_due_at": clock::rfc3339(clock::from_unix(r.filing.due_unix)),
            "due_at": due_at,
        });
        let step = Transition::updated(Step::Extend, detail, r.audit_case(), &now)
            .setting("due_unix", int(new_due));
        lifecycle::transition(db, me, &r.filing, step).await?;
        Ok(due_at)
    }).await?;
    Reply::json(
        200,
        &serde_json::json!({ "state": "extended", "due_at": due }),
    )
}

/// `POST /api/officer/filings/{id}/decision`
pub async fn decide(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: AnswerRequest = json_body(req)?;
    let draft = AnswerDraft::try_from(&body)?;
    let document = body
        .document
        .as_ref()
        .map(|d| documents::from_base64("document.", &d.filename, &d.content_base64))
        .transpose()?;
    let now = clock::now();
    // The answer's document signed by the officer who answers, over exactly its bytes.
    let signed = match (&body.document, &document) {
        (
            Some(AnswerDocument {
                signature: Some(cms),
                ..
            }),
            Some((_, bytes, _)),
        ) => Some(
            jaria_portal::identity::signed::verify(
                db,
                "document.signature",
                cms,
                bytes,
                &me.iin,
                now,
            )
            .await?,
        ),
        _ => None,
    };
    let answer = Answering {
        draft: &draft,
        document: document.as_ref(),
        signed: signed.as_ref(),
        deadlines: &deadline::Deadlines::from_config().await?,
        now,
    };
    let state = db
        .transaction(async |db| answering::answer(db, me, id, &answer).await)
        .await?;
    Reply::json(
        200,
        &serde_json::json!({
            "state": state.as_str(), "outcome": draft.outcome.as_str(),
            "decided_at": clock::rfc3339(now),
            "erdr_number": draft.erdr.as_ref().map(|e| e.as_str()),
            "forwarded_to": draft.forwarded_to_official(),
            "forwarded_to_organ_id": draft.forwarded_to_organ(),
        }),
    )
}

/// `POST /api/officer/filings/{id}/court` — the court's receipt of a complaint forwarded to
/// the investigating judge, or the judge's order, as its papers say (arts. 106–107).
pub async fn court(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: CourtRequest = json_body(req)?;
    let step = CourtStep::try_from(&body)?;
    let now = clock::now();
    let record = db
        .transaction(async |db| {
            let (filing, case) = received::with_case(db, id).await?;
            authz::may_record_court(
                me,
                received::facts(&filing),
                case.as_ref(),
                received::challenged_official(&filing, case.as_ref()),
            )?;
            court::record(db, me, &filing, filing.case_id, step, now).await
        })
        .await?;
    Reply::json(
        200,
        &serde_json::json!({ "court": court::json(&record, now) }),
    )
}
