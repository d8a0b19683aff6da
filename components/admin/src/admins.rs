//! Admins: added by an admin, never by themselves.

use crate::admin::{parse_iin, record_about_person};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::identity::registry;
use jaria_portal::{ApiError, platform::clock};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAdmin {
    iin: String,
}

pub(crate) async fn add_admin(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: NewAdmin = json_body(req)?;
    let iin = parse_iin("iin", &body.iin)?;
    db.transaction(async |db| {
        registry::add_admin(db, iin.as_str(), &me.iin, &clock::rfc3339(clock::now())).await?;
        record_about_person(db, me, "admin_added", &iin, serde_json::json!({})).await
    })
    .await?;
    Reply::json(201, &serde_json::json!({ "iin": iin.as_str() }))
}
