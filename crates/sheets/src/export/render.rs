//! The renderings of a table, row by row: a [`Renderer`] is started with the table's head (its
//! columns, its note when empty, its cover and notes worksheets), given rows as they are read,
//! and finished. The whole table ([`Table::write`]) and the streamed exports
//! ([`super::stream`]) go through it, so both write the same bytes.

use super::table::{Cell, Format, Table, csv_safe};
use rust_xlsxwriter::{Format as XFormat, Workbook};
use std::io::Write;

/// A rendering under way.
pub struct Renderer<'w, W: Write + Send> {
    kind: Kind<'w, W>,
    /// Rows written so far, the header not counted.
    rows: usize,
}

enum Kind<'w, W: Write + Send> {
    Csv(csv::Writer<&'w mut W>),
    Json {
        out: &'w mut W,
        /// The JSON keys, in the columns' order.
        names: Vec<&'static str>,
    },
    Xlsx {
        workbook: Box<Workbook>,
        /// The index of the rows' worksheet (after the cover, if any).
        sheet: usize,
        date: XFormat,
        header: XFormat,
        out: &'w mut W,
    },
}

impl<'w, W: Write + Send> Renderer<'w, W> {
    /// Writes what comes before the rows: the CSV header, the opening of the JSON array, the
    /// XLSX cover worksheet and the rows' worksheet with its header.
    pub fn start(head: &Table, format: Format, out: &'w mut W) -> anyhow::Result<Self> {
        let kind = match format {
            Format::Csv => {
                // The one CSV writer of the service and the command line: every cell goes through
                // `Cell::csv`, the headers are the service's own names.
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(head.columns.iter().map(|c| csv_safe(c.words).into_owned()))?;
                Kind::Csv(writer)
            }
            Format::Json => {
                out.write_all(b"[")?;
                Kind::Json {
                    out,
                    names: head.columns.iter().map(|c| c.name).collect(),
                }
            }
            Format::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
                let header = XFormat::new().set_bold();
                let date = XFormat::new().set_num_format("yyyy-mm-dd");
                let mut sheet = 0;
                if let Some(cover) = &head.cover {
                    label_sheet(&mut workbook, cover, &header, &date)?;
                    sheet = 1;
                }
                // Rows go to a temporary file as they are written, so memory does not grow with
                // the register; they must be written in order, which they are.
                let rows = workbook.add_worksheet_with_constant_memory()?;
                rows.set_name(head.title)?;
                for (c, column) in head.columns.iter().enumerate() {
                    let c = u16::try_from(c)?;
                    rows.write_string_with_format(0, c, column.words, &header)?;
                    rows.set_column_width(c, column.width)?;
                }
                rows.set_freeze_panes(1, 0)?;
                Kind::Xlsx {
                    workbook,
                    sheet,
                    date,
                    header,
                    out,
                }
            }
        };
        Ok(Self { kind, rows: 0 })
    }

    /// Writes rows in order.
    pub fn rows<'r>(&mut self, rows: impl IntoIterator<Item = &'r [Cell]>) -> anyhow::Result<()> {
        match &mut self.kind {
            Kind::Csv(writer) => {
                for row in rows {
                    writer.write_record(row.iter().map(Cell::csv))?;
                    self.rows += 1;
                }
            }
            Kind::Json { out, names } => {
                for row in rows {
                    if self.rows > 0 {
                        out.write_all(b",")?;
                    }
                    out.write_all(b"\n")?;
                    let object: serde_json::Map<String, serde_json::Value> = names
                        .iter()
                        .zip(row)
                        .map(|(name, v)| ((*name).to_string(), v.json()))
                        .collect();
                    serde_json::to_writer(&mut **out, &object)?;
                    self.rows += 1;
                }
            }
            Kind::Xlsx {
                workbook,
                sheet,
                date,
                ..
            } => {
                let worksheet = workbook.worksheet_from_index(*sheet)?;
                for row in rows {
                    self.rows += 1;
                    xlsx_row(worksheet, u32::try_from(self.rows)?, row, date)?;
                }
            }
        }
        Ok(())
    }

    /// Writes what comes after the rows (the note of an empty table, the end of the JSON array,
    /// the XLSX autofilter, notes worksheet and zip) and flushes.
    pub fn finish(self, head: &Table) -> anyhow::Result<()> {
        let empty = head.empty.as_ref().filter(|_| self.rows == 0).map(|note| {
            let mut row = vec![Cell::Empty; head.columns.len().max(1)];
            row[0] = Cell::text(note.clone());
            row
        });
        match self.kind {
            Kind::Csv(mut writer) => {
                if let Some(row) = empty {
                    writer.write_record(row.iter().map(Cell::csv))?;
                }
                writer.flush()?;
            }
            Kind::Json { out, .. } => {
                out.write_all(b"\n]\n")?;
                out.flush()?;
            }
            Kind::Xlsx {
                mut workbook,
                sheet,
                date,
                header,
                out,
            } => {
                let worksheet = workbook.worksheet_from_index(sheet)?;
                if let Some(row) = &empty {
                    xlsx_row(worksheet, 1, row, &date)?;
                }
                if !head.columns.is_empty() {
                    let last_row = u32::try_from(self.rows)?;
                    let last_col = u16::try_from(head.columns.len() - 1)?;
                    worksheet.autofilter(0, 0, last_row, last_col)?;
                }
                if let Some(notes) = &head.notes {
                    label_sheet(&mut workbook, notes, &header, &date)?;
                }
                // The zip is written here, from the rows' temporary file: an XLSX answer's first
                // byte goes out only once every row is rendered.
                workbook.save_to_writer(&mut *out)?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

fn xlsx_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    row: &[Cell],
    date: &XFormat,
) -> anyhow::Result<()> {
    for (c, cell) in row.iter().enumerate() {
        let c = u16::try_from(c)?;
        match cell {
            Cell::Text(t) | Cell::Coded { words: t, .. } => {
                sheet.write_string(r, c, t)?;
            }
            Cell::Date(d) => {
                sheet.write_date_with_format(r, c, d, date)?;
            }
            Cell::Int(n) => {
                // Counts and ids: exact in a double up to 2^53.
                #[allow(clippy::cast_precision_loss)]
                sheet.write_number(r, c, *n as f64)?;
            }
            Cell::Bool(b) => {
                sheet.write_boolean(r, c, *b)?;
            }
            Cell::Empty => {}
        }
    }
    Ok(())
}

/// A worksheet of labels (bold, first column) and their values.
fn label_sheet(
    workbook: &mut Workbook,
    (title, lines): &(&'static str, Vec<(String, Cell)>),
    bold: &XFormat,
    date: &XFormat,
) -> anyhow::Result<()> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(*title)?;
    sheet.set_column_width(0, 28.0)?;
    sheet.set_column_width(1, 80.0)?;
    for (r, (label, value)) in lines.iter().enumerate() {
        let r = u32::try_from(r)?;
        sheet.write_string_with_format(r, 0, label, bold)?;
        match value {
            Cell::Date(d) => {
                sheet.write_date_with_format(r, 1, d, date)?;
            }
            Cell::Empty => {}
            other => {
                sheet.write_string(r, 1, other.plain())?;
            }
        }
    }
    Ok(())
}
