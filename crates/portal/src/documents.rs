//! Documents behind decisions and materials: content-addressed by SHA-256, checked by content
//! (PDF, PNG, JPEG only), stored in 256 KiB chunks so no row is huge, and served with
//! `ETag`, `Content-Disposition` and byte ranges.

use sha2::{Digest, Sha256};

use crate::db::{Db, col_int, col_text, int, text};
use crate::error::ApiError;
use crate::http::Reply;

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

/// Stores a document (once per content); call inside the transaction that references it.
pub fn store(db: &Db, bytes: &[u8], media_type: &str, now: &str) -> Result<String, ApiError> {
    let sha = sha256_hex(bytes);
    if db
        .one("SELECT 1 FROM documents WHERE sha256 = ?", &[text(&sha)])?
        .is_some()
    {
        return Ok(sha);
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
    )?;
    for (i, chunk) in chunks.into_iter().enumerate() {
        db.exec(
            "INSERT INTO document_chunks (sha256, idx, data) VALUES (?, ?, ?)",
            &[
                text(&sha),
                int(i as i64),
                crate::db::SqlValue::Blob(chunk.to_vec()),
            ],
        )?;
    }
    Ok(sha)
}

pub struct Document {
    pub media_type: String,
    pub bytes: Vec<u8>,
}

pub fn load(db: &Db, sha: &str) -> Result<Document, ApiError> {
    let meta = db
        .one(
            "SELECT media_type, chunk_count, size FROM documents WHERE sha256 = ?",
            &[text(sha)],
        )?
        .ok_or_else(|| ApiError::Internal(format!("document {sha} is missing")))?;
    let media_type = col_text(&meta, 0)?;
    let size = col_int(&meta, 2)? as usize;
    let rows = db.query(
        "SELECT data FROM document_chunks WHERE sha256 = ? ORDER BY idx",
        &[text(sha)],
    )?;
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

/// A file name without any path, control characters or leading dots.
pub fn sanitize_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim_start_matches('.').to_owned();
    (!clean.is_empty() && clean.chars().count() <= 200).then_some(clean)
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
