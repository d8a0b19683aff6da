//! `jaria backup` and `jaria restore`: the state files copied while the portal serves (one
//! consistent snapshot per file, then checked), and put back in place with the portal stopped.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{AppArgs, ServerArgs};

#[derive(clap::Args)]
pub(crate) struct BackupArgs {
    #[command(flatten)]
    app: AppArgs,
    /// A new (or empty) folder for the copies.
    #[arg(long)]
    to: PathBuf,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(clap::Args)]
pub(crate) struct RestoreArgs {
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
}

pub(crate) fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let BackupArgs { app, to, server } = args;
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

pub(crate) fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let RestoreArgs {
        from,
        state_dir,
        force,
        server,
    } = args;
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
