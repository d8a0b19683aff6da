//! The signed-in person's view of themselves and their sessions.

use jaria_portal::auth::{self, Principal};
use jaria_portal::db::{Db, col_int, col_text, int, text};
use jaria_portal::http::Reply;
use jaria_portal::session::{Liveness, SessionRow};
use jaria_portal::{ApiError, clock, session};

pub async fn me(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    Reply::json(
        200,
        &serde_json::json!({
            "iin": me.iin,
            "full_name": me.full_name,
            "roles": me.roles,
            "organ": me.organ,
            // An NCA organisation key speaks for its organisation (BIN, name, the holder's
            // role there); a person's own key and a password session for the person alone.
            "organisation": me.organisation,
            "session": {
                "id": me.session_id,
                "method": me.method,
                "expires_at": clock::rfc3339(clock::from_unix(me.expires_unix)),
            },
        }),
    )
}

pub async fn logout(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    auth::end_session(&db, &me.session_id, &me.actor(), "sign_out").await?;
    let mut reply = Reply::empty(204);
    reply
        .headers
        .push(("set-cookie".into(), session::clear_cookie()));
    Ok(reply)
}

/// My sessions that are still usable: not revoked, not past their lifetime, not idle too long.
pub async fn list(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let now = clock::now().timestamp();
    let rows = db
        .query(
            "SELECT id, method, created_at, expires_at, client_addr, user_agent, created_unix,
                last_seen_unix, expires_unix, idle_timeout_secs
         FROM sessions WHERE iin = ? AND revoked_at IS NULL AND expires_unix > ?
         ORDER BY created_unix DESC LIMIT 100",
            &[text(&me.iin), int(now)],
        )
        .await?;
    let mut sessions = Vec::new();
    for row in &rows.rows {
        let id = col_text(row, 0)?;
        let liveness = SessionRow {
            id: id.clone(),
            created_unix: col_int(row, 6)?,
            last_seen_unix: col_int(row, 7)?,
            expires_unix: col_int(row, 8)?,
            idle_timeout_secs: col_int(row, 9)?,
        }
        .liveness(now);
        if liveness == Liveness::Expired {
            continue;
        }
        sessions.push(serde_json::json!({
            "id": id,
            "current": id == me.session_id,
            "method": col_text(row, 1)?,
            "created_at": col_text(row, 2)?,
            "expires_at": col_text(row, 3)?,
            "last_seen_at": clock::rfc3339(clock::from_unix(col_int(row, 7)?)),
            "client_addr": col_text(row, 4)?,
            "user_agent": col_text(row, 5)?,
        }));
    }
    Reply::json(200, &serde_json::json!({ "sessions": sessions }))
}

/// Ends one of my sessions; someone else's session is 404, exactly like one that never was.
pub async fn revoke(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me: Principal = auth::authenticate(&db, req).await?;
    db.one(
        "SELECT 1 FROM sessions WHERE id = ? AND iin = ? AND revoked_at IS NULL",
        &[text(id), text(&me.iin)],
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    auth::end_session(&db, id, &me.actor(), "session_revoked").await?;
    Ok(Reply::empty(204))
}
