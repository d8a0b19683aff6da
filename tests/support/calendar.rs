//! The tests' own count of a period in days (CPC arts. 48–49), written apart from the portal's
//! so a black-box test checks the portal's count against a second one: the starting day does
//! not count, the period ends at 24:00 Asia/Almaty (UTC+5) of its last day, and a last day
//! that is a weekend or a listed day off moves to the next working day.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

fn days_off() -> Vec<NaiveDate> {
    let path = crate::workspace_root().join("crates/portal/data/days-off.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|l| NaiveDate::parse_from_str(l.trim(), "%Y-%m-%d").ok())
        .collect()
}

/// The instant (Unix seconds) a period of `days` days that starts at `from_unix` ends.
pub fn period_end(from_unix: i64, days: i64) -> i64 {
    const ALMATY: i64 = 5 * 3600;
    let off = days_off();
    let start_day = chrono::DateTime::from_timestamp(from_unix + ALMATY, 0)
        .expect("a valid instant")
        .date_naive();
    let mut last = start_day + Duration::days(days);
    while matches!(last.weekday(), Weekday::Sat | Weekday::Sun) || off.contains(&last) {
        last += Duration::days(1);
    }
    let next_midnight = (last + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    next_midnight - ALMATY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_ends_at_almaty_midnight_after_its_last_working_day() {
        // Tuesday 1 December 2026, 10:37 Almaty: day 15 is Independence Day (16th), so the
        // period ends at 24:00 of the 17th, 19:00 UTC.
        let from = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:37:00+05:00")
            .unwrap()
            .timestamp();
        let end = chrono::DateTime::parse_from_rfc3339("2026-12-17T19:00:00Z")
            .unwrap()
            .timestamp();
        assert_eq!(period_end(from, 15), end);
    }
}
