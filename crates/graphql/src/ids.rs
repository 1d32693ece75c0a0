//! Ids are parsed where they enter: a GraphQL `ID` becomes the register's integer key here,
//! once, and the services take `i64`. A malformed id is `BAD_USER_INPUT` naming the field.

use crate::{error::AppResult, service::validate};
use async_graphql::ID;

/// The key an `ID` argument or input field names.
pub fn parse(field: &str, id: &ID) -> AppResult<i64> {
    validate::id(field, id.as_str())
}

/// As [`parse`], for an optional one.
pub fn parse_opt(field: &str, id: Option<&ID>) -> AppResult<Option<i64>> {
    id.map(|id| parse(field, id)).transpose()
}

/// As [`parse`], for a list: the first malformed one is refused.
pub fn parse_all(field: &str, ids: &[ID]) -> AppResult<Vec<i64>> {
    ids.iter().map(|id| parse(field, id)).collect()
}
