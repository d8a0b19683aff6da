//! Two lanes for guest work, so that CPU-heavy requests (a password sign-in spends tens of
//! milliseconds in Argon2id by design) cannot slow everyone else's. The host learns, per route,
//! how much CPU time its guests take; routes that average past [`HEAVY_CPU`] run on a
//! background runtime, one guest per core at a time, on threads of low scheduling priority
//! (nice 15): when the cores are contended the kernel gives those threads a few per cent of
//! the time, so sign-ins slow down under load but still finish. A guest that
//! runs long before its route is known to be heavy yields to other requests every epoch tick.
//! Nothing here changes what a component sees: it is scheduling only.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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
/// Weight of the newest sample in a route's running average.
const NEWEST_WEIGHT: f64 = 0.25;

pub struct Lanes {
    background: Option<tokio::runtime::Runtime>,
    /// Heavy guests running at once, one per background thread: the rest wait before they
    /// are instantiated, holding no memory (32 Argon2id sign-ins interleaved would hold
    /// 32 × 19 MiB).
    running: Arc<tokio::sync::Semaphore>,
    /// Running average of guest CPU nanoseconds per route key.
    history: Mutex<HashMap<String, f64>>,
}

impl Lanes {
    pub fn new() -> anyhow::Result<Self> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let background = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("jaria-background")
            .on_thread_start(lower_this_threads_priority)
            .enable_all()
            .build()?;
        Ok(Self {
            background: Some(background),
            running: Arc::new(tokio::sync::Semaphore::new(workers)),
            history: Mutex::new(HashMap::new()),
        })
    }

    /// Whether requests of this route go to the background lane.
    pub fn is_heavy(&self, route: &str) -> bool {
        self.history
            .lock()
            .ok()
            .and_then(|h| h.get(route).copied())
            .is_some_and(|nanos| nanos >= HEAVY_CPU.as_nanos() as f64)
    }

    /// Folds one request's guest CPU time into its route's average.
    pub fn record(&self, route: String, cpu: Duration) {
        let Ok(mut history) = self.history.lock() else {
            return;
        };
        let sample = cpu.as_nanos() as f64;
        let len = history.len();
        match history.get_mut(&route) {
            Some(average) => *average += NEWEST_WEIGHT * (sample - *average),
            None if len < MAX_ROUTES => {
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

fn lower_this_threads_priority() {
    // On Linux, PRIO_PROCESS with a thread id (or 0) sets the calling thread's nice value.
    // Raising it needs no privilege; if it fails, the lane still separates the work.
    // SAFETY: plain system calls on the calling thread.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE);
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
        assert!(!lanes.is_heavy(&route));
        lanes.record(route.clone(), Duration::from_millis(60));
        assert!(lanes.is_heavy(&route));
        // One fast request does not flip a slow route; a run of them does.
        lanes.record(route.clone(), Duration::from_millis(1));
        assert!(lanes.is_heavy(&route));
        for _ in 0..20 {
            lanes.record(route.clone(), Duration::from_millis(1));
        }
        assert!(!lanes.is_heavy(&route));
        lanes.record("cases GET /api/cases".into(), Duration::from_micros(800));
        assert!(!lanes.is_heavy("cases GET /api/cases"));
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
