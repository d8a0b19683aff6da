//! Authentication for every component: the session token from `Authorization: Bearer` or the
//! session cookie, looked up in the database together with the person's **current**
//! appointment, with the CSRF rule for cookies.
//!
//! The database is the only record of a session: no copy elsewhere can outlive a revocation,
//! and no cached role can outlive an appointment. Officer and admin powers come only with a
//! session proven by EDS.

use crate::audit::{Actor, RequestIds};
use crate::http::Method;
use crate::http::Request;
use crate::identity::Appointment;
use crate::identity::eds::CertKey;
use crate::identity::session::{self, Liveness, SessionRow};
use crate::identity::{Organ, Role};
use crate::platform::db::{Db, SqlValue, col_int, col_opt_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;
use crate::{platform::clock, platform::random};

/// The signed-in person making this request, as of now.
#[derive(Debug, Clone)]
pub struct Principal {
    pub session_id: String,
    pub token_hash: String,
    pub iin: String,
    pub full_name: String,
    /// Participant always; an officer role while appointed; admin while an admin — the last
    /// two only in a session proven by EDS.
    pub roles: Vec<Role>,
    /// The organ of the current appointment.
    pub organ: Option<Organ>,
    pub appointment: Option<Appointment>,
    pub method: String,
    pub created_unix: i64,
    pub expires_unix: i64,
    /// The EDS session whose certificate proves this one.
    pub proof_session_id: Option<String>,
    /// The organisation the session's certificate speaks for (an NCA organisation key).
    pub organisation: Option<crate::identity::eds::Organisation>,
    pub client_addr: String,
    /// The request this principal made (for the audit rows it writes).
    pub request: RequestIds,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The audit log's view of this person: their most specific role.
    pub fn actor(&self) -> Actor {
        Actor {
            iin: Some(self.iin.clone()),
            role: actor_role(&self.roles).to_owned(),
            client_addr: self.client_addr.clone(),
            request: self.request.clone(),
        }
    }

    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

fn actor_role(roles: &[Role]) -> &'static str {
    roles
        .iter()
        .copied()
        .find(|r| *r != Role::Participant)
        .unwrap_or(Role::Participant)
        .as_str()
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.header(name)
}

/// The host and port this request was addressed to, from the runtime's `spin-full-url`
/// (wasi-http does not pass `Host` as a header), else from `Host`.
pub fn request_authority(req: &Request) -> Option<String> {
    header(req, "spin-full-url")
        .and_then(|url| url.split_once("://"))
        .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or("").to_owned())
        .filter(|a| !a.is_empty())
        .or_else(|| header(req, "host").map(str::to_owned))
}

/// Whether the request carries the deployment's internal token (`Authorization: Bearer …`,
/// compared through digests, so the time taken says nothing of the token): the operator's
/// credential. `None`: no token is set, so nobody is the operator here.
pub async fn carries_internal_token(req: &Request) -> Option<bool> {
    let expected = crate::platform::settings::INTERNAL_TOKEN
        .optional()
        .await
        .filter(|t| !t.trim().is_empty())?;
    let given = header(req, "authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    Some(random::constant_time_eq(
        random::token_hash(given).as_bytes(),
        random::token_hash(expected.trim()).as_bytes(),
    ))
}

/// The `portal_origin` variable, when the deployment sets it (without a trailing `/`).
pub async fn configured_portal_origin() -> Option<String> {
    crate::platform::settings::PORTAL_ORIGIN
        .optional()
        .await
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
}

/// The origin the portal is reached at: the `portal_origin` variable when set (behind a
/// TLS-terminating proxy the runtime sees plain HTTP), else the request's scheme and authority.
pub async fn portal_origin(req: &Request) -> String {
    if let Some(origin) = configured_portal_origin().await {
        return origin;
    }
    let scheme = header(req, "spin-full-url")
        .and_then(|url| url.split_once("://"))
        .map(|(scheme, _)| scheme.to_owned())
        .unwrap_or_else(|| "http".into());
    format!(
        "{scheme}://{}",
        request_authority(req).unwrap_or_else(|| "localhost".into())
    )
}

/// The trusted-proxy rule from the variables; a rule that does not parse trusts no proxy
/// (and says so in the log), which fails safe: every request counts as the proxy's.
async fn client_policy() -> crate::http::client::Policy {
    let proxies = crate::platform::settings::TRUSTED_PROXIES
        .optional()
        .await
        .unwrap_or_default();
    let header = crate::platform::settings::CLIENT_IP_HEADER
        .optional()
        .await
        .unwrap_or_default();
    crate::http::client::Policy::parse(&proxies, &header).unwrap_or_else(|e| {
        crate::log_line!("client address rule ignored: {e}");
        crate::http::client::Policy {
            trusted_proxies: Vec::new(),
            header: crate::http::client::ClientHeader::XForwardedFor,
        }
    })
}

/// The client's real address (see [`crate::http::client`]), as text.
pub async fn client_addr(req: &Request) -> String {
    client_ip(req).await.map_or_else(
        || header(req, "spin-client-addr").unwrap_or("").to_owned(),
        |ip| ip.to_string(),
    )
}

async fn client_ip(req: &Request) -> Option<std::net::IpAddr> {
    let peer = header(req, "spin-client-addr")?;
    let peer = peer
        .parse::<std::net::SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| peer.parse::<std::net::IpAddr>())
        .ok()?;
    let policy = client_policy().await;
    let values: Vec<&str> = req.header_values(policy.header.name()).collect();
    Some(policy.client_ip(peer, &values))
}

/// What sign-in throttling counts this client by (an IPv6 client by its /64).
pub async fn throttle_key(req: &Request) -> String {
    match client_ip(req).await {
        Some(ip) => crate::http::client::throttle_key(ip),
        None => client_addr(req).await,
    }
}

/// The actor of a request from someone not (yet) signed in.
pub async fn anonymous(req: &Request) -> Actor {
    Actor {
        iin: None,
        role: "anonymous".to_owned(),
        client_addr: client_addr(req).await,
        request: RequestIds::of(req),
    }
}

/// The session and the person's current standing, in one read.
const SESSION_QUERY: &str =
    "SELECT s.id, s.iin, s.method, s.created_unix, s.last_seen_unix, s.expires_unix,
        s.idle_timeout_secs, s.csrf_hash, s.proof_session_id, p.full_name,
        o.role, g.id, g.name, g.region, g.code,
        EXISTS (SELECT 1 FROM admins a WHERE a.iin = s.iin), s.organisation,
        s.revocation_unknown
 FROM sessions s
 LEFT JOIN persons p ON p.iin = s.iin
 LEFT JOIN officers o ON o.iin = s.iin AND o.active = 1
 LEFT JOIN organs g ON g.id = o.organ_id
 WHERE s.token_hash = ? AND s.revoked_at IS NULL";

/// What a signed-in person's handler works with: the database, who they are (read from the
/// database for this request, authority included), and the request. A handler takes it whole
/// and names what it uses: `let Desk { db, me, req } = desk;`.
#[derive(Clone, Copy)]
pub struct Desk<'a> {
    pub db: &'a Db,
    pub me: &'a Principal,
    pub req: &'a Request,
}

/// The signed-in person, or 401; a cookie-carried unsafe request without a valid CSRF token
/// and same-origin `Origin` is 403.
pub async fn authenticate(db: &Db, req: &Request) -> Result<Principal, ApiError> {
    let (token, carrier) = session::token_from(header(req, "authorization"), header(req, "cookie"))
        .ok_or(ApiError::Unauthorized)?;
    let token_hash = random::token_hash(&token);
    let row = db
        .one(SESSION_QUERY, &[text(&token_hash)])
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let session = SessionRow {
        id: col_text(&row, 0)?,
        created_unix: col_int(&row, 3)?,
        last_seen_unix: col_int(&row, 4)?,
        expires_unix: col_int(&row, 5)?,
        idle_timeout_secs: col_int(&row, 6)?,
    };
    let now = clock::now().timestamp();
    match session.liveness(now) {
        Liveness::Expired => return Err(ApiError::Unauthorized),
        Liveness::Live { needs_touch } if needs_touch => {
            // Conditional on the session still being live: a revocation that landed since the
            // read above is never undone by this write.
            db.exec(
                "UPDATE sessions SET last_seen_unix = ? WHERE id = ? AND revoked_at IS NULL",
                &[int(now), text(&session.id)],
            )
            .await?;
        }
        Liveness::Live { .. } => {}
    }
    let method = Method::of(req);
    let safe = matches!(method, Method::Get | Method::Head | Method::Options);
    // Read only where it decides something: a change carried by the cookie.
    let portal_origin = if !safe && carrier == session::Carrier::Cookie {
        configured_portal_origin().await
    } else {
        None
    };
    if !session::csrf_allows(
        carrier,
        safe,
        header(req, session::CSRF_HEADER),
        header(req, "origin"),
        request_authority(req).as_deref(),
        portal_origin.as_deref(),
        &col_text(&row, 7)?,
    ) {
        return Err(ApiError::Forbidden);
    }
    let iin = col_text(&row, 1)?;
    let method = col_text(&row, 2)?;
    // Powers over other people's data need a session proven by EDS, whose certificate's
    // revocation status was known when it began — unless the deployment lets everyone in on an
    // unknown status (`revocation_check_failure = open`). Read here, in every request, so a
    // power granted after a sign-in on an unknown status is not the session's either.
    let proven_by_eds = method == "eds"
        && (col_int(&row, 17)? == 0
            || crate::identity::signin::FailurePolicy::configured().await
                == Ok(crate::identity::signin::FailurePolicy::Open));
    let appointment = match (col_opt_text(&row, 10), col_opt_int(&row, 11)) {
        (Some(role), Some(organ_id)) if proven_by_eds => {
            Role::parse_officer(&role).map(|role| Appointment {
                role,
                organ: Organ {
                    id: organ_id,
                    name: col_opt_text(&row, 12).unwrap_or_default(),
                    region: col_opt_text(&row, 13).unwrap_or_default(),
                    code: col_opt_text(&row, 14),
                    contact: None,
                },
            })
        }
        _ => None,
    };
    let is_admin = proven_by_eds && col_int(&row, 15)? == 1;
    let mut roles = vec![Role::Participant];
    roles.extend(appointment.as_ref().map(|a| a.role));
    if is_admin {
        roles.push(Role::Admin);
    }
    // The log line names the kind of principal, never the person.
    req.context().set_principal(if is_admin {
        "admin"
    } else if appointment.is_some() {
        "officer"
    } else {
        "participant"
    });
    Ok(Principal {
        session_id: session.id,
        token_hash,
        full_name: col_opt_text(&row, 9).unwrap_or_default(),
        iin,
        roles,
        organ: appointment.as_ref().map(|a| a.organ.clone()),
        appointment,
        method,
        created_unix: session.created_unix,
        expires_unix: session.expires_unix,
        proof_session_id: col_opt_text(&row, 8),
        // Written by this code at sign-in; unreadable would mean a hand-edited row: none.
        organisation: col_opt_text(&row, 16).and_then(|json| serde_json::from_str(&json).ok()),
        client_addr: client_addr(req).await,
        request: RequestIds::of(req),
    })
}

/// Runs `run` for the signed-in person when the request's method is `allowed` (else 405 naming
/// `allow`), on the database it was authenticated against.
pub async fn signed_in(
    req: &Request,
    allowed: Method,
    allow: &'static str,
    run: impl AsyncFnOnce(&Db, &Principal) -> Result<crate::http::Reply, ApiError>,
) -> Result<crate::http::Reply, ApiError> {
    if req.method() != allowed {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    let db = Db::open().await?;
    let me = authenticate(&db, req).await?;
    run(&db, &me).await
}

/// Someone whose identity was just proven, about to get a session.
#[derive(Debug, Clone)]
pub struct Proven {
    pub iin: String,
    pub full_name: String,
    /// How they proved it: the certificates of an EDS sign-in, or the EDS session a password
    /// was set from.
    pub proof: Proof,
    /// The audit role of the sign-in, from the standing read when the credential was checked
    /// (not read again inside the session's write transaction).
    pub role: &'static str,
    /// The organisation the certificate speaks for, if any.
    pub organisation: Option<crate::identity::eds::Organisation>,
    /// The certificate's revocation status could not be established, and the sign-in was let
    /// through by `revocation_check_failure`: the session holds no officer or admin power
    /// (unless that policy is `open`), whenever it is granted.
    pub revocation_unknown: bool,
}

#[derive(Debug, Clone)]
pub enum Proof {
    /// The leaf and intermediate certificates that verified.
    Eds(Vec<CertKey>),
    /// A password, set from this EDS session.
    Password { proof_session_id: Option<String> },
}

impl Proof {
    fn method(&self) -> &'static str {
        match self {
            Proof::Eds(_) => "eds",
            Proof::Password { .. } => "password",
        }
    }
}

/// A session just started: the secrets go to the client once and are never stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub session_id: String,
    pub expires_at: String,
    #[serde(skip)]
    pub expires_unix: i64,
}

/// A person's current appointment (an active officer's role) and whether they are an admin.
pub async fn officer_and_admin(db: &Db, iin: &str) -> Result<(Option<Role>, bool), ApiError> {
    let row = db
        .one(
            "SELECT (SELECT role FROM officers WHERE iin = ?1 AND active = 1),
                EXISTS (SELECT 1 FROM admins WHERE iin = ?1)",
            &[text(iin)],
        )
        .await?;
    let officer = row
        .as_ref()
        .and_then(|r| col_opt_text(r, 0))
        .and_then(|r| Role::parse_officer(&r));
    let admin = row.as_ref().and_then(|r| col_opt_int(r, 1)) == Some(1);
    Ok((officer, admin))
}

/// The audit role of a person signing in with a certificate: what their standing gives an EDS
/// session (a password session is only ever a participant's).
pub fn eds_sign_in_role(officer: Option<Role>, admin: bool) -> &'static str {
    let mut roles = vec![Role::Participant];
    roles.extend(officer);
    if admin {
        roles.push(Role::Admin);
    }
    actor_role(&roles)
}

/// Starts a session: its row, the certificates that proved it, `also` (more writes of the same
/// sign-in) and the audit row commit together.
pub async fn start_session(
    db: &Db,
    person: &Proven,
    req: &Request,
    also: impl AsyncFn(&Db, &str) -> Result<(), ApiError>,
) -> Result<NewSession, ApiError> {
    let token = random::token()?;
    let csrf_token = random::token()?;
    let id = random::id()?;
    let now = clock::now();
    let now_unix = now.timestamp();
    let limits = session::Limits::from_config(
        crate::platform::settings::SESSION_IDLE_TIMEOUT_SECS
            .optional()
            .await
            .as_deref(),
        crate::platform::settings::SESSION_LIFETIME_SECS
            .optional()
            .await
            .as_deref(),
    );
    let expires_unix = now_unix + limits.lifetime_secs;
    let expires_at = clock::rfc3339(clock::from_unix(expires_unix));
    let token_hash = random::token_hash(&token);
    let client = client_addr(req).await;
    let user_agent: String = header(req, "user-agent")
        .unwrap_or("")
        .chars()
        .take(256)
        .collect();
    let method = person.proof.method();
    let organisation = person
        .organisation
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let proof_session_id = match &person.proof {
        Proof::Eds(_) => Some(id.clone()),
        Proof::Password { proof_session_id } => proof_session_id.clone(),
    };
    db.transaction(async |db| {
        also(db, &id).await?;
        let actor = Actor {
            iin: Some(person.iin.clone()),
            role: person.role.to_owned(),
            client_addr: client.clone(),
            request: RequestIds::of(req),
        };
        db.exec(
            "INSERT INTO sessions (id, token_hash, iin, method, created_at, expires_at, expires_unix,
                 client_addr, user_agent, created_unix, last_seen_unix, idle_timeout_secs, csrf_hash,
                 proof_session_id, organisation, revocation_unknown)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                text(&id),
                text(&token_hash),
                text(&person.iin),
                text(method),
                text(clock::rfc3339(now)),
                text(&expires_at),
                int(expires_unix),
                text(&client),
                text(&user_agent),
                int(now_unix),
                int(now_unix),
                int(limits.idle_timeout_secs),
                text(random::token_hash(&csrf_token)),
                proof_session_id.as_deref().map(text).unwrap_or(SqlValue::Null),
                organisation.as_deref().map(text).unwrap_or(SqlValue::Null),
                int(i64::from(person.revocation_unknown)),
            ],
        ).await?;
        if let Proof::Eds(certificates) = &person.proof
            && !certificates.is_empty()
        {
            // One statement for the whole chain: a round trip less per certificate on libSQL.
            let rows = vec!["(?, ?, ?)"; certificates.len()].join(", ");
            let params: Vec<SqlValue> = certificates
                .iter()
                .flat_map(|cert| [text(&id), text(&cert.issuer_key), text(&cert.serial_hex)])
                .collect();
            db.exec(
                &format!(
                    "INSERT INTO session_certificates (session_id, issuer_key, serial_hex) VALUES {rows}
                     ON CONFLICT DO NOTHING"
                ),
                &params,
            )
            .await?;
        }
        crate::audit::record(
            db,
            &actor,
            "sign_in",
            &format!("session:{id}"),
            serde_json::json!({ "method": method }),
        )
        .await
    })
    .await?;
    Ok(NewSession {
        token,
        csrf_token,
        session_id: id,
        expires_at,
        expires_unix,
    })
}

/// Ends a session, with its audit row, in one transaction.
pub async fn end_session(
    db: &Db,
    session_id: &str,
    actor: &Actor,
    action: &str,
) -> Result<(), ApiError> {
    db.transaction(async |db| end_session_in(db, session_id, actor, action).await)
        .await
}

/// [`end_session`] inside the caller's transaction.
pub async fn end_session_in(
    db: &Db,
    session_id: &str,
    actor: &Actor,
    action: &str,
) -> Result<(), ApiError> {
    db.exec(
        "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
        &[
            text(clock::rfc3339(clock::now())),
            text(action),
            text(session_id),
        ],
    ).await?;
    crate::audit::record(
        db,
        actor,
        action,
        &format!("session:{session_id}"),
        serde_json::json!({}),
    )
    .await
}

/// Ends every live session of a person except `keep`, inside the caller's transaction, with
/// one audit row; returns how many ended.
pub async fn end_other_sessions(
    db: &Db,
    iin: &str,
    keep: Option<&str>,
    actor: &Actor,
    reason: &str,
) -> Result<i64, ApiError> {
    db.exec(
        "UPDATE sessions SET revoked_at = ?, revoked_reason = ?
         WHERE iin = ? AND revoked_at IS NULL AND id IS NOT ?",
        &[
            text(clock::rfc3339(clock::now())),
            text(reason),
            text(iin),
            keep.map(text).unwrap_or(SqlValue::Null),
        ],
    )
    .await?;
    let ended = db
        .one("SELECT changes()", &[])
        .await?
        .map(|r| col_int(&r, 0))
        .transpose()?
        .unwrap_or(0);
    crate::audit::record(
        db,
        actor,
        "sessions_ended",
        &format!("person:{iin}"),
        serde_json::json!({ "reason": reason, "count": ended }),
    )
    .await?;
    Ok(ended)
}
