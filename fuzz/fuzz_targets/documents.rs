//! Uploads and downloads on any input: `sniff`, `validate`, `parse_range`, `download`,
//! `sanitize_filename` and `content_disposition` never panic; ranges stay within the
//! document; a cleaned file name has no path, control or invisible characters, no leading dot
//! and no surrounding whitespace; the disposition is one valid header value.
#![no_main]

use jaria_portal::http::documents::{
    Document, RangeRequest, content_disposition, download, parse_range, sanitize_filename, sniff,
    validate,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    range: &'a str,
    len: u16,
    name: &'a str,
    bytes: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    match validate("body", input.bytes) {
        Ok(media_type) => assert_eq!(Some(media_type), sniff(input.bytes)),
        Err(e) => assert_eq!(e.status(), 422),
    }
    let len = usize::from(input.len);
    if let RangeRequest::Part { start, end } = parse_range(Some(input.range), len) {
        assert!(
            start <= end && end < len,
            "{:?} of {len}: {start}-{end}",
            input.range
        );
    }
    let doc = Document {
        media_type: "application/pdf".into(),
        bytes: input.bytes.to_vec(),
    };
    let reply = download(&doc, "abc", input.name, Some(input.range), None);
    assert!(matches!(reply.status, 200 | 206 | 416), "{}", reply.status);
    assert!(reply.body.len() <= input.bytes.len());

    if let Some(clean) = sanitize_filename(input.name) {
        assert!(!clean.is_empty() && clean.chars().count() <= 200);
        assert!(!clean.contains(['/', '\\']), "{clean:?}");
        assert!(!clean.chars().any(char::is_control), "{clean:?}");
        assert!(!clean.starts_with('.'), "{clean:?}");
        assert_eq!(clean.trim(), clean, "{clean:?}");
        assert_eq!(sanitize_filename(&clean).as_deref(), Some(clean.as_str()));
    }
    let disposition = content_disposition(input.name);
    assert!(
        http::HeaderValue::from_str(&disposition).is_ok(),
        "{disposition:?}"
    );
});
