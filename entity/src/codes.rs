//! A list of taxonomy codes kept in one JSON column.

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// Category codes, sorted and without duplicates (the service normalises before writing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Codes(pub Vec<String>);
