//! What is due.

use crate::{
    context::request,
    ids, policy,
    service::{
        documents,
        reviews::{contracts, due},
    },
    types::review::{Contract, DueItem, DueLinks},
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct ReviewQuery;

/// The records `items` are about, three statements at most (no statement per item).
async fn links(ctx: &Context<'_>, items: &[due::DueItem]) -> Result<DueLinks> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rc = request(ctx)?;
    let mut links = DueLinks::default();
    let requests: Vec<i64> = items.iter().filter_map(|i| i.request_id).collect();
    // A request is shown only to those who may read requests.
    if !requests.is_empty() && policy::check(&rc.auth, "Query", "dataSubjectRequest").is_ok() {
        links.requests = entity::dsr_request::Entity::find()
            .filter(entity::dsr_request::Column::Id.is_in(requests))
            .all(&rc.read)
            .await
            .map_err(crate::service::error::AppError::from)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    }
    let changes: Vec<i64> = items
        .iter()
        .filter_map(|i| i.subprocessor_change_id)
        .collect();
    if !changes.is_empty() {
        links.changes = entity::subprocessor_change::Entity::find()
            .filter(entity::subprocessor_change::Column::Id.is_in(changes))
            .all(&rc.read)
            .await
            .map_err(crate::service::error::AppError::from)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    }
    if items.iter().any(|i| i.contract_id.is_some()) {
        let wanted: std::collections::HashSet<i64> =
            items.iter().filter_map(|i| i.contract_id).collect();
        links.contracts = contracts::all(&rc.read)
            .await?
            .into_iter()
            .filter(|c| wanted.contains(&c.contract.id))
            .map(|c| (c.contract.id, c))
            .collect();
    }
    Ok(links)
}

#[Object]
impl ReviewQuery {
    /// What needs attention: items overdue today and those due within `within` days (0 to 3660),
    /// soonest first: contracts expiring or due for review, assessments due for review, DPF
    /// entries lapsed or missing, objection deadlines, data subject request deadlines, and
    /// transfers whose verdict the law changed (the date turning, new reference data) in the
    /// last 30 days.
    async fn due_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30, desc = "The horizon in days from today.")] within: i32,
    ) -> Result<Vec<DueItem>> {
        let rc = request(ctx)?;
        let today = chrono::Utc::now().date_naive();
        let items = due::list(&rc.read, today, within).await?;
        let links = std::sync::Arc::new(links(ctx, &items).await?);
        Ok(items
            .into_iter()
            .map(|i| DueItem(i, links.clone()))
            .collect())
    }

    /// A contract by id, with its parties, flows, dates and signed document (`NOT_FOUND` if
    /// there is none).
    async fn contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract's id.")] id: ID,
    ) -> Result<Contract> {
        let rc = request(ctx)?;
        let id = ids::parse("id", &id)?;
        Ok(Contract(documents::contract_record(&rc.read, id).await?))
    }
}
