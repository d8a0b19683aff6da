//! The law as data: which decisions each status receives (`data/law/visibility.json`), the
//! periods for answering filings (`data/law/deadlines.json`) and the days off
//! (`data/days-off.txt`). A lawyer corrects them without touching code. They are read and
//! checked once per process: a rule naming an unknown status, decision type, kind, addressee or
//! subject, a decision type without its row, a filing no rule covers, or a calendar without its
//! end date is a [`LawError`] with a message that says which row and why. `jaria up` refuses to
//! start on one, and every component's readiness answers 503 with it (on real Spin, where no
//! start hook exists); the rules then fall back to showing nothing and the shortest period.

pub mod deadline;
pub mod handling;
pub mod iin;
pub mod party;
pub mod status;
pub mod visibility;

pub use status::ProceduralStatus;
pub use visibility::DecisionType;

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Deserialize;

use deadline::{Addressee, Calendar, Kind, Period, Subject};
use visibility::Recipients;

const VISIBILITY_JSON: &str = include_str!("../../data/law/visibility.json");
const DEADLINES_JSON: &str = include_str!("../../data/law/deadlines.json");
const DAYS_OFF: &str = include_str!("../../data/days-off.txt");
const RIGHTS_JSON: &str = include_str!("../../data/law/rights.json");

/// How long before the calendar of days off runs out the health answer warns.
pub const CALENDAR_WARNING_DAYS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LawError {
    #[error("{file}: not valid: {reason}")]
    Malformed { file: &'static str, reason: String },
    #[error("{file}, row {row}: unknown {what} \"{name}\"")]
    Unknown {
        file: &'static str,
        row: usize,
        what: &'static str,
        name: String,
    },
    #[error("{file}, row {row}: {reason}")]
    BadRow {
        file: &'static str,
        row: usize,
        reason: String,
    },
    #[error("visibility.json: decision type \"{0}\" has no row")]
    MissingDecision(&'static str),
    #[error("visibility.json: decision type \"{0}\" has more than one row")]
    DuplicateDecision(&'static str),
    #[error("deadlines.json: no rule covers a {kind} to {addressee} on {subject}")]
    Uncovered {
        kind: &'static str,
        addressee: &'static str,
        subject: &'static str,
    },
    #[error("days-off.txt: {0}")]
    Calendar(String),
}

/// One row of the visibility table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibilityRule {
    pub decision: DecisionType,
    pub recipients: Recipients,
    /// The party a personal decision is about: that party receives it only when it is theirs.
    pub party: Option<ProceduralStatus>,
}

/// What one procedural status may do, in the person's words, in the three languages, with the
/// articles it reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    pub status: String,
    /// The CPC articles it reads, by number (`"65-1"`).
    pub articles: Vec<String>,
    pub kk: String,
    pub ru: String,
    pub en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RightsFile {
    #[serde(rename = "$comment", default)]
    _comment: Option<String>,
    false_report_warning: Warning,
    rows: Vec<Rights>,
}

/// A text the person is shown and signs that they saw, in the three languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    #[serde(rename = "$comment", default)]
    _comment: Option<String>,
    pub kk: String,
    pub ru: String,
    pub en: String,
}

impl Warning {
    /// The text in `language` (`kk`, `ru`, `en`).
    pub fn in_language(&self, language: &str) -> Option<&str> {
        match language {
            "kk" => Some(&self.kk),
            "ru" => Some(&self.ru),
            "en" => Some(&self.en),
            _ => None,
        }
    }
}

/// Reads and checks the rights texts (one row per procedural status, every language and the
/// articles given) and the false-report warning (art. 181), every language given.
pub fn parse_rights(json: &str) -> Result<(Vec<Rights>, Warning), LawError> {
    const FILE: &str = "rights.json";
    let file: RightsFile = serde_json::from_str(json).map_err(|e| LawError::Malformed {
        file: FILE,
        reason: e.to_string(),
    })?;
    for (i, row) in file.rows.iter().enumerate() {
        let n = i + 1;
        let named = status(FILE, n, &row.status)?;
        if file.rows[..i].iter().any(|r| r.status == row.status) {
            return Err(LawError::BadRow {
                file: FILE,
                row: n,
                reason: format!("\"{}\" has a row already", named.as_str()),
            });
        }
        if row.articles.is_empty()
            || row.articles.iter().any(|a| a.trim().is_empty())
            || [&row.kk, &row.ru, &row.en]
                .iter()
                .any(|t| t.trim().is_empty())
        {
            return Err(LawError::BadRow {
                file: FILE,
                row: n,
                reason: "the articles and the text in kk, ru and en are each given".into(),
            });
        }
    }
    for s in ProceduralStatus::ALL {
        if !file.rows.iter().any(|r| r.status == s.as_str()) {
            return Err(LawError::BadRow {
                file: FILE,
                row: 0,
                reason: format!("\"{}\" has no row", s.as_str()),
            });
        }
    }
    let warning = file.false_report_warning;
    if [&warning.kk, &warning.ru, &warning.en]
        .iter()
        .any(|t| t.trim().is_empty())
    {
        return Err(LawError::BadRow {
            file: FILE,
            row: 0,
            reason: "the false-report warning is given in kk, ru and en".into(),
        });
    }
    Ok((file.rows, warning))
}

/// One deadline rule: it applies to a filing of `kind`, to `addressee` if set, on one of
/// `subjects` if set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRule {
    pub name: String,
    pub kind: Kind,
    pub addressee: Option<Addressee>,
    pub subjects: Option<Vec<Subject>>,
    pub period: Period,
}

impl DeadlineRule {
    pub fn applies(&self, kind: Kind, addressee: Addressee, subject: Subject) -> bool {
        self.kind == kind
            && self.addressee.is_none_or(|a| a == addressee)
            && self.subjects.as_ref().is_none_or(|s| s.contains(&subject))
    }
}

#[derive(Debug, Clone)]
pub struct Law {
    pub visibility: Vec<VisibilityRule>,
    /// The periods (`deadlines.json`).
    pub deadlines: DeadlineLaw,
    /// What each status may do, said to the person on their case page.
    pub rights: Vec<Rights>,
    /// The warning a statement's applicant is shown and signs that they saw (art. 181).
    pub false_report_warning: Warning,
    pub calendar: Calendar,
    /// The last day the calendar of days off is known for.
    pub calendar_valid_through: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisibilityFile {
    #[serde(rename = "$comment", default)]
    _comment: Option<String>,
    rows: Vec<VisibilityRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisibilityRow {
    decision: String,
    recipients: RecipientsText,
    #[serde(default)]
    party: Option<String>,
    #[serde(default)]
    basis: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RecipientsText {
    Word(String),
    Statuses(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeadlinesFile {
    #[serde(rename = "$comment", default)]
    _comment: Option<String>,
    rules: Vec<RuleText>,
    complaint_extension: PeriodText,
    detainee_handover: PeriodText,
    court_window_days: i64,
    status_request: PeriodText,
    court: CourtText,
    investigation: InvestigationText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvestigationText {
    #[serde(rename = "$comment", default)]
    _comment: Option<String>,
    initial_months: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CourtText {
    #[serde(rename = "$comment", default)]
    _comment: Option<String>,
    decision_without_hearing: PeriodText,
    decision_with_hearing: PeriodText,
    appeal: PeriodText,
}

/// The court's periods (arts. 106–107), each in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourtPeriods {
    pub decision_without_hearing: Period,
    pub decision_with_hearing: Period,
    pub appeal: Period,
}

impl CourtPeriods {
    /// What the Code says, should the law data be unreadable.
    pub const CODE: CourtPeriods = CourtPeriods {
        decision_without_hearing: Period::Days(3),
        decision_with_hearing: Period::Days(10),
        appeal: Period::Days(3),
    };
}

/// What `deadlines.json` says, checked.
#[derive(Debug, Clone)]
pub struct DeadlineLaw {
    pub rules: Vec<DeadlineRule>,
    /// The longest a complaint may be extended to (art. 105).
    pub complaint_extension: Period,
    /// A detained person's filing is taken up within this (art. 101).
    pub detainee_handover: Period,
    /// The period to go to the investigating judge (art. 106).
    pub court_window_days: i64,
    /// An officer answers a request to be confirmed in a procedural status within this.
    pub status_request: Period,
    /// The investigating judge's periods and the appeal of the judge's order (arts. 106–107).
    pub court: CourtPeriods,
    /// The pre-trial investigation's period before any extension, in months (art. 192).
    pub investigation_initial_months: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    rule: String,
    kind: String,
    #[serde(default)]
    addressee: Option<String>,
    #[serde(default)]
    subjects: Option<Vec<String>>,
    period: PeriodText,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PeriodText {
    Word(String),
    Days { days: i64 },
    Hours { hours: i64 },
}

fn period(file: &'static str, row: usize, text: &PeriodText) -> Result<Period, LawError> {
    let bad = |reason: &str| LawError::BadRow {
        file,
        row,
        reason: reason.to_owned(),
    };
    match text {
        PeriodText::Word(w) if w == "registration" => Ok(Period::Registration),
        PeriodText::Word(w) => Err(LawError::Unknown {
            file,
            row,
            what: "period",
            name: w.clone(),
        }),
        PeriodText::Days { days } if (1..=365).contains(days) => Ok(Period::Days(*days)),
        PeriodText::Hours { hours } if (1..=24 * 365).contains(hours) => Ok(Period::Hours(*hours)),
        _ => Err(bad("a period is 1 to 365 days or 1 to 8760 hours")),
    }
}

fn status(file: &'static str, row: usize, name: &str) -> Result<ProceduralStatus, LawError> {
    ProceduralStatus::parse(name).ok_or_else(|| LawError::Unknown {
        file,
        row,
        what: "procedural status",
        name: name.to_owned(),
    })
}

/// Reads and checks the visibility table.
pub fn parse_visibility(json: &str) -> Result<Vec<VisibilityRule>, LawError> {
    const FILE: &str = "visibility.json";
    let file: VisibilityFile = serde_json::from_str(json).map_err(|e| LawError::Malformed {
        file: FILE,
        reason: e.to_string(),
    })?;
    let mut rules = Vec::with_capacity(file.rows.len());
    for (i, row) in file.rows.iter().enumerate() {
        let n = i + 1;
        let _ = &row.basis;
        let decision = DecisionType::parse(&row.decision).ok_or_else(|| LawError::Unknown {
            file: FILE,
            row: n,
            what: "decision type",
            name: row.decision.clone(),
        })?;
        let recipients = match &row.recipients {
            RecipientsText::Word(w) if w == "everyone" => Recipients::Everyone,
            RecipientsText::Word(w) => {
                return Err(LawError::Unknown {
                    file: FILE,
                    row: n,
                    what: "recipients",
                    name: w.clone(),
                });
            }
            RecipientsText::Statuses(names) => {
                let mut statuses = Vec::with_capacity(names.len());
                for name in names {
                    let s = status(FILE, n, name)?;
                    if s.acts_for_another() {
                        return Err(LawError::BadRow {
                            file: FILE,
                            row: n,
                            reason: format!(
                                "\"{name}\" acts for someone: they receive what their principal receives, never a row of their own"
                            ),
                        });
                    }
                    statuses.push(s);
                }
                Recipients::Only(statuses)
            }
        };
        let party = row
            .party
            .as_deref()
            .map(|p| status(FILE, n, p))
            .transpose()?;
        if let (Some(p), Recipients::Only(list)) = (party, &recipients)
            && !list.contains(&p)
        {
            return Err(LawError::BadRow {
                file: FILE,
                row: n,
                reason: format!("the party \"{}\" must be among the recipients", p.as_str()),
            });
        }
        if rules
            .iter()
            .any(|r: &VisibilityRule| r.decision == decision)
        {
            return Err(LawError::DuplicateDecision(decision.as_str()));
        }
        rules.push(VisibilityRule {
            decision,
            recipients,
            party,
        });
    }
    for t in DecisionType::ALL {
        if !rules.iter().any(|r| r.decision == t) {
            return Err(LawError::MissingDecision(t.as_str()));
        }
    }
    Ok(rules)
}

/// Reads and checks the deadline rules; every kind, addressee and subject must be covered.
#[allow(clippy::type_complexity)]
pub fn parse_deadlines(json: &str) -> Result<DeadlineLaw, LawError> {
    const FILE: &str = "deadlines.json";
    let file: DeadlinesFile = serde_json::from_str(json).map_err(|e| LawError::Malformed {
        file: FILE,
        reason: e.to_string(),
    })?;
    let mut rules = Vec::with_capacity(file.rules.len());
    for (i, r) in file.rules.iter().enumerate() {
        let n = i + 1;
        let unknown = |what: &'static str, name: &str| LawError::Unknown {
            file: FILE,
            row: n,
            what,
            name: name.to_owned(),
        };
        let kind = Kind::parse(&r.kind).ok_or_else(|| unknown("filing kind", &r.kind))?;
        let addressee = r
            .addressee
            .as_deref()
            .map(|a| Addressee::parse(a).ok_or_else(|| unknown("addressee", a)))
            .transpose()?;
        let subjects = r
            .subjects
            .as_ref()
            .map(|list| {
                list.iter()
                    .map(|s| Subject::parse(s).ok_or_else(|| unknown("subject", s)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        if r.rule.trim().is_empty() {
            return Err(LawError::BadRow {
                file: FILE,
                row: n,
                reason: "a rule says what it is in `rule`".into(),
            });
        }
        rules.push(DeadlineRule {
            name: r.rule.clone(),
            kind,
            addressee,
            subjects,
            period: period(FILE, n, &r.period)?,
        });
    }
    for kind in Kind::ALL {
        for addressee in Addressee::ALL {
            for subject in Subject::ALL {
                if !rules.iter().any(|r| r.applies(kind, addressee, subject)) {
                    return Err(LawError::Uncovered {
                        kind: kind.as_str(),
                        addressee: addressee.as_str(),
                        subject: subject.as_str(),
                    });
                }
            }
        }
    }
    let extension = period(FILE, 0, &file.complaint_extension)?;
    let handover = period(FILE, 0, &file.detainee_handover)?;
    if !(1..=365).contains(&file.court_window_days) {
        return Err(LawError::BadRow {
            file: FILE,
            row: 0,
            reason: "court_window_days is 1 to 365".into(),
        });
    }
    Ok(DeadlineLaw {
        rules,
        complaint_extension: extension,
        detainee_handover: handover,
        court_window_days: file.court_window_days,
        status_request: match period(FILE, 0, &file.status_request)? {
            Period::Registration => {
                return Err(LawError::BadRow {
                    file: FILE,
                    row: 0,
                    reason: "status_request is a period in days or hours".into(),
                });
            }
            other => other,
        },
        court: CourtPeriods {
            decision_without_hearing: days_only(&file.court.decision_without_hearing)?,
            decision_with_hearing: days_only(&file.court.decision_with_hearing)?,
            appeal: days_only(&file.court.appeal)?,
        },
        investigation_initial_months: match file.investigation.initial_months {
            months @ 1..=24 => months,
            _ => {
                return Err(LawError::BadRow {
                    file: FILE,
                    row: 0,
                    reason: "investigation.initial_months is 1 to 24".into(),
                });
            }
        },
    })
}

/// A court period: whole days only (arts. 48–49), never hours or registration.
fn days_only(text: &PeriodText) -> Result<Period, LawError> {
    const FILE: &str = "deadlines.json";
    match period(FILE, 0, text)? {
        days @ Period::Days(_) => Ok(days),
        _ => Err(LawError::BadRow {
            file: FILE,
            row: 0,
            reason: "a court period is a number of days".into(),
        }),
    }
}

/// Reads the calendar of days off and the `# valid-through: YYYY-MM-DD` line it must carry.
pub fn parse_calendar(text: &str) -> Result<(Calendar, NaiveDate), LawError> {
    let mut valid_through = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# valid-through:") {
            let date = rest.split_whitespace().next().unwrap_or_default();
            valid_through = Some(NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                LawError::Calendar(format!("line {}: valid-through is not a date", i + 1))
            })?);
        } else if !line.is_empty()
            && !line.starts_with('#')
            && NaiveDate::parse_from_str(line, "%Y-%m-%d").is_err()
        {
            return Err(LawError::Calendar(format!(
                "line {}: \"{line}\" is not a date",
                i + 1
            )));
        }
    }
    let valid_through = valid_through.ok_or_else(|| {
        LawError::Calendar("it must say until when it is known: # valid-through: YYYY-MM-DD".into())
    })?;
    Ok((Calendar::parse(text), valid_through))
}

/// Reads all four.
pub fn parse(
    visibility: &str,
    deadlines: &str,
    days_off: &str,
    rights: &str,
) -> Result<Law, LawError> {
    let visibility = parse_visibility(visibility)?;
    let deadlines = parse_deadlines(deadlines)?;
    let (calendar, calendar_valid_through) = parse_calendar(days_off)?;
    let (rights, false_report_warning) = parse_rights(rights)?;
    Ok(Law {
        visibility,
        deadlines,
        rights,
        false_report_warning,
        calendar,
        calendar_valid_through,
    })
}

/// The law this build ships, read and checked once per process.
pub fn shipped() -> Result<&'static Law, &'static LawError> {
    static LAW: OnceLock<Result<Law, LawError>> = OnceLock::new();
    LAW.get_or_init(|| parse(VISIBILITY_JSON, DEADLINES_JSON, DAYS_OFF, RIGHTS_JSON))
        .as_ref()
}

/// The health answer's warning when the calendar of days off ends within
/// [`CALENDAR_WARNING_DAYS`] of `today` (or has ended).
pub fn calendar_warning(valid_through: NaiveDate, today: NaiveDate) -> Option<String> {
    let left = (valid_through - today).num_days();
    if left > CALENDAR_WARNING_DAYS {
        return None;
    }
    Some(if left < 0 {
        format!(
            "The calendar of days off ended on {valid_through}: deadlines after it ignore public holidays. Add the next year to days-off.txt."
        )
    } else {
        format!(
            "The calendar of days off ends on {valid_through} ({left} days): add the next year to days-off.txt."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_law_is_valid() {
        let law = shipped().expect("the shipped law");
        assert_eq!(law.visibility.len(), DecisionType::ALL.len());
        assert!(!law.deadlines.rules.is_empty());
        assert!(law.calendar_valid_through >= NaiveDate::from_ymd_opt(2027, 12, 31).unwrap());
    }

    #[test]
    fn the_statement_page_shows_the_very_warning_the_applicant_signs() {
        let law = shipped().expect("the shipped law");
        for language in ["kk", "ru", "en"] {
            let path = format!(
                "{}/../../components/web/static/locales/{language}/participant.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let locale: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("locale"))
                    .expect("locale json");
            assert_eq!(
                locale["file.false_report_warning"].as_str(),
                law.false_report_warning.in_language(language),
                "{language}: the page and the law data must say the same"
            );
        }
    }

    #[test]
    fn every_status_has_its_rights_in_three_languages_once() {
        let law = shipped().expect("the shipped law");
        assert_eq!(law.rights.len(), ProceduralStatus::ALL.len());
        let twice = RIGHTS_JSON.replacen(r#""status": "victim""#, r#""status": "suspect""#, 1);
        assert_eq!(
            parse_rights(&twice).unwrap_err().to_string(),
            r#"rights.json, row 7: "suspect" has a row already"#
        );
        let unknown = RIGHTS_JSON.replacen(r#""status": "victim""#, r#""status": "victm""#, 1);
        assert_eq!(
            parse_rights(&unknown).unwrap_err().to_string(),
            r#"rights.json, row 7: unknown procedural status "victm""#
        );
        let empty = RIGHTS_JSON.replacen(r#""articles": ["71"]"#, r#""articles": []"#, 1);
        assert_eq!(
            parse_rights(&empty).unwrap_err().to_string(),
            "rights.json, row 7: the articles and the text in kk, ru and en are each given"
        );
    }

    fn visibility_with(row: &str) -> String {
        VISIBILITY_JSON.replacen("\"rows\": [", &format!("\"rows\": [\n    {row},"), 1)
    }

    #[test]
    fn an_unknown_status_or_type_is_named_with_its_row() {
        let err = parse_visibility(&visibility_with(
            r#"{ "decision": "recognition_as_victim", "recipients": ["victm"] }"#,
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "visibility.json, row 1: unknown procedural status \"victm\""
        );
        let err = parse_visibility(&visibility_with(
            r#"{ "decision": "recognition_as_witness", "recipients": "everyone" }"#,
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "visibility.json, row 1: unknown decision type \"recognition_as_witness\""
        );
    }

    #[test]
    fn every_type_has_exactly_one_row_and_acting_statuses_none() {
        let err = parse_visibility(&visibility_with(
            r#"{ "decision": "suspension", "recipients": "everyone" }"#,
        ))
        .unwrap_err();
        assert_eq!(err, LawError::DuplicateDecision("suspension"));
        let without = VISIBILITY_JSON.replace(
            r#"{ "decision": "switch_to_paper", "recipients": "everyone", "basis": "art. 42-1" }"#,
            r#"{ "decision": "suspension", "recipients": "everyone" }"#,
        );
        assert!(parse_visibility(&without).is_err());
        let acting = VISIBILITY_JSON.replace(
            r#""recipients": ["civil_defendant"], "party": "civil_defendant""#,
            r#""recipients": ["civil_defendant", "defender"], "party": "civil_defendant""#,
        );
        assert!(matches!(
            parse_visibility(&acting),
            Err(LawError::BadRow { .. })
        ));
        let party_outside = VISIBILITY_JSON.replace(
            r#""recipients": ["suspect"], "party": "suspect", "basis": "art. 64" }"#,
            r#""recipients": ["victim"], "party": "suspect", "basis": "art. 64" }"#,
        );
        assert!(matches!(
            parse_visibility(&party_outside),
            Err(LawError::BadRow { .. })
        ));
    }

    #[test]
    fn deadline_rules_must_name_known_things_and_cover_every_filing() {
        let err = parse_deadlines(&DEADLINES_JSON.replace(
            r#""kind": "petition", "period""#,
            r#""kind": "appeal", "period""#,
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "deadlines.json, row 2: unknown filing kind \"appeal\""
        );
        let err = parse_deadlines(&DEADLINES_JSON.replace(
            r#"{ "rule": "complaint: within 7 days (art. 105)", "kind": "complaint", "period": { "days": 7 } }"#,
            r#"{ "rule": "complaint: within 7 days (art. 105)", "kind": "complaint", "addressee": "prosecutor", "period": { "days": 7 } }"#,
        ))
        .unwrap_err();
        assert!(
            matches!(
                err,
                LawError::Uncovered {
                    kind: "complaint",
                    ..
                }
            ),
            "{err}"
        );
        let err = parse_deadlines(&DEADLINES_JSON.replace(
            r#""period": { "days": 3 } },
    { "rule": "complaint to"#,
            r#""period": { "days": 0 } },
    { "rule": "complaint to"#,
        ))
        .unwrap_err();
        assert!(matches!(err, LawError::BadRow { row: 2, .. }), "{err}");
        let err = parse_deadlines(&DEADLINES_JSON.replace(
            r#""addressee": "investigating_judge""#,
            r#""addressee": "judge""#,
        ))
        .unwrap_err();
        assert!(
            err.to_string().contains("unknown addressee \"judge\""),
            "{err}"
        );
    }

    #[test]
    fn the_calendar_says_until_when_and_holds_only_dates() {
        let (cal, through) = parse_calendar("# valid-through: 2026-12-31\n2026-12-16\n").unwrap();
        assert_eq!(through, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert!(cal.is_day_off(NaiveDate::from_ymd_opt(2026, 12, 16).unwrap()));
        assert!(parse_calendar("2026-12-16\n").is_err());
        assert!(parse_calendar("# valid-through: 2026-12-31\n16.12.2026\n").is_err());
    }

    #[test]
    fn the_calendar_warns_sixty_days_before_it_runs_out() {
        let end = NaiveDate::from_ymd_opt(2027, 12, 31).unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        assert_eq!(calendar_warning(end, day(10, 31)), None);
        assert!(
            calendar_warning(end, day(11, 1))
                .unwrap()
                .contains("(60 days)")
        );
        assert!(
            calendar_warning(end, NaiveDate::from_ymd_opt(2028, 1, 1).unwrap())
                .unwrap()
                .contains("ended")
        );
    }

    /// The shipped days off are exactly what the Law on holidays and the Labour Code's
    /// art. 84 give, year by year: the fixed holidays, the first day of Kurban ait (its date
    /// announced yearly, so listed here), and for each non-religious holiday on a Saturday or
    /// Sunday the next working day after it.
    #[test]
    fn the_days_off_are_the_holidays_and_their_moves_under_art_84() {
        use chrono::{Datelike, Weekday};
        let (calendar, valid_through) = parse_calendar(DAYS_OFF).unwrap();
        let kurban_ait = [(2026, (5, 27)), (2027, (5, 16))];
        for year in 2026..=valid_through.year() {
            let day = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(year, m, d).unwrap();
            let secular: Vec<NaiveDate> = [
                (1, 1),
                (1, 2),
                (3, 8),
                (3, 21),
                (3, 22),
                (3, 23),
                (5, 1),
                (5, 7),
                (5, 9),
                (7, 6),
                (8, 30),
                (10, 25),
                (12, 16),
            ]
            .into_iter()
            .map(day)
            .collect();
            let (_, kurban) = kurban_ait
                .iter()
                .find(|(y, _)| *y == year)
                .unwrap_or_else(|| panic!("the first day of Kurban ait in {year} is not known"));
            let mut expected: Vec<NaiveDate> = secular.clone();
            expected.push(day((1, 7)));
            expected.push(day(*kurban));
            let weekend = |d: NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            for holiday in secular.iter().filter(|d| weekend(**d)) {
                let mut moved_to = *holiday;
                while weekend(moved_to) || expected.contains(&moved_to) {
                    moved_to += chrono::Duration::days(1);
                }
                expected.push(moved_to);
            }
            let listed: Vec<NaiveDate> = DAYS_OFF
                .lines()
                .filter_map(|l| NaiveDate::parse_from_str(l.trim(), "%Y-%m-%d").ok())
                .filter(|d| d.year() == year)
                .collect();
            expected.sort();
            assert_eq!(listed, expected, "{year}");
            assert!(expected.iter().all(|d| calendar.is_day_off(*d)));
        }
    }
}
