//! A request's way in, before any guest sees it: the headers only the host may set taken from
//! the client and set by the host, and the body streamed to the guest within its limit.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;

use crate::problem::Problem;
use crate::router::{RouteMatch, is_host_set_header};

/// A request body streamed to the guest: at most `limit` bytes (past it the guest's read
/// fails), and `complete` set once the client has sent it all.
pub(super) struct StreamedBody {
    inner: hyper::body::Incoming,
    limit: usize,
    seen: usize,
    complete: Arc<std::sync::atomic::AtomicBool>,
}

impl hyper::body::Body for StreamedBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, wasmtime_wasi_http::Error>>> {
        use std::task::Poll;
        match std::pin::Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.complete
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => {
                let len = frame.data_ref().map_or(0, Bytes::len);
                self.seen += len;
                if self.seen > self.limit {
                    return Poll::Ready(Some(Err(wasmtime_wasi_http::Error::HttpRequestBodySize(
                        Some(self.limit as u64),
                    ))));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                Poll::Ready(Some(Err(wasmtime_wasi_http::Error::Hyper(e))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// The body as the guest reads it: streamed as it arrives, as Spin streams it (the component
/// refuses what is too large for its route on the declaration or the moment it passes its
/// limit; this host's own `limit` stays behind it as a backstop), with a flag set once the
/// client has sent it all. A declared length past `limit` is refused at once (413).
#[allow(clippy::type_complexity)]
pub(super) fn limited_body(
    req: hyper::Request<hyper::body::Incoming>,
    limit: usize,
) -> Result<
    (
        hyper::Request<StreamedBody>,
        Arc<std::sync::atomic::AtomicBool>,
    ),
    Problem,
> {
    let declared_len = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > limit as u64) {
        return Err(Problem::payload_too_large(limit));
    }
    let (parts, body) = req.into_parts();
    let complete = Arc::new(std::sync::atomic::AtomicBool::new(
        hyper::body::Body::is_end_stream(&body),
    ));
    let body = StreamedBody {
        inner: body,
        limit,
        seen: 0,
        complete: Arc::clone(&complete),
    };
    Ok((hyper::Request::from_parts(parts, body), complete))
}

/// The headers as the guest gets them: those only the host may set (`spin-…`) taken from the
/// client, a `host` if the client sent none, then the host's own (`spin-full-url`,
/// `spin-path-info`, `spin-client-addr`, …) for the route. A path that cannot be put in a
/// header is refused.
pub(super) fn prepare_headers<B>(
    req: &mut hyper::Request<B>,
    route: &RouteMatch,
    client: SocketAddr,
) -> Result<(), Problem> {
    let forged: Vec<_> = req
        .headers()
        .keys()
        .filter(|name| is_host_set_header(name.as_str()))
        .cloned()
        .collect();
    for name in forged {
        req.headers_mut().remove(&name);
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    if !req.headers().contains_key(http::header::HOST) {
        req.headers_mut().insert(
            http::header::HOST,
            http::HeaderValue::from_static("localhost"),
        );
    }
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    for (name, value) in route.spin_headers("http", &host, &path_and_query, client) {
        match (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            (Ok(n), Ok(v)) => {
                req.headers_mut().insert(n, v);
            }
            _ => return Err(Problem::bad_request("The request path cannot be routed.")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::prepare_headers;
    use crate::manifest::{HttpRoute, HttpTrigger};
    use crate::router::Router;

    fn routed(req: &mut hyper::Request<()>) -> Result<(), u16> {
        let trigger = HttpTrigger {
            id: None,
            route: HttpRoute::Path("/api/cases/...".to_owned()),
            component: "cases".to_owned(),
            executor: None,
        };
        let router = Router::build(&[trigger]).unwrap();
        let route = router.route(req.uri().path()).unwrap();
        prepare_headers(req, &route, "203.0.113.7:5000".parse().unwrap()).map_err(|p| p.status)
    }

    #[test]
    fn a_client_never_sets_what_only_the_host_sets() {
        let mut req = hyper::Request::builder()
            .uri("/api/cases/x?y=1")
            .header("Spin-Client-Addr", "10.0.0.1:1")
            .header("spin-path-info", "/admin")
            .header("spin-anything", "forged")
            .body(())
            .unwrap();
        routed(&mut req).unwrap();
        let headers = req.headers();
        assert_eq!(headers["spin-client-addr"], "203.0.113.7:5000");
        assert_eq!(headers["spin-path-info"], "/x");
        assert!(headers.get("spin-anything").is_none());
        assert_eq!(headers["host"], "localhost");
        assert_eq!(headers["spin-full-url"], "http://localhost/api/cases/x?y=1");
    }

    #[test]
    fn the_clients_host_is_kept() {
        let mut req = hyper::Request::builder()
            .uri("/api/cases/")
            .header("host", "jaria.example")
            .body(())
            .unwrap();
        routed(&mut req).unwrap();
        assert_eq!(req.headers()["host"], "jaria.example");
        assert_eq!(
            req.headers()["spin-full-url"],
            "http://jaria.example/api/cases/"
        );
    }
}
