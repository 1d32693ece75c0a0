//! The Data Privacy Framework participant list, as a user downloads it from the DPF website,
//! imported as a dated snapshot beside the earlier ones (`importRecords(kind: DPF_LIST)`).
//!
//! The columns are matched by name, ignoring case, spaces and punctuation, in any order; other
//! columns of the file (address, website, ...) are ignored. Required: the organisation's name
//! (`Organization Name`, or `Organisation Name`, `Name`) and its status (`Status`: `Active` or
//! `Inactive`). Optional yes/no columns (`Yes`, `No`, `True`, `False`, `Y`, `N`, `X`, `1`, `0`, or
//! empty for no): `EU-U.S. DPF` (where present, "no" means not under the EU framework, so not
//! active for it), `UK Extension`, `Swiss-U.S. DPF`, `HR Data`, `Non-HR Data`. These names are
//! our reading of the list's published fields (we could not download the file here); a file
//! whose headers differ is refused naming what is missing.

use super::{ImportOptions, ImportReport, RowError, sheet::Sheet};
use crate::{
    audit::Actor,
    error::AppResult,
    export::table::{Column, col},
    reviews::dpf::{self, NewEntry},
};
use chrono::{NaiveDate, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};

/// The columns of the template, as the list names them.
pub const COLUMNS: &[Column] = &[
    col("Organization Name", 40.0),
    col("Status", 10.0),
    col("EU-U.S. DPF", 10.0),
    col("UK Extension", 12.0),
    col("Swiss-U.S. DPF", 12.0),
    col("HR Data", 10.0),
    col("Non-HR Data", 12.0),
];

/// The columns described, with an example.
pub const DESCRIBED: &[(&str, &str, &str)] = &[
    (
        "Organization Name",
        "Example Cloud, Inc.",
        "Required. The organisation's name as the list spells it.",
    ),
    ("Status", "Active", "Required. Active or Inactive."),
    (
        "EU-U.S. DPF",
        "Yes",
        "Yes or No: participates in the EU-U.S. DPF (no: not active for it).",
    ),
    (
        "UK Extension",
        "Yes",
        "Yes or No: also under the UK Extension to the EU-U.S. DPF.",
    ),
    (
        "Swiss-U.S. DPF",
        "No",
        "Yes or No: also under the Swiss-U.S. DPF.",
    ),
    ("HR Data", "No", "Yes or No: covers human resources data."),
    (
        "Non-HR Data",
        "Yes",
        "Yes or No: covers data other than human resources data.",
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Status,
    Eu,
    Uk,
    Swiss,
    Hr,
    NonHr,
}

fn field(header: &str) -> Option<Field> {
    let key: String = header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match key.as_str() {
        "organizationname" | "organisationname" | "name" => Field::Name,
        "status" | "participationstatus" => Field::Status,
        "euusdpf" | "eudpf" => Field::Eu,
        "ukextension" | "ukextensiontotheeuusdpf" => Field::Uk,
        "swissusdpf" | "swissdpf" | "swiss" => Field::Swiss,
        "hrdata" | "hr" => Field::Hr,
        "nonhrdata" | "nonhr" => Field::NonHr,
        _ => return None,
    })
}

fn yes_no(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "x" | "1" => Some(true),
        "no" | "n" | "false" | "0" | "" => Some(false),
        _ => None,
    }
}

/// The entries of the file, or the refusals of its rows.
fn entries(sheet: &Sheet) -> Result<Vec<NewEntry>, Vec<RowError>> {
    let columns: Vec<Option<Field>> = sheet.header.iter().map(|h| field(h)).collect();
    let at = |f: Field| columns.iter().position(|c| *c == Some(f));
    let (Some(name_at), Some(status_at)) = (at(Field::Name), at(Field::Status)) else {
        return Err(vec![RowError::new(
            1,
            "header",
            "the DPF list needs the columns \"Organization Name\" and \"Status\"",
        )]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (line, cells) in &sheet.rows {
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |c| c.trim());
        let name = cell(Some(name_at));
        if name.is_empty() {
            errors.push(RowError::new(
                *line,
                "Organization Name",
                "the name is empty",
            ));
            continue;
        }
        let active = match cell(Some(status_at)).to_ascii_lowercase().as_str() {
            "active" => true,
            "inactive" => false,
            other => {
                errors.push(RowError::new(
                    *line,
                    "Status",
                    format!("{other:?} is not Active or Inactive"),
                ));
                continue;
            }
        };
        let mut flag = |f: Field, label: &str, default: bool| -> bool {
            let Some(i) = at(f) else {
                return default;
            };
            yes_no(cell(Some(i))).unwrap_or_else(|| {
                errors.push(RowError::new(*line, label, "expected Yes or No"));
                default
            })
        };
        let eu = flag(Field::Eu, "EU-U.S. DPF", true);
        let entry = NewEntry {
            name: name.chars().take(300).collect(),
            active: active && eu,
            uk_extension: flag(Field::Uk, "UK Extension", false),
            swiss: flag(Field::Swiss, "Swiss-U.S. DPF", false),
            hr_data: flag(Field::Hr, "HR Data", false),
            non_hr_data: flag(Field::NonHr, "Non-HR Data", false),
        };
        out.push(entry);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Imports the list as the snapshot of `options.listed_on` (default today), in one transaction.
pub(super) async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    file_name: &str,
    sheet: &Sheet,
    options: &ImportOptions,
) -> AppResult<ImportReport> {
    let report = |imported, errors| ImportReport {
        imported,
        dry_run: options.dry_run,
        errors,
        webhook_secrets: Vec::new(),
    };
    let today = Utc::now().date_naive();
    let listed_on: NaiveDate = options.listed_on.unwrap_or(today);
    if listed_on > today {
        let refusal = RowError::new(0, "listedOn", format!("{listed_on} is in the future"));
        return Ok(report(0, vec![refusal]));
    }
    let entries = match entries(sheet) {
        Ok(entries) => entries,
        Err(errors) => return Ok(report(0, errors)),
    };
    if dpf::snapshot_exists(db, listed_on).await? {
        let refusal = RowError::new(
            0,
            "listedOn",
            format!("a DPF list snapshot of {listed_on} is already stored"),
        );
        return Ok(report(0, vec![refusal]));
    }
    if options.dry_run {
        return Ok(report(entries.len(), Vec::new()));
    }
    let txn = db.begin().await?;
    let imported = dpf::store_snapshot(&txn, actor, listed_on, file_name, entries).await?;
    txn.commit().await?;
    Ok(report(imported, Vec::new()))
}
