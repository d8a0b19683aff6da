//! Time comes from the host (WASI clocks through `SystemTime`); everything else takes it as a
//! parameter, so rules about time are tested natively with fixed instants.

use chrono::{DateTime, SecondsFormat, Utc};

/// Asia/Almaty: UTC+5 all year since 1 March 2024 (no daylight saving).
pub fn almaty() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(5 * 3600).unwrap_or_else(|| unreachable!())
}

/// A local time as people read it in notices: `dd.mm.yyyy HH:MM` in Almaty.
pub fn almaty_text(unix: i64) -> String {
    from_unix(unix)
        .with_timezone(&almaty())
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// Now, from the host's wall clock.
pub fn now() -> DateTime<Utc> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    DateTime::from_timestamp(since_epoch.as_secs() as i64, since_epoch.subsec_nanos())
        .unwrap_or_default()
}

/// RFC 3339 in UTC with millisecond precision: the one text form of time in the API and DB.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The date in Asia/Almaty at `t`: the day a decision is taken and a period counts from.
pub fn almaty_date(t: DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&almaty()).date_naive()
}

pub fn from_unix(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A calendar date as `YYYY-MM-DD` (422 on `field` otherwise), in its canonical form.
pub fn parse_date(field: &str, value: &str) -> Result<String, crate::ApiError> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| crate::ApiError::invalid(field, "invalid_date", "Give a date as YYYY-MM-DD."))
}

/// A due time given by a person: an RFC 3339 time, or a date meaning 24:00 of that day in
/// Asia/Almaty (as CPC periods end), as Unix seconds.
pub fn parse_due_time(field: &str, value: &str) -> Result<i64, crate::ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp());
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(almaty()).single())
        .map(|t| t.timestamp())
        .ok_or_else(|| {
            crate::ApiError::invalid(
                field,
                "invalid_time",
                "Give an RFC 3339 time or a date (YYYY-MM-DD, meaning its 24:00 in Almaty).",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_date_means_its_end_in_almaty() {
        let t = parse_due_time("d", "2026-11-28").unwrap();
        assert_eq!(rfc3339(from_unix(t)), "2026-11-28T19:00:00.000Z");
        let t = parse_due_time("d", "2026-11-28T10:00:00+05:00").unwrap();
        assert_eq!(rfc3339(from_unix(t)), "2026-11-28T05:00:00.000Z");
        assert!(parse_due_time("d", "tomorrow").is_err());
        assert!(parse_due_time("d", "2026-02-30").is_err());
    }
}
