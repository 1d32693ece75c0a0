//! `transfer-register subjects import`: subjects from a CSV file, registered in batches of
//! [`MAX_BULK`] (one transaction each), so a file of millions neither holds the writer for long
//! nor needs to fit in one transaction.
//!
//! Columns: `email,phone,account_number,activity_ids` (header first); empty cells are absent
//! identifiers; activity ids are separated by `;`. The `csv` crate reads the file, so quoted
//! cells work as in any spreadsheet's CSV.
//!
//! The file may have millions of lines, so the spreadsheet import's row and cell counts do not
//! apply; its limit on one cell does (`REGISTER_IMPORT_MAX_CELL_CHARS`, lifted by
//! `--no-limits`), and with it a bound on how much of the file one record may span while it is
//! read: see [`Ceiling`].

use crate::{
    audit::Actor,
    error::{AppError, AppResult},
    import::limits::{long_cell, too_many_chars},
    subjects::{self, MAX_BULK, NewSubject, Quoted, SubjectKeys},
};
use sea_orm::DatabaseConnection;
use std::io::Read;

const HEADER: [&str; 4] = ["email", "phone", "account_number", "activity_ids"];

/// One CSV record as a registration; `line` (1-based) names it in refusals.
pub fn parse_record(line: usize, record: &csv::StringRecord) -> AppResult<NewSubject> {
    if record.len() != HEADER.len() {
        return Err(AppError::bad_input(
            format!("line {line}"),
            format!("expected {} cells: {}", HEADER.len(), HEADER.join(",")),
        ));
    }
    let cell = |i: usize| record.get(i).filter(|c| !c.is_empty()).map(str::to_string);
    Ok(NewSubject {
        identifiers: Quoted {
            email: cell(0),
            phone: cell(1),
            account_number: cell(2),
        },
        activity_ids: record
            .get(3)
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| register_service::validate::id("activity_ids", a))
            .collect::<AppResult<_>>()
            .map_err(|e| AppError::bad_input(format!("line {line}"), e.to_string()))?,
        linked_on: None,
    })
}

/// Imports every record; returns how many subjects were registered. Stops at the first refused
/// batch, naming the line; earlier batches stay committed. A cell may hold at most
/// `max_cell_chars` characters (`usize::MAX` for a file the operator trusts).
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &SubjectKeys,
    reader: impl Read,
    max_cell_chars: usize,
) -> anyhow::Result<usize> {
    let mut records = Records::new(reader, max_cell_chars);
    let mut record = csv::StringRecord::new();
    if !records.next(&mut record)? || !record.iter().eq(HEADER.iter().copied()) {
        anyhow::bail!("the first line must be the header {}", HEADER.join(","));
    }
    let mut batch: Vec<(usize, NewSubject)> = Vec::with_capacity(MAX_BULK);
    let mut done = 0;
    while records.next(&mut record)? {
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        batch.push((line, parse_record(line, &record).map_err(refusal)?));
        if batch.len() == MAX_BULK {
            done += flush(db, actor, keys, &mut batch).await?;
        }
    }
    done += flush(db, actor, keys, &mut batch).await?;
    Ok(done)
}

/// The file's records, each within its bounds: a record may span at most
/// [`max_record_bytes`] of the file, and a cell hold at most `max_cell_chars` characters.
struct Records<R> {
    csv: csv::Reader<Ceiling<R>>,
    span: u64,
    max_cell_chars: usize,
}

impl<R: Read> Records<R> {
    fn new(reader: R, max_cell_chars: usize) -> Self {
        let span = max_record_bytes(max_cell_chars);
        let csv = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .has_headers(false)
            .from_reader(Ceiling {
                inner: reader,
                delivered: 0,
                ends_at: span,
            });
        Self {
            csv,
            span,
            max_cell_chars,
        }
    }

    /// Reads the next record into `record`; `false` at the end of the file.
    fn next(&mut self, record: &mut csv::StringRecord) -> anyhow::Result<bool> {
        let line = self.csv.position().line();
        match self.csv.read_record(record) {
            Ok(more) => {
                // The next record starts where this one ended.
                let next = self.csv.position().byte().saturating_add(self.span);
                self.csv.get_mut().ends_at = next;
                let max = self.max_cell_chars;
                if let Some(column) = record.iter().position(|cell| too_many_chars(cell, max)) {
                    let line = record.position().map_or(line, csv::Position::line);
                    anyhow::bail!(long_cell(
                        usize::try_from(line).unwrap_or(usize::MAX),
                        column,
                        max
                    ));
                }
                Ok(more)
            }
            Err(e) if is_ceiling(&e) => anyhow::bail!(
                "line {line}: the record runs past {} bytes: a cell holds more than {} \
                 characters (REGISTER_IMPORT_MAX_CELL_CHARS), or a quote is not closed",
                self.span,
                self.max_cell_chars
            ),
            Err(e) => Err(e.into()),
        }
    }
}

/// The bytes a record may span when each of its cells holds at most `max_cell_chars`
/// characters: four bytes a character at most (a UTF-8 character, or a quote doubled inside
/// quotes), the two quotes around each cell, the commas and the line's end, and room for the
/// spaces trimmed around cells.
fn max_record_bytes(max_cell_chars: usize) -> u64 {
    let cells = HEADER.len() as u64;
    u64::try_from(max_cell_chars)
        .unwrap_or(u64::MAX)
        .saturating_mul(4)
        .saturating_add(2)
        .saturating_mul(cells)
        .saturating_add(cells + 1)
        .saturating_mul(2)
}

/// The file as the CSV reader takes it in, cut off where the record being read would run past
/// its allowed span. The reader's buffers grow with a record, so without this a file of one
/// line of gigabytes, or with a quote never closed, would be held whole in memory before any
/// cell in it could be refused; with it, at most the span and the reader's own buffer are.
struct Ceiling<R> {
    inner: R,
    /// Bytes handed to the CSV reader so far.
    delivered: u64,
    /// Where the current record's span ends, as an offset in the file; moved on after each
    /// record.
    ends_at: u64,
}

/// The error a [`Ceiling`] reports, told apart from the file's own read errors.
#[derive(Debug)]
struct PastCeiling;

impl std::fmt::Display for PastCeiling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record runs past its allowed length")
    }
}

impl std::error::Error for PastCeiling {}

impl<R: Read> Read for Ceiling<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // The CSV reader asks for more only once it has taken in everything delivered, all of
        // it past the current record's start: delivered bytes at the ceiling are a record too
        // long.
        let room = self.ends_at.saturating_sub(self.delivered);
        if room == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                PastCeiling,
            ));
        }
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..take])?;
        self.delivered = self.delivered.saturating_add(n as u64);
        Ok(n)
    }
}

fn is_ceiling(error: &csv::Error) -> bool {
    matches!(error.kind(), csv::ErrorKind::Io(e)
        if e.get_ref().and_then(|inner| inner.downcast_ref::<PastCeiling>()).is_some())
}

async fn flush(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &SubjectKeys,
    batch: &mut Vec<(usize, NewSubject)>,
) -> anyhow::Result<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let inputs: Vec<NewSubject> = batch.iter().map(|(_, s)| s.clone()).collect();
    let result = subjects::register_many(db, actor, keys, &inputs).await;
    let lines: Vec<usize> = batch.drain(..).map(|(l, _)| l).collect();
    match result {
        Ok(ids) => Ok(ids.len()),
        Err(AppError::BadInput { field, message }) => {
            // `inputs[3].email` -> `line 42: email`.
            let (at, rest) = field
                .strip_prefix("inputs[")
                .and_then(|f| f.split_once("]."))
                .and_then(|(i, rest)| Some((lines.get(i.parse::<usize>().ok()?)?, rest)))
                .map_or((None, field.as_str()), |(l, r)| (Some(*l), r));
            match at {
                Some(line) => anyhow::bail!("line {line}: {rest}: {message}"),
                None => anyhow::bail!("{rest}: {message}"),
            }
        }
        Err(other) => Err(refusal(other)),
    }
}

fn refusal(err: AppError) -> anyhow::Error {
    err.into_cli()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;
    use std::sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    };

    fn record(line: &str) -> csv::StringRecord {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(line.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
    }

    #[test]
    fn a_record_becomes_a_registration_with_its_activities() {
        let s = parse_record(2, &record(" a@example.com ,,ACC-1, 3;4 ")).unwrap();
        assert_eq!(s.identifiers.email.as_deref(), Some("a@example.com"));
        assert_eq!(s.identifiers.phone, None);
        assert_eq!(s.activity_ids, [3, 4]);
    }

    #[test]
    fn quoted_cells_are_read_as_spreadsheets_write_them() {
        let s = parse_record(
            2,
            &record("\"a@example.com\",\"+44 20 7946 0958\",,\"1;2\""),
        )
        .unwrap();
        assert_eq!(s.identifiers.phone.as_deref(), Some("+44 20 7946 0958"));
        assert_eq!(s.activity_ids, [1, 2]);
    }

    #[test]
    fn a_malformed_activity_id_is_refused_with_its_line() {
        match parse_record(9, &record("a@example.com,,,3;x")) {
            Err(AppError::BadInput { field, message }) => {
                assert_eq!(field, "line 9");
                assert!(message.contains("activity_ids"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_short_record_is_refused_with_its_number() {
        match parse_record(7, &record("a@example.com,1")) {
            Err(AppError::BadInput { field, .. }) => assert_eq!(field, "line 7"),
            other => panic!("{other:?}"),
        }
    }

    /// Every record of `text` read with cells of at most `max` characters, or the refusal.
    fn read_all(text: &[u8], max: usize) -> Result<Vec<Vec<String>>, String> {
        let mut records = Records::new(text, max);
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while records.next(&mut record).map_err(|e| e.to_string())? {
            out.push(record.iter().map(str::to_string).collect());
        }
        Ok(out)
    }

    #[test]
    fn records_within_their_bounds_are_read_as_written() {
        let text = "email,phone,account_number,activity_ids\n\n\"a@example.com\",,ACC,1;2\n";
        let rows = read_all(text.as_bytes(), 20).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1], ["a@example.com", "", "ACC", "1;2"]);
    }

    #[test]
    fn a_cell_longer_than_allowed_is_refused_with_its_line_and_column() {
        let text = format!(
            "email,phone,account_number,activity_ids\n,,{},1\n",
            "é".repeat(21)
        );
        let refused = read_all(text.as_bytes(), 20).unwrap_err();
        assert!(refused.starts_with("line 2, column 3:"), "{refused}");
        assert!(
            refused.contains("REGISTER_IMPORT_MAX_CELL_CHARS"),
            "{refused}"
        );
        // Twenty characters of two bytes each are within the limit.
        let text = format!("a,b,c,d\n,,{},1\n", "é".repeat(20));
        assert!(read_all(text.as_bytes(), 20).is_ok());
    }

    /// A reader of `header` and then `fill` for ever, counting what it handed out.
    struct Endless {
        header: &'static [u8],
        fill: u8,
        handed: Arc<AtomicU64>,
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = if self.header.is_empty() {
                buf.fill(self.fill);
                buf.len()
            } else {
                let n = self.header.len().min(buf.len());
                buf[..n].copy_from_slice(&self.header[..n]);
                self.header = &self.header[n..];
                n
            };
            self.handed.fetch_add(n as u64, Ordering::Relaxed);
            Ok(n)
        }
    }

    #[test]
    fn an_endless_line_or_an_unclosed_quote_is_refused_after_a_bounded_read() {
        for (fill, header) in [
            (b'x', &b"email,phone,account_number,activity_ids\n"[..]),
            (b',', &b"email,phone,account_number,activity_ids\n"[..]),
            (b'y', &b"email,phone,account_number,activity_ids\n\""[..]),
        ] {
            let handed = Arc::new(AtomicU64::new(0));
            let mut records = Records::new(
                Endless {
                    header,
                    fill,
                    handed: Arc::clone(&handed),
                },
                100,
            );
            let mut record = csv::StringRecord::new();
            assert!(records.next(&mut record).unwrap());
            let refused = records.next(&mut record).unwrap_err().to_string();
            assert!(
                refused.starts_with("line 2: the record runs past"),
                "{refused}"
            );
            // The record's span and the header, nothing more: not the gigabytes it would go on
            // for.
            assert!(
                handed.load(Ordering::Relaxed) <= max_record_bytes(100) + header.len() as u64,
                "{} bytes read",
                handed.load(Ordering::Relaxed)
            );
        }
    }

    #[test]
    fn without_limits_a_long_cell_is_read() {
        let text = format!("a,b,c,d\n,,{},1\n", "x".repeat(100_000));
        let rows = read_all(text.as_bytes(), usize::MAX).unwrap();
        assert_eq!(rows[1][2].len(), 100_000);
    }
}
