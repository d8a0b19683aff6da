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
    Up(UpArgs),
    /// Run every component's build commands (like `spin build`).
    Build {
        /// The application manifest.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
    },
    /// Seed demo data: a demo CA, an organ, officers, an admin and participants.
    Seed {
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
        /// Folder holding the state files (default: `.spin` beside the manifest).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Seed the demo: a demo CA, organ, officers, admin, participants and a case.
        #[arg(long, required_unless_present = "cases")]
        demo: bool,
        /// Seed this many realistic cases (with participants, decisions, materials), for
        /// benchmarks at scale.
        #[arg(long)]
        cases: Option<usize>,
    },
    /// Apply pending schema migrations to the state dir's database, then exit.
    Migrate {
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
        /// Folder holding the state files (default: `.spin` beside the manifest).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Folder of NNNN_name.sql files (default: `schema/migrations` beside the manifest).
        #[arg(long)]
        migrations: Option<PathBuf>,
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
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
        /// Folder holding the state files (default: `.spin` beside the manifest).
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct UpArgs {
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    from: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Folder holding the state files (default: `.spin` beside the manifest).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Folder of NNNN_name.sql files (default: `schema/migrations` beside the manifest).
    #[arg(long)]
    migrations: Option<PathBuf>,
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
    /// Testing only: the share (0..1) of key-value and SQLite calls that fail.
    #[arg(long, default_value_t = 0.0, hide = true)]
    fault_rate: f64,
    /// With --fault-rate: half of the faults stall the call this many milliseconds instead.
    #[arg(long, default_value_t = 0, hide = true)]
    fault_stall_ms: u64,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JARIA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match Cli::parse().command {
        Cmd::Build { from } => building::build_all(&Manifest::load(&from)?),
        Cmd::Migrate {
            from,
            state_dir,
            migrations,
        } => {
            let manifest = Manifest::load(&from)?;
            let state_dir = state_dir.unwrap_or_else(|| manifest.app_dir.join(".spin"));
            run_migrations(&manifest, &state_dir, migrations.as_deref())
        }
        Cmd::Seed {
            from,
            state_dir,
            demo,
            cases,
        } => {
            let manifest = Manifest::load(&from)?;
            let state_dir = state_dir.unwrap_or_else(|| manifest.app_dir.join(".spin"));
            run_migrations(&manifest, &state_dir, None)?;
            if let Some(count) = cases {
                jaria_host::scale::seed_cases(&state_dir, count)?;
            }
            if !demo {
                return Ok(());
            }
            jaria_host::demo::seed(&state_dir)?;
            jaria_host::demo::print_guide(&state_dir, "http://127.0.0.1:3000");
            println!(
                "Trust the demo CA: SPIN_VARIABLE_EDS_TRUST_ANCHORS=\"$(cat {})\" (or start with `jaria up --demo`).",
                jaria_host::demo::demo_dir(&state_dir)
                    .join("ca.pem")
                    .display()
            );
            Ok(())
        }
        Cmd::Up(args) => up(args),
        Cmd::Audit {
            command: AuditCmd::Verify { from, state_dir },
        } => audit_verify(&from, state_dir),
    }
}

/// The exit status of `jaria audit verify` when the chain is broken (1 means it could not be
/// checked at all).
const AUDIT_BROKEN_EXIT: i32 = 2;

fn audit_verify(from: &Path, state_dir: Option<PathBuf>) -> anyhow::Result<()> {
    // The manifest only locates the default state dir; an explicit one needs none.
    let state_dir = match state_dir {
        Some(dir) => dir,
        None => Manifest::load(from)?.app_dir.join(".spin"),
    };
    match jaria_host::audit::verify_state_dir(&state_dir)? {
        Ok(verified) => {
            println!(
                "audit log verified: {} rows, chain intact, last hash {}",
                verified.rows, verified.last_hash
            );
            Ok(())
        }
        Err(broken) => {
            println!("{broken}");
            std::process::exit(AUDIT_BROKEN_EXIT);
        }
    }
}

fn run_migrations(manifest: &Manifest, state_dir: &Path, dir: Option<&Path>) -> anyhow::Result<()> {
    let dir = match dir {
        Some(d) => d.to_owned(),
        None => manifest.app_dir.join("schema/migrations"),
    };
    if !dir.is_dir() {
        return Ok(());
    }
    let db = state_dir.join(jaria_host::storage::DB_FILE);
    let applied = migrate::migrate_file(&db, &dir)
        .with_context(|| format!("refusing to start: migrations in {}", dir.display()))?;
    for name in applied {
        eprintln!("Applied migration {name}");
    }
    Ok(())
}

fn up(args: UpArgs) -> anyhow::Result<()> {
    let manifest = Manifest::load(&args.from)?;
    if !args.no_build {
        building::build_stale(&manifest)?;
    }
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| manifest.app_dir.join(".spin"));
    run_migrations(&manifest, &state_dir, args.migrations.as_deref())?;
    let mut variable_fallbacks = Vec::new();
    if args.demo {
        jaria_host::demo::seed(&state_dir)?;
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
    let options = AppOptions {
        state_dir,
        variable_fallbacks,
        cache_dir: Some(cache_dir),
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            request_timeout: Duration::from_millis(args.request_timeout_ms),
            memory_bytes: args.memory_mib * 1024 * 1024,
            max_instances: args.max_instances,
        },
        faults: Faults::with_rate_and_stall(
            args.fault_rate,
            Some(std::time::Duration::from_millis(args.fault_stall_ms)),
            seed,
        ),
    };
    let app = Arc::new(App::load(&manifest, options)?);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
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
        server::shutdown_signal(),
    )
}
