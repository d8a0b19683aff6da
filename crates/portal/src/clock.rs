//! Time comes from the host (WASI clocks through `SystemTime`); everything else takes it as a
//! parameter, so rules about time are tested natively with fixed instants.

use chrono::{DateTime, SecondsFormat, Utc};

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

pub fn from_unix(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}
