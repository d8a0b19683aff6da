//! My e-mail address and phone number for notices, their verification, and my choices of
//! language and channels (`jaria_portal::notice::contacts` holds the rules).

use jaria_portal::ApiError;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth;
use jaria_portal::notice::contacts::{self, Verification};
use jaria_portal::notice::delivery::{Channel, Language};
use jaria_portal::platform::db::Db;

/// `GET /api/auth/contacts`
pub async fn show(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    Reply::json(200, &contacts::view(&db, &me.iin).await?)
}

/// `PUT /api/auth/contacts` `{"email"?, "phone"?, "language"?}`: absent keeps, null removes,
/// a new address is sent a code through its own channel.
pub async fn update(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let body: serde_json::Value = json_body(req)?;
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let browser = auth::header(req, "accept-language").and_then(Language::from_accept_language);
    contacts::update(&db, &me.actor(), &me.iin, &body, browser).await?;
    Reply::json(200, &contacts::view(&db, &me.iin).await?)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Code {
    channel: String,
    code: String,
}

/// `POST /api/auth/contacts/verify` `{"channel": "email"|"sms", "code"}`
pub async fn verify(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let body: Code = json_body(req)?;
    let channel = Channel::parse(&body.channel).ok_or_else(|| {
        ApiError::invalid("channel", "invalid_channel", "The channel is email or sms.")
    })?;
    if body.code.trim().len() != 6 || !body.code.trim().bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(
            "code",
            "invalid_code",
            "The code is six digits.",
        ));
    }
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let refused = |code: &str, message: String| Err(ApiError::invalid("code", code, &message));
    match contacts::verify(&db, &me.actor(), &me.iin, channel, &body.code).await? {
        Verification::Verified => Reply::json(200, &contacts::view(&db, &me.iin).await?),
        Verification::Wrong { tries_left } => refused(
            "wrong_code",
            format!("The code is not right; {tries_left} tries are left."),
        ),
        Verification::Exhausted => refused(
            "code_exhausted",
            "That code was tried too often: ask for a new one by saving the address again.".into(),
        ),
        Verification::Expired => refused(
            "code_expired",
            "That code has expired: ask for a new one by saving the address again.".into(),
        ),
        Verification::NoCode => refused(
            "no_code",
            "No code was sent for that channel: save the address first.".into(),
        ),
    }
}

/// `PUT /api/auth/notification-preferences` `{"language"?, "kinds"?, "officer_digest"?}`
pub async fn preferences(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let body: serde_json::Value = json_body(req)?;
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let is_officer = me.roles.iter().any(|r| r.is_officer());
    contacts::set_preferences(&db, &me.actor(), &me.iin, is_officer, &body).await?;
    Reply::json(200, &contacts::view(&db, &me.iin).await?)
}
