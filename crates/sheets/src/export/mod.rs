//! Exports: the record of processing (Art 30(1), or a processor's under Art 30(2)), the transfer
//! register, the compliance gaps, the transfers a what-if question would make fail, and the register's own tables in the shape the import reads
//! (so an export imported into an empty register gives the same register).
//!
//! Each export is produced as the head of a [`Table`] and its rows a page at a time ([`stream`]):
//! the service renders them as they come (CSV, JSON or XLSX) and the command line too; [`build`]
//! collects them into the whole table. The verdicts are read from one judgement of the register
//! (today's as the service keeps them); flows, activities and organisations are read by id, a
//! page at a time.

mod due;
mod gap_names;
mod names;
mod processor;
mod render;
mod ropa;
pub mod sheets;
pub mod stream;
pub mod subprocessors;
pub mod table;
pub mod templates;
mod transfers;
mod what_if;
pub mod words;

use crate::{
    domain::{dates, reference::LegalReference},
    error::{AppError, AppResult},
};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
pub use stream::{PAGE, Source};
pub use table::{Cell, Format, Table};
pub use what_if::WhatIfQuestion;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    /// The record of processing activities (Art 30(1)); with a processor, its Art 30(2) record.
    Ropa,
    /// The transfer register: every restricted transfer and its verdict.
    Transfers,
    /// The compliance gaps: one row per problem of each transfer.
    Gaps,
    /// Organisations, in the import's columns.
    Organisations,
    /// Locations, in the import's columns.
    Locations,
    /// Processing activities, in the import's columns.
    Activities,
    /// Data flows, in the import's columns.
    Flows,
    /// The transfers that would fail if a mechanism or an adequacy decision stopped on a date.
    #[value(name = "whatif")]
    WhatIf,
    /// The Art 30(2) record of what group companies process for controllers (one with
    /// `processor`).
    #[value(name = "processor-record")]
    ProcessorRecord,
    /// What is overdue or due within 30 days of `on` (contracts, assessments, DPF entries, data
    /// subject requests), soonest first.
    Due,
}

impl ExportKind {
    /// From a URL's file stem (`ropa`, `transfers`, ...).
    pub fn parse(value: &str) -> Option<Self> {
        <Self as clap::ValueEnum>::from_str(value, true).ok()
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Ropa => "ropa",
            Self::Transfers => "transfers",
            Self::Gaps => "gaps",
            Self::Organisations => "organisations",
            Self::Locations => "locations",
            Self::Activities => "activities",
            Self::Flows => "flows",
            Self::WhatIf => "whatif",
            Self::ProcessorRecord => "processor-record",
            Self::Due => "due",
        }
    }
}

/// The options of an export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The date the transfer verdicts are given for.
    pub on: NaiveDate,
    /// For `Ropa` and `ProcessorRecord`: the processor whose Art 30(2) record is wanted.
    pub processor: Option<i64>,
    /// For `Ropa`: the group company whose Art 30(1) record is wanted (every one without).
    pub controller: Option<i64>,
    /// For `WhatIf`: the question (required there).
    pub what_if: Option<WhatIfQuestion>,
}

impl ExportOptions {
    /// Refuses dates as the GraphQL API does (one rule for every entrance,
    /// [`crate::domain::dates`]): `on` within the days a verdict can be given for, as the
    /// transfer register's `on`; `endsOn` within the `Date` scalar's bounds, as `whatIf`'s.
    pub fn check(&self) -> AppResult<()> {
        if !dates::judgeable(self.on) {
            return Err(AppError::bad_input("on", dates::unjudgeable("on")));
        }
        if let Some(question) = &self.what_if
            && !dates::within_bounds(question.ends_on)
        {
            return Err(AppError::bad_input(
                "endsOn",
                dates::refusal("endsOn", &question.ends_on.to_string()),
            ));
        }
        Ok(())
    }
}

/// Builds the export `kind` of the register whole (the rows the service streams, collected).
pub async fn build(
    db: &DatabaseConnection,
    reference: &LegalReference,
    kind: ExportKind,
    options: ExportOptions,
) -> AppResult<Table> {
    let source = Source {
        db,
        reference,
        verdicts: None,
        page: PAGE,
    };
    build_from(&source, kind, options).await
}

/// [`build`] from `source` (its page size, its kept verdicts).
pub async fn build_from(
    source: &Source<'_>,
    kind: ExportKind,
    options: ExportOptions,
) -> AppResult<Table> {
    let (out, rx) = stream::channel();
    let ((), table) = tokio::join!(stream::run(source, kind, options, out), stream::collect(rx));
    table
}

/// Produces the export `kind` into `out` (see [`stream::run`]).
async fn produce(
    source: &Source<'_>,
    kind: ExportKind,
    options: ExportOptions,
    out: &mut stream::Out,
) -> AppResult<()> {
    options.check()?;
    let on = options.on;
    match kind {
        ExportKind::Ropa => match options.processor {
            Some(processor) => processor::processor_record(source, Some(processor), on, out).await,
            None => ropa::controller_record(source, options.controller, on, out).await,
        },
        ExportKind::ProcessorRecord => {
            processor::processor_record(source, options.processor, on, out).await
        }
        ExportKind::Transfers => transfers::transfers(source, on, out).await,
        ExportKind::Gaps => transfers::gaps(source, on, out).await,
        ExportKind::Organisations => out.head(sheets::organisations(source.db).await?).await,
        ExportKind::Locations => out.head(sheets::locations(source.db).await?).await,
        ExportKind::Activities => out.head(sheets::activities(source.db).await?).await,
        ExportKind::Flows => out.head(sheets::flows(source.db).await?).await,
        ExportKind::Due => out.head(due::due(source, on).await?).await,
        ExportKind::WhatIf => match &options.what_if {
            Some(question) => {
                out.head(what_if::what_if(source, question, on).await?)
                    .await
            }
            None => Err(AppError::bad_input(
                "endsOn",
                "the whatif export needs endsOn and a mechanism or a decision",
            )),
        },
    }
}
