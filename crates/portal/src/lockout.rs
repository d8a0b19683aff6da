//! Throttling of sign-in guesses, per IIN and per client address: past 5 failures in 15
//! minutes (each limit configurable), further attempts wait, and the wait doubles with each
//! further failure.

pub const WINDOW_SECS: i64 = 15 * 60;
pub const DEFAULT_FREE_FAILURES: usize = 5;
const FIRST_LOCK_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Locked { retry_after_secs: i64 },
}

/// `failures` are the times (unix seconds) of failures within the window, in any order;
/// `free` is how many are tolerated before the lock.
pub fn decide(failures: &[i64], free: usize, now: i64) -> Decision {
    let recent: Vec<i64> = failures
        .iter()
        .copied()
        .filter(|t| now - t < WINDOW_SECS)
        .collect();
    if recent.len() < free.max(1) {
        return Decision::Allowed;
    }
    let extra = (recent.len() - free.max(1)).min(10) as u32;
    let lock = (FIRST_LOCK_SECS << extra).min(WINDOW_SECS);
    let last = recent.iter().copied().max().unwrap_or(now);
    let until = last + lock;
    if now < until {
        Decision::Locked {
            retry_after_secs: until - now,
        }
    } else {
        Decision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free() {
        assert_eq!(decide(&[100, 101, 102, 103], 5, 104), Decision::Allowed);
        assert_eq!(
            decide(&[100, 101, 102, 103, 104], 5, 104),
            Decision::Locked {
                retry_after_secs: 60
            }
        );
    }

    #[test]
    fn the_threshold_is_a_parameter() {
        let ten: Vec<i64> = (0..10).collect();
        assert_eq!(decide(&ten, 20, 10), Decision::Allowed);
        assert!(matches!(decide(&ten, 10, 10), Decision::Locked { .. }));
    }

    #[test]
    fn the_wait_doubles() {
        let base = [0, 1, 2, 3, 4];
        assert_eq!(decide(&base, 5, 64), Decision::Allowed);
        let six = [0, 1, 2, 3, 4, 70];
        assert_eq!(
            decide(&six, 5, 70),
            Decision::Locked {
                retry_after_secs: 120
            }
        );
        let seven = [0, 1, 2, 3, 4, 70, 200];
        assert_eq!(
            decide(&seven, 5, 200),
            Decision::Locked {
                retry_after_secs: 240
            }
        );
    }

    #[test]
    fn old_failures_drop_out_of_the_window() {
        let old = [0, 1, 2, 3, 4];
        assert_eq!(decide(&old, 5, WINDOW_SECS + 10), Decision::Allowed);
    }

    #[test]
    fn the_wait_is_capped() {
        let many: Vec<i64> = (0..40).collect();
        assert_eq!(
            decide(&many, 5, 40),
            Decision::Locked {
                retry_after_secs: WINDOW_SECS - 1
            }
        );
    }
}
