//! Fault injection for reliability tests: a share of key-value and SQLite calls fail, or stall
//! and then go on, and a share of commits are refused the way a libSQL server refuses a
//! transaction whose write lock it took back. Off unless `jaria up --fault-rate` or
//! `--fault-lose-commits` is given; never on by default.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Option<Arc<FaultState>>,
}

#[derive(Debug)]
struct FaultState {
    /// Probability of failure, scaled to u32::MAX.
    threshold: u64,
    rng: AtomicU64,
    /// When set, half of the faults stall the call this long instead of failing it.
    stall: Option<std::time::Duration>,
    /// Probability that a `COMMIT` is refused with its transaction rolled back, scaled to
    /// u32::MAX.
    lose_commit_threshold: u64,
}

/// What a libSQL server (sqld 0.24) answers when it has taken the write lock back from a
/// transaction held too long: the transaction is gone, and the statement never ran.
pub const LOST_TRANSACTION: &str =
    "TRANSACTION_TIMEOUT `Transaction timed out` (injected fault: the transaction was rolled back)";

#[derive(Debug, thiserror::Error)]
#[error("injected fault")]
pub struct InjectedFault;

impl Faults {
    pub fn none() -> Self {
        Self::default()
    }

    /// `rate` in [0, 1]: the share of storage calls that fail.
    pub fn with_rate(rate: f64, seed: u64) -> Self {
        Self::with_rate_and_stall(rate, None, seed)
    }

    /// As [`Faults::with_rate`], and half of the faults are stalls of `stall` (then the call
    /// proceeds) rather than failures.
    pub fn with_rate_and_stall(rate: f64, stall: Option<std::time::Duration>, seed: u64) -> Self {
        Self::injecting(rate, stall, 0.0, seed)
    }

    /// As [`Faults::with_rate_and_stall`], and the share `lose_commits` of `COMMIT`s is
    /// refused: the transaction is rolled back and the guest told so in a libSQL server's
    /// words ([`LOST_TRANSACTION`]).
    pub fn injecting(
        rate: f64,
        stall: Option<std::time::Duration>,
        lose_commits: f64,
        seed: u64,
    ) -> Self {
        let scaled = |share: f64| (share.clamp(0.0, 1.0) * u32::MAX as f64) as u64;
        let (threshold, lose_commit_threshold) = (scaled(rate), scaled(lose_commits));
        if threshold == 0 && lose_commit_threshold == 0 {
            return Self::none();
        }
        Self {
            inner: Some(Arc::new(FaultState {
                threshold,
                rng: AtomicU64::new(seed | 1),
                stall: stall.filter(|d| !d.is_zero()),
                lose_commit_threshold,
            })),
        }
    }

    /// Whether this statement is a `COMMIT` to refuse ([`Faults::injecting`]).
    pub fn loses_commit(&self, statement: &str) -> bool {
        match &self.inner {
            Some(state) if state.lose_commit_threshold > 0 => {
                statement.trim().eq_ignore_ascii_case("COMMIT")
                    && state.next() < state.lose_commit_threshold
            }
            _ => false,
        }
    }

    /// A fault for this call, if one is due: a failure now, or a stall that blocks the calling
    /// thread (synchronous callers).
    pub fn check(&self) -> Result<(), InjectedFault> {
        match self.decide() {
            Decision::Pass => Ok(()),
            Decision::Fail => Err(InjectedFault),
            Decision::Stall(stall) => {
                let sleep = || std::thread::sleep(stall);
                match tokio::runtime::Handle::try_current() {
                    Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                        tokio::task::block_in_place(sleep)
                    }
                    _ => sleep(),
                }
                Ok(())
            }
        }
    }

    /// [`Faults::check`] for asynchronous callers: a stall suspends the call, not the thread.
    pub async fn check_async(&self) -> Result<(), InjectedFault> {
        match self.decide() {
            Decision::Pass => Ok(()),
            Decision::Fail => Err(InjectedFault),
            Decision::Stall(stall) => {
                tokio::time::sleep(stall).await;
                Ok(())
            }
        }
    }

    fn decide(&self) -> Decision {
        let Some(state) = &self.inner else {
            return Decision::Pass;
        };
        let sample = state.next();
        if sample >= state.threshold {
            return Decision::Pass;
        }
        match state.stall {
            Some(stall) if sample & 1 == 1 => Decision::Stall(stall),
            _ => Decision::Fail,
        }
    }
}

enum Decision {
    Pass,
    Fail,
    Stall(std::time::Duration),
}

impl FaultState {
    fn next(&self) -> u64 {
        let state = self;
        // xorshift64*: quality is irrelevant here, only the share of failures matters.
        let mut x = state.rng.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.rng.store(x, Ordering::Relaxed);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) & 0xFFFF_FFFF
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_never_fails() {
        let f = Faults::none();
        assert!((0..1000).all(|_| f.check().is_ok()));
    }

    #[test]
    fn stalls_delay_and_then_succeed() {
        let f = Faults::with_rate_and_stall(1.0, Some(std::time::Duration::from_millis(2)), 7);
        let started = std::time::Instant::now();
        let outcomes: Vec<bool> = (0..40).map(|_| f.check().is_ok()).collect();
        let stalls = outcomes.iter().filter(|ok| **ok).count();
        assert!((5..35).contains(&stalls), "{stalls} stalls of 40");
        assert!(started.elapsed() >= std::time::Duration::from_millis(2 * stalls as u64));
    }

    #[test]
    fn only_commits_are_lost_and_only_their_share() {
        let f = Faults::injecting(0.0, None, 0.5, 9);
        assert!(f.check().is_ok(), "no other call fails");
        assert!(!(0..100).any(|_| f.loses_commit("INSERT INTO t VALUES (1)")));
        let lost = (0..1000).filter(|_| f.loses_commit(" commit ")).count();
        assert!((400..600).contains(&lost), "{lost}");
        assert!(!Faults::none().loses_commit("COMMIT"));
    }

    #[test]
    fn rate_is_roughly_respected() {
        let f = Faults::with_rate(0.25, 42);
        let failures = (0..10_000).filter(|_| f.check().is_err()).count();
        assert!((2000..3000).contains(&failures), "{failures}");
    }
}
