//! Administration, for admins only: organs (with their ERDR code), officers' appointments, the
//! revocation of EDS certificates (one by one, or the CA's revocation lists), and admins.
//! Every change is one transaction with its audit row naming the admin; every read is audited
//! too. No admin appoints themselves.

use jaria_portal::ApiError;
use jaria_portal::audit::{self, ReadNote};
use jaria_portal::http::{Method, Reply, Request};
use jaria_portal::identity::Role;
use jaria_portal::identity::auth::{self, Desk, Principal};
use jaria_portal::law::iin::Iin;
use jaria_portal::platform::db::Db;

pub async fn route(req: &Request, method: Method, path: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    me.require(Role::Admin)?;
    let desk = Desk {
        db: &db,
        me: &me,
        req,
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::Get, ["organs"]) => crate::organs::list_organs(desk).await,
        (Method::Post, ["organs"]) => crate::organs::create_organ(desk).await,
        (_, ["organs"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Patch, ["organs", id]) => crate::organs::update_organ(desk, id).await,
        (_, ["organs", _]) => Err(ApiError::MethodNotAllowed { allow: "PATCH" }),
        (Method::Get, ["officers"]) => crate::officers::list_officers(desk).await,
        (Method::Post, ["officers"]) => crate::officers::appoint_officer(desk).await,
        (_, ["officers"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Delete, ["officers", iin]) => crate::officers::dismiss_officer(desk, iin).await,
        (_, ["officers", _]) => Err(ApiError::MethodNotAllowed { allow: "DELETE" }),
        (Method::Get, ["revocations"]) => crate::revocations::list_revocations(desk).await,
        (Method::Post, ["revocations"]) => crate::revocations::revoke_certificate(desk).await,
        (_, ["revocations"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Get, ["crls"]) => crate::crls::list_crls(desk).await,
        (Method::Post, ["crls"]) => crate::crls::load_crl(desk).await,
        (_, ["crls"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Get, ["outbox"]) => crate::outbox::list_outbox(desk).await,
        (_, ["outbox"]) => Err(ApiError::MethodNotAllowed { allow: "GET" }),
        (Method::Post, ["outbox", id, "retry"]) => crate::outbox::retry_message(desk, id).await,
        (_, ["outbox", _, "retry"]) => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        (Method::Post, ["admins"]) => crate::admins::add_admin(desk).await,
        (_, ["admins"]) => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        _ => Err(ApiError::NotFound),
    }
}

pub(crate) fn parse_iin(field: &str, value: &str) -> Result<Iin, ApiError> {
    Iin::parse(value).map_err(|e| ApiError::invalid(field, "invalid_iin", &e.to_string()))
}

/// The audit row of an admin's change to a person's standing (an admin added, an officer
/// appointed or dismissed), in the change's transaction.
pub(crate) async fn record_about_person(
    db: &Db,
    me: &Principal,
    action: &str,
    iin: &Iin,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let subject = format!("person:{}", iin.as_str());
    audit::record(db, &me.actor(), action, &subject, detail).await
}

/// An admin's read, in the audit log like every other read of personal data.
pub(crate) async fn audited_list(
    Desk { db, me, .. }: Desk<'_>,
    action: &str,
    read: impl AsyncFn(&Db) -> Result<serde_json::Value, ApiError>,
) -> Result<Reply, ApiError> {
    let body = audit::audited_read(db, &me.actor(), async |db| {
        Ok((
            read(db).await?,
            ReadNote::new(action, format!("person:{}", me.iin), None),
        ))
    })
    .await?;
    Reply::json(200, &body)
}
