//! A list of taxonomy codes kept in one JSON column.

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// Category codes, sorted and without duplicates (the service normalises before writing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Codes(pub Vec<String>);

/// Categories kept under restriction rather than erased (Art 17(3), Art 18), each set with the
/// legal reason and the activities it comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Restrictions(pub Vec<Restriction>);

/// One set of restricted categories.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Restriction {
    pub categories: Vec<String>,
    pub reason: String,
    pub activity_ids: Vec<i64>,
    /// The end of the longest retention period of those activities, where one is registered.
    pub until: Option<chrono::NaiveDate>,
}
