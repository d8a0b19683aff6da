//! Fault injection for reliability tests: a share of key-value and SQLite calls fail. Off
//! unless `jaria up --fault-rate` is given; never on by default.

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
}

#[derive(Debug, thiserror::Error)]
#[error("injected fault")]
pub struct InjectedFault;

impl Faults {
    pub fn none() -> Self {
        Self::default()
    }

    /// `rate` in [0, 1]: the share of storage calls that fail.
    pub fn with_rate(rate: f64, seed: u64) -> Self {
        let rate = rate.clamp(0.0, 1.0);
        if rate == 0.0 {
            return Self::none();
        }
        Self {
            inner: Some(Arc::new(FaultState {
                threshold: (rate * u32::MAX as f64) as u64,
                rng: AtomicU64::new(seed | 1),
            })),
        }
    }

    pub fn check(&self) -> Result<(), InjectedFault> {
        let Some(state) = &self.inner else {
            return Ok(());
        };
        // xorshift64*: quality is irrelevant here, only the share of failures matters.
        let mut x = state.rng.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.rng.store(x, Ordering::Relaxed);
        let sample = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) & 0xFFFF_FFFF;
        if sample < state.threshold {
            Err(InjectedFault)
        } else {
            Ok(())
        }
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
    fn rate_is_roughly_respected() {
        let f = Faults::with_rate(0.25, 42);
        let failures = (0..10_000).filter(|_| f.check().is_err()).count();
        assert!((2000..3000).contains(&failures), "{failures}");
    }
}
