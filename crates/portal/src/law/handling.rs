//! Who answers a filing, with what, and how its state moves. Pure rules, no I/O.
//!
//! - A crime report goes to the organ the applicant chose; its investigators, inquirers and
//!   head of unit register it (naming the ERDR case it opened or joined), refuse it, or forward
//!   it by jurisdiction.
//! - A petition goes to the person conducting the investigation (the lead officer) or the
//!   supervising prosecutor (art. 99).
//! - A complaint goes to the head of unit or the supervising prosecutor (arts. 104–105), and is
//!   never decided by the official whose act it challenges: that official may only forward it.
//!   A complaint to the investigating judge (art. 106) is the court's to decide: the lead officer
//!   or the head of unit forwards it at once.

use super::deadline::{Addressee, Kind};

/// A filing's state. `Submitted`, `UnderReview` and `Extended` are open; the rest are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Submitted,
    UnderReview,
    Extended,
    /// A crime report entered in ERDR.
    Registered,
    /// A petition or complaint answered on its merits (or left without consideration).
    Decided,
    /// A crime report whose registration was refused.
    Refused,
    /// Sent to the competent authority.
    Forwarded,
    Withdrawn,
}

crate::text_enum!(State {
    Submitted => "submitted",
    UnderReview => "under_review",
    Extended => "extended",
    Registered => "registered",
    Decided => "decided",
    Refused => "refused",
    Forwarded => "forwarded",
    Withdrawn => "withdrawn",
});

impl State {
    pub const OPEN: [State; 3] = [State::Submitted, State::UnderReview, State::Extended];

    pub fn is_open(self) -> bool {
        State::OPEN.contains(&self)
    }
}

/// How an officer answers a filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Granted,
    PartiallyGranted,
    Rejected,
    LeftWithoutConsideration,
    Forwarded,
    Registered,
    Refused,
}

crate::text_enum!(Outcome {
    Granted => "granted",
    PartiallyGranted => "partially_granted",
    Rejected => "rejected",
    LeftWithoutConsideration => "left_without_consideration",
    Forwarded => "forwarded",
    Registered => "registered",
    Refused => "refused",
});

impl Outcome {
    /// The state a filing is in once answered so.
    pub fn state(self) -> State {
        match self {
            Outcome::Forwarded => State::Forwarded,
            Outcome::Registered => State::Registered,
            Outcome::Refused => State::Refused,
            _ => State::Decided,
        }
    }
}

/// How an officer stands to a filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// Lead investigator or inquirer of the filing's case.
    LeadOfficer,
    /// Head of the unit whose case it is.
    HeadOfUnit,
    /// Prosecutor supervising the filing's case.
    SupervisingProsecutor,
    /// Investigator, inquirer or head of unit of the organ a crime report was sent to.
    OrganOfficer,
    /// Prosecutor or head of the territorial prosecutor's office a petition or complaint to
    /// "the prosecutor" was sent to because no prosecutor supervised its case when it was filed
    /// (art. 100: a complaint is never refused for want of an addressee).
    ProsecutorsOffice,
    /// Head of unit of the organ an affected person's complaint (art. 100) was sent to: it is
    /// tied to no case of the filer's, so the organ's heads take and distribute it.
    OrganHead,
}

/// Who receives a filing of this kind sent to this addressee.
pub fn handlers(kind: Kind, addressee: Addressee) -> &'static [Handler] {
    match (kind, addressee) {
        (Kind::CrimeReport, _) => &[Handler::OrganOfficer],
        (Kind::Petition | Kind::Complaint, Addressee::Prosecutor) => {
            &[Handler::SupervisingProsecutor, Handler::ProsecutorsOffice]
        }
        (Kind::Petition, _) => &[Handler::LeadOfficer],
        (Kind::Complaint, Addressee::HeadOfUnit) => &[Handler::HeadOfUnit, Handler::OrganHead],
        (Kind::Complaint, Addressee::InvestigatingJudge) => &[
            Handler::LeadOfficer,
            Handler::HeadOfUnit,
            Handler::OrganHead,
        ],
        (Kind::Complaint, Addressee::Investigator) => &[Handler::LeadOfficer],
    }
}

/// What an officer who receives the filing may answer. `challenged_official` says whether this
/// officer is the one whose act a complaint challenges.
pub fn permitted_outcomes(
    kind: Kind,
    addressee: Addressee,
    challenged_official: bool,
) -> &'static [Outcome] {
    const ON_MERITS: &[Outcome] = &[
        Outcome::Granted,
        Outcome::PartiallyGranted,
        Outcome::Rejected,
        Outcome::LeftWithoutConsideration,
        Outcome::Forwarded,
    ];
    match kind {
        Kind::CrimeReport => &[Outcome::Registered, Outcome::Refused, Outcome::Forwarded],
        Kind::Petition => ON_MERITS,
        Kind::Complaint if challenged_official || addressee == Addressee::InvestigatingJudge => {
            &[Outcome::Forwarded]
        }
        Kind::Complaint => ON_MERITS,
    }
}

/// Whose act a complaint challenges: the author of the decision it names, or else the lead
/// officer, whose conduct of the investigation it is about.
pub fn challenged_official<'a>(
    challenged_decision_author: Option<&'a str>,
    lead_officer: &'a str,
) -> &'a str {
    challenged_decision_author.unwrap_or(lead_officer)
}

/// Why an answer is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the filing is already {0}")]
    NotOpen(&'static str),
    #[error("this outcome is not available to you for this filing")]
    OutcomeNotPermitted,
    #[error("a complaint is never decided by the official whose act it challenges")]
    OwnAct,
}

/// Checks an answer against the filing's state and the rules above.
pub fn check_answer(
    kind: Kind,
    addressee: Addressee,
    state: State,
    challenged_official: bool,
    outcome: Outcome,
) -> Result<(), AnswerError> {
    if !state.is_open() {
        return Err(AnswerError::NotOpen(state.as_str()));
    }
    if permitted_outcomes(kind, addressee, challenged_official).contains(&outcome) {
        Ok(())
    } else if kind == Kind::Complaint
        && challenged_official
        && permitted_outcomes(kind, addressee, false).contains(&outcome)
    {
        Err(AnswerError::OwnAct)
    } else {
        Err(AnswerError::OutcomeNotPermitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("extended"), None);
    }

    #[test]
    fn only_submitted_under_review_and_extended_are_open() {
        let open: Vec<_> = State::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, State::OPEN);
    }

    #[test]
    fn crime_reports_are_registered_refused_or_forwarded_by_the_organ() {
        assert_eq!(
            handlers(Kind::CrimeReport, Addressee::Investigator),
            &[Handler::OrganOfficer]
        );
        let allowed = permitted_outcomes(Kind::CrimeReport, Addressee::Investigator, false);
        assert_eq!(
            allowed,
            &[Outcome::Registered, Outcome::Refused, Outcome::Forwarded]
        );
        assert!(
            check_answer(
                Kind::CrimeReport,
                Addressee::Investigator,
                State::Submitted,
                false,
                Outcome::Granted
            )
            .is_err()
        );
    }

    #[test]
    fn petitions_go_to_the_lead_officer_or_the_prosecutor() {
        assert_eq!(
            handlers(Kind::Petition, Addressee::Investigator),
            &[Handler::LeadOfficer]
        );
        assert_eq!(
            handlers(Kind::Petition, Addressee::Prosecutor),
            &[Handler::SupervisingProsecutor, Handler::ProsecutorsOffice]
        );
        assert!(
            !permitted_outcomes(Kind::Petition, Addressee::Investigator, false)
                .contains(&Outcome::Registered)
        );
    }

    #[test]
    fn complaints_go_to_the_head_of_unit_or_prosecutor_and_the_judges_are_forwarded() {
        assert_eq!(
            handlers(Kind::Complaint, Addressee::HeadOfUnit),
            &[Handler::HeadOfUnit, Handler::OrganHead]
        );
        assert_eq!(
            handlers(Kind::Complaint, Addressee::Prosecutor),
            &[Handler::SupervisingProsecutor, Handler::ProsecutorsOffice],
            "the supervising prosecutor, or the office it went to when none supervised the case"
        );
        assert_eq!(
            permitted_outcomes(Kind::Complaint, Addressee::InvestigatingJudge, false),
            &[Outcome::Forwarded]
        );
    }

    #[test]
    fn the_challenged_official_never_decides_and_may_only_forward() {
        let by_the_challenged = |outcome| {
            check_answer(
                Kind::Complaint,
                Addressee::HeadOfUnit,
                State::Submitted,
                true,
                outcome,
            )
        };
        assert_eq!(
            by_the_challenged(Outcome::Rejected),
            Err(AnswerError::OwnAct)
        );
        assert_eq!(by_the_challenged(Outcome::Forwarded), Ok(()));
        assert_eq!(challenged_official(Some("A"), "LEAD"), "A");
        assert_eq!(challenged_official(None, "LEAD"), "LEAD");
    }

    #[test]
    fn a_final_filing_takes_no_answer() {
        for state in [
            State::Decided,
            State::Withdrawn,
            State::Registered,
            State::Refused,
            State::Forwarded,
        ] {
            assert_eq!(
                check_answer(
                    Kind::Petition,
                    Addressee::Investigator,
                    state,
                    false,
                    Outcome::Granted
                ),
                Err(AnswerError::NotOpen(state.as_str()))
            );
        }
        assert_eq!(Outcome::Registered.state(), State::Registered);
        assert_eq!(Outcome::Rejected.state(), State::Decided);
    }
}
