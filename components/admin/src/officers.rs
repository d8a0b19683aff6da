//! Officers' appointments: who serves where, as what, from when; and their end.

use crate::admin::{audited_list, parse_iin, record_about_person};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::Role;
use jaria_portal::identity::auth::Desk;
use jaria_portal::identity::registry;
use jaria_portal::law::iin::Iin;
use jaria_portal::{ApiError, case::authz, platform::clock};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOfficer {
    iin: String,
    full_name: String,
    role: String,
    organ_id: i64,
}

pub(crate) async fn list_officers(desk: Desk<'_>) -> Result<Reply, ApiError> {
    audited_list(desk, "officers_listed", async |db| {
        let officers = registry::officers(db).await?;
        Ok(serde_json::json!({ "officers": officers }))
    })
    .await
}

/// Appoints (or re-appoints, moves) an officer. Their authority follows the appointment at
/// once, in sessions already open too: it is read at every request.
pub(crate) async fn appoint_officer(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: NewOfficer = json_body(req)?;
    let iin = parse_iin("iin", &body.iin)?;
    // An admin's power over appointments is not a way to powers over cases for themselves.
    authz::refuse_self_dealing(me, &[Some(iin.as_str())])?;
    let full_name = jaria_portal::http::text::bounded("full_name", &body.full_name, 200)?;
    let role = Role::parse_officer(&body.role).ok_or_else(|| {
        ApiError::invalid(
            "role",
            "invalid_role",
            "One of investigator, inquirer, prosecutor, head_of_unit.",
        )
    })?;
    if !jaria_portal::identity::organ_exists(db, body.organ_id).await? {
        return Err(ApiError::invalid(
            "organ_id",
            "unknown_organ",
            "No organ has this id.",
        ));
    }
    db.transaction(async |db| {
        let appointment = registry::Appointment {
            iin: iin.as_str(),
            full_name: &full_name,
            role,
            organ_id: body.organ_id,
            appointed_by: &me.iin,
        };
        let previous = registry::appoint(db, &appointment, &clock::rfc3339(clock::now())).await?;
        let detail = serde_json::json!({
            "role": role.as_str(), "organ_id": body.organ_id, "previous": previous,
        });
        record_about_person(db, me, "officer_appointed", &iin, detail).await
    })
    .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "iin": iin.as_str(), "full_name": full_name, "role": role, "organ_id": body.organ_id,
            "active": true,
        }),
    )
}

/// Ends an appointment: from the next request on, no session of theirs acts as an officer.
pub(crate) async fn dismiss_officer(desk: Desk<'_>, iin: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    let iin = Iin::parse(iin).map_err(|_| ApiError::NotFound)?;
    db.transaction(async |db| {
        if !registry::dismiss(db, iin.as_str()).await? {
            return Err(ApiError::NotFound);
        }
        record_about_person(db, me, "officer_dismissed", &iin, serde_json::json!({})).await
    })
    .await?;
    Ok(Reply::empty(204))
}
