//! Pagination on any query string: `paging::parse` and `parse_due` never panic, refuse only
//! with 422, keep limits within 1–100 and ids positive, and the cursors they give round-trip;
//! `percent_decode` never panics and inverts percent-encoding.
#![no_main]

use jaria_portal::http::paging::{
    DuePage, MAX_LIMIT, Page, cursor_after, next_due_cursor, parse, parse_due, percent_decode,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    match parse(query) {
        Ok(Page { before_id, limit }) => {
            assert!((1..=MAX_LIMIT).contains(&limit));
            if let Some(id) = before_id {
                assert!(id > 0);
                let again = parse(&format!("cursor={}", cursor_after(id)));
                assert_eq!(again.ok().and_then(|p| p.before_id), Some(id));
            }
        }
        Err(e) => assert_eq!(e.status(), 422, "{e}"),
    }
    match parse_due(query) {
        Ok(page @ DuePage { after, limit }) => {
            assert!((1..=MAX_LIMIT).contains(&limit));
            if let Some((due, id)) = after {
                assert!(id > 0);
                let cursor = next_due_cursor(&page, Some((due, id)), limit as usize);
                let again = cursor.and_then(|c| parse_due(&format!("cursor={c}")).ok());
                assert_eq!(again.and_then(|p| p.after), Some((due, id)));
            }
        }
        Err(e) => assert_eq!(e.status(), 422, "{e}"),
    }
    let _ = percent_decode(query);
    let encoded: String = query.bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(percent_decode(&encoded), query);
});
