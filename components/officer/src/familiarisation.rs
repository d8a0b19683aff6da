//! Familiarisation with materials: grants given and ended.

use jaria_portal::case::authz::{self, Act};
use jaria_portal::case::conduct;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Principal;
use jaria_portal::notice::notify::Notice;
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, platform::clock};
use serde::Deserialize;

use crate::participants::notify_participant;
use crate::record;
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewGrant {
    scope: serde_json::Value,
    #[serde(default)]
    until: Option<String>,
}

pub(crate) async fn grant(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewGrant = json_body(req)?;
    let (scope_all, ids): (bool, Vec<i64>) = match &body.scope {
        serde_json::Value::String(s) if s == "all" => (true, Vec::new()),
        serde_json::Value::Array(items) if !items.is_empty() => (
            false,
            items
                .iter()
                .map(|v| {
                    v.as_i64().ok_or_else(|| {
                        ApiError::invalid("scope", "invalid_scope", "Material ids are integers.")
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
    let until_unix = body
        .until
        .as_deref()
        .map(|u| {
            chrono::DateTime::parse_from_rfc3339(u)
                .map(|t| t.timestamp())
                .map_err(|_| ApiError::invalid("until", "invalid_time", "Give an RFC 3339 time."))
        })
        .transpose()?;
    if until_unix.is_some_and(|u| u <= clock::now().timestamp()) {
        return Err(ApiError::invalid(
            "until",
            "in_the_past",
            "The grant must end in the future.",
        ));
    }
    db.transaction(async |db| {
        let p =
            authz::officer_participant(db, me, id, Some(erdr), Act::GrantFamiliarisation).await?;
        let (case, id, current) = (&p.case, p.id, &p.state);
        if current != "confirmed" {
            return Err(ApiError::Conflict(
                "Only a confirmed participant can be granted familiarisation.".into(),
            ));
        }
        let civil_claim_only = conduct::civil_claim_only(
            db,
            case.id,
            p.status,
            p.represented_iin.as_deref(),
        )
        .await?;
        for material in &ids {
            match conduct::grantable(db, *material, case.id, civil_claim_only).await? {
                conduct::Grantable::Yes => {}
                conduct::Grantable::NotInCase => {
                    return Err(ApiError::invalid(
                        "scope",
                        "unknown_material",
                        &format!("Material {material} is not in this case."),
                    ));
                }
                conduct::Grantable::Restricted => {
                    return Err(ApiError::invalid(
                        "scope",
                        "restricted_material",
                        &format!("Material {material} is restricted: no grant opens it."),
                    ));
                }
                conduct::Grantable::NotTheClaim => {
                    return Err(ApiError::invalid(
                        "scope",
                        "not_the_civil_claim",
                        &format!(
                            "Material {material} does not concern the civil claim: a civil party is acquainted with those only (arts. 73-74)."
                        ),
                    ));
                }
            }
        }
        let now = clock::rfc3339(clock::now());
        let grant = conduct::NewGrant {
            participant_id: id,
            scope_all,
            material_ids: &ids,
            granted_by: &me.iin,
            until_unix,
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
            serde_json::json!({ "scope_all": scope_all, "material_ids": opened }),
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

pub(crate) async fn revoke_grant(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
) -> Result<Reply, ApiError> {
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
