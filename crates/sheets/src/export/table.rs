//! A table of typed cells and its three renderings: CSV, JSON (an array of objects) and XLSX
//! (a header row, frozen panes, column widths, dates as dates).
//!
//! Every rendering writes row by row to any writer, the spreadsheet included (its worksheet is
//! kept in a temporary file, not in memory): a large export streams out as it is written, and
//! the rendering never holds a second copy of the register in memory.

use super::render::Renderer;
use chrono::NaiveDate;
use std::io::Write;

/// One cell; dates stay dates so the spreadsheet can sort and filter them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Date(NaiveDate),
    Int(i64),
    Bool(bool),
    /// A value of a vocabulary: its words in CSV and XLSX, its code in JSON.
    Coded {
        code: String,
        words: String,
    },
    Empty,
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        let value = value.into();
        if value.is_empty() {
            Self::Empty
        } else {
            Self::Text(value)
        }
    }

    pub fn opt_text(value: Option<&str>) -> Self {
        value.map_or(Self::Empty, Self::text)
    }

    pub fn opt_date(value: Option<NaiveDate>) -> Self {
        value.map_or(Self::Empty, Self::Date)
    }

    /// The cell as CSV writes it (and the import reads it back): text neutralised by
    /// [`csv_safe`].
    pub fn csv(&self) -> String {
        match self {
            Self::Text(t) | Self::Coded { words: t, .. } => csv_safe(t).into_owned(),
            other => other.plain(),
        }
    }

    /// The cell as text.
    pub fn plain(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Coded { words, .. } => words.clone(),
            Self::Date(d) => d.format("%Y-%m-%d").to_string(),
            Self::Int(n) => n.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Empty => String::new(),
        }
    }

    pub(super) fn json(&self) -> serde_json::Value {
        match self {
            Self::Int(n) => (*n).into(),
            Self::Bool(b) => (*b).into(),
            Self::Empty => serde_json::Value::Null,
            Self::Coded { code, .. } => code.clone().into(),
            other => other.plain().into(),
        }
    }
}

/// The first characters that make a spreadsheet program read a CSV cell as a formula (`=`, `+`,
/// `-`, `@`) or that it skips before looking for one (tab, carriage return).
const FORMULA_TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

fn needs_quote_prefix(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_TRIGGERS)
}

/// A text cell as every CSV the service writes holds it: one that a spreadsheet program would
/// run as a formula (`=cmd|' /C calc'!A0`, `+1`, `@SUM(1)`) is written after a single quote,
/// which shows it as text. A cell already starting with quotes before such a character gets
/// one more, so [`csv_unescape`] gives every cell back exactly (exports import unchanged).
pub fn csv_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote_prefix(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The inverse of [`csv_safe`], for the import of a CSV file.
pub fn csv_unescape(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if needs_quote_prefix(rest) => rest,
        _ => text,
    }
}

/// A column: its name (the JSON key), its header in CSV and XLSX and its width in the
/// spreadsheet (characters).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub words: &'static str,
    pub width: f64,
}

/// A column whose header is its name in every format (the import's columns).
pub const fn col(name: &'static str, width: f64) -> Column {
    Column {
        name,
        words: name,
        width,
    }
}

/// A column a person reads: `words` heads it in CSV and XLSX, `name` keys it in JSON.
pub const fn said(name: &'static str, words: &'static str, width: f64) -> Column {
    Column { name, words, width }
}

/// The file formats an export can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

impl Format {
    /// From a file extension or a `--format` value.
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The rows of one worksheet, the header row included.
const XLSX_MAX_ROWS: usize = 1_048_576;

#[derive(Debug, Clone)]
pub struct Table {
    /// The worksheet's name (at most 31 characters).
    pub title: &'static str,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// What the CSV and XLSX renderings say in place of rows when there are none (JSON: `[]`).
    pub empty: Option<String>,
    /// A first worksheet of the XLSX rendering: label and value, one a row (the controller's
    /// block of a record of processing).
    pub cover: Option<(&'static str, Vec<(String, Cell)>)>,
    /// A last worksheet of the XLSX rendering, label and value a row (a template's columns
    /// described).
    pub notes: Option<(&'static str, Vec<(String, Cell)>)>,
}

impl Table {
    pub fn new(title: &'static str, columns: &[Column]) -> Self {
        Self {
            title,
            columns: columns.to_vec(),
            rows: Vec::new(),
            empty: None,
            cover: None,
            notes: None,
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Renders the table in `format` to `out`.
    pub fn write(&self, format: Format, out: &mut (impl Write + Send)) -> anyhow::Result<()> {
        let mut renderer = Renderer::start(self, format, out)?;
        renderer.rows(self.rows.iter().map(Vec::as_slice))?;
        renderer.finish(self)
    }

    /// Whether the table fits in `format`: a worksheet holds at most 1,048,576 rows, the
    /// header included. Checked before an answer starts, as a failure midway cannot be reported.
    pub fn fits(&self, format: Format) -> bool {
        fits(format, self.rows.len())
    }
}

/// Whether `rows` rows fit in `format` (see [`Table::fits`]).
pub fn fits(format: Format, rows: usize) -> bool {
    format != Format::Xlsx || rows < XLSX_MAX_ROWS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worksheet_holds_a_million_rows_and_a_header_and_csv_has_no_limit() {
        let mut table = Table::new("t", &[]);
        table.rows = vec![Vec::new(); XLSX_MAX_ROWS - 1];
        assert!(
            table.fits(Format::Xlsx),
            "1,048,575 rows and the header fit"
        );
        table.rows.push(Vec::new());
        assert!(!table.fits(Format::Xlsx));
        assert!(table.fits(Format::Csv) && table.fits(Format::Json));
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_quoted_and_read_back_exactly() {
        for (text, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("Rolls-Royce plc", "Rolls-Royce plc"),
            ("'quoted'", "'quoted'"),
            ("", ""),
        ] {
            assert_eq!(csv_safe(text), written, "{text:?}");
            assert_eq!(csv_unescape(written), text, "{written:?}");
        }
    }

    #[test]
    fn the_spreadsheet_is_written_row_by_row_and_reads_back() {
        use calamine::{Reader, Xlsx};
        let mut table = Table::new("Rows", &[col("name", 10.0), col("on", 10.0)]);
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        for i in 0..3 {
            table.push(vec![Cell::text(format!("row {i}")), Cell::Date(day)]);
        }
        let mut out = Vec::new();
        table.write(Format::Xlsx, &mut out).expect("written");
        let mut book = Xlsx::new(std::io::Cursor::new(out)).expect("an xlsx file");
        let range = book.worksheet_range("Rows").expect("the sheet");
        assert_eq!(range.height(), 4);
        assert_eq!(
            range.get((3, 0)).map(ToString::to_string),
            Some("row 2".into())
        );
    }
}
