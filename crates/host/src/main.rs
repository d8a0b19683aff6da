mod commands;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    jaria_host::storage::configure_sqlite();
    // Flushes batched traces when `main` returns.
    let _telemetry = jaria_host::telemetry::init()?;
    commands::run(commands::Cli::parse())
}
