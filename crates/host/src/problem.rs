//! The host's own answers (no route, body too large, deadline, trap, overload) as RFC 9457
//! `application/problem+json`, never with internals in them.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
    pub retry_after: Option<u32>,
}

impl Problem {
    pub fn not_found() -> Self {
        Self {
            status: 404,
            title: "Not Found",
            detail: "No resource exists at this address.".into(),
            retry_after: None,
        }
    }

    pub fn bad_request(detail: &str) -> Self {
        Self {
            status: 400,
            title: "Bad Request",
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self {
            status: 413,
            title: "Content Too Large",
            detail: format!("The request body exceeds the limit of {limit} bytes."),
            retry_after: None,
        }
    }

    /// The client did not send its whole request body in time: its delay, not ours.
    pub fn request_timeout() -> Self {
        Self {
            status: 408,
            title: "Request Timeout",
            detail: "The request body did not arrive within the time allowed.".into(),
            retry_after: None,
        }
    }

    pub fn timeout() -> Self {
        Self {
            status: 504,
            title: "Gateway Timeout",
            detail: "The request took longer than the time allowed.".into(),
            retry_after: None,
        }
    }

    pub fn overloaded() -> Self {
        Self {
            status: 503,
            title: "Service Unavailable",
            detail: "The service is busy. Please retry shortly.".into(),
            retry_after: Some(1),
        }
    }

    pub fn internal() -> Self {
        Self {
            status: 500,
            title: "Internal Server Error",
            detail: "The request could not be completed. It has been logged.".into(),
            retry_after: None,
        }
    }

    pub fn body(&self) -> String {
        serde_json::json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        })
        .to_string()
    }

    pub fn response(&self) -> hyper::Response<HyperOutgoingBody> {
        let mut builder = hyper::Response::builder()
            .status(self.status)
            .header(http::header::CONTENT_TYPE, "application/problem+json")
            .header(http::header::CACHE_CONTROL, "no-store");
        if let Some(seconds) = self.retry_after {
            builder = builder.header(http::header::RETRY_AFTER, seconds);
        }
        let body = Full::new(Bytes::from(self.body()))
            .map_err(|never| match never {})
            .boxed_unsync();
        builder.body(body).unwrap_or_else(|_| {
            // Every header above is a valid constant; this arm cannot be reached.
            hyper::Response::new(
                Full::new(Bytes::new())
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overload_carries_retry_after() {
        let r = Problem::overloaded().response();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "1");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }

    #[test]
    fn body_is_rfc9457_shaped() {
        let v: serde_json::Value = serde_json::from_str(&Problem::timeout().body()).unwrap();
        assert_eq!(v["status"], 504);
        assert_eq!(v["title"], "Gateway Timeout");
        assert!(v["detail"].is_string());
    }
}
