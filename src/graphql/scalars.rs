//! The contract's `Date` scalar ("2026-11-24"); `DateTime` is async-graphql's RFC 3339 one.
//!
//! An input `Date` is parsed when the resolver reads it, not while async-graphql coerces the
//! variables: only the resolver knows the field's name, and a refused date must name its field
//! (`signedOn` and `tiaCompletedOn` share one input type).

use crate::error::{AppError, AppResult};
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, ISO 8601 (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date {
    text: String,
    value: Option<NaiveDate>,
}

impl Date {
    /// The date, or `BAD_USER_INPUT` on `field` when the text was not a real date.
    pub fn get(&self, field: &str) -> AppResult<NaiveDate> {
        self.value.ok_or_else(|| {
            AppError::bad_input(
                field,
                format!(
                    "{field} {:?} is not a date in the form YYYY-MM-DD",
                    self.text
                ),
            )
        })
    }
}

/// Reads an optional input date, naming `field` when it is not a real date.
pub fn date(field: &str, value: Option<&Date>) -> AppResult<Option<NaiveDate>> {
    value.map(|d| d.get(field)).transpose()
}

/// Reads an optional input date that defaults to today (the `on` of an assessment).
pub fn date_or_today(field: &str, value: Option<&Date>) -> AppResult<NaiveDate> {
    Ok(date(field, value)?.unwrap_or_else(|| chrono::Utc::now().date_naive()))
}

/// A calendar date, ISO 8601 (`YYYY-MM-DD`, e.g. `2026-11-24`), without time or zone.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => {
                let value = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
                Ok(Date { text, value })
            }
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.text.clone())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date {
            text: d.format("%Y-%m-%d").to_string(),
            value: Some(d),
        }
    }
}
