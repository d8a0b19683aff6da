//! Deadlines for answering filings, computed as CPC arts. 48–49 say: the starting day is not
//! counted, a period in days ends at 24:00 of its last day (Asia/Almaty), and a last day that is
//! a day off moves to the next working day. The periods are data (`data/law/deadlines.json`),
//! and so is the calendar of days off (`data/days-off.txt`), both checked by [`crate::law`].

use std::collections::BTreeSet;

use super::handling::Outcome;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

use crate::platform::clock::almaty;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CrimeReport,
    Petition,
    Complaint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressee {
    Investigator,
    HeadOfUnit,
    Prosecutor,
    InvestigatingJudge,
}

/// What a complaint is about: art. 105 gives some subjects a shorter period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Detention,
    RecognitionAsSuspect,
    Qualification,
    SuspensionFromOffice,
    SearchOrSeizure,
    AssetRestriction,
    Other,
}

crate::text_enum!(Kind {
    CrimeReport => "crime_report",
    Petition => "petition",
    Complaint => "complaint",
});

impl Kind {
    /// Whom it may be addressed to: a petition the investigator (the lead officer) or the
    /// prosecutor (art. 99), a complaint the head of unit, the prosecutor or the investigating
    /// judge (arts. 104–106). A statement goes to an organ and names no addressee.
    pub fn addressees(self) -> &'static [Addressee] {
        match self {
            Kind::CrimeReport => &[],
            Kind::Petition => &[Addressee::Investigator, Addressee::Prosecutor],
            Kind::Complaint => &[
                Addressee::HeadOfUnit,
                Addressee::Prosecutor,
                Addressee::InvestigatingJudge,
            ],
        }
    }

    /// The addressee when none is named: a statement's and a petition's is the investigator;
    /// a complaint must name one.
    pub fn default_addressee(self) -> Option<Addressee> {
        match self {
            Kind::CrimeReport | Kind::Petition => Some(Addressee::Investigator),
            Kind::Complaint => None,
        }
    }

    /// What it may be about: only a complaint has a subject (art. 105 gives some a shorter
    /// period); the others are `other`.
    pub fn subjects(self) -> &'static [Subject] {
        match self {
            Kind::Complaint => &Subject::ALL,
            Kind::CrimeReport | Kind::Petition => &[Subject::Other],
        }
    }

    /// Art. 181: a statement about an offence is a document signed by its applicant; a
    /// petition or complaint may be signed.
    pub fn signature_required(self) -> bool {
        self == Kind::CrimeReport
    }

    /// What the page's form needs to know of each kind, as the API gives it.
    pub fn catalogue() -> serde_json::Value {
        let kinds: Vec<serde_json::Value> = Kind::ALL
            .iter()
            .map(|kind| {
                serde_json::json!({
                    "kind": kind.as_str(),
                    "addressees": kind.addressees().iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                    // Only for a kind that names an addressee at all: a statement goes to an organ
                    // (its investigator, internally), and its form has no addressee to preset.
                    "default_addressee": kind.default_addressee().filter(|_| !kind.addressees().is_empty()).map(Addressee::as_str),
                    "subjects": kind.subjects().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                    "signature_required": kind.signature_required(),
                })
            })
            .collect();
        serde_json::json!({ "kinds": kinds })
    }
}

crate::text_enum!(Addressee {
    Investigator => "investigator",
    HeadOfUnit => "head_of_unit",
    Prosecutor => "prosecutor",
    InvestigatingJudge => "investigating_judge",
});

crate::text_enum!(Subject {
    Detention => "detention",
    RecognitionAsSuspect => "recognition_as_suspect",
    Qualification => "qualification",
    SuspensionFromOffice => "suspension_from_office",
    SearchOrSeizure => "search_or_seizure",
    AssetRestriction => "asset_restriction",
    Other => "other",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Calendar days, arts. 48–49 rules.
    Days(i64),
    /// Hours from submission.
    Hours(i64),
    /// Registration of a crime report: hours from submission, 24 by default (our reading of the
    /// practice under the ERDR order; the `crime_report_registration_hours` variable sets it).
    Registration,
}

pub const DEFAULT_REGISTRATION_HOURS: i64 = 24;

/// Art. 101: a petition or complaint of a person in custody is handed on to its addressee
/// within 24 hours (counted in hours: detention periods do not move for days off). Through
/// the portal it reaches the addressee at once, so the addressee must take it up (under
/// review or answered) within that time; the answer's own period is the rule above.
pub fn detainee_handover() -> Period {
    crate::law::shipped()
        .map(|l| l.deadlines.detainee_handover)
        .unwrap_or(Period::Hours(24))
}

/// When a detained person's filing submitted at `submitted_unix` must have been taken up.
pub fn detainee_handover_due(submitted_unix: i64) -> i64 {
    match detainee_handover() {
        Period::Hours(h) => submitted_unix + h * 3600,
        Period::Days(d) => submitted_unix + d * 86_400,
        Period::Registration => submitted_unix + DEFAULT_REGISTRATION_HOURS * 3600,
    }
}

/// When an officer must have answered a request to be confirmed in a procedural status made at
/// `requested`: 3 days by the law data (our reading: the Code sets no period for it, and art. 99
/// gives a petition 3 days, the closest rule), counted as arts. 48–49 count days.
pub fn status_request_due(requested: DateTime<Utc>) -> DateTime<Utc> {
    let period = crate::law::shipped()
        .map(|l| l.deadlines.status_request)
        .unwrap_or(Period::Days(3));
    due(requested, period, Calendar::shipped())
}

/// Art. 106: the period (days) to take a refusal (or a silence) to the investigating judge.
pub fn court_window_days() -> i64 {
    crate::law::shipped()
        .map(|l| l.deadlines.court_window_days)
        .unwrap_or(15)
}

/// What opened the art. 106 window on a filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowOpener {
    /// The complaint was rejected or the statement refused.
    Refusal,
    /// The complaint was granted only in part: the rest was refused.
    PartialRefusal,
    /// The complaint was left without consideration: the person got no answer on the merits.
    LeftWithoutConsideration,
    /// No answer came in time.
    NoAnswer,
}

crate::text_enum!(WindowOpener {
    Refusal => "refusal",
    PartialRefusal => "partial_refusal",
    LeftWithoutConsideration => "left_without_consideration",
    NoAnswer => "no_answer",
});

/// Which answers open the window: every one that leaves the person without what they asked
/// for. A full grant does not; forwarding and registration are not an answer on the merits.
pub fn opened_by(outcome: Outcome) -> Option<WindowOpener> {
    match outcome {
        Outcome::Rejected | Outcome::Refused => Some(WindowOpener::Refusal),
        Outcome::PartiallyGranted => Some(WindowOpener::PartialRefusal),
        Outcome::LeftWithoutConsideration => Some(WindowOpener::LeftWithoutConsideration),
        Outcome::Granted | Outcome::Forwarded | Outcome::Registered => None,
    }
}

/// [`opened_by`]'s answers as SQL (`f.outcome IN …`), the predicate of the partial index the
/// tick's reminder reads (migration 0022); a unit test keeps the two the same.
pub const WINDOW_OUTCOMES_SQL: &str =
    "f.outcome IN ('partially_granted', 'rejected', 'left_without_consideration', 'refused')";

/// The kinds of filing that open the window, as SQL; petitions go to the judge only through a
/// complaint first.
pub const WINDOW_KINDS_SQL: &str = "f.kind IN ('crime_report', 'complaint')";

/// The art. 106 window on one filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourtWindow {
    pub opened_by: WindowOpener,
    /// 24:00 Almaty of the window's last day.
    pub ends_unix: i64,
}

impl CourtWindow {
    /// Whole days left, rounded up (0 once it has ended).
    pub fn days_left(&self, now_unix: i64) -> i64 {
        let left = self.ends_unix - now_unix;
        if left <= 0 {
            0
        } else {
            (left + 86_399) / 86_400
        }
    }
}

/// One filing as the art. 106 window sees it.
#[derive(Debug, Clone, Copy)]
pub struct WindowFacts {
    pub kind: Kind,
    pub outcome: Option<Outcome>,
    pub decided_unix: Option<i64>,
    pub open: bool,
    pub due_unix: i64,
}

/// Whether a filing opens the art. 106 window, and until when. An answer that refuses what
/// was asked opens it on the day it reached the person (the answer is delivered to their
/// cabinet, and they are told, when it is recorded); a filing still unanswered past its due
/// time opens it at the due time. Either way the period runs as arts. 48–49 count days: from
/// the next day, to 24:00 Almaty of the last, moved past days off.
pub fn court_window(f: WindowFacts, now_unix: i64, calendar: &Calendar) -> Option<CourtWindow> {
    if !matches!(f.kind, Kind::Complaint | Kind::CrimeReport) {
        return None;
    }
    let (opened_by, from_unix) = match (f.outcome, f.decided_unix) {
        (Some(outcome), Some(decided)) => (opened_by(outcome)?, decided),
        // A period in days ends at 24:00 of its last day, stored as 00:00 of the next: the
        // silence is known on that last day, so the window counts from it (the earlier end,
        // the one a court would hold the person to).
        (None, _) if f.open && f.due_unix < now_unix => (WindowOpener::NoAnswer, f.due_unix - 1),
        _ => return None,
    };
    Some(CourtWindow {
        opened_by,
        ends_unix: court_window_end(DateTime::from_timestamp(from_unix, 0)?, calendar),
    })
}

/// When an art. 106 window that opens at `from` ends: 24:00 Almaty of the 15th day after
/// `from`'s day, moved past days off (arts. 48–49).
pub fn court_window_end(from: DateTime<Utc>, calendar: &Calendar) -> i64 {
    due(from, Period::Days(court_window_days()), calendar).timestamp()
}

/// The longest a complaint may be extended to, with notice to the complainant (art. 105).
pub fn extended_complaint() -> Period {
    crate::law::shipped()
        .map(|l| l.deadlines.complaint_extension)
        .unwrap_or(Period::Days(3))
}

/// How far the answer to a filing may be extended, if at all: only a complaint to a head of
/// unit or a prosecutor, up to 15 days (art. 105). A petition is decided within 3 days
/// (art. 99), the investigating judge's period is the court's, and registration of a crime
/// report is not extended.
pub fn extension_limit(kind: Kind, addressee: Addressee) -> Option<Period> {
    match (kind, addressee) {
        (Kind::Complaint, Addressee::HeadOfUnit | Addressee::Prosecutor) => {
            Some(extended_complaint())
        }
        _ => None,
    }
}

/// The period the first matching rule of the law data gives. The data is checked to cover
/// every filing; were it broken, the shortest period is the safe default.
pub fn period_for(kind: Kind, addressee: Addressee, subject: Subject) -> Period {
    crate::law::shipped()
        .ok()
        .and_then(|law| {
            law.deadlines
                .rules
                .iter()
                .find(|r| r.applies(kind, addressee, subject))
        })
        .map(|r| r.period)
        .unwrap_or(Period::Days(3))
}

/// Days off: weekends and the listed public holidays.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

/// A calendar of weekends only: what is left were the shipped one broken.
static WEEKENDS_ONLY: Calendar = Calendar {
    holidays: BTreeSet::new(),
};

impl Calendar {
    /// The shipped calendar (`data/days-off.txt`, checked by [`crate::law`]).
    pub fn kazakhstan() -> Self {
        Self::shipped().clone()
    }

    /// The shipped calendar, borrowed (read paths need no copy of it).
    pub fn shipped() -> &'static Calendar {
        crate::law::shipped()
            .map(|l| &l.calendar)
            .unwrap_or(&WEEKENDS_ONLY)
    }

    pub fn parse(text: &str) -> Self {
        let holidays = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| NaiveDate::parse_from_str(l, "%Y-%m-%d").ok())
            .collect();
        Self { holidays }
    }

    pub fn is_day_off(&self, day: NaiveDate) -> bool {
        matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || self.holidays.contains(&day)
    }

    /// The most days off in a row anywhere in the calendar (a weekend: 2): how far past its
    /// nominal last day a period in days can be moved.
    pub fn longest_days_off(&self) -> i64 {
        self.holidays
            .iter()
            .map(|&holiday| {
                let mut first = holiday;
                while self.is_day_off(first - Duration::days(1)) {
                    first -= Duration::days(1);
                }
                let mut last = holiday;
                while self.is_day_off(last + Duration::days(1)) {
                    last += Duration::days(1);
                }
                (last - first).num_days() + 1
            })
            .max()
            .unwrap_or(0)
            .max(2)
    }
}

/// The calendar and the configured registration period together.
#[derive(Debug, Clone)]
pub struct Deadlines {
    pub calendar: Calendar,
    pub registration_hours: i64,
}

impl Deadlines {
    /// The shipped calendar and the registration period from the
    /// `crime_report_registration_hours` variable (1 to 720; unset: 24).
    pub async fn from_config() -> Result<Self, crate::ApiError> {
        let registration_hours = match crate::platform::settings::CRIME_REPORT_REGISTRATION_HOURS
            .optional()
            .await
        {
            None => DEFAULT_REGISTRATION_HOURS,
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=24 * 30).contains(h))
                .ok_or_else(|| {
                    crate::ApiError::Unavailable(
                        "crime_report_registration_hours must be hours from 1 to 720".into(),
                    )
                })?,
        };
        Ok(Deadlines {
            calendar: Calendar::kazakhstan(),
            registration_hours,
        })
    }

    pub fn due(&self, submitted: DateTime<Utc>, period: Period) -> DateTime<Utc> {
        let period = match period {
            Period::Registration => Period::Hours(self.registration_hours),
            other => other,
        };
        due(submitted, period, &self.calendar)
    }
}

fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// When the answer is due, for a filing submitted at `submitted` (a crime report's
/// registration with the default period; [`Deadlines::due`] applies the configured one).
pub fn due(submitted: DateTime<Utc>, period: Period, calendar: &Calendar) -> DateTime<Utc> {
    match period {
        // Whole seconds: the due time is stored and signed in receipts at that precision.
        Period::Hours(h) => whole_seconds(submitted + Duration::hours(h)),
        Period::Registration => {
            whole_seconds(submitted + Duration::hours(DEFAULT_REGISTRATION_HOURS))
        }
        Period::Days(n) => {
            let local_day = submitted.with_timezone(&almaty()).date_naive();
            // The starting day is not counted.
            let mut last_day = local_day + Duration::days(n);
            while calendar.is_day_off(last_day) {
                last_day += Duration::days(1);
            }
            // 24:00 of the last day is 00:00 of the next.
            let end = (last_day + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default();
            almaty()
                .from_local_datetime(&end)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(submitted)
        }
    }
}

#[cfg(test)]
mod art_101_106_tests {
    use super::*;

    #[test]
    fn rule_detainee_filings_are_handed_on_within_24_hours() {
        assert_eq!(detainee_handover(), Period::Hours(24));
        assert_eq!(detainee_handover_due(1_000), 1_000 + 86_400);
    }

    fn instant(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp()
    }

    fn answered(kind: Kind, outcome: Outcome, decided: &str) -> WindowFacts {
        WindowFacts {
            kind,
            outcome: Some(outcome),
            decided_unix: Some(instant(decided)),
            open: false,
            due_unix: 0,
        }
    }

    fn ends(window: Option<CourtWindow>) -> String {
        let w = window.expect("the window opens");
        clock_text(w.ends_unix)
    }

    fn clock_text(unix: i64) -> String {
        DateTime::from_timestamp(unix, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    #[test]
    fn rule_court_window_runs_from_the_next_day_to_24_00_almaty_past_days_off() {
        let calendar = Calendar::kazakhstan();
        // Rejected on Tuesday 1 December 2026 at 10:37 Almaty: day 15 is 16 December,
        // Independence Day, so the window ends at 24:00 of Thursday 17 December.
        let decided = "2026-12-01T10:37:00+05:00";
        let w = court_window(
            answered(Kind::Complaint, Outcome::Rejected, decided),
            0,
            &calendar,
        );
        assert_eq!(ends(w), "2026-12-17T19:00:00Z");
        let w = w.unwrap();
        assert_eq!(w.opened_by, WindowOpener::Refusal);
        // 16 days and 13 h 23 min left at the decision; one second left at 23:59:59.
        assert_eq!(w.days_left(instant(decided)), 17);
        assert_eq!(w.days_left(instant("2026-12-17T23:59:59+05:00")), 1);
        assert_eq!(w.days_left(instant("2026-12-18T00:00:00+05:00")), 0);
        // Refused on Friday 6 March 2026: day 15 is Saturday 21 March, and Nauryz with its
        // moved days off runs to the 25th: the last day is Thursday 26 March.
        let w = court_window(
            answered(
                Kind::CrimeReport,
                Outcome::Refused,
                "2026-03-06T17:59:00+05:00",
            ),
            0,
            &calendar,
        );
        assert_eq!(ends(w), "2026-03-26T19:00:00Z");
        // The day is Almaty's: at 03:00 on Tuesday 3 February 2026 UTC still has the 2nd, but
        // the window runs from the 3rd to 24:00 of Wednesday the 18th (no days off near).
        let early = answered(
            Kind::Complaint,
            Outcome::Rejected,
            "2026-02-03T03:00:00+05:00",
        );
        assert_eq!(
            ends(court_window(early, 0, &calendar)),
            "2026-02-18T19:00:00Z"
        );
        let late = answered(
            Kind::Complaint,
            Outcome::Rejected,
            "2026-02-03T23:59:59+05:00",
        );
        assert_eq!(
            ends(court_window(late, 0, &calendar)),
            "2026-02-18T19:00:00Z"
        );
    }

    #[test]
    fn rule_court_window_opens_for_every_answer_that_refuses_what_was_asked() {
        let calendar = Calendar::default();
        let decided = "2026-12-01T10:37:00+05:00";
        for (outcome, opener) in [
            (Outcome::Rejected, Some(WindowOpener::Refusal)),
            (Outcome::Refused, Some(WindowOpener::Refusal)),
            (
                Outcome::PartiallyGranted,
                Some(WindowOpener::PartialRefusal),
            ),
            (
                Outcome::LeftWithoutConsideration,
                Some(WindowOpener::LeftWithoutConsideration),
            ),
            (Outcome::Granted, None),
            (Outcome::Forwarded, None),
            (Outcome::Registered, None),
        ] {
            let w = court_window(answered(Kind::Complaint, outcome, decided), 0, &calendar);
            assert_eq!(w.map(|w| w.opened_by), opener, "{outcome:?}");
        }
    }

    #[test]
    fn window_outcomes_sql_is_the_rule() {
        let named: Vec<&str> = Outcome::ALL
            .into_iter()
            .filter(|o| opened_by(*o).is_some())
            .map(Outcome::as_str)
            .collect();
        assert_eq!(
            WINDOW_OUTCOMES_SQL,
            format!("f.outcome IN ('{}')", named.join("', '"))
        );
        let kinds: Vec<&str> = Kind::ALL
            .into_iter()
            .filter(|k| {
                court_window(
                    answered(*k, Outcome::Rejected, "2026-12-01T10:37:00Z"),
                    0,
                    &Calendar::default(),
                )
                .is_some()
            })
            .map(Kind::as_str)
            .collect();
        assert_eq!(
            WINDOW_KINDS_SQL,
            format!("f.kind IN ('{}')", kinds.join("', '"))
        );
    }

    #[test]
    fn rule_court_window_opens_when_no_answer_came_in_time() {
        let calendar = Calendar::default();
        // Due at 24:00 of Wednesday 2 December: the 15 days run from the 3rd and end at
        // 24:00 of Thursday the 17th.
        let due_unix = instant("2026-12-03T00:00:00+05:00");
        let unanswered = WindowFacts {
            kind: Kind::Complaint,
            outcome: None,
            decided_unix: None,
            open: true,
            due_unix,
        };
        let w = court_window(unanswered, due_unix + 1, &calendar);
        assert_eq!(w.map(|w| w.opened_by), Some(WindowOpener::NoAnswer));
        assert_eq!(ends(w), "2026-12-17T19:00:00Z");
        assert_eq!(court_window(unanswered, due_unix - 1, &calendar), None);
        let withdrawn = WindowFacts {
            open: false,
            ..unanswered
        };
        assert_eq!(court_window(withdrawn, due_unix + 1, &calendar), None);
    }

    #[test]
    fn rule_no_court_window_for_petitions() {
        let calendar = Calendar::default();
        let decided = "2026-12-01T10:37:00+05:00";
        let petition = answered(Kind::Petition, Outcome::Rejected, decided);
        assert_eq!(court_window(petition, 0, &calendar), None);
        let unanswered = WindowFacts {
            kind: Kind::Petition,
            outcome: None,
            decided_unix: None,
            open: true,
            due_unix: 0,
        };
        assert_eq!(court_window(unanswered, 2, &calendar), None);
    }

    #[test]
    fn a_status_request_is_answered_within_3_days_counted_as_the_code_counts() {
        // Asked on Friday 11 December 2026 at 16:00 Almaty: day 3 is Monday the 14th.
        let asked = DateTime::parse_from_rfc3339("2026-12-11T16:00:00+05:00").unwrap();
        let due = status_request_due(asked.with_timezone(&Utc));
        assert_eq!(clock_text(due.timestamp()), "2026-12-14T19:00:00Z");
        // Asked on Sunday 13 December: day 3 is the 16th, Independence Day; the 17th it is.
        let asked = DateTime::parse_from_rfc3339("2026-12-13T09:00:00+05:00").unwrap();
        let due = status_request_due(asked.with_timezone(&Utc));
        assert_eq!(clock_text(due.timestamp()), "2026-12-17T19:00:00Z");
    }

    #[test]
    fn the_longest_run_of_days_off_is_read_from_the_calendar() {
        assert_eq!(Calendar::default().longest_days_off(), 2);
        // Nauryz 2026: Saturday 21 to Tuesday 24 March.
        assert_eq!(
            Calendar::parse("2026-03-21\n2026-03-22\n2026-03-23\n2026-03-24").longest_days_off(),
            4
        );
        // With the weekend before it: Friday 1 May 2026 runs to Sunday the 3rd.
        assert_eq!(Calendar::parse("2026-05-01").longest_days_off(), 3);
        assert!(Calendar::kazakhstan().longest_days_off() >= 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_says_whom_it_goes_to_what_it_is_about_and_whether_it_is_signed() {
        assert_eq!(Kind::CrimeReport.addressees(), &[] as &[Addressee]);
        assert_eq!(
            Kind::Petition.addressees(),
            &[Addressee::Investigator, Addressee::Prosecutor]
        );
        assert!(
            !Kind::Complaint
                .addressees()
                .contains(&Addressee::Investigator)
        );
        assert!(
            Kind::Complaint
                .addressees()
                .contains(&Addressee::InvestigatingJudge)
        );
        assert_eq!(Kind::Complaint.default_addressee(), None);
        assert_eq!(Kind::Petition.subjects(), &[Subject::Other]);
        assert_eq!(Kind::Complaint.subjects().len(), Subject::ALL.len());
        assert!(Kind::CrimeReport.signature_required());
        assert!(!Kind::Petition.signature_required() && !Kind::Complaint.signature_required());
        // The catalogue the form reads says the same, kind by kind.
        let catalogue = Kind::catalogue();
        for (entry, kind) in catalogue["kinds"].as_array().unwrap().iter().zip(Kind::ALL) {
            assert_eq!(entry["kind"], kind.as_str());
            let named: Vec<&str> = kind.addressees().iter().map(|a| a.as_str()).collect();
            assert_eq!(entry["addressees"], serde_json::json!(named));
            assert_eq!(entry["signature_required"], kind.signature_required());
            // A preset only where the form names an addressee.
            assert_eq!(
                entry["default_addressee"].is_null(),
                kind != Kind::Petition,
                "{entry}"
            );
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn almaty_text(t: DateTime<Utc>) -> String {
        t.with_timezone(&almaty())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    const ANY: Subject = Subject::Other;

    #[test]
    fn rule_crime_report_24_hours() {
        let p = period_for(Kind::CrimeReport, Addressee::Investigator, ANY);
        assert_eq!(p, Period::Registration);
        let d = due(at("2026-11-27T10:00:00+05:00"), p, &Calendar::kazakhstan());
        assert_eq!(almaty_text(d), "2026-11-28 10:00");
        // Hours run through days off; the configured period replaces the default.
        let configured = Deadlines {
            calendar: Calendar::kazakhstan(),
            registration_hours: 72,
        };
        let d = configured.due(at("2026-11-27T10:00:00+05:00"), p);
        assert_eq!(almaty_text(d), "2026-11-30 10:00");
    }

    #[test]
    fn due_times_are_whole_seconds() {
        let submitted = at("2026-11-27T10:00:00.675+05:00");
        let d = due(submitted, Period::Registration, &Calendar::kazakhstan());
        assert_eq!(d.timestamp_subsec_nanos(), 0);
        assert_eq!(d.timestamp(), submitted.timestamp() + 24 * 3600);
    }

    #[test]
    fn rule_petition_to_the_prosecutor_3_days() {
        assert_eq!(
            period_for(Kind::Petition, Addressee::Prosecutor, ANY),
            Period::Days(3)
        );
    }

    #[test]
    fn only_complaints_to_a_head_or_prosecutor_are_extended_up_to_15_days() {
        assert_eq!(
            extension_limit(Kind::Complaint, Addressee::HeadOfUnit),
            Some(Period::Days(15))
        );
        assert_eq!(
            extension_limit(Kind::Complaint, Addressee::Prosecutor),
            Some(Period::Days(15))
        );
        assert_eq!(
            extension_limit(Kind::Complaint, Addressee::InvestigatingJudge),
            None
        );
        assert_eq!(
            extension_limit(Kind::Petition, Addressee::Investigator),
            None
        );
        assert_eq!(
            extension_limit(Kind::CrimeReport, Addressee::Investigator),
            None
        );
    }

    #[test]
    fn rule_petition_3_days_starting_day_not_counted() {
        let p = period_for(Kind::Petition, Addressee::Investigator, ANY);
        assert_eq!(p, Period::Days(3));
        // Submitted Monday 2026-11-23 at 23:59 Almaty: counting starts Tuesday, ends Thursday 24:00.
        let d = due(at("2026-11-23T23:59:00+05:00"), p, &Calendar::kazakhstan());
        assert_eq!(almaty_text(d), "2026-11-27 00:00");
    }

    #[test]
    fn rule_last_day_off_moves_to_next_working_day() {
        // Submitted Wednesday 2026-11-25: day 3 is Saturday the 28th → Monday the 30th, 24:00.
        let d = due(
            at("2026-11-25T12:00:00+05:00"),
            Period::Days(3),
            &Calendar::kazakhstan(),
        );
        assert_eq!(almaty_text(d), "2026-12-01 00:00");
        // A public holiday as the last day: 2026-12-16 (Wednesday) → Thursday 17th.
        let d = due(
            at("2026-12-13T09:00:00+05:00"),
            Period::Days(3),
            &Calendar::kazakhstan(),
        );
        assert_eq!(almaty_text(d), "2026-12-18 00:00");
    }

    #[test]
    fn the_local_day_is_almatys_not_utcs() {
        // 20:00 UTC on the 23rd is already 01:00 on the 24th in Almaty.
        let d = due(
            at("2026-11-23T20:00:00Z"),
            Period::Days(3),
            &Calendar::kazakhstan(),
        );
        assert_eq!(almaty_text(d), "2026-11-28 00:00");
    }

    #[test]
    fn rule_complaint_7_days() {
        let p = period_for(Kind::Complaint, Addressee::Prosecutor, Subject::Other);
        assert_eq!(p, Period::Days(7));
        let d = due(at("2026-11-23T10:00:00+05:00"), p, &Calendar::kazakhstan());
        assert_eq!(almaty_text(d), "2026-12-01 00:00");
    }

    #[test]
    fn rule_urgent_complaint_subjects_3_days() {
        for s in [
            Subject::Detention,
            Subject::RecognitionAsSuspect,
            Subject::Qualification,
            Subject::SuspensionFromOffice,
            Subject::SearchOrSeizure,
            Subject::AssetRestriction,
        ] {
            assert_eq!(
                period_for(Kind::Complaint, Addressee::HeadOfUnit, s),
                Period::Days(3),
                "{s:?}"
            );
        }
    }

    #[test]
    fn rule_complaint_to_the_investigating_judge_3_days() {
        assert_eq!(
            period_for(
                Kind::Complaint,
                Addressee::InvestigatingJudge,
                Subject::Other
            ),
            Period::Days(3)
        );
    }

    #[test]
    fn extension_is_15_days() {
        let d = due(
            at("2026-11-23T10:00:00+05:00"),
            extended_complaint(),
            &Calendar::kazakhstan(),
        );
        assert_eq!(almaty_text(d), "2026-12-09 00:00");
    }

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for a in Addressee::ALL {
            assert_eq!(Addressee::parse(a.as_str()), Some(a));
        }
        for s in Subject::ALL {
            assert_eq!(Subject::parse(s.as_str()), Some(s));
        }
        assert_eq!(Kind::parse("appeal"), None);
    }

    #[test]
    fn calendar_is_data() {
        let cal = Calendar::parse("# comment\n2026-11-24\n");
        assert!(cal.is_day_off(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()));
        assert!(!cal.is_day_off(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()));
        assert!(cal.is_day_off(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()));
    }
}

#[cfg(test)]
mod proptests {
    use chrono::Timelike;
    use proptest::prelude::*;

    use super::*;

    /// Any instant from 2024 to 2040, to the nanosecond.
    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (1_704_067_200i64..2_208_988_800, 0u32..1_000_000_000).prop_map(|(secs, nanos)| {
            DateTime::from_timestamp(secs, nanos).unwrap_or(DateTime::UNIX_EPOCH)
        })
    }

    /// The shipped calendar, or one with up to 60 random holidays in 2024–2040.
    fn calendar() -> impl Strategy<Value = Calendar> {
        prop_oneof![
            Just(Calendar::kazakhstan()),
            prop::collection::vec(0i64..6_200, 0..60).prop_map(|days| {
                let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
                let text: Vec<String> = days
                    .into_iter()
                    .map(|d| (start + Duration::days(d)).format("%Y-%m-%d").to_string())
                    .collect();
                Calendar::parse(&text.join("\n"))
            }),
        ]
    }

    fn rule() -> impl Strategy<Value = (Kind, Addressee, Subject)> {
        (
            prop::sample::select(Kind::ALL.to_vec()),
            prop::sample::select(Addressee::ALL.to_vec()),
            prop::sample::select(Subject::ALL.to_vec()),
        )
    }

    proptest! {
        #[test]
        fn due_is_never_before_submission(
            submitted in instant(),
            (kind, addressee, subject) in rule(),
            calendar in calendar(),
            registration_hours in 1i64..=720,
        ) {
            let deadlines = Deadlines { calendar, registration_hours };
            for period in [period_for(kind, addressee, subject), extended_complaint()] {
                let by = deadlines.due(submitted, period);
                prop_assert!(by >= submitted, "{:?} submitted {} due {}", period, submitted, by);
                prop_assert_eq!(by.timestamp_subsec_nanos(), 0, "due {} is not whole seconds", by);
                // The default registration period too.
                let by = due(submitted, period, &deadlines.calendar);
                prop_assert!(by >= submitted, "{:?} submitted {} due {}", period, submitted, by);
            }
        }

        #[test]
        fn hours_run_through_days_off(submitted in instant(), hours in 1i64..=720) {
            let by = due(submitted, Period::Hours(hours), &Calendar::kazakhstan());
            prop_assert_eq!(by.timestamp(), submitted.timestamp() + hours * 3600);
        }

        #[test]
        fn a_days_period_ends_at_24_00_almaty_of_the_first_working_day_after_it(
            submitted in instant(),
            days in 1i64..=30,
            calendar in calendar(),
        ) {
            let by = due(submitted, Period::Days(days), &calendar);
            let local = by.with_timezone(&almaty());
            // 24:00 of the last day is 00:00 of the next.
            prop_assert_eq!(
                (local.hour(), local.minute(), local.second(), local.nanosecond()),
                (0, 0, 0, 0),
                "due {} is not midnight in Almaty",
                local
            );
            let last_day = local.date_naive() - Duration::days(1);
            prop_assert!(!calendar.is_day_off(last_day), "last day {} is a day off", last_day);
            // The starting day is not counted: the period ends `days` days after it at the
            // earliest, and only days off push it further.
            let start = submitted.with_timezone(&almaty()).date_naive();
            let nominal = start + Duration::days(days);
            prop_assert!(last_day >= nominal, "{} before {}", last_day, nominal);
            let mut day = nominal;
            while day < last_day {
                prop_assert!(calendar.is_day_off(day), "{} skipped although a working day", day);
                day += Duration::days(1);
            }
        }
    }
}
