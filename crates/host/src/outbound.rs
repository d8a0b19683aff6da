//! Outbound HTTP, allowed only to the hosts a component lists in `allowed_outbound_hosts`,
//! written as Spin writes them: `scheme://host[:port]`, with `*` for any part.

use std::sync::Arc;

use wasmtime_wasi_http::{WasiBody, WasiHttpHooks};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    Suffix(String),
}

impl AllowedHost {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("`{text}` must be written as scheme://host[:port]"))?;
        let scheme = match scheme {
            "*" => None,
            s if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+') && !s.is_empty() => {
                Some(s.to_ascii_lowercase())
            }
            _ => return Err(format!("`{text}`: invalid scheme `{scheme}`")),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let host = match host {
            "*" => HostPattern::Any,
            h if h.starts_with("*.") => HostPattern::Suffix(h[1..].to_ascii_lowercase()),
            h if !h.is_empty() && !h.contains(['/', '*', '?', '#']) => {
                HostPattern::Exact(h.to_ascii_lowercase())
            }
            _ => return Err(format!("`{text}`: invalid host `{host}`")),
        };
        let port = match port {
            None | Some("*") => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| format!("`{text}`: invalid port `{p}`"))?,
            ),
        };
        Ok(Self { scheme, host, port })
    }

    pub fn allows(&self, uri: &http::Uri) -> bool {
        let scheme = uri.scheme_str().unwrap_or("https");
        if self.scheme.as_deref().is_some_and(|s| s != scheme) {
            return false;
        }
        let Some(host) = uri.host().map(str::to_ascii_lowercase) else {
            return false;
        };
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(h) => *h == host,
            HostPattern::Suffix(suffix) => host.ends_with(suffix.as_str()),
        };
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "http" { 80 } else { 443 });
        host_ok && self.port.is_none_or(|p| p == port)
    }
}

/// The wasi-http hooks of one request: outgoing requests pass only to allowed hosts.
pub struct OutboundHooks {
    pub allowed: Arc<Vec<AllowedHost>>,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        let allowed = self.allowed.iter().any(|a| a.allows(request.uri()));
        if !allowed {
            tracing::warn!(uri = %request.uri(), "outbound request denied: host not in allowed_outbound_hosts");
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        _ = fut;
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                res.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(pattern: &str, uri: &str) -> bool {
        AllowedHost::parse(pattern)
            .expect("pattern parses")
            .allows(&uri.parse().expect("uri parses"))
    }

    #[test]
    fn patterns_match_as_in_spin() {
        assert!(allows("https://example.com", "https://example.com/x"));
        assert!(!allows("https://example.com", "http://example.com/x"));
        assert!(allows("*://example.com:8080", "http://example.com:8080/"));
        assert!(!allows("*://example.com:8080", "http://example.com/"));
        assert!(allows("https://*.gov.kz", "https://egov.gov.kz/"));
        assert!(!allows("https://*.gov.kz", "https://gov.kz.evil.com/"));
        assert!(allows("*://*:*", "http://anything:1/"));
    }

    #[test]
    fn malformed_patterns_are_rejected() {
        assert!(AllowedHost::parse("example.com").is_err());
        assert!(AllowedHost::parse("https://example.com:x").is_err());
        assert!(AllowedHost::parse("https://").is_err());
    }
}
