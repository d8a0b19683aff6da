//! Organs: their names, ERDR codes and official contacts.

use crate::admin::audited_list;
use jaria_portal::audit::{self};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::identity::registry;
use jaria_portal::{ApiError, platform::clock};
use serde::Deserialize;

/// An organ's ERDR code: six digits (region, district, agency).
fn parse_code(value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid(
            "code",
            "invalid_code",
            "An organ's code is the six digits (region, district, agency) of its ERDR numbers.",
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgan {
    name: String,
    region: String,
    #[serde(default)]
    code: Option<String>,
    /// The official contact participants see (reception phone, e-mail, address).
    #[serde(default)]
    contact: Option<String>,
}

/// An organ's official contact: one line, at most 300 characters.
fn parse_contact(text: &str) -> Result<String, ApiError> {
    jaria_portal::http::text::single_line("contact", text, 300)
}

pub(crate) async fn list_organs(desk: Desk<'_>) -> Result<Reply, ApiError> {
    audited_list(desk, "organs_listed", async |db| {
        Ok(serde_json::json!({ "organs": jaria_portal::identity::organs(db).await? }))
    })
    .await
}

pub(crate) async fn create_organ(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: NewOrgan = json_body(req)?;
    let name = jaria_portal::http::text::bounded("name", &body.name, 200)?;
    let region = jaria_portal::http::text::bounded("region", &body.region, 100)?;
    let code = body.code.as_deref().map(parse_code).transpose()?;
    let contact = body.contact.as_deref().map(parse_contact).transpose()?;
    let id = db
        .transaction(async |db| {
            if registry::organ_name_taken(db, &name).await? {
                return Err(ApiError::Conflict("An organ with this name exists.".into()));
            }
            if let Some(code) = &code
                && registry::organ_code_taken(db, code, None).await?
            {
                return Err(ApiError::Conflict("Another organ has this code.".into()));
            }
            let organ = registry::NewOrgan {
                name: &name,
                region: &region,
                code: code.as_deref(),
                contact: contact.as_deref(),
            };
            let id = registry::add_organ(db, &organ, &clock::rfc3339(clock::now())).await?;
            audit::record(
                db,
                &me.actor(),
                "organ_created",
                &format!("organ:{id}"),
                serde_json::json!({ "name": name, "region": region, "code": code, "contact": contact }),
            )
            .await?;
            Ok(id)
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "id": id, "name": name, "region": region, "code": code, "contact": contact,
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganChange {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    contact: Option<String>,
}

/// Sets an organ's ERDR code (organs made before codes existed have none) and/or its official
/// contact.
pub(crate) async fn update_organ(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let body: OrganChange = json_body(req)?;
    let code = body.code.as_deref().map(parse_code).transpose()?;
    let contact = body.contact.as_deref().map(parse_contact).transpose()?;
    if code.is_none() && contact.is_none() {
        return Err(ApiError::invalid(
            "code",
            "required",
            "Give the organ's code or its official contact.",
        ));
    }
    let organ = db
        .transaction(async |db| {
            let previous = registry::organ_code(db, id).await?;
            if let Some(code) = &code {
                if registry::organ_code_taken(db, code, Some(id)).await? {
                    return Err(ApiError::Conflict("Another organ has this code.".into()));
                }
                registry::set_organ_code(db, id, code).await?;
            }
            if let Some(contact) = &contact {
                registry::set_organ_contact(db, id, contact).await?;
            }
            audit::record(
                db,
                &me.actor(),
                "organ_updated",
                &format!("organ:{id}"),
                serde_json::json!({ "code": code, "previous_code": previous, "contact": contact }),
            )
            .await?;
            jaria_portal::identity::organs(db)
                .await?
                .into_iter()
                .find(|o| o.id == id)
                .ok_or_else(|| ApiError::Internal("organ vanished".into()))
        })
        .await?;
    Reply::json(200, &organ)
}
