//! Admins: added by an admin, never by themselves.

use crate::admin::parse_iin;
use jaria_portal::audit::{self};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Principal;
use jaria_portal::identity::registry;
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, platform::clock};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAdmin {
    iin: String,
}

pub(crate) async fn add_admin(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewAdmin = json_body(req)?;
    let iin = parse_iin("iin", &body.iin)?;
    db.transaction(async |db| {
        registry::add_admin(db, iin.as_str(), &me.iin, &clock::rfc3339(clock::now())).await?;
        audit::record(
            db,
            &me.actor(),
            "admin_added",
            &format!("person:{}", iin.as_str()),
            serde_json::json!({}),
        )
        .await
    })
    .await?;
    Reply::json(201, &serde_json::json!({ "iin": iin.as_str() }))
}
