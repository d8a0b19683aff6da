//! Authentication for every component: the session token from `Authorization: Bearer` or the
//! session cookie, checked against the key-value store, with the CSRF rule for cookies.

use spin_sdk::http::Request;

use crate::audit::Actor;
use crate::error::ApiError;
use crate::http::Method;
use crate::identity::{Organ, Role};
use crate::session::{self, Liveness, SessionRecord};
use crate::{clock, random, storage};

/// The signed-in person making this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub session_id: String,
    pub token_hash: String,
    pub iin: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub organ: Option<Organ>,
    pub method: String,
    pub expires_unix: i64,
    pub client_addr: String,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The audit log's view of this person: their most specific role.
    pub fn actor(&self) -> Actor {
        let role = self
            .roles
            .iter()
            .copied()
            .find(|r| *r != Role::Participant)
            .unwrap_or(Role::Participant);
        Actor {
            iin: Some(self.iin.clone()),
            role: role.as_str().to_owned(),
            client_addr: self.client_addr.clone(),
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

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.header(name).and_then(|v| v.as_str())
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

/// The client's address as the runtime saw it (`spin-client-addr`).
pub fn client_addr(req: &Request) -> String {
    header(req, "spin-client-addr").unwrap_or("").to_owned()
}

/// The client's IP address without the port: what throttling counts by (every new
/// connection has a new port).
pub fn client_ip(req: &Request) -> String {
    let addr = client_addr(req);
    addr.parse::<std::net::SocketAddr>()
        .map(|a| a.ip().to_string())
        .unwrap_or(addr)
}

/// The actor of a request from someone not (yet) signed in.
pub fn anonymous(req: &Request) -> Actor {
    Actor {
        iin: None,
        role: "anonymous".to_owned(),
        client_addr: client_addr(req),
    }
}

/// The signed-in person, or 401; a cookie-carried unsafe request without a valid CSRF token
/// and same-origin `Origin` is 403.
pub fn authenticate(req: &Request) -> Result<Principal, ApiError> {
    let (token, carrier) = session::token_from(header(req, "authorization"), header(req, "cookie"))
        .ok_or(ApiError::Unauthorized)?;
    let token_hash = random::token_hash(&token);
    let key = session::kv_key(&token_hash);
    let store = storage::kv()?;
    let bytes = storage::kv_get(&store, &key)?.ok_or(ApiError::Unauthorized)?;
    let mut record: SessionRecord = serde_json::from_slice(&bytes).map_err(|e| {
        eprintln!("unreadable session record: {e}");
        ApiError::Unauthorized
    })?;
    let now = clock::now().timestamp();
    match record.liveness(now) {
        Liveness::Expired => {
            let _ = store.delete(&key);
            return Err(ApiError::Unauthorized);
        }
        Liveness::Live { needs_touch } => {
            if needs_touch {
                record.last_seen_unix = now;
                // Best effort: a lost touch only shortens the idle window by a minute.
                if let Ok(bytes) = serde_json::to_vec(&record) {
                    let _ = store.set(&key, &bytes);
                }
            }
        }
    }
    let method = Method::of(req);
    let safe = matches!(method, Method::Get | Method::Head | Method::Options);
    if !session::csrf_allows(
        carrier,
        safe,
        header(req, session::CSRF_HEADER),
        header(req, "origin"),
        request_authority(req).as_deref(),
        &record.csrf_hash,
    ) {
        return Err(ApiError::Forbidden);
    }
    Ok(Principal {
        session_id: record.id,
        token_hash,
        iin: record.iin,
        full_name: record.full_name,
        roles: record.roles,
        organ: record.organ,
        method: record.method,
        expires_unix: record.expires_unix,
        client_addr: client_addr(req),
    })
}

/// Someone whose identity was just proven, about to get a session.
#[derive(Debug, Clone)]
pub struct Proven {
    pub iin: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub organ: Option<Organ>,
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

/// Starts a session: its durable row, `also` (more writes of the same sign-in) and the audit
/// row commit together; then the hot copy goes to the key-value store.
pub fn start_session(
    db: &crate::db::Db,
    person: &Proven,
    method: &str,
    req: &Request,
    also: impl FnOnce(&crate::db::Db) -> Result<(), ApiError>,
) -> Result<NewSession, ApiError> {
    use crate::db::{int, text};
    let token = random::token()?;
    let csrf_token = random::token()?;
    let id = random::id()?;
    let now = clock::now();
    let now_unix = now.timestamp();
    let limits = session::Limits::from_config(
        crate::config::optional("session_idle_timeout_secs").as_deref(),
        crate::config::optional("session_lifetime_secs").as_deref(),
    );
    let expires_unix = now_unix + limits.lifetime_secs;
    let expires_at = clock::rfc3339(clock::from_unix(expires_unix));
    let token_hash = random::token_hash(&token);
    let client = client_addr(req);
    let user_agent: String = header(req, "user-agent")
        .unwrap_or("")
        .chars()
        .take(256)
        .collect();
    let actor = Actor {
        iin: Some(person.iin.clone()),
        role: person
            .roles
            .iter()
            .copied()
            .find(|r| *r != Role::Participant)
            .unwrap_or(Role::Participant)
            .as_str()
            .to_owned(),
        client_addr: client.clone(),
    };
    db.transaction(|db| {
        also(db)?;
        db.exec(
            "INSERT INTO sessions (id, token_hash, iin, method, created_at, expires_at, expires_unix, client_addr, user_agent)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                text(&id),
                text(&token_hash),
                text(&person.iin),
                text(method),
                text(clock::rfc3339(now)),
                text(&expires_at),
                int(expires_unix),
                text(&client),
                text(user_agent),
            ],
        )?;
        crate::audit::record(
            db,
            &actor,
            "sign_in",
            &format!("session:{id}"),
            serde_json::json!({ "method": method }),
        )
    })?;
    let record = SessionRecord {
        id: id.clone(),
        iin: person.iin.clone(),
        full_name: person.full_name.clone(),
        roles: person.roles.clone(),
        organ: person.organ.clone(),
        method: method.to_owned(),
        created_unix: now_unix,
        last_seen_unix: now_unix,
        expires_unix,
        csrf_hash: random::token_hash(&csrf_token),
        idle_timeout_secs: limits.idle_timeout_secs,
    };
    let bytes = serde_json::to_vec(&record).map_err(|e| ApiError::Internal(e.to_string()))?;
    storage::kv_set(&storage::kv()?, &session::kv_key(&token_hash), &bytes)?;
    Ok(NewSession {
        token,
        csrf_token,
        session_id: id,
        expires_at,
        expires_unix,
    })
}

/// Ends a session. The hot copy goes first: if anything fails after that, the session is
/// already unusable (fail safe), and a retry completes the record.
pub fn end_session(
    db: &crate::db::Db,
    session_id: &str,
    token_hash: &str,
    actor: &Actor,
    action: &str,
) -> Result<(), ApiError> {
    use crate::db::text;
    let store = storage::kv()?;
    store
        .delete(&session::kv_key(token_hash))
        .map_err(|e| ApiError::Unavailable(format!("key-value delete: {e}")))?;
    db.transaction(|db| {
        db.exec(
            "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            &[text(clock::rfc3339(clock::now())), text(session_id)],
        )?;
        crate::audit::record(
            db,
            actor,
            action,
            &format!("session:{session_id}"),
            serde_json::json!({}),
        )
    })
}
