//! Who a proven IIN is: roles from the officers and admins tables (and the bootstrap admins
//! from the `bootstrap_admin_iins` variable), and the throttle on failed sign-ins.

use jaria_portal::ApiError;
use jaria_portal::audit::{self, Actor};
use jaria_portal::db::{Db, col_int, col_text, int, text};
use jaria_portal::identity::{Organ, Role};
use jaria_portal::lockout::{self, Decision};
use jaria_portal::{clock, config};

pub struct Identity {
    pub roles: Vec<Role>,
    pub organ: Option<Organ>,
    /// On the bootstrap list but not yet in the admins table: recorded at this sign-in.
    pub bootstrap_admin: bool,
}

pub fn bootstrap_admins() -> Vec<String> {
    config::optional("bootstrap_admin_iins")
        .unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn identity(db: &Db, iin: &str) -> Result<Identity, ApiError> {
    let mut roles = vec![Role::Participant];
    let mut organ = None;
    if let Some(row) = db.one(
        "SELECT o.role, g.id, g.name, g.region FROM officers o JOIN organs g ON g.id = o.organ_id
         WHERE o.iin = ? AND o.active = 1",
        &[text(iin)],
    )? {
        if let Some(role) = Role::parse_officer(&col_text(&row, 0)?) {
            roles.push(role);
        }
        organ = Some(Organ {
            id: col_int(&row, 1)?,
            name: col_text(&row, 2)?,
            region: col_text(&row, 3)?,
        });
    }
    let is_admin = db
        .one("SELECT 1 FROM admins WHERE iin = ?", &[text(iin)])?
        .is_some();
    let bootstrap_admin = !is_admin && bootstrap_admins().iter().any(|a| a == iin);
    if is_admin || bootstrap_admin {
        roles.push(Role::Admin);
    }
    Ok(Identity {
        roles,
        organ,
        bootstrap_admin,
    })
}

/// Refuses the attempt (429) while the IIN or the client address is locked out, writing the
/// refusal to the audit log.
pub fn check_throttle(
    db: &Db,
    iin: Option<&str>,
    client_ip: &str,
    actor: &Actor,
) -> Result<(), ApiError> {
    let now = clock::now().timestamp();
    let since = now - lockout::WINDOW_SECS;
    let mut scopes = vec![("client", client_ip, limit("lockout_client_failures"))];
    if let Some(iin) = iin {
        scopes.push(("iin", iin, limit("lockout_iin_failures")));
    }
    for (scope, key, free) in scopes {
        let rows = db.query(
            "SELECT at_unix FROM auth_failures WHERE scope = ? AND key = ? AND at_unix > ?",
            &[text(scope), text(key), int(since)],
        )?;
        let times: Vec<i64> = rows.rows.iter().filter_map(|r| r.get::<i64>(0)).collect();
        if let Decision::Locked { retry_after_secs } = lockout::decide(&times, free, now) {
            db.transaction(|db| {
                audit::record(
                    db,
                    actor,
                    "sign_in_locked_out",
                    &format!("{scope}:{key}"),
                    serde_json::json!({ "retry_after_secs": retry_after_secs }),
                )
            })?;
            return Err(ApiError::TooManyRequests {
                retry_after_secs: retry_after_secs.max(1) as u32,
            });
        }
    }
    Ok(())
}

/// Failures tolerated before a lock-out, from a Spin variable (default 5).
fn limit(variable: &str) -> usize {
    config::optional(variable)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(lockout::DEFAULT_FREE_FAILURES)
}

/// Counts one failed sign-in against the client address and, if known, the IIN, with its
/// audit row, in one transaction.
pub fn record_failure(
    db: &Db,
    iin: Option<&str>,
    client_ip: &str,
    actor: &Actor,
    method: &str,
    reason: &str,
) -> Result<(), ApiError> {
    let now = clock::now().timestamp();
    db.transaction(|db| {
        db.exec(
            "INSERT INTO auth_failures (scope, key, at_unix) VALUES ('client', ?, ?)",
            &[text(client_ip), int(now)],
        )?;
        if let Some(iin) = iin {
            db.exec(
                "INSERT INTO auth_failures (scope, key, at_unix) VALUES ('iin', ?, ?)",
                &[text(iin), int(now)],
            )?;
        }
        // Old rows are no longer needed for any decision.
        db.exec(
            "DELETE FROM auth_failures WHERE at_unix < ?",
            &[int(now - 24 * 3600)],
        )?;
        audit::record(
            db,
            actor,
            "sign_in_failed",
            &iin.map(|i| format!("person:{i}"))
                .unwrap_or_else(|| "person:unknown".into()),
            serde_json::json!({ "method": method, "reason": reason }),
        )
    })
}
