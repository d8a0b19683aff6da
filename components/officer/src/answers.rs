//! The officer's answer to a filing: under review, extended, answered or forwarded — each
//! step through `filing::lifecycle`.

use jaria_portal::auth::Principal;
use jaria_portal::authz::{self, Act};
use jaria_portal::case::ErdrNumber;
use jaria_portal::db::{Db, int, opt_text, text};
use jaria_portal::filing::deadline::{self, Calendar};
use jaria_portal::filing::forwarding;
use jaria_portal::filing::handling::{self, AnswerError, Outcome, State};
use jaria_portal::filing::lifecycle::{self, Step, Transition};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::{ApiError, clock, documents, participants};
use serde::Deserialize;

use crate::filings::{MAX_REASONING_CHARS, Received, audit_case, received};

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
    Some(deadline::due(submitted, period, &Calendar::kazakhstan()).timestamp())
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
    let reason = jaria_portal::text::bounded("reason", &body.reason, 2_000)?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerDocument {
    filename: String,
    content_base64: String,
    /// The officer's CMS signature over the document's bytes (detached).
    #[serde(default)]
    signature: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    outcome: String,
    reasoning: String,
    /// A registered crime report: the case it opened or joined.
    #[serde(default)]
    erdr_number: Option<String>,
    /// A forwarded petition or complaint: to whom.
    #[serde(default)]
    forwarded_to: Option<String>,
    /// A forwarded statement: the organ (from the list of organs) whose queue it moves to.
    #[serde(default)]
    forwarded_to_organ_id: Option<i64>,
    /// A registered statement: the officer also recognised the applicant as victim.
    #[serde(default)]
    applicant_is_victim: bool,
    #[serde(default)]
    document: Option<AnswerDocument>,
}

/// `POST /api/officer/filings/{id}/decision`
pub async fn decide(
    db: &Db,
    me: &Principal,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: Answer = json_body(req)?;
    let outcome = Outcome::parse(&body.outcome)
        .ok_or_else(|| ApiError::invalid("outcome", "invalid_outcome", "Not an outcome."))?;
    let reasoning = jaria_portal::text::bounded("reasoning", &body.reasoning, MAX_REASONING_CHARS)?;
    let forwarded_to = match (
        outcome,
        body.forwarded_to.as_deref(),
        body.forwarded_to_organ_id,
    ) {
        (Outcome::Forwarded, Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "forwarded_to",
                "not_allowed",
                "Name either the official (forwarded_to) or the organ (forwarded_to_organ_id).",
            ));
        }
        (Outcome::Forwarded, Some(to), None) => {
            Some(jaria_portal::text::bounded("forwarded_to", to, 300)?)
        }
        (Outcome::Forwarded, None, Some(_)) => None,
        (Outcome::Forwarded, None, None) => {
            return Err(ApiError::invalid(
                "forwarded_to",
                "required",
                "Say to whom it is forwarded.",
            ));
        }
        (_, Some(_), _) | (_, _, Some(_)) => {
            return Err(ApiError::invalid(
                "forwarded_to",
                "not_allowed",
                "Only a forwarded filing names where it went.",
            ));
        }
        (_, None, None) => None,
    };
    if body.applicant_is_victim && outcome != Outcome::Registered {
        return Err(ApiError::invalid(
            "applicant_is_victim",
            "not_allowed",
            "Only a statement registered as a case makes its applicant a victim.",
        ));
    }
    let erdr = match (outcome, body.erdr_number.as_deref()) {
        (Outcome::Registered, Some(e)) => Some(ErdrNumber::parse(e.trim()).map_err(|e| {
            ApiError::invalid("erdr_number", "invalid_erdr_number", &e.to_string())
        })?),
        (Outcome::Registered, None) => {
            return Err(ApiError::invalid(
                "erdr_number",
                "required",
                "Name the ERDR case the statement was registered in.",
            ));
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid(
                "erdr_number",
                "not_allowed",
                "Only a registered statement names an ERDR case.",
            ));
        }
        (_, None) => None,
    };
    let document = body
        .document
        .as_ref()
        .map(|d| documents::from_base64("document.", &d.filename, &d.content_base64))
        .transpose()?;
    let now_time = clock::now();
    let now = clock::rfc3339(now_time);
    // The answer's document signed by the officer who answers, over exactly its bytes.
    let signed = match (&body.document, &document) {
        (
            Some(AnswerDocument {
                signature: Some(cms),
                ..
            }),
            Some((_, bytes, _)),
        ) => Some(
            jaria_portal::signed::verify(db, "document.signature", cms, bytes, &me.iin, now_time)
                .await?,
        ),
        _ => None,
    };
    let deadlines = deadline::Deadlines::from_config().await?;
    let state = db.transaction(async |db| {
        let r = received(db, me, id, true).await?;
        if let Some(case) = &r.case {
            authz::refuse_on_paper(case, Act::AnswerFiling)?;
        }
        handling::check_answer(r.filing.kind, r.filing.addressee, r.filing.state, r.challenged, outcome)
            .map_err(|e| match e {
                AnswerError::NotOpen(state) => ApiError::Conflict(format!("The filing is already {state}.")),
                AnswerError::OwnAct => ApiError::invalid("outcome", "own_act", "A complaint is never decided by the official whose act it challenges: forward it."),
                AnswerError::OutcomeNotPermitted => ApiError::invalid("outcome", "outcome_not_permitted", "This outcome is not available for this filing."),
            })?;
        // A statement forwarded to another organ moves into that organ's queue, open again.
        if let Some(to_organ) = body.forwarded_to_organ_id {
            let name = forwarding::check_target(db, &r.filing, to_organ).await?;
            forwarding::forward(db, me, &r.filing, to_organ, &name, &reasoning, &deadlines, now_time).await?;
            return Ok(State::Submitted);
        }
        if forwarding::moves_between_organs(r.filing.kind) && outcome == Outcome::Forwarded {
            return Err(ApiError::invalid(
                "forwarded_to_organ_id",
                "required",
                "Choose the organ the statement is forwarded to from the list of organs.",
            ));
        }
        // A statement is registered in a case of its organ that I may act on.
        let registered_case = match &erdr {
            Some(erdr) => {
                let case = authz::officer_case(db, me, erdr.as_str(), Act::View)
                    .await.ok()
                    .map(|c| c.case)
                    .filter(|c| Some(c.organ_id) == r.filing.organ_id)
                    .ok_or_else(|| ApiError::invalid("erdr_number", "unknown_case", "Register the case in your organ first, then name it here."))?;
                Some(case)
            }
            None => None,
        };
        let (sha, filename) = match &document {
            Some((filename, bytes, media_type)) => {
                let sha = documents::store(db, bytes, media_type, &now).await?;
                if let Some(signed) = &signed {
                    jaria_portal::signed::store_for_document(db, &sha, signed, &now).await?;
                }
                (Some(sha), Some(filename.clone()))
            }
            None => (None, None),
        };
        let mut detail = serde_json::json!({ "outcome": outcome.as_str() });
        if let Some(e) = &erdr {
            detail["erdr_number"] = e.as_str().into();
        }
        if let Some(to) = &forwarded_to {
            detail["forwarded_to"] = to.as_str().into();
        }
        let audit_case_id = registered_case.as_ref().map(|c| c.id).or(audit_case(&r));
        let step = Transition::updated(Step::Answer(outcome), detail, audit_case_id, &now)
            .setting("outcome", text(outcome.as_str()))
            .setting("answer", text(&reasoning))
            .setting("answer_document_sha256", opt_text(sha.as_deref()))
            .setting("answer_filename", opt_text(filename.as_deref()))
            .setting("decided_by", text(&me.iin))
            .setting("decided_at", text(&now))
            .setting("result_erdr_number", opt_text(erdr.as_ref().map(|e| e.as_str())))
            .setting("forwarded_to", opt_text(forwarded_to.as_deref()));
        let state = lifecycle::transition(db, me, &r.filing, step).await?;
        // The statement makes its filer a participant of the case it opened or joined.
        if let Some(case) = &registered_case {
            let statement = participants::RegisteredStatement {
                filer_iin: &r.filing.filer_iin,
                registration_number: &r.filing.registration_number,
                recognised_as_victim: body.applicant_is_victim,
            };
            participants::record_applicant(
                db,
                me,
                case,
                &statement,
                &now,
                clock::almaty_date(now_time),
            ).await?;
        }
        Ok(state)
    }).await?;
    Reply::json(
        200,
        &serde_json::json!({
            "state": state.as_str(), "outcome": outcome.as_str(), "decided_at": now,
            "erdr_number": erdr.map(|e| e.as_str().to_owned()), "forwarded_to": forwarded_to,
            "forwarded_to_organ_id": body.forwarded_to_organ_id,
        }),
    )
}
