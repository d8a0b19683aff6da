//! Password sign-in, only for participants already proven by EDS; setting the password.

use jaria_portal::ApiError;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth;
use jaria_portal::identity::signin::{self, SetPasswordRequest};
use jaria_portal::law::iin::Iin;
use jaria_portal::platform::db::Db;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    iin: String,
    password: String,
}

pub async fn sign_in(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let body: LoginRequest = json_body(req)?;
    let iin = Iin::parse(&body.iin)
        .map_err(|e| ApiError::invalid("iin", "invalid_iin", &e.to_string()))?;
    let db = Db::open().await?;
    let new = signin::password_sign_in(&db, req, &iin, &body.password).await?;
    crate::eds_sign_in::signed_in(&new)
}

/// Sets or changes the signed-in participant's password; every other session of theirs ends.
pub async fn set_password(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let body: SetPasswordRequest = json_body(req)?;
    signin::set_password(&db, &me, &body).await?;
    Ok(Reply::empty(204))
}
