//! Who someone is to the portal: roles, and the organ an officer serves in.

pub mod auth;
pub mod challenge;
pub mod eds;
pub mod egov_mobile;
pub mod lockout;
pub mod password;
pub mod registry;
pub mod revocation;
pub mod session;
pub mod signed;
pub mod signin;

use serde::{Deserialize, Serialize};

/// An officer's appointment as it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub role: Role,
    pub organ: Organ,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Participant,
    Investigator,
    Inquirer,
    Prosecutor,
    HeadOfUnit,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Investigator => "investigator",
            Role::Inquirer => "inquirer",
            Role::Prosecutor => "prosecutor",
            Role::HeadOfUnit => "head_of_unit",
            Role::Admin => "admin",
        }
    }

    pub fn parse_officer(text: &str) -> Option<Role> {
        match text {
            "investigator" => Some(Role::Investigator),
            "inquirer" => Some(Role::Inquirer),
            "prosecutor" => Some(Role::Prosecutor),
            "head_of_unit" => Some(Role::HeadOfUnit),
            _ => None,
        }
    }

    pub fn is_officer(self) -> bool {
        matches!(
            self,
            Role::Investigator | Role::Inquirer | Role::Prosecutor | Role::HeadOfUnit
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organ {
    pub id: i64,
    pub name: String,
    pub region: String,
    /// Region, district and agency digits of the ERDR numbers this organ registers.
    pub code: Option<String>,
    /// Its official contact (reception phone, e-mail, address); read for the organs' list,
    /// not for a session's appointment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// Every organ, by region and name (for admins, and for choosing where to send a statement).
pub async fn organs(db: &crate::platform::db::Db) -> Result<Vec<Organ>, crate::ApiError> {
    use crate::platform::db::{col_int, col_opt_text, col_text};
    let rows = db
        .query(
            "SELECT id, name, region, code, contact FROM organs ORDER BY region, name",
            &[],
        )
        .await?;
    rows.each(|r| {
        Ok(Organ {
            id: col_int(r, 0)?,
            name: col_text(r, 1)?,
            region: col_text(r, 2)?,
            code: col_opt_text(r, 3),
            contact: col_opt_text(r, 4),
        })
    })
}

/// Someone's officer appointment now (role and organ id), if they hold one: for naming them
/// to a case (lead, supervising prosecutor); what they may do there is `authz`'s.
pub async fn appointment_of(
    db: &crate::platform::db::Db,
    iin: &str,
) -> Result<Option<(Role, i64)>, crate::ApiError> {
    use crate::platform::db::{col_int, col_text, text};
    let Some(row) = db
        .one(
            "SELECT role, organ_id FROM officers WHERE iin = ? AND active = 1",
            &[text(iin)],
        )
        .await?
    else {
        return Ok(None);
    };
    let organ = col_int(&row, 1)?;
    Ok(Role::parse_officer(&col_text(&row, 0)?).map(|role| (role, organ)))
}

/// Officers and admins prove themselves only with EDS: a password would be a weaker door to
/// the data of every case they handle.
pub fn may_use_password(roles: &[Role]) -> bool {
    !roles.iter().any(|r| r.is_officer() || *r == Role::Admin)
}

/// The full name a person's sign-in recorded, if the portal knows them.
pub async fn full_name(
    db: &crate::platform::db::Db,
    iin: &str,
) -> Result<Option<String>, crate::platform::error::ApiError> {
    Ok(db
        .one(
            "SELECT full_name FROM persons WHERE iin = ?",
            &[crate::platform::db::text(iin)],
        )
        .await?
        .and_then(|r| crate::platform::db::col_opt_text(&r, 0)))
}

/// Whether the organ `id` is on the list of organs.
pub async fn organ_exists(
    db: &crate::platform::db::Db,
    id: i64,
) -> Result<bool, crate::platform::error::ApiError> {
    Ok(db
        .one(
            "SELECT 1 FROM organs WHERE id = ?",
            &[crate::platform::db::int(id)],
        )
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_participants_may_use_passwords() {
        assert!(may_use_password(&[Role::Participant]));
        assert!(!may_use_password(&[Role::Participant, Role::Admin]));
        assert!(!may_use_password(&[Role::Investigator]));
        assert!(!may_use_password(&[Role::HeadOfUnit]));
    }

    #[test]
    fn officer_roles_parse() {
        for r in [
            Role::Investigator,
            Role::Inquirer,
            Role::Prosecutor,
            Role::HeadOfUnit,
        ] {
            assert_eq!(Role::parse_officer(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse_officer("admin"), None);
        assert_eq!(Role::parse_officer("participant"), None);
    }
}
