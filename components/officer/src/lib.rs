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
mod routes;

use jaria_portal::ApiError;
use jaria_portal::audit::{self};
use jaria_portal::case::authz;
use jaria_portal::case::store::CaseRow;
use jaria_portal::http::{Method, Reply, Request};
use jaria_portal::identity::auth::{self, Desk, Principal};
use jaria_portal::platform::db::Db;

jaria_portal::entry!("officer", routes::route, body_limit);

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

/// Signed in as an officer (admins and participants see no case content: 403).
async fn with_officer(
    req: &Request,
    run: impl AsyncFnOnce(Desk<'_>) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    authz::appointed(&me)?;
    run(Desk {
        db: &db,
        me: &me,
        req,
    })
    .await
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
