//! The transfer tools recorded per destination of a flow, kept as JSON in one text column and
//! decoded once, when the row is read: the rules get typed values, never text to parse again.

use crate::{
    country::CountryCode,
    vocab::{Derogation, SccModule, TransferMechanism},
};
use chrono::NaiveDate;
use sea_orm::{
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr},
};
use serde::{Deserialize, Serialize};

/// A flow's per-destination safeguards, at most one per country (the service checks).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationSafeguards(pub Vec<DestinationSafeguard>);

/// The transfer tool recorded for one destination of a flow (a recipient storing in Japan under
/// adequacy and giving support access from India under SCCs), replacing the flow's own there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationSafeguard {
    pub country: CountryCode,
    pub mechanism: TransferMechanism,
    #[serde(default)]
    pub scc_module: Option<SccModule>,
    #[serde(default)]
    pub derogation: Option<Derogation>,
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    #[serde(default)]
    pub tia_completed_on: Option<NaiveDate>,
    #[serde(default)]
    pub evidence: Option<String>,
}

impl DestinationSafeguards {
    /// The safeguard recorded for `country`, if any.
    pub fn for_country(&self, country: CountryCode) -> Option<&DestinationSafeguard> {
        self.0.iter().find(|s| s.country == country)
    }

    fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl From<DestinationSafeguards> for Value {
    fn from(list: DestinationSafeguards) -> Self {
        // Plain values (codes, enums, dates, text) always serialise.
        let text = serde_json::to_string(&list.0).unwrap_or_else(|_| String::from("[]"));
        Value::String(Some(text))
    }
}

/// A stored value that does not decode is a fault of the data, reported as such.
impl TryGetable for DestinationSafeguards {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        Self::parse(&text).map_err(|e| {
            TryGetError::DbErr(DbErr::Type(format!(
                "unreadable per-destination safeguards: {e}"
            )))
        })
    }
}

impl ValueType for DestinationSafeguards {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        match value {
            Value::String(Some(text)) => Self::parse(&text).map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "DestinationSafeguards".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl Nullable for DestinationSafeguards {
    fn null() -> Value {
        Value::String(None)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test that unwraps fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_list_round_trips_through_its_column_value_and_a_bad_country_is_refused() {
        let list = DestinationSafeguards(vec![DestinationSafeguard {
            country: CountryCode::parse("IN").unwrap(),
            mechanism: TransferMechanism::Scc2021,
            scc_module: Some(SccModule::C2p),
            derogation: None,
            signed_on: NaiveDate::from_ymd_opt(2024, 1, 1),
            tia_completed_on: None,
            evidence: Some("keys held in the EEA".into()),
        }]);
        let value: Value = list.clone().into();
        assert_eq!(
            <DestinationSafeguards as ValueType>::try_from(value).unwrap(),
            list
        );
        assert!(
            list.for_country(CountryCode::parse("IN").unwrap())
                .is_some()
        );
        assert!(
            list.for_country(CountryCode::parse("JP").unwrap())
                .is_none()
        );
        let stored = Value::String(Some(r#"[{"country":"XX","mechanism":"BCR"}]"#.into()));
        assert!(<DestinationSafeguards as ValueType>::try_from(stored).is_err());
    }
}
