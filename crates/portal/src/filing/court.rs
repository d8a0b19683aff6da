//! The court's part of a complaint to the investigating judge (arts. 106–107). The portal is
//! not the court's system: the officer who forwarded the complaint (or the case's supervising
//! prosecutor) records the court's acts from its papers — that the court received it (with or
//! without a hearing) and the judge's order — and the filer sees, counted as arts. 48–49 count,
//! by when the judge is to decide (3 days, 10 with a hearing) and until when the order may be
//! appealed (3 days, art. 107). The rules here are plain and unit-tested; the writes are the
//! officer component's.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use super::store::FilingRow;
use crate::ApiError;
use crate::identity::auth::Principal;
use crate::law::CourtPeriods;
use crate::law::deadline::{self, Addressee, Calendar, Kind, Period};
use crate::law::handling::State;
use crate::notice::notify::Notice;
use crate::platform::db::{Db, SqlValue, int, text};

use super::lifecycle;

/// `POST /api/officer/filings/{id}/court` as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourtRequest {
    /// `received` (the court received the complaint) or `decided` (the judge's order).
    pub step: String,
    /// The date of the court's act, `YYYY-MM-DD`.
    pub on: String,
    /// With `received`: whether the judge hears it in a closed hearing (10 days, not 3).
    #[serde(default)]
    pub hearing: Option<bool>,
    /// With `decided`: what the judge decided.
    #[serde(default)]
    pub outcome: Option<String>,
}

impl TryFrom<&CourtRequest> for CourtStep {
    type Error = ApiError;

    fn try_from(body: &CourtRequest) -> Result<Self, ApiError> {
        let on = NaiveDate::parse_from_str(body.on.trim(), "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("on", "invalid_date", "A date, YYYY-MM-DD."))?;
        match body.step.as_str() {
            "received" => {
                if body.outcome.is_some() {
                    return Err(ApiError::invalid(
                        "outcome",
                        "not_allowed",
                        "The court's receipt has no outcome; record the order as its own step.",
                    ));
                }
                let hearing = body.hearing.ok_or_else(|| {
                    ApiError::invalid(
                        "hearing",
                        "required",
                        "Say whether the judge hears it in a closed hearing.",
                    )
                })?;
                Ok(CourtStep::Received { on, hearing })
            }
            "decided" => {
                if body.hearing.is_some() {
                    return Err(ApiError::invalid(
                        "hearing",
                        "not_allowed",
                        "Whether there is a hearing is recorded with the court's receipt.",
                    ));
                }
                let outcome = body
                    .outcome
                    .as_deref()
                    .and_then(CourtOutcome::parse)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "outcome",
                            "invalid_outcome",
                            "One of granted, partially_granted, rejected, returned.",
                        )
                    })?;
                Ok(CourtStep::Decided { on, outcome })
            }
            _ => Err(ApiError::invalid(
                "step",
                "invalid_step",
                "Either received or decided.",
            )),
        }
    }
}

impl From<CourtError> for ApiError {
    fn from(e: CourtError) -> Self {
        match e {
            CourtError::TooEarly | CourtError::InTheFuture => {
                ApiError::invalid("on", "out_of_range", &e.to_string())
            }
            _ => ApiError::Conflict(e.to_string()),
        }
    }
}

/// Records `step` on `filing` as `me` (who may: the caller's check): its columns (only if no
/// one recorded the same meanwhile), the timeline event, the audit row and the notice to the
/// filer and the person filed for, in the caller's transaction. Returns the record after it.
pub async fn record(
    db: &Db,
    me: &Principal,
    filing: &FilingRow,
    audit_case_id: Option<i64>,
    step: CourtStep,
    now: DateTime<Utc>,
) -> Result<CourtRecord, ApiError> {
    // The court cannot have received it before it was sent there.
    let forwarded = filing
        .decided_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| crate::platform::clock::from_unix(filing.submitted_unix));
    check(
        filing.kind,
        filing.addressee,
        filing.state,
        &filing.court,
        step,
        crate::platform::clock::almaty_date(forwarded),
        crate::platform::clock::almaty_date(now),
    )?;
    let mut after = filing.court;
    let (sql, params, detail) = match step {
        CourtStep::Received { on, hearing } => {
            after.received_on = Some(on);
            after.hearing = Some(hearing);
            (
                "UPDATE filings SET court_received_on = ?, court_hearing = ?
                 WHERE id = ? AND court_received_on IS NULL RETURNING id",
                vec![text(on.to_string()), int(i64::from(hearing))],
                serde_json::json!({ "on": on.to_string(), "hearing": hearing }),
            )
        }
        CourtStep::Decided { on, outcome } => {
            after.decided_on = Some(on);
            after.outcome = Some(outcome);
            (
                "UPDATE filings SET court_decided_on = ?, court_outcome = ?
                 WHERE id = ? AND court_received_on IS NOT NULL AND court_decided_on IS NULL
                 RETURNING id",
                vec![text(on.to_string()), text(outcome.as_str())],
                serde_json::json!({ "on": on.to_string(), "outcome": outcome.as_str() }),
            )
        }
    };
    let mut params: Vec<SqlValue> = params;
    params.push(int(filing.id));
    if db.one(sql, &params).await?.is_none() {
        return Err(ApiError::Conflict(
            "The court record changed meanwhile; reload it.".into(),
        ));
    }
    let mut payload = detail.clone();
    payload["event"] = step.event().into();
    let told = lifecycle::Telling {
        notice: Notice::FilingUpdated,
        payload,
        recipients: filing.interested(),
    };
    let at = crate::platform::clock::rfc3339(now);
    lifecycle::record_event(
        db,
        me,
        filing,
        step.event(),
        detail,
        audit_case_id,
        told,
        &at,
    )
    .await?;
    Ok(after)
}

/// What the judge decided on the complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourtOutcome {
    Granted,
    PartiallyGranted,
    Rejected,
    /// Returned without consideration (e.g. not the court's to hear).
    Returned,
}

crate::text_enum!(CourtOutcome {
    Granted => "granted",
    PartiallyGranted => "partially_granted",
    Rejected => "rejected",
    Returned => "returned",
});

/// What the portal knows of the court's acts on one filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CourtRecord {
    pub received_on: Option<NaiveDate>,
    pub hearing: Option<bool>,
    pub decided_on: Option<NaiveDate>,
    pub outcome: Option<CourtOutcome>,
}

/// One act of the court, as the officer records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourtStep {
    /// The court received the complaint on `on`, to decide it with or without a hearing.
    Received { on: NaiveDate, hearing: bool },
    /// The judge's order of `on`.
    Decided {
        on: NaiveDate,
        outcome: CourtOutcome,
    },
}

impl CourtStep {
    /// The step's name in the filing's timeline and in the audit log (`filing_{event}`).
    pub fn event(self) -> &'static str {
        match self {
            CourtStep::Received { .. } => "court_received",
            CourtStep::Decided { .. } => "court_decided",
        }
    }
}

/// Why a court act cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CourtError {
    #[error("Only a complaint forwarded to the investigating judge has a court record.")]
    NotBeforeTheJudge,
    #[error("The court's receipt of this complaint is already recorded.")]
    AlreadyReceived,
    #[error("Record first that the court received the complaint.")]
    NotReceived,
    #[error("The judge's order on this complaint is already recorded.")]
    AlreadyDecided,
    #[error(
        "The date is before the complaint was filed, or the order before the court received it."
    )]
    TooEarly,
    #[error("The date is in the future.")]
    InTheFuture,
}

/// Whether a filing went to the investigating judge: a complaint to the judge, forwarded.
pub fn before_the_judge(kind: Kind, addressee: Addressee, state: State) -> bool {
    kind == Kind::Complaint
        && addressee == Addressee::InvestigatingJudge
        && state == State::Forwarded
}

/// The court act that may be recorded next on a filing (`received`, then `decided`), if any.
pub fn next_step(
    kind: Kind,
    addressee: Addressee,
    state: State,
    record: &CourtRecord,
) -> Option<&'static str> {
    if !before_the_judge(kind, addressee, state) {
        return None;
    }
    match (record.received_on, record.decided_on) {
        (None, _) => Some("received"),
        (Some(_), None) => Some("decided"),
        (Some(_), Some(_)) => None,
    }
}

/// Checks `step` against the filing and what is recorded, with `filed_on` the day the
/// complaint was sent to the court (forwarded) and `today` (Almaty).
pub fn check(
    kind: Kind,
    addressee: Addressee,
    state: State,
    record: &CourtRecord,
    step: CourtStep,
    filed_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), CourtError> {
    if !before_the_judge(kind, addressee, state) {
        return Err(CourtError::NotBeforeTheJudge);
    }
    let (on, earliest) = match step {
        CourtStep::Received { on, .. } => {
            if record.received_on.is_some() {
                return Err(CourtError::AlreadyReceived);
            }
            (on, filed_on)
        }
        CourtStep::Decided { on, .. } => {
            let received = record.received_on.ok_or(CourtError::NotReceived)?;
            if record.decided_on.is_some() {
                return Err(CourtError::AlreadyDecided);
            }
            (on, received)
        }
    };
    if on < earliest {
        return Err(CourtError::TooEarly);
    }
    if on > today {
        return Err(CourtError::InTheFuture);
    }
    Ok(())
}

/// The court's periods the law data gives (the Code's, should it be unreadable).
pub fn periods() -> CourtPeriods {
    crate::law::shipped()
        .map(|l| l.deadlines.court)
        .unwrap_or(CourtPeriods::CODE)
}

/// The end of `period` counted from the day `from` (the starting day not counted; 24:00
/// Almaty of the last day, moved past a day off).
fn after_day(from: NaiveDate, period: Period, calendar: &Calendar) -> DateTime<Utc> {
    // Noon of that day in Almaty: the day `deadline::due` counts from.
    let noon = from.and_hms_opt(12, 0, 0).unwrap_or_default();
    let start = crate::platform::clock::almaty()
        .from_local_datetime(&noon)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&noon));
    deadline::due(start, period, calendar)
}

/// By when the judge is to decide a complaint the court received on `received_on` (art. 106).
pub fn decision_due(
    received_on: NaiveDate,
    hearing: bool,
    periods: &CourtPeriods,
    calendar: &Calendar,
) -> DateTime<Utc> {
    let period = if hearing {
        periods.decision_with_hearing
    } else {
        periods.decision_without_hearing
    };
    after_day(received_on, period, calendar)
}

/// Until when the judge's order of `decided_on` may be appealed (art. 107). Counted from the
/// order's date: the earliest the person can have learned of it.
pub fn appeal_ends(
    decided_on: NaiveDate,
    periods: &CourtPeriods,
    calendar: &Calendar,
) -> DateTime<Utc> {
    after_day(decided_on, periods.appeal, calendar)
}

/// The record as the filer and the officers see it, with its periods (`None` when the court
/// has done nothing the portal knows of).
pub fn json(record: &CourtRecord, now: DateTime<Utc>) -> Option<serde_json::Value> {
    let received_on = record.received_on?;
    let periods = periods();
    let calendar = Calendar::shipped();
    let hearing = record.hearing.unwrap_or(false);
    let due = decision_due(received_on, hearing, &periods, calendar);
    let appeal = record.decided_on.map(|decided_on| {
        let ends = appeal_ends(decided_on, &periods, calendar);
        serde_json::json!({
            "ends_at": crate::platform::clock::rfc3339(ends),
            "expired": ends <= now,
        })
    });
    Some(serde_json::json!({
        "received_on": received_on.to_string(),
        "hearing": hearing,
        "decision_due_at": crate::platform::clock::rfc3339(due),
        "decided_on": record.decided_on.map(|d| d.to_string()),
        "outcome": record.outcome.map(CourtOutcome::as_str),
        "appeal": appeal,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn weekends() -> Calendar {
        Calendar::parse("")
    }

    const FORWARDED: (Kind, Addressee, State) = (
        Kind::Complaint,
        Addressee::InvestigatingJudge,
        State::Forwarded,
    );

    fn check_step(record: &CourtRecord, step: CourtStep) -> Result<(), CourtError> {
        let (kind, addressee, state) = FORWARDED;
        check(
            kind,
            addressee,
            state,
            record,
            step,
            day("2026-12-01"),
            day("2026-12-10"),
        )
    }

    #[test]
    fn the_court_receives_then_decides_each_once_in_order_and_never_in_the_future() {
        let received = CourtStep::Received {
            on: day("2026-12-02"),
            hearing: false,
        };
        let decided = CourtStep::Decided {
            on: day("2026-12-04"),
            outcome: CourtOutcome::Rejected,
        };
        let empty = CourtRecord::default();
        assert_eq!(check_step(&empty, received), Ok(()));
        assert_eq!(check_step(&empty, decided), Err(CourtError::NotReceived));
        let after_receipt = CourtRecord {
            received_on: Some(day("2026-12-02")),
            hearing: Some(false),
            ..CourtRecord::default()
        };
        assert_eq!(
            check_step(&after_receipt, received),
            Err(CourtError::AlreadyReceived)
        );
        assert_eq!(check_step(&after_receipt, decided), Ok(()));
        let early = CourtStep::Decided {
            on: day("2026-12-01"),
            outcome: CourtOutcome::Granted,
        };
        assert_eq!(check_step(&after_receipt, early), Err(CourtError::TooEarly));
        let future = CourtStep::Received {
            on: day("2026-12-11"),
            hearing: true,
        };
        assert_eq!(check_step(&empty, future), Err(CourtError::InTheFuture));
        let before_filing = CourtStep::Received {
            on: day("2026-11-30"),
            hearing: true,
        };
        assert_eq!(check_step(&empty, before_filing), Err(CourtError::TooEarly));
        let decided_record = CourtRecord {
            decided_on: Some(day("2026-12-04")),
            outcome: Some(CourtOutcome::Rejected),
            ..after_receipt
        };
        assert_eq!(
            check_step(&decided_record, decided),
            Err(CourtError::AlreadyDecided)
        );
    }

    #[test]
    fn the_next_act_to_record_is_the_receipt_then_the_order_then_nothing() {
        let (kind, addressee, state) = FORWARDED;
        let mut record = CourtRecord::default();
        assert_eq!(next_step(kind, addressee, state, &record), Some("received"));
        record.received_on = Some(day("2026-12-02"));
        assert_eq!(next_step(kind, addressee, state, &record), Some("decided"));
        record.decided_on = Some(day("2026-12-03"));
        assert_eq!(next_step(kind, addressee, state, &record), None);
        assert_eq!(
            next_step(kind, Addressee::HeadOfUnit, state, &CourtRecord::default()),
            None
        );
    }

    #[test]
    fn only_a_complaint_forwarded_to_the_judge_has_a_court_record() {
        let step = CourtStep::Received {
            on: day("2026-12-02"),
            hearing: false,
        };
        let empty = CourtRecord::default();
        for (kind, addressee, state) in [
            (
                Kind::Complaint,
                Addressee::InvestigatingJudge,
                State::Submitted,
            ),
            (Kind::Complaint, Addressee::HeadOfUnit, State::Forwarded),
            (Kind::Petition, Addressee::Investigator, State::Forwarded),
        ] {
            assert_eq!(
                check(
                    kind,
                    addressee,
                    state,
                    &empty,
                    step,
                    day("2026-12-01"),
                    day("2026-12-10")
                ),
                Err(CourtError::NotBeforeTheJudge),
                "{kind:?} {addressee:?} {state:?}"
            );
        }
    }

    #[test]
    fn the_judge_has_three_days_or_ten_with_a_hearing_and_the_order_three_for_appeal() {
        let code = CourtPeriods::CODE;
        let calendar = weekends();
        // Received on Wednesday 2 December 2026: 3 days end at 24:00 Almaty on Saturday the 5th,
        // a day off, so on Monday the 7th (19:00Z, Almaty being UTC+5).
        assert_eq!(
            crate::platform::clock::rfc3339(decision_due(
                day("2026-12-02"),
                false,
                &code,
                &calendar
            )),
            "2026-12-07T19:00:00.000Z"
        );
        // With a hearing, 10 days: Saturday the 12th, moved to Monday the 14th.
        assert_eq!(
            crate::platform::clock::rfc3339(decision_due(
                day("2026-12-02"),
                true,
                &code,
                &calendar
            )),
            "2026-12-14T19:00:00.000Z"
        );
        // An order of Tuesday the 8th: appealed until 24:00 on Friday the 11th.
        assert_eq!(
            crate::platform::clock::rfc3339(appeal_ends(day("2026-12-08"), &code, &calendar)),
            "2026-12-11T19:00:00.000Z"
        );
    }

    #[test]
    fn a_court_act_is_sent_whole_or_refused_with_the_field_at_fault() {
        let step = |body: serde_json::Value| {
            let request: CourtRequest = serde_json::from_value(body).unwrap();
            CourtStep::try_from(&request).map_err(|e| e.first_field_error())
        };
        assert_eq!(
            step(serde_json::json!({"step": "received", "on": "2026-12-02", "hearing": true})),
            Ok(CourtStep::Received {
                on: day("2026-12-02"),
                hearing: true
            })
        );
        assert_eq!(
            step(serde_json::json!({"step": "decided", "on": "2026-12-04", "outcome": "returned"})),
            Ok(CourtStep::Decided {
                on: day("2026-12-04"),
                outcome: CourtOutcome::Returned
            })
        );
        let field = |r: Result<CourtStep, (String, String)>| r.unwrap_err();
        assert_eq!(
            field(step(
                serde_json::json!({"step": "received", "on": "2026-12-02"})
            )),
            ("hearing".into(), "required".into())
        );
        assert_eq!(
            field(step(
                serde_json::json!({"step": "decided", "on": "2026-12-02", "outcome": "maybe"})
            )),
            ("outcome".into(), "invalid_outcome".into())
        );
        assert_eq!(
            field(step(
                serde_json::json!({"step": "decided", "on": "2026-12-02", "outcome": "granted", "hearing": false})
            )),
            ("hearing".into(), "not_allowed".into())
        );
        assert_eq!(
            field(step(
                serde_json::json!({"step": "received", "on": "2 Dec", "hearing": false})
            )),
            ("on".into(), "invalid_date".into())
        );
        assert_eq!(
            field(step(
                serde_json::json!({"step": "heard", "on": "2026-12-02"})
            )),
            ("step".into(), "invalid_step".into())
        );
    }

    #[test]
    fn the_shipped_law_data_gives_the_codes_court_periods() {
        assert_eq!(periods(), CourtPeriods::CODE);
    }
}
