//! EDS sign-in: a single-use challenge, then the certificate chain and a signature over what
//! the challenge said to sign. The rules are `jaria_portal::identity::signin`.

use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::NewSession;
use jaria_portal::identity::signin::{self, EdsRequest};
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, identity::session};

pub async fn challenge(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    Reply::json(200, &signin::challenge(&db, req).await?)
}

pub async fn sign_in(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let body: EdsRequest = json_body(req)?;
    let db = Db::open().await?;
    signed_in(&signin::eds_sign_in(&db, req, &body, signin::Work::Demanded).await?)
}

/// The session's secrets in the body (API clients) and the token in a locked-down cookie.
pub fn signed_in(new: &NewSession) -> Result<Reply, ApiError> {
    let mut reply = Reply::json(200, new)?;
    reply
        .headers
        .push(("set-cookie".into(), session::set_cookie(&new.token)));
    Ok(reply)
}
