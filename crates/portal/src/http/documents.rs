//! Documents behind decisions and materials: content-addressed by SHA-256, checked by content
//! (PDF, PNG, JPEG only), stored in 256 KiB chunks so no row is huge, and served with
//! `ETag`, `Content-Disposition` and byte ranges.

use sha2::{Digest, Sha256};

use crate::http::Reply;
use crate::platform::db::{Db, col_int, col_text, int, text};
use crate::platform::error::ApiError;

pub const CHUNK_BYTES: usize = 256 * 1024;
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// The media type a document really is, judged by its first bytes, never by its name.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks a document for storage: non-empty, within the size limit, an accepted type.
pub fn validate(field: &str, bytes: &[u8]) -> Result<&'static str, ApiError> {
    if bytes.is_empty() || bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ApiError::invalid(
            field,
            "document_size",
            "A document must be between 1 byte and 10 MiB.",
        ));
    }
    sniff(bytes).ok_or_else(|| {
        ApiError::invalid(
            field,
            "document_type",
            "Only PDF, PNG and JPEG documents are accepted.",
        )
    })
}

/// Stores a document (once per content); call inside the transaction that references it. A
/// new document that would take the database past `storage_limit_bytes` is refused (507)
/// before anything is written: a full volume would stop every write, the audit log's too.
pub async fn store(db: &Db, bytes: &[u8], media_type: &str, now: &str) -> Result<String, ApiError> {
    let sha = sha256_hex(bytes);
    if db
        .one("SELECT 1 FROM documents WHERE sha256 = ?", &[text(&sha)])
        .await?
        .is_some()
    {
        return Ok(sha);
    }
    if let Some(limit) = storage_limit().await {
        let used = database_bytes(db).await?;
        if used.saturating_add(bytes.len() as u64) > limit {
            crate::log_line!(
                "documents: refused a {} byte document: the database holds {used} of storage_limit_bytes {limit}",
                bytes.len()
            );
            return Err(ApiError::InsufficientStorage);
        }
    }
    let chunks: Vec<&[u8]> = bytes.chunks(CHUNK_BYTES).collect();
    db.exec(
        "INSERT INTO documents (sha256, size, media_type, chunk_count, created_at) VALUES (?, ?, ?, ?, ?)",
        &[
            text(&sha),
            int(bytes.len() as i64),
            text(media_type),
            int(chunks.len() as i64),
            text(now),
        ],
    ).await?;
    for (i, chunk) in chunks.into_iter().enumerate() {
        db.exec(
            "INSERT INTO document_chunks (sha256, idx, data) VALUES (?, ?, ?)",
            &[
                text(&sha),
                int(i as i64),
                crate::platform::db::SqlValue::Blob(chunk.to_vec()),
            ],
        )
        .await?;
    }
    Ok(sha)
}

/// The `storage_limit_bytes` variable: the most the database may hold before new documents
/// are refused. Unset: no limit (the volume's own size is the limit).
async fn storage_limit() -> Option<u64> {
    crate::platform::settings::STORAGE_LIMIT_BYTES
        .optional()
        .await
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
}

/// The database's size now: its pages (free pages included: SQLite reuses them first).
async fn database_bytes(db: &Db) -> Result<u64, ApiError> {
    let pages = db.one("PRAGMA page_count", &[]).await?;
    let size = db.one("PRAGMA page_size", &[]).await?;
    let value = |row: Option<crate::platform::db::RowResult>| {
        row.and_then(|r| r.get::<i64>(0))
            .map(|n| n.max(0) as u64)
            .unwrap_or(0)
    };
    Ok(value(pages).saturating_mul(value(size)))
}

/// Deletes the documents of `shas` that nothing refers to any more (an upload that expired
/// unattached; the same bytes attached elsewhere, or a decision's, stay). Returns how many
/// went. Run inside the transaction that dropped the references: a concurrent upload of the
/// same bytes either committed first (then it refers to it) or stores it anew after.
pub async fn reclaim(db: &Db, shas: &[String]) -> Result<u64, ApiError> {
    if shas.is_empty() {
        return Ok(0);
    }
    let list = serde_json::to_string(shas).map_err(|e| ApiError::Internal(e.to_string()))?;
    const ORPHANS: &str = "SELECT value FROM json_each(?1) AS gone
         WHERE NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = gone.value)
           AND NOT EXISTS (SELECT 1 FROM decisions WHERE document_sha256 = gone.value)
           AND NOT EXISTS (SELECT 1 FROM materials WHERE document_sha256 = gone.value)
           AND NOT EXISTS (SELECT 1 FROM filings WHERE answer_document_sha256 = gone.value)
           AND NOT EXISTS (SELECT 1 FROM document_signatures WHERE document_sha256 = gone.value)";
    db.exec(
        &format!("DELETE FROM document_chunks WHERE sha256 IN ({ORPHANS})"),
        &[text(&list)],
    )
    .await?;
    let gone = db
        .query(
            &format!("DELETE FROM documents WHERE sha256 IN ({ORPHANS}) RETURNING sha256"),
            &[text(&list)],
        )
        .await?;
    Ok(gone.rows.len() as u64)
}

pub struct Document {
    pub media_type: String,
    pub bytes: Vec<u8>,
}

pub async fn load(db: &Db, sha: &str) -> Result<Document, ApiError> {
    let meta = db
        .one(
            "SELECT media_type, chunk_count, size FROM documents WHERE sha256 = ?",
            &[text(sha)],
        )
        .await?
        .ok_or_else(|| ApiError::Internal(format!("document {sha} is missing")))?;
    let media_type = col_text(&meta, 0)?;
    let size = col_int(&meta, 2)? as usize;
    let rows = db
        .query(
            "SELECT data FROM document_chunks WHERE sha256 = ? ORDER BY idx",
            &[text(sha)],
        )
        .await?;
    let mut bytes = Vec::with_capacity(size);
    for row in &rows.rows {
        bytes.extend_from_slice(row.get::<&[u8]>(0).unwrap_or_default());
    }
    if bytes.len() != size || sha256_hex(&bytes) != sha {
        return Err(ApiError::Internal(format!("document {sha} is corrupt")));
    }
    Ok(Document { media_type, bytes })
}

/// A byte range of a document of `len` bytes (`Range: bytes=a-b`, `a-`, `-n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    Whole,
    Part { start: usize, end: usize },
    Unsatisfiable,
}

pub fn parse_range(header: Option<&str>, len: usize) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    // One range only; multipart/byteranges is not offered.
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let (start, end) = match (a.trim(), b.trim()) {
        ("", "") => return RangeRequest::Whole,
        ("", suffix) => match suffix.parse::<usize>() {
            Ok(0) => return RangeRequest::Unsatisfiable,
            Ok(n) => (len.saturating_sub(n), len.saturating_sub(1)),
            Err(_) => return RangeRequest::Whole,
        },
        (start, "") => match start.parse::<usize>() {
            Ok(s) => (s, len.saturating_sub(1)),
            Err(_) => return RangeRequest::Whole,
        },
        (start, end) => match (start.parse::<usize>(), end.parse::<usize>()) {
            (Ok(s), Ok(e)) if s <= e => (s, e.min(len.saturating_sub(1))),
            (Ok(_), Ok(_)) => return RangeRequest::Unsatisfiable,
            _ => return RangeRequest::Whole,
        },
    };
    if len == 0 || start >= len {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Part { start, end }
    }
}

/// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987).
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Characters that reorder or hide text without showing themselves: the bidirectional
/// controls (`"x\u{202E}fdp.exe"` displays as `"xexe.pdf"`) and the zero-width ones.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// A file name without any path, control or invisible formatting characters, leading dots or
/// surrounding whitespace. Characters are dropped before trimming, so `"\0 .x"` cannot come
/// out as `" .x"`; cleaning a clean name changes nothing.
pub fn sanitize_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .collect();
    let clean = clean
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end();
    (!clean.is_empty() && clean.chars().count() <= 200).then(|| clean.to_owned())
}

/// A document sent inside a JSON body as `{prefix}filename` and `{prefix}content_base64`,
/// checked by content.
pub fn from_base64(
    prefix: &str,
    filename: &str,
    content_base64: &str,
) -> Result<(String, Vec<u8>, &'static str), ApiError> {
    use base64::Engine as _;
    let filename = sanitize_filename(filename).ok_or_else(|| {
        ApiError::invalid(
            &format!("{prefix}filename"),
            "invalid_filename",
            "Give a plain file name.",
        )
    })?;
    let field = format!("{prefix}content_base64");
    let field = field.as_str();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content_base64.trim())
        .map_err(|_| ApiError::invalid(field, "invalid_base64", "The content is not base64."))?;
    let media_type = validate(field, &bytes)?;
    Ok((filename, bytes, media_type))
}

/// The download answer: 200 whole, 206 part, 304 when the client's copy is current, 416 for
/// an impossible range.
pub fn download(
    doc: &Document,
    sha: &str,
    filename: &str,
    range: Option<&str>,
    if_none_match: Option<&str>,
) -> Reply {
    let etag = format!("\"{sha}\"");
    let mut reply = Reply::empty(200);
    reply.set_header("etag", &etag);
    reply.set_header("accept-ranges", "bytes");
    reply.set_header("content-disposition", &content_disposition(filename));
    // Personal data: private to this person's browser, revalidated with the ETag.
    reply.set_header("cache-control", "private, no-cache");
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*")) {
        reply.status = 304;
        return reply;
    }
    reply.set_header("content-type", &doc.media_type);
    let len = doc.bytes.len();
    match parse_range(range, len) {
        RangeRequest::Whole => reply.body = doc.bytes.clone(),
        RangeRequest::Part { start, end } => {
            reply.status = 206;
            reply.set_header("content-range", &format!("bytes {start}-{end}/{len}"));
            reply.body = doc.bytes[start..=end].to_vec();
        }
        RangeRequest::Unsatisfiable => {
            reply.status = 416;
            reply.set_header("content-range", &format!("bytes */{len}"));
        }
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            sanitize_filename("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(sanitize_filename("C:\\x\\a.pdf").as_deref(), Some("a.pdf"));
        assert_eq!(
            sanitize_filename("..hidden\u{0}.pdf").as_deref(),
            Some("hidden.pdf")
        );
        assert_eq!(sanitize_filename("  "), None);
        assert_eq!(sanitize_filename("dir/"), None);
        // Dropped characters cannot leave whitespace or a dot in front.
        assert_eq!(sanitize_filename("\u{0} .x").as_deref(), Some("x"));
        assert_eq!(sanitize_filename(". .bashrc").as_deref(), Some("bashrc"));
        assert_eq!(sanitize_filename("x.pdf \u{0}").as_deref(), Some("x.pdf"));
        // A right-to-left override would show "x\u{202E}fdp.exe" as "xexe.pdf".
        assert_eq!(
            sanitize_filename("x\u{202E}fdp.exe").as_deref(),
            Some("xfdp.exe")
        );
        assert_eq!(sanitize_filename("\u{200B}\u{FEFF}"), None);
    }

    #[test]
    fn types_are_judged_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert!(validate("d", b"").is_err());
        assert!(validate("d", b"GIF89a").is_err());
        assert!(validate("d", b"%PDF-1.4").is_ok());
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), RangeRequest::Whole);
        assert_eq!(
            parse_range(Some("bytes=0-3"), 10),
            RangeRequest::Part { start: 0, end: 3 }
        );
        assert_eq!(
            parse_range(Some("bytes=5-"), 10),
            RangeRequest::Part { start: 5, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-2"), 10),
            RangeRequest::Part { start: 8, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=8-100"), 10),
            RangeRequest::Part { start: 8, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=10-"), 10),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(
            parse_range(Some("bytes=5-3"), 10),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), RangeRequest::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 10), RangeRequest::Whole);
    }

    #[test]
    fn download_answers() {
        let doc = Document {
            media_type: "application/pdf".into(),
            bytes: b"%PDF-0123456789".to_vec(),
        };
        let whole = download(&doc, "abc", "Решение.pdf", None, None);
        assert_eq!(whole.status, 200);
        assert_eq!(whole.body.len(), 15);
        assert_eq!(whole.header("etag"), Some("\"abc\""));
        let cd = whole.header("content-disposition").unwrap_or_default();
        assert!(
            cd.starts_with("attachment; filename=\"") && cd.contains("UTF-8''%D0"),
            "{cd}"
        );
        let part = download(&doc, "abc", "x.pdf", Some("bytes=0-3"), None);
        assert_eq!((part.status, part.body.as_slice()), (206, &b"%PDF"[..]));
        assert_eq!(part.header("content-range"), Some("bytes 0-3/15"));
        assert_eq!(
            download(&doc, "abc", "x", None, Some("\"abc\"")).status,
            304
        );
        assert_eq!(
            download(&doc, "abc", "x", Some("bytes=99-"), None).status,
            416
        );
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// File names made of what attackers use: separators, dots, spaces, controls, bidi
    /// overrides and ordinary letters.
    fn hostile_name() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            prop::collection::vec(
                prop_oneof![
                    Just('/'),
                    Just('\\'),
                    Just('.'),
                    Just(' '),
                    Just('\t'),
                    Just('\u{0}'),
                    Just('\u{7f}'),
                    Just('\u{85}'),
                    Just('\u{202e}'),
                    Just('\u{2066}'),
                    Just('\u{feff}'),
                    Just('\u{3000}'),
                    Just('a'),
                    Just('Ж'),
                ],
                0..24,
            )
            .prop_map(|chars| chars.into_iter().collect()),
        ]
    }

    fn content() -> impl Strategy<Value = Vec<u8>> {
        let tail = prop::collection::vec(any::<u8>(), 0..64);
        prop_oneof![
            tail.clone(),
            tail.clone()
                .prop_map(|t| [b"%PDF-".as_slice(), &t].concat()),
            tail.clone()
                .prop_map(|t| [b"\x89PNG\r\n\x1a\n".as_slice(), &t].concat()),
            tail.prop_map(|t| [[0xFF, 0xD8, 0xFF].as_slice(), &t].concat()),
        ]
    }

    proptest! {
        #[test]
        fn sniff_and_validate_never_panic_and_agree(bytes in content()) {
            let sniffed = sniff(&bytes);
            match validate("body", &bytes) {
                Ok(media_type) => {
                    prop_assert_eq!(Some(media_type), sniffed);
                    prop_assert!(!bytes.is_empty());
                }
                Err(e) => {
                    prop_assert_eq!(e.status(), 422, "{}", e);
                    prop_assert!(bytes.is_empty() || sniffed.is_none(), "{:?} refused", sniffed);
                }
            }
            // Only the three accepted types, each by its own magic.
            match sniffed {
                Some("application/pdf") => prop_assert!(bytes.starts_with(b"%PDF-")),
                Some("image/png") => prop_assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
                Some("image/jpeg") => prop_assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
                Some(other) => prop_assert!(false, "unexpected type {other}"),
                None => {}
            }
        }

        #[test]
        fn sanitized_names_are_plain(name in hostile_name()) {
            if let Some(clean) = sanitize_filename(&name) {
                prop_assert!(!clean.is_empty());
                prop_assert!(clean.chars().count() <= 200, "{:?}", clean);
                prop_assert!(!clean.contains(['/', '\\']), "{:?} -> {:?}", name, clean);
                prop_assert!(!clean.chars().any(char::is_control), "{:?} -> {:?}", name, clean);
                prop_assert!(
                    !clean.chars().any(is_invisible_format),
                    "{:?} -> {:?} keeps a bidi or invisible formatting character",
                    name,
                    clean
                );
                prop_assert!(!clean.starts_with('.'), "{:?} -> {:?}", name, clean);
                prop_assert_eq!(clean.trim(), clean.as_str(), "{:?} -> {:?} is not trimmed", name, clean);
                // Cleaning a clean name changes nothing.
                prop_assert_eq!(sanitize_filename(&clean), Some(clean.clone()), "{:?}", name);
            }
        }

        #[test]
        fn plain_names_survive_sanitizing(name in "[A-Za-z0-9Ѐ-ӿ][A-Za-z0-9Ѐ-ӿ ._-]{0,40}[A-Za-z0-9Ѐ-ӿ]") {
            prop_assert_eq!(sanitize_filename(&name), Some(name.clone()));
            prop_assert_eq!(sanitize_filename(&format!("../../{name}")), Some(name.clone()));
            prop_assert_eq!(sanitize_filename(&format!("C:\\dir\\{name}")), Some(name));
        }

        #[test]
        fn content_disposition_is_one_safe_header_value(name in hostile_name()) {
            let value = content_disposition(&name);
            prop_assert!(
                http::HeaderValue::from_str(&value).is_ok(),
                "{:?} gives an invalid header value {:?}",
                name,
                value
            );
            prop_assert!(value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()), "{:?}", value);
            let (fallback, encoded) = value
                .strip_prefix("attachment; filename=\"")
                .and_then(|rest| rest.split_once("\"; filename*=UTF-8''"))
                .ok_or_else(|| TestCaseError::fail(format!("malformed: {value}")))?;
            // Nothing in the quoted name can end it or start a new parameter.
            prop_assert!(!fallback.contains(['"', '\\', ';']), "{:?}", value);
            prop_assert!(
                encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-%".contains(&b)),
                "{:?}",
                value
            );
            // The encoded name decodes to the name, byte for byte.
            prop_assert_eq!(crate::http::paging::percent_decode(encoded), name, "{:?}", value);
        }

        #[test]
        fn parse_range_never_panics_and_stays_in_bounds(
            header in prop_oneof![
                any::<String>(),
                r"(bytes|items)? ?= ?[0-9 ]{0,22}-?[0-9 ]{0,22},?[0-9-]{0,4}",
            ],
            len in prop_oneof![Just(0usize), 1usize..64, any::<usize>()],
        ) {
            match parse_range(Some(&header), len) {
                RangeRequest::Part { start, end } => {
                    prop_assert!(start <= end && end < len, "{:?} of {} gave {}-{}", header, len, start, end);
                }
                RangeRequest::Whole | RangeRequest::Unsatisfiable => {}
            }
        }

        #[test]
        fn well_formed_ranges_are_answered_exactly(
            start in 0usize..80,
            count in 1usize..80,
            len in 0usize..64,
            form in 0usize..3,
        ) {
            let (header, expected) = match form {
                0 => {
                    let end = start + count - 1;
                    let expected = if start >= len {
                        RangeRequest::Unsatisfiable
                    } else {
                        RangeRequest::Part { start, end: end.min(len - 1) }
                    };
                    (format!("bytes={start}-{end}"), expected)
                }
                1 => {
                    let expected = if start >= len {
                        RangeRequest::Unsatisfiable
                    } else {
                        RangeRequest::Part { start, end: len - 1 }
                    };
                    (format!("bytes={start}-"), expected)
                }
                _ => {
                    let expected = if len == 0 {
                        RangeRequest::Unsatisfiable
                    } else {
                        RangeRequest::Part { start: len.saturating_sub(count), end: len - 1 }
                    };
                    (format!("bytes=-{count}"), expected)
                }
            };
            prop_assert_eq!(parse_range(Some(&header), len), expected, "{}", header);
        }

        #[test]
        fn downloads_answer_exactly_the_bytes_asked_for(
            bytes in prop::collection::vec(any::<u8>(), 0..64),
            header in prop_oneof![any::<String>(), r"bytes=[0-9]{0,3}-[0-9]{0,3}"],
        ) {
            let doc = Document { media_type: "application/pdf".into(), bytes: bytes.clone() };
            let reply = download(&doc, "abc", "x.pdf", Some(&header), None);
            match reply.status {
                200 => prop_assert_eq!(&reply.body, &bytes),
                206 => {
                    let range = reply.header("content-range").unwrap_or_default().to_owned();
                    let (start, end) = range
                        .strip_prefix("bytes ")
                        .and_then(|r| r.split_once('/'))
                        .and_then(|(r, _)| r.split_once('-'))
                        .and_then(|(s, e)| Some((s.parse::<usize>().ok()?, e.parse::<usize>().ok()?)))
                        .ok_or_else(|| TestCaseError::fail(format!("content-range {range}")))?;
                    prop_assert_eq!(&reply.body, &bytes[start..=end].to_vec());
                    prop_assert_eq!(range, format!("bytes {start}-{end}/{}", bytes.len()));
                }
                416 => prop_assert_eq!(reply.header("content-range").map(str::to_owned), Some(format!("bytes */{}", bytes.len()))),
                other => prop_assert!(false, "unexpected status {other}"),
            }
        }
    }

    proptest! {
        // Bodies up to 10 MiB and more: a handful of cases.
        #![proptest_config(ProptestConfig::with_cases(8))]

        #[test]
        fn validate_enforces_the_size_limit(extra in 0usize..3, kind in 0usize..3) {
            let magic: &[u8] = [b"%PDF-".as_slice(), b"\x89PNG\r\n\x1a\n", &[0xFF, 0xD8, 0xFF]][kind];
            let mut at_limit = vec![0u8; MAX_DOCUMENT_BYTES];
            at_limit[..magic.len()].copy_from_slice(magic);
            prop_assert!(validate("body", &at_limit).is_ok());
            let mut over = at_limit;
            over.resize(MAX_DOCUMENT_BYTES + 1 + extra, 0);
            prop_assert_eq!(validate("body", &over).map_err(|e| e.status()).err(), Some(422));
        }
    }
}
