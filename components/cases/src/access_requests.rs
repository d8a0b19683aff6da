//! Asking an officer to confirm a procedural status in a case.

use jaria_portal::auth;
use jaria_portal::case::{ErdrNumber, ProceduralStatus};
use jaria_portal::db::{Db, SqlValue, col_int, col_opt_text, col_text, int, opt_text, text};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::iin::Iin;
use jaria_portal::{ApiError, audit, clock, limits, participants};
use serde::Deserialize;

/// An officer answers an access request within three days (our reading; CPC art. 99 sets
/// three days for petitions, the closest rule).
const DECISION_DAYS: i64 = 3;

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
        &holder,
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
    let (id, state) = db.transaction(async |db| {
        // The case may not exist: the request is kept all the same (no existence leak).
        let case_id = db
            .one("SELECT id FROM cases WHERE erdr_number = ?", &[text(erdr.as_str())]).await?
            .map(|r| col_int(&r, 0))
            .transpose()?;
        let live = db.one(
            "SELECT id, state FROM case_participants WHERE erdr_number = ? AND person_iin = ? AND status = ?
             AND ifnull(represented_iin, '') = ? AND state IN ('requested', 'confirmed')",
            &[
                text(erdr.as_str()),
                text(&me.iin),
                text(status.as_str()),
                text(represented.as_ref().map(|r| r.as_str()).unwrap_or("")),
            ],
        ).await?;
        match live {
            // The officer already recorded this status: the record confirms the request, and
            // nothing is queued.
            Some(row) if col_text(&row, 1)? == "confirmed" => {
                return Ok((col_int(&row, 0)?, "confirmed"));
            }
            Some(_) => {
                return Err(ApiError::Conflict(
                    "You already asked for this status in this case.".into(),
                ));
            }
            None => {}
        }
        limits::pending_access_requests(db, &me.iin).await?;
        let row = db
            .one(
                "INSERT INTO case_participants (erdr_number, case_id, person_iin, status, represented_iin,
                     basis, state, requested_at, due_unix)
                 VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?) RETURNING id",
                &[
                    text(erdr.as_str()),
                    case_id.map(int).unwrap_or(SqlValue::Null),
                    text(&me.iin),
                    text(status.as_str()),
                    opt_text(represented.as_ref().map(|r| r.as_str())),
                    text(&basis),
                    text(clock::rfc3339(now)),
                    int(now.timestamp() + DECISION_DAYS * 86_400),
                ],
            ).await?
            .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?;
        let id = col_int(&row, 0)?;
        audit::record_for_case(
            db,
            &me.actor(),
            "access_requested",
            &format!("participant:{id}"),
            case_id,
            serde_json::json!({ "status": status.as_str() }),
        ).await?;
        Ok((id, "requested"))
    }).await?;
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
    let page = jaria_portal::paging::parse(req.query())?;
    let rows = db.query(
        "SELECT id, erdr_number, status, represented_iin, state, requested_at, decided_at, reason
         FROM case_participants WHERE person_iin = ? AND id < ? ORDER BY id DESC LIMIT ?",
        &[
            text(&me.iin),
            int(page.before_id.unwrap_or(i64::MAX)),
            int(page.limit),
        ],
    ).await?;
    let ids: Vec<i64> = rows.rows.iter().filter_map(|r| r.get::<i64>(0)).collect();
    let requests = rows
        .rows
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "id": col_int(r, 0)?, "erdr_number": col_text(r, 1)?,
                "procedural_status": col_text(r, 2)?, "represented_iin": col_opt_text(r, 3),
                "state": col_text(r, 4)?, "requested_at": col_text(r, 5)?,
                "decided_at": col_opt_text(r, 6), "reason": col_opt_text(r, 7),
            }))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Reply::json(
        200,
        &serde_json::json!({
            "access_requests": requests,
            "next_cursor": jaria_portal::paging::next_cursor(&page, &ids),
        }),
    )
}
