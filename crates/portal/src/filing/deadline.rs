//! Deadlines for answering filings, computed as CPC arts. 48–49 say: the starting day is not
//! counted, a period in days ends at 24:00 of its last day (Asia/Almaty), and a last day that is
//! a day off moves to the next working day. The periods are one table ([`RULES`]); the calendar
//! of days off is data (`data/days-off.txt`).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};

/// Asia/Almaty: UTC+5 all year since 1 March 2024 (no daylight saving).
pub fn almaty() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600).unwrap_or_else(|| unreachable!())
}

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

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::CrimeReport, Kind::Petition, Kind::Complaint];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CrimeReport => "crime_report",
            Kind::Petition => "petition",
            Kind::Complaint => "complaint",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl Addressee {
    pub const ALL: [Addressee; 4] = [
        Addressee::Investigator,
        Addressee::HeadOfUnit,
        Addressee::Prosecutor,
        Addressee::InvestigatingJudge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Addressee::Investigator => "investigator",
            Addressee::HeadOfUnit => "head_of_unit",
            Addressee::Prosecutor => "prosecutor",
            Addressee::InvestigatingJudge => "investigating_judge",
        }
    }

    pub fn parse(text: &str) -> Option<Addressee> {
        Addressee::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

impl Subject {
    pub const ALL: [Subject; 7] = [
        Subject::Detention,
        Subject::RecognitionAsSuspect,
        Subject::Qualification,
        Subject::SuspensionFromOffice,
        Subject::SearchOrSeizure,
        Subject::AssetRestriction,
        Subject::Other,
    ];

    fn is_urgent(self) -> bool {
        !matches!(self, Subject::Other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Detention => "detention",
            Subject::RecognitionAsSuspect => "recognition_as_suspect",
            Subject::Qualification => "qualification",
            Subject::SuspensionFromOffice => "suspension_from_office",
            Subject::SearchOrSeizure => "search_or_seizure",
            Subject::AssetRestriction => "asset_restriction",
            Subject::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Subject> {
        Subject::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

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

/// Whether a rule applies to a filing of this kind, to this addressee, on this subject.
pub type Applies = fn(Kind, Addressee, Subject) -> bool;

/// The rules, first match wins; each has a test.
pub const RULES: &[(&str, Applies, Period)] = &[
    (
        "crime report: registered within 24 hours (configurable)",
        |k, _, _| k == Kind::CrimeReport,
        Period::Registration,
    ),
    (
        "petition: within 3 days (art. 99)",
        |k, _, _| k == Kind::Petition,
        Period::Days(3),
    ),
    (
        "complaint to the investigating judge: within 3 days (art. 106)",
        |k, a, _| k == Kind::Complaint && a == Addressee::InvestigatingJudge,
        Period::Days(3),
    ),
    (
        "complaint on detention, suspicion, qualification, suspension, search, assets: 3 days (art. 105)",
        |k, _, s| k == Kind::Complaint && s.is_urgent(),
        Period::Days(3),
    ),
    (
        "complaint: within 7 days (art. 105)",
        |k, _, _| k == Kind::Complaint,
        Period::Days(7),
    ),
];

/// The longest a complaint may be extended to, with notice to the complainant (art. 105).
pub const EXTENDED_COMPLAINT: Period = Period::Days(15);

/// How far the answer to a filing may be extended, if at all: only a complaint to a head of
/// unit or a prosecutor, up to 15 days (art. 105). A petition is decided within 3 days
/// (art. 99), the investigating judge's period is the court's, and registration of a crime
/// report is not extended.
pub fn extension_limit(kind: Kind, addressee: Addressee) -> Option<Period> {
    match (kind, addressee) {
        (Kind::Complaint, Addressee::HeadOfUnit | Addressee::Prosecutor) => {
            Some(EXTENDED_COMPLAINT)
        }
        _ => None,
    }
}

pub fn period_for(kind: Kind, addressee: Addressee, subject: Subject) -> Period {
    RULES
        .iter()
        .find(|(_, matches, _)| matches(kind, addressee, subject))
        .map(|(_, _, p)| *p)
        // Unreachable for the kinds above; the shortest period is the safe default.
        .unwrap_or(Period::Days(3))
}

/// Days off: weekends and the listed public holidays.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// The shipped calendar (`data/days-off.txt`).
    pub fn kazakhstan() -> Self {
        Self::parse(include_str!("../../data/days-off.txt"))
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
}

/// The calendar and the configured registration period together.
#[derive(Debug, Clone)]
pub struct Deadlines {
    pub calendar: Calendar,
    pub registration_hours: i64,
}

impl Deadlines {
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
mod tests {
    use super::*;

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
            EXTENDED_COMPLAINT,
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
            for period in [period_for(kind, addressee, subject), EXTENDED_COMPLAINT] {
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
