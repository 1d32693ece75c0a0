//! The columns of each kind of file, and reading a row's cells by column name.

use super::{ImportKind, RowError, excerpt};
use crate::export::sheets;
use chrono::NaiveDate;
use std::{collections::HashMap, str::FromStr};

/// The columns of a file: where each known column is; required ones are checked present.
pub struct Columns {
    index: HashMap<&'static str, usize>,
}

fn required(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Organisations => &["name", "kind", "country"],
        ImportKind::Locations => &["organisation", "country", "use"],
        ImportKind::Activities => &[
            "name",
            "controller",
            "purpose",
            "lawful_basis",
            "data_categories",
            "subject_categories",
            "retention",
        ],
        ImportKind::Flows => &[
            "activity",
            "from",
            "to",
            "recipient_role",
            "data_categories",
        ],
        ImportKind::DpfList => &["Organization Name", "Status"],
    }
}

fn known(kind: ImportKind) -> &'static [crate::export::table::Column] {
    match kind {
        ImportKind::Organisations => sheets::ORGANISATIONS,
        ImportKind::Locations => sheets::LOCATIONS,
        ImportKind::Activities => sheets::ACTIVITIES,
        ImportKind::Flows => sheets::FLOWS,
        ImportKind::DpfList => super::dpf::COLUMNS,
    }
}

impl Columns {
    /// Reads the header; refuses unknown, repeated and missing required columns.
    pub fn of(kind: ImportKind, header: &[String]) -> Result<Self, Vec<RowError>> {
        let known = known(kind);
        let mut index = HashMap::new();
        let mut errors = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            match known.iter().find(|c| c.name == name) {
                Some(c) => {
                    if index.insert(c.name, i).is_some() {
                        errors.push(RowError::new(1, name, "the column appears twice"));
                    }
                }
                None => errors.push(RowError::new(
                    1,
                    name,
                    format!(
                        "unknown column; the {} columns are {}",
                        kind.name(),
                        known.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
                    ),
                )),
            }
        }
        for name in required(kind) {
            if !index.contains_key(name) {
                errors.push(RowError::new(1, *name, "this required column is missing"));
            }
        }
        if errors.is_empty() {
            Ok(Self { index })
        } else {
            Err(errors)
        }
    }
}

/// One row's cells, read by column name; parse errors are collected, not returned at once.
pub(super) struct Row<'r> {
    pub(super) line: usize,
    pub(super) cells: &'r [String],
    pub(super) columns: &'r Columns,
    pub(super) errors: Vec<RowError>,
}

impl Row<'_> {
    pub(super) fn text(&self, column: &str) -> Option<String> {
        self.columns
            .index
            .get(column)
            .and_then(|i| self.cells.get(*i))
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .map(String::from)
    }

    pub(super) fn fail(&mut self, column: &str, message: impl Into<String>) {
        self.errors.push(RowError::new(self.line, column, message));
    }

    pub(super) fn required(&mut self, column: &str) -> String {
        self.text(column).unwrap_or_else(|| {
            self.fail(column, format!("{column} is required"));
            String::new()
        })
    }

    /// An enum value as in the schema; `group company` and `Group-Company` read as GROUP_COMPANY.
    pub(super) fn vocab<T: FromStr + strum::VariantArray + Copy + Into<&'static str>>(
        &mut self,
        column: &str,
    ) -> Option<T> {
        let text = self.text(column)?;
        let normal = text.trim().to_ascii_uppercase().replace([' ', '-'], "_");
        match T::from_str(&normal) {
            Ok(v) => Some(v),
            Err(_) => {
                let values: Vec<&'static str> = T::VARIANTS.iter().map(|v| (*v).into()).collect();
                self.fail(
                    column,
                    format!("{} is not one of {}", excerpt(&text), values.join(", ")),
                );
                None
            }
        }
    }

    pub(super) fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let text = self.text(column)?;
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(
                    column,
                    format!("{} is not a date in the form YYYY-MM-DD", excerpt(&text)),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, column: &str) -> Option<bool> {
        let text = self.text(column)?;
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            _ => {
                self.fail(column, format!("{} is not true or false", excerpt(&text)));
                None
            }
        }
    }

    pub(super) fn integer(&mut self, column: &str) -> Option<i32> {
        let text = self.text(column)?;
        match text.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.fail(column, format!("{} is not a whole number", excerpt(&text)));
                None
            }
        }
    }

    /// Codes separated by `;` (or `,` or new lines).
    pub(super) fn list(&self, column: &str) -> Vec<String> {
        self.text(column)
            .map(|t| {
                t.split([';', ',', '\n'])
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The spreadsheet column behind a service's input field (`parentId` -> `parent`).
pub(super) fn column_of(field: &str) -> String {
    let field = field.split(['[', '.']).next().unwrap_or(field);
    let base = match field {
        "parentId" => "parent",
        "controllerId" => "controller",
        "activityId" => "activity",
        "fromId" => "from",
        "toId" => "to",
        "continuesFlowId" => "continues",
        "organisationId" => "organisation",
        "locations" => "locations",
        other => other,
    };
    let mut out = String::with_capacity(base.len() + 4);
    for c in base.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_fields_name_their_spreadsheet_columns() {
        assert_eq!(column_of("parentId"), "parent");
        assert_eq!(column_of("privacyContactEmail"), "privacy_contact_email");
        assert_eq!(column_of("dataCategories"), "data_categories");
        assert_eq!(column_of("continuesFlowId"), "continues");
        assert_eq!(column_of("country"), "country");
    }

    #[test]
    fn a_header_with_an_unknown_or_missing_column_is_refused_on_line_1() {
        let header: Vec<String> = ["name", "kind", "colour"].map(String::from).to_vec();
        let Err(errors) = Columns::of(ImportKind::Organisations, &header) else {
            panic!("accepted");
        };
        assert!(errors.iter().any(|e| e.line == 1 && e.field == "colour"));
        assert!(errors.iter().any(|e| e.line == 1 && e.field == "country"));
    }
}
