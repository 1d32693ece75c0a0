//! Keyset pagination shared by every list: `first`/`after` over ascending ids.

use crate::error::{AppError, AppResult};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<i64>,
}

/// One page of rows plus what a Relay connection needs.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub total_count: u64,
}

impl PageRequest {
    /// `first` defaults to 50 and may not exceed `max`; `after` must be a cursor we issued.
    pub fn parse(first: Option<i32>, after: Option<&str>, max: u64) -> AppResult<Self> {
        let first = match first {
            None => 50.min(max),
            Some(n) if n < 0 => {
                return Err(AppError::bad_input("first", "first must not be negative"));
            }
            Some(n) if n as u64 > max => {
                return Err(AppError::bad_input(
                    "first",
                    format!("first may be at most {max}"),
                ));
            }
            Some(n) => n as u64,
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(Self { first, after })
    }
}

/// One page of `query` ordered by its `id` column, with the total its filters match.
pub async fn fetch<E, C>(
    db: &C,
    query: Select<E>,
    id: E::Column,
    page: PageRequest,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    let total_count = query.clone().count(db).await?;
    let query = match page.after {
        Some(after) => query.filter(id.gt(after)),
        None => query,
    };
    let mut items = query.order_by_asc(id).limit(page.first + 1).all(db).await?;
    let has_next_page = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(Page {
        items,
        has_next_page,
        total_count,
    })
}

pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode_cursor(cursor: &str) -> AppResult<i64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|s| s.strip_prefix("id:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| AppError::bad_input("after", "after is not a cursor this service issued"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let page = PageRequest::parse(Some(10), Some(&encode_cursor(42)), 100).expect("valid");
        assert_eq!((page.first, page.after), (10, Some(42)));
        assert!(PageRequest::parse(None, Some("bm9wZQ"), 100).is_err());
        assert!(PageRequest::parse(Some(101), None, 100).is_err());
        assert!(PageRequest::parse(Some(-1), None, 100).is_err());
        assert_eq!(
            PageRequest::parse(None, None, 20).map(|p| p.first).ok(),
            Some(20)
        );
    }
}
