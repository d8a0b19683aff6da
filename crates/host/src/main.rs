use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use jaria_host::faults::Faults;
use jaria_host::manifest::Manifest;
use jaria_host::runtime::{App, AppOptions, Limits};
use jaria_host::{building, migrate, server};

/// A small Spin-compatible host for the Jaria portal.
#[derive(Parser)]
#[command(name = "jaria", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build stale components, apply migrations and serve the application (like `spin up`).
    Up(Box<UpArgs>),
    /// Run every component's build commands (like `spin build`).
    Build {
        /// The application manifest.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
    },
    /// Seed demo data: a demo CA, an organ, officers, an admin and participants.
    Seed {
        #[command(flatten)]
        app: AppArgs,
        /// Seed the demo: a demo CA, organ, officers, admin, participants and a case.
        #[arg(long, required_unless_present = "cases")]
        demo: bool,
        /// Seed this many realistic cases (with participants, decisions, materials), for
        /// benchmarks at scale.
        #[arg(long)]
        cases: Option<usize>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Apply the pending schema migrations (those built into this version) to the state dir's
    /// database, then exit. A running deployment migrates itself instead:
    /// `POST /api/internal/migrate`.
    Migrate {
        #[command(flatten)]
        app: AppArgs,
    },
    /// Copy the state files while the portal keeps serving (SQLite's online backup: one
    /// consistent snapshot per file), then check the copy: integrity and audit chain.
    Backup {
        #[command(flatten)]
        app: AppArgs,
        /// A new (or empty) folder for the copies.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Put a backup's files in place (the portal stopped).
    Restore {
        /// The folder `jaria backup` wrote.
        #[arg(long = "from")]
        from: PathBuf,
        /// Folder to restore into.
        #[arg(long, required_unless_present = "database_url")]
        state_dir: Option<PathBuf>,
        /// Replace a database that is already there (a state dir's; a server's database must
        /// be empty).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Check the state dir's audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute the audit log's hash chain (read-only) and report the first broken row.
    /// Exits 0 if intact, 2 if broken, 1 if the log could not be read.
    Verify {
        #[command(flatten)]
        app: AppArgs,
        /// Public key (base64, 32 bytes) the signed checkpoints must verify with; repeat for
        /// keys rotated out. Without one, the key of `SPIN_VARIABLE_AUDIT_SIGNING_KEY` if set.
        #[arg(long = "public-key")]
        public_keys: Vec<String>,
        /// With a key: the first row written while `audit_signing_key` was set (default 1).
        /// From it on every 100th row must carry its checkpoint; one missing means checkpoints
        /// were deleted.
        #[arg(long = "signed-from", value_name = "ROW")]
        signed_from: Option<i64>,
        /// A row and its hash kept outside the database (the tick logs `audit head:
        /// checkpoint at row ROW, hash HASH`): the chain must still have that hash there, so a
        /// log cut back below it, or rewritten, shows.
        #[arg(long = "anchor", value_name = "ROW:HASH", value_parser = parse_anchor)]
        anchor: Option<(i64, String)>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

fn parse_anchor(text: &str) -> Result<(i64, String), String> {
    let (row, hash) = text
        .split_once(':')
        .ok_or("give ROW:HASH, as the tick logs them")?;
    let row = row.trim().parse::<i64>().map_err(|e| format!("row: {e}"))?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the hash is 64 hex digits".into());
    }
    Ok((row, hash.to_ascii_lowercase()))
}

/// The application's manifest and the folder of its state files, as every command that works on
/// a deployment's state takes them.
#[derive(clap::Args)]
struct AppArgs {
    /// The application manifest.
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    from: PathBuf,
    /// Folder holding the state files (default: `.spin` beside the manifest).
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

impl AppArgs {
    /// The state dir: the one given (no manifest needed), else `.spin` beside the manifest.
    fn state_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.state_dir {
            Some(dir) => Ok(dir.clone()),
            None => Ok(Manifest::load(&self.from)?.app_dir.join(".spin")),
        }
    }
}

/// The `default` database on a libSQL server (sqld, Turso) rather than in a state dir: what a
/// Spin runtime config with `type = "libsql"` points at.
#[derive(clap::Args)]
struct ServerArgs {
    /// The libSQL server's HTTP address (the runtime config's `url`), e.g.
    /// `http://127.0.0.1:8080`: the command works on its database, not a state dir's (`seed
    /// --demo` still writes the demo's keys into the state dir).
    #[arg(long, env = "JARIA_DATABASE_URL")]
    database_url: Option<String>,
    /// Its bearer token (the runtime config's `token`), if it asks for one.
    #[arg(long, env = "JARIA_DATABASE_TOKEN", hide_env_values = true)]
    database_token: Option<String>,
}

impl ServerArgs {
    fn server(&self) -> anyhow::Result<Option<jaria_host::libsql_server::Server>> {
        self.database_url
            .as_deref()
            .map(|url| jaria_host::libsql_server::Server::new(url, self.database_token.clone()))
            .transpose()
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SlotResetArg {
    Auto,
    Safe,
}

#[derive(clap::Args)]
struct UpArgs {
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

fn main() -> anyhow::Result<()> {
    jaria_host::storage::configure_sqlite();
    // Flushes batched traces when `main` returns.
    let _telemetry = jaria_host::telemetry::init()?;
    match Cli::parse().command {
        Cmd::Build { from } => building::build_all(&Manifest::load(&from)?),
        Cmd::Migrate { app } => run_migrations(&app.state_dir()?),
        Cmd::Seed {
            app,
            demo,
            cases,
            server,
        } => {
            let state_dir = app.state_dir()?;
            // On a server, the database is built in a file of its own, then loaded whole.
            let server = server.server()?;
            let building = match &server {
                Some(_) => Some(tempfile::tempdir()?),
                None => None,
            };
            let database_dir = building.as_ref().map_or(state_dir.as_path(), |d| d.path());
            run_migrations(database_dir)?;
            if let Some(count) = cases {
                jaria_host::scale::seed_cases(database_dir, count)?;
            }
            if demo {
                jaria_host::demo::prepare_files(&state_dir)?;
                jaria_host::demo::seed_database_file(database_dir)?;
            }
            if let Some(server) = &server {
                let built =
                    rusqlite::Connection::open(database_dir.join(jaria_host::storage::DB_FILE))?;
                server.load_file(&built)?;
            }
            if !demo {
                return Ok(());
            }
            jaria_host::demo::print_guide(&state_dir, "http://127.0.0.1:3000");
            println!(
                "Trust the demo CA: SPIN_VARIABLE_EDS_TRUST_ANCHORS=\"$(cat {})\" (or start with `jaria up --demo`).",
                jaria_host::demo::demo_dir(&state_dir)
                    .join("ca.pem")
                    .display()
            );
            Ok(())
        }
        Cmd::Up(args) => up(*args),
        Cmd::Backup { app, to, server } => {
            let backup = match server.server()? {
                Some(server) => jaria_host::backup::backup_server(&server, &to)?,
                None => jaria_host::backup::backup(&app.state_dir()?, &to)?,
            };
            for file in &backup.files {
                println!("backed up {} ({} bytes)", file.file.display(), file.bytes);
            }
            println!(
                "checked: integrity ok, audit chain intact ({} rows, last hash {})",
                backup.audit_rows, backup.audit_last_hash
            );
            Ok(())
        }
        Cmd::Restore {
            from,
            state_dir,
            force,
            server,
        } => {
            if let Some(server) = server.server()? {
                let file = jaria_host::backup::restore_to_server(&from, &server)?;
                println!(
                    "restored {} ({} bytes) into the libSQL server's database",
                    file.file.display(),
                    file.bytes
                );
                println!(
                    "now: jaria audit verify --database-url URL, then start the portal (its key-value store is not in this backup)"
                );
                return Ok(());
            }
            let state_dir = state_dir.context("--state-dir or --database-url")?;
            for file in jaria_host::backup::restore(&from, &state_dir, force)? {
                println!("restored {} ({} bytes)", file.file.display(), file.bytes);
            }
            println!(
                "now: jaria audit verify --state-dir {}, then start the portal",
                state_dir.display()
            );
            Ok(())
        }
        Cmd::Audit {
            command:
                AuditCmd::Verify {
                    app,
                    public_keys,
                    signed_from,
                    anchor,
                    server,
                },
        } => {
            let expect = jaria_host::audit::Expect {
                keys: checkpoint_keys(&public_keys)?,
                signed_from,
                anchor,
            };
            audit_verify(&app, &server, &expect)
        }
    }
}

/// The exit status of `jaria audit verify` when the chain is broken (1 means it could not be
/// checked at all).
const AUDIT_BROKEN_EXIT: i32 = 2;

/// The checkpoint keys to verify with: those given, else the one derived from the signing key
/// in the environment.
fn checkpoint_keys(given: &[String]) -> anyhow::Result<Vec<ed25519_dalek::VerifyingKey>> {
    use base64::Engine as _;
    let decode = |text: &str, what: &str| -> anyhow::Result<[u8; 32]> {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| anyhow::anyhow!("{what} is not the base64 of 32 bytes"))
    };
    if !given.is_empty() {
        return given
            .iter()
            .map(|k| {
                ed25519_dalek::VerifyingKey::from_bytes(&decode(k, "--public-key")?)
                    .map_err(|e| anyhow::anyhow!("--public-key: {e}"))
            })
            .collect();
    }
    match std::env::var("SPIN_VARIABLE_AUDIT_SIGNING_KEY") {
        Ok(seed) if !seed.trim().is_empty() => {
            let seed = decode(&seed, "SPIN_VARIABLE_AUDIT_SIGNING_KEY")?;
            Ok(vec![
                ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key(),
            ])
        }
        _ => Ok(Vec::new()),
    }
}

fn audit_verify(
    app: &AppArgs,
    server: &ServerArgs,
    expect: &jaria_host::audit::Expect,
) -> anyhow::Result<()> {
    let outcome = match server.server()? {
        Some(server) => jaria_host::audit::verify_server(&server, expect)?,
        // The manifest only locates the default state dir; an explicit one needs none.
        None => jaria_host::audit::verify_state_dir(&app.state_dir()?, expect)?,
    };
    match outcome {
        Ok(verified) => {
            println!(
                "audit log verified: {} rows, chain intact, last hash {}",
                verified.rows, verified.last_hash
            );
            match (verified.last_signed_row, verified.signatures_checked) {
                (Some(row), true) => println!(
                    "signed checkpoints: {} verified, the last at row {row}; {} rows after it are not signed yet",
                    verified.checkpoints,
                    verified.rows.saturating_sub(row as u64)
                ),
                (Some(row), false) => println!(
                    "signed checkpoints: {} match the chain, the last at row {row}; their signatures were NOT checked (give --public-key)",
                    verified.checkpoints
                ),
                (None, true) => println!(
                    "signed checkpoints: none yet (fewer than 100 rows since --signed-from)"
                ),
                (None, false) => println!(
                    "signed checkpoints: none — without audit_signing_key the whole log can be rewritten undetected; \
                     set it, and verify with --public-key"
                ),
            }
            if let Some((row, _)) = &expect.anchor {
                println!("anchor: row {row} still has the hash kept outside the database");
            }
            println!(
                "reads: {} sealed into the chain, {} logged since the last seal",
                verified.reads_sealed, verified.reads_unsealed
            );
            if verified.reads_pruned > 0 {
                println!(
                    "reads pruned by the retention rule: {} (each range named in the chain)",
                    verified.reads_pruned
                );
            }
            Ok(())
        }
        Err(broken) => {
            println!("{broken}");
            std::process::exit(AUDIT_BROKEN_EXIT);
        }
    }
}

/// Migrates a state dir's database directly (without the app), for `jaria migrate` and the
/// seeders.
fn run_migrations(state_dir: &Path) -> anyhow::Result<()> {
    let db = state_dir.join(jaria_host::storage::DB_FILE);
    let outcome =
        migrate::migrate_file(&db).with_context(|| format!("migrating {}", db.display()))?;
    for name in outcome.applied {
        eprintln!("Applied migration {name}");
    }
    Ok(())
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

fn up(args: UpArgs) -> anyhow::Result<()> {
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
    let mut variable_fallbacks = Vec::new();
    // The internal endpoints need a token; `jaria up` makes one for this run if none is set,
    // and uses it itself.
    let internal_token = match std::env::var("SPIN_VARIABLE_INTERNAL_TOKEN") {
        Ok(token) if !token.trim().is_empty() => token,
        _ => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random: {e}"))?;
            let token = hex::encode(bytes);
            variable_fallbacks.push(("SPIN_VARIABLE_INTERNAL_TOKEN".to_owned(), token.clone()));
            token
        }
    };
    if args.demo {
        jaria_host::demo::prepare_files(&state_dir)?;
        if let Some(ca) = jaria_host::demo::trust_anchor(&state_dir) {
            variable_fallbacks.push(("SPIN_VARIABLE_EDS_TRUST_ANCHORS".to_owned(), ca));
        }
        variable_fallbacks.push((
            "SPIN_VARIABLE_RECEIPT_SIGNING_KEY".to_owned(),
            jaria_host::demo::receipt_key(&state_dir)?,
        ));
    }
    let cache_dir = args
        .cache_dir
        .clone()
        .or_else(|| std::env::var_os("JARIA_CACHE_DIR").map(PathBuf::from))
        .unwrap_or_else(|| state_dir.join("cache"));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let guide_state_dir = state_dir.clone();
    let runtime_config = match &args.runtime_config_file {
        Some(file) => jaria_host::runtime_config::RuntimeConfig::load(file)?,
        None => jaria_host::runtime_config::RuntimeConfig::default(),
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = AppOptions {
        threads,
        state_dir,
        runtime_config,
        variable_fallbacks,
        cache_dir: Some(cache_dir),
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            request_timeout: Duration::from_millis(args.request_timeout_ms),
            memory_bytes: args.memory_mib * 1024 * 1024,
            max_instances: args.max_instances,
            slot_reset: match args.slot_reset {
                SlotResetArg::Auto => jaria_host::runtime::SlotReset::Auto,
                SlotResetArg::Safe => jaria_host::runtime::SlotReset::Safe,
            },
            reuse: jaria_host::instance::Reuse {
                max_requests: args
                    .max_instance_reuse_count
                    .unwrap_or(jaria_host::instance::Choice::Default),
                max_concurrent: args
                    .max_instance_concurrent_reuse_count
                    .unwrap_or(jaria_host::instance::Choice::Default),
                idle_timeout: args.idle_instance_timeout,
            },
        },
        faults: Faults::injecting(
            args.fault_rate,
            Some(std::time::Duration::from_millis(args.fault_stall_ms)),
            args.fault_lose_commits,
            seed,
        ),
    };
    let app = Arc::new(App::load(&manifest, options)?);
    migrate_through_app(&app, &internal_token)?;
    if args.demo {
        jaria_host::demo::seed_database_file(&guide_state_dir)?;
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
                jaria_host::demo::print_guide(&guide_state_dir, &format!("http://{addr}"));
            }
            server::print_routes(&app, addr);
        },
        server::shutdown_signal,
    )
}
