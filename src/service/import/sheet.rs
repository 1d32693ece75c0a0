//! Reading a spreadsheet (CSV, or the first worksheet of an XLSX workbook) into text cells,
//! each row with the line number a person sees in their spreadsheet program.

use super::RowError;
use chrono::NaiveDate;

/// A header row and the rows below it; every cell as trimmed text (dates as YYYY-MM-DD).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub header: Vec<String>,
    /// (line, cells); rows that are entirely empty are left out.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The file's format, by its extension.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Sheet, RowError> {
    let extension = std::path::Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("csv") => csv(bytes),
        Some("xlsx") => xlsx(bytes),
        _ => Err(RowError::new(
            0,
            "file",
            format!("{file_name:?} is neither .csv nor .xlsx"),
        )),
    }
}

fn csv(bytes: &[u8]) -> Result<Sheet, RowError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut sheet = Sheet::default();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 1, |p| p.line() as usize);
            RowError::new(line, "file", format!("not readable as CSV: {e}"))
        })?;
        let line = record.position().map_or(i + 1, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if i == 0 {
            sheet.header = cells;
        } else if cells.iter().any(|c| !c.is_empty()) {
            sheet.rows.push((line, cells));
        }
    }
    Ok(sheet)
}

fn xlsx(bytes: &[u8]) -> Result<Sheet, RowError> {
    use calamine::{Data, Reader, Xlsx};
    let unreadable = |e: &dyn std::fmt::Display| {
        RowError::new(0, "file", format!("not readable as an .xlsx workbook: {e}"))
    };
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| RowError::new(0, "file", "the workbook has no worksheet"))?
        .map_err(|e| unreadable(&e))?;
    // Line numbers as the spreadsheet shows them, even when the used range starts lower.
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut sheet = Sheet::default();
    for (i, row) in range.rows().enumerate() {
        let mut cells: Vec<String> = vec![String::new(); first_col];
        cells.extend(row.iter().map(|cell| {
            match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_string(),
                Data::Int(n) => n.to_string(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                Data::Float(f) => f.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => d
                    .as_datetime()
                    .map(|d| d.date().format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                Data::DateTimeIso(s) => s
                    .get(..10)
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map_or_else(|| s.clone(), |d| d.format("%Y-%m-%d").to_string()),
                Data::DurationIso(s) => s.clone(),
                Data::Error(e) => format!("#{e:?}"),
            }
        }));
        let line = first_row + i + 1;
        if sheet.header.is_empty() {
            sheet.header = cells;
        } else if cells.iter().any(|c| !c.is_empty()) {
            sheet.rows.push((line, cells));
        }
    }
    Ok(sheet)
}
