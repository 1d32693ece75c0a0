//! Reading data-subject requests and the tasks to escalate.

use crate::{
    graphql::{
        context::request,
        enums::DsrStatus,
        types::{
            connection::DataSubjectRequestConnection,
            dsr::{DataSubjectRequest, DsrTask},
        },
    },
    service::{page::PageRequest, requests::read},
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct RequestQuery;

#[Object]
impl RequestQuery {
    /// One data-subject request by id, or null.
    async fn data_subject_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<DataSubjectRequest>> {
        let rc = request(ctx)?;
        Ok(read::get(&rc.db, &id).await?.map(DataSubjectRequest))
    }

    /// Requests in filing order, optionally only those showing `status` today.
    async fn data_subject_requests(
        &self,
        ctx: &Context<'_>,
        status: Option<DsrStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<DataSubjectRequestConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let page = read::list(&rc.db, status.map(Into::into), page).await?;
        Ok(DataSubjectRequestConnection::from_page(
            page,
            |r| r.id,
            DataSubjectRequest,
        ))
    }

    /// Unfinished tasks of requests past their due date, for escalation.
    async fn overdue_dsr_tasks(&self, ctx: &Context<'_>) -> Result<Vec<DsrTask>> {
        let rc = request(ctx)?;
        Ok(read::overdue_tasks(&rc.db)
            .await?
            .into_iter()
            .map(DsrTask)
            .collect())
    }
}
