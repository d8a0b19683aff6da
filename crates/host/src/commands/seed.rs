//! `jaria seed`: the demo (a CA, an organ, officers, an admin, participants, a case) and/or
//! many realistic cases for benchmarks, into a state dir or a libSQL server's database.

use super::{AppArgs, ServerArgs, run_migrations};

#[derive(clap::Args)]
pub(crate) struct SeedArgs {
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
}

pub(crate) fn run(args: SeedArgs) -> anyhow::Result<()> {
    let SeedArgs {
        app,
        demo,
        cases,
        server,
    } = args;
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
        let built = rusqlite::Connection::open(database_dir.join(jaria_host::storage::DB_FILE))?;
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
