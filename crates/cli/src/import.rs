//! `transfer-register import KIND FILE [--dry-run]`: refusals on stderr as `line N: FIELD:
//! message`, a non-zero exit status, and nothing imported.

use crate::{Register, error::AppError, service::audit::Actor};
use anyhow::Context;
use register_sheets::import::{ImportBudget, ImportKind, ImportOptions, SheetLimits, import_file};
use std::{path::PathBuf, process::ExitCode, time::Instant};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub kind: ImportKind,
    /// A .csv or .xlsx file with a header row.
    pub file: PathBuf,
    /// Validate every row, then roll back: nothing is imported.
    #[arg(long)]
    pub dry_run: bool,
    /// Lift every limit on the file (rows, columns, cells, cell length, .xlsx inflation and
    /// memory) for a file you trust; to raise one limit only, give its setting instead
    /// (`--import-max-rows 500000`, `REGISTER_IMPORT_MAX_ROWS`).
    #[arg(long)]
    pub no_limits: bool,
}

pub async fn run(state: &Register, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let (limits, budget) = if args.no_limits {
        (
            SheetLimits::none(),
            ImportBudget::new(u64::MAX, std::time::Duration::ZERO),
        )
    } else {
        (
            SheetLimits::from_config(&state.config),
            ImportBudget::from_config(&state.config),
        )
    };
    let options = ImportOptions {
        dry_run: args.dry_run,
        webhooks: crate::service::webhook_url::WebhookPolicy::of(&state.config),
        sealer: Some(state.dsr.sealer.clone()),
        limits,
        sqlite_path: state.config.sqlite_path(),
        reference: state.reference.clone(),
        listed_on: None,
    };
    let started = Instant::now();
    let outcome = import_file(
        &state.db,
        &Actor::command_line(&state.audit_key),
        args.kind,
        &args.file.to_string_lossy(),
        bytes,
        &options,
        &budget,
    )
    .await;
    let report = match outcome {
        Ok(report) => report,
        Err(AppError::BadInput { message, .. }) => {
            eprintln!("{}: {message}", args.file.display());
            eprintln!("nothing imported (`--no-limits` lifts the limits for a file you trust)");
            return Ok(ExitCode::from(1));
        }
        Err(other) => return Err(AppError::into_cli(other)),
    };
    if !report.errors.is_empty() {
        for error in &report.errors {
            eprintln!("{error}");
        }
        let rows: std::collections::BTreeSet<usize> =
            report.errors.iter().map(|e| e.line).collect();
        eprintln!(
            "{} refused: nothing imported",
            match rows.len() {
                1 => "1 row".to_string(),
                n => format!("{n} rows"),
            }
        );
        return Ok(ExitCode::from(1));
    }
    let elapsed = started.elapsed().as_secs_f64();
    if report.dry_run {
        println!(
            "dry run: {} {} valid, nothing imported ({elapsed:.2}s)",
            report.imported,
            args.kind.name()
        );
    } else {
        println!(
            "imported {} {} ({elapsed:.2}s)",
            report.imported,
            args.kind.name()
        );
        for issued in &report.webhook_secrets {
            println!(
                "webhook secret of {:?} (line {}, organisation {}), shown only now: {}",
                issued.name, issued.line, issued.organisation_id, issued.secret
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
