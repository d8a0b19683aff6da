//! Signing with eGov mobile (`jaria_portal::identity::egov_mobile`): the page starts a sign-in signing
//! and collects its result; the phone reads API 1 and API 2 and PUTs the signature back.

use jaria_portal::ApiError;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::egov_mobile::{self, Outcome, Purpose};
use jaria_portal::identity::signin::{self, EdsRequest};
use jaria_portal::platform::db::Db;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StartSignIn {
    /// The live challenge (`GET /api/auth/challenge`) the phone is to sign.
    nonce: String,
}

/// `POST /api/auth/egov-mobile`: a signing of a live challenge's message, for sign-in.
pub async fn start(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let body: StartSignIn = json_body(req)?;
    let db = Db::open().await?;
    Reply::json(
        201,
        &egov_mobile::start_sign_in(&db, req, &body.nonce).await?,
    )
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Collect {
    poll_token: String,
}

/// `POST /api/auth/egov-mobile/{id}/result`: pending, or — once the phone has signed — the
/// sign-in completed (a session, exactly as `POST /api/auth/eds` gives it) or the document's
/// signature for the page to send with it.
pub async fn result(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    use base64::Engine as _;
    let body: Collect = json_body(req)?;
    let db = Db::open().await?;
    match egov_mobile::collect(&db, id, &body.poll_token).await? {
        Outcome::Pending { expires_at } => Reply::json(
            200,
            &serde_json::json!({ "state": "pending", "expires_at": expires_at }),
        ),
        Outcome::Signed {
            purpose: Purpose::SignIn { nonce },
            der,
        } => {
            let eds = EdsRequest {
                nonce,
                work: None,
                certificate: None,
                signature: None,
                cms: Some(base64::engine::general_purpose::STANDARD.encode(der)),
            };
            crate::eds_sign_in::signed_in(
                &signin::eds_sign_in(&db, req, &eds, signin::Work::NotAsked).await?,
            )
        }
        Outcome::Signed {
            purpose: Purpose::Document { .. },
            der,
        } => Reply::json(
            200,
            &serde_json::json!({
                "state": "signed",
                "signature": base64::engine::general_purpose::STANDARD.encode(der),
            }),
        ),
    }
}

/// `GET /api/auth/mgovSign/{id}` (API 1).
pub async fn api1(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    Reply::json(200, &egov_mobile::api1(&db, req, id).await?)
}

/// `GET /api/auth/mgovSign/{id}/documents` (API 2, what to sign).
pub async fn documents(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    Reply::json(200, &egov_mobile::api2_documents(&db, req, id).await?)
}

/// `PUT /api/auth/mgovSign/{id}/documents` (API 2, signed).
pub async fn signed(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    egov_mobile::api2_signed(&db, req, id).await?;
    // What NITEC's app takes as done.
    Reply::json(
        200,
        &serde_json::json!({ "code": "200", "message": "success" }),
    )
}
