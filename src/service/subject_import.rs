//! `transfer-register subjects import`: subjects from a CSV file, registered in batches of
//! [`MAX_BULK`] (one transaction each), so a file of millions neither holds the writer for long
//! nor needs to fit in one transaction.
//!
//! Columns: `email,phone,account_number,activity_ids` (header first); empty cells are absent
//! identifiers; activity ids are separated by `;`. Quoted cells are not supported: none of these
//! values needs a comma.

use crate::{
    error::{AppError, AppResult},
    service::subjects::{self, MAX_BULK, NewSubject, Quoted, SubjectKeys},
};
use sea_orm::DatabaseConnection;
use std::io::BufRead;

const HEADER: [&str; 4] = ["email", "phone", "account_number", "activity_ids"];

/// One CSV line as a registration; `line` (1-based) names it in refusals.
pub fn parse_line(line: usize, text: &str) -> AppResult<NewSubject> {
    if text.contains('"') {
        return Err(AppError::bad_input(
            format!("line {line}"),
            "quoted cells are not supported",
        ));
    }
    let cells: Vec<&str> = text.split(',').map(str::trim).collect();
    if cells.len() != HEADER.len() {
        return Err(AppError::bad_input(
            format!("line {line}"),
            format!("expected {} cells: {}", HEADER.len(), HEADER.join(",")),
        ));
    }
    let cell = |i: usize| (!cells[i].is_empty()).then(|| cells[i].to_string());
    Ok(NewSubject {
        identifiers: Quoted {
            email: cell(0),
            phone: cell(1),
            account_number: cell(2),
        },
        activity_ids: cells[3]
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(String::from)
            .collect(),
        linked_on: None,
    })
}

/// Imports every line; returns how many subjects were registered. Stops at the first refused
/// batch, naming the line; earlier batches stay committed.
pub async fn import(
    db: &DatabaseConnection,
    keys: &SubjectKeys,
    reader: impl BufRead,
) -> anyhow::Result<usize> {
    let mut lines = reader.lines().enumerate();
    match lines.next() {
        Some((_, Ok(header))) if header.split(',').map(str::trim).eq(HEADER.iter().copied()) => {}
        _ => anyhow::bail!("the first line must be the header {}", HEADER.join(",")),
    }
    let mut batch: Vec<(usize, NewSubject)> = Vec::with_capacity(MAX_BULK);
    let mut done = 0;
    for (index, text) in lines {
        let text = text?;
        if text.trim().is_empty() {
            continue;
        }
        batch.push((index + 1, parse_line(index + 1, &text).map_err(refusal)?));
        if batch.len() == MAX_BULK {
            done += flush(db, keys, &mut batch).await?;
        }
    }
    done += flush(db, keys, &mut batch).await?;
    Ok(done)
}

async fn flush(
    db: &DatabaseConnection,
    keys: &SubjectKeys,
    batch: &mut Vec<(usize, NewSubject)>,
) -> anyhow::Result<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let inputs: Vec<NewSubject> = batch.iter().map(|(_, s)| s.clone()).collect();
    let result = subjects::register_many(
        db,
        &crate::service::audit::Actor::command_line(),
        keys,
        &inputs,
    )
    .await;
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
    match err {
        AppError::BadInput { field, message } => anyhow::anyhow!("{field}: {message}"),
        other => anyhow::anyhow!("{other}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_line_becomes_a_registration_with_its_activities() {
        let s = parse_line(2, " a@example.com ,,ACC-1, 3;4 ").unwrap();
        assert_eq!(s.identifiers.email.as_deref(), Some("a@example.com"));
        assert_eq!(s.identifiers.phone, None);
        assert_eq!(s.activity_ids, ["3", "4"]);
    }

    #[test]
    fn a_short_or_quoted_line_is_refused_with_its_number() {
        let field = |t| match parse_line(7, t) {
            Err(AppError::BadInput { field, .. }) => field,
            _ => String::new(),
        };
        assert_eq!(field("a@example.com,1"), "line 7");
        assert_eq!(field("\"a,b\"@example.com,,,1"), "line 7");
    }
}
