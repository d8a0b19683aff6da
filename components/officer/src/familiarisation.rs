//! Familiarisation with materials: grants given and ended.

use jaria_portal::case::authz::{self, Act};
use jaria_portal::case::conduct;
use jaria_portal::case::grant::{GrantRequest, GrantScope};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::notice::notify::Notice;
use jaria_portal::{ApiError, platform::clock};
use serde::Deserialize;

use crate::record;
use jaria_portal::case::status_request::notify_participant;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewGrant {
    scope: serde_json::Value,
    #[serde(default)]
    until: Option<String>,
}

pub(crate) async fn grant(desk: Desk<'_>, erdr: &str, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: NewGrant = json_body(req)?;
    let asked = GrantRequest::parse(&body.scope, body.until.as_deref(), clock::now().timestamp())?;
    db.transaction(async |db| {
        let p =
            authz::officer_participant(db, me, id, Some(erdr), Act::GrantFamiliarisation).await?;
        let (case, id, current) = (&p.case, p.id, &p.state);
        if current != "confirmed" {
            return Err(ApiError::Conflict(
                "Only a confirmed participant can be granted familiarisation.".into(),
            ));
        }
        let civil_claim_only =
            conduct::civil_claim_only(db, case.id, p.status, p.represented_iin.as_deref()).await?;
        for &material in asked.named_materials() {
            conduct::grantable(db, material, case.id, civil_claim_only)
                .await?
                .check(material)?;
        }
        let now = clock::rfc3339(clock::now());
        let grant = conduct::NewGrant {
            participant_id: id,
            scope_all: asked.scope == GrantScope::All,
            material_ids: asked.named_materials(),
            granted_by: &me.iin,
            until_unix: asked.until_unix,
            civil_claim_only,
        };
        // What "all" opened is the list taken now: the audit keeps it.
        let opened = conduct::grant(db, &grant, &now).await?;
        record(
            db,
            me,
            "familiarisation_granted",
            &format!("participant:{id}"),
            case,
            serde_json::json!({ "scope_all": grant.scope_all, "material_ids": opened }),
        )
        .await?;
        notify_participant(
            db,
            &p,
            Notice::FamiliarisationGranted,
            serde_json::json!({ "until": body.until }),
        )
        .await
    })
    .await?;
    Reply::json(
        200,
        &serde_json::json!({ "participant_id": id, "scope": body.scope, "until": body.until }),
    )
}

pub(crate) async fn revoke_grant(desk: Desk<'_>, erdr: &str, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    db.transaction(async |db| {
        let p = authz::officer_participant(db, me, id, Some(erdr), Act::EndFamiliarisation).await?;
        let (case, id) = (&p.case, p.id);
        if !conduct::end_grant(db, id, &clock::rfc3339(clock::now())).await? {
            return Err(ApiError::NotFound);
        }
        record(
            db,
            me,
            "familiarisation_revoked",
            &format!("participant:{id}"),
            case,
            serde_json::json!({}),
        )
        .await?;
        notify_participant(
            db,
            &p,
            Notice::FamiliarisationRevoked,
            serde_json::json!({}),
        )
        .await
    })
    .await?;
    Ok(Reply::empty(204))
}
