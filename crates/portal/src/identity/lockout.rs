//! Throttling of sign-in guesses, per IIN and per client address: past 5 failures in 15
//! minutes (each limit configurable), further attempts wait, and the wait doubles with each
//! further failure.
//!
//! Check and record are one step ([`begin`]): an attempt writes its failure row before the
//! credential is checked, in the same transaction as the count, and the row is removed only if
//! the credential was right ([`succeeded`]). Parallel guesses therefore see each other: no burst
//! gets past the limit. A refused attempt writes nothing but, once per lock, the lock itself.

use crate::audit::{self, Actor};
use crate::platform::db::{Db, int, text};
use crate::platform::error::ApiError;

pub const WINDOW_SECS: i64 = 15 * 60;
pub const DEFAULT_FREE_FAILURES: usize = 5;
const FIRST_LOCK_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Locked { retry_after_secs: i64 },
}

/// `failures` are the times (unix seconds) of failures within the window, in any order;
/// `free` is how many are tolerated before the lock.
pub fn decide(failures: &[i64], free: usize, now: i64) -> Decision {
    let recent: Vec<i64> = failures
        .iter()
        .copied()
        .filter(|t| now - t < WINDOW_SECS)
        .collect();
    if recent.len() < free.max(1) {
        return Decision::Allowed;
    }
    let extra = (recent.len() - free.max(1)).min(10) as u32;
    let lock = (FIRST_LOCK_SECS << extra).min(WINDOW_SECS);
    let last = recent.iter().copied().max().unwrap_or(now);
    let until = last + lock;
    if now < until {
        Decision::Locked {
            retry_after_secs: until - now,
        }
    } else {
        Decision::Allowed
    }
}

/// One counter a sign-in attempt is held to.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// `iin` or `client`.
    pub name: &'static str,
    pub key: &'a str,
    /// Failures tolerated in the window before the lock.
    pub free: usize,
    /// Counted, never locked: the caller asks for work instead ([`work_bits`]).
    pub soft: bool,
}

/// The least and the most proof of work asked of a client past its allowance: about 2^12
/// SHA-256 (nothing, even on a phone) growing by one bit per further failure to about 2^18
/// (half a second in a desktop browser, a second or two on a phone; for a script, about
/// what checking its signature costs the portal). Capped so that someone behind the same
/// address (a mobile operator's CGNAT) always gets in, at a cost, however much others fail.
pub const MIN_WORK_BITS: u8 = 12;
pub const MAX_WORK_BITS: u8 = 18;

/// The work asked of a client with `failures` recent failures, `free` of them tolerated: none
/// within the allowance, then from [`MIN_WORK_BITS`] up by one a failure to [`MAX_WORK_BITS`].
pub fn work_bits(failures: usize, free: usize) -> u8 {
    if failures < free.max(1) {
        return 0;
    }
    let extra = u8::try_from(failures - free.max(1)).unwrap_or(u8::MAX);
    MIN_WORK_BITS.saturating_add(extra).min(MAX_WORK_BITS)
}

/// Failures of one scope within the window (a read: no write lock).
pub async fn recent_failures(db: &Db, name: &str, key: &str, now: i64) -> Result<usize, ApiError> {
    let row = db
        .one(
            "SELECT count(*) FROM auth_failures WHERE scope = ? AND key = ? AND at_unix > ?",
            &[text(name), text(key), int(now - WINDOW_SECS)],
        )
        .await?;
    Ok(row
        .and_then(|r| r.get::<i64>(0))
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0))
}

/// A sign-in attempt holding its place in the counts while it runs.
#[derive(Debug, Clone)]
pub struct Attempt {
    token: String,
}

/// Outcome of the counting transaction (committed either way: a new lock is recorded).
enum Begun {
    Go(Attempt),
    Locked(i64),
}

/// Counts the recent failures of every scope and, unless one is locked, records this attempt
/// as a failure in each — all in one write transaction. Locked: 429 with `Retry-After`, and
/// the lock (with its audit row) recorded once.
pub async fn begin(
    db: &Db,
    scopes: &[Scope<'_>],
    actor: &Actor,
    now: i64,
) -> Result<Attempt, ApiError> {
    let token = crate::platform::random::id()?;
    if scopes.is_empty() {
        return Ok(Attempt { token });
    }
    // One statement reads the recent failures of every scope that can lock (a soft one never
    // does: it is only counted) and one records the attempt in each: on libSQL every statement
    // inside the transaction is a round trip that other writers wait through.
    let locking: Vec<&Scope<'_>> = scopes.iter().filter(|scope| !scope.soft).collect();
    let matches = vec!["(scope = ? AND key = ?)"; locking.len()].join(" OR ");
    let mut params: Vec<crate::platform::db::SqlValue> = locking
        .iter()
        .flat_map(|scope| [text(scope.name), text(scope.key)])
        .collect();
    params.push(int(now - WINDOW_SECS));
    let begun = db.transaction(async |db| {
        let rows = if locking.is_empty() {
            Vec::new()
        } else {
            db.query(
                &format!(
                    "SELECT scope, key, at_unix FROM auth_failures WHERE ({matches}) AND at_unix > ?"
                ),
                &params,
            )
            .await?
            .rows
        };
        for scope in &locking {
            let times: Vec<i64> = rows
                .iter()
                .filter(|r| {
                    r.get::<&str>(0) == Some(scope.name) && r.get::<&str>(1) == Some(scope.key)
                })
                .filter_map(|r| r.get::<i64>(2))
                .collect();
            if let Decision::Locked { retry_after_secs } = decide(&times, scope.free, now) {
                let locked_already = db
                    .one(
                        "SELECT 1 FROM auth_lockouts WHERE scope = ? AND key = ? AND until_unix > ?",
                        &[text(scope.name), text(scope.key), int(now)],
                    ).await?
                    .is_some();
                if !locked_already {
                    db.exec(
                        "INSERT INTO auth_lockouts (scope, key, until_unix) VALUES (?, ?, ?)
                         ON CONFLICT (scope, key) DO UPDATE SET until_unix = excluded.until_unix",
                        &[text(scope.name), text(scope.key), int(now + retry_after_secs)],
                    ).await?;
                    audit::record(
                        db,
                        actor,
                        "sign_in_locked_out",
                        &format!("{}:{}", scope.name, scope.key),
                        serde_json::json!({ "retry_after_secs": retry_after_secs }),
                    ).await?;
                }
                return Ok(Begun::Locked(retry_after_secs));
            }
        }
        let values = vec!["(?, ?, ?, ?)"; scopes.len()].join(", ");
        let failures: Vec<crate::platform::db::SqlValue> = scopes
            .iter()
            .flat_map(|scope| [text(scope.name), text(scope.key), int(now), text(&token)])
            .collect();
        db.exec(
            &format!("INSERT INTO auth_failures (scope, key, at_unix, attempt) VALUES {values}"),
            &failures,
        )
        .await?;
        Ok(Begun::Go(Attempt {
            token: token.clone(),
        }))
    }).await?;
    match begun {
        Begun::Go(attempt) => Ok(attempt),
        Begun::Locked(retry_after_secs) => Err(ApiError::TooManyRequests {
            retry_after_secs: retry_after_secs.max(1) as u32,
        }),
    }
}

/// The credential was right: the attempt no longer counts. Call inside the transaction that
/// starts the session.
pub async fn succeeded(db: &Db, attempt: &Attempt) -> Result<(), ApiError> {
    db.exec(
        "DELETE FROM auth_failures WHERE attempt = ?",
        &[text(&attempt.token)],
    )
    .await
}

/// The credential was wrong: the attempt stays counted; its audit row is written, and the
/// oldest rows no decision needs any more are cleared a few at a time.
pub async fn failed(
    db: &Db,
    attempt: &Attempt,
    actor: &Actor,
    subject: &str,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), ApiError> {
    db.transaction(async |db| {
        db.exec(
            "UPDATE auth_failures SET attempt = NULL WHERE attempt = ?",
            &[text(&attempt.token)],
        ).await?;
        db.exec(
            "DELETE FROM auth_failures WHERE id IN (SELECT id FROM auth_failures ORDER BY id LIMIT 100)
             AND at_unix < ?",
            &[int(now - 24 * 3600)],
        ).await?;
        db.exec(
            "DELETE FROM auth_lockouts WHERE (scope, key) IN
               (SELECT scope, key FROM auth_lockouts WHERE until_unix < ? LIMIT 100)",
            &[int(now)],
        ).await?;
        audit::record(db, actor, "sign_in_failed", subject, detail.clone()).await
    }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_grows_past_the_allowance_and_stops_at_a_cost_a_phone_pays() {
        assert_eq!(work_bits(0, 5), 0);
        assert_eq!(work_bits(4, 5), 0);
        assert_eq!(work_bits(5, 5), MIN_WORK_BITS);
        assert_eq!(work_bits(6, 5), MIN_WORK_BITS + 1);
        assert_eq!(work_bits(5 + 6, 5), MAX_WORK_BITS);
        assert_eq!(work_bits(100_000, 5), MAX_WORK_BITS);
    }

    #[test]
    fn five_failures_are_free() {
        assert_eq!(decide(&[100, 101, 102, 103], 5, 104), Decision::Allowed);
        assert_eq!(
            decide(&[100, 101, 102, 103, 104], 5, 104),
            Decision::Locked {
                retry_after_secs: 60
            }
        );
    }

    #[test]
    fn the_threshold_is_a_parameter() {
        let ten: Vec<i64> = (0..10).collect();
        assert_eq!(decide(&ten, 20, 10), Decision::Allowed);
        assert!(matches!(decide(&ten, 10, 10), Decision::Locked { .. }));
    }

    #[test]
    fn the_wait_doubles() {
        let base = [0, 1, 2, 3, 4];
        assert_eq!(decide(&base, 5, 64), Decision::Allowed);
        let six = [0, 1, 2, 3, 4, 70];
        assert_eq!(
            decide(&six, 5, 70),
            Decision::Locked {
                retry_after_secs: 120
            }
        );
        let seven = [0, 1, 2, 3, 4, 70, 200];
        assert_eq!(
            decide(&seven, 5, 200),
            Decision::Locked {
                retry_after_secs: 240
            }
        );
    }

    #[test]
    fn old_failures_drop_out_of_the_window() {
        let old = [0, 1, 2, 3, 4];
        assert_eq!(decide(&old, 5, WINDOW_SECS + 10), Decision::Allowed);
    }

    #[test]
    fn the_wait_is_capped() {
        let many: Vec<i64> = (0..40).collect();
        assert_eq!(
            decide(&many, 5, 40),
            Decision::Locked {
                retry_after_secs: WINDOW_SECS - 1
            }
        );
    }
}
