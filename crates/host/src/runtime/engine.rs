//! The engine and the components' code: wasmtime configured from the limits (the pooling
//! allocator, epochs), each component compiled once (cached by content) and pre-instantiated,
//! with what its manifest entry grants (outbound hosts, mounted files).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::Digest;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi_http::handler::ProxyPre;

use super::limits::{Limits, SLOT_KEEP_RESIDENT_BYTES, TABLE_KEEP_RESIDENT_BYTES};
use crate::instance::InstanceState;
use crate::manifest::Manifest;
use crate::outbound::AllowedHost;
use crate::variables::ResolvedVariables;

/// The host's interfaces, as Spin links them: WASI 0.2 and 0.3 with their HTTP, and Spin's
/// key-value, SQLite and variables.
pub(super) fn linker(engine: &Engine) -> anyhow::Result<Linker<InstanceState>> {
    let mut linker: Linker<InstanceState> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
    crate::spin_api::add_to_linker(&mut linker)?;
    Ok(linker)
}

/// Component `id` compiled (or read from the cache) and pre-instantiated against `linker`, as
/// an HTTP handler.
pub(super) fn pre_instance(
    engine: &Engine,
    linker: &Linker<InstanceState>,
    manifest: &Manifest,
    id: &str,
    cache_dir: Option<&Path>,
) -> anyhow::Result<std::sync::Arc<ProxyPre<InstanceState>>> {
    let source = manifest
        .component_source(id)
        .with_context(|| format!("component `{id}`: source"))?;
    let component = compile(engine, &source, cache_dir)
        .with_context(|| format!("component `{id}`: cannot load {}", source.display()))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(anyhow::Error::from)
        .with_context(|| {
            format!("component `{id}` imports an interface this host does not provide")
        })?;
    Ok(std::sync::Arc::new(proxy_pre(pre).with_context(|| {
        format!("component `{id}` is not a wasi:http handler")
    })?))
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

pub(super) fn build_engine(limits: &Limits) -> anyhow::Result<Engine> {
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
            && std::fs::rename(&tmp, &cached).is_ok()
        {
            // Served from the file just written, like a cache hit: its machine code is then
            // mapped from the file (pages the kernel may drop and read again), where the code
            // compiled here is anonymous memory, all of it resident for the life of the
            // process (some 50 MiB for the portal's components).
            // SAFETY: as above; the file was written by this engine a moment ago.
            if let Ok(mapped) = unsafe { Component::deserialize_file(engine, &cached) } {
                return Ok(mapped);
            }
        }
    }
    Ok(component)
}

/// A component's `allowed_outbound_hosts`, templates rendered. As in Spin, an entry whose
/// value is empty or not a `scheme://host[:port]` allows nothing (and is logged), rather than
/// stopping the start: an optional outbound target (an OCSP responder) may be unset.
pub(super) fn allowed_hosts(
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
pub(super) fn directory_mounts(
    manifest: &Manifest,
    id: &str,
) -> anyhow::Result<Vec<(PathBuf, String)>> {
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
