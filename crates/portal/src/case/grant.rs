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

/// What an officer asks a grant to open: every material the case has now, or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantScope {
    All,
    Materials(Vec<i64>),
}

/// A grant as an officer asks for it, checked on its own before the case is read: `scope` is
/// `"all"` or a non-empty list of material ids, `until` (if any) an RFC 3339 time after now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    pub scope: GrantScope,
    pub until_unix: Option<i64>,
}

impl GrantRequest {
    pub fn parse(
        scope: &serde_json::Value,
        until: Option<&str>,
        now_unix: i64,
    ) -> Result<Self, crate::ApiError> {
        use crate::ApiError;
        let scope = match scope {
            serde_json::Value::String(s) if s == "all" => GrantScope::All,
            serde_json::Value::Array(items) if !items.is_empty() => GrantScope::Materials(
                items
                    .iter()
                    .map(|v| {
                        v.as_i64().ok_or_else(|| {
                            ApiError::invalid(
                                "scope",
                                "invalid_scope",
                                "Material ids are integers.",
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => {
                return Err(ApiError::invalid(
                    "scope",
                    "invalid_scope",
                    "Give \"all\" or a list of material ids.",
                ));
            }
        };
        let until_unix = until
            .map(|u| {
                chrono::DateTime::parse_from_rfc3339(u)
                    .map(|t| t.timestamp())
                    .map_err(|_| {
                        ApiError::invalid("until", "invalid_time", "Give an RFC 3339 time.")
                    })
            })
            .transpose()?;
        if until_unix.is_some_and(|u| u <= now_unix) {
            return Err(ApiError::invalid(
                "until",
                "in_the_past",
                "The grant must end in the future.",
            ));
        }
        Ok(GrantRequest { scope, until_unix })
    }

    /// The materials named one by one (none for "all": the list is taken at the grant).
    pub fn named_materials(&self) -> &[i64] {
        match &self.scope {
            GrantScope::All => &[],
            GrantScope::Materials(ids) => ids,
        }
    }
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

    #[test]
    fn a_grant_request_is_all_or_a_list_of_ids_ending_in_the_future() {
        use super::{GrantRequest, GrantScope};
        let now = 1_700_000_000;
        let all = GrantRequest::parse(&serde_json::json!("all"), None, now).unwrap();
        assert_eq!(all.scope, GrantScope::All);
        assert!(all.named_materials().is_empty());
        let listed = GrantRequest::parse(
            &serde_json::json!([3, 5]),
            Some("2023-11-15T00:00:00Z"),
            now,
        )
        .unwrap();
        assert_eq!(listed.named_materials(), &[3, 5]);
        assert_eq!(listed.until_unix, Some(1_700_006_400));
        for (scope, until, field, code) in [
            (serde_json::json!([]), None, "scope", "invalid_scope"),
            (serde_json::json!("some"), None, "scope", "invalid_scope"),
            (serde_json::json!(["3"]), None, "scope", "invalid_scope"),
            (serde_json::json!(3), None, "scope", "invalid_scope"),
            (
                serde_json::json!("all"),
                Some("tomorrow"),
                "until",
                "invalid_time",
            ),
            (
                serde_json::json!("all"),
                Some("2023-11-14T22:13:20Z"),
                "until",
                "in_the_past",
            ),
        ] {
            let refused = GrantRequest::parse(&scope, until, now)
                .unwrap_err()
                .to_problem();
            assert_eq!(refused.status, 422, "{scope} {until:?}");
            assert_eq!(refused.errors[0].field, field, "{scope} {until:?}");
            assert_eq!(refused.errors[0].code, code, "{scope} {until:?}");
        }
    }
}
