//! The registry the administrators keep: organs (with their ERDR codes), officers'
//! appointments and the administrators themselves. Plain reads and writes for the caller's
//! transaction; who may change them is the `admin` component's check of the caller's role, and
//! an appointment takes effect at the officer's next request (it is read at every one).

use crate::identity::Role;
use crate::platform::db::{Db, SqlValue, col_int, col_opt_text, col_text, int, opt_text, text};
use crate::platform::error::ApiError;

/// Whether an organ has this name.
pub async fn organ_name_taken(db: &Db, name: &str) -> Result<bool, ApiError> {
    Ok(db
        .one("SELECT 1 FROM organs WHERE name = ?", &[text(name)])
        .await?
        .is_some())
}

/// Whether an organ other than `other_than` has this code (two organs cannot register the
/// same numbers).
pub async fn organ_code_taken(
    db: &Db,
    code: &str,
    other_than: Option<i64>,
) -> Result<bool, ApiError> {
    Ok(db
        .one(
            "SELECT 1 FROM organs WHERE code = ? AND id IS NOT ?",
            &[text(code), other_than.map(int).unwrap_or(SqlValue::Null)],
        )
        .await?
        .is_some())
}

/// An organ as the admin adds it.
pub struct NewOrgan<'a> {
    pub name: &'a str,
    pub region: &'a str,
    pub code: Option<&'a str>,
    /// Its official contact (reception phone, e-mail, address), shown to participants.
    pub contact: Option<&'a str>,
}

/// Adds an organ and returns its id.
pub async fn add_organ(db: &Db, organ: &NewOrgan<'_>, now: &str) -> Result<i64, ApiError> {
    let row = db
        .one(
            "INSERT INTO organs (name, region, code, created_at, contact) VALUES (?, ?, ?, ?, ?)
             RETURNING id",
            &[
                text(organ.name),
                text(organ.region),
                opt_text(organ.code),
                text(now),
                opt_text(organ.contact),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?;
    col_int(&row, 0)
}

/// The territorial prosecutor's office over an organ: the organ whose ERDR code has the same
/// region and district digits and the prosecutor's office's agency digits (`01`), the layout
/// ERDR numbers show. `None` when the organ has no code or no such office is registered.
pub async fn territorial_prosecutors_office(
    db: &Db,
    organ_id: i64,
) -> Result<Option<i64>, ApiError> {
    db.one(
        "SELECT office.id FROM organs organ JOIN organs office
           ON office.code = substr(organ.code, 1, 4) || ?
         WHERE organ.id = ? AND organ.code IS NOT NULL",
        &[text(PROSECUTORS_OFFICE_AGENCY), int(organ_id)],
    )
    .await?
    .map(|row| col_int(&row, 0))
    .transpose()
}

/// The organ that registers ERDR numbers with this code (digits 3 to 8), if any.
pub async fn organ_with_code(db: &Db, code: &str) -> Result<Option<i64>, ApiError> {
    db.one("SELECT id FROM organs WHERE code = ?", &[text(code)])
        .await?
        .map(|row| col_int(&row, 0))
        .transpose()
}

/// The agency digits of a prosecutor's office in an ERDR code.
pub const PROSECUTORS_OFFICE_AGENCY: &str = "01";

/// The organ's code (`None`: it has none yet); 404 when there is no such organ.
pub async fn organ_code(db: &Db, id: i64) -> Result<Option<String>, ApiError> {
    let row = db
        .one("SELECT code FROM organs WHERE id = ?", &[int(id)])
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(col_opt_text(&row, 0))
}

/// Sets the organ's code.
/// Sets an organ's official contact.
pub async fn set_organ_contact(db: &Db, id: i64, contact: &str) -> Result<(), ApiError> {
    db.exec(
        "UPDATE organs SET contact = ? WHERE id = ?",
        &[text(contact), int(id)],
    )
    .await
}

pub async fn set_organ_code(db: &Db, id: i64, code: &str) -> Result<(), ApiError> {
    db.exec(
        "UPDATE organs SET code = ? WHERE id = ?",
        &[text(code), int(id)],
    )
    .await
}

/// Every officer ever appointed, by name, with their organ and whether they serve now.
pub async fn officers(db: &Db) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = db
        .query(
            "SELECT o.iin, o.full_name, o.role, o.organ_id, g.name, o.active
             FROM officers o JOIN organs g ON g.id = o.organ_id ORDER BY o.full_name",
            &[],
        )
        .await?;
    rows.each(|r| {
        Ok(serde_json::json!({
            "iin": col_text(r, 0)?, "full_name": col_text(r, 1)?, "role": col_text(r, 2)?,
            "organ": { "id": col_int(r, 3)?, "name": col_text(r, 4)? },
            "active": col_int(r, 5)? == 1,
        }))
    })
}

/// An appointment as an administrator makes it.
pub struct Appointment<'a> {
    pub iin: &'a str,
    pub full_name: &'a str,
    pub role: Role,
    pub organ_id: i64,
    pub appointed_by: &'a str,
}

/// Appoints (or re-appoints, moves) an officer and returns what they were before (role,
/// organ, active), if anything.
pub async fn appoint(
    db: &Db,
    appointment: &Appointment<'_>,
    now: &str,
) -> Result<Option<serde_json::Value>, ApiError> {
    let previous = db
        .one(
            "SELECT role, organ_id, active FROM officers WHERE iin = ?",
            &[text(appointment.iin)],
        )
        .await?;
    db.exec(
        "INSERT INTO officers (iin, full_name, role, organ_id, active, created_at, created_by)
         VALUES (?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (iin) DO UPDATE SET full_name = excluded.full_name, role = excluded.role,
             organ_id = excluded.organ_id, active = 1",
        &[
            text(appointment.iin),
            text(appointment.full_name),
            text(appointment.role.as_str()),
            int(appointment.organ_id),
            text(now),
            text(appointment.appointed_by),
        ],
    )
    .await?;
    previous
        .map(|r| {
            Ok(serde_json::json!({
                "role": col_text(&r, 0)?, "organ_id": col_int(&r, 1)?,
                "active": col_int(&r, 2)? == 1,
            }))
        })
        .transpose()
}

/// Ends the officer's appointment; `false` when they serve in none.
pub async fn dismiss(db: &Db, iin: &str) -> Result<bool, ApiError> {
    Ok(db
        .one(
            "UPDATE officers SET active = 0 WHERE iin = ? AND active = 1 RETURNING iin",
            &[text(iin)],
        )
        .await?
        .is_some())
}

/// Makes `iin` an administrator (again is harmless).
pub async fn add_admin(db: &Db, iin: &str, added_by: &str, now: &str) -> Result<(), ApiError> {
    db.exec(
        "INSERT INTO admins (iin, created_at, created_by) VALUES (?, ?, ?)
         ON CONFLICT (iin) DO NOTHING",
        &[text(iin), text(now), text(added_by)],
    )
    .await
}
