//! The filing lifecycle: which step may follow which state ([`next`], plain and unit-tested),
//! and the one writer of a step ([`transition`]): the filing's new state and the columns the
//! step sets, its timeline event, the audit row and the notices, in the caller's transaction.
//!
//! A filing is open while it waits for an answer (`submitted`, `under_review`, `extended`);
//! every step starts from an open filing, and an answer, a withdrawal or a refusal closes it.
//! Forwarding a statement to another organ opens it again there (`submitted`).

use crate::identity::auth::Principal;
use crate::notice::notify::{self, Notice};
use crate::platform::db::{Db, SqlValue, int, text};
use crate::platform::error::ApiError;

use super::store::FilingRow;
use crate::law::handling::{Outcome, State};

/// [`State::OPEN`] as a condition over `f` (filings); the partial indexes on open filings in
/// `schema/migrations` name the same states.
pub const OPEN_SQL: &str = "f.state IN ('submitted', 'under_review', 'extended')";

/// What is done to a filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The officer is looking into it (the filer sees that).
    Review,
    /// A complaint's answer put off, within the law's limit (art. 105).
    Extend,
    /// The officer's answer.
    Answer(Outcome),
    /// A statement sent on to another organ, whose queue it joins open again.
    Forward,
    /// The filer takes it back.
    Withdraw,
}

impl Step {
    /// The step's name in the filing's timeline (`filing_events.kind`) and, as
    /// `filing_{event}`, in the audit log: the state it leads to, except that a statement
    /// forwarded to another organ is `forwarded` while it waits there `submitted` again.
    pub fn event(self) -> &'static str {
        match self {
            Step::Review => State::UnderReview.as_str(),
            Step::Extend => State::Extended.as_str(),
            Step::Answer(outcome) => outcome.state().as_str(),
            Step::Forward => "forwarded",
            Step::Withdraw => State::Withdrawn.as_str(),
        }
    }
}

/// A step the filing's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("The filing is already {}.", .0.as_str())]
    Closed(State),
}

impl From<StepError> for ApiError {
    fn from(e: StepError) -> Self {
        ApiError::Conflict(e.to_string())
    }
}

/// Whether `iin` may withdraw `filing` now: its filer (not the person it was filed for), while
/// it is open. The page shows the button by this; the withdrawal itself checks the same.
pub fn may_withdraw(filing: &super::store::FilingRow, iin: &str) -> bool {
    filing.filer_iin == iin && next(filing.state, Step::Withdraw).is_ok()
}

/// The state `step` leaves a filing in `from` in; `None` when the step changes nothing (a
/// review of a filing already under review or extended).
pub fn next(from: State, step: Step) -> Result<Option<State>, StepError> {
    if !from.is_open() {
        return Err(StepError::Closed(from));
    }
    Ok(match step {
        Step::Review if from == State::Submitted => Some(State::UnderReview),
        Step::Review => None,
        Step::Extend => Some(State::Extended),
        Step::Answer(outcome) => Some(outcome.state()),
        Step::Forward => Some(State::Submitted),
        Step::Withdraw => Some(State::Withdrawn),
    })
}

/// Who learns of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    /// The filer and the person it was filed for.
    Interested,
    /// Only the person it was filed for (the filer took the step).
    OnlyTheOneFiledFor,
}

/// One step, as [`transition`] writes it.
pub struct Transition<'a> {
    pub step: Step,
    /// Columns the step sets besides `state`, with their values (names from code only).
    pub set: Vec<(&'static str, SqlValue)>,
    /// The event's detail, also the audit row's (`{}` for none).
    pub detail: serde_json::Value,
    pub audit_case_id: Option<i64>,
    pub notice: Notice,
    /// The notice's payload (the filing's id and number are added).
    pub payload: serde_json::Value,
    pub told: Told,
    /// When, RFC 3339.
    pub at: &'a str,
}

impl<'a> Transition<'a> {
    /// A step the officer takes: its event's detail is also the audit row's and, with the
    /// event's name, the notice to the filer and the person filed for.
    pub fn updated(
        step: Step,
        detail: serde_json::Value,
        audit_case_id: Option<i64>,
        at: &'a str,
    ) -> Self {
        let mut payload = serde_json::json!({ "event": step.event() });
        merge(&mut payload, detail.clone());
        Transition {
            step,
            set: Vec::new(),
            detail,
            audit_case_id,
            notice: Notice::FilingUpdated,
            payload,
            told: Told::Interested,
            at,
        }
    }

    /// The same step, also setting `column` (a name from code) to `value`.
    pub fn setting(mut self, column: &'static str, value: SqlValue) -> Self {
        self.set.push((column, value));
        self
    }
}

/// Writes `t` on `filing` as `me`: the new state (only if the filing is still in the state it
/// was read in) with the step's columns, the timeline event, the audit row and the notices.
/// Returns the state the filing is in afterwards.
pub async fn transition(
    db: &Db,
    me: &Principal,
    filing: &FilingRow,
    t: Transition<'_>,
) -> Result<State, ApiError> {
    let Some(state) = next(filing.state, t.step)? else {
        return Ok(filing.state);
    };
    let mut assignments = vec!["state = ?".to_owned()];
    let mut params = vec![text(state.as_str())];
    for (column, value) in t.set {
        assignments.push(format!("{column} = ?"));
        params.push(value);
    }
    params.extend([int(filing.id), text(filing.state.as_str())]);
    let changed = db
        .one(
            &format!(
                "UPDATE filings SET {} WHERE id = ? AND state = ? RETURNING id",
                assignments.join(", ")
            ),
            &params,
        )
        .await?;
    if changed.is_none() {
        // Read in one state, found in another: the caller's read was not in this transaction.
        return Err(ApiError::Conflict(
            "The filing changed meanwhile; reload it.".into(),
        ));
    }
    let recipients = match t.told {
        Told::Interested => filing.interested(),
        Told::OnlyTheOneFiledFor => filing.on_behalf_of_iin.as_deref().into_iter().collect(),
    };
    let told = Telling {
        notice: t.notice,
        payload: t.payload,
        recipients,
    };
    record_event(
        db,
        me,
        filing,
        t.step.event(),
        t.detail,
        t.audit_case_id,
        told,
        t.at,
    )
    .await?;
    Ok(state)
}

/// Who is told of an event on a filing, and what (the filing's id and number are added).
pub struct Telling<'a> {
    pub notice: Notice,
    pub payload: serde_json::Value,
    pub recipients: Vec<&'a str>,
}

/// The record of one event on `filing` by `me`, after its change is written: the timeline
/// row (`event`, with `detail`), the audit row (`filing_{event}`, the same detail) and the
/// notice — the one way every step of a filing, the court's acts included, is recorded.
#[allow(clippy::too_many_arguments)]
pub async fn record_event(
    db: &Db,
    me: &Principal,
    filing: &FilingRow,
    event: &str,
    detail: serde_json::Value,
    audit_case_id: Option<i64>,
    told: Telling<'_>,
    at: &str,
) -> Result<(), ApiError> {
    db.exec(
        "INSERT INTO filing_events (filing_id, at, kind, actor_iin, detail) VALUES (?, ?, ?, ?, ?)",
        &[
            int(filing.id),
            text(at),
            text(event),
            text(&me.iin),
            text(detail.to_string()),
        ],
    )
    .await?;
    crate::audit::record_for_case(
        db,
        &me.actor(),
        &format!("filing_{event}"),
        &format!("filing:{}", filing.id),
        audit_case_id,
        detail,
    )
    .await?;
    let mut payload = serde_json::json!({
        "filing_id": filing.id, "registration_number": filing.registration_number,
    });
    merge(&mut payload, told.payload);
    notify::send(db, told.recipients, told.notice, at, &payload).await
}

/// Adds `more`'s fields (an object) to `into` (an object).
fn merge(into: &mut serde_json::Value, more: serde_json::Value) {
    if let (Some(target), serde_json::Value::Object(more)) = (into.as_object_mut(), more) {
        target.extend(more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps() -> Vec<Step> {
        let mut steps = vec![Step::Review, Step::Extend, Step::Forward, Step::Withdraw];
        steps.extend(Outcome::ALL.iter().map(|o| Step::Answer(*o)));
        steps
    }

    #[test]
    fn the_open_condition_names_exactly_the_open_states() {
        let named: Vec<&str> = State::OPEN.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            OPEN_SQL,
            format!("f.state IN ('{}')", named.join("', '")),
            "lifecycle::OPEN_SQL and State::OPEN disagree"
        );
    }

    #[test]
    fn a_closed_filing_takes_no_step() {
        for from in State::ALL.into_iter().filter(|s| !s.is_open()) {
            for step in steps() {
                assert_eq!(next(from, step), Err(StepError::Closed(from)), "{step:?}");
            }
        }
    }

    #[test]
    fn each_step_from_an_open_filing_lands_where_the_law_puts_it() {
        for from in State::OPEN {
            assert_eq!(next(from, Step::Extend), Ok(Some(State::Extended)));
            assert_eq!(next(from, Step::Forward), Ok(Some(State::Submitted)));
            assert_eq!(next(from, Step::Withdraw), Ok(Some(State::Withdrawn)));
            for outcome in Outcome::ALL {
                let to = next(from, Step::Answer(outcome)).unwrap().unwrap();
                assert_eq!(to, outcome.state());
                assert!(!to.is_open(), "an answer closes the filing: {outcome:?}");
            }
        }
    }

    #[test]
    fn each_step_is_named_by_the_state_it_leads_to_and_a_move_between_organs_by_itself() {
        for from in State::OPEN {
            for step in steps() {
                let name = step.event();
                match next(from, step) {
                    _ if step == Step::Forward => assert_eq!(name, "forwarded"),
                    Ok(Some(to)) => assert_eq!(name, to.as_str(), "{step:?}"),
                    // A review repeated names the state it began.
                    Ok(None) => assert_eq!(name, State::UnderReview.as_str()),
                    Err(e) => panic!("{step:?} from {from:?}: {e}"),
                }
            }
        }
    }

    #[test]
    fn a_review_starts_once_and_is_repeated_without_a_change() {
        assert_eq!(
            next(State::Submitted, Step::Review),
            Ok(Some(State::UnderReview))
        );
        assert_eq!(next(State::UnderReview, Step::Review), Ok(None));
        // An extended filing is not put back under review.
        assert_eq!(next(State::Extended, Step::Review), Ok(None));
    }

    #[test]
    fn the_conflict_names_the_state() {
        let e: ApiError = StepError::Closed(State::Decided).into();
        assert_eq!(
            e.to_string(),
            ApiError::Conflict("The filing is already decided.".into()).to_string()
        );
    }
}
