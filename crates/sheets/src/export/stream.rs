//! Exports read in pages and rendered as they are read: a producer (an async task reading the
//! register [`Source::page`] ids a query) sends the table's head, then its rows a page at a time,
//! then the end, through a bounded channel ([`Out`]); a renderer ([`render`], on a blocking
//! thread) turns them into bytes as they come. Memory holds a few pages, not the register; the
//! first bytes go out once the first page is read. The whole table ([`super::build`]) is the
//! same pieces collected, so both give the same bytes.

use super::{
    ExportKind, ExportOptions,
    render::Renderer,
    table::{Cell, Format, Table, fits},
};
use crate::{
    domain::reference::LegalReference,
    error::{AppError, AppResult},
};
use chrono::NaiveDate;
use register_service::verdicts::{Assessed, VerdictCache};
use sea_orm::DatabaseConnection;
use std::{io::Write, sync::Arc};
use tokio::sync::mpsc;

/// Ids a query at most: under SQLite's bound-parameter limit (999 in older builds).
pub const PAGE: usize = 900;

/// Pages in flight between the producer and the renderer.
const PAGES_IN_FLIGHT: usize = 2;

/// What a producer sends.
#[derive(Debug)]
pub enum Piece {
    /// The table without rows: its columns, its note when empty, its cover and notes.
    Head(Box<Table>),
    /// The next rows, in order.
    Rows(Vec<Vec<Cell>>),
    /// Every row was sent: without it, the renderer does not finish the file.
    End,
}

/// Where an export reads from.
pub struct Source<'a> {
    pub db: &'a DatabaseConnection,
    pub reference: &'a LegalReference,
    /// Today's verdicts kept by the service (the command line keeps none: it judges once).
    pub verdicts: Option<&'a VerdictCache>,
    /// Ids a query (see [`PAGE`]).
    pub page: usize,
}

impl Source<'_> {
    /// Every verdict of the register on `on`: today's as kept (brought up to date, complete),
    /// another date's (or without a cache) judged once.
    pub async fn assessed(&self, on: NaiveDate) -> AppResult<Arc<Assessed>> {
        match self.verdicts {
            Some(cache) if on == chrono::Utc::now().date_naive() => {
                cache.get(self.db, self.reference, on).await
            }
            _ => Ok(Arc::new(
                Assessed::compute(self.db, self.reference, on).await?,
            )),
        }
    }

    /// Ids a query, at least one.
    pub fn page(&self) -> usize {
        self.page.max(1)
    }
}

/// The producer's end of the channel: rows are gathered and sent a page at a time.
pub struct Out {
    tx: mpsc::Sender<AppResult<Piece>>,
    rows: Vec<Vec<Cell>>,
}

/// A producer's end and a renderer's end.
pub fn channel() -> (Out, mpsc::Receiver<AppResult<Piece>>) {
    let (tx, rx) = mpsc::channel(PAGES_IN_FLIGHT);
    (
        Out {
            tx,
            rows: Vec::new(),
        },
        rx,
    )
}

impl Out {
    async fn send(&self, piece: AppResult<Piece>) -> AppResult<()> {
        self.tx
            .send(piece)
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("the export's reader went away")))
    }

    /// Sends the table's head (rows, if any, are ignored: send them with [`Out::push`]).
    pub async fn head(&mut self, mut head: Table) -> AppResult<()> {
        let rows = std::mem::take(&mut head.rows);
        self.send(Ok(Piece::Head(Box::new(head)))).await?;
        for row in rows {
            self.push(row);
        }
        self.flush().await
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Sends the rows gathered so far: the end of a page.
    pub async fn flush(&mut self) -> AppResult<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        self.send(Ok(Piece::Rows(rows))).await
    }
}

/// Produces the export `kind` into `out`: its head, its rows page by page, its end; or the
/// error that stopped it (a refusal comes before the head).
pub async fn run(source: &Source<'_>, kind: ExportKind, options: ExportOptions, mut out: Out) {
    let produced = async {
        super::produce(source, kind, options, &mut out).await?;
        out.flush().await
    }
    .await;
    // The reader gone, nothing is left to tell.
    let _ = out
        .send(match produced {
            Ok(()) => Ok(Piece::End),
            Err(e) => Err(e),
        })
        .await;
}

/// Renders the pieces of `rx` in `format` to `out` as they come; blocks, so runs on a blocking
/// thread. The producer's error (a refusal before the head) is returned as it is; nothing is
/// written to `out` before the head.
pub fn render(
    rx: &mut mpsc::Receiver<AppResult<Piece>>,
    format: Format,
    out: &mut (impl Write + Send),
) -> AppResult<()> {
    let stopped = || AppError::internal(anyhow::anyhow!("the export stopped before its end"));
    let head = match rx.blocking_recv() {
        Some(Ok(Piece::Head(head))) => head,
        Some(Err(e)) => return Err(e),
        _ => return Err(stopped()),
    };
    let mut renderer = Renderer::start(&head, format, out).map_err(AppError::Internal)?;
    let mut rows = 0;
    loop {
        match rx.blocking_recv().ok_or_else(stopped)?? {
            Piece::Rows(page) => {
                rows += page.len();
                if !fits(format, rows) {
                    return Err(too_many(rows));
                }
                renderer
                    .rows(page.iter().map(Vec::as_slice))
                    .map_err(AppError::Internal)?;
            }
            Piece::End => break,
            Piece::Head(_) => return Err(stopped()),
        }
    }
    renderer.finish(&head).map_err(AppError::Internal)
}

/// The refusal of an XLSX answer with more rows than a worksheet holds (its bytes go out only
/// once every row is rendered, so it is refused before the answer starts).
pub fn too_many(rows: usize) -> AppError {
    AppError::bad_input(
        "format",
        format!(
            "{rows} rows or more do not fit in one worksheet (1,048,575 rows at most): ask for CSV or JSON"
        ),
    )
}

/// Collects the pieces of `rx` into the whole table.
pub async fn collect(mut rx: mpsc::Receiver<AppResult<Piece>>) -> AppResult<Table> {
    let stopped = || AppError::internal(anyhow::anyhow!("the export stopped before its end"));
    let mut table = match rx.recv().await {
        Some(Ok(Piece::Head(head))) => *head,
        Some(Err(e)) => return Err(e),
        _ => return Err(stopped()),
    };
    loop {
        match rx.recv().await.ok_or_else(stopped)?? {
            Piece::Rows(rows) => table.rows.extend(rows),
            Piece::End => return Ok(table),
            Piece::Head(_) => return Err(stopped()),
        }
    }
}

/// Consecutive runs of `items` each naming at most `page` distinct flows (items of one flow are
/// next to each other): one query of flows per run.
pub fn runs_by_flow<T>(
    items: &[T],
    flow: impl Fn(&T) -> Option<i64>,
    page: usize,
) -> impl Iterator<Item = &[T]> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= items.len() {
            return None;
        }
        let mut flows = 0;
        let mut last = None;
        let mut end = start;
        while end < items.len() {
            let id = flow(&items[end]);
            if id != last {
                if flows == page.max(1) {
                    break;
                }
                flows += 1;
                last = id;
            }
            end += 1;
        }
        let run = &items[start..end];
        start = end;
        Some(run)
    })
}
