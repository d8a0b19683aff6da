//! What an instance may use (memory, instances alive, body size, time) and how its memory
//! slot is made clean for the next one.

use std::time::Duration;

use crate::instance::Reuse;

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
    pub(super) fn use_pagemap_scan(self) -> bool {
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
pub(super) const SLOT_KEEP_RESIDENT_BYTES: usize = 1024 * 1024;
/// The same for tables (function references).
pub(super) const TABLE_KEEP_RESIDENT_BYTES: usize = 1024 * 1024;

/// Gives the memory the process freed back to the system. Compiling the components at start
/// (when the compile cache has no entry for them) takes some 120 MiB, which glibc's allocator
/// keeps in its arenas after it is freed: measured, a host that compiled at start served its
/// first route at 192 MiB resident, one that loaded its cache at 71 MiB.
pub(super) fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
