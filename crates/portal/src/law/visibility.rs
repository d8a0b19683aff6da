//! Which procedural decisions each status receives — our reading of the CPC (the mission
//! brief's table), kept as data (`data/law/visibility.json`, read and checked by [`crate::law`])
//! so a lawyer can correct it without touching code.
//! Where unsure, show less: visibility can be widened by data, a leak cannot be undone.
//! A defender or representative sees what the person they act for sees, never more: callers
//! pass the statuses of the represented person, not the representative's own.

use serde::{Deserialize, Serialize};

use super::status::ProceduralStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionType {
    RecognitionAsVictim,
    RefusalToRecogniseVictim,
    RecognitionAsSuspect,
    QualificationOfSuspicion,
    PreventiveMeasure,
    RecognitionAsCivilPlaintiff,
    RecognitionAsCivilDefendant,
    ExpertExamination,
    Suspension,
    Resumption,
    Termination,
    JoinderOrSeparation,
    Indictment,
    MisdemeanourReport,
    SendingToCourt,
    /// Recognition as a witness with the right to defence (art. 65-1).
    RecognitionAsWitnessWithDefence,
    /// Recognition as a private prosecutor (art. 72).
    RecognitionAsPrivateProsecutor,
    /// Extension of the period of the pre-trial investigation (art. 192).
    ExtensionOfInvestigationPeriod,
    /// The reasoned order switching the case from the electronic format to paper (art. 42-1):
    /// the case leaves the portal and is shown read-only from then on.
    SwitchToPaper,
}

/// Who receives a decision type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipients {
    /// Every participant of the case whose status is in force.
    Everyone,
    /// Only these statuses (and those acting for them).
    Only(Vec<ProceduralStatus>),
}

/// The table, as the law data has it (`data/law/visibility.json`, checked by
/// [`crate::law`]); if that data were broken, nobody receives anything: show less.
pub fn table() -> &'static [crate::law::VisibilityRule] {
    crate::law::shipped()
        .map(|law| law.visibility.as_slice())
        .unwrap_or(&[])
}

crate::text_enum!(DecisionType {
    RecognitionAsVictim => "recognition_as_victim",
    RefusalToRecogniseVictim => "refusal_to_recognise_victim",
    RecognitionAsSuspect => "recognition_as_suspect",
    QualificationOfSuspicion => "qualification_of_suspicion",
    PreventiveMeasure => "preventive_measure",
    RecognitionAsCivilPlaintiff => "recognition_as_civil_plaintiff",
    RecognitionAsCivilDefendant => "recognition_as_civil_defendant",
    ExpertExamination => "expert_examination",
    Suspension => "suspension",
    Resumption => "resumption",
    Termination => "termination",
    JoinderOrSeparation => "joinder_or_separation",
    Indictment => "indictment",
    MisdemeanourReport => "misdemeanour_report",
    SendingToCourt => "sending_to_court",
    RecognitionAsWitnessWithDefence => "recognition_as_witness_with_defence",
    RecognitionAsPrivateProsecutor => "recognition_as_private_prosecutor",
    ExtensionOfInvestigationPeriod => "extension_of_investigation_period",
    SwitchToPaper => "switch_to_paper",
});

/// The party a personal decision is about, by type: that party receives it only when it is
/// about them. `None`: the decision is about the case, not one person.
pub fn party_status(decision: DecisionType) -> Option<ProceduralStatus> {
    table()
        .iter()
        .find(|r| r.decision == decision)
        .and_then(|r| r.party)
}

/// Whether a viewer receives a decision that may concern one person. `viewer` pairs each
/// effective status with the IIN of the person holding it (the viewer, or whom they act for).
pub fn receives_concerning(
    decision: DecisionType,
    concerns_iin: Option<&str>,
    viewer: &[(ProceduralStatus, String)],
) -> bool {
    viewer.iter().any(|(status, holder)| {
        receives(decision, &[*status])
            && match (party_status(decision), concerns_iin) {
                (Some(party), Some(concerned)) if party == *status => holder == concerned,
                // A personal decision that names nobody goes to no party: show less.
                (Some(party), None) if party == *status => false,
                _ => true,
            }
    })
}

/// Whether someone whose effective statuses in the case are `statuses` receives `decision`.
/// An unknown type, or no status at all, receives nothing.
pub fn receives(decision: DecisionType, statuses: &[ProceduralStatus]) -> bool {
    if statuses.is_empty() {
        return false;
    }
    match table()
        .iter()
        .find(|r| r.decision == decision)
        .map(|r| &r.recipients)
    {
        Some(Recipients::Everyone) => true,
        Some(Recipients::Only(allowed)) => statuses.iter().any(|s| allowed.contains(s)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProceduralStatus::*;

    /// The statuses that receive `decision`, out of the principal (non-acting) statuses.
    fn recipients(decision: DecisionType) -> Vec<ProceduralStatus> {
        ProceduralStatus::ALL
            .into_iter()
            .filter(|s| !s.acts_for_another() && receives(decision, &[*s]))
            .collect()
    }

    fn principals() -> Vec<ProceduralStatus> {
        ProceduralStatus::ALL
            .into_iter()
            .filter(|s| !s.acts_for_another())
            .collect()
    }

    #[test]
    fn every_type_has_exactly_one_row() {
        for t in DecisionType::ALL {
            assert_eq!(
                table().iter().filter(|r| r.decision == t).count(),
                1,
                "{t:?}"
            );
            assert_eq!(DecisionType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn row_recognition_as_victim_or_refusal_goes_to_the_victim() {
        assert_eq!(recipients(DecisionType::RecognitionAsVictim), [Victim]);
        assert_eq!(recipients(DecisionType::RefusalToRecogniseVictim), [Victim]);
    }

    #[test]
    fn row_suspicion_and_preventive_measure_go_to_the_suspect_qualification_also_to_the_victim() {
        assert_eq!(recipients(DecisionType::RecognitionAsSuspect), [Suspect]);
        assert_eq!(recipients(DecisionType::PreventiveMeasure), [Suspect]);
        assert_eq!(
            recipients(DecisionType::QualificationOfSuspicion),
            [Suspect, Victim]
        );
    }

    #[test]
    fn row_civil_party_recognition_goes_to_that_party() {
        assert_eq!(
            recipients(DecisionType::RecognitionAsCivilPlaintiff),
            [CivilPlaintiff]
        );
        assert_eq!(
            recipients(DecisionType::RecognitionAsCivilDefendant),
            [CivilDefendant]
        );
    }

    #[test]
    fn row_expert_examination_goes_to_suspect_and_victim() {
        assert_eq!(
            recipients(DecisionType::ExpertExamination),
            [Suspect, Victim]
        );
    }

    #[test]
    fn row_suspension_resumption_termination_joinder_go_to_everyone() {
        for t in [
            DecisionType::Suspension,
            DecisionType::Resumption,
            DecisionType::Termination,
            DecisionType::JoinderOrSeparation,
        ] {
            assert_eq!(recipients(t), principals(), "{t:?}");
        }
    }

    #[test]
    fn row_indictment_and_sending_to_court_go_to_accused_victim_and_civil_parties() {
        for t in [
            DecisionType::Indictment,
            DecisionType::MisdemeanourReport,
            DecisionType::SendingToCourt,
        ] {
            assert_eq!(
                recipients(t),
                [Accused, Victim, CivilPlaintiff, CivilDefendant],
                "{t:?}"
            );
        }
    }

    #[test]
    fn row_recognition_as_witness_with_defence_goes_to_that_witness() {
        assert_eq!(
            recipients(DecisionType::RecognitionAsWitnessWithDefence),
            [WitnessWithDefence]
        );
        assert_eq!(
            party_status(DecisionType::RecognitionAsWitnessWithDefence),
            Some(WitnessWithDefence)
        );
    }

    #[test]
    fn row_recognition_as_private_prosecutor_goes_to_that_prosecutor() {
        assert_eq!(
            recipients(DecisionType::RecognitionAsPrivateProsecutor),
            [PrivateProsecutor]
        );
        assert_eq!(
            party_status(DecisionType::RecognitionAsPrivateProsecutor),
            Some(PrivateProsecutor)
        );
    }

    #[test]
    fn row_extension_of_the_investigation_goes_to_the_defence_side_and_the_victim() {
        assert_eq!(
            recipients(DecisionType::ExtensionOfInvestigationPeriod),
            [Suspect, Accused, WitnessWithDefence, Victim]
        );
    }

    #[test]
    fn row_switch_to_paper_goes_to_everyone_the_applicant_too() {
        assert_eq!(recipients(DecisionType::SwitchToPaper), principals());
        assert!(receives(DecisionType::SwitchToPaper, &[Applicant]));
    }

    #[test]
    fn the_applicant_receives_only_what_goes_to_everyone() {
        for r in table() {
            assert_eq!(
                receives(r.decision, &[Applicant]),
                matches!(r.recipients, Recipients::Everyone),
                "{:?}",
                r.decision
            );
        }
    }

    #[test]
    fn acting_statuses_receive_nothing_of_their_own() {
        for r in table() {
            for acting in [Defender, Representative, LegalRepresentative] {
                if r.recipients != Recipients::Everyone {
                    assert!(
                        !receives(r.decision, &[acting]),
                        "{:?} {acting:?}",
                        r.decision
                    );
                }
            }
        }
    }

    #[test]
    fn a_personal_decision_reaches_only_the_person_it_is_about() {
        let me = |s: ProceduralStatus, iin: &str| vec![(s, iin.to_owned())];
        let t = DecisionType::RecognitionAsSuspect;
        assert!(receives_concerning(t, Some("A"), &me(Suspect, "A")));
        assert!(!receives_concerning(t, Some("A"), &me(Suspect, "B")));
        assert!(!receives_concerning(t, None, &me(Suspect, "A")));
        // Qualification of suspicion also goes to any victim of the case.
        let q = DecisionType::QualificationOfSuspicion;
        assert!(receives_concerning(q, Some("A"), &me(Victim, "V")));
        assert!(!receives_concerning(q, Some("A"), &me(Suspect, "B")));
        // Decisions about the case reach everyone the table names.
        assert!(receives_concerning(
            DecisionType::Suspension,
            None,
            &me(CivilDefendant, "C")
        ));
    }

    #[test]
    fn nobody_without_a_status_receives_anything() {
        for t in DecisionType::ALL {
            assert!(!receives(t, &[]));
        }
    }
}
