//! Cursor pagination: an opaque cursor (the last id seen, base64url) and a bounded page size.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::platform::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Return items with ids below this one (newest first); `None` from the start.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// One query parameter's value, percent-decoding not needed for the parameters used here
/// (cursors are base64url, limits digits).
pub fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A query value with `%XX` escapes and `+` (a space in forms) decoded, for free-form values
/// such as times (`+05:00` arrives as `%2B05%3A00`).
pub fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Exactly two hex digits: `u8::from_str_radix` alone would also take a sign
        // (`%+A` is not a newline).
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse(query: &str) -> Result<Page, ApiError> {
    let limit = parse_limit(query)?;
    let before_id = match query_param(query, "cursor") {
        None | Some("") => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(invalid_cursor)?),
    };
    Ok(Page { before_id, limit })
}

fn invalid_cursor() -> ApiError {
    ApiError::invalid(
        "cursor",
        "invalid_cursor",
        "The cursor is not one this service gave.",
    )
}

/// A page of a list ordered by due time, then id (oldest first): the cursor is the last
/// (due, id) seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuePage {
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

pub fn parse_due(query: &str) -> Result<DuePage, ApiError> {
    let limit = parse_limit(query)?;
    let after = match query_param(query, "cursor") {
        None | Some("") => None,
        Some(c) => Some(decode_due_cursor(c).ok_or_else(invalid_cursor)?),
    };
    Ok(DuePage { after, limit })
}

fn decode_due_cursor(cursor: &str) -> Option<(i64, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (due, id) = text.strip_prefix("due:")?.split_once(':')?;
    Some((due.parse().ok()?, id.parse().ok().filter(|n: &i64| *n > 0)?))
}

/// The next cursor of a due-ordered page that came back full.
pub fn next_due_cursor(page: &DuePage, last: Option<(i64, i64)>, count: usize) -> Option<String> {
    if count as i64 == page.limit {
        last.map(|(due, id)| URL_SAFE_NO_PAD.encode(format!("due:{due}:{id}")))
    } else {
        None
    }
}

/// A page of a timeline merged from several tables, newest first: the cursor is the last
/// (time, sequence) seen, time as the RFC 3339 text every table stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimePage {
    pub before: Option<(String, i64)>,
    pub limit: i64,
}

pub fn parse_time(query: &str) -> Result<TimePage, ApiError> {
    let limit = parse_limit(query)?;
    let before = match query_param(query, "cursor") {
        None | Some("") => None,
        Some(c) => Some(decode_time_cursor(c).ok_or_else(invalid_cursor)?),
    };
    Ok(TimePage { before, limit })
}

fn decode_time_cursor(cursor: &str) -> Option<(String, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, seq) = text.strip_prefix("at:")?.rsplit_once('|')?;
    chrono::DateTime::parse_from_rfc3339(at).ok()?;
    Some((at.to_owned(), seq.parse().ok()?))
}

/// The next cursor of a timeline page that came back full.
pub fn next_time_cursor(
    page: &TimePage,
    last: Option<(String, i64)>,
    count: usize,
) -> Option<String> {
    if count as i64 == page.limit {
        last.map(|(at, seq)| URL_SAFE_NO_PAD.encode(format!("at:{at}|{seq}")))
    } else {
        None
    }
}

fn parse_limit(query: &str) -> Result<i64, ApiError> {
    Ok(match query_param(query, "limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid("limit", "invalid_limit", "Give a limit from 1 to 100.")
            })?,
    })
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("id:")?
        .parse()
        .ok()
        .filter(|n: &i64| *n > 0)
}

pub fn cursor_after(last_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{last_id}"))
}

/// The next cursor when a page came back full (there may be more).
pub fn next_cursor(page: &Page, ids: &[i64]) -> Option<String> {
    if ids.len() as i64 == page.limit {
        ids.last().map(|id| cursor_after(*id))
    } else {
        None
    }
}

/// Pages a list already in descending id order (filtered in memory, e.g. by visibility).
pub fn page_of<T>(items: Vec<T>, id: impl Fn(&T) -> i64, page: &Page) -> (Vec<T>, Option<String>) {
    let selected: Vec<T> = items
        .into_iter()
        .filter(|item| page.before_id.is_none_or(|before| id(item) < before))
        .take(page.limit as usize)
        .collect();
    let ids: Vec<i64> = selected.iter().map(&id).collect();
    let next = next_cursor(page, &ids);
    (selected, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_cursors_round_trip_and_refuse_what_they_did_not_make() {
        let page = TimePage {
            before: None,
            limit: 2,
        };
        let cursor = next_time_cursor(&page, Some(("2026-12-01T10:00:00.000Z".into(), 7)), 2)
            .expect("a full page has a next cursor");
        let parsed = parse_time(&format!("cursor={cursor}&limit=2")).unwrap();
        assert_eq!(parsed.before, Some(("2026-12-01T10:00:00.000Z".into(), 7)));
        assert_eq!(next_time_cursor(&page, Some(("x".into(), 1)), 1), None);
        let forged = URL_SAFE_NO_PAD.encode("at:not a time|1");
        assert!(parse_time(&format!("cursor={forged}")).is_err());
        assert!(parse_time("cursor=%%%").is_err());
    }

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(
            percent_decode("2026-11-28T10%3A00%3A00%2B05%3A00"),
            "2026-11-28T10:00:00+05:00"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a+b%zz"), "a b%zz");
        // A sign is not a hex digit: `%+A` is a percent sign, a space and an A.
        assert_eq!(percent_decode("%+A"), "% A");
        assert_eq!(percent_decode("%+1x"), "% 1x");
        assert_eq!(percent_decode("%-1"), "%-1");
    }

    #[test]
    fn due_cursors_round_trip_and_refuse_others() {
        let page = parse_due("limit=2").unwrap();
        let next = next_due_cursor(&page, Some((1_700_000_000, 42)), 2).unwrap();
        let again = parse_due(&format!("cursor={next}")).unwrap();
        assert_eq!(again.after, Some((1_700_000_000, 42)));
        assert!(next_due_cursor(&page, Some((1, 1)), 1).is_none());
        assert!(parse_due(&format!("cursor={}", cursor_after(5))).is_err());
        assert!(parse(&format!("cursor={next}")).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let c = cursor_after(42);
        assert_eq!(
            parse(&format!("cursor={c}&limit=5")).unwrap(),
            Page {
                before_id: Some(42),
                limit: 5
            }
        );
        assert_eq!(
            parse("").unwrap(),
            Page {
                before_id: None,
                limit: DEFAULT_LIMIT
            }
        );
        assert_eq!(parse("cursor=zzz").unwrap_err().status(), 422);
        assert_eq!(parse("cursor=aWQ6LTE").unwrap_err().status(), 422); // "id:-1"
        assert_eq!(parse("limit=0").unwrap_err().status(), 422);
        assert_eq!(parse("limit=101").unwrap_err().status(), 422);
        assert_eq!(parse("limit=x").unwrap_err().status(), 422);
    }

    #[test]
    fn in_memory_pages_follow_the_cursor() {
        let items = vec![9, 7, 5, 3, 1];
        let page = Page {
            before_id: None,
            limit: 2,
        };
        let (first, next) = page_of(items.clone(), |i| *i, &page);
        assert_eq!(first, [9, 7]);
        let page = parse(&format!("cursor={}&limit=2", next.expect("more"))).unwrap();
        let (second, _) = page_of(items.clone(), |i| *i, &page);
        assert_eq!(second, [5, 3]);
    }

    #[test]
    fn next_cursor_only_for_full_pages() {
        let page = Page {
            before_id: None,
            limit: 2,
        };
        assert_eq!(next_cursor(&page, &[9, 8]), Some(cursor_after(8)));
        assert_eq!(next_cursor(&page, &[9]), None);
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// `%XX` (two hex digits) is one byte, `+` a space, anything else itself: the form
    /// decoding of the URL standard, written out independently of [`percent_decode`].
    fn reference_decode(value: &str) -> String {
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
                (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                    let byte = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                    out.push(u8::try_from(byte).unwrap_or(0));
                    i += 3;
                }
                (b'+', _, _) => {
                    out.push(b' ');
                    i += 1;
                }
                (b, _, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn encode_every_byte(value: &str) -> String {
        value.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    /// Query strings made of the characters that matter to the parser.
    fn query() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            r"((cursor|limit|x)=[A-Za-z0-9_%+:=&-]{0,24}&?){0,4}",
        ]
    }

    proptest! {
        #[test]
        fn parse_and_parse_due_never_panic_and_refuse_only_with_422(query in query()) {
            for result in [parse(&query).map(|p| p.limit), parse_due(&query).map(|p| p.limit)] {
                match result {
                    Ok(limit) => prop_assert!((1..=MAX_LIMIT).contains(&limit), "{}", limit),
                    Err(e) => prop_assert_eq!(e.status(), 422, "{:?}: {}", query, e),
                }
            }
        }

        #[test]
        fn arbitrary_cursors_never_panic(cursor in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            for c in [cursor.as_str(), encoded.as_str()] {
                if let Ok(page) = parse(&format!("cursor={c}")) {
                    prop_assert!(page.before_id.is_none_or(|id| id > 0), "{:?}", page);
                }
                if let Ok(page) = parse_due(&format!("cursor={c}")) {
                    prop_assert!(page.after.is_none_or(|(_, id)| id > 0), "{:?}", page);
                }
            }
        }

        #[test]
        fn id_cursors_round_trip(last_id in 1..=i64::MAX, limit in 1..=MAX_LIMIT) {
            let page = Page { before_id: None, limit };
            let ids: Vec<i64> = std::iter::repeat_n(last_id, limit as usize).collect();
            let cursor = next_cursor(&page, &ids)
                .ok_or_else(|| TestCaseError::fail("a full page has a next cursor"))?;
            prop_assert_eq!(&cursor, &cursor_after(last_id));
            let again = parse(&format!("limit={limit}&cursor={cursor}"))
                .map_err(|e| TestCaseError::fail(format!("own cursor refused: {e}")))?;
            prop_assert_eq!(again, Page { before_id: Some(last_id), limit });
            // A cursor is not for the other kind of list.
            let as_due = parse_due(&format!("cursor={cursor}"));
            prop_assert!(as_due.is_err(), "an id cursor taken as a due cursor");
        }

        #[test]
        fn due_cursors_round_trip(due in any::<i64>(), id in 1..=i64::MAX, limit in 1..=MAX_LIMIT) {
            let page = DuePage { after: None, limit };
            let cursor = next_due_cursor(&page, Some((due, id)), limit as usize)
                .ok_or_else(|| TestCaseError::fail("a full page has a next cursor"))?;
            let again = parse_due(&format!("cursor={cursor}&limit={limit}"))
                .map_err(|e| TestCaseError::fail(format!("own cursor refused: {e}")))?;
            prop_assert_eq!(again, DuePage { after: Some((due, id)), limit });
            let as_id = parse(&format!("cursor={cursor}"));
            prop_assert!(as_id.is_err(), "a due cursor taken as an id cursor");
            // Only a full page has a next one.
            prop_assert_eq!(next_due_cursor(&page, Some((due, id)), limit as usize - 1), None);
        }

        #[test]
        fn limits_outside_1_to_100_are_refused(limit in any::<i64>()) {
            let result = parse(&format!("limit={limit}"));
            if (1..=MAX_LIMIT).contains(&limit) {
                prop_assert_eq!(result.map(|p| p.limit).ok(), Some(limit));
            } else {
                prop_assert_eq!(result.map_err(|e| e.status()).err(), Some(422));
            }
        }

        #[test]
        fn percent_decode_never_panics_and_follows_the_standard(
            value in prop_oneof![any::<String>(), "[%+0-9a-fA-F xZ:é-]{0,16}"],
        ) {
            prop_assert_eq!(percent_decode(&value), reference_decode(&value), "{:?}", value);
        }

        #[test]
        fn percent_encoded_text_decodes_to_itself(value in any::<String>()) {
            prop_assert_eq!(percent_decode(&encode_every_byte(&value)), value);
        }

        #[test]
        fn text_without_escapes_is_unchanged(value in "[^%+]{0,32}") {
            prop_assert_eq!(percent_decode(&value), value);
        }
    }
}
