//! The officer's answer to a filing: under review, extended, answered or forwarded — each
//! step through `filing::lifecycle`.

use jaria_portal::case::authz::{self, Act};
use jaria_portal::filing::answer::{AnswerDocument, AnswerDraft, AnswerRequest};
use jaria_portal::filing::court::{self, CourtRequest, CourtStep};
use jaria_portal::filing::forwarding;
use jaria_portal::filing::lifecycle::{self, Step, Transition};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Principal;
use jaria_portal::law::deadline::{self, Calendar};
use jaria_portal::law::handling::{self, AnswerError, Outcome, State};
use jaria_portal::platform::db::{Db, int, opt_text, text};
use jaria_portal::{ApiError, case::participants, http::documents, platform::clock};
use serde::Deserialize;

use crate::filings::{Received, audit_case, received};

/// `POST /api/officer/filings/{id}/review` — I am looking into it (the filer sees that).
pub async fn review(db: &Db, me: &Principal, id: &str) -> Result<Reply, ApiError> {
    let state = db
        .transaction(async |db| {
            let r = received(db, me, id, true).await?;
            let now = clock::rfc3339(clock::now());
            let step =
                Transition::updated(Step::Review, serde_json::json!({}), audit_case(&r), &now);
            lifecycle::transition(db, me, &r.filing, step).await
        })
        .await?;
    Reply::json(200, &serde_json::json!({ "state": state.as_str() }))
}

/// The latest a complaint may be answered once extended (Unix seconds), if it may be.
pub(crate) fn extension_limit(r: &Received) -> Option<i64> {
    let period = deadline::extension_limit(r.filing.kind, r.filing.addressee)?;
    if r.challenged {
        return None;
    }
    let submitted = clock::from_unix(r.filing.submitted_unix);
    Some(deadline::due(submitted, period, Calendar::shipped()).timestamp())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Extension {
    reason: String,
    due_at: String,
}

/// `POST /api/officer/filings/{id}/extension` — up to 15 days for a complaint, with its reason,
/// and notice to the complainant (art. 105).
pub async fn extend(
    db: &Db,
    me: &Principal,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: Extension = json_body(req)?;
    let reason = jaria_portal::http::text::bounded("reason", &body.reason, 2_000)?;
    let new_due = clock::parse_due_time("due_at", body.due_at.trim())?;
    let due = db.transaction(async |db| {
        let r = received(db, me, id, true).await?;
        lifecycle::next(r.filing.state, Step::Extend)?;
        let limit = extension_limit(&r).ok_or_else(|| {
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
        let step = Transition::updated(Step::Extend, detail, audit_case(&r), &now)
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
pub async fn decide(
    db: &Db,
    me: &Principal,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
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
        .transaction(async |db| answer_in(db, me, id, &answer).await)
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

/// An answer ready to be written: checked, its document read and its signature verified.
struct Answering<'a> {
    draft: &'a AnswerDraft,
    /// File name, bytes, media type.
    document: Option<&'a (String, Vec<u8>, &'static str)>,
    signed: Option<&'a jaria_portal::identity::signed::Signed>,
    deadlines: &'a deadline::Deadlines,
    now: chrono::DateTime<chrono::Utc>,
}

/// Writes `answer` to filing `id` in the caller's transaction: the filing as I receive it
/// now, the outcome permitted to me, then its step (or, for a statement sent to another
/// organ, its move there) and what follows from a registration.
async fn answer_in(
    db: &Db,
    me: &Principal,
    id: &str,
    answer: &Answering<'_>,
) -> Result<State, ApiError> {
    let draft = answer.draft;
    let r = received(db, me, id, true).await?;
    if let Some(case) = &r.case {
        authz::refuse_on_paper(case, Act::AnswerFiling)?;
    }
    let (kind, addressee) = (r.filing.kind, r.filing.addressee);
    handling::check_answer(kind, addressee, r.filing.state, r.challenged, draft.outcome)
        .map_err(answer_refused)?;
    // A statement forwarded to another organ moves into that organ's queue, open again.
    if let Some(to_organ) = draft.forwarded_to_organ() {
        let name = forwarding::check_target(db, &r.filing, to_organ).await?;
        let (reasoning, deadlines) = (&draft.reasoning, answer.deadlines);
        forwarding::forward(
            db, me, &r.filing, to_organ, &name, reasoning, deadlines, answer.now,
        )
        .await?;
        return Ok(State::Submitted);
    }
    if forwarding::moves_between_organs(kind) && draft.outcome == Outcome::Forwarded {
        return Err(ApiError::invalid(
            "forwarded_to_organ_id",
            "required",
            "Choose the organ the statement is forwarded to from the list of organs.",
        ));
    }
    let registered_case = registered_in(db, me, &r, draft).await?;
    let now = clock::rfc3339(answer.now);
    let (sha, filename) = match answer.document {
        Some((filename, bytes, media_type)) => {
            let sha = documents::store(db, bytes, media_type, &now).await?;
            if let Some(signed) = answer.signed {
                jaria_portal::identity::signed::store_for_document(db, &sha, signed, &now).await?;
            }
            (Some(sha), Some(filename.as_str()))
        }
        None => (None, None),
    };
    let mut detail = serde_json::json!({ "outcome": draft.outcome.as_str() });
    if let Some(e) = &draft.erdr {
        detail["erdr_number"] = e.as_str().into();
    }
    if let Some(to) = draft.forwarded_to_official() {
        detail["forwarded_to"] = to.into();
    }
    let audit_case_id = registered_case.as_ref().map(|c| c.id).or(audit_case(&r));
    let step = Transition::updated(Step::Answer(draft.outcome), detail, audit_case_id, &now)
        .setting("outcome", text(draft.outcome.as_str()))
        .setting("answer", text(&draft.reasoning))
        .setting("answer_document_sha256", opt_text(sha.as_deref()))
        .setting("answer_filename", opt_text(filename))
        .setting("decided_by", text(&me.iin))
        .setting("decided_at", text(&now))
        .setting(
            "result_erdr_number",
            opt_text(draft.erdr.as_ref().map(|e| e.as_str())),
        )
        .setting("forwarded_to", opt_text(draft.forwarded_to_official()));
    let state = lifecycle::transition(db, me, &r.filing, step).await?;
    // The statement makes its filer a participant of the case it opened or joined.
    if let Some(case) = &registered_case {
        let statement = participants::RegisteredStatement {
            filer_iin: &r.filing.filer_iin,
            registration_number: &r.filing.registration_number,
            recognised_as_victim: draft.applicant_is_victim,
        };
        let today = clock::almaty_date(answer.now);
        participants::record_applicant(db, me, case, &statement, &now, today).await?;
    }
    Ok(state)
}

/// Why an answer is not taken, in the API's words.
fn answer_refused(e: AnswerError) -> ApiError {
    match e {
        AnswerError::NotOpen(state) => {
            ApiError::Conflict(format!("The filing is already {state}."))
        }
        AnswerError::OwnAct => ApiError::invalid(
            "outcome",
            "own_act",
            "A complaint is never decided by the official whose act it challenges: forward it.",
        ),
        AnswerError::OutcomeNotPermitted => ApiError::invalid(
            "outcome",
            "outcome_not_permitted",
            "This outcome is not available for this filing.",
        ),
    }
}

/// The case a statement is registered in: one of its organ that I may act on.
async fn registered_in(
    db: &Db,
    me: &Principal,
    r: &Received,
    draft: &AnswerDraft,
) -> Result<Option<jaria_portal::case::store::CaseRow>, ApiError> {
    let Some(erdr) = &draft.erdr else {
        return Ok(None);
    };
    authz::officer_case(db, me, erdr.as_str(), Act::View)
        .await
        .ok()
        .map(|c| c.case)
        .filter(|c| Some(c.organ_id) == r.filing.organ_id)
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "erdr_number",
                "unknown_case",
                "Register the case in your organ first, then name it here.",
            )
        })
}

/// `POST /api/officer/filings/{id}/court` — the court's receipt of a complaint forwarded to
/// the investigating judge, or the judge's order, as its papers say (arts. 106–107).
pub async fn court(
    db: &Db,
    me: &Principal,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: CourtRequest = json_body(req)?;
    let step = CourtStep::try_from(&body)?;
    let now = clock::now();
    let record = db
        .transaction(async |db| {
            let (filing, case) = crate::filings::with_case(db, id).await?;
            authz::may_record_court(
                me,
                crate::filings::facts(&filing),
                case.as_ref(),
                crate::filings::challenged_official(&filing, case.as_ref()),
            )?;
            court::record(db, me, &filing, filing.case_id, step, now).await
        })
        .await?;
    Reply::json(
        200,
        &serde_json::json!({ "court": court::json(&record, now) }),
    )
}
