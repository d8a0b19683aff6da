//! Sessions: 256-bit bearer tokens of which only the SHA-256 is stored, an idle timeout and an
//! absolute lifetime, the cookie that carries the token in browsers and the CSRF rule for it.

use crate::platform::random;

pub const IDLE_TIMEOUT_SECS: i64 = 30 * 60;
pub const ABSOLUTE_LIFETIME_SECS: i64 = 12 * 60 * 60;
/// `last_seen` is written back at most this often: a write on every read would be costly.
pub const TOUCH_INTERVAL_SECS: i64 = 60;
pub const COOKIE_NAME: &str = "__Host-jaria_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What liveness needs of a session row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub created_unix: i64,
    pub last_seen_unix: i64,
    pub expires_unix: i64,
    /// The idle timeout in force when the session started.
    pub idle_timeout_secs: i64,
}

/// Session limits, from Spin variables where an operator set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub idle_timeout_secs: i64,
    pub lifetime_secs: i64,
}

impl Limits {
    /// Parses operator-given values; anything missing or not a positive number of seconds
    /// falls back to the defaults (30 minutes idle, 12 hours in all).
    pub fn from_config(idle: Option<&str>, lifetime: Option<&str>) -> Self {
        let parse = |v: Option<&str>, default: i64| {
            v.and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(default)
        };
        Self {
            idle_timeout_secs: parse(idle, IDLE_TIMEOUT_SECS),
            lifetime_secs: parse(lifetime, ABSOLUTE_LIFETIME_SECS),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Live { needs_touch: bool },
    Expired,
}

impl SessionRow {
    pub fn liveness(&self, now_unix: i64) -> Liveness {
        if now_unix >= self.expires_unix || now_unix - self.last_seen_unix >= self.idle_timeout_secs
        {
            Liveness::Expired
        } else {
            Liveness::Live {
                needs_touch: now_unix - self.last_seen_unix >= TOUCH_INTERVAL_SECS,
            }
        }
    }
}

/// How the request carried its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Bearer,
    Cookie,
}

/// The token from `Authorization: Bearer …`, else from the session cookie.
pub fn token_from(authorization: Option<&str>, cookie: Option<&str>) -> Option<(String, Carrier)> {
    if let Some(auth) = authorization {
        let (scheme, token) = auth.trim().split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") && is_token_shaped(token.trim()) {
            return Some((token.trim().to_owned(), Carrier::Bearer));
        }
        return None;
    }
    let cookie = cookie?;
    cookie.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE_NAME && is_token_shaped(value)).then(|| (value.to_owned(), Carrier::Cookie))
    })
}

fn is_token_shaped(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn set_cookie(token: &str) -> String {
    format!(
        "{COOKIE_NAME}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={ABSOLUTE_LIFETIME_SECS}"
    )
}

pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
}

/// A cookie-carried unsafe request must prove it comes from the portal's own pages: the CSRF
/// token from sign-in in a header, and an `Origin` that is the portal's — exactly
/// `portal_origin` (scheme, host and port) when the deployment names it, else one naming this
/// host. Bearer requests carry their credential explicitly and need neither.
pub fn csrf_allows(
    carrier: Carrier,
    method_is_safe: bool,
    csrf_header: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
    portal_origin: Option<&str>,
    csrf_hash: &str,
) -> bool {
    if carrier == Carrier::Bearer || method_is_safe {
        return true;
    }
    let token_ok = csrf_header.is_some_and(|t| {
        random::constant_time_eq(random::token_hash(t).as_bytes(), csrf_hash.as_bytes())
    });
    let origin_ok = match (origin, portal_origin, host) {
        // Behind a TLS-terminating proxy the runtime's view of the host says nothing of the
        // scheme: a page over plain HTTP on the same name is not the portal.
        (Some(origin), Some(portal), _) => {
            origin.trim_end_matches('/').eq_ignore_ascii_case(portal)
        }
        (Some(origin), None, Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        _ => false,
    };
    token_ok && origin_ok
}

/// `iin`'s sessions still usable at `now` (not revoked, not past their lifetime, not idle too
/// long), newest first, as the person's list shows them; `current` marks the caller's own.
pub async fn live_of(
    db: &crate::platform::db::Db,
    iin: &str,
    current: &str,
    now: i64,
) -> Result<Vec<serde_json::Value>, crate::platform::error::ApiError> {
    use crate::platform::db::{col_int, col_text, int, text};
    let rows = db
        .query(
            "SELECT id, method, created_at, expires_at, client_addr, user_agent, created_unix,
                    last_seen_unix, expires_unix, idle_timeout_secs
             FROM sessions WHERE iin = ? AND revoked_at IS NULL AND expires_unix > ?
             ORDER BY created_unix DESC LIMIT 100",
            &[text(iin), int(now)],
        )
        .await?;
    let mut sessions = Vec::new();
    for row in &rows.rows {
        let id = col_text(row, 0)?;
        let liveness = SessionRow {
            id: id.clone(),
            created_unix: col_int(row, 6)?,
            last_seen_unix: col_int(row, 7)?,
            expires_unix: col_int(row, 8)?,
            idle_timeout_secs: col_int(row, 9)?,
        }
        .liveness(now);
        if liveness == Liveness::Expired {
            continue;
        }
        sessions.push(serde_json::json!({
            "id": id,
            "current": id == current,
            "method": col_text(row, 1)?,
            "created_at": col_text(row, 2)?,
            "expires_at": col_text(row, 3)?,
            "last_seen_at": crate::platform::clock::rfc3339(crate::platform::clock::from_unix(col_int(row, 7)?)),
            "client_addr": col_text(row, 4)?,
            "user_agent": col_text(row, 5)?,
        }));
    }
    Ok(sessions)
}

/// Whether `id` is a session of `iin` not yet ended.
pub async fn is_open_of(
    db: &crate::platform::db::Db,
    id: &str,
    iin: &str,
) -> Result<bool, crate::platform::error::ApiError> {
    use crate::platform::db::text;
    Ok(db
        .one(
            "SELECT 1 FROM sessions WHERE id = ? AND iin = ? AND revoked_at IS NULL",
            &[text(id), text(iin)],
        )
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(now: i64) -> SessionRow {
        SessionRow {
            id: "s1".into(),
            created_unix: now,
            last_seen_unix: now,
            expires_unix: now + ABSOLUTE_LIFETIME_SECS,
            idle_timeout_secs: IDLE_TIMEOUT_SECS,
        }
    }

    #[test]
    fn limits_come_from_config_with_safe_defaults() {
        assert_eq!(
            Limits::from_config(None, None),
            Limits {
                idle_timeout_secs: IDLE_TIMEOUT_SECS,
                lifetime_secs: ABSOLUTE_LIFETIME_SECS
            }
        );
        assert_eq!(
            Limits::from_config(Some("5"), Some("60")).idle_timeout_secs,
            5
        );
        assert_eq!(
            Limits::from_config(Some("-1"), Some("x")),
            Limits::from_config(None, None)
        );
    }

    #[test]
    fn idle_and_absolute_limits() {
        let r = record(1000);
        assert_eq!(r.liveness(1000), Liveness::Live { needs_touch: false });
        assert_eq!(r.liveness(1000 + 61), Liveness::Live { needs_touch: true });
        assert_eq!(r.liveness(1000 + IDLE_TIMEOUT_SECS), Liveness::Expired);
        let mut busy = record(1000);
        busy.last_seen_unix = 1000 + ABSOLUTE_LIFETIME_SECS - 10;
        assert_eq!(
            busy.liveness(1000 + ABSOLUTE_LIFETIME_SECS),
            Liveness::Expired
        );
    }

    #[test]
    fn tokens_come_from_bearer_or_cookie() {
        let t = "a".repeat(43);
        assert_eq!(
            token_from(Some(&format!("Bearer {t}")), None),
            Some((t.clone(), Carrier::Bearer))
        );
        assert_eq!(
            token_from(None, Some(&format!("x=1; {COOKIE_NAME}={t}; y=2"))),
            Some((t.clone(), Carrier::Cookie))
        );
        assert_eq!(token_from(Some("Basic abc"), None), None);
        assert_eq!(token_from(Some("Bearer short"), None), None);
        assert_eq!(token_from(None, Some("other=1")), None);
        // An explicit but malformed Authorization header does not fall back to the cookie.
        assert_eq!(
            token_from(Some("Bearer bad"), Some(&format!("{COOKIE_NAME}={t}"))),
            None
        );
    }

    #[test]
    fn csrf_rule() {
        let hash = random::token_hash("csrf");
        let origin = Some("https://portal.kz");
        // Without `portal_origin`: the request's host decides.
        let allows = |carrier, safe, token, origin| {
            csrf_allows(carrier, safe, token, origin, Some("portal.kz"), None, &hash)
        };
        assert!(allows(Carrier::Bearer, false, None, None));
        assert!(allows(Carrier::Cookie, true, None, None));
        assert!(allows(Carrier::Cookie, false, Some("csrf"), origin));
        assert!(!allows(Carrier::Cookie, false, None, origin));
        assert!(!allows(Carrier::Cookie, false, Some("wrong"), origin));
        assert!(!allows(Carrier::Cookie, false, Some("csrf"), None));
        assert!(!allows(
            Carrier::Cookie,
            false,
            Some("csrf"),
            Some("https://evil.example")
        ));
    }

    #[test]
    fn with_portal_origin_set_only_that_exact_origin_changes_anything() {
        let hash = random::token_hash("csrf");
        let host = Some("portal.kz");
        let portal = Some("https://portal.kz");
        let allows = |origin| {
            csrf_allows(
                Carrier::Cookie,
                false,
                Some("csrf"),
                Some(origin),
                host,
                portal,
                &hash,
            )
        };
        assert!(allows("https://portal.kz"));
        assert!(allows("https://PORTAL.kz"));
        for foreign in [
            "http://portal.kz",
            "https://portal.kz:8443",
            "https://portal.kz.evil",
            "null",
        ] {
            assert!(!allows(foreign), "{foreign}");
        }
    }

    #[test]
    fn cookie_is_locked_down() {
        let c = set_cookie("tok");
        for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(c.contains(attr), "{c}");
        }
    }
}
