//! Two lanes for guest work, so that CPU-heavy requests (a password sign-in spends tens of
//! milliseconds in Argon2id by design) cannot slow everyone else's. The host learns, per route,
//! how much CPU time its guests take; routes that average past [`HEAVY_CPU`] run on a
//! background runtime, one guest per core at a time, on threads of low scheduling priority
//! (nice 15): when the cores are contended the kernel gives those threads a few per cent of
//! the time, so sign-ins slow down under load but still finish. While one of its guests holds
//! the database's turn to write, the lane runs at normal priority ([`write_priority`]): a
//! starved holder would make every writer wait. A guest that runs long before its route is
//! known to be heavy yields to other requests every epoch tick.
//! Nothing here changes what a component sees: it is scheduling only.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

/// Routes whose guests average more CPU time than this run in the background lane.
pub const HEAVY_CPU: Duration = Duration::from_millis(10);
/// Routes remembered at most (paths are generalised, so this is plenty; new routes past it
/// simply stay in the interactive lane).
const MAX_ROUTES: usize = 4096;
/// Nice value of the background threads: CFS weight 36 against 1024 for each interactive
/// thread. At 19 (weight 15) a saturated host finished no sign-in in a 4-second run; at 10
/// (weight 110) `me` lost 12 % beside eight sign-ins.
const BACKGROUND_NICE: libc::c_int = 15;
/// An average below this is as good as nothing (a thousandth of [`HEAVY_CPU`]).
const NEGLIGIBLE_NANOS: f64 = 10_000.0;
/// Weight of the newest sample in a route's running average.
const NEWEST_WEIGHT: f64 = 0.25;
/// The longest a request of a route on probation waits for the one before it.
const PROBATION_WAIT: Duration = Duration::from_secs(2);

pub struct Lanes {
    background: Option<tokio::runtime::Runtime>,
    /// Heavy guests running at once, one per background thread: the rest wait before they
    /// are instantiated, holding no memory (32 Argon2id sign-ins interleaved would hold
    /// 32 × 19 MiB).
    running: Arc<tokio::sync::Semaphore>,
    /// Running average of guest CPU nanoseconds per route key. Read at every request by both
    /// HTTP threads; written only when a request was charged time or its route is heavy.
    history: RwLock<HashMap<String, f64>>,
    /// Routes not measured yet, each with its one turn: see [`Lanes::lane`].
    probation: Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
}

/// The lane a request runs in, and its route's probation turn while it runs.
pub struct Lane {
    pub heavy: bool,
    _probation: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Lane {
    fn known(heavy: bool) -> Self {
        Self {
            heavy,
            _probation: None,
        }
    }
}

impl Lanes {
    pub fn new() -> anyhow::Result<Self> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let background = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("jaria-background")
            .on_thread_start(lower_this_threads_priority)
            .on_thread_stop(forget_this_thread)
            .enable_all()
            .build()?;
        Ok(Self {
            background: Some(background),
            running: Arc::new(tokio::sync::Semaphore::new(workers)),
            history: RwLock::new(HashMap::new()),
            probation: Mutex::new(HashMap::new()),
        })
    }

    /// Whether requests of this route go to the background lane, once it has been measured
    /// (and `Some(false)` for every route once no more can be remembered).
    fn measured(&self, route: &str) -> Option<bool> {
        let history = self.history.read().ok()?;
        match history.get(route) {
            Some(&nanos) => Some(nanos >= HEAVY_CPU.as_nanos() as f64),
            None if history.len() >= MAX_ROUTES => Some(false),
            None => None,
        }
    }

    /// The lane for a request of `route`. A route not measured yet is on probation: its
    /// requests run one at a time until the first has been measured (or [`PROBATION_WAIT`]
    /// has passed). Otherwise a burst on a route nobody has measured, 32 password sign-ins
    /// at start-up, would make an instance for each (a worker takes no second request while
    /// one is busy on the CPU), each holding Argon2id's memory, before the route is known to
    /// be heavy. Waiting here holds nothing: the request has no instance yet.
    pub async fn lane(&self, route: &str) -> Lane {
        if let Some(heavy) = self.measured(route) {
            return Lane::known(heavy);
        }
        let turn = {
            let Ok(mut probation) = self.probation.lock() else {
                return Lane::known(false);
            };
            if probation.len() >= MAX_ROUTES && !probation.contains_key(route) {
                return Lane::known(false);
            }
            Arc::clone(
                probation
                    .entry(route.to_owned())
                    .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(1))),
            )
        };
        let permit = tokio::time::timeout(PROBATION_WAIT, turn.acquire_owned())
            .await
            .ok()
            .and_then(Result::ok);
        match self.measured(route) {
            Some(heavy) => Lane::known(heavy),
            None => Lane {
                heavy: false,
                _probation: permit,
            },
        }
    }

    /// Folds one request's guest CPU time into its route's average. Most requests of most
    /// routes are never charged a tick (they run for microseconds): for a route whose average
    /// is already next to nothing, such a request changes nothing and takes no write lock.
    pub fn record(&self, route: String, cpu: Duration) {
        let average = self
            .history
            .read()
            .ok()
            .and_then(|h| h.get(&route).copied());
        if cpu.is_zero() && average.is_some_and(|a| a < NEGLIGIBLE_NANOS) {
            return;
        }
        let Ok(mut history) = self.history.write() else {
            return;
        };
        let sample = cpu.as_nanos() as f64;
        let len = history.len();
        match history.get_mut(&route) {
            Some(average) => *average += NEWEST_WEIGHT * (sample - *average),
            None if len < MAX_ROUTES => {
                if let Ok(mut probation) = self.probation.lock() {
                    probation.remove(&route);
                }
                history.insert(route, sample);
            }
            None => {}
        }
    }

    /// Runs `task` in the chosen lane.
    pub fn spawn<F>(&self, heavy: bool, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match (&self.background, heavy) {
            (Some(background), true) => {
                let running = Arc::clone(&self.running);
                background.spawn(async move {
                    // The semaphore is never closed; without a permit the task runs anyway.
                    let _permit = running.acquire_owned().await.ok();
                    task.await
                })
            }
            _ => tokio::task::spawn(task),
        }
    }
}

impl Drop for Lanes {
    fn drop(&mut self) {
        // Dropping a runtime blocks; the host may be dropped inside async code.
        if let Some(background) = self.background.take() {
            background.shutdown_background();
        }
    }
}

/// The background threads alive (their kernel ids), and how many turns to write their guests
/// hold now.
static BACKGROUND_THREADS: Mutex<Vec<libc::id_t>> = Mutex::new(Vec::new());
static TURNS_HELD_IN_BACKGROUND: Mutex<usize> = Mutex::new(0);

thread_local! {
    static IN_BACKGROUND: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn this_thread() -> libc::id_t {
    // SAFETY: gettid has no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as libc::id_t }
}

/// Sets a thread's nice value (on Linux, PRIO_PROCESS with a thread id is that thread).
fn set_nice(tid: libc::id_t, nice: libc::c_int) -> bool {
    // SAFETY: a plain system call on a thread id of this process.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, nice) == 0 }
}

/// Lowers the new background thread's priority, but only where it can be raised again: a
/// guest of this lane that holds the database's turn to write runs at full priority until it
/// gives the turn back ([`write_priority`]), or every writer of every lane would wait for a
/// thread the kernel hardly runs (a sign-in committing its session while `me` requests
/// queue behind it). Raising needs CAP_SYS_NICE or an RLIMIT_NICE allowance; without it the
/// lane stays at normal priority and is bounded by its one guest per core alone.
fn lower_this_threads_priority() {
    let tid = this_thread();
    if may_raise_again() {
        set_nice(tid, BACKGROUND_NICE);
    }
    IN_BACKGROUND.set(true);
    if let Ok(mut threads) = BACKGROUND_THREADS.lock() {
        threads.push(tid);
    }
}

/// Whether this process may raise a lowered thread back to normal priority: tried once, on a
/// thread of its own that ends with the trial.
fn may_raise_again() -> bool {
    static MAY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MAY.get_or_init(|| {
        let trial = std::thread::spawn(|| {
            let tid = this_thread();
            set_nice(tid, BACKGROUND_NICE) && set_nice(tid, 0)
        });
        let may = trial.join().unwrap_or(false);
        if !may {
            tracing::info!(
                "the background lane runs at normal priority: a lowered thread could not be raised \
                 again here (no CAP_SYS_NICE)"
            );
        }
        may
    })
}

fn forget_this_thread() {
    let tid = this_thread();
    if let Ok(mut threads) = BACKGROUND_THREADS.lock() {
        threads.retain(|t| *t != tid);
    }
}

fn set_background_nice(nice: libc::c_int) {
    if let Ok(threads) = BACKGROUND_THREADS.lock() {
        for &tid in threads.iter() {
            set_nice(tid, nice);
        }
    }
}

/// Normal priority for the background threads while a guest running on one of them holds the
/// database's turn to write (dropped with the turn).
pub struct WritePriority(());

/// Called on the thread that has just been given a turn to write: on a lowered background
/// thread, raises the lane to normal priority until every such turn is given back.
pub fn write_priority() -> Option<WritePriority> {
    if !IN_BACKGROUND.get() || !may_raise_again() {
        return None;
    }
    let mut held = TURNS_HELD_IN_BACKGROUND.lock().ok()?;
    *held += 1;
    if *held == 1 {
        set_background_nice(0);
    }
    Some(WritePriority(()))
}

impl Drop for WritePriority {
    fn drop(&mut self) {
        if let Ok(mut held) = TURNS_HELD_IN_BACKGROUND.lock() {
            *held = held.saturating_sub(1);
            if *held == 0 {
                set_background_nice(BACKGROUND_NICE);
            }
        }
    }
}

/// The route a request belongs to, for learning: the component, the method and the path with
/// every segment that holds a digit generalised (`/api/cases/267…/decisions` →
/// `/api/cases/*/decisions`), so ids do not make new routes.
pub fn route_key(component: &str, method: &http::Method, path: &str) -> String {
    let mut key = String::with_capacity(component.len() + path.len() + 8);
    key.push_str(component);
    key.push(' ');
    key.push_str(method.as_str());
    key.push(' ');
    for segment in path.split('/').skip(1).take(8) {
        key.push('/');
        if segment.bytes().any(|b| b.is_ascii_digit()) || segment.len() > 40 {
            key.push('*');
        } else {
            key.push_str(segment);
        }
    }
    key
}

/// A future that adds up the CPU time of the threads that poll it.
pub struct Metered<F> {
    inner: Pin<Box<F>>,
    cpu_nanos: Arc<AtomicU64>,
}

impl<F> Metered<F> {
    pub fn new(inner: F, cpu_nanos: Arc<AtomicU64>) -> Self {
        Self {
            inner: Box::pin(inner),
            cpu_nanos,
        }
    }
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let started = thread_cpu_nanos();
        let result = self.inner.as_mut().poll(cx);
        let spent = thread_cpu_nanos().saturating_sub(started);
        self.cpu_nanos.fetch_add(spent, Ordering::Relaxed);
        result
    }
}

fn thread_cpu_nanos() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } == 0;
    if !ok {
        return 0;
    }
    (now.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(now.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_do_not_make_new_routes() {
        let get = http::Method::GET;
        assert_eq!(
            route_key("cases", &get, "/api/cases/267511031000001/decisions"),
            "cases GET /api/cases/*/decisions"
        );
        assert_eq!(
            route_key("login", &http::Method::POST, "/api/auth/login"),
            "login POST /api/auth/login"
        );
        assert_eq!(route_key("web", &get, "/"), "web GET /");
    }

    #[test]
    fn routes_become_heavy_from_their_average_and_recover() {
        let lanes = Lanes::new().unwrap();
        let route = "login POST /api/auth/login".to_owned();
        assert_eq!(lanes.measured(&route), None);
        lanes.record(route.clone(), Duration::from_millis(60));
        assert_eq!(lanes.measured(&route), Some(true));
        // One fast request does not flip a slow route; a run of them does.
        lanes.record(route.clone(), Duration::from_millis(1));
        assert_eq!(lanes.measured(&route), Some(true));
        for _ in 0..20 {
            lanes.record(route.clone(), Duration::from_millis(1));
        }
        assert_eq!(lanes.measured(&route), Some(false));
        lanes.record("cases GET /api/cases".into(), Duration::from_micros(800));
        assert_eq!(lanes.measured("cases GET /api/cases"), Some(false));
    }

    #[tokio::test]
    async fn an_unmeasured_route_runs_one_request_at_a_time_until_measured() {
        let lanes = Arc::new(Lanes::new().unwrap());
        let route = "login POST /api/auth/login";
        let first = lanes.lane(route).await;
        assert!(!first.heavy);
        // The second request of the route waits for the first one's measure.
        let waiting = tokio::spawn({
            let lanes = Arc::clone(&lanes);
            async move { lanes.lane(route).await.heavy }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        lanes.record(route.to_owned(), Duration::from_millis(60));
        drop(first);
        assert!(
            waiting.await.unwrap(),
            "measured heavy, it runs in the background lane"
        );
        // Measured routes wait for nothing.
        let (a, b) = (lanes.lane(route).await, lanes.lane(route).await);
        assert!(a.heavy && b.heavy);
        // Other routes are not held up by one on probation.
        let _other = lanes.lane("cases GET /api/cases").await;
        let _again = tokio::time::timeout(
            Duration::from_millis(100),
            lanes.lane("status GET /api/filings"),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_background_guest_holding_a_turn_to_write_runs_at_normal_priority() {
        let lanes = Lanes::new().unwrap();
        // SAFETY: getpriority on a thread id of this process.
        let nice = |tid: libc::id_t| unsafe { libc::getpriority(libc::PRIO_PROCESS, tid) };
        let (before, raised, during, after) = lanes
            .spawn(true, async move {
                let tid = this_thread();
                let before = nice(tid);
                let priority = write_priority();
                let raised = priority.is_some();
                let during = nice(tid);
                drop(priority);
                (before, raised, during, nice(tid))
            })
            .await
            .unwrap();
        if may_raise_again() {
            assert_eq!(
                (before, raised, during, after),
                (BACKGROUND_NICE, true, 0, BACKGROUND_NICE)
            );
        } else {
            assert_eq!((before, raised, during, after), (0, false, 0, 0));
        }
        // Not on a background thread: nothing to raise.
        assert!(write_priority().is_none());
    }

    #[test]
    fn metered_futures_count_cpu_time() {
        let cpu = Arc::new(AtomicU64::new(0));
        let busy = Metered::new(
            async {
                let mut x = 0u64;
                for i in 0..5_000_000u64 {
                    x = x.wrapping_mul(31).wrapping_add(i);
                }
                std::hint::black_box(x)
            },
            Arc::clone(&cpu),
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(busy);
        assert!(cpu.load(Ordering::Relaxed) > 0);
    }
}
