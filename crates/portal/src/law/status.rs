//! Procedural statuses (CPC arts. 64–77), and who may act for whom.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProceduralStatus {
    Suspect,
    Accused,
    WitnessWithDefence,
    Defender,
    LegalRepresentative,
    Representative,
    Victim,
    PrivateProsecutor,
    CivilPlaintiff,
    CivilDefendant,
    /// The person whose statement about an offence was registered as the case (art. 180–185):
    /// not a party, but told of the case's course (our reading; show less).
    Applicant,
}

crate::text_enum!(ProceduralStatus {
    Suspect => "suspect",
    Accused => "accused",
    WitnessWithDefence => "witness_with_defence",
    Defender => "defender",
    LegalRepresentative => "legal_representative",
    Representative => "representative",
    Victim => "victim",
    PrivateProsecutor => "private_prosecutor",
    CivilPlaintiff => "civil_plaintiff",
    CivilDefendant => "civil_defendant",
    Applicant => "applicant",
});

impl ProceduralStatus {
    /// Acts for someone else (arts. 66–67, 70, 75–77) and must name them.
    pub fn acts_for_another(self) -> bool {
        matches!(
            self,
            ProceduralStatus::Defender
                | ProceduralStatus::LegalRepresentative
                | ProceduralStatus::Representative
        )
    }

    /// A status only the register gives (the applicant comes from a registered statement):
    /// nobody asks for it and no officer records it by hand.
    pub fn by_statement_only(self) -> bool {
        self == ProceduralStatus::Applicant
    }

    /// Whether a person of this (acting) status may act for someone of `principal` status:
    /// a defender for the defence side, a representative for the victim and civil parties, a
    /// legal representative for any principal party.
    pub fn may_act_for(self, principal: ProceduralStatus) -> bool {
        use ProceduralStatus::*;
        match self {
            Defender => matches!(principal, Suspect | Accused | WitnessWithDefence),
            Representative => {
                matches!(
                    principal,
                    Victim | CivilPlaintiff | CivilDefendant | PrivateProsecutor
                )
            }
            LegalRepresentative => !principal.acts_for_another() && principal != Applicant,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProceduralStatus::*;

    #[test]
    fn round_trips() {
        for s in ProceduralStatus::ALL {
            assert_eq!(ProceduralStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ProceduralStatus::parse("witness"), None);
    }

    #[test]
    fn who_acts_for_whom() {
        assert!(Defender.may_act_for(Suspect));
        assert!(Defender.may_act_for(WitnessWithDefence));
        assert!(!Defender.may_act_for(Victim));
        assert!(Representative.may_act_for(Victim));
        assert!(!Representative.may_act_for(Suspect));
        assert!(LegalRepresentative.may_act_for(Victim));
        assert!(LegalRepresentative.may_act_for(Suspect));
        assert!(!LegalRepresentative.may_act_for(Defender));
        assert!(!Victim.may_act_for(Victim));
        assert!(!LegalRepresentative.may_act_for(Applicant));
        assert!(!Defender.may_act_for(Applicant));
        assert!(!Representative.may_act_for(Applicant));
        assert_eq!(
            ProceduralStatus::ALL
                .iter()
                .filter(|s| s.acts_for_another())
                .count(),
            3
        );
    }
}
