//! The contract's `Date` scalar ("2026-11-24") and the `DateTime` of the moments the register
//! records (RFC 3339 in UTC, as async-graphql writes chrono's, with the register's own description).
//!
//! An input `Date` is parsed when the resolver reads it, not while async-graphql coerces the
//! variables: only the resolver knows the field's name, and a refused date must name its field
//! (`signedOn` and `tiaCompletedOn` share one input type).

use crate::error::{AppError, AppResult};
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, NaiveDate, Utc};

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
                // The rule of every entrance (tested there): exactly `YYYY-MM-DD`, within bounds.
                let value = crate::domain::dates::parse(&text);
                Ok(Date { text, value })
            }
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.text.clone())
    }
}

/// A moment the register recorded, in RFC 3339 with its UTC offset (e.g.
/// `2026-11-27T15:46:50.123456+00:00`): when a request was closed, an event occurred, a record
/// changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

/// A moment the register recorded, RFC 3339 in UTC (e.g. `2026-11-27T15:46:50.123456+00:00`):
/// when a request was closed, an audit event occurred, a record changed.
#[Scalar(name = "DateTime")]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => DateTime::parse_from_rfc3339(text)
                .map(|t| Timestamp(t.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom("not an RFC 3339 date and time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t)
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
