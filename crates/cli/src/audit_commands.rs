//! `transfer-register audit ...`: the audit chain checked and its head published, with the
//! register's key; and the checkpoints checked by an auditor who holds only its public key.

use crate::{
    config::Config,
    db,
    domain::audit::{ChainKey, CheckpointPublicKey},
    error::AppError,
    service::{audit, sealing},
};
use anyhow::Context;
use chrono::Utc;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Seal every committed event, then walk the keyed hash chain: exit 0 when intact, non-zero
    /// naming the first broken event; the events still unsealed (of transactions still open) are
    /// reported with their age.
    Verify {
        /// Do not seal first: check the sealed chain as it is and report the unsealed tail.
        #[arg(long)]
        no_seal: bool,
        /// Checkpoints published earlier (one JSON object a line, as `audit checkpoint` and
        /// `serve` write them): the chain must still hold each, so one cut short or rewritten
        /// is caught even when it is consistent in itself.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Seal every committed event and print a checkpoint of the chain's head signed with the
    /// register's key (one JSON line); keep it outside the database.
    Checkpoint {
        /// Also append it to this file (created readable by its owner only).
        #[arg(long)]
        append: Option<std::path::PathBuf>,
    },
    /// Print the public key the checkpoints are signed with (`ed25519:` and 64 hex digits), to
    /// hand to an auditor: it checks checkpoints and cannot make one.
    PublicKey,
    /// For an auditor without the register's secret: check that each checkpoint in FILE was
    /// signed by the register the public key names and that the database still holds the event
    /// it recorded. Reads the database only; exit 0 when all hold, 2 naming the first that does
    /// not.
    VerifyCheckpoints {
        /// The register's checkpoint public key, as `audit public-key` prints it.
        #[arg(long, value_parser = parse_public_key)]
        public_key: CheckpointPublicKey,
        /// The checkpoints (one JSON object a line, as `audit checkpoint` and `serve` write them).
        #[arg(long)]
        checkpoint: std::path::PathBuf,
    },
}

fn parse_public_key(s: &str) -> Result<CheckpointPublicKey, String> {
    s.parse()
}

/// `audit verify-checkpoints`: the checkpoints of `file` against the database, by the public key.
async fn checkpoints_for_auditor(
    config: &Config,
    public_key: &CheckpointPublicKey,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let checkpoints = crate::service::checkpoints::read_file(file)?;
    let db = db::connect_existing(config).await?;
    match audit::verify_checkpoints(&db, public_key, &checkpoints)
        .await
        .map_err(AppError::into_cli)?
    {
        Ok(n) => {
            println!(
                "the database holds every one of the {n} checkpoints, each signed by the register of {public_key}"
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            eprintln!("checkpoint at event {}: {}", broken.event_id, broken.reason);
            Ok(ExitCode::from(2))
        }
    }
}

/// `audit verify [--checkpoint FILE]`, `audit checkpoint [--append FILE]`, `audit public-key`
/// and `audit verify-checkpoints`.
pub(crate) async fn audit_command(
    config: &Config,
    command: AuditCommand,
) -> anyhow::Result<ExitCode> {
    // The register and its key; the auditor's check needs neither the key nor the secret.
    let keyed = || async {
        let db = db::connect_existing(config).await?;
        let key = ChainKey::derive(&db::load_existing_secret(config)?);
        anyhow::Ok((db, key))
    };
    match command {
        AuditCommand::VerifyCheckpoints {
            public_key,
            checkpoint,
        } => return checkpoints_for_auditor(config, &public_key, &checkpoint).await,
        AuditCommand::Verify {
            checkpoint,
            no_seal,
        } => {
            let (db, key) = keyed().await?;
            let checkpoints = match &checkpoint {
                Some(path) => crate::service::checkpoints::read_file(path)?,
                None => Vec::new(),
            };
            if !no_seal {
                sealing::seal(&db, &key).await.map_err(AppError::into_cli)?;
            }
            let verdict = match audit::verify(&db, &key).await.map_err(AppError::into_cli)? {
                Ok(n) => audit::verify_checkpoints(&db, &key, &checkpoints)
                    .await
                    .map_err(AppError::into_cli)?
                    .map(|checked| (n, checked)),
                Err(broken) => Err(broken),
            };
            let tail = sealing::unsealed(&db).await.map_err(AppError::into_cli)?;
            let tail = match tail.events {
                0 => "none waiting to be sealed".to_string(),
                n => format!(
                    "{n} more not sealed yet (the oldest written {:.1} s ago)",
                    tail.lag(Utc::now()).as_secs_f64()
                ),
            };
            match verdict {
                Ok((n, 0)) => println!("audit chain intact: {n} events; {tail}"),
                Ok((n, checked)) => println!(
                    "audit chain intact: {n} events, and it holds every one of the {checked} checkpoints; {tail}"
                ),
                Err(broken) => {
                    eprintln!(
                        "audit chain broken at event {}: {}",
                        broken.event_id, broken.reason
                    );
                    return Ok(ExitCode::from(2));
                }
            }
        }
        AuditCommand::Checkpoint { append } => {
            let (db, key) = keyed().await?;
            sealing::seal(&db, &key).await.map_err(AppError::into_cli)?;
            let checkpoint = audit::checkpoint(&db, &key)
                .await
                .map_err(AppError::into_cli)?;
            let line = crate::service::checkpoints::publish(&checkpoint, append.as_deref())?;
            println!("{line}");
        }
        AuditCommand::PublicKey => {
            let (_, key) = keyed().await?;
            let public = key
                .checkpoint_public_key()
                .context("deriving the checkpoint key pair failed")?;
            println!("{public}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
