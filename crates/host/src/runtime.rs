//! The execution engine: every component is compiled once and pre-instantiated at start-up;
//! requests are routed to its instances ([`crate::instance`]): a WASI 0.3 instance serves many
//! requests in turn and at once, as on Spin 4.1, a WASI 0.2 one serves one. This module is the
//! request's path from routing to the guest and back: forbidden headers stripped, the body
//! limited, the lane chosen, and every failure turned into one problem response.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use sha2::Digest;
use tracing::Instrument as _;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi_http::handler::{ExpirationError, InstantiationError, ProxyHandler, ProxyPre};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::faults::Faults;
use crate::instance::{ComponentHandler, InstanceState, RequestData, Reuse};
use crate::manifest::Manifest;
use crate::outbound::AllowedHost;
use crate::problem::Problem;
use crate::router::{Router, is_host_set_header};
use crate::storage::State;
use crate::variables::ResolvedVariables;

/// How a used memory slot is made clean for its next instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotReset {
    /// Find the pages the last instance dirtied with Linux's `PAGEMAP_SCAN` and zero them in
    /// place — only where that is provably safe: with swap, a page swapped out is not reported
    /// as written, and the next instance could read the previous request's bytes.
    Auto,
    /// Always the safe reset: zero the resident part whole and decommit the rest.
    Safe,
}

impl SlotReset {
    /// Whether `PAGEMAP_SCAN` may be used here: no swap device at all, or a cgroup that gives
    /// this process no swap. Logged either way.
    fn use_pagemap_scan(self) -> bool {
        match self {
            SlotReset::Safe => {
                tracing::info!("memory slots: safe reset (forced)");
                false
            }
            SlotReset::Auto => match swap_in_use() {
                None => {
                    tracing::info!("memory slots: PAGEMAP_SCAN reset (no swap for this process)");
                    true
                }
                Some(why) => {
                    tracing::warn!("memory slots: safe reset, because {why}");
                    false
                }
            },
        }
    }
}

/// Why this process could have pages swapped out, if it could.
fn swap_in_use() -> Option<String> {
    let swaps = match std::fs::read_to_string("/proc/swaps") {
        Ok(text) => text,
        // Not Linux, or no procfs: PAGEMAP_SCAN is not there either; stay safe.
        Err(e) => return Some(format!("/proc/swaps cannot be read ({e})")),
    };
    let devices = swaps
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    if devices == 0 {
        return None;
    }
    // Swap exists; a cgroup (v2) may still deny it to this process.
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    if let Some(path) = cgroup.lines().find_map(|l| l.strip_prefix("0::")) {
        let limit =
            std::fs::read_to_string(format!("/sys/fs/cgroup{}/memory.swap.max", path.trim()));
        if limit.is_ok_and(|l| l.trim() == "0") {
            return None;
        }
    }
    Some(format!("{devices} swap device(s) are active"))
}

/// Per-request resource limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted; larger gets 413 before any guest runs.
    pub max_body_bytes: usize,
    /// Wall-clock deadline for one request, body read included; past it while the body is
    /// still arriving, 408 (the client is slow), and past it inside the guest, 504.
    pub request_timeout: Duration,
    /// Linear memory one instance may grow to; past it the instance traps.
    pub memory_bytes: usize,
    /// Instances alive at once; past it, 503 with `Retry-After`.
    pub max_instances: u32,
    /// How used memory slots are reset.
    pub slot_reset: SlotReset,
    /// How long instances live and how many requests they serve (Spin's flags).
    pub reuse: Reuse,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            memory_bytes: 128 * 1024 * 1024,
            max_instances: 256,
            slot_reset: SlotReset::Auto,
            reuse: Reuse::default(),
        }
    }
}

/// Dirtied linear memory zeroed in place (not decommitted) when a slot is reused. A small
/// request dirties less than this; a large one (a 1 MiB upload) has the rest decommitted, so
/// the memory kept between requests is at most this much per slot. 1 MiB served the floor as
/// fast as 8 MiB, and 8 MiB held 900 MiB resident over the benchmark.
const SLOT_KEEP_RESIDENT_BYTES: usize = 1024 * 1024;
/// The same for tables (function references).
const TABLE_KEEP_RESIDENT_BYTES: usize = 1024 * 1024;

/// What a component was granted in the manifest; decided once, checked at every `open`.
#[derive(Debug)]
pub struct ComponentGrants {
    pub id: String,
    pub key_value_stores: BTreeSet<String>,
    pub sqlite_databases: BTreeSet<String>,
    pub allowed_outbound_hosts: Arc<Vec<AllowedHost>>,
    pub environment: Vec<(String, String)>,
    pub directories: Vec<(PathBuf, String)>,
}

/// Services every request of the application shares.
pub struct Services {
    pub state: State,
    pub variables: ResolvedVariables,
}

struct LoadedComponent {
    grants: Arc<ComponentGrants>,
    /// The component's instances, kept apart per [`Slot`]: each HTTP thread's own (a request
    /// and its guest stay on one core), the background lane's, and one set for calls made
    /// from elsewhere (the start-up migration, the ticker).
    handlers: Vec<ProxyHandler<ComponentHandler>>,
}

/// Which set of instances serves a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Thread(usize),
    Background,
    Elsewhere,
}

thread_local! {
    /// The HTTP thread this is, if it is one ([`App::enter_thread`]).
    static THREAD: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

pub struct App {
    lanes: Arc<crate::lanes::Lanes>,
    router: Router,
    components: HashMap<String, LoadedComponent>,
    services: Arc<Services>,
    limits: Limits,
    /// HTTP threads that have instances of their own.
    threads: usize,
}

pub struct AppOptions {
    pub state_dir: PathBuf,
    /// Where the stores live, as Spin's runtime-config file says (defaults: the state dir).
    pub runtime_config: crate::runtime_config::RuntimeConfig,
    /// Values for `SPIN_VARIABLE_*` names that the environment does not set (the demo's CA).
    pub variable_fallbacks: Vec<(String, String)>,
    pub cache_dir: Option<PathBuf>,
    pub limits: Limits,
    pub faults: Faults,
    /// HTTP threads that will serve requests (each gets instances of its own).
    pub threads: usize,
}

impl App {
    pub fn load(manifest: &Manifest, options: AppOptions) -> anyhow::Result<Self> {
        let limits = options.limits;
        let engine = build_engine(&limits)?;
        let fallbacks = &options.variable_fallbacks;
        let variables = ResolvedVariables::resolve(manifest, &|name| {
            std::env::var(name).ok().or_else(|| {
                fallbacks
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
        })?;
        let router = Router::build(&manifest.http_triggers).map_err(anyhow::Error::msg)?;

        let mut linker: Linker<InstanceState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        wasmtime_wasi::p3::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
        crate::spin_api::add_to_linker(&mut linker)?;
        let state = State::open_with(&options.state_dir, &options.runtime_config)?;
        let services = Arc::new(Services { state, variables });
        let lanes = Arc::new(crate::lanes::Lanes::new()?);
        let threads = options.threads.max(1);

        let mut components = HashMap::new();
        let routed: BTreeSet<&str> = manifest
            .http_triggers
            .iter()
            .map(|t| t.component.as_str())
            .collect();
        for id in routed {
            let spec = &manifest.components[id];
            for label in &spec.key_value_stores {
                if label != "default" {
                    anyhow::bail!(
                        "component `{id}`: key_value_stores: unknown store `{label}` (only `default` is defined)"
                    );
                }
            }
            for db in &spec.sqlite_databases {
                if db != "default" {
                    anyhow::bail!(
                        "component `{id}`: sqlite_databases: unknown database `{db}` (only `default` is defined)"
                    );
                }
            }
            let source = manifest
                .component_source(id)
                .with_context(|| format!("component `{id}`: source"))?;
            let component = compile(&engine, &source, options.cache_dir.as_deref())
                .with_context(|| format!("component `{id}`: cannot load {}", source.display()))?;
            let pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!("component `{id}` imports an interface this host does not provide")
                })?;
            let pre = Arc::new(
                proxy_pre(pre)
                    .with_context(|| format!("component `{id}` is not a wasi:http handler"))?,
            );
            let allowed = allowed_hosts(id, &spec.allowed_outbound_hosts, &services.variables)?;
            let grants = ComponentGrants {
                id: id.to_owned(),
                key_value_stores: spec.key_value_stores.iter().cloned().collect(),
                sqlite_databases: spec.sqlite_databases.iter().cloned().collect(),
                allowed_outbound_hosts: Arc::new(allowed),
                environment: spec.environment.clone().into_iter().collect(),
                directories: directory_mounts(manifest, id)?,
            };
            let grants = Arc::new(grants);
            let handlers = (0..threads + 2)
                .map(|_| {
                    ProxyHandler::new(ComponentHandler {
                        engine: engine.clone(),
                        pre: Arc::clone(&pre),
                        grants: Arc::clone(&grants),
                        services: Arc::clone(&services),
                        limits: limits.clone(),
                        faults: options.faults.clone(),
                        lanes: Arc::clone(&lanes),
                    })
                })
                .collect();
            components.insert(id.to_owned(), LoadedComponent { grants, handlers });
        }

        crate::instance::start_epoch_ticker(&engine);
        Ok(Self {
            lanes,
            router,
            components,
            services,
            limits,
            threads,
        })
    }

    /// Marks the calling thread as HTTP thread `index` (of the `threads` the app was loaded
    /// for): its requests go to instances of its own.
    pub fn enter_thread(&self, index: usize) {
        THREAD.with(|t| t.set((index < self.threads).then_some(index)));
    }

    fn slot(&self, heavy: bool) -> Slot {
        if heavy {
            return Slot::Background;
        }
        THREAD
            .with(|t| t.get())
            .map_or(Slot::Elsewhere, Slot::Thread)
    }

    fn slot_index(&self, slot: Slot) -> usize {
        match slot {
            Slot::Thread(i) => i,
            Slot::Background => self.threads,
            Slot::Elsewhere => self.threads + 1,
        }
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The state files on this machine, by store, for the metrics.
    pub fn state_files(&self) -> Vec<(&'static str, PathBuf)> {
        let mut files = vec![("sqlite", self.services.state.db.path().to_owned())];
        if let crate::kv::KeyValue::Sqlite(pool) = &self.services.state.kv {
            files.push(("key_value", pool.path().to_owned()));
        }
        files
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Serves a request the host makes itself (the start-up migration, scheduled work): routed
    /// and run exactly like one from the network, from 127.0.0.1. Answers status and body.
    pub async fn call(
        &self,
        method: http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let route = self
            .router
            .route(path)
            .ok_or_else(|| anyhow::anyhow!("no route for {path}"))?;
        let component = self
            .components
            .get(&route.component)
            .ok_or_else(|| anyhow::anyhow!("no component for {path}"))?;
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, "localhost");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let client: SocketAddr = ([127, 0, 0, 1], 0).into();
        for (name, value) in route.spin_headers("http", "localhost", path, client) {
            builder = builder.header(name, value);
        }
        let req = builder.body(
            Full::new(Bytes::from(body)).map_err(|e| -> wasmtime_wasi_http::Error { match e {} }),
        )?;
        let response = tokio::time::timeout(self.limits.request_timeout, self.run(component, req))
            .await
            .map_err(|_| anyhow::anyhow!("{path}: the deadline passed"))?
            .map_err(|failure| anyhow::anyhow!("{path}: {failure}"))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| anyhow::anyhow!("{path}: reading the answer: {e}"))?
            .to_bytes();
        Ok((status, bytes.to_vec()))
    }

    /// Serves one request: route, read the body within limits, run a fresh instance.
    pub async fn handle(
        self: Arc<Self>,
        req: hyper::Request<hyper::body::Incoming>,
        client: SocketAddr,
    ) -> hyper::Response<HyperOutgoingBody> {
        let started = std::time::Instant::now();
        let path = req.uri().path().to_owned();
        let Some(route) = self.router.route(&path) else {
            return Problem::not_found().response();
        };
        let span = if !crate::telemetry::enabled() {
            tracing::Span::none()
        } else {
            tracing::info_span!(
                "request",
                otel.name = %format_args!("{} {}", req.method(), route.raw_route),
                otel.kind = "server",
                http.request.method = %req.method(),
                http.route = %route.raw_route,
                spin.component = %route.component,
                http.response.status_code = tracing::field::Empty,
                request_id = tracing::field::Empty,
            )
        };
        // What the metrics label needs, kept only when metrics are on.
        let labels = crate::metrics::get().map(|metrics| {
            (
                metrics,
                route.component.clone(),
                route.raw_route.clone(),
                route.path_info.clone(),
            )
        });
        let response = self
            .handle_routed(req, route, client)
            .instrument(span.clone())
            .await;
        let status = response.status().as_u16();
        span.record("http.response.status_code", status);
        if let Some(id) = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
        {
            span.record("request_id", id);
        }
        if let Some((metrics, component_id, raw_route, path_info)) = labels {
            let label = metrics.route_label(&raw_route, &path_info, status);
            metrics.request_done(&component_id, &label, status, started.elapsed());
        }
        response
    }

    async fn handle_routed(
        &self,
        mut req: hyper::Request<hyper::body::Incoming>,
        route: crate::router::RouteMatch,
        client: SocketAddr,
    ) -> hyper::Response<HyperOutgoingBody> {
        let path = req.uri().path().to_owned();
        let Some(component) = self.components.get(&route.component) else {
            return Problem::not_found().response();
        };

        // Headers starting `spin-` are the host's word to the component: never the client's.
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
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| path.clone());
        for (name, value) in route.spin_headers("http", &host, &path_and_query, client) {
            match (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(&value),
            ) {
                (Ok(n), Ok(v)) => {
                    req.headers_mut().insert(n, v);
                }
                _ => return Problem::bad_request("The request path cannot be routed.").response(),
            }
        }

        let deadline = tokio::time::Instant::now() + self.limits.request_timeout;
        let declared_len = req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared_len.is_some_and(|n| n > self.limits.max_body_bytes as u64) {
            return Problem::payload_too_large(self.limits.max_body_bytes).response();
        }
        // The body streams to the guest as it arrives, as Spin streams it: the component
        // refuses what is too large for its route on the declaration or the moment it passes
        // its limit, and this host's own limit stays behind it as a backstop.
        let (parts, body) = req.into_parts();
        let complete = Arc::new(std::sync::atomic::AtomicBool::new(
            hyper::body::Body::is_end_stream(&body),
        ));
        let body = StreamedBody {
            inner: body,
            limit: self.limits.max_body_bytes,
            seen: 0,
            complete: Arc::clone(&complete),
        };
        let req = hyper::Request::from_parts(parts, body);

        let result = tokio::time::timeout_at(deadline, self.run(component, req)).await;
        // Past the deadline with the body still arriving, the delay is the client's whichever
        // fired first: the host's timer, or the guest's own deadline trap.
        let body_late = || {
            !complete.load(std::sync::atomic::Ordering::SeqCst)
                && tokio::time::Instant::now() >= deadline
        };
        let body_timed_out = || {
            tracing::info!(%client, path, "request body did not arrive in time");
            let mut response = Problem::request_timeout().response();
            response.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
            response
        };
        match result {
            Ok(Ok(response)) => response,
            Ok(Err(Failure::Timeout)) if body_late() => body_timed_out(),
            Ok(Err(failure)) => {
                tracing::error!(
                    component = route.component,
                    path,
                    "request failed: {failure}"
                );
                failure.problem().response()
            }
            // The guest was still waiting for the client's body: the delay is the client's.
            Err(_) if !complete.load(std::sync::atomic::Ordering::SeqCst) => body_timed_out(),
            Err(_) => {
                tracing::error!(component = route.component, path, "request deadline passed");
                Problem::timeout().response()
            }
        }
    }

    /// Hands the request to an instance of the component (in the lane its route has
    /// earned) and waits for the answer's head; the body streams after it.
    async fn run<B>(
        &self,
        component: &LoadedComponent,
        req: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>, Failure>
    where
        B: hyper::body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let route = crate::lanes::route_key(&component.grants.id, req.method(), req.uri().path());
        let lane = self.lanes.lane(&route).await;
        let heavy = lane.heavy;
        let handler = component.handlers[self.slot_index(self.slot(heavy))].clone();
        let req = req.map(|body| body.map_err(Into::into).boxed_unsync());
        let data = RequestData {
            route,
            span: tracing::Span::current(),
        };
        let started = std::time::Instant::now();
        let outcome = if heavy {
            // Instances of the background lane live on its runtime.
            self.lanes
                .spawn(true, async move { handler.handle(data, req).await })
                .await
                .map_err(|join| Failure::Internal(join.into()))?
        } else {
            handler.handle(data, req).await
        };
        drop(lane);
        outcome
            .map_err(|e| Failure::of_handler(e, started.elapsed() >= self.limits.request_timeout))
    }
}

/// A request body streamed to the guest: at most `limit` bytes (past it the guest's read
/// fails), and `complete` set once the client has sent it all.
struct StreamedBody {
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

/// Why a request failed after routing; each maps to one problem response.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// The instance pool is full: shed load.
    #[error("no instance slot free: {0:#}")]
    Overloaded(anyhow::Error),
    /// The deadline passed inside the guest.
    #[error("deadline passed inside the guest")]
    Timeout,
    /// The guest trapped or misbehaved.
    #[error("guest failed: {0:?}")]
    Guest(anyhow::Error),
    #[error("host failed: {0:#}")]
    Internal(anyhow::Error),
}

impl Failure {
    /// What the instance machinery's error means for the request: no instance could be made
    /// (the pool is full: shed load), it ran past its deadline, or the guest failed.
    fn of_handler(e: wasmtime::Error, past_deadline: bool) -> Self {
        if e.downcast_ref::<ExpirationError>().is_some() {
            return Failure::Timeout;
        }
        if let Some(instantiation) = e.downcast_ref::<InstantiationError<RequestData>>() {
            let text = format!("{:?}", instantiation.error);
            let e = anyhow::anyhow!("{text}");
            return if text.contains("maximum concurrent") || text.contains("pooling allocator") {
                Failure::Overloaded(e)
            } else {
                Failure::Guest(e)
            };
        }
        let e: anyhow::Error = e.into();
        let interrupted = e.chain().any(|cause| {
            cause.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt)
        });
        // An instance stopped past a request's deadline was stopped by the epoch callback
        // (the trap may come back wrapped in what the guest then failed to do).
        if interrupted || past_deadline {
            return Failure::Timeout;
        }
        Failure::Guest(e)
    }

    fn problem(&self) -> Problem {
        match self {
            Failure::Overloaded(_) => Problem::overloaded(),
            Failure::Timeout => Problem::timeout(),
            Failure::Guest(_) | Failure::Internal(_) => Problem::internal(),
        }
    }
}

/// The pre-instance as a WASI 0.3 handler if it exports one, else as a 0.2 handler.
fn proxy_pre(
    pre: wasmtime::component::InstancePre<InstanceState>,
) -> anyhow::Result<ProxyPre<InstanceState>> {
    match wasmtime_wasi_http::p3::bindings::ServicePre::new(pre.clone()) {
        Ok(p3) => Ok(ProxyPre::P3(p3)),
        Err(p3_error) => wasmtime_wasi_http::p2::bindings::ProxyPre::new(pre)
            .map(ProxyPre::P2)
            .map_err(|p2_error| {
                anyhow::anyhow!(
                    "exports neither wasi:http/handler@0.3 ({p3_error}) nor wasi:http/incoming-handler@0.2 ({p2_error})"
                )
            }),
    }
}

fn build_engine(limits: &Limits) -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    // WASI 0.3 components: async exports and imports, streams and futures.
    config.wasm_component_model_async(true);
    // For profiling sessions (`bench/README.md`): guest functions named in /tmp/perf-<pid>.map,
    // so `perf report` shows which of them the time goes to.
    if std::env::var_os("JARIA_PERF_MAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config.epoch_interruption(true);
    let mut pool = PoolingAllocationConfig::default();
    let instances = limits.max_instances.max(1);
    pool.total_component_instances(instances);
    // A Rust component has a handful of core instances, memories and tables.
    pool.total_core_instances(instances * 8);
    pool.total_memories(instances * 2);
    pool.total_tables(instances * 4);
    pool.total_stacks(instances);
    pool.max_memory_size(limits.memory_bytes);
    // Resetting a slot for its next instance is the per-request cost that matters: `madvise`
    // of a used slot makes the kernel shoot down the TLBs of every core running the process
    // (`native_write_msr` and `smp_call_function_many_cond` were 28 % of the floor's profile).
    // Instead, the pages an instance dirtied are found with the PAGEMAP_SCAN ioctl (Linux 6.7+;
    // elsewhere the first bytes are reset) and zeroed in place, up to this much per slot; only
    // what lies beyond is decommitted. Slots are reused by the same component first (no warm
    // spares), so the memory kept is bounded by the instances alive at the busiest moment.
    pool.linear_memory_keep_resident(SLOT_KEEP_RESIDENT_BYTES);
    pool.table_keep_resident(TABLE_KEEP_RESIDENT_BYTES);
    pool.pagemap_scan(if limits.slot_reset.use_pagemap_scan() {
        wasmtime::Enabled::Auto
    } else {
        wasmtime::Enabled::No
    });
    pool.max_unused_warm_slots(0);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Ok(Engine::new(&config)?)
}

/// Compiles a component, reusing machine code cached from an earlier start when the same
/// bytes were compiled by a compatible engine.
fn compile(engine: &Engine, source: &Path, cache_dir: Option<&Path>) -> anyhow::Result<Component> {
    let bytes = std::fs::read(source)
        .with_context(|| format!("cannot read {} (run `jaria build`?)", source.display()))?;
    let Some(cache_dir) = cache_dir else {
        return Ok(Component::new(engine, &bytes)?);
    };
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let key = format!(
        "{}-{:016x}.cwasm",
        hex::encode(sha2::Sha256::digest(&bytes)),
        engine_hash.finish()
    );
    let cached = cache_dir.join(key);
    if cached.exists() {
        // SAFETY: the file is machine code this host wrote for an engine with the same
        // compatibility hash, under a name derived from the exact input bytes.
        match unsafe { Component::deserialize_file(engine, &cached) } {
            Ok(component) => return Ok(component),
            Err(e) => tracing::warn!(
                "ignoring unusable compile cache entry {}: {e}",
                cached.display()
            ),
        }
    }
    let component = Component::new(engine, &bytes)?;
    if std::fs::create_dir_all(cache_dir).is_ok() {
        let tmp = cached.with_extension(format!("tmp{}", std::process::id()));
        if let Ok(serialized) = component.serialize()
            && std::fs::write(&tmp, serialized).is_ok()
        {
            let _ = std::fs::rename(&tmp, &cached);
        }
    }
    Ok(component)
}

/// A component's `allowed_outbound_hosts`, templates rendered. As in Spin, an entry whose
/// value is empty or not a `scheme://host[:port]` allows nothing (and is logged), rather than
/// stopping the start: an optional outbound target (an OCSP responder) may be unset.
fn allowed_hosts(
    id: &str,
    entries: &[String],
    variables: &ResolvedVariables,
) -> anyhow::Result<Vec<AllowedHost>> {
    let mut allowed = Vec::new();
    for entry in entries {
        if !entry.contains("{{") {
            allowed.push(AllowedHost::parse(entry).map_err(anyhow::Error::msg)?);
            continue;
        }
        let rendered = variables
            .render_app_template(entry)
            .map_err(|m| anyhow::anyhow!("component `{id}`: allowed_outbound_hosts: {m}"))?;
        if rendered.trim().is_empty() {
            continue;
        }
        match AllowedHost::parse(rendered.trim()) {
            Ok(host) => allowed.push(host),
            Err(m) => tracing::warn!(
                component = id,
                "allowed_outbound_hosts entry `{entry}` allows nothing: {m}"
            ),
        }
    }
    Ok(allowed)
}

/// `files = [{ source = "dir", destination = "/x" }]` and plain directory names mount
/// read-only, as Spin mounts them.
fn directory_mounts(manifest: &Manifest, id: &str) -> anyhow::Result<Vec<(PathBuf, String)>> {
    use crate::manifest::FileMount;
    let mut mounts = Vec::new();
    for (i, mount) in manifest.components[id].files.iter().enumerate() {
        let (source, destination) = match mount {
            FileMount::Placement {
                source,
                destination,
            } => (source.clone(), destination.clone()),
            FileMount::Pattern(pattern) => (pattern.clone(), format!("/{pattern}")),
        };
        let host = manifest.app_dir.join(&source);
        if !host.is_dir() {
            anyhow::bail!(
                "component `{id}`: files[{i}]: `{source}` is not a directory (this host mounts directories only)"
            );
        }
        mounts.push((host, destination));
    }
    Ok(mounts)
}
