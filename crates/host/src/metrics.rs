//! Prometheus metrics of `jaria up`, served on their own listener (`--metrics-listen`), never
//! on the portal's port: requests by component, route and status, their latency, live
//! instances, instantiations (each reuses a pooled slot), writer-gate waits, guest memory per
//! component, host calls by interface, and the sizes of the state files.
//!
//! The registry is process-wide so that the storage layer and the host interfaces can count
//! without being handed a handle. It exists only when `--metrics-listen` asks for it: without
//! it every recording site is one check of an unset `OnceLock`, nothing more.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use prometheus::{
    Encoder as _, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The most distinct route labels kept; later ones are counted as `other` so that nobody can
/// grow the metrics without bound by inventing paths.
const MAX_ROUTES: usize = 500;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    live_instances: IntGauge,
    instances_started: IntCounter,
    writer_gate_wait: Histogram,
    guest_memory: HistogramVec,
    host_calls: IntCounterVec,
    state_bytes: IntGaugeVec,
    routes_seen: Mutex<HashSet<String>>,
    state_files: Mutex<Vec<(&'static str, PathBuf)>>,
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

/// Creates the process's metrics, once, at start-up (a failure stops the start, not a
/// request).
pub fn enable() -> prometheus::Result<&'static Metrics> {
    if let Some(metrics) = METRICS.get() {
        return Ok(metrics);
    }
    let metrics = Metrics::new()?;
    Ok(METRICS.get_or_init(|| metrics))
}

/// The process's metrics, when they were enabled.
pub fn get() -> Option<&'static Metrics> {
    METRICS.get()
}

impl Metrics {
    fn new() -> prometheus::Result<Self> {
        let registry = Registry::new_custom(Some("jaria".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "Requests answered, by component, route and status.",
            ),
            &["component", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from routing to the response head, by component and route.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0, 30.0,
            ]),
            &["component", "route"],
        )?;
        let live_instances = IntGauge::new(
            "live_instances",
            "Component instances running now (one per request in flight).",
        )?;
        let instances_started = IntCounter::new(
            "instances_started_total",
            "Instances started; each takes a slot of the pooling allocator, reset since its last use.",
        )?;
        let writer_gate_wait = Histogram::with_opts(
            HistogramOpts::new(
                "writer_gate_wait_seconds",
                "Time a write transaction waited for its turn at the database's writer gate.",
            )
            .buckets(vec![
                0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0,
            ]),
        )?;
        let guest_memory = HistogramVec::new(
            HistogramOpts::new(
                "guest_memory_bytes",
                "Peak linear memory of an instance over its request, by component.",
            )
            .buckets(prometheus::exponential_buckets(1024.0 * 1024.0, 2.0, 9)?),
            &["component"],
        )?;
        let host_calls = IntCounterVec::new(
            Opts::new(
                "host_calls_total",
                "Calls from components to the host's interfaces, by interface and operation.",
            ),
            &["interface", "operation"],
        )?;
        let state_bytes = IntGaugeVec::new(
            Opts::new(
                "state_file_bytes",
                "Size of the state files (database and key-value store, with their WAL), read at scrape.",
            ),
            &["store"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(live_instances.clone()))?;
        registry.register(Box::new(instances_started.clone()))?;
        registry.register(Box::new(writer_gate_wait.clone()))?;
        registry.register(Box::new(guest_memory.clone()))?;
        registry.register(Box::new(host_calls.clone()))?;
        registry.register(Box::new(state_bytes.clone()))?;
        Ok(Self {
            registry,
            requests,
            duration,
            live_instances,
            instances_started,
            writer_gate_wait,
            guest_memory,
            host_calls,
            state_bytes,
            routes_seen: Mutex::default(),
            state_files: Mutex::default(),
        })
    }

    /// The route label of a request: the manifest route with the path under its wildcard,
    /// every segment that holds a digit (ids, case numbers, IINs) or is long (tokens) masked as `:id`.
    /// Unrouted or unknown paths (404) keep only the manifest route; past [`MAX_ROUTES`]
    /// distinct labels, `other`.
    pub fn route_label(&self, raw_route: &str, path_info: &str, status: u16) -> String {
        let base = raw_route.trim_end_matches("...").trim_end_matches('/');
        if status == 404 {
            return raw_route.to_owned();
        }
        let mut label = base.to_owned();
        for segment in path_info.split('/').filter(|s| !s.is_empty()) {
            label.push('/');
            if segment.len() > 24 || segment.bytes().any(|b| b.is_ascii_digit()) {
                label.push_str(":id");
            } else {
                label.push_str(segment);
            }
        }
        if label.is_empty() {
            label.push('/');
        }
        let Ok(mut seen) = self.routes_seen.lock() else {
            return "other".into();
        };
        if seen.contains(&label) {
            return label;
        }
        if seen.len() >= MAX_ROUTES {
            return "other".into();
        }
        seen.insert(label.clone());
        label
    }

    pub fn request_done(&self, component: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .with_label_values(&[component, route, &status.to_string()])
            .inc();
        self.duration
            .with_label_values(&[component, route])
            .observe(took.as_secs_f64());
    }

    /// An instance starts; the returned guard counts it live until dropped.
    pub fn instance_started(&'static self) -> LiveInstance {
        self.instances_started.inc();
        self.live_instances.inc();
        LiveInstance(self)
    }

    pub fn guest_memory(&self, component: &str, bytes: usize) {
        self.guest_memory
            .with_label_values(&[component])
            .observe(bytes as f64);
    }

    pub fn writer_gate_waited(&self, waited: Duration) {
        self.writer_gate_wait.observe(waited.as_secs_f64());
    }

    pub fn host_call(&self, interface: &str, operation: &str) {
        self.host_calls
            .with_label_values(&[interface, operation])
            .inc();
    }

    /// Files whose sizes (with their `-wal`) are reported at every scrape.
    pub fn watch_state_file(&self, store: &'static str, path: PathBuf) {
        if let Ok(mut files) = self.state_files.lock() {
            files.retain(|(s, _)| *s != store);
            files.push((store, path));
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        if let Ok(files) = self.state_files.lock() {
            for (store, path) in files.iter() {
                let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
                let mut wal = path.clone().into_os_string();
                wal.push("-wal");
                let bytes = size(path) + size(std::path::Path::new(&wal));
                self.state_bytes
                    .with_label_values(&[store])
                    .set(i64::try_from(bytes).unwrap_or(i64::MAX));
            }
        }
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!("encoding metrics: {e}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Counts one instance live until dropped.
pub struct LiveInstance(&'static Metrics);

impl Drop for LiveInstance {
    fn drop(&mut self) {
        self.0.live_instances.dec();
    }
}

/// Serves `GET /metrics` (and nothing else) on `addr`, for as long as the process runs.
/// Returns the bound address.
pub async fn serve(addr: SocketAddr) -> anyhow::Result<SocketAddr> {
    let metrics = enable()?;
    use http_body_util::Full;
    use hyper::body::Bytes;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|req: hyper::Request<_>| async move {
                    let (status, content_type, body) = if req.uri().path() != "/metrics" {
                        (404, "text/plain", "not found: scrape /metrics\n".to_owned())
                    } else if req.method() != hyper::Method::GET {
                        (405, "text/plain", "GET only\n".to_owned())
                    } else {
                        (200, prometheus::TEXT_FORMAT, metrics.render())
                    };
                    hyper::Response::builder()
                        .status(status)
                        .header("content-type", content_type)
                        .body(Full::new(Bytes::from(body)))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_labels_mask_ids_and_stay_bounded() {
        let m = Metrics::new().unwrap();
        assert_eq!(
            m.route_label("/api/cases/...", "/261234567890123/decisions", 200),
            "/api/cases/:id/decisions"
        );
        assert_eq!(
            m.route_label(
                "/api/auth/...",
                "/sessions/abcdefabcdefabcdefabcdefabcdef",
                204
            ),
            "/api/auth/sessions/:id"
        );
        assert_eq!(m.route_label("/...", "/", 200), "/");
        assert_eq!(
            m.route_label("/api/cases/...", "/made-up", 404),
            "/api/cases/..."
        );
        for i in 0..(MAX_ROUTES * 2) {
            let word: String = format!("{i:x}")
                .chars()
                .filter_map(|c| c.to_digit(16))
                .map(|d| char::from(b'a' + d as u8))
                .collect();
            let _ = m.route_label("/api/x/...", &format!("/w{word}"), 200);
        }
        assert_eq!(m.route_label("/api/x/...", "/brand-new", 200), "other");
    }

    #[test]
    fn the_exposition_names_what_was_recorded() {
        let m = Metrics::new().unwrap();
        m.request_done("cases", "/api/cases", 200, Duration::from_millis(3));
        m.host_call("sqlite", "execute");
        let text = m.render();
        assert!(text.contains(
            "jaria_http_requests_total{component=\"cases\",route=\"/api/cases\",status=\"200\"} 1"
        ));
        assert!(
            text.contains("jaria_host_calls_total{interface=\"sqlite\",operation=\"execute\"} 1")
        );
    }
}
