//! The HTTP/1.1 front: accept, hand each request to the app, and on SIGINT/SIGTERM stop
//! accepting and let in-flight requests finish.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::problem::Problem;
use crate::runtime::App;

/// How long in-flight requests get to finish once shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Slow clients get this long to send their request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head (request line and headers) and the most header fields answered;
/// past either, a 431 problem.
const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;
/// hyper's own limits, with room above ours: hyper checks its buffer only loosely and answers
/// its own 431 or 414 with an empty body, so heads just past our limits must reach
/// [`head_too_large`] to get a problem. Only a head four times too large meets hyper's bare
/// answer.
const HYPER_BUFFER_BYTES: usize = 4 * MAX_HEADER_BYTES;
const HYPER_MAX_HEADERS: usize = 4 * MAX_HEADERS;

pub fn print_routes(app: &App, addr: SocketAddr) {
    println!("Serving http://{addr}");
    println!("Available Routes:");
    for (route, component) in app.router().routes() {
        let (path, wildcard) = match route.strip_suffix("/...") {
            Some(prefix) => (prefix, " (wildcard)"),
            None => (route.as_str(), ""),
        };
        println!("  {component}: http://{addr}{path}{wildcard}");
    }
}

/// The HTTP front as one thread per core, each with its own single-threaded runtime and its
/// own listening socket on the same port (`SO_REUSEPORT`: the kernel spreads connections over
/// them). A connection and the guests it starts stay on one thread: no cross-core wake-ups or
/// work stealing per request. CPU-heavy routes still leave for the background lane
/// ([`crate::lanes`]). Returns when `shutdown` fires and every thread has drained, or when a
/// thread fails.
pub fn serve_on_threads<F>(
    app: Arc<App>,
    listen: SocketAddr,
    threads: usize,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl FnOnce() -> F,
) -> anyhow::Result<()>
where
    F: Future<Output = ()>,
{
    use anyhow::Context as _;
    let threads = threads.max(1);
    let socket = |addr: SocketAddr| -> std::io::Result<tokio::net::TcpSocket> {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        #[cfg(unix)]
        socket.set_reuseport(true)?;
        socket.bind(addr)?;
        Ok(socket)
    };
    let first = socket(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let bound = first.local_addr()?;
    let mut sockets = vec![first];
    // Without SO_REUSEPORT a second socket cannot bind the port: one thread serves.
    if cfg!(unix) {
        for _ in 1..threads {
            sockets.push(socket(bound).with_context(|| format!("cannot listen on {bound}"))?);
        }
    }
    let control = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    // Each thread says when its socket listens: the address is announced only then, so no
    // client that read it is refused.
    let (listening_tx, listening_rx) = std::sync::mpsc::channel::<()>();
    let mut workers = Vec::new();
    for (index, socket) in sockets.into_iter().enumerate() {
        let app = Arc::clone(&app);
        let mut stop = stop_rx.clone();
        let done = done_tx.clone();
        let listening = listening_tx.clone();
        let worker = std::thread::Builder::new()
            .name(format!("jaria-http-{index}"))
            .spawn(move || {
                let result = (|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    app.enter_thread(index);
                    runtime.block_on(async move {
                        let listener = socket.listen(1024)?;
                        let _ = listening.send(());
                        serve(app, listener, async move {
                            let _ = stop.wait_for(|stopped| *stopped).await;
                        })
                        .await
                    })
                })();
                let _ = done.send(());
                result
            })?;
        workers.push(worker);
    }
    drop(done_tx);
    drop(listening_tx);
    // A thread that failed before listening drops its sender: fewer signals than threads.
    let listening = listening_rx.iter().take(workers.len()).count();
    // The signal handlers are installed before the address is announced: a SIGTERM that
    // follows the announcement at once is a graceful stop, not the default kill.
    let shutdown = {
        let _runtime = control.enter();
        shutdown()
    };
    if listening == workers.len() {
        on_bound(bound);
    }
    control.block_on(async {
        tokio::select! {
            () = shutdown => eprintln!("Shutting down: finishing in-flight requests"),
            _ = done_rx.recv() => {}
        }
    });
    let _ = stop_tx.send(true);
    let mut outcome = Ok(());
    for worker in workers {
        match worker.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => outcome = Err(e),
            Err(_) => outcome = Err(anyhow::anyhow!("an HTTP thread panicked")),
        }
    }
    outcome
}

pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, client) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = Arc::clone(&app);
                let service = hyper::service::service_fn(move |req| {
                    let app = Arc::clone(&app);
                    async move {
                        if head_too_large(&req) {
                            return Ok(head_too_large_problem().response());
                        }
                        Ok::<_, std::convert::Infallible>(app.handle(req, client).await)
                    }
                });
                let conn = http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .max_buf_size(HYPER_BUFFER_BYTES)
                    .max_header_size(HYPER_BUFFER_BYTES)
                    .max_headers(HYPER_MAX_HEADERS)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%client, "connection ended with error: {e}");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some requests did not finish within {DRAIN_TIMEOUT:?}");
    }
    Ok(())
}

/// Whether a request's head is past [`MAX_HEADER_BYTES`] or [`MAX_HEADERS`], counted as on
/// the wire: `METHOD target HTTP/1.1` and `name: value` lines with their line ends.
fn head_too_large<B>(req: &hyper::Request<B>) -> bool {
    let uri = req.uri();
    let target = uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.scheme_str().map_or(0, |s| s.len() + 3);
    let request_line = req.method().as_str().len() + 1 + target + " HTTP/1.1\r\n".len();
    let fields: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + ": ".len() + value.len() + "\r\n".len())
        .sum();
    req.headers().len() > MAX_HEADERS || request_line + fields + "\r\n".len() > MAX_HEADER_BYTES
}

fn head_too_large_problem() -> Problem {
    Problem {
        status: 431,
        title: "Request Header Fields Too Large",
        detail: format!(
            "The request's headers exceed the limit of {MAX_HEADERS} fields or {MAX_HEADER_BYTES} bytes."
        ),
        retry_after: None,
    }
}

/// Resolves on SIGINT or SIGTERM.
/// A future that completes at the first SIGTERM or Ctrl-C. The handlers are installed when
/// this is called (inside a runtime), not when the future is first polled.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            let first = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = first(term) => {},
                () = first(interrupt) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> hyper::Request<()> {
        let mut builder = hyper::Request::builder().uri("/api/filings/health");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap_or_default()
    }

    #[test]
    fn heads_are_measured_as_on_the_wire() {
        assert!(!head_too_large(&request(&[("host", "x")])));
        // "GET /api/filings/health HTTP/1.1\r\n" + "x-big: …\r\n" + "\r\n" is exactly the limit.
        let line = "GET /api/filings/health HTTP/1.1\r\n".len();
        let fill = MAX_HEADER_BYTES - line - "x-big: \r\n".len() - 2;
        assert!(!head_too_large(&request(&[("x-big", &"a".repeat(fill))])));
        assert!(head_too_large(&request(&[(
            "x-big",
            &"a".repeat(fill + 1)
        )])));
    }

    #[test]
    fn too_many_fields_are_too_large() {
        let names: Vec<String> = (0..=MAX_HEADERS).map(|i| format!("x-h{i}")).collect();
        let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        assert!(!head_too_large(&request(&fields[..MAX_HEADERS])));
        assert!(head_too_large(&request(&fields)));
    }

    #[test]
    fn the_answer_is_a_431_problem() {
        let response = head_too_large_problem().response();
        assert_eq!(response.status(), 431);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}
