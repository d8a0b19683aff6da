//! Decisions and materials an officer adds to a case, and a decision's proof of service.

use jaria_portal::audit::ReadNote;
use jaria_portal::auth::Principal;
use jaria_portal::authz::{self, Act};
use jaria_portal::case::DecisionType;
use jaria_portal::case::conduct;
use jaria_portal::case::store::{self};
use jaria_portal::case::visibility::party_status;
use jaria_portal::db::Db;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::notify::{self, Notice};
use jaria_portal::{ApiError, audit, clock, documents};
use serde::Deserialize;

use crate::cases::parse_date;
use crate::record;
#[derive(Clone, Copy)]
pub(crate) enum Attachment {
    Decision,
    Material,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDocument {
    title: String,
    filename: String,
    content_base64: String,
    #[serde(default, rename = "type")]
    decision_type: Option<String>,
    #[serde(default)]
    decided_on: Option<String>,
    #[serde(default)]
    concerns_iin: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    /// A material no familiarisation grant opens (a state secret, covert work).
    #[serde(default)]
    restricted: bool,
    /// A material concerning the civil claim: the only ones a civil party's grant opens.
    #[serde(default)]
    civil_claim: bool,
    /// The officer's CMS signature over the document's bytes (detached), as NCALayer or the
    /// page's `.p12` signing makes it: base64 of DER, or PEM.
    #[serde(default)]
    signature: Option<String>,
}

pub(crate) async fn add_document(
    db: &Db,
    me: &Principal,
    erdr: &str,
    req: &jaria_portal::http::Request,
    what: Attachment,
) -> Result<Reply, ApiError> {
    let body: NewDocument = json_body(req)?;
    let title = jaria_portal::text::bounded("title", &body.title, 300)?;
    let (filename, bytes, media_type) =
        documents::from_base64("", &body.filename, &body.content_base64)?;
    let now_time = clock::now();
    let now = clock::rfc3339(now_time);
    // Signed by the officer who sends it, over exactly these bytes: checked before anything
    // is stored.
    let signed = match body.signature.as_deref() {
        Some(cms) => Some(
            jaria_portal::signed::verify(db, "signature", cms, &bytes, &me.iin, now_time).await?,
        ),
        None => None,
    };
    let decision = match what {
        Attachment::Decision => Some(NewDecision::parse(&body)?),
        Attachment::Material => None,
    };
    if decision.is_some() && body.restricted {
        return Err(ApiError::invalid(
            "restricted",
            "not_allowed",
            "A decision reaches whom the law gives it; only a material is restricted.",
        ));
    }
    if decision.is_some() && body.civil_claim {
        return Err(ApiError::invalid(
            "civil_claim",
            "not_allowed",
            "A decision reaches whom the law gives it; only a material is marked as the civil claim's.",
        ));
    }
    let act = match &decision {
        Some(d) if d.kind == DecisionType::SwitchToPaper => Act::SwitchToPaper,
        Some(_) => Act::AddDecision,
        None => Act::AddMaterial,
    };
    let (id, sha) = db
        .transaction(async |db| {
            let mine = authz::officer_case(db, me, erdr, act).await?;
            // No officer decides a matter about themselves, a decision included.
            mine.not_concerning(me, &[decision.as_ref().and_then(|d| d.concerns.as_deref())])?;
            let case = &mine.case;
            let sha = documents::store(db, &bytes, media_type, &now).await?;
            if let Some(signed) = &signed {
                jaria_portal::signed::store_for_document(db, &sha, signed, &now).await?;
            }
            let (id, action) = match &decision {
                Some(NewDecision {
                    kind,
                    decided_on,
                    concerns,
                }) => {
                    let kind = *kind;
                    let new = conduct::NewDecision {
                        kind,
                        concerns_iin: concerns.as_deref(),
                        decided_on,
                        officer_iin: &me.iin,
                        title: &title,
                        document_sha256: &sha,
                        filename: &filename,
                    };
                    let decision_id = conduct::add_decision(db, case, &new, &now).await?;
                    // Everyone who may now see it is told, in the same transaction.
                    let recipients =
                        store::decision_recipients(db, case.id, kind, concerns.as_deref()).await?;
                    notify::send(
                        db,
                        recipients.iter().map(String::as_str),
                        Notice::DecisionAvailable,
                        &now,
                        &serde_json::json!({
                            "erdr_number": case.erdr_number, "decision_id": decision_id,
                            "type": kind.as_str(), "title": title,
                        }),
                    )
                    .await?;
                    (decision_id, "decision_added")
                }
                None => {
                    let kind = body.kind.as_deref().unwrap_or("document").trim().to_owned();
                    let new = conduct::NewMaterial {
                        title: &title,
                        kind: &kind,
                        document_sha256: &sha,
                        filename: &filename,
                        added_by: &me.iin,
                        restricted: body.restricted,
                        civil_claim: body.civil_claim,
                    };
                    (
                        conduct::add_material(db, case, &new, &now).await?,
                        "material_added",
                    )
                }
            };
            record(
                db,
                me,
                action,
                &format!("case:{}", case.erdr_number),
                case,
                serde_json::json!({ "id": id }),
            )
            .await?;
            Ok((id, sha))
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({ "id": id, "sha256": sha, "size": bytes.len(), "media_type": media_type }),
    )
}

/// A decision's own fields, checked before anything is stored.
struct NewDecision {
    kind: DecisionType,
    decided_on: String,
    /// The person a personal decision is about.
    concerns: Option<String>,
}

impl NewDecision {
    fn parse(body: &NewDocument) -> Result<NewDecision, ApiError> {
        let kind = body
            .decision_type
            .as_deref()
            .and_then(DecisionType::parse)
            .ok_or_else(|| {
                ApiError::invalid("type", "invalid_decision_type", "Not a decision type.")
            })?;
        let decided_on = parse_date("decided_on", body.decided_on.as_deref().unwrap_or(""))?;
        let concerns = match (&body.concerns_iin, party_status(kind)) {
            (Some(iin), _) => Some(
                jaria_portal::iin::Iin::parse(iin.trim())
                    .map_err(|e| ApiError::invalid("concerns_iin", "invalid_iin", &e.to_string()))?
                    .as_str()
                    .to_owned(),
            ),
            (None, Some(_)) => {
                return Err(ApiError::invalid(
                    "concerns_iin",
                    "required",
                    "A personal decision must name the person it is about.",
                ));
            }
            (None, None) => None,
        };
        Ok(NewDecision {
            kind,
            decided_on,
            concerns,
        })
    }
}

/// `GET /api/officer/cases/{erdr}/decisions/{id}/service`: proof of service — for each person
/// the decision reaches now, when they first saw it listed and first downloaded it, from the
/// read log (every participant read is logged).
pub(crate) async fn proof_of_service(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let case = authz::officer_case(db, me, erdr, Act::View).await?.case;
        let service = jaria_portal::service::of_decision(db, &case, id).await?;
        Ok((
            service,
            ReadNote::new("service_viewed", format!("decision:{id}"), Some(case.id)),
        ))
    })
    .await?;
    Reply::json(200, &body)
}
