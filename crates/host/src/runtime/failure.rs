//! Why a request failed once routed, each reason one problem response.

use wasmtime_wasi_http::handler::{ExpirationError, InstantiationError};

use crate::instance::RequestData;
use crate::problem::Problem;

/// Why a request failed after routing; each maps to one problem response.
#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
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
    pub(super) fn of_handler(e: wasmtime::Error, past_deadline: bool) -> Self {
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

    pub(super) fn problem(&self) -> Problem {
        match self {
            Failure::Overloaded(_) => Problem::overloaded(),
            Failure::Timeout => Problem::timeout(),
            Failure::Guest(_) | Failure::Internal(_) => Problem::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Failure;

    #[test]
    fn a_guest_failure_past_the_deadline_is_the_deadline_and_each_failure_has_its_status() {
        let failed = || wasmtime::Error::msg("guest trapped");
        assert!(matches!(
            Failure::of_handler(failed(), false),
            Failure::Guest(_)
        ));
        assert!(matches!(
            Failure::of_handler(failed(), true),
            Failure::Timeout
        ));
        let interrupted = wasmtime::Error::from(wasmtime::Trap::Interrupt);
        assert!(matches!(
            Failure::of_handler(interrupted, false),
            Failure::Timeout
        ));
        let overloaded = Failure::Overloaded(anyhow::anyhow!("pool full"));
        assert_eq!(overloaded.problem().status, 503);
        assert_eq!(Failure::Timeout.problem().status, 504);
        assert_eq!(Failure::Guest(anyhow::anyhow!("x")).problem().status, 500);
        assert_eq!(
            Failure::Internal(anyhow::anyhow!("x")).problem().status,
            500
        );
    }
}
