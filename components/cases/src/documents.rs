//! The decisions a participant's status receives and the materials opened to them, with their
//! documents and signatures: each list and download through the same rules
//! ([`jaria_portal::case::view`]) and audited like every read.

use jaria_portal::case::store::{CaseRow, Standing};
use jaria_portal::case::view;
use jaria_portal::http::Reply;
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, case::proof_of_service, http::documents, http::paging};

use crate::case_view::read_case;

pub async fn decisions(req: &jaria_portal::http::Request, erdr: &str) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let (list, next) = read_case(
        req,
        erdr,
        proof_of_service::LISTED,
        async |db, me, case, standing| {
            let (visible, next) = paging::page_of(
                view::visible_decisions(db, me, case, &standing.in_force).await?,
                |d| d.id,
                &page,
            );
            // My earlier reads: the person sees that opening a decision is recorded (proof of
            // service), and this listing is logged with the ids it showed.
            let mut reads = proof_of_service::first_reads_of(db, case.id, &me.iin).await?;
            let ids: Vec<i64> = visible.iter().map(|d| d.id).collect();
            let list: Vec<serde_json::Value> = visible
                .into_iter()
                .map(|d| {
                    let first = reads.remove(&d.id).unwrap_or_default();
                    serde_json::json!({
                        "id": d.id, "type": d.kind, "decided_on": d.decided_on, "title": d.title,
                        "document": { "sha256": d.sha, "filename": d.filename },
                        "signature": d.signature,
                        "amends": view::amends_json(d.amends),
                        "amended_by": view::amended_by_json(&d.amended_by),
                        "my_first_listed_at": first.first_listed_at,
                        "my_first_downloaded_at": first.first_downloaded_at,
                    })
                })
                .collect();
            Ok(((list, next), serde_json::json!({ "decision_ids": ids })))
        },
    )
    .await?;
    Reply::json(
        200,
        &serde_json::json!({ "decisions": list, "next_cursor": next, "service_recorded": true }),
    )
}

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(ApiError::NotFound)
}

/// `GET /api/cases/{erdr}/decisions/{id}/signature`: the deciding officer's CMS over the
/// decision's document (`.p7s`), for whoever may download the document; 404 when unsigned.
pub async fn decision_signature(
    req: &jaria_portal::http::Request,
    erdr: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let id = parse_id(id)?;
    // Logged as its own read: fetching the signature is not opening the decision (service).
    read_case(
        req,
        erdr,
        "decision_signature_downloaded",
        async |db, me, case, standing| {
            let decision = view::visible_decisions(db, me, case, &standing.in_force)
                .await?
                .into_iter()
                .find(|d| d.id == id)
                .ok_or(ApiError::NotFound)?;
            let reply = jaria_portal::identity::signed::document_download(
                db,
                &decision.sha,
                &decision.officer_iin,
                &decision.filename,
            )
            .await?;
            Ok((reply, serde_json::json!({ "decision_id": id })))
        },
    )
    .await
}

/// What a participant downloads from a case, each from the list of what they may see now.
#[derive(Clone, Copy)]
pub enum Listed {
    Decision,
    Material,
}

impl Listed {
    /// The read it is logged as, and the key naming it in the audit row's detail.
    fn audited_as(self) -> (&'static str, &'static str) {
        match self {
            Listed::Decision => (proof_of_service::DOWNLOADED, "decision_id"),
            Listed::Material => ("material_downloaded", "material_id"),
        }
    }

    /// Its (sha256, file name), when `id` is among what the caller may see now.
    async fn visible(
        self,
        db: &Db,
        me: &Principal,
        case: &CaseRow,
        standing: &Standing,
        id: i64,
    ) -> Result<Option<(String, String)>, ApiError> {
        Ok(match self {
            Listed::Decision => view::visible_decisions(db, me, case, &standing.in_force)
                .await?
                .into_iter()
                .find(|d| d.id == id)
                .map(|d| (d.sha, d.filename)),
            // Grants end with the status: someone whose statuses all ended is shown none.
            Listed::Material => view::visible_materials(db, case, &standing.in_force)
                .await?
                .into_iter()
                .find(|m| m.id == id)
                .map(|m| (m.sha, m.filename)),
        })
    }
}

/// `GET …/decisions/{id}/document` and `…/materials/{id}/content`: one document the caller
/// may see (anything else is 404), audited like every read.
pub async fn download(
    req: &jaria_portal::http::Request,
    erdr: &str,
    id: &str,
    what: Listed,
) -> Result<Reply, ApiError> {
    let (action, detail_key) = what.audited_as();
    let id = parse_id(id)?;
    let (doc, sha, filename) = read_case(req, erdr, action, async |db, me, case, standing| {
        let (sha, filename) = what
            .visible(db, me, case, standing, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let doc = documents::load(db, &sha).await?;
        let mut detail = serde_json::Map::new();
        detail.insert(detail_key.to_owned(), id.into());
        Ok(((doc, sha, filename), serde_json::Value::Object(detail)))
    })
    .await?;
    Ok(documents::download(
        &doc,
        &sha,
        &filename,
        auth::header(req, "range"),
        auth::header(req, "if-none-match"),
    ))
}

pub async fn materials(req: &jaria_portal::http::Request, erdr: &str) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let (list, next) = read_case(
        req,
        erdr,
        "materials_listed",
        async |db, _, case, standing| {
            // Grants end with the status: someone whose statuses all ended is shown none.
            let (visible, next) = paging::page_of(
                view::visible_materials(db, case, &standing.in_force).await?,
                |m| m.id,
                &page,
            );
            let list: Vec<serde_json::Value> = visible
                .into_iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id, "title": m.title, "kind": m.kind,
                        "document": { "sha256": m.sha, "filename": m.filename },
                    })
                })
                .collect();
            Ok(((list, next), serde_json::json!({})))
        },
    )
    .await?;
    Reply::json(
        200,
        &serde_json::json!({ "materials": list, "next_cursor": next }),
    )
}
