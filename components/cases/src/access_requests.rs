//! Asking an officer to confirm a procedural status in a case.

use jaria_portal::case::ErdrNumber;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth;
use jaria_portal::law::ProceduralStatus;
use jaria_portal::law::iin::Iin;
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, case::participants, platform::clock};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRequest {
    erdr_number: String,
    procedural_status: String,
    #[serde(default)]
    represented_iin: Option<String>,
    #[serde(default)]
    basis: Option<String>,
}

pub async fn create(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let body: NewRequest = json_body(req)?;
    let erdr = ErdrNumber::parse(body.erdr_number.trim())
        .map_err(|e| ApiError::invalid("erdr_number", "invalid_erdr_number", &e.to_string()))?;
    let holder =
        Iin::parse(&me.iin).map_err(|e| ApiError::Internal(format!("session IIN: {e}")))?;
    let (status, represented) = participants::status_and_principal(
        &body.procedural_status,
        body.represented_iin.as_deref(),
        &jaria_portal::law::party::Party::person(&holder),
    )?;
    let basis: String = body.basis.unwrap_or_default().trim().to_owned();
    if basis.chars().count() > 500 {
        return Err(ApiError::invalid(
            "basis",
            "too_long",
            "At most 500 characters.",
        ));
    }
    if status == ProceduralStatus::Defender && basis.is_empty() {
        return Err(ApiError::invalid(
            "basis",
            "required",
            "A defender gives the warrant or order number.",
        ));
    }
    let now = clock::now();
    let request = participants::StatusRequest {
        erdr: &erdr,
        status,
        represented: represented.as_ref(),
        basis: &basis,
    };
    let (id, state) = db
        .transaction(async |db| participants::request_status(db, &me, &request, now).await)
        .await?;
    // 200 when an officer's record already confirms it, 202 when it waits for an officer.
    Reply::json(
        if state == "confirmed" { 200 } else { 202 },
        &serde_json::json!({
            "id": id, "erdr_number": erdr.as_str(), "procedural_status": status,
            "represented_iin": represented.map(|r| r.as_str().to_owned()), "state": state,
        }),
    )
}

pub async fn list(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let page = jaria_portal::http::paging::parse(req.query())?;
    let (requests, ids) =
        participants::requests_of(&db, &me.iin, page.before_id.unwrap_or(i64::MAX), page.limit)
            .await?;
    Reply::json(
        200,
        &serde_json::json!({
            "access_requests": requests,
            "next_cursor": jaria_portal::http::paging::next_cursor(&page, &ids),
        }),
    )
}
