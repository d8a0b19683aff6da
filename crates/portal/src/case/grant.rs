//! A familiarisation grant: the investigator's permission to see materials — all of them or a
//! list — until a time or revoked. "All" means all that exist when it is given (arts.
//! 294–296: what to open is the officer's decision, so a material added later is opened by a
//! new grant, not by an old one): the grant keeps the list either way.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Given as "all" (the list is then the case's materials at the grant).
    pub scope_all: bool,
    /// The materials it opens.
    pub material_ids: Vec<i64>,
    pub until_unix: Option<i64>,
    pub revoked: bool,
}

impl Grant {
    pub fn is_live(&self, now_unix: i64) -> bool {
        !self.revoked && self.until_unix.is_none_or(|until| now_unix < until)
    }

    pub fn covers(&self, material_id: i64, now_unix: i64) -> bool {
        self.is_live(now_unix) && self.material_ids.contains(&material_id)
    }
}

/// Whether a grant to a participant in `status` opens only the materials that concern the civil
/// claim: a civil plaintiff's or civil defendant's (arts. 73–74 give them the materials about
/// the claim), and a representative's who acts for nothing else. `principal_statuses` are the
/// confirmed statuses of the person an acting status acts for.
pub fn limited_to_civil_claim(
    status: crate::law::ProceduralStatus,
    principal_statuses: &[crate::law::ProceduralStatus],
) -> bool {
    use crate::law::ProceduralStatus::{CivilDefendant, CivilPlaintiff};
    let civil = |s: &crate::law::ProceduralStatus| matches!(s, CivilPlaintiff | CivilDefendant);
    if !status.acts_for_another() {
        return civil(&status);
    }
    let acted_for: Vec<_> = principal_statuses
        .iter()
        .filter(|s| status.may_act_for(**s))
        .collect();
    // Acting for no one on record opens nothing wider than the claim either.
    acted_for.iter().all(|s| civil(s))
}

/// Whether any of `grants` opens `material_id` now.
pub fn any_covers(grants: &[Grant], material_id: i64, now_unix: i64) -> bool {
    grants.iter().any(|g| g.covers(material_id, now_unix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(scope_all: bool, ids: &[i64], until: Option<i64>, revoked: bool) -> Grant {
        Grant {
            scope_all,
            material_ids: ids.to_vec(),
            until_unix: until,
            revoked,
        }
    }

    #[test]
    fn scope_until_and_revocation() {
        assert!(grant(true, &[7], None, false).covers(7, 100));
        assert!(grant(false, &[7], None, false).covers(7, 100));
        assert!(!grant(false, &[8], None, false).covers(7, 100));
        assert!(grant(true, &[7], Some(101), false).covers(7, 100));
        assert!(!grant(true, &[7], Some(100), false).covers(7, 100));
        assert!(!grant(true, &[7], None, true).covers(7, 100));
        assert!(any_covers(
            &[
                grant(false, &[1], None, false),
                grant(false, &[7], None, false)
            ],
            7,
            100
        ));
        assert!(!any_covers(&[], 7, 100));
    }

    #[test]
    fn a_civil_party_and_whoever_acts_only_for_one_are_limited_to_the_claim() {
        use crate::law::ProceduralStatus::*;
        assert!(limited_to_civil_claim(CivilPlaintiff, &[]));
        assert!(limited_to_civil_claim(CivilDefendant, &[]));
        assert!(!limited_to_civil_claim(Victim, &[]));
        assert!(!limited_to_civil_claim(Suspect, &[]));
        assert!(limited_to_civil_claim(Representative, &[CivilPlaintiff]));
        assert!(
            !limited_to_civil_claim(Representative, &[Victim, CivilPlaintiff]),
            "acting for a victim too, the representative sees what the victim may"
        );
        // A defender acts for a suspect, never through a civil defendant's status.
        assert!(!limited_to_civil_claim(
            Defender,
            &[Suspect, CivilDefendant]
        ));
        assert!(limited_to_civil_claim(Representative, &[]));
    }

    #[test]
    fn all_means_the_materials_there_were_when_it_was_given() {
        // Given as "all" when the case had materials 3 and 5; 9 came later.
        let all = grant(true, &[3, 5], None, false);
        assert!(all.covers(3, 100) && all.covers(5, 100));
        assert!(!all.covers(9, 100));
    }
}
