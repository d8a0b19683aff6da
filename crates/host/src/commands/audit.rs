//! `jaria audit verify`: the audit log's hash chain recomputed, its signed checkpoints and an
//! anchor kept outside the database checked.

use clap::Subcommand;

use super::{AppArgs, ServerArgs};

#[derive(Subcommand)]
pub(crate) enum AuditCmd {
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

pub(crate) fn run(command: AuditCmd) -> anyhow::Result<()> {
    let AuditCmd::Verify {
        app,
        public_keys,
        signed_from,
        anchor,
        server,
    } = command;
    let expect = jaria_host::audit::Expect {
        keys: checkpoint_keys(&public_keys)?,
        signed_from,
        anchor,
    };
    audit_verify(&app, &server, &expect)
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
