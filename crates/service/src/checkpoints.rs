//! Publishing the audit chain's signed checkpoints outside the database, and reading them back.
//!
//! A checkpoint is one JSON line (`{"event_id":..,"hash":..,"at":..,"mac":..,"signature":..}`:
//! the HMAC under the register's key, and an Ed25519 signature its public key checks). `serve` writes
//! one on a schedule whenever the chain has grown, to the log and, when configured, appended to
//! a file; `transfer-register audit checkpoint` writes one on demand. Kept where the database's
//! writers cannot reach (another host's log, a write-once bucket, the DPO's records), they let
//! `audit verify --checkpoint FILE` catch a chain that was cut short or rewritten and re-hashed
//! by someone who could write the database.

use crate::{
    audit, db,
    domain::audit::{ChainKey, Checkpoint},
};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use std::{
    io::{BufRead, Write},
    path::{Path, PathBuf},
    time::Duration,
};

/// The checkpoint as its line, appended to `file` (created owner-only) when one is given.
pub fn publish(checkpoint: &Checkpoint, file: Option<&Path>) -> anyhow::Result<String> {
    let line = serde_json::to_string(checkpoint)?;
    if let Some(path) = file {
        let mut out = db::append_owner_only(path)
            .with_context(|| format!("opening the checkpoint file {}", path.display()))?;
        writeln!(out, "{line}")
            .and_then(|()| out.sync_data())
            .with_context(|| format!("writing the checkpoint file {}", path.display()))?;
    }
    Ok(line)
}

/// Every checkpoint of a file written by [`publish`] (blank lines skipped); a line that is not a
/// checkpoint is an error naming it.
pub fn read_file(path: &Path) -> anyhow::Result<Vec<Checkpoint>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("opening the checkpoint file {}", path.display()))?;
    read(std::io::BufReader::new(file))
        .with_context(|| format!("reading the checkpoint file {}", path.display()))
}

/// As [`read_file`], from any reader.
pub fn read(reader: impl BufRead) -> anyhow::Result<Vec<Checkpoint>> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let checkpoint = serde_json::from_str(&line)
            .map_err(|_| anyhow::anyhow!("line {} is not a checkpoint", i + 1))?;
        out.push(checkpoint);
    }
    Ok(out)
}

/// Where and how often `serve` publishes checkpoints.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub every: Duration,
    pub file: Option<PathBuf>,
}

/// Publishes a checkpoint every `schedule.every` while the chain grows (and one at start), to
/// the log (target `audit_checkpoint`) and to the file; runs until dropped.
pub async fn publish_on_schedule(db: DatabaseConnection, key: ChainKey, schedule: Schedule) {
    let mut last_published = None;
    let mut tick = tokio::time::interval(schedule.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let checkpoint = match audit::checkpoint(&db, &key).await {
            Ok(checkpoint) => checkpoint,
            Err(err) => {
                tracing::error!(error = %err, "reading the audit chain's head for a checkpoint failed");
                continue;
            }
        };
        if last_published == Some(checkpoint.event_id) {
            continue;
        }
        match publish(&checkpoint, schedule.file.as_deref()) {
            Ok(line) => {
                tracing::info!(target: "audit_checkpoint", checkpoint = %line, "audit checkpoint");
                last_published = Some(checkpoint.event_id);
            }
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "publishing an audit checkpoint failed");
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_published_checkpoint_is_read_back_and_the_file_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoints.jsonl");
        let key = ChainKey::derive(b"a secret of sixteen or more");
        let first = Checkpoint::sign(&key, 3, &"ab".repeat(32), chrono::Utc::now());
        let second = Checkpoint::sign(&key, 9, &"cd".repeat(32), chrono::Utc::now());
        publish(&first, Some(&path)).unwrap();
        publish(&second, Some(&path)).unwrap();
        assert_eq!(read_file(&path).unwrap(), vec![first, second]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = read("{\"event_id\":1}\n".as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "line 1 is not a checkpoint");
    }
}
