//! Administration, for admins only: organs, officers (bound to an organ) and the revocation
//! list of EDS certificates. Every change is one transaction with its audit row.

use jaria_portal::auth::{self, Principal};
use jaria_portal::db::{Db, col_int, col_text, int, text};
use jaria_portal::eds::normalise_serial;
use jaria_portal::http::{Method, Reply, json_body};
use jaria_portal::identity::Role;
use jaria_portal::iin::Iin;
use jaria_portal::{ApiError, audit, clock};
use serde::Deserialize;

pub fn route(req: &spin_sdk::http::Request, method: Method, path: &str) -> Result<Reply, ApiError> {
    let me = auth::authenticate(req)?;
    me.require(Role::Admin)?;
    let db = Db::open()?;
    match (method, path) {
        (Method::Get, "organs") => list_organs(&db),
        (Method::Post, "organs") => create_organ(&db, &me, req),
        (_, "organs") => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Get, "officers") => list_officers(&db),
        (Method::Post, "officers") => appoint_officer(&db, &me, req),
        (_, "officers") => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Get, "revocations") => list_revocations(&db),
        (Method::Post, "revocations") => revoke_certificate(&db, &me, req),
        (_, "revocations") => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Post, "admins") => add_admin(&db, &me, req),
        (_, "admins") => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        _ => match path.strip_prefix("officers/") {
            Some(iin) if !iin.contains('/') => match method {
                Method::Delete => dismiss_officer(&db, &me, iin),
                _ => Err(ApiError::MethodNotAllowed { allow: "DELETE" }),
            },
            _ => Err(ApiError::NotFound),
        },
    }
}

fn non_empty(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            "invalid_length",
            &format!("Give 1 to {max} characters."),
        ));
    }
    Ok(value.to_owned())
}

fn parse_iin(field: &str, value: &str) -> Result<Iin, ApiError> {
    Iin::parse(value).map_err(|e| ApiError::invalid(field, "invalid_iin", &e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgan {
    name: String,
    region: String,
}

fn list_organs(db: &Db) -> Result<Reply, ApiError> {
    let organs = jaria_portal::identity::organs(db)?;
    Reply::json(200, &serde_json::json!({ "organs": organs }))
}

fn create_organ(db: &Db, me: &Principal, req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let body: NewOrgan = json_body(req)?;
    let name = non_empty("name", &body.name, 200)?;
    let region = non_empty("region", &body.region, 100)?;
    let id = db.transaction(|db| {
        if db
            .one("SELECT 1 FROM organs WHERE name = ?", &[text(&name)])?
            .is_some()
        {
            return Err(ApiError::Conflict("An organ with this name exists.".into()));
        }
        let row = db
            .one(
                "INSERT INTO organs (name, region, created_at) VALUES (?, ?, ?) RETURNING id",
                &[
                    text(&name),
                    text(&region),
                    text(clock::rfc3339(clock::now())),
                ],
            )?
            .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?;
        let id = col_int(&row, 0)?;
        audit::record(
            db,
            &me.actor(),
            "organ_created",
            &format!("organ:{id}"),
            serde_json::json!({ "name": name, "region": region }),
        )?;
        Ok(id)
    })?;
    Reply::json(
        201,
        &serde_json::json!({ "id": id, "name": name, "region": region }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOfficer {
    iin: String,
    full_name: String,
    role: String,
    organ_id: i64,
}

fn list_officers(db: &Db) -> Result<Reply, ApiError> {
    let rows = db.query(
        "SELECT o.iin, o.full_name, o.role, o.organ_id, g.name, o.active
         FROM officers o JOIN organs g ON g.id = o.organ_id ORDER BY o.full_name",
        &[],
    )?;
    let officers = rows
        .rows
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "iin": col_text(r, 0)?, "full_name": col_text(r, 1)?, "role": col_text(r, 2)?,
                "organ": { "id": col_int(r, 3)?, "name": col_text(r, 4)? },
                "active": col_int(r, 5)? == 1,
            }))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Reply::json(200, &serde_json::json!({ "officers": officers }))
}

/// Appoints (or re-appoints) an officer. Their open sessions end, so new roles take effect
/// at their next EDS sign-in.
fn appoint_officer(
    db: &Db,
    me: &Principal,
    req: &spin_sdk::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewOfficer = json_body(req)?;
    let iin = parse_iin("iin", &body.iin)?;
    let full_name = non_empty("full_name", &body.full_name, 200)?;
    let role = Role::parse_officer(&body.role).ok_or_else(|| {
        ApiError::invalid(
            "role",
            "invalid_role",
            "One of investigator, inquirer, prosecutor, head_of_unit.",
        )
    })?;
    if db
        .one("SELECT 1 FROM organs WHERE id = ?", &[int(body.organ_id)])?
        .is_none()
    {
        return Err(ApiError::invalid(
            "organ_id",
            "unknown_organ",
            "No organ has this id.",
        ));
    }
    end_sessions_of(db, me, iin.as_str())?;
    db.transaction(|db| {
        db.exec(
            "INSERT INTO officers (iin, full_name, role, organ_id, active, created_at, created_by)
             VALUES (?, ?, ?, ?, 1, ?, ?)
             ON CONFLICT (iin) DO UPDATE SET full_name = excluded.full_name, role = excluded.role,
                 organ_id = excluded.organ_id, active = 1",
            &[
                text(iin.as_str()),
                text(&full_name),
                text(role.as_str()),
                int(body.organ_id),
                text(clock::rfc3339(clock::now())),
                text(&me.iin),
            ],
        )?;
        audit::record(
            db,
            &me.actor(),
            "officer_appointed",
            &format!("person:{}", iin.as_str()),
            serde_json::json!({ "role": role.as_str(), "organ_id": body.organ_id }),
        )
    })?;
    Reply::json(
        201,
        &serde_json::json!({
            "iin": iin.as_str(), "full_name": full_name, "role": role, "organ_id": body.organ_id,
            "active": true,
        }),
    )
}

fn dismiss_officer(db: &Db, me: &Principal, iin: &str) -> Result<Reply, ApiError> {
    let iin = Iin::parse(iin).map_err(|_| ApiError::NotFound)?;
    if db
        .one(
            "SELECT 1 FROM officers WHERE iin = ? AND active = 1",
            &[text(iin.as_str())],
        )?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    end_sessions_of(db, me, iin.as_str())?;
    db.transaction(|db| {
        db.exec(
            "UPDATE officers SET active = 0 WHERE iin = ?",
            &[text(iin.as_str())],
        )?;
        audit::record(
            db,
            &me.actor(),
            "officer_dismissed",
            &format!("person:{}", iin.as_str()),
            serde_json::json!({}),
        )
    })?;
    Ok(Reply::empty(204))
}

/// Ends every open session of a person (their roles are about to change).
fn end_sessions_of(db: &Db, me: &Principal, iin: &str) -> Result<(), ApiError> {
    let rows = db.query(
        "SELECT id, token_hash FROM sessions WHERE iin = ? AND revoked_at IS NULL AND expires_unix > ?",
        &[text(iin), int(clock::now().timestamp())],
    )?;
    for row in &rows.rows {
        auth::end_session(
            db,
            &col_text(row, 0)?,
            &col_text(row, 1)?,
            &me.actor(),
            "session_revoked",
        )?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRevocation {
    serial_number: String,
    reason: String,
}

fn list_revocations(db: &Db) -> Result<Reply, ApiError> {
    let rows = db.query(
        "SELECT serial_hex, reason, revoked_at, revoked_by FROM revoked_certificates ORDER BY revoked_at DESC",
        &[],
    )?;
    let list = rows
        .rows
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "serial_number": col_text(r, 0)?, "reason": col_text(r, 1)?,
                "revoked_at": col_text(r, 2)?, "revoked_by": col_text(r, 3)?,
            }))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Reply::json(200, &serde_json::json!({ "revocations": list }))
}

fn revoke_certificate(
    db: &Db,
    me: &Principal,
    req: &spin_sdk::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewRevocation = json_body(req)?;
    let serial = normalise_serial(&body.serial_number).ok_or_else(|| {
        ApiError::invalid(
            "serial_number",
            "invalid_serial",
            "Give the serial number in hex.",
        )
    })?;
    let reason = non_empty("reason", &body.reason, 500)?;
    let revoked_at = clock::rfc3339(clock::now());
    db.transaction(|db| {
        db.exec(
            "INSERT INTO revoked_certificates (serial_hex, reason, revoked_at, revoked_by)
             VALUES (?, ?, ?, ?) ON CONFLICT (serial_hex) DO NOTHING",
            &[
                text(&serial),
                text(&reason),
                text(&revoked_at),
                text(&me.iin),
            ],
        )?;
        audit::record(
            db,
            &me.actor(),
            "certificate_revoked",
            &format!("certificate:{serial}"),
            serde_json::json!({ "reason": reason }),
        )
    })?;
    Reply::json(
        201,
        &serde_json::json!({ "serial_number": serial, "reason": reason, "revoked_at": revoked_at }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAdmin {
    iin: String,
}

fn add_admin(db: &Db, me: &Principal, req: &spin_sdk::http::Request) -> Result<Reply, ApiError> {
    let body: NewAdmin = json_body(req)?;
    let iin = parse_iin("iin", &body.iin)?;
    end_sessions_of(db, me, iin.as_str())?;
    db.transaction(|db| {
        db.exec(
            "INSERT INTO admins (iin, created_at, created_by) VALUES (?, ?, ?) ON CONFLICT (iin) DO NOTHING",
            &[text(iin.as_str()), text(clock::rfc3339(clock::now())), text(&me.iin)],
        )?;
        audit::record(
            db,
            &me.actor(),
            "admin_added",
            &format!("person:{}", iin.as_str()),
            serde_json::json!({}),
        )
    })?;
    Reply::json(201, &serde_json::json!({ "iin": iin.as_str() }))
}
