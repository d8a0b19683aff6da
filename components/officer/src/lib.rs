//! `officer` — the officers' side of a case: register it, change its stage, add decisions and
//! materials, answer status requests, record and end participants, grant familiarisation,
//! answer filings. Administration is the `admin` component. Who may do which of these is
//! `authz`'s one table: each handler names its `Act` and gets the case only through
//! `authz::officer_case` (to every officer without a relation to it, the case does not exist:
//! 404). One module per resource; the route table below answers 405 itself.

mod answers;
mod cases;
mod documents;
mod familiarisation;
mod filings;
mod participants;
mod queue;

use jaria_portal::ApiError;
use jaria_portal::audit::{self, ReadNote};
use jaria_portal::case::authz;
use jaria_portal::case::store::CaseRow;
use jaria_portal::filing::signature;
use jaria_portal::http::{Method, Reply};
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::platform::db::Db;

#[spin_sdk::http_service]
async fn handle(req: spin_sdk::http::Request) -> jaria_portal::http::respond::Response {
    jaria_portal::component::serve("officer", req, body_limit, route).await
}

/// Officers' documents travel as base64 in JSON; the CA's revocation lists are large.
fn body_limit(method: Method, path: &str) -> usize {
    use jaria_portal::http::body;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::Post, ["cases", _, "decisions" | "materials"] | ["filings", _, "decision"]) => {
            body::DOCUMENT_JSON_LIMIT
        }
        _ => body::default_limit(method),
    }
}

async fn route(
    req: &jaria_portal::http::Request,
    method: Method,
    path: &str,
) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let allow = |allowed: &'static str| Err(ApiError::MethodNotAllowed { allow: allowed });
    Some(match (method, segments.as_slice()) {
        (Method::Get, ["queue"]) => {
            with_officer(req, async |db, me| {
                audit::audited_read(db, &me.actor(), async |db| {
                    let note = ReadNote::new("queue_viewed", format!("person:{}", me.iin), None);
                    Ok((queue::queue(db, me).await?, note))
                })
                .await
            })
            .await
        }
        (_, ["queue"]) => allow("GET"),
        (Method::Get, ["cases"]) => {
            with_officer(req, async |db, me| {
                audit::audited_read(db, &me.actor(), async |db| {
                    let note = ReadNote::new("cases_listed", format!("person:{}", me.iin), None);
                    Ok((cases::my_cases(db, me, req).await?, note))
                })
                .await
            })
            .await
        }
        (Method::Post, ["cases"]) => {
            with_officer(req, async |db, me| cases::register_case(db, me, req).await).await
        }
        (_, ["cases"]) => allow("GET, POST"),
        (Method::Get, ["cases", erdr]) => {
            with_officer(req, async |db, me| cases::case_card(db, me, erdr).await).await
        }
        (Method::Patch, ["cases", erdr]) => {
            with_officer(req, async |db, me| {
                cases::update_case(db, me, erdr, req).await
            })
            .await
        }
        (_, ["cases", _]) => allow("GET, PATCH"),
        (Method::Post, ["cases", erdr, "decisions"]) => {
            with_officer(req, async |db, me| {
                documents::add_document(db, me, erdr, req, documents::Attachment::Decision).await
            })
            .await
        }
        (Method::Post, ["cases", erdr, "materials"]) => {
            with_officer(req, async |db, me| {
                documents::add_document(db, me, erdr, req, documents::Attachment::Material).await
            })
            .await
        }
        (_, ["cases", _, "decisions" | "materials"]) => allow("POST"),
        (Method::Post, ["access-requests", id, "decision"]) => {
            with_officer(req, async |db, me| {
                participants::decide_request(db, me, id, req).await
            })
            .await
        }
        (_, ["access-requests", _, "decision"]) => allow("POST"),
        (Method::Get, ["filings"]) => {
            with_officer(req, async |db, me| {
                crate::filings::queue(db, me, req.query()).await
            })
            .await
        }
        (_, ["filings"]) => allow("GET"),
        (Method::Get, ["filings", id]) => {
            with_officer(req, async |db, me| crate::filings::view(db, me, id).await).await
        }
        (_, ["filings", _]) => allow("GET"),
        (Method::Get, ["filings", id, "documents", sha]) => {
            with_officer(req, async |db, me| {
                crate::filings::document(db, me, req, id, sha).await
            })
            .await
        }
        (_, ["filings", _, "documents", _]) => allow("GET"),
        (Method::Get, ["filings", id, "signature"]) => {
            with_officer(req, async |db, me| {
                crate::filings::signed_part(db, me, id, signature::Part::Cms).await
            })
            .await
        }
        (_, ["filings", _, "signature"]) => allow("GET"),
        (Method::Get, ["filings", id, "signed-content"]) => {
            with_officer(req, async |db, me| {
                crate::filings::signed_part(db, me, id, signature::Part::Content).await
            })
            .await
        }
        (_, ["filings", _, "signed-content"]) => allow("GET"),
        (Method::Post, ["filings", id, "review"]) => {
            with_officer(req, async |db, me| crate::answers::review(db, me, id).await).await
        }
        (_, ["filings", _, "review"]) => allow("POST"),
        (Method::Post, ["filings", id, "extension"]) => {
            with_officer(req, async |db, me| {
                crate::answers::extend(db, me, id, req).await
            })
            .await
        }
        (_, ["filings", _, "extension"]) => allow("POST"),
        (Method::Post, ["filings", id, "decision"]) => {
            with_officer(req, async |db, me| {
                crate::answers::decide(db, me, id, req).await
            })
            .await
        }
        (_, ["filings", _, "decision"]) => allow("POST"),
        (Method::Post, ["filings", id, "court"]) => {
            with_officer(req, async |db, me| {
                crate::answers::court(db, me, id, req).await
            })
            .await
        }
        (_, ["filings", _, "court"]) => allow("POST"),
        (Method::Post, ["cases", erdr, "participants"]) => {
            with_officer(req, async |db, me| {
                participants::record_participant(db, me, erdr, req).await
            })
            .await
        }
        (_, ["cases", _, "participants"]) => allow("POST"),
        (Method::Delete, ["cases", erdr, "participants", id]) => {
            with_officer(req, async |db, me| {
                participants::revoke_status(db, me, erdr, id).await
            })
            .await
        }
        (_, ["cases", _, "participants", _]) => allow("DELETE"),
        (Method::Post, ["cases", erdr, "participants", id, "end"]) => {
            with_officer(req, async |db, me| {
                participants::end_status(db, me, erdr, id, req).await
            })
            .await
        }
        (_, ["cases", _, "participants", _, "end"]) => allow("POST"),
        (Method::Get, ["cases", erdr, "decisions", id, "service"]) => {
            with_officer(req, async |db, me| {
                documents::proof_of_service(db, me, erdr, id).await
            })
            .await
        }
        (_, ["cases", _, "decisions", _, "service"]) => allow("GET"),
        (Method::Get, ["forwardings"]) => with_officer(req, crate::filings::forwardings).await,
        (_, ["forwardings"]) => allow("GET"),
        (Method::Put, ["cases", erdr, "participants", id, "familiarisation"]) => {
            with_officer(req, async |db, me| {
                familiarisation::grant(db, me, erdr, id, req).await
            })
            .await
        }
        (Method::Delete, ["cases", erdr, "participants", id, "familiarisation"]) => {
            with_officer(req, async |db, me| {
                familiarisation::revoke_grant(db, me, erdr, id).await
            })
            .await
        }
        (_, ["cases", _, "participants", _, "familiarisation"]) => allow("PUT, DELETE"),
        _ => return None,
    })
}

/// Signed in as an officer (admins and participants see no case content: 403).
async fn with_officer(
    req: &jaria_portal::http::Request,
    run: impl AsyncFnOnce(&Db, &Principal) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    authz::appointed(&me)?;
    run(&db, &me).await
}

async fn record(
    db: &Db,
    me: &Principal,
    action: &str,
    subject: &str,
    case: &CaseRow,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    audit::record_for_case(db, &me.actor(), action, subject, Some(case.id), detail).await
}

fn case_json(case: &CaseRow) -> serde_json::Value {
    serde_json::json!({
        "erdr_number": case.erdr_number, "registered_on": case.registered_on,
        "organ": { "id": case.organ_id, "name": case.organ_name },
        "lead_officer_iin": case.lead_officer_iin, "prosecutor_iin": case.prosecutor_iin,
        "articles": case.articles, "stage": case.stage, "updated_at": case.updated_at,
        "paper_since": case.paper_since,
    })
}
