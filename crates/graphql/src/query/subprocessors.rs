//! Reading sub-processor changes.

use crate::{
    context::request,
    enums::SubprocessorChangeStatus,
    service::{page::PageRequest, subprocessor_changes},
    types::{connection::SubprocessorChangeConnection, subprocessor::SubprocessorChange},
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct SubprocessorQuery;

#[Object]
impl SubprocessorQuery {
    /// One sub-processor change by id, or null.
    async fn subprocessor_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change's id.")] id: ID,
    ) -> Result<Option<SubprocessorChange>> {
        let rc = request(ctx)?;
        Ok(subprocessor_changes::get(&rc.read, &id)
            .await?
            .map(SubprocessorChange))
    }

    /// Announced sub-processor changes in the order they were filed, optionally of one status.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn subprocessor_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes with this status.")] status: Option<
            SubprocessorChangeStatus,
        >,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<SubprocessorChangeConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let page = subprocessor_changes::list(&rc.read, status.map(Into::into), page).await?;
        Ok(SubprocessorChangeConnection::from_page(
            page,
            |c| c.id,
            SubprocessorChange,
        ))
    }
}
