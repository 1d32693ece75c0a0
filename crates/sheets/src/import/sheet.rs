//! Reading a spreadsheet (CSV, or the first worksheet of an XLSX workbook) into text cells,
//! each row with the line number a person sees in their spreadsheet program.
//!
//! Both formats are read as a stream of cells and checked against [`SheetLimits`] cell by
//! cell: a sheet is refused at the first cell beyond a limit, before anything is built for it
//! (a dense grid of the declared range, as `worksheet_range` would make, could be the whole of
//! Excel's 17 billion cells). An .xlsx file's zip entries are checked before calamine inflates
//! them (see [`zip_entries`]).

use super::{
    RowError, excerpt,
    limits::{self, RATIO_FLOOR, SheetLimits},
};
use crate::export::table::csv_unescape;
use chrono::NaiveDate;
use std::{collections::BTreeMap, io::Read};

/// A header row and the rows below it; every cell as trimmed text (dates as YYYY-MM-DD).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub header: Vec<String>,
    /// (line, cells); rows that are entirely empty are left out.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Not a readable file of its format: reported as a refused row (line 0, or the line at
    /// fault), like any other.
    Unreadable(RowError),
    /// Beyond a limit: the whole file is refused (`BAD_USER_INPUT`), naming the limit.
    TooLarge(String),
}

impl From<RowError> for SheetError {
    fn from(error: RowError) -> Self {
        Self::Unreadable(error)
    }
}

/// The format of a file, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn of(file_name: &str) -> Result<Self, SheetError> {
        let extension = std::path::Path::new(file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("xlsx") => Ok(Self::Xlsx),
            _ => Err(RowError::new(
                0,
                "file",
                format!("{} is neither .csv nor .xlsx", excerpt(file_name)),
            )
            .into()),
        }
    }
}

/// Reads the file `file_name` (by its extension) within `limits`.
pub fn read(file_name: &str, bytes: &[u8], limits: &SheetLimits) -> Result<Sheet, SheetError> {
    match Format::of(file_name)? {
        Format::Csv => csv(bytes, limits),
        Format::Xlsx => xlsx(bytes, limits),
    }
}

/// Counts what a sheet holds as its cells arrive, refusing at the first one beyond a limit.
struct Tally<'l> {
    limits: &'l SheetLimits,
    cells: usize,
}

impl<'l> Tally<'l> {
    fn new(limits: &'l SheetLimits) -> Self {
        Self { limits, cells: 0 }
    }

    /// A row's line (1-based, the header's included).
    fn line(&self, line: usize) -> Result<(), SheetError> {
        if line.saturating_sub(1) > self.limits.max_rows {
            return Err(SheetError::TooLarge(format!(
                "line {line}: the sheet has more than {} rows below its header \
                 (REGISTER_IMPORT_MAX_ROWS): split the file",
                self.limits.max_rows
            )));
        }
        Ok(())
    }

    /// A cell in `column` (0-based) of `line`.
    fn column(&self, line: usize, column: usize) -> Result<(), SheetError> {
        if column >= self.limits.max_columns {
            return Err(SheetError::TooLarge(format!(
                "line {line}: the sheet has more than {} columns (REGISTER_IMPORT_MAX_COLUMNS)",
                self.limits.max_columns
            )));
        }
        Ok(())
    }

    /// `more` cells added to the sheet.
    fn cells(&mut self, line: usize, more: usize) -> Result<(), SheetError> {
        self.cells = self.cells.saturating_add(more);
        if self.cells > self.limits.max_cells {
            return Err(SheetError::TooLarge(format!(
                "line {line}: the sheet has more than {} cells (REGISTER_IMPORT_MAX_CELLS): \
                 split the file",
                self.limits.max_cells
            )));
        }
        Ok(())
    }

    /// A cell's text.
    fn text(&self, line: usize, column: usize, text: &str) -> Result<(), SheetError> {
        if limits::too_many_chars(text, self.limits.max_cell_chars) {
            return Err(self.long_cell(line, column));
        }
        Ok(())
    }

    fn long_cell(&self, line: usize, column: usize) -> SheetError {
        SheetError::TooLarge(limits::long_cell(line, column, self.limits.max_cell_chars))
    }
}

/// The CSV reader, field by field (csv-core): a field is copied into a buffer that grows only
/// up to the longest cell allowed, so a 100 MB cell is refused after at most four times
/// `REGISTER_IMPORT_MAX_CELL_CHARS` bytes, and a row or a file too large at its first cell
/// beyond the limit.
fn csv(bytes: &[u8], limits: &SheetLimits) -> Result<Sheet, SheetError> {
    use csv_core::ReadFieldResult;
    let mut reader = csv_core::ReaderBuilder::new().build();
    let mut tally = Tally::new(limits);
    let max_field_bytes = limits.max_cell_chars.saturating_mul(4);
    let mut field = vec![0u8; max_field_bytes.clamp(1, 4096)];
    let mut sheet = Sheet::default();
    let mut input = bytes;
    // Lines are counted as `\n` in the input consumed, as a spreadsheet program numbers them.
    let mut line = 1usize;
    let mut record_line: Option<usize> = None;
    let mut cells: Vec<String> = Vec::new();
    let mut len = 0usize;
    let mut header_seen = false;
    loop {
        let (result, read, written) = reader.read_field(input, &mut field[len..]);
        let consumed = &input[..read];
        if record_line.is_none() {
            // Blank lines before a record are skipped; the record starts after them.
            let blank = consumed
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r' | 0xEF | 0xBB | 0xBF))
                .filter(|b| **b == b'\n')
                .count();
            if read > 0 && consumed.iter().any(|b| !matches!(b, b'\n' | b'\r')) {
                record_line = Some(line + blank);
            }
        }
        #[allow(clippy::naive_bytecount, reason = "a chunk of at most a few kilobytes")]
        let newlines = consumed.iter().filter(|b| **b == b'\n').count();
        line += newlines;
        input = &input[read..];
        len += written;
        match result {
            ReadFieldResult::InputEmpty => {}
            ReadFieldResult::OutputFull => {
                let at = record_line.unwrap_or(line);
                if field.len() >= max_field_bytes {
                    return Err(tally.long_cell(at, cells.len()));
                }
                let grown = field.len().saturating_mul(2).min(max_field_bytes);
                field.resize(grown, 0);
            }
            ReadFieldResult::Field { record_end } => {
                let at = record_line.unwrap_or(line);
                tally.line(at)?;
                tally.column(at, cells.len())?;
                tally.cells(at, 1)?;
                let text = std::str::from_utf8(&field[..len]).map_err(|_| {
                    RowError::new(at, "file", "not readable as CSV: not UTF-8 text")
                })?;
                tally.text(at, cells.len(), text)?;
                cells.push(csv_unescape(text.trim()).to_string());
                len = 0;
                if record_end {
                    let row = std::mem::take(&mut cells);
                    if !header_seen {
                        header_seen = true;
                        sheet.header = row;
                    } else if row.iter().any(|c| !c.is_empty()) {
                        sheet.rows.push((at, row));
                    }
                    record_line = None;
                }
            }
            ReadFieldResult::End => break,
        }
    }
    Ok(sheet)
}

/// The first worksheet of an .xlsx workbook, read cell by cell after its zip entries passed
/// [`zip_entries`]; its declared dimension is checked first.
fn xlsx(bytes: &[u8], limits: &SheetLimits) -> Result<Sheet, SheetError> {
    use calamine::{DataRef, Reader, Xlsx};
    let unreadable = |e: &dyn std::fmt::Display| {
        SheetError::Unreadable(RowError::new(
            0,
            "file",
            format!("not readable as an .xlsx workbook: {e}"),
        ))
    };
    zip_entries(bytes, limits)?;
    let mut workbook: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| RowError::new(0, "file", "the workbook has no worksheet"))?;
    let mut reader = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(&e))?;
    let mut tally = Tally::new(limits);
    // The dimension the sheet declares (`A1:XFD1048576`): a sheet that says it is too large is
    // refused before its first cell is read.
    let declared = reader.dimensions();
    if declared.end != (0, 0) || declared.start != (0, 0) {
        let (last_row, last_col) = declared.end;
        tally.line(last_row as usize + 1)?;
        tally.column(last_row as usize + 1, last_col as usize)?;
    }
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
        let (row, column) = cell.get_position();
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue; // a formatted cell without a value: nothing to build
        }
        let (line, column) = (row as usize + 1, column as usize);
        tally.line(line)?;
        tally.column(line, column)?;
        // Text is checked before it is copied.
        let checked = |s: &str| -> Result<String, SheetError> {
            tally.text(line, column, s)?;
            Ok(s.trim().to_string())
        };
        let text = match value {
            DataRef::Empty => String::new(),
            DataRef::String(s) | DataRef::DurationIso(s) => checked(s)?,
            DataRef::SharedString(s) => checked(s)?,
            DataRef::Int(n) => n.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            DataRef::Float(f) => f.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => d
                .as_datetime()
                .map(|d| d.date().format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            DataRef::DateTimeIso(s) => match s
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            {
                Some(d) => d.format("%Y-%m-%d").to_string(),
                None => checked(s)?,
            },
            DataRef::Error(e) => format!("#{e:?}"),
        };
        let cells = rows.entry(row).or_default();
        if cells.len() <= column {
            tally.cells(line, column + 1 - cells.len())?;
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
    }
    // The first row with a value is the header; line numbers are as the spreadsheet shows them.
    let mut sheet = Sheet::default();
    let mut rows = rows.into_iter();
    if let Some((_, header)) = rows.next() {
        sheet.header = header;
    }
    sheet.rows = rows
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .map(|(row, cells)| (row as usize + 1, cells))
        .collect();
    Ok(sheet)
}

/// The bytes the entries of an .xlsx file declare they inflate to, together; refuses a file
/// whose directory declares too much, or an entry with too high a ratio.
pub fn declared_inflated_bytes(bytes: &[u8], limits: &SheetLimits) -> Result<u64, SheetError> {
    let mut archive = open_zip(bytes)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| zip_unreadable(&e))?;
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        let name = entry.name().map(|n| excerpt(&n)).unwrap_or_default();
        if size > RATIO_FLOOR && size / packed > limits.max_compression_ratio {
            return Err(SheetError::TooLarge(format!(
                "the .xlsx entry {name} would inflate {packed} bytes to {size}, more than \
                 {}:1 (REGISTER_IMPORT_MAX_COMPRESSION_RATIO)",
                limits.max_compression_ratio
            )));
        }
        total = total.saturating_add(size);
        if total > limits.max_inflated_bytes {
            return Err(SheetError::TooLarge(format!(
                "the .xlsx file would inflate to more than {} bytes \
                 (REGISTER_IMPORT_MAX_INFLATED_BYTES)",
                limits.max_inflated_bytes
            )));
        }
    }
    Ok(total)
}

/// Checks every zip entry of an .xlsx file before calamine inflates any: first the sizes its
/// directory declares ([`declared_inflated_bytes`]), then, as a directory may lie, each entry
/// inflated into nothing, stopped one byte past its declared size. A file that passes inflates,
/// when calamine reads it, to no more than the limits allow.
fn zip_entries(bytes: &[u8], limits: &SheetLimits) -> Result<(), SheetError> {
    declared_inflated_bytes(bytes, limits)?;
    let mut archive = open_zip(bytes)?;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| zip_unreadable(&e))?;
        let declared = entry.size();
        let name = entry.name().map(|n| excerpt(&n)).unwrap_or_default();
        let inflated = std::io::copy(
            &mut entry.take(declared.saturating_add(1)),
            &mut std::io::sink(),
        )
        .map_err(|e| zip_unreadable(&e))?;
        if inflated > declared {
            return Err(SheetError::TooLarge(format!(
                "the .xlsx entry {name} inflates to more than the {declared} bytes it declares"
            )));
        }
    }
    Ok(())
}

fn open_zip(bytes: &[u8]) -> Result<zip::ZipArchive<std::io::Cursor<&[u8]>>, SheetError> {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| zip_unreadable(&e))
}

fn zip_unreadable(e: &dyn std::fmt::Display) -> SheetError {
    SheetError::Unreadable(RowError::new(
        0,
        "file",
        format!("not readable as an .xlsx workbook: {e}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SheetLimits {
        SheetLimits {
            max_rows: 3,
            max_columns: 4,
            max_cells: 12,
            max_cell_chars: 10,
            max_inflated_bytes: 1 << 20,
            max_compression_ratio: 100,
        }
    }

    #[test]
    fn csv_lines_are_those_a_spreadsheet_shows_and_blank_rows_are_left_out() {
        let sheet = csv(
            b"\xEF\xBB\xBFa,b\n\n1,\"two\nlines\"\n , \n3,'=x\r\n",
            &SheetLimits::none(),
        )
        .expect("read");
        assert_eq!(sheet.header, ["a", "b"]);
        assert_eq!(
            sheet.rows,
            [
                (3, vec!["1".to_string(), "two\nlines".to_string()]),
                (6, vec!["3".to_string(), "=x".to_string()])
            ]
        );
    }

    #[test]
    fn csv_beyond_a_limit_is_refused_at_its_first_cell_beyond() {
        let refused = |text: &str| match csv(text.as_bytes(), &limits()) {
            Err(SheetError::TooLarge(message)) => message,
            other => panic!("{text:?} accepted: {other:?}"),
        };
        assert!(refused("a\n1\n2\n3\n4\n").starts_with("line 5: "));
        assert!(refused("a,b,c,d,e\n").contains("more than 4 columns"));
        assert!(refused("a,b,c,d\n1,2,3,4\n1,2,3,4\n1\n").contains("more than 12 cells"));
        assert!(refused(&format!("a\n{}\n", "x".repeat(11))).contains("10 characters"));
        assert!(refused(&format!("a\n\"{}\"\n", "é".repeat(100))).contains("line 2, column 1"));
        assert!(csv(format!("a\n{}\n", "é".repeat(10)).as_bytes(), &limits()).is_ok());
    }
}
