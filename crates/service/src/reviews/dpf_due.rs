//! The due items of the DPF list (filled in with the list import).

use super::due::DueItem;
use crate::error::AppResult;
use chrono::NaiveDate;
use entity::data_flow;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

pub(super) async fn items(
    _db: &impl ConnectionTrait,
    _flows: &HashMap<i64, data_flow::Model>,
    _names: &HashMap<i64, String>,
    _running: &impl Fn(&i64) -> bool,
    _today: NaiveDate,
    _horizon: NaiveDate,
) -> AppResult<Vec<DueItem>> {
    Ok(Vec::new())
}
