//! Outbound HTTP from a component (an OCSP responder, a delivery webhook) through plain
//! `wasi:http`, with the timeouts a request path needs: Spin waits 600 s per phase by default,
//! and a responder that never answers must not hold a sign-in that long. The target must be in
//! the component's `allowed_outbound_hosts`.

use std::time::Duration;

use wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasi::io::streams::StreamError;

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

/// POSTs `body` and reads the answer, all within `timeout`; answers above `max_bytes` are
/// refused.
pub fn post(
    target: &Target,
    content_type: &str,
    body: &[u8],
    timeout: Duration,
    max_bytes: usize,
) -> Result<Answer, OutboundError> {
    post_with_headers(target, content_type, &[], body, timeout, max_bytes)
}

/// [`post`] with more request headers (a signature, a message id).
pub fn post_with_headers(
    target: &Target,
    content_type: &str,
    extra_headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
    max_bytes: usize,
) -> Result<Answer, OutboundError> {
    let send = |e: String| OutboundError::Send(e);
    let mut fields = vec![
        ("content-type".to_owned(), content_type.as_bytes().to_vec()),
        (
            "content-length".to_owned(),
            body.len().to_string().into_bytes(),
        ),
    ];
    fields.extend(
        extra_headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.as_bytes().to_vec())),
    );
    let headers = Fields::from_list(&fields).map_err(|e| send(format!("{e:?}")))?;
    let request = OutgoingRequest::new(headers);
    let scheme = if target.https {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let set = |ok: Result<(), ()>, what: &str| ok.map_err(|()| send(format!("bad {what}")));
    set(request.set_method(&Method::Post), "method")?;
    set(request.set_scheme(Some(&scheme)), "scheme")?;
    set(request.set_authority(Some(&target.authority)), "authority")?;
    set(
        request.set_path_with_query(Some(&target.path_and_query)),
        "path",
    )?;
    let outgoing = request.body().map_err(|()| send("no body".into()))?;
    let options = RequestOptions::new();
    let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
    // Hosts that do not support a timeout say so; the overall deadline below still holds.
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));
    let future = wasi::http::outgoing_handler::handle(request, Some(options))
        .map_err(|e| send(describe(&e)))?;
    {
        let stream = outgoing
            .write()
            .map_err(|()| send("body not writable".into()))?;
        for chunk in body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| send(format!("writing the body: {e:?}")))?;
        }
    }
    OutgoingBody::finish(outgoing, None).map_err(|e| send(describe(&e)))?;

    let deadline = wasi::clocks::monotonic_clock::now().saturating_add(nanos);
    let wait = |pollable: &wasi::io::poll::Pollable| -> Result<(), OutboundError> {
        let now = wasi::clocks::monotonic_clock::now();
        if now >= deadline {
            return Err(OutboundError::Timeout(timeout));
        }
        let timer = wasi::clocks::monotonic_clock::subscribe_instant(deadline);
        let ready = wasi::io::poll::poll(&[pollable, &timer]);
        if ready.contains(&0) {
            Ok(())
        } else {
            Err(OutboundError::Timeout(timeout))
        }
    };
    wait(&future.subscribe())?;
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(e))) => return Err(send(describe(&e))),
        Some(Err(())) | None => return Err(send("no response".into())),
    };
    let status = response.status();
    let content_type = response
        .headers()
        .get(&"content-type".to_owned())
        .into_iter()
        .next()
        .and_then(|v| String::from_utf8(v).ok());
    let incoming = response
        .consume()
        .map_err(|()| send("answer body unreadable".into()))?;
    let stream = incoming
        .stream()
        .map_err(|()| send("answer body unreadable".into()))?;
    let mut bytes = Vec::new();
    loop {
        match stream.read(64 * 1024) {
            Ok(chunk) if chunk.is_empty() => wait(&stream.subscribe())?,
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > max_bytes {
                    return Err(OutboundError::TooLarge(max_bytes));
                }
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(send(e.to_debug_string()));
            }
        }
    }
    drop(stream);
    let _ = IncomingBody::finish(incoming);
    Ok(Answer {
        status,
        content_type,
        body: bytes,
    })
}

fn describe(e: &ErrorCode) -> String {
    format!("{e:?}")
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
