//! What is due (overdue on the day, or within 30 days of it) as rows, soonest first.

use super::{
    names::Names,
    stream::Source,
    table::{Cell, Column, Table, said},
    words,
};
use crate::{error::AppResult, reviews::due};
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// The horizon of the export, as `dueItems`' default.
pub const WITHIN_DAYS: i32 = 30;

const DUE: &[Column] = &[
    said("due_on", "Due on", 12.0),
    said("overdue", "Overdue", 8.0),
    said("kind", "What is due", 30.0),
    said("organisation", "Organisation", 30.0),
    said("flow_id", "Flow ID", 8.0),
    said("activity", "Processing activity", 30.0),
    said("message", "What to do", 80.0),
    said("as_of", "As of", 12.0),
];

pub async fn due(source: &Source<'_>, on: NaiveDate) -> AppResult<Table> {
    let db = source.db;
    let items = due::list(db, on, WITHIN_DAYS).await?;
    // The flows, activities and organisations the rows name, not the register's.
    let flow_ids = items.iter().filter_map(|i| i.flow_id).collect();
    let mut names = Names::of_flows(db, &flow_ids, source.page()).await?;
    let org_ids = items.iter().filter_map(|i| i.organisation_id).collect();
    names
        .add(db, &BTreeSet::new(), &org_ids, source.page())
        .await?;
    let mut table = Table::new("Due", DUE);
    table.empty = Some("Nothing is overdue or due within 30 days.".into());
    for item in items {
        let flow = item.flow_id.and_then(|id| names.flows.get(&id));
        table.push(vec![
            Cell::Date(item.due_on),
            Cell::text(if item.due_on < on { "Yes" } else { "No" }),
            words::coded(item.kind.as_str(), words::due_kind(item.kind)),
            item.organisation_id.map_or(Cell::Empty, |id| names.org(id)),
            item.flow_id.map_or(Cell::Empty, Cell::Int),
            flow.map_or(Cell::Empty, |f| names.activity(f.activity_id)),
            Cell::text(&item.message),
            Cell::Date(on),
        ]);
    }
    Ok(table)
}
