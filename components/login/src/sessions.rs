//! The signed-in person's view of themselves and their sessions.

use jaria_portal::http::Reply;
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, identity::session, platform::clock};

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
            // What the page may offer, decided here: officers' screens for someone appointed
            // now, and case registration for the roles that register cases.
            "acts_as_officer": jaria_portal::case::authz::appointed(&me).is_ok(),
            "may_register_cases": jaria_portal::case::authz::registering_organ(&me).is_ok(),
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
    let sessions = session::live_of(&db, &me.iin, &me.session_id, clock::now().timestamp()).await?;
    Reply::json(200, &serde_json::json!({ "sessions": sessions }))
}

/// Ends one of my sessions; someone else's session is 404, exactly like one that never was.
pub async fn revoke(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me: Principal = auth::authenticate(&db, req).await?;
    if !session::is_open_of(&db, id, &me.iin).await? {
        return Err(ApiError::NotFound);
    }
    auth::end_session(&db, id, &me.actor(), "session_revoked").await?;
    Ok(Reply::empty(204))
}
