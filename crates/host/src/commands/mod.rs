//! The operator's commands of `jaria`, one module each; the options several of them take
//! ([`AppArgs`], [`ServerArgs`]) are shared through `#[command(flatten)]`.

mod audit;
mod backup;
mod seed;
mod up;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use jaria_host::manifest::Manifest;
use jaria_host::{building, migrate};

/// A small Spin-compatible host for the Jaria portal.
#[derive(Parser)]
#[command(name = "jaria", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build stale components, apply migrations and serve the application (like `spin up`).
    Up(Box<up::UpArgs>),
    /// Run every component's build commands (like `spin build`).
    Build {
        /// The application manifest.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
    },
    /// Seed demo data: a demo CA, an organ, officers, an admin and participants.
    Seed(seed::SeedArgs),
    /// Apply the pending schema migrations (those built into this version) to the state dir's
    /// database, then exit. A running deployment migrates itself instead:
    /// `POST /api/internal/migrate`.
    Migrate {
        #[command(flatten)]
        app: AppArgs,
    },
    /// Copy the state files while the portal keeps serving (SQLite's online backup: one
    /// consistent snapshot per file), then check the copy: integrity and audit chain.
    Backup(backup::BackupArgs),
    /// Put a backup's files in place (the portal stopped).
    Restore(backup::RestoreArgs),
    /// Check the state dir's audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCmd,
    },
}

/// Runs the command the operator gave.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Cmd::Build { from } => building::build_all(&Manifest::load(&from)?),
        Cmd::Migrate { app } => run_migrations(&app.state_dir()?),
        Cmd::Seed(args) => seed::run(args),
        Cmd::Up(args) => up::run(*args),
        Cmd::Backup(args) => backup::backup(args),
        Cmd::Restore(args) => backup::restore(args),
        Cmd::Audit { command } => audit::run(command),
    }
}

/// The application's manifest and the folder of its state files, as every command that works on
/// a deployment's state takes them.
#[derive(clap::Args)]
pub(crate) struct AppArgs {
    /// The application manifest.
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    pub(crate) from: PathBuf,
    /// Folder holding the state files (default: `.spin` beside the manifest).
    #[arg(long)]
    pub(crate) state_dir: Option<PathBuf>,
}

impl AppArgs {
    /// The state dir: the one given (no manifest needed), else `.spin` beside the manifest.
    pub(crate) fn state_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.state_dir {
            Some(dir) => Ok(dir.clone()),
            None => Ok(Manifest::load(&self.from)?.app_dir.join(".spin")),
        }
    }
}

/// The `default` database on a libSQL server (sqld, Turso) rather than in a state dir: what a
/// Spin runtime config with `type = "libsql"` points at.
#[derive(clap::Args)]
pub(crate) struct ServerArgs {
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
    pub(crate) fn server(&self) -> anyhow::Result<Option<jaria_host::libsql_server::Server>> {
        self.database_url
            .as_deref()
            .map(|url| jaria_host::libsql_server::Server::new(url, self.database_token.clone()))
            .transpose()
    }
}

/// Migrates a state dir's database directly (without the app), for `jaria migrate` and the
/// seeders.
pub(crate) fn run_migrations(state_dir: &Path) -> anyhow::Result<()> {
    let db = state_dir.join(jaria_host::storage::DB_FILE);
    let outcome =
        migrate::migrate_file(&db).with_context(|| format!("migrating {}", db.display()))?;
    for name in outcome.applied {
        eprintln!("Applied migration {name}");
    }
    Ok(())
}
