//! The period of the pre-trial investigation (CPC art. 192): from the case's registration in
//! the ERDR, two months (the law data's `investigation.initial_months`) unless extended; the
//! time the investigation stood suspended is not counted. Read from the case's own decisions —
//! extensions (each naming the day it extends the period to), suspensions and resumptions —
//! leaving out those annulled. Pure: the caller reads the decisions and gives today.
//!
//! Our reading, said in the README: a period in months ends on the corresponding day of its
//! last month (the last day of a month that has no such day) and, falling on a day off, on the
//! next working day (art. 49); a suspension's days are added back when it is resumed.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use super::Stage;
use crate::law::DecisionType;
use crate::law::deadline::Calendar;

/// A decision that moves the period, as the case holds it (annulled ones left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermDecision {
    pub id: i64,
    pub kind: DecisionType,
    pub decided_on: NaiveDate,
    /// An extension's new last day.
    pub extended_until: Option<NaiveDate>,
}

/// One extension of the period, as the case page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub decision_id: i64,
    pub decided_on: NaiveDate,
    pub extended_until: NaiveDate,
}

/// Where the period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermState {
    /// It runs; `ends_on` is its last day.
    Running,
    /// The investigation stands suspended: the period does not run.
    Suspended,
    /// The investigation is over (terminated, sent to court, joined to another case).
    Over,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigationTerm {
    pub started_on: NaiveDate,
    /// Its last day (the period ends at 24:00 of it, Almaty), suspensions added back.
    pub ends_on: NaiveDate,
    pub state: TermState,
    /// Whole days from today to the last day (0: today is the last; negative: overrun); only
    /// while it runs.
    pub days_left: Option<i64>,
    /// Days the investigation stood suspended (and resumed), not counted.
    pub suspended_days: i64,
    pub extensions: Vec<Extension>,
    pub article: &'static str,
}

impl InvestigationTerm {
    /// As the case card shows it.
    pub fn json(&self) -> serde_json::Value {
        let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        serde_json::json!({
            "started_on": date(self.started_on), "ends_on": date(self.ends_on),
            "state": self.state, "days_left": self.days_left,
            "suspended_days": self.suspended_days, "article": self.article,
            "extensions": self.extensions.iter().map(|e| serde_json::json!({
                "decision_id": e.decision_id, "decided_on": date(e.decided_on),
                "extended_until": date(e.extended_until),
            })).collect::<Vec<_>>(),
        })
    }
}

/// `date` plus `months`, on the corresponding day (or the month's last day, art. 49).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
    (1..=date.day())
        .rev()
        .find_map(|day| NaiveDate::from_ymd_opt(year, month0 + 1, day))
        .unwrap_or(date)
}

fn working_day_from(mut day: NaiveDate, calendar: &Calendar) -> NaiveDate {
    while calendar.is_day_off(day) {
        day += Duration::days(1);
    }
    day
}

/// The period of a case registered on `registered_on`, now at `stage`, given its decisions.
pub fn compute(
    registered_on: NaiveDate,
    initial_months: u32,
    decisions: &[TermDecision],
    stage: Stage,
    today: NaiveDate,
    calendar: &Calendar,
) -> InvestigationTerm {
    let mut sorted: Vec<&TermDecision> = decisions.iter().collect();
    sorted.sort_by_key(|d| (d.decided_on, d.id));
    let mut last_day = add_months(registered_on, initial_months);
    let mut suspended_since: Option<NaiveDate> = None;
    let mut suspended_days = 0;
    let mut extensions = Vec::new();
    for d in sorted {
        match (d.kind, d.extended_until) {
            (DecisionType::Suspension, _) => {
                suspended_since.get_or_insert(d.decided_on);
            }
            (DecisionType::Resumption, _) => {
                if let Some(since) = suspended_since.take() {
                    let days = (d.decided_on - since).num_days().max(0);
                    suspended_days += days;
                    last_day += Duration::days(days);
                }
            }
            (DecisionType::ExtensionOfInvestigationPeriod, Some(until)) => {
                last_day = until;
                extensions.push(Extension {
                    decision_id: d.id,
                    decided_on: d.decided_on,
                    extended_until: until,
                });
            }
            _ => {}
        }
    }
    let state = match stage {
        Stage::Suspended => TermState::Suspended,
        Stage::Terminated | Stage::SentToCourt | Stage::Joined => TermState::Over,
        Stage::Registered | Stage::UnderInvestigation => TermState::Running,
    };
    let ends_on = working_day_from(last_day, calendar);
    InvestigationTerm {
        started_on: registered_on,
        ends_on,
        state,
        days_left: (state == TermState::Running).then(|| (ends_on - today).num_days()),
        suspended_days,
        extensions,
        article: "art. 192",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn decision(id: i64, kind: DecisionType, on: &str, until: Option<&str>) -> TermDecision {
        TermDecision {
            id,
            kind,
            decided_on: day(on),
            extended_until: until.map(day),
        }
    }

    fn weekends() -> Calendar {
        Calendar::parse("")
    }

    #[test]
    fn months_end_on_the_corresponding_day_or_the_months_last() {
        assert_eq!(add_months(day("2026-11-03"), 2), day("2027-01-03"));
        assert_eq!(add_months(day("2026-12-31"), 2), day("2027-02-28"));
        assert_eq!(add_months(day("2027-12-31"), 2), day("2028-02-29"));
        assert_eq!(add_months(day("2026-01-31"), 1), day("2026-02-28"));
        assert_eq!(add_months(day("2026-05-15"), 12), day("2027-05-15"));
    }

    #[test]
    fn two_months_from_registration_to_a_working_day() {
        // 3 Nov 2026 + 2 months = Sunday 3 Jan 2027: the period ends on Monday the 4th.
        let term = compute(
            day("2026-11-03"),
            2,
            &[],
            Stage::UnderInvestigation,
            day("2026-12-07"),
            &weekends(),
        );
        assert_eq!(term.ends_on, day("2027-01-04"));
        assert_eq!(term.state, TermState::Running);
        assert_eq!(term.days_left, Some(28));
        assert_eq!(term.article, "art. 192");
    }

    #[test]
    fn a_resumed_suspension_adds_its_days_and_an_extension_sets_the_last_day() {
        use DecisionType::*;
        let decisions = [
            decision(1, Suspension, "2026-11-10", None),
            decision(2, Resumption, "2026-11-20", None),
        ];
        let term = compute(
            day("2026-11-02"),
            2,
            &decisions,
            Stage::UnderInvestigation,
            day("2026-11-21"),
            &weekends(),
        );
        // 2 Jan 2027 (a Saturday) + 10 days = Tuesday 12 Jan.
        assert_eq!(term.ends_on, day("2027-01-12"));
        assert_eq!(term.suspended_days, 10);
        let extended = [
            decisions[0].clone(),
            decisions[1].clone(),
            decision(
                3,
                ExtensionOfInvestigationPeriod,
                "2026-12-28",
                Some("2027-03-02"),
            ),
            decision(4, Suspension, "2027-01-11", None),
            decision(5, Resumption, "2027-01-16", None),
        ];
        let term = compute(
            day("2026-11-02"),
            2,
            &extended,
            Stage::UnderInvestigation,
            day("2027-01-20"),
            &weekends(),
        );
        assert_eq!(
            term.ends_on,
            day("2027-03-08"),
            "2 March + 5 days is a Sunday"
        );
        assert_eq!(term.suspended_days, 15);
        assert_eq!(term.extensions.len(), 1);
        assert_eq!(term.extensions[0].extended_until, day("2027-03-02"));
    }

    #[test]
    fn a_suspended_or_finished_investigation_counts_no_days() {
        use DecisionType::*;
        let suspended = compute(
            day("2026-11-02"),
            2,
            &[decision(1, Suspension, "2026-11-10", None)],
            Stage::Suspended,
            day("2026-12-01"),
            &weekends(),
        );
        assert_eq!(suspended.state, TermState::Suspended);
        assert_eq!(suspended.days_left, None);
        let over = compute(
            day("2026-11-02"),
            2,
            &[],
            Stage::SentToCourt,
            day("2026-12-01"),
            &weekends(),
        );
        assert_eq!(over.state, TermState::Over);
        assert_eq!(over.days_left, None);
    }

    #[test]
    fn the_calendar_moves_a_last_day_off_a_holiday() {
        // 1 Jan 2027 is New Year's Day; with 2 Jan it is off, 3 Jan is a Sunday.
        let calendar = Calendar::parse("2027-01-01\n2027-01-02\n");
        let term = compute(
            day("2026-11-01"),
            2,
            &[],
            Stage::Registered,
            day("2026-11-01"),
            &calendar,
        );
        assert_eq!(term.ends_on, day("2027-01-04"));
    }
}
