//! The execution engine: every component is compiled once and pre-instantiated at start-up;
//! requests are routed to its instances ([`crate::instance`]): a WASI 0.3 instance serves many
//! requests in turn and at once, as on Spin 4.1, a WASI 0.2 one serves one. This module is the
//! request's path from routing to the guest and back: forbidden headers stripped, the body
//! limited, the lane chosen, and every failure turned into one problem response.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tracing::Instrument as _;
use wasmtime_wasi_http::handler::ProxyHandler;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::faults::Faults;
use crate::instance::{ComponentHandler, RequestData};
use crate::manifest::Manifest;
use crate::outbound::AllowedHost;
use crate::problem::Problem;
use crate::router::Router;
use crate::storage::State;
use crate::variables::ResolvedVariables;

mod engine;
mod failure;
mod ingress;
mod limits;

use engine::{allowed_hosts, build_engine, directory_mounts};
use failure::Failure;
pub use limits::{Limits, SlotReset};

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

        let linker = engine::linker(&engine)?;
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
            let pre =
                engine::pre_instance(&engine, &linker, manifest, id, options.cache_dir.as_deref())?;
            let grants = Arc::new(grants(manifest, id, &services)?);
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
        limits::return_freed_memory();
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

        if let Err(problem) = ingress::prepare_headers(&mut req, &route, client) {
            return problem.response();
        }

        let deadline = tokio::time::Instant::now() + self.limits.request_timeout;
        let (req, complete) = match ingress::limited_body(req, self.limits.max_body_bytes) {
            Ok(limited) => limited,
            Err(problem) => return problem.response(),
        };
        let result = tokio::time::timeout_at(deadline, self.run(component, req)).await;
        let body_complete = complete.load(std::sync::atomic::Ordering::SeqCst);
        // Past the deadline with the body still arriving, the delay is the client's whichever
        // fired first: the host's timer, or the guest's own deadline trap.
        let body_late = !body_complete && tokio::time::Instant::now() >= deadline;
        let outcome = match result {
            Ok(Ok(response)) => return response,
            Ok(Err(Failure::Timeout)) if body_late => Outcome::BodyLate,
            Ok(Err(failure)) => Outcome::Failed(failure),
            // The guest was still waiting for the client's body: the delay is the client's.
            Err(_) if !body_complete => Outcome::BodyLate,
            Err(_) => Outcome::Failed(Failure::Timeout),
        };
        outcome.response(&route.component, &path, client)
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

/// What the manifest grants component `id`: only the `default` store and database exist (any
/// other label is refused at start, as Spin refuses it), its outbound hosts, environment and
/// mounted files.
fn grants(manifest: &Manifest, id: &str, services: &Services) -> anyhow::Result<ComponentGrants> {
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
    let allowed = allowed_hosts(id, &spec.allowed_outbound_hosts, &services.variables)?;
    Ok(ComponentGrants {
        id: id.to_owned(),
        key_value_stores: spec.key_value_stores.iter().cloned().collect(),
        sqlite_databases: spec.sqlite_databases.iter().cloned().collect(),
        allowed_outbound_hosts: Arc::new(allowed),
        environment: spec.environment.clone().into_iter().collect(),
        directories: directory_mounts(manifest, id)?,
    })
}

/// A request that got no answer from its guest, and why.
enum Outcome {
    /// The client's body did not arrive in time: the delay is the client's (408, and the
    /// connection is closed).
    BodyLate,
    Failed(Failure),
}

impl Outcome {
    fn response(
        self,
        component: &str,
        path: &str,
        client: SocketAddr,
    ) -> hyper::Response<HyperOutgoingBody> {
        match self {
            Outcome::BodyLate => {
                tracing::info!(%client, path, "request body did not arrive in time");
                let mut response = Problem::request_timeout().response();
                response.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
                response
            }
            Outcome::Failed(failure) => {
                tracing::error!(component, path, "request failed: {failure}");
                failure.problem().response()
            }
        }
    }
}
