//! What is due.

use crate::{
    context::request,
    ids,
    service::{documents, reviews::due},
    types::review::{Contract, DueItem},
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// What needs attention: items overdue today and those due within `within` days (0 to 3660),
    /// soonest first: contracts expiring or due for review, assessments due for review, DPF
    /// entries lapsed or missing, objection deadlines and data subject request deadlines.
    async fn due_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30, desc = "The horizon in days from today.")] within: i32,
    ) -> Result<Vec<DueItem>> {
        let rc = request(ctx)?;
        let today = chrono::Utc::now().date_naive();
        Ok(due::list(&rc.read, today, within)
            .await?
            .into_iter()
            .map(DueItem)
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
