//! `transfer-register subjects import`: subjects from a CSV file, registered in batches of
//! [`MAX_BULK`] (one transaction each), so a file of millions neither holds the writer for long
//! nor needs to fit in one transaction.
//!
//! Columns: `email,phone,account_number,activity_ids` (header first); empty cells are absent
//! identifiers; activity ids are separated by `;`. The `csv` crate reads the file, so quoted
//! cells work as in any spreadsheet's CSV.

use crate::{
    audit::Actor,
    error::{AppError, AppResult},
    subjects::{self, MAX_BULK, NewSubject, Quoted, SubjectKeys},
};
use sea_orm::DatabaseConnection;

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
/// batch, naming the line; earlier batches stay committed.
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &SubjectKeys,
    reader: impl std::io::Read,
) -> anyhow::Result<usize> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(reader);
    if !csv.headers()?.iter().eq(HEADER.iter().copied()) {
        anyhow::bail!("the first line must be the header {}", HEADER.join(","));
    }
    let mut batch: Vec<(usize, NewSubject)> = Vec::with_capacity(MAX_BULK);
    let mut done = 0;
    for record in csv.records() {
        let record = record?;
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
}
