//! Password sign-in, only for participants already proven by EDS; setting the password.

use jaria_portal::auth::{self, Proven};
use jaria_portal::db::{Db, col_opt_text, col_text, text};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::may_use_password;
use jaria_portal::iin::Iin;
use jaria_portal::{ApiError, audit, clock, password, random};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    iin: String,
    password: String,
}

/// One answer for every failure, so nobody learns whether an IIN has an account.
fn wrong_credentials() -> ApiError {
    ApiError::Rejected(vec![jaria_portal::problem::FieldError {
        field: "password".into(),
        code: "credentials_invalid".into(),
        message: "The IIN or the password is wrong.".into(),
    }])
}

pub fn sign_in(req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let body: LoginRequest = json_body(req)?;
    let iin = Iin::parse(&body.iin)
        .map_err(|e| ApiError::invalid("iin", "invalid_iin", &e.to_string()))?;
    let db = Db::open()?;
    let actor = auth::anonymous(req);
    let ip = auth::client_ip(req);
    crate::people::check_throttle(&db, Some(iin.as_str()), &ip, &actor)?;

    let person = db.one(
        "SELECT full_name, password_hash FROM persons WHERE iin = ?",
        &[text(iin.as_str())],
    )?;
    let identity = crate::people::identity(&db, iin.as_str())?;
    // Officers and admins have no password way in; they fail like anyone else.
    let stored = match &person {
        Some(row) if may_use_password(&identity.roles) => col_opt_text(row, 1),
        _ => None,
    };
    let ok = password::verify(&body.password, stored.as_deref())?;
    let Some(row) = person.filter(|_| ok) else {
        crate::people::record_failure(
            &db,
            Some(iin.as_str()),
            &ip,
            &actor,
            "password",
            "credentials",
        )?;
        return Err(wrong_credentials());
    };
    let proven = Proven {
        iin: iin.as_str().to_owned(),
        full_name: col_text(&row, 0)?,
        roles: identity.roles,
        organ: identity.organ,
    };
    let new = auth::start_session(&db, &proven, "password", req, |_| Ok(()))?;
    crate::eds_sign_in::signed_in(&new)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPasswordRequest {
    password: String,
    #[serde(default)]
    current_password: Option<String>,
}

/// Sets or changes the signed-in participant's password. A session opened with a password
/// must also give the current one: only an EDS sign-in proves identity afresh.
pub fn set_password(req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let me = auth::authenticate(req)?;
    if !may_use_password(&me.roles) {
        return Err(ApiError::Forbidden);
    }
    let body: SetPasswordRequest = json_body(req)?;
    let iin = Iin::parse(&me.iin).map_err(|e| ApiError::Internal(e.to_string()))?;
    password::check_policy(&body.password, &iin)?;
    let db = Db::open()?;
    if me.method != "eds" {
        let stored = db
            .one(
                "SELECT password_hash FROM persons WHERE iin = ?",
                &[text(&me.iin)],
            )?
            .and_then(|row| col_opt_text(&row, 0));
        let current = body.current_password.as_deref().unwrap_or("");
        if !password::verify(current, stored.as_deref())? {
            return Err(ApiError::Rejected(vec![
                jaria_portal::problem::FieldError {
                    field: "current_password".into(),
                    code: "current_password_invalid".into(),
                    message: "The current password is wrong.".into(),
                },
            ]));
        }
    }
    let hash = password::hash(&body.password, &random::bytes::<16>()?)?;
    let actor = me.actor();
    db.transaction(|db| {
        db.exec(
            "UPDATE persons SET password_hash = ?, password_changed_at = ? WHERE iin = ?",
            &[
                text(&hash),
                text(clock::rfc3339(clock::now())),
                text(&me.iin),
            ],
        )?;
        audit::record(
            db,
            &actor,
            "password_changed",
            &format!("person:{}", me.iin),
            serde_json::json!({}),
        )
    })?;
    Ok(Reply::empty(204))
}
