//! The signed-in person's view of themselves and their sessions.

use jaria_portal::auth::{self, Principal};
use jaria_portal::db::{Db, col_text, int, text};
use jaria_portal::http::Reply;
use jaria_portal::session::{self, Liveness, SessionRecord};
use jaria_portal::{ApiError, clock, storage};

pub fn me(req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let me = auth::authenticate(req)?;
    Reply::json(
        200,
        &serde_json::json!({
            "iin": me.iin,
            "full_name": me.full_name,
            "roles": me.roles,
            "organ": me.organ,
            "session": {
                "id": me.session_id,
                "method": me.method,
                "expires_at": clock::rfc3339(clock::from_unix(me.expires_unix)),
            },
        }),
    )
}

pub fn logout(req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let me = auth::authenticate(req)?;
    let db = Db::open()?;
    auth::end_session(&db, &me.session_id, &me.token_hash, &me.actor(), "sign_out")?;
    let mut reply = Reply::empty(204);
    reply
        .headers
        .push(("set-cookie".into(), session::clear_cookie()));
    Ok(reply)
}

/// My sessions that are still usable: not revoked, not past their lifetime, not idle too long.
pub fn list(req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let me = auth::authenticate(req)?;
    let db = Db::open()?;
    let now = clock::now().timestamp();
    let rows = db.query(
        "SELECT id, token_hash, method, created_at, expires_at, client_addr, user_agent
         FROM sessions WHERE iin = ? AND revoked_at IS NULL AND expires_unix > ?
         ORDER BY created_at DESC LIMIT 100",
        &[text(&me.iin), int(now)],
    )?;
    let store = storage::kv()?;
    let mut sessions = Vec::new();
    for row in &rows.rows {
        let token_hash = col_text(row, 1)?;
        let Some(bytes) = storage::kv_get(&store, &session::kv_key(&token_hash))? else {
            continue;
        };
        let Ok(record) = serde_json::from_slice::<SessionRecord>(&bytes) else {
            continue;
        };
        if record.liveness(now) == Liveness::Expired {
            continue;
        }
        let id = col_text(row, 0)?;
        sessions.push(serde_json::json!({
            "id": id,
            "current": id == me.session_id,
            "method": col_text(row, 2)?,
            "created_at": col_text(row, 3)?,
            "expires_at": col_text(row, 4)?,
            "last_seen_at": clock::rfc3339(clock::from_unix(record.last_seen_unix)),
            "client_addr": col_text(row, 5)?,
            "user_agent": col_text(row, 6)?,
        }));
    }
    Reply::json(200, &serde_json::json!({ "sessions": sessions }))
}

/// Ends one of my sessions; someone else's session is 404, exactly like one that never was.
pub fn revoke(req: &spin_sdk::http::Request, id: &str) -> Result<Reply, ApiError> {
    let me: Principal = auth::authenticate(req)?;
    let db = Db::open()?;
    let row = db
        .one(
            "SELECT token_hash FROM sessions WHERE id = ? AND iin = ? AND revoked_at IS NULL",
            &[text(id), text(&me.iin)],
        )?
        .ok_or(ApiError::NotFound)?;
    let token_hash = col_text(&row, 0)?;
    auth::end_session(&db, id, &token_hash, &me.actor(), "session_revoked")?;
    Ok(Reply::empty(204))
}
