//! Administration, for admins only: organs (with their ERDR code), officers' appointments, the
//! revocation of EDS certificates (one by one, or the CA's revocation lists), and admins.
//! Every change is one transaction with its audit row naming the admin; every read is audited
//! too. No admin appoints themselves.

use jaria_portal::audit::{self, ReadNote};
use jaria_portal::http::{Method, Reply, json_body};
use jaria_portal::identity::Role;
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::identity::eds::{self, CertKey};
use jaria_portal::identity::registry;
use jaria_portal::identity::revocation::{self, Source};
use jaria_portal::law::iin::Iin;
use jaria_portal::notice::delivery::RetryRefusal;
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, case::authz, notice::delivery, platform::clock, platform::config};
use serde::Deserialize;

pub async fn route(
    req: &jaria_portal::http::Request,
    method: Method,
    path: &str,
) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    me.require(Role::Admin)?;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::Get, ["organs"]) => list_organs(&db, &me).await,
        (Method::Post, ["organs"]) => create_organ(&db, &me, req).await,
        (_, ["organs"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Patch, ["organs", id]) => update_organ(&db, &me, id, req).await,
        (_, ["organs", _]) => Err(ApiError::MethodNotAllowed { allow: "PATCH" }),
        (Method::Get, ["officers"]) => list_officers(&db, &me).await,
        (Method::Post, ["officers"]) => appoint_officer(&db, &me, req).await,
        (_, ["officers"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Delete, ["officers", iin]) => dismiss_officer(&db, &me, iin).await,
        (_, ["officers", _]) => Err(ApiError::MethodNotAllowed { allow: "DELETE" }),
        (Method::Get, ["revocations"]) => list_revocations(&db, &me).await,
        (Method::Post, ["revocations"]) => revoke_certificate(&db, &me, req).await,
        (_, ["revocations"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Get, ["crls"]) => list_crls(&db, &me).await,
        (Method::Post, ["crls"]) => load_crl(&db, &me, req).await,
        (_, ["crls"]) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (Method::Get, ["outbox"]) => list_outbox(&db, &me, req).await,
        (_, ["outbox"]) => Err(ApiError::MethodNotAllowed { allow: "GET" }),
        (Method::Post, ["outbox", id, "retry"]) => retry_message(&db, &me, id).await,
        (_, ["outbox", _, "retry"]) => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        (Method::Post, ["admins"]) => add_admin(&db, &me, req).await,
        (_, ["admins"]) => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        _ => Err(ApiError::NotFound),
    }
}

fn parse_iin(field: &str, value: &str) -> Result<Iin, ApiError> {
    Iin::parse(value).map_err(|e| ApiError::invalid(field, "invalid_iin", &e.to_string()))
}

/// An organ's ERDR code: six digits (region, district, agency).
fn parse_code(value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid(
            "code",
            "invalid_code",
            "An organ's code is the six digits (region, district, agency) of its ERDR numbers.",
        ))
    }
}

/// An admin's read, in the audit log like every other read of personal data.
async fn audited_list(
    db: &Db,
    me: &Principal,
    action: &str,
    read: impl AsyncFnOnce(&Db) -> Result<serde_json::Value, ApiError>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgan {
    name: String,
    region: String,
    #[serde(default)]
    code: Option<String>,
    /// The official contact participants see (reception phone, e-mail, address).
    #[serde(default)]
    contact: Option<String>,
}

/// An organ's official contact: one line, at most 300 characters.
fn parse_contact(text: &str) -> Result<String, ApiError> {
    jaria_portal::http::text::single_line("contact", text, 300)
}

async fn list_organs(db: &Db, me: &Principal) -> Result<Reply, ApiError> {
    audited_list(db, me, "organs_listed", async |db| {
        Ok(serde_json::json!({ "organs": jaria_portal::identity::organs(db).await? }))
    })
    .await
}

async fn create_organ(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewOrgan = json_body(req)?;
    let name = jaria_portal::http::text::bounded("name", &body.name, 200)?;
    let region = jaria_portal::http::text::bounded("region", &body.region, 100)?;
    let code = body.code.as_deref().map(parse_code).transpose()?;
    let contact = body.contact.as_deref().map(parse_contact).transpose()?;
    let id = db
        .transaction(async |db| {
            if registry::organ_name_taken(db, &name).await? {
                return Err(ApiError::Conflict("An organ with this name exists.".into()));
            }
            if let Some(code) = &code
                && registry::organ_code_taken(db, code, None).await?
            {
                return Err(ApiError::Conflict("Another organ has this code.".into()));
            }
            let organ = registry::NewOrgan {
                name: &name,
                region: &region,
                code: code.as_deref(),
                contact: contact.as_deref(),
            };
            let id = registry::add_organ(db, &organ, &clock::rfc3339(clock::now())).await?;
            audit::record(
                db,
                &me.actor(),
                "organ_created",
                &format!("organ:{id}"),
                serde_json::json!({ "name": name, "region": region, "code": code, "contact": contact }),
            )
            .await?;
            Ok(id)
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "id": id, "name": name, "region": region, "code": code, "contact": contact,
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganChange {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    contact: Option<String>,
}

/// Sets an organ's ERDR code (organs made before codes existed have none) and/or its official
/// contact.
async fn update_organ(
    db: &Db,
    me: &Principal,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let body: OrganChange = json_body(req)?;
    let code = body.code.as_deref().map(parse_code).transpose()?;
    let contact = body.contact.as_deref().map(parse_contact).transpose()?;
    if code.is_none() && contact.is_none() {
        return Err(ApiError::invalid(
            "code",
            "required",
            "Give the organ's code or its official contact.",
        ));
    }
    let organ = db
        .transaction(async |db| {
            let previous = registry::organ_code(db, id).await?;
            if let Some(code) = &code {
                if registry::organ_code_taken(db, code, Some(id)).await? {
                    return Err(ApiError::Conflict("Another organ has this code.".into()));
                }
                registry::set_organ_code(db, id, code).await?;
            }
            if let Some(contact) = &contact {
                registry::set_organ_contact(db, id, contact).await?;
            }
            audit::record(
                db,
                &me.actor(),
                "organ_updated",
                &format!("organ:{id}"),
                serde_json::json!({ "code": code, "previous_code": previous, "contact": contact }),
            )
            .await?;
            jaria_portal::identity::organs(db)
                .await?
                .into_iter()
                .find(|o| o.id == id)
                .ok_or_else(|| ApiError::Internal("organ vanished".into()))
        })
        .await?;
    Reply::json(200, &organ)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOfficer {
    iin: String,
    full_name: String,
    role: String,
    organ_id: i64,
}

async fn list_officers(db: &Db, me: &Principal) -> Result<Reply, ApiError> {
    audited_list(db, me, "officers_listed", async |db| {
        let officers = registry::officers(db).await?;
        Ok(serde_json::json!({ "officers": officers }))
    })
    .await
}

/// Appoints (or re-appoints, moves) an officer. Their authority follows the appointment at
/// once, in sessions already open too: it is read at every request.
async fn appoint_officer(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewOfficer = json_body(req)?;
    let iin = parse_iin("iin", &body.iin)?;
    // An admin's power over appointments is not a way to powers over cases for themselves.
    authz::refuse_self_dealing(me, &[Some(iin.as_str())])?;
    let full_name = jaria_portal::http::text::bounded("full_name", &body.full_name, 200)?;
    let role = Role::parse_officer(&body.role).ok_or_else(|| {
        ApiError::invalid(
            "role",
            "invalid_role",
            "One of investigator, inquirer, prosecutor, head_of_unit.",
        )
    })?;
    if !jaria_portal::identity::organ_exists(db, body.organ_id).await? {
        return Err(ApiError::invalid(
            "organ_id",
            "unknown_organ",
            "No organ has this id.",
        ));
    }
    db.transaction(async |db| {
        let appointment = registry::Appointment {
            iin: iin.as_str(),
            full_name: &full_name,
            role,
            organ_id: body.organ_id,
            appointed_by: &me.iin,
        };
        let previous =
            registry::appoint(db, &appointment, &clock::rfc3339(clock::now())).await?;
        audit::record(
            db,
            &me.actor(),
            "officer_appointed",
            &format!("person:{}", iin.as_str()),
            serde_json::json!({ "role": role.as_str(), "organ_id": body.organ_id, "previous": previous }),
        ).await
    }).await?;
    Reply::json(
        201,
        &serde_json::json!({
            "iin": iin.as_str(), "full_name": full_name, "role": role, "organ_id": body.organ_id,
            "active": true,
        }),
    )
}

/// Ends an appointment: from the next request on, no session of theirs acts as an officer.
async fn dismiss_officer(db: &Db, me: &Principal, iin: &str) -> Result<Reply, ApiError> {
    let iin = Iin::parse(iin).map_err(|_| ApiError::NotFound)?;
    db.transaction(async |db| {
        if !registry::dismiss(db, iin.as_str()).await? {
            return Err(ApiError::NotFound);
        }
        audit::record(
            db,
            &me.actor(),
            "officer_dismissed",
            &format!("person:{}", iin.as_str()),
            serde_json::json!({}),
        )
        .await
    })
    .await?;
    Ok(Reply::empty(204))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRevocation {
    /// The revoked certificate itself (PEM): names its issuer and serial.
    #[serde(default)]
    certificate: Option<String>,
    /// Or its issuer's certificate (PEM) and the serial number (hex).
    #[serde(default)]
    issuer_certificate: Option<String>,
    #[serde(default)]
    serial_number: Option<String>,
    reason: String,
}

fn single_certificate(field: &str, pem: &str) -> Result<x509_cert::Certificate, ApiError> {
    match eds::parse_pem_bundle(pem)
        .map_err(|e| ApiError::invalid(field, "certificate_malformed", &e.to_string()))?
        .as_slice()
    {
        [one] => Ok(one.clone()),
        _ => Err(ApiError::invalid(
            field,
            "one_certificate",
            "Give exactly one certificate.",
        )),
    }
}

/// The certificate a revocation names: issuer and serial.
fn revoked_key(body: &NewRevocation) -> Result<CertKey, ApiError> {
    match (
        &body.certificate,
        &body.issuer_certificate,
        &body.serial_number,
    ) {
        (Some(pem), None, None) => CertKey::of(&single_certificate("certificate", pem)?)
            .map_err(|e| ApiError::invalid("certificate", "certificate_malformed", &e.to_string())),
        (None, Some(issuer), Some(serial)) => {
            let issuer = single_certificate("issuer_certificate", issuer)?;
            let serial_hex = eds::normalise_serial(serial).ok_or_else(|| {
                ApiError::invalid(
                    "serial_number",
                    "invalid_serial",
                    "Give the serial number in hex.",
                )
            })?;
            Ok(CertKey {
                issuer_key: eds::name_key(&issuer.tbs_certificate.subject).map_err(|e| {
                    ApiError::invalid(
                        "issuer_certificate",
                        "certificate_malformed",
                        &e.to_string(),
                    )
                })?,
                serial_hex,
            })
        }
        _ => Err(ApiError::invalid(
            "certificate",
            "certificate_or_issuer_and_serial",
            "Give the revoked certificate, or its issuer's certificate and its serial number: a serial number alone names a certificate of every CA.",
        )),
    }
}

async fn list_revocations(db: &Db, me: &Principal) -> Result<Reply, ApiError> {
    audited_list(db, me, "revocations_listed", async |db| {
        // Lists loaded from CRLs are summarised under /crls; here what admins and OCSP added.
        let list = revocation::recorded(db).await?;
        Ok(serde_json::json!({ "revocations": list }))
    })
    .await
}

/// Revokes one certificate: the sessions it proved end now, and a password set from them is
/// void.
async fn revoke_certificate(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewRevocation = json_body(req)?;
    let key = revoked_key(&body)?;
    let reason = jaria_portal::http::text::bounded("reason", &body.reason, 500)?;
    let revoked_at = clock::rfc3339(clock::now());
    let done = db
        .transaction(async |db| {
            let done =
                revocation::record(db, &key, &reason, Source::Admin, &me.iin, &revoked_at).await?;
            audit::record(
                db,
                &me.actor(),
                "certificate_revoked",
                &format!("certificate:{}:{}", key.issuer_key, key.serial_hex),
                serde_json::json!({ "reason": reason, "sessions_ended": done.sessions_ended,
                "passwords_voided": done.passwords_voided }),
            )
            .await?;
            Ok(done)
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "issuer_key": key.issuer_key, "serial_number": key.serial_hex, "reason": reason,
            "revoked_at": revoked_at, "sessions_ended": done.sessions_ended,
            "passwords_voided": done.passwords_voided,
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrlUpload {
    /// PEM, or base64 of DER.
    crl: String,
    /// The intermediate authorities between the list's issuer and a trust anchor (PEM).
    #[serde(default)]
    issuer_chain: Option<String>,
}

/// The CRL's bytes and the intermediates offered with it, from a raw upload
/// (`application/pkix-crl`, DER or PEM) or JSON.
fn crl_upload(
    req: &jaria_portal::http::Request,
) -> Result<(Vec<u8>, Vec<x509_cert::Certificate>), ApiError> {
    use base64::Engine as _;
    let content_type = auth::header(req, "content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match content_type.as_str() {
        "application/pkix-crl" | "application/x-pem-file" => Ok((req.body().to_vec(), Vec::new())),
        "application/json" => {
            let body: CrlUpload = json_body(req)?;
            let text = body.crl.trim();
            let bytes = if text.starts_with("-----BEGIN") {
                text.as_bytes().to_vec()
            } else {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| {
                        ApiError::invalid("crl", "crl_malformed", "Give the CRL as PEM or base64 of DER.")
                    })?
            };
            let chain = match body.issuer_chain.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(pem) => eds::parse_pem_bundle(pem).map_err(|e| {
                    ApiError::invalid("issuer_chain", "certificate_malformed", &e.to_string())
                })?,
                None => Vec::new(),
            };
            Ok((bytes, chain))
        }
        _ => Err(ApiError::UnsupportedMediaType(
            "Upload the CRL as application/pkix-crl (DER or PEM) or as JSON {\"crl\", \"issuer_chain\"}.".into(),
        )),
    }
}

/// Loads a revocation list as the national CA publishes it: its signature is checked against
/// the trust anchors (or intermediates under them given with it), it must be current and newer
/// than the one loaded before; every session its certificates proved ends.
async fn load_crl(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let (bytes, chain) = crl_upload(req)?;
    let anchors_pem = config::optional("eds_trust_anchors")
        .await
        .unwrap_or_default();
    if anchors_pem.trim().is_empty() {
        return Err(ApiError::Unavailable(
            "the eds_trust_anchors variable is empty".into(),
        ));
    }
    let anchors = eds::parse_pem_bundle(&anchors_pem)
        .map_err(|e| ApiError::Unavailable(format!("eds_trust_anchors: {e}")))?;
    let now = clock::now();
    let crl = revocation::parse_crl(&bytes).map_err(|e| revocation::crl_problem(&e))?;
    let issuers = revocation::crl_issuers(&anchors, &chain, now);
    let contents =
        revocation::verify_crl(&crl, &issuers, now).map_err(|e| revocation::crl_problem(&e))?;
    let stamp = clock::rfc3339(now);
    let (id, done) = db
        .transaction(async |db| {
            let (id, done) = revocation::load_crl(db, &contents, &me.iin, &stamp).await?;
            audit::record(
                db,
                &me.actor(),
                "crl_loaded",
                &format!("crl:{id}"),
                serde_json::json!({
                    "issuer_key": contents.issuer_key, "entries": contents.revoked.len(),
                    "sha256": contents.sha256, "sessions_ended": done.sessions_ended,
                    "passwords_voided": done.passwords_voided,
                }),
            )
            .await?;
            Ok((id, done))
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "id": id, "issuer_key": contents.issuer_key, "entries": contents.revoked.len(),
            "this_update": clock::rfc3339(clock::from_unix(contents.this_update_unix)),
            "next_update": clock::rfc3339(clock::from_unix(contents.next_update_unix)),
            "crl_number": contents.crl_number, "sha256": contents.sha256,
            "sessions_ended": done.sessions_ended, "passwords_voided": done.passwords_voided,
        }),
    )
}

async fn list_crls(db: &Db, me: &Principal) -> Result<Reply, ApiError> {
    audited_list(db, me, "crls_listed", async |db| {
        let list = revocation::crls(db, clock::now().timestamp()).await?;
        Ok(serde_json::json!({ "crls": list }))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAdmin {
    iin: String,
}

async fn add_admin(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewAdmin = json_body(req)?;
    let iin = parse_iin("iin", &body.iin)?;
    db.transaction(async |db| {
        registry::add_admin(db, iin.as_str(), &me.iin, &clock::rfc3339(clock::now())).await?;
        audit::record(
            db,
            &me.actor(),
            "admin_added",
            &format!("person:{}", iin.as_str()),
            serde_json::json!({}),
        )
        .await
    })
    .await?;
    Reply::json(201, &serde_json::json!({ "iin": iin.as_str() }))
}

/// `GET /api/admin/outbox?state=dead|pending|sent` (dead by default): the messages of
/// the delivery webhook, newest first, without their texts.
async fn list_outbox(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let query = req.query();
    let state = match jaria_portal::http::paging::query_param(query, "state") {
        None => "dead",
        Some(s @ ("dead" | "pending" | "sent")) => s,
        Some(_) => {
            return Err(ApiError::invalid(
                "state",
                "invalid_state",
                "The state is dead, pending or sent.",
            ));
        }
    };
    audited_list(db, me, "outbox_listed", async |db| {
        Ok(serde_json::json!({
            "messages": delivery::list(db, state, 100).await?,
            "counts": delivery::counts(db).await?,
        }))
    })
    .await
}

/// `POST /api/admin/outbox/{id}/retry`: a dead message goes back in the queue, due now
/// — except a code, or a message to an address its owner removed or replaced.
async fn retry_message(db: &Db, me: &Principal, id: &str) -> Result<Reply, ApiError> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound);
    }
    let now = clock::now().timestamp();
    let outcome = db
        .transaction(async |db| {
            let outcome = delivery::retry(db, id, now).await?;
            if outcome.is_ok() {
                audit::record(
                    db,
                    &me.actor(),
                    "outbox_retried",
                    &format!("message:{id}"),
                    serde_json::json!({}),
                )
                .await?;
            }
            Ok(outcome)
        })
        .await?;
    match outcome {
        Ok(message) => Reply::json(200, &message),
        Err(RetryRefusal::NotFound) => Err(ApiError::NotFound),
        Err(RetryRefusal::NotDead) => Err(ApiError::Conflict(
            "Only a dead message can be retried; this one is still queued or was sent.".into(),
        )),
        Err(RetryRefusal::MustNotBeResent) => Err(ApiError::Conflict(
            "This message must not be sent again: a verification code (the person asks for a new one) or a message to an address its owner removed or replaced.".into(),
        )),
    }
}
