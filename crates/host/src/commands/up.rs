//! `jaria up`: build what is stale, migrate through the app itself, and serve it, with the
//! tick and (if asked) the metrics listener beside it, as Spin would with a CronJob.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use jaria_host::faults::Faults;
use jaria_host::manifest::Manifest;
use jaria_host::runtime::{App, AppOptions, Limits};
use jaria_host::{building, server};

use super::AppArgs;

#[derive(Clone, Copy, clap::ValueEnum)]
enum SlotResetArg {
    Auto,
    Safe,
}

#[derive(clap::Args)]
pub(crate) struct UpArgs {
    #[command(flatten)]
    app: AppArgs,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Spin's runtime-config file: where the key-value store (`spin` or `redis`) and the
    /// database (`spin`) live, as under `spin up --runtime-config-file`.
    #[arg(long, env = "RUNTIME_CONFIG_FILE")]
    runtime_config_file: Option<PathBuf>,
    /// Seed the demo (once) and trust its CA: sign in at once with the demo people's keys.
    #[arg(long)]
    demo: bool,
    /// Serve the component files as they are, without rebuilding stale ones.
    #[arg(long)]
    no_build: bool,
    /// Where compiled machine code is cached between starts (default: $JARIA_CACHE_DIR, or
    /// `cache` under the state dir).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Per-request deadline in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    request_timeout_ms: u64,
    /// Largest accepted request body in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Memory cap per instance in MiB.
    #[arg(long, default_value_t = 128)]
    memory_mib: usize,
    /// Instances alive at once; beyond it requests get 503 with Retry-After.
    #[arg(long, default_value_t = 256)]
    max_instances: u32,
    /// How used memory slots are reset: `auto` uses PAGEMAP_SCAN where no swap can hide a
    /// dirtied page, `safe` never does.
    #[arg(long, value_enum, default_value = "auto")]
    slot_reset: SlotResetArg,
    /// As on `spin up`: requests one instance serves before it is dropped (a number, or a
    /// range such as 1..8 drawn from per instance). Default: 128 for WASI 0.3 components, 1
    /// for WASI 0.2 ones. 1 gives every request a fresh instance.
    #[arg(long, value_parser = jaria_host::instance::parse_count)]
    max_instance_reuse_count: Option<jaria_host::instance::Choice<usize>>,
    /// As on `spin up`: requests one instance serves at once. Default: 16 for WASI 0.3
    /// components, 1 for WASI 0.2 ones.
    #[arg(long, value_parser = jaria_host::instance::parse_count)]
    max_instance_concurrent_reuse_count: Option<jaria_host::instance::Choice<usize>>,
    /// As on `spin up`: how long an instance without work is kept for the next request
    /// (`1s`, `250ms`, a range such as `1..8s`).
    #[arg(long, default_value = "1s", value_parser = jaria_host::instance::parse_duration)]
    idle_instance_timeout: jaria_host::instance::Choice<std::time::Duration>,
    /// How often the app's periodic work runs (`POST /api/internal/tick`, as a CronJob does
    /// on real Spin), in seconds; 0: never.
    #[arg(long, env = "JARIA_TICK_INTERVAL_SECS", default_value_t = 60)]
    tick_interval_secs: u64,
    /// Serve Prometheus metrics at http://ADDR/metrics, on a listener of their own (keep it
    /// off the public network). Port 0 picks a free port; the address is printed.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
    /// Testing only: the share (0..1) of key-value and SQLite calls that fail.
    #[arg(long, default_value_t = 0.0, hide = true)]
    fault_rate: f64,
    /// With --fault-rate: half of the faults stall the call this many milliseconds instead.
    #[arg(long, default_value_t = 0, hide = true)]
    fault_stall_ms: u64,
    /// Testing only: the share (0..1) of commits refused the way a libSQL server refuses a
    /// transaction whose write lock it took back (rolled back, `TRANSACTION_TIMEOUT`).
    #[arg(long, default_value_t = 0.0, hide = true)]
    fault_lose_commits: f64,
}

/// Where the app does its periodic work.
const TICK_PATH: &str = "/api/internal/tick";

/// Calls the app's tick every `interval`, in-process, as a CronJob would on real Spin. A
/// failed tick is logged; the next one tries again.
fn start_ticker(app: Arc<App>, token: String, interval: Duration) {
    if app.router().route(TICK_PATH).is_none() {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("tick".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                tracing::error!("tick: cannot start its runtime");
                return;
            };
            let bearer = format!("Bearer {token}");
            loop {
                std::thread::sleep(interval);
                match runtime.block_on(app.call(
                    http::Method::POST,
                    TICK_PATH,
                    &[("authorization", &bearer)],
                    Vec::new(),
                )) {
                    Ok((200, body)) => {
                        tracing::debug!(answer = %String::from_utf8_lossy(&body), "tick")
                    }
                    Ok((status, body)) => tracing::warn!(
                        status,
                        answer = %String::from_utf8_lossy(&body),
                        "tick failed"
                    ),
                    Err(e) => tracing::warn!("tick failed: {e:#}"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the tick thread: {e}");
    }
}

/// Where the app migrates itself.
const MIGRATE_PATH: &str = "/api/internal/migrate";

/// Migrates through the app itself, as operators do on real Spin: `POST /api/internal/migrate`
/// with the internal token, run in-process before the first request is served.
fn migrate_through_app(app: &Arc<App>, token: &str) -> anyhow::Result<()> {
    if app.router().route(MIGRATE_PATH).is_none() {
        // Not this portal (the host's own test fixture): nothing to migrate.
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let bearer = format!("Bearer {token}");
    // A transient failure (the database busy at start-up) is retried, as an operator would;
    // a refusal (409: the database belongs to another version) is not.
    let mut attempt = 0;
    let answer = loop {
        attempt += 1;
        let (status, body) = runtime.block_on(app.call(
            http::Method::POST,
            MIGRATE_PATH,
            &[("authorization", &bearer)],
            Vec::new(),
        ))?;
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        match status {
            200 => break answer,
            500..=599 if attempt < 10 => {
                std::thread::sleep(Duration::from_millis(100 * attempt));
            }
            _ => anyhow::bail!(
                "refusing to start: the schema migration failed (HTTP {status}): {}",
                answer["detail"].as_str().unwrap_or("no detail")
            ),
        }
    };
    for name in answer["applied"].as_array().into_iter().flatten() {
        eprintln!("Applied migration {}", name.as_str().unwrap_or("?"));
    }
    Ok(())
}

/// The metrics listener, on a thread and runtime of its own so that a slow scrape never
/// takes a turn from a request. Answers the bound address once it listens.
fn start_metrics_listener(addr: SocketAddr) -> anyhow::Result<SocketAddr> {
    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = bound_tx.send(Err(anyhow::Error::from(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                let bound = jaria_host::metrics::serve(addr).await;
                let serving = bound.is_ok();
                let _ = bound_tx.send(bound);
                if serving {
                    std::future::pending::<()>().await;
                }
            });
        })?;
    bound_rx
        .recv()
        .map_err(|_| anyhow::anyhow!("the metrics listener did not start"))?
        .with_context(|| format!("metrics listener on {addr}"))
}

pub(crate) fn run(args: UpArgs) -> anyhow::Result<()> {
    // The law data the components carry (visibility, deadlines, days off): a rule naming an
    // unknown status or type stops the start here, with the row it is in. On real Spin the
    // same check makes every component's readiness 503.
    jaria_portal::law::shipped()
        .map_err(|e| anyhow::anyhow!("the law data is not valid, not starting: {e}"))?;
    let manifest = Manifest::load(&args.app.from)?;
    if !args.no_build {
        building::build_stale(&manifest)?;
    }
    let state_dir = args
        .app
        .state_dir
        .clone()
        .unwrap_or_else(|| manifest.app_dir.join(".spin"));
    let (variable_fallbacks, internal_token) = variable_fallbacks(&args, &state_dir)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = AppOptions {
        threads,
        state_dir: state_dir.clone(),
        runtime_config: match &args.runtime_config_file {
            Some(file) => jaria_host::runtime_config::RuntimeConfig::load(file)?,
            None => jaria_host::runtime_config::RuntimeConfig::default(),
        },
        variable_fallbacks,
        cache_dir: Some(
            args.cache_dir
                .clone()
                .or_else(|| std::env::var_os("JARIA_CACHE_DIR").map(PathBuf::from))
                .unwrap_or_else(|| state_dir.join("cache")),
        ),
        limits: limits(&args),
        faults: faults(&args),
    };
    let app = Arc::new(App::load(&manifest, options)?);
    migrate_through_app(&app, &internal_token)?;
    if args.demo {
        jaria_host::demo::seed_database_file(&state_dir)?;
    }
    if args.tick_interval_secs > 0 {
        start_ticker(
            Arc::clone(&app),
            internal_token.clone(),
            Duration::from_secs(args.tick_interval_secs),
        );
    }
    if let Some(addr) = args.metrics_listen {
        let metrics = jaria_host::metrics::enable()?;
        for (store, path) in app.state_files() {
            metrics.watch_state_file(store, path);
        }
        let bound = start_metrics_listener(addr)?;
        println!("Metrics http://{bound}/metrics");
    }
    let demo = args.demo;
    server::serve_on_threads(
        Arc::clone(&app),
        args.listen,
        threads,
        |addr| {
            if demo {
                jaria_host::demo::print_guide(&state_dir, &format!("http://{addr}"));
            }
            server::print_routes(&app, addr);
        },
        server::shutdown_signal,
    )
}

/// The variables `jaria up` supplies when the environment does not: an internal token for this
/// run (which it uses itself, answered beside them), and with `--demo` the demo's CA and
/// receipt key.
fn variable_fallbacks(
    args: &UpArgs,
    state_dir: &std::path::Path,
) -> anyhow::Result<(Vec<(String, String)>, String)> {
    let mut fallbacks = Vec::new();
    let internal_token = match std::env::var("SPIN_VARIABLE_INTERNAL_TOKEN") {
        Ok(token) if !token.trim().is_empty() => token,
        _ => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random: {e}"))?;
            let token = hex::encode(bytes);
            fallbacks.push(("SPIN_VARIABLE_INTERNAL_TOKEN".to_owned(), token.clone()));
            token
        }
    };
    if args.demo {
        jaria_host::demo::prepare_files(state_dir)?;
        if let Some(ca) = jaria_host::demo::trust_anchor(state_dir) {
            fallbacks.push(("SPIN_VARIABLE_EDS_TRUST_ANCHORS".to_owned(), ca));
        }
        fallbacks.push((
            "SPIN_VARIABLE_RECEIPT_SIGNING_KEY".to_owned(),
            jaria_host::demo::receipt_key(state_dir)?,
        ));
    }
    Ok((fallbacks, internal_token))
}

/// The per-request and per-instance limits the options name.
fn limits(args: &UpArgs) -> Limits {
    use jaria_host::instance::{Choice, Reuse};
    Limits {
        max_body_bytes: args.max_body_bytes,
        request_timeout: Duration::from_millis(args.request_timeout_ms),
        memory_bytes: args.memory_mib * 1024 * 1024,
        max_instances: args.max_instances,
        slot_reset: match args.slot_reset {
            SlotResetArg::Auto => jaria_host::runtime::SlotReset::Auto,
            SlotResetArg::Safe => jaria_host::runtime::SlotReset::Safe,
        },
        reuse: Reuse {
            max_requests: args.max_instance_reuse_count.unwrap_or(Choice::Default),
            max_concurrent: args
                .max_instance_concurrent_reuse_count
                .unwrap_or(Choice::Default),
            idle_timeout: args.idle_instance_timeout,
        },
    }
}

/// The injected faults of the hidden testing options (none unless given).
fn faults(args: &UpArgs) -> Faults {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    Faults::injecting(
        args.fault_rate,
        Some(Duration::from_millis(args.fault_stall_ms)),
        args.fault_lose_commits,
        seed,
    )
}
