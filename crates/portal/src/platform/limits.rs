//! Per-person limits on what one account can make the portal store: set where a real filer,
//! an advocate with many clients among them, never meets them and a script soon does (each a
//! variable, for load tests and unusual deployments). Each is counted inside the write
//! transaction that would add to it (the KV store has no atomic count), and a refusal is 429
//! with the time until the oldest counted item leaves the window.

use crate::platform::db::{Db, int, text};
use crate::platform::error::ApiError;

/// Uploads not yet attached to a filing, per person, in any 24 hours: how many
/// (`uploads_per_person_per_day`)…
pub const UNATTACHED_UPLOADS_PER_DAY: i64 = 50;
/// … and how many bytes (20 full-size files; `upload_bytes_per_person_per_day`).
pub const UNATTACHED_BYTES_PER_DAY: i64 = 200 * 1024 * 1024;
const DAY_SECS: i64 = 24 * 3600;

/// Refuses an upload of `size` bytes that would take `owner_iin` past the day's limits on
/// unattached uploads. Attached ones do not count: they are part of a filing.
pub async fn unattached_uploads(
    db: &Db,
    owner_iin: &str,
    size: usize,
    now: i64,
) -> Result<(), ApiError> {
    let row = db
        .one(
            "SELECT count(*), ifnull(sum(size), 0), ifnull(min(created_unix), 0) FROM attachments
              WHERE owner_iin = ? AND filing_id IS NULL AND created_unix > ?",
            &[text(owner_iin), int(now - DAY_SECS)],
        )
        .await?
        .ok_or_else(|| ApiError::Internal("count returned no row".into()))?;
    let count = crate::platform::db::col_int(&row, 0)?;
    let bytes = crate::platform::db::col_int(&row, 1)?;
    let oldest = crate::platform::db::col_int(&row, 2)?;
    let most = crate::platform::settings::UPLOADS_PER_PERSON_PER_DAY
        .positive_number(UNATTACHED_UPLOADS_PER_DAY)
        .await;
    let most_bytes = crate::platform::settings::UPLOAD_BYTES_PER_PERSON_PER_DAY
        .positive_number(UNATTACHED_BYTES_PER_DAY)
        .await;
    let over = count >= most || bytes.saturating_add(size as i64) > most_bytes;
    if over {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: retry_after(oldest, now),
        });
    }
    Ok(())
}

/// Filings one person may make in any 24 hours (an advocate filing for many clients makes a
/// few dozen on a heavy day; `filings_per_person_per_day`).
pub const FILINGS_PER_DAY: i64 = 100;
/// Status requests one person may have waiting for an officer at once (each lands in a real
/// officer's queue with a deadline; `pending_access_requests_per_person`).
pub const PENDING_ACCESS_REQUESTS: i64 = 50;

/// Refuses a filing that would take `filer_iin` past [`FILINGS_PER_DAY`]. A retry of a filing
/// already made is answered before this (it adds nothing).
pub async fn filings(db: &Db, filer_iin: &str, now: i64) -> Result<(), ApiError> {
    let row = db
        .one(
            "SELECT count(*), ifnull(min(submitted_unix), 0) FROM filings
              WHERE filer_iin = ? AND submitted_unix > ?",
            &[text(filer_iin), int(now - DAY_SECS)],
        )
        .await?
        .ok_or_else(|| ApiError::Internal("count returned no row".into()))?;
    let most = crate::platform::settings::FILINGS_PER_PERSON_PER_DAY
        .positive_number(FILINGS_PER_DAY)
        .await;
    if crate::platform::db::col_int(&row, 0)? >= most {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: retry_after(crate::platform::db::col_int(&row, 1)?, now),
        });
    }
    Ok(())
}

/// Refuses a status request while `person_iin` has [`PENDING_ACCESS_REQUESTS`] waiting: they
/// leave the count as officers decide them (three days at most).
pub async fn pending_access_requests(db: &Db, person_iin: &str) -> Result<(), ApiError> {
    let row = db
        .one(
            "SELECT count(*) FROM case_participants WHERE person_iin = ? AND state = 'requested'",
            &[text(person_iin)],
        )
        .await?
        .ok_or_else(|| ApiError::Internal("count returned no row".into()))?;
    let most = crate::platform::settings::PENDING_ACCESS_REQUESTS_PER_PERSON
        .positive_number(PENDING_ACCESS_REQUESTS)
        .await;
    if crate::platform::db::col_int(&row, 0)? >= most {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: 3600,
        });
    }
    Ok(())
}

/// Seconds until an item counted at `oldest` leaves a day's window (a minute at least).
fn retry_after(oldest: i64, now: i64) -> u32 {
    u32::try_from((oldest + DAY_SECS - now).max(60)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_until_the_oldest_counted_upload_leaves_the_window() {
        assert_eq!(retry_after(1_000, 1_000 + 3_600), (DAY_SECS - 3_600) as u32);
        // Never less than a minute, even at the window's edge.
        assert_eq!(retry_after(1_000, 1_000 + DAY_SECS), 60);
    }
}
