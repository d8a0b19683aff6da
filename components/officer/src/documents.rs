//! Decisions and materials an officer adds to a case, and a decision's proof of service.

use jaria_portal::audit::ReadNote;
use jaria_portal::case::authz::{self, Act};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::{ApiError, audit, http::documents, platform::clock};

use crate::record;
use jaria_portal::case::decision::{self, DecisionRequest, NewDocument, StoredDocument};
#[derive(Clone, Copy)]
pub(crate) enum Attachment {
    Decision,
    Material,
}

pub(crate) async fn add_document(
    desk: Desk<'_>,
    erdr: &str,
    what: Attachment,
) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: NewDocument = json_body(req)?;
    let title = jaria_portal::http::text::bounded("title", &body.title, 300)?;
    let (filename, bytes, media_type) =
        documents::from_base64("", &body.filename, &body.content_base64)?;
    let now_time = clock::now();
    let now = clock::rfc3339(now_time);
    // Signed by the officer who sends it, over exactly these bytes: checked before anything
    // is stored.
    let signed = match body.signature.as_deref() {
        Some(cms) => Some(
            jaria_portal::identity::signed::verify(db, "signature", cms, &bytes, &me.iin, now_time)
                .await?,
        ),
        None => None,
    };
    let decision = match what {
        Attachment::Decision => Some(DecisionRequest::parse(&body)?),
        Attachment::Material => None,
    };
    let act = decision
        .as_ref()
        .map_or(Act::AddMaterial, DecisionRequest::act);
    let (id, sha) = db
        .transaction(async |db| {
            let mine = authz::officer_case(db, me, erdr, act).await?;
            let stored = StoredDocument {
                title: &title,
                filename: &filename,
                sha: documents::store(db, &bytes, media_type, &now).await?,
                now: &now,
            };
            if let Some(signed) = &signed {
                jaria_portal::identity::signed::store_for_document(db, &stored.sha, signed, &now)
                    .await?;
            }
            let (id, action, detail) = match &decision {
                Some(decision) => decision::add_decision(db, me, &mine, decision, &stored).await?,
                None => decision::add_material(db, me, &mine.case, &body, &stored).await?,
            };
            let case = &mine.case;
            let subject = format!("case:{}", case.erdr_number);
            record(db, me, action, &subject, case, detail).await?;
            Ok((id, stored.sha))
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({ "id": id, "sha256": sha, "size": bytes.len(), "media_type": media_type }),
    )
}

/// `GET /api/officer/cases/{erdr}/decisions/{id}/service`: proof of service — for each person
/// the decision reaches now, when they first saw it listed and first downloaded it, from the
/// read log (every participant read is logged).
pub(crate) async fn proof_of_service(
    desk: Desk<'_>,
    erdr: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let case = authz::officer_case(db, me, erdr, Act::View).await?.case;
        let service = jaria_portal::case::proof_of_service::of_decision(db, &case, id).await?;
        Ok((
            service,
            ReadNote::new("service_viewed", format!("decision:{id}"), Some(case.id)),
        ))
    })
    .await?;
    Reply::json(200, &body)
}
