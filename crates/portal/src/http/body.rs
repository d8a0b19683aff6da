//! Reading a request as the runtime hands it over (`wasi:http` incoming request), within
//! limits the component sets per route: a declared `Content-Length` past the limit is refused
//! before a byte of the body is read, a streamed body the moment it passes the limit, and a
//! body that stalls or trickles is cut off. Real Spin has no body limit or request deadline of
//! its own; `jaria up`'s are a second line, not the first.

use std::time::Duration;

use futures::FutureExt as _;
use http_body_util::BodyExt as _;

use crate::http::{Method, Request};
use crate::platform::error::ApiError;

/// Most JSON bodies of the API hold a few kilobytes; a filing's text (20 000 characters) and a
/// certificate chain (64 KiB) fit with room to spare.
pub const JSON_LIMIT: usize = 256 * 1024;
/// A document of up to 10 MiB as base64 inside JSON (an officer's decision, material, answer).
pub const DOCUMENT_JSON_LIMIT: usize = 14 * 1024 * 1024;
/// An attachment uploaded as it is: up to 10 MiB, and a little more so that the document
/// check, not the transport, says what is wrong with 10 MiB + 1.
pub const UPLOAD_LIMIT: usize = 10 * 1024 * 1024 + 64 * 1024;
/// A certification authority's revocation list.
pub const CRL_LIMIT: usize = 16 * 1024 * 1024;
/// Requests that carry no body (GET, DELETE, …): a client sending one anyway sends little.
pub const NO_BODY_LIMIT: usize = 64 * 1024;

/// Before the first bytes of a body, and for a small one in all: past it, the client stalled.
const IDLE: Duration = Duration::from_secs(10);
/// The whole body within this long: 14 MiB at about 1 Mbit/s, a slow mobile link.
const TOTAL: Duration = Duration::from_secs(120);

/// What arrives before the body: method, path, query and headers.
pub struct Head {
    method: Method,
    query: String,
    headers: Vec<(String, String)>,
    /// `spin-path-info`, else the request path without its query.
    pub path: String,
}

impl Head {
    pub fn of(incoming: &spin_sdk::http::Request) -> Self {
        let headers: Vec<(String, String)> = incoming
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut head = Self {
            method: Method::from_http(incoming.method()),
            query: incoming.uri().query().unwrap_or("").to_owned(),
            headers,
            path: String::new(),
        };
        head.path = head
            .header("spin-path-info")
            .map_or_else(|| incoming.uri().path().to_owned(), str::to_owned);
        head
    }

    /// A header's last value (Spin appends its own `spin-*` headers after the client's).
    pub fn header(&self, name: &str) -> Option<&str> {
        super::last_header(&self.headers, name)
    }

    pub fn method(&self) -> Method {
        self.method
    }
}

/// The whole request, its body read within the limit `body_limit` gives for its method and
/// path, and within the body deadlines. A request whose body cannot be read still has its
/// context (its id) for the problem answer.
pub async fn read(
    incoming: spin_sdk::http::Request,
    head: Head,
    body_limit: impl FnOnce(Method, &str) -> usize,
) -> Result<Request, (crate::http::request::Context, ApiError)> {
    let limit = body_limit(head.method(), &head.path);
    let declared = head
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    // A safe method without a declared length: no body to read (reading its empty stream
    // would cost a round trip to the runtime), and none would be used. The transfer coding
    // cannot tell: the runtime strips it (hop-by-hop), so a chunked POST is read as any.
    let bodiless =
        declared.is_none() && matches!(head.method(), Method::Get | Method::Head | Method::Options);
    let body = if declared.is_some_and(|n| n > limit as u64) {
        Err(ApiError::PayloadTooLarge { limit })
    } else if bodiless || declared == Some(0) {
        Ok(Vec::new())
    } else {
        read_body(incoming.into_body(), limit, time_allowed(declared)).await
    };
    let request = Request::new(
        head.method,
        &head.path,
        &head.query,
        head.headers,
        Vec::new(),
    );
    match body {
        Ok(body) => Ok(request.with_body(body)),
        Err(e) => Err((request.into_context(), e)),
    }
}

/// How long a body may take: [`IDLE`] for the first bytes, and then the declared length at a
/// slow mobile link's rate, at most [`TOTAL`]. One deadline for the whole body: a timer costs
/// the runtime a task of its own, too much to set again for every chunk.
fn time_allowed(declared: Option<u64>) -> Duration {
    let transfer = declared.map_or(TOTAL, |bytes| {
        Duration::from_millis(bytes / SLOW_LINK_BYTES_PER_MS)
    });
    (IDLE + transfer).min(TOTAL)
}

/// About 1 Mbit/s.
const SLOW_LINK_BYTES_PER_MS: u64 = 125;

async fn read_body(
    mut body: impl http_body::Body<Data = bytes::Bytes> + Unpin,
    limit: usize,
    allowed: Duration,
) -> Result<Vec<u8>, ApiError> {
    let unreadable = || ApiError::BadRequest("The request body could not be read.".into());
    let read = async {
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(unreadable());
            };
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                bytes.extend_from_slice(&data);
            }
        }
        Ok(bytes)
    }
    .fuse();
    let deadline = spin_sdk::time::sleep(allowed).fuse();
    futures::pin_mut!(read, deadline);
    futures::select_biased! {
        bytes = read => bytes,
        () = deadline => Err(ApiError::RequestTimeout),
    }
}

/// The limit of a route that takes nothing special: JSON for the methods that carry a body,
/// next to nothing for those that do not.
pub fn default_limit(method: Method) -> usize {
    match method {
        Method::Get | Method::Head | Method::Delete | Method::Options => NO_BODY_LIMIT,
        _ => JSON_LIMIT,
    }
}

/// [`default_limit`] as a component's `body_limit` (for components with no special route).
pub fn default_limit_for(method: Method, _path: &str) -> usize {
    default_limit(method)
}
