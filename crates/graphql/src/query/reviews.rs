//! What is due.

use crate::{context::request, service::reviews::due, types::review::DueItem};
use async_graphql::{Context, Object, Result};

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
}
