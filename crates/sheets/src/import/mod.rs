//! Importing spreadsheets: organisations, locations, processing activities and data flows from a
//! CSV or XLSX file, each row validated by the same service functions as the GraphQL mutations,
//! all rows in one transaction: one bad row and nothing is imported; every bad row is reported
//! by line and column. A dry run validates the same way and rolls back.
//!
//! A dry run on SQLite runs on a private copy of the register's records (see [`scratch`]), so
//! it never holds the single writer; a dry run on PostgreSQL, and every real import, run in a
//! transaction of the register itself.
//!
//! The services check a row before they write it, so a refused row leaves the transaction
//! usable and the following rows are still checked (no savepoint per row: on PostgreSQL,
//! thousands of subtransactions slow every statement down).

mod columns;
pub mod dpf;
pub mod limits;
mod rows;
mod scratch;
pub mod sheet;

use crate::{
    audit::{self, Actor},
    domain::dsr::seal::Sealer,
    error::{AppError, AppResult},
};
pub use limits::{ImportBudget, SheetLimits};
use sea_orm::{DatabaseConnection, TransactionTrait};
pub use sheet::Sheet;
use sheet::{Format, SheetError};

/// The most characters of a cell or header an error message quotes.
const EXCERPT_CHARS: usize = 60;
/// The most characters of one refusal's message and column (a service's message may quote a
/// cell too).
const MESSAGE_CHARS: usize = 300;

/// `text` as a refusal quotes it: in double quotes with control and invisible characters
/// escaped, cut to [`EXCERPT_CHARS`] characters and an ellipsis.
pub fn excerpt(text: &str) -> String {
    format!("{:?}", cut(text, EXCERPT_CHARS))
}

fn cut(text: &str, chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportKind {
    Organisations,
    Locations,
    Activities,
    Flows,
    /// The Data Privacy Framework participant list, as a dated snapshot (see [`dpf`]).
    #[value(name = "dpf-list")]
    DpfList,
}

impl ImportKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Organisations => "organisations",
            Self::Locations => "locations",
            Self::Activities => "activities",
            Self::Flows => "flows",
            Self::DpfList => "dpf-list",
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
    /// A refusal; a long column name (a header cell) or message is cut short, so no refusal
    /// echoes a large part of the file back.
    pub fn new(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        Self {
            line,
            field: cut(&field, EXCERPT_CHARS).into_owned(),
            message: cut(&message, MESSAGE_CHARS).into_owned(),
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
    pub webhooks: crate::webhook_url::WebhookPolicy,
    /// Seals the webhook secret each imported organisation with a webhook URL is given, so its
    /// first erasure request is signed; without it (tests of parsing alone) none is issued.
    pub sealer: Option<Sealer>,
    /// What the file may hold.
    pub limits: SheetLimits,
    /// The SQLite register's file, where the service runs on SQLite: a dry run then checks the
    /// file against a private copy of the register's records, not on the single writer.
    pub sqlite_path: Option<std::path::PathBuf>,
    /// The legal reference in force: an organisation's `international_organisation` must be one
    /// of its organisations.
    pub reference: std::sync::Arc<crate::domain::reference::LegalReference>,
    /// For the DPF list: the day it was downloaded, the snapshot's date (default today).
    pub listed_on: Option<chrono::NaiveDate>,
}

/// Reads `bytes` (by `file_name`'s extension) and imports its rows of `kind`.
///
/// The file's share of `budget` is reserved first (refused as busy when the imports running
/// hold it); it is parsed on the blocking pool, never on the runtime's threads, within
/// `options.limits`. A file beyond a limit is refused whole: `BAD_USER_INPUT` on `content`.
///
/// The future is boxed here so that the import's code is compiled once, in this crate: a release
/// build compiles an `async fn`'s body in the crate that awaits it, and both the command line and
/// the GraphQL layer import files.
pub fn import_file<'a>(
    db: &'a DatabaseConnection,
    actor: &'a Actor,
    kind: ImportKind,
    file_name: &'a str,
    bytes: Vec<u8>,
    options: &'a ImportOptions,
    budget: &'a ImportBudget,
) -> register_service::Boxed<'a, AppResult<ImportReport>> {
    Box::pin(read_and_import(
        db, actor, kind, file_name, bytes, options, budget,
    ))
}

async fn read_and_import(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ImportKind,
    file_name: &str,
    bytes: Vec<u8>,
    options: &ImportOptions,
    budget: &ImportBudget,
) -> AppResult<ImportReport> {
    let refused = |error: RowError| ImportReport {
        imported: 0,
        dry_run: options.dry_run,
        errors: vec![error],
        webhook_secrets: Vec::new(),
    };
    let format = match Format::of(file_name) {
        Ok(format) => format,
        Err(SheetError::Unreadable(error)) => return Ok(refused(error)),
        Err(SheetError::TooLarge(message)) => return Err(AppError::bad_input("content", message)),
    };
    let limits = options.limits;
    let bytes = std::sync::Arc::new(bytes);
    let size = bytes.len() as u64;
    // What parsing holds beside the file: for CSV its cells (the text again, and a string per
    // cell); for XLSX what its entries inflate to (calamine keeps the shared strings) and the
    // cells made of it.
    let estimate = match format {
        Format::Csv => size.saturating_mul(3),
        Format::Xlsx => {
            let file = bytes.clone();
            let inflated = blocking(move || sheet::declared_inflated_bytes(&file, &limits)).await?;
            match inflated {
                Ok(inflated) => size.saturating_add(inflated.saturating_mul(2)),
                Err(SheetError::Unreadable(error)) => return Ok(refused(error)),
                Err(SheetError::TooLarge(message)) => {
                    return Err(AppError::bad_input("content", message));
                }
            }
        }
    };
    let share = budget.reserve("content", estimate).await?;
    let name = file_name.to_string();
    let file = bytes.clone();
    // The share goes with the parse: a request dropped meanwhile (a timeout) leaves the parse
    // running on the blocking pool, still counted, until it ends.
    let (read, _share) = blocking(move || (sheet::read(&name, &file, &limits), share)).await?;
    let sheet = match read {
        Ok(sheet) => sheet,
        Err(SheetError::Unreadable(error)) => return Ok(refused(error)),
        Err(SheetError::TooLarge(message)) => return Err(AppError::bad_input("content", message)),
    };
    drop(bytes);
    if kind == ImportKind::DpfList {
        return dpf::import(db, actor, file_name, &sheet, options).await;
    }
    import(db, actor, kind, &sheet, options).await
}

/// Runs CPU-bound work on the blocking pool.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("reading the file failed: {e}")))
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
    if kind == ImportKind::DpfList {
        return dpf::import(db, actor, "", sheet, options).await;
    }
    let columns = match columns::Columns::of(kind, &sheet.header) {
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
    let copy = match (&options.sqlite_path, options.dry_run) {
        (Some(path), true) => Some(scratch::copy_of(path).await?),
        _ => None,
    };
    let db = copy.as_ref().unwrap_or(db);
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
    if let Some(copy) = copy {
        let _ = copy.close().await;
    }
    Ok(ImportReport {
        imported: if errors.is_empty() { imported } else { 0 },
        dry_run: options.dry_run,
        errors,
        webhook_secrets,
    })
}
