//! Component instances, as Spin 4.1 runs them: a WASI 0.3 (p3) instance serves up to
//! `--max-instance-reuse-count` requests (128), `--max-instance-concurrent-reuse-count` of them
//! at once (16), and is dropped after `--idle-instance-timeout` (1 s) without work; a WASI 0.2
//! (p2) instance serves one request. Dispatch, reuse and expiry are wasmtime-wasi-http's
//! `ProxyHandler`, the same machinery Spin and `wasmtime serve` use; this module gives it what
//! is ours: the store an instance lives in, with its limits ([`ComponentHandler::new_store`]),
//! when a request has had its time, and what an instance leaves in the log and the metrics.
//!
//! What reuse changes for isolation: guest memory (its statics, its allocator's free lists)
//! lives as long as the instance, so one request's data could be read by a later one if the
//! guest kept it. The components keep nothing of a request (see `crates/portal/src/platform`
//! and the statics check in its tests); an operator who wants a fresh instance for every
//! request sets `--max-instance-reuse-count 1`, here and on Spin.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use wasmtime::component::{GuestTaskId, ResourceTable};
use wasmtime::{Engine, Store, StoreContextMut, StoreLimits};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, ProxyPre, ShouldAccept, WorkerExpiration, WorkerState, WorkerStatus,
};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::faults::Faults;
use crate::outbound::OutboundHooks;
use crate::runtime::{ComponentGrants, Limits, Services};

/// How often the epoch ticks: the granularity of deadlines and of the guest's turns on its
/// thread.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The epoch as this host counts it (the engine does not say): ticks since start.
pub static EPOCH: AtomicU64 = AtomicU64::new(0);

/// Instance reuse, with Spin's defaults and flag names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reuse {
    /// `--max-instance-reuse-count`: requests one instance serves in all.
    pub max_requests: Choice<usize>,
    /// `--max-instance-concurrent-reuse-count`: requests one instance serves at once.
    pub max_concurrent: Choice<usize>,
    /// `--idle-instance-timeout`: how long an instance without work is kept.
    pub idle_timeout: Choice<Duration>,
}

impl Default for Reuse {
    fn default() -> Self {
        Self {
            max_requests: Choice::Default,
            max_concurrent: Choice::Default,
            idle_timeout: Choice::Value(Duration::from_secs(1)),
        }
    }
}

/// A setting as Spin takes it: left to the default, one value, or a range a value is drawn
/// from for each new instance (`1..8`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Choice<T> {
    Default,
    Value(T),
    Range(T, T),
}

impl Choice<usize> {
    fn pick(self, default: usize) -> usize {
        match self {
            Choice::Default => default,
            Choice::Value(v) => v,
            Choice::Range(low, high) if high > low => low + draw() as usize % (high - low),
            Choice::Range(low, _) => low,
        }
        .max(1)
    }
}

impl Choice<Duration> {
    fn pick(self, default: Duration) -> Duration {
        match self {
            Choice::Default => default,
            Choice::Value(v) => v,
            Choice::Range(low, high) if high > low => {
                let span = (high - low).as_nanos().min(u64::MAX as u128) as u64;
                low + Duration::from_nanos(draw() % span)
            }
            Choice::Range(low, _) => low,
        }
    }
}

/// A number for spreading instance lifetimes (not a secret).
fn draw() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_or(0x9e37_79b9_7f4a_7c15, |()| u64::from_le_bytes(bytes))
}

/// Parses a count or a range of counts, as Spin does (`16`, `1..8`).
pub fn parse_count(text: &str) -> Result<Choice<usize>, String> {
    parse_choice(text, |t| {
        t.trim()
            .parse::<usize>()
            .map_err(|e| format!("expected a number or a range such as 1..8, got {text:?}: {e}"))
    })
}

/// Parses a duration or a range of durations, as Spin does: a number is seconds; `ms`, `us`,
/// `μs`, `ns` and `s` suffixes (`1s`, `250ms`, `1..8s`).
pub fn parse_duration(text: &str) -> Result<Choice<Duration>, String> {
    parse_choice(text, |t| {
        let t = t.trim();
        let error = || {
            format!(
                "expected a number with s, ms, us, μs or ns (or a range such as 1..8s), got {text:?}"
            )
        };
        let number = |digits: &str| digits.parse::<u64>().map_err(|_| error());
        if let Ok(seconds) = t.parse::<u64>() {
            Ok(Duration::from_secs(seconds))
        } else if let Some(n) = t.strip_suffix("ms") {
            Ok(Duration::from_millis(number(n)?))
        } else if let Some(n) = t.strip_suffix("us").or_else(|| t.strip_suffix("μs")) {
            Ok(Duration::from_micros(number(n)?))
        } else if let Some(n) = t.strip_suffix("ns") {
            Ok(Duration::from_nanos(number(n)?))
        } else if let Some(n) = t.strip_suffix('s') {
            Ok(Duration::from_secs(number(n)?))
        } else {
            Err(error())
        }
    })
}

fn parse_choice<T>(
    text: &str,
    one: impl Fn(&str) -> Result<T, String>,
) -> Result<Choice<T>, String> {
    match text.split_once("..") {
        Some((low, high)) => Ok(Choice::Range(one(low)?, one(high)?)),
        None => Ok(Choice::Value(one(text)?)),
    }
}

/// The data of one instance's `Store`: what its host calls reach, and its limits.
pub struct InstanceState {
    pub(crate) app: Arc<Services>,
    pub(crate) component: Arc<ComponentGrants>,
    pub(crate) table: ResourceTable,
    pub(crate) faults: Faults,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    limits: StoreLimits,
    /// The most linear memory the instance asked for (for the metrics).
    peak_memory: usize,
    /// The requests this instance is working on, and what each has cost so far.
    pub(crate) in_flight: InFlight,
    /// The epoch at which the guest's current turn on its thread ends.
    turn_ends_at: u64,
}

#[async_trait::async_trait]
impl wasmtime::ResourceLimiterAsync for InstanceState {
    async fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        use wasmtime::ResourceLimiter as _;
        if !self.limits.memory_growing(current, desired, maximum)? {
            return Ok(false);
        }
        self.peak_memory = self.peak_memory.max(desired);
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        use wasmtime::ResourceLimiter as _;
        self.limits.memory_grow_failed(error)
    }

    async fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        use wasmtime::ResourceLimiter as _;
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        use wasmtime::ResourceLimiter as _;
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        use wasmtime::ResourceLimiter as _;
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        use wasmtime::ResourceLimiter as _;
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        use wasmtime::ResourceLimiter as _;
        self.limits.memories()
    }
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for InstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// The requests an instance is working on: when each started, and its share of the guest's
/// time (for the lanes). Shared with the futures that end each one.
#[derive(Clone, Default)]
pub struct InFlight(Arc<Mutex<InFlightSet>>);

#[derive(Default)]
struct InFlightSet {
    next: u64,
    requests: BTreeMap<u64, InFlightRequest>,
}

struct InFlightRequest {
    started: Instant,
    route: String,
    charged: Duration,
    span: tracing::Span,
}

impl InFlight {
    fn start(&self, route: String, span: tracing::Span) -> u64 {
        let Ok(mut set) = self.0.lock() else {
            return u64::MAX;
        };
        let id = set.next;
        set.next += 1;
        set.requests.insert(
            id,
            InFlightRequest {
                started: Instant::now(),
                route,
                charged: Duration::ZERO,
                span,
            },
        );
        id
    }

    fn end(&self, id: u64) -> Option<(String, Duration)> {
        let mut set = self.0.lock().ok()?;
        set.requests.remove(&id).map(|r| (r.route, r.charged))
    }

    /// The span of the one request in flight, if there is exactly one (the parent of the host
    /// calls it makes).
    pub(crate) fn sole_span(&self) -> Option<tracing::Id> {
        let set = self.0.lock().ok()?;
        match set.requests.len() {
            1 => set.requests.values().next().and_then(|r| r.span.id()),
            _ => None,
        }
    }

    /// When the longest-running request started.
    fn oldest(&self) -> Option<Instant> {
        let set = self.0.lock().ok()?;
        set.requests.values().map(|r| r.started).min()
    }

    /// Shares one tick of guest time among the requests in flight.
    fn charge(&self, tick: Duration) {
        if let Ok(mut set) = self.0.lock() {
            let n = set.requests.len() as u32;
            if n > 0 {
                for request in set.requests.values_mut() {
                    request.charged += tick / n;
                }
            }
        }
    }
}

/// What a request brings to the instance that serves it.
pub struct RequestData {
    /// The route key the lanes learn by.
    pub route: String,
    /// The request's span (the parent of its host calls' spans).
    pub span: tracing::Span,
}

/// One component's instances in one lane of one thread: how to make an instance, and how
/// long it may live.
pub struct ComponentHandler {
    pub(crate) engine: Engine,
    pub(crate) pre: Arc<ProxyPre<InstanceState>>,
    pub(crate) grants: Arc<ComponentGrants>,
    pub(crate) services: Arc<Services>,
    pub(crate) limits: Limits,
    pub(crate) faults: Faults,
    pub(crate) lanes: Arc<crate::lanes::Lanes>,
}

impl ComponentHandler {
    /// Whether the component is a WASI 0.3 one (reused, concurrent) rather than 0.2.
    pub fn is_p3(&self) -> bool {
        matches!(*self.pre, ProxyPre::P3(_))
    }

    /// A new store for one instance, with its limits set right here: the memory cap, the
    /// guest's output going to the log line by line, the outbound hosts it may reach, and an
    /// epoch callback that gives other work on the thread a turn every tick and traps the
    /// instance once a request has run past its deadline.
    pub fn new_store(&self) -> anyhow::Result<Store<InstanceState>> {
        let grants = &self.grants;
        let mut wasi = WasiCtx::builder();
        wasi.stdout(crate::guest_log::GuestLog::new(&grants.id, "stdout"))
            .stderr(crate::guest_log::GuestLog::new(&grants.id, "stderr"));
        wasi.envs(&grants.environment);
        for (host_dir, guest_dir) in &grants.directories {
            wasi.preopened_dir(host_dir, guest_dir, wasmtime_wasi::FsPerms::ReadOnly)
                .map_err(|e| anyhow::Error::from(e).context("preopen"))?;
        }
        let limits = wasmtime::StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(
            &self.engine,
            InstanceState {
                app: Arc::clone(&self.services),
                component: Arc::clone(grants),
                table: ResourceTable::new(),
                faults: self.faults.clone(),
                wasi: wasi.build(),
                http: WasiHttpCtx::new(),
                hooks: OutboundHooks {
                    allowed: Arc::clone(&grants.allowed_outbound_hosts),
                },
                limits,
                peak_memory: 0,
                in_flight: InFlight::default(),
                turn_ends_at: 0,
            },
        );
        store.limiter_async(|s| s);
        let timeout = self.limits.request_timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |mut ctx| {
            let state = ctx.data_mut();
            if state
                .in_flight
                .oldest()
                .is_some_and(|started| started.elapsed() >= timeout)
            {
                return Ok(wasmtime::UpdateDeadline::Interrupt);
            }
            // A callback at the very tick the turn was due to end means the guest ran through
            // that tick (one that finds the turn long over only means it was idle meanwhile):
            // that tick is charged to the requests in flight, which is how the lanes learn
            // which routes are heavy.
            let now = EPOCH.load(Ordering::Relaxed);
            if now == state.turn_ends_at {
                state.in_flight.charge(EPOCH_TICK);
            }
            state.turn_ends_at = now + 1;
            Ok(wasmtime::UpdateDeadline::Yield(1))
        });
        Ok(store)
    }

    fn reuse(&self) -> (usize, usize) {
        let reuse = self.limits.reuse;
        if self.is_p3() {
            (
                reuse.max_requests.pick(DEFAULT_P3_REUSE),
                reuse.max_concurrent.pick(DEFAULT_P3_CONCURRENT),
            )
        } else {
            // A WASI 0.2 handler cannot be called twice, or concurrently.
            (1, 1)
        }
    }
}

/// Spin 4.1's defaults for WASI 0.3 components.
const DEFAULT_P3_REUSE: usize = 128;
const DEFAULT_P3_CONCURRENT: usize = 16;

impl HandlerState for ComponentHandler {
    type StoreData = InstanceState;
    type WorkerExpiration = Expiration;
    type WorkerState = Worker;

    async fn instantiate(&self) -> wasmtime::Result<Instance<InstanceState, Expiration, Worker>> {
        let mut store = self.new_store().map_err(wasmtime::Error::from_anyhow)?;
        let proxy = self.pre.instantiate_async(&mut store).await?;
        let (max_requests, max_concurrent) = self.reuse();
        let live = crate::metrics::get().map(|m| m.instance_started());
        Ok(Instance {
            store,
            proxy,
            view: WasiHttpView::http,
            expiration: Expiration {
                idle_timeout: self.limits.reuse.idle_timeout.pick(Duration::from_secs(1)),
                request_timeout: self.limits.request_timeout,
                sleep: Box::pin(tokio::time::sleep(Duration::from_secs(86_400))),
            },
            state: Worker {
                component: self.grants.id.clone(),
                max_requests,
                max_concurrent,
                request_timeout: self.limits.request_timeout,
                lanes: Arc::clone(&self.lanes),
                _live: live,
            },
        })
    }
}

/// When an instance's worker ends: idle past its timeout, or working on a request past the
/// deadline (the second line of defence; the epoch callback traps a guest that never yields).
pub struct Expiration {
    idle_timeout: Duration,
    request_timeout: Duration,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl WorkerExpiration for Expiration {
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let timeout = match status {
            WorkerStatus::Idle => self.idle_timeout,
            WorkerStatus::Requests | WorkerStatus::PostReturn => self.request_timeout,
        };
        let Some(deadline) = start.checked_add(timeout) else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if self.sleep.deadline() != deadline {
            self.sleep.as_mut().reset(deadline);
        }
        self.sleep.as_mut().poll(cx)
    }
}

/// One instance's worker: how many requests it takes, and what each may take.
pub struct Worker {
    component: String,
    max_requests: usize,
    max_concurrent: usize,
    request_timeout: Duration,
    lanes: Arc<crate::lanes::Lanes>,
    /// Counts the instance as live in the metrics while it exists.
    _live: Option<crate::metrics::LiveInstance>,
}

impl WorkerState for Worker {
    type StoreData = InstanceState;
    type RequestData = RequestData;

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= self.max_requests {
            ShouldAccept::Never
        } else if concurrent >= self.max_concurrent {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        mut store: StoreContextMut<'_, InstanceState>,
        data: RequestData,
        _task: GuestTaskId,
    ) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + Sync + 'static>> {
        // A request's turn starts fresh: ticks the instance sat idle are not its own.
        store.set_epoch_deadline(1);
        let state = store.data_mut();
        state.turn_ends_at = EPOCH.load(Ordering::Relaxed) + 1;
        let in_flight = state.in_flight.clone();
        let id = in_flight.start(data.route, data.span);
        // Dropped when the request has its answer (or has expired): the request leaves the
        // set, and its share of guest time reaches the lanes.
        let ended = EndOfRequest {
            in_flight,
            id,
            lanes: Arc::clone(&self.lanes),
        };
        let timeout = self.request_timeout;
        Box::pin(async move {
            let _ended = ended;
            tokio::time::sleep(timeout).await;
        })
    }

    fn drop(&self, store: Store<InstanceState>, result: wasmtime::Result<()>) {
        if let Err(error) = result {
            tracing::warn!(component = self.component, "instance ended: {error:?}");
        }
        if let Some(metrics) = crate::metrics::get() {
            metrics.guest_memory(&self.component, store.data().peak_memory);
        }
        drop(store);
    }
}

struct EndOfRequest {
    in_flight: InFlight,
    id: u64,
    lanes: Arc<crate::lanes::Lanes>,
}

impl Drop for EndOfRequest {
    fn drop(&mut self) {
        if let Some((route, charged)) = self.in_flight.end(self.id) {
            self.lanes.record(route, charged);
        }
    }
}

/// Starts the thread that advances the engine's epoch every [`EPOCH_TICK`].
pub fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                EPOCH.fetch_add(1, Ordering::Relaxed);
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::error!("cannot start epoch ticker: {e}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuse_settings_parse_as_spin_parses_them() {
        assert_eq!(parse_count("16"), Ok(Choice::Value(16)));
        assert_eq!(parse_count("1..8"), Ok(Choice::Range(1, 8)));
        assert!(parse_count("many").is_err());
        assert_eq!(
            parse_duration("1"),
            Ok(Choice::Value(Duration::from_secs(1)))
        );
        assert_eq!(
            parse_duration("1s"),
            Ok(Choice::Value(Duration::from_secs(1)))
        );
        assert_eq!(
            parse_duration("250ms"),
            Ok(Choice::Value(Duration::from_millis(250)))
        );
        assert_eq!(
            parse_duration("10us"),
            Ok(Choice::Value(Duration::from_micros(10)))
        );
        assert_eq!(
            parse_duration("1..8s"),
            Ok(Choice::Range(
                Duration::from_secs(1),
                Duration::from_secs(8)
            ))
        );
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn a_range_is_drawn_from_and_a_count_is_never_zero() {
        for _ in 0..100 {
            let n = Choice::Range(3, 7).pick(1);
            assert!((3..7).contains(&n), "{n}");
        }
        assert_eq!(Choice::Value(0).pick(5), 1);
        assert_eq!(Choice::<usize>::Default.pick(128), 128);
    }

    #[test]
    fn a_tick_is_shared_by_the_requests_in_flight() {
        let in_flight = InFlight::default();
        let a = in_flight.start("a".into(), tracing::Span::none());
        in_flight.charge(Duration::from_millis(10));
        let b = in_flight.start("b".into(), tracing::Span::none());
        in_flight.charge(Duration::from_millis(10));
        assert_eq!(
            in_flight.end(a),
            Some(("a".into(), Duration::from_millis(15)))
        );
        assert_eq!(
            in_flight.end(b),
            Some(("b".into(), Duration::from_millis(5)))
        );
        assert_eq!(in_flight.end(b), None);
        assert!(in_flight.oldest().is_none());
    }
}
