//! Reading a request as the runtime hands it over (`wasi:http` incoming request), within
//! limits the component sets per route: a declared `Content-Length` past the limit is refused
//! before a byte of the body is read, a streamed body the moment it passes the limit, and a
//! body that stalls or trickles is cut off. Real Spin has no body limit or request deadline of
//! its own; `jaria up`'s are a second line, not the first.

use std::time::Duration;

use spin_sdk::http::{IncomingRequest, Request};

use crate::error::ApiError;
use crate::http::Method;

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

/// No byte of the body for this long: the client has stalled.
const IDLE: Duration = Duration::from_secs(10);
/// The whole body within this long: 14 MiB at about 1 Mbit/s, a slow mobile link.
const TOTAL: Duration = Duration::from_secs(120);
/// The most read from the stream at once.
const READ_CHUNK: u64 = 64 * 1024;

/// The request with its body read whole, or the problem that stopped the reading.
/// What arrives before the body: method, URI, headers and the component-relative path.
pub struct Head {
    method: spin_sdk::http::Method,
    uri: String,
    headers: Vec<(String, Vec<u8>)>,
    /// `spin-path-info`, else the request path without its query.
    pub path: String,
}

impl Head {
    pub fn of(incoming: &IncomingRequest) -> Self {
        let headers: Vec<(String, Vec<u8>)> = incoming.headers().entries();
        let mut head = Self {
            method: incoming.method(),
            uri: incoming.uri(),
            headers,
            path: String::new(),
        };
        head.path = head.header("spin-path-info").map_or_else(
            || {
                incoming
                    .path_with_query()
                    .unwrap_or_default()
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            },
            str::to_owned,
        );
        head
    }

    /// A header's last value (Spin appends its own `spin-*` headers after the client's).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    pub fn method(&self) -> Method {
        Method::from_sdk(&self.method)
    }
}

/// The whole request, its body read within the limit `body_limit` gives for its method and
/// path, and within the body deadlines.
pub fn read(
    incoming: IncomingRequest,
    head: Head,
    body_limit: impl FnOnce(Method, &str) -> usize,
) -> Result<Request, ApiError> {
    let limit = body_limit(head.method(), &head.path);
    let declared = head
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let body = read_body(incoming, limit)?;
    let mut builder = Request::builder();
    builder.method(head.method).uri(head.uri);
    for (name, value) in head.headers {
        builder.header(name, String::from_utf8_lossy(&value).into_owned());
    }
    builder.body(body);
    Ok(builder.build())
}

fn read_body(incoming: IncomingRequest, limit: usize) -> Result<Vec<u8>, ApiError> {
    use wasi::io::streams::StreamError;
    let unreadable = || ApiError::BadRequest("The request body could not be read.".into());
    let body = incoming.consume().map_err(|()| unreadable())?;
    let stream = body.stream().map_err(|()| unreadable())?;
    let started = wasi::clocks::monotonic_clock::now();
    let total_ns = TOTAL.as_nanos() as u64;
    let mut bytes = Vec::new();
    loop {
        match stream.read(READ_CHUNK) {
            Ok(chunk) if chunk.is_empty() => {
                let elapsed = wasi::clocks::monotonic_clock::now().saturating_sub(started);
                let wait = IDLE
                    .as_nanos()
                    .min(u128::from(total_ns.saturating_sub(elapsed)))
                    as u64;
                if wait == 0 {
                    return Err(ApiError::RequestTimeout);
                }
                let timer = wasi::clocks::monotonic_clock::subscribe_duration(wait);
                let ready = wasi::io::poll::poll(&[&stream.subscribe(), &timer]);
                if !ready.contains(&0) {
                    return Err(ApiError::RequestTimeout);
                }
            }
            Ok(chunk) => {
                if bytes.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => return Err(unreadable()),
        }
    }
    drop(stream);
    drop(body);
    Ok(bytes)
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
