//! Importing spreadsheets: organisations, locations, processing activities and data flows from a
//! CSV or XLSX file, each row validated by the same service functions as the GraphQL mutations,
//! all rows in one transaction: one bad row and nothing is imported; every bad row is reported
//! by line and column. A dry run validates the same way and rolls back.
//!
//! The services check a row before they write it, so a refused row leaves the transaction
//! usable and the following rows are still checked (no savepoint per row: on PostgreSQL,
//! thousands of subtransactions slow every statement down).

pub mod cli;
mod rows;
pub mod sheet;

use crate::{
    domain::dsr::seal::Sealer,
    error::AppResult,
    service::audit::{self, Actor},
};
use sea_orm::{DatabaseConnection, TransactionTrait};
pub use sheet::Sheet;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportKind {
    Organisations,
    Locations,
    Activities,
    Flows,
}

impl ImportKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Organisations => "organisations",
            Self::Locations => "locations",
            Self::Activities => "activities",
            Self::Flows => "flows",
        }
    }
}

/// One refused row (or the file itself, on line 0 or the header's line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    /// The spreadsheet column at fault.
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// The outcome of an import: how many rows were imported (or would be, on a dry run) and every
/// refused row. Nothing is imported when `errors` is not empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    pub dry_run: bool,
    pub errors: Vec<RowError>,
    /// The webhook secrets issued to imported organisations with an erasure webhook URL, in the
    /// file's order; only for an import that committed. They are never shown again.
    pub webhook_secrets: Vec<IssuedSecret>,
}

/// A webhook secret issued to an organisation an import created.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedSecret {
    /// The file's line of the organisation's row.
    pub line: usize,
    pub organisation_id: i64,
    pub name: String,
    pub secret: String,
}

impl std::fmt::Debug for IssuedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedSecret")
            .field("line", &self.line)
            .field("organisation_id", &self.organisation_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What an import needs beside the file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub webhooks: crate::service::webhook_url::WebhookPolicy,
    /// Seals the webhook secret each imported organisation with a webhook URL is given, so its
    /// first erasure request is signed; without it (tests of parsing alone) none is issued.
    pub sealer: Option<Sealer>,
}

/// Reads `bytes` (by `file_name`'s extension) and imports its rows of `kind`.
pub async fn import_file(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ImportKind,
    file_name: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> AppResult<ImportReport> {
    match sheet::read(file_name, bytes) {
        Ok(sheet) => import(db, actor, kind, &sheet, options).await,
        Err(error) => Ok(ImportReport {
            imported: 0,
            dry_run: options.dry_run,
            errors: vec![error],
            webhook_secrets: Vec::new(),
        }),
    }
}

/// Imports the rows of `sheet` in one transaction; commits only when every row passed and this
/// is not a dry run.
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ImportKind,
    sheet: &Sheet,
    options: &ImportOptions,
) -> AppResult<ImportReport> {
    let columns = match rows::Columns::of(kind, &sheet.header) {
        Ok(columns) => columns,
        Err(errors) => {
            return Ok(ImportReport {
                imported: 0,
                dry_run: options.dry_run,
                errors,
                webhook_secrets: Vec::new(),
            });
        }
    };
    let txn = db.begin().await?;
    // The import's events are written together at the end (same chain, same transaction).
    let actor = actor.batched();
    let mut importer = rows::Importer::new(&txn, &actor, options, columns).await?;
    let (imported, mut errors) = importer.run(kind, &sheet.rows).await?;
    let mut webhook_secrets = importer.into_secrets();
    errors.sort_by_key(|e| e.line);
    if errors.is_empty() && !options.dry_run {
        audit::flush(&txn, &actor).await?;
        txn.commit().await?;
    } else {
        txn.rollback().await?;
        // Their organisations were rolled back: the secrets name nothing.
        webhook_secrets.clear();
    }
    webhook_secrets.sort_by_key(|s| s.line);
    Ok(ImportReport {
        imported: if errors.is_empty() { imported } else { 0 },
        dry_run: options.dry_run,
        errors,
        webhook_secrets,
    })
}
