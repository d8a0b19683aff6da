//! Outbound HTTP from a component (an OCSP responder, a delivery webhook) through plain
//! `wasi:http`, with the timeouts a request path needs: Spin waits 600 s per phase by default,
//! and a responder that never answers must not hold a sign-in that long. The target must be in
//! the component's `allowed_outbound_hosts`.

use std::time::Duration;

use futures::FutureExt as _;
use http_body_util::BodyExt as _;

/// Why an outbound request gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("the address is not an http(s) URL: {0}")]
    BadUrl(String),
    #[error("the request could not be sent: {0}")]
    Send(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

/// An answer, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// A URL split as `wasi:http` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    pub authority: String,
    pub path_and_query: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, OutboundError> {
        let bad = || OutboundError::BadUrl(url.to_owned());
        let (scheme, rest) = url.trim().split_once("://").ok_or_else(bad)?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(bad()),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains(['@', ' ']) {
            return Err(bad());
        }
        Ok(Target {
            https,
            authority: authority.to_owned(),
            path_and_query: path.to_owned(),
        })
    }
}

/// A POST to send, its parts named rather than six arguments in a row (the caller's literals
/// say which is the content type and which the answer's limit).
pub struct Post<'a> {
    pub target: &'a Target,
    pub content_type: &'a str,
    /// More request headers (a signature, a message id).
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    /// For the whole exchange (connect, send, the answer and its body); the runtime is asked
    /// for the same per phase.
    pub timeout: Duration,
    /// An answer larger than this is refused.
    pub max_bytes: usize,
}

/// Sends the POST and reads the answer, all within its timeout.
pub async fn post(request: &Post<'_>) -> Result<Answer, OutboundError> {
    let exchange = exchange(request).fuse();
    let deadline = spin_sdk::time::sleep(request.timeout).fuse();
    futures::pin_mut!(exchange, deadline);
    futures::select_biased! {
        answer = exchange => answer,
        () = deadline => Err(OutboundError::Timeout(request.timeout)),
    }
}

async fn exchange(post: &Post<'_>) -> Result<Answer, OutboundError> {
    let Post {
        target,
        content_type,
        headers: extra_headers,
        body,
        timeout,
        max_bytes,
    } = *post;
    let send = |e: String| OutboundError::Send(e);
    let scheme = if target.https { "https" } else { "http" };
    let uri = format!("{scheme}://{}{}", target.authority, target.path_and_query);
    let mut request = http::Request::post(uri)
        .header("content-type", content_type)
        .header("content-length", body.len());
    for (name, value) in extra_headers {
        request = request.header(name.to_ascii_lowercase(), *value);
    }
    let mut request = request
        .body(http_body_util::Full::new(bytes::Bytes::copy_from_slice(
            body,
        )))
        .map_err(|e| send(e.to_string()))?;
    request
        .extensions_mut()
        .insert(spin_sdk::wasip3::http_compat::RequestOptionsExtension(
            phase_timeouts(timeout),
        ));
    let response = spin_sdk::http::send(request)
        .await
        .map_err(|e| send(format!("{e:?}")))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut incoming = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(|e| send(format!("reading the answer: {e:?}")))?;
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
            if bytes.len() > max_bytes {
                return Err(OutboundError::TooLarge(max_bytes));
            }
        }
    }
    Ok(Answer {
        status,
        content_type,
        body: bytes,
    })
}

/// The runtime's own per-phase timeouts (Spin waits 600 s per phase otherwise); a runtime that
/// does not support one says so and the overall deadline still holds.
fn phase_timeouts(timeout: Duration) -> spin_sdk::wasip3::http::types::RequestOptions {
    let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
    let options = spin_sdk::wasip3::http::types::RequestOptions::new();
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_authority_and_path() {
        assert_eq!(
            Target::parse("http://127.0.0.1:8080/ocsp?x=1").unwrap(),
            Target {
                https: false,
                authority: "127.0.0.1:8080".into(),
                path_and_query: "/ocsp?x=1".into()
            }
        );
        assert_eq!(
            Target::parse("https://ocsp.pki.gov.kz")
                .unwrap()
                .path_and_query,
            "/"
        );
        assert!(Target::parse("ftp://x").is_err());
        assert!(Target::parse("http://").is_err());
        assert!(Target::parse("http://user@host/").is_err());
        assert!(Target::parse("no scheme").is_err());
    }
}
