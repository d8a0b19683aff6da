//! An officer's answer to a filing, written in the caller's transaction: the filing as they
//! receive it now, the outcome the rules permit them ([`handling::check_answer`]), then its
//! step through [`lifecycle`] (or, for a statement sent to another organ, its move there) and
//! what follows from a registration (its filer becomes a participant of the case).

use super::answer::AnswerDraft;
use super::forwarding;
use super::lifecycle::{self, Step, Transition};
use super::received::{Received, received};
use crate::ApiError;
use crate::case::authz::{self, Act};
use crate::case::participants;
use crate::http::documents;
use crate::identity::auth::Principal;
use crate::law::deadline;
use crate::law::handling::{self, AnswerError, Outcome, State};
use crate::platform::clock;
use crate::platform::db::{Db, opt_text, text};

/// An answer ready to be written: checked, its document read and its signature verified.
pub struct Answering<'a> {
    pub draft: &'a AnswerDraft,
    /// File name, bytes, media type.
    pub document: Option<&'a (String, Vec<u8>, &'static str)>,
    pub signed: Option<&'a crate::identity::signed::Signed>,
    pub deadlines: &'a deadline::Deadlines,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Writes `answer` to filing `id` in the caller's transaction: the filing as I receive it
/// now, the outcome permitted to me, then its step (or, for a statement sent to another
/// organ, its move there) and what follows from a registration.
pub async fn answer(
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
                crate::identity::signed::store_for_document(db, &sha, signed, &now).await?;
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
    let audit_case_id = registered_case.as_ref().map(|c| c.id).or(r.audit_case());
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
) -> Result<Option<crate::case::store::CaseRow>, ApiError> {
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
