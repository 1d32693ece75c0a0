//! Reading data-subject requests and the tasks to escalate.

use crate::{
    context::request,
    domain,
    enums::{DsrStatus, TaskStatus},
    ids,
    service::{
        page::PageRequest,
        requests::{outbox, read},
    },
    types::{
        connection::{DataSubjectRequestConnection, DsrTaskConnection, OutboxMessageConnection},
        dsr::{DataSubjectRequest, DsrTask},
        respond::OutboxMessage,
    },
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
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> Result<Option<DataSubjectRequest>> {
        let rc = request(ctx)?;
        Ok(read::get(&rc.read, ids::parse("id", &id)?)
            .await?
            .map(DataSubjectRequest::from))
    }

    /// Requests in filing order, optionally only those showing `status` today.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn data_subject_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only requests showing this status today.")] status: Option<DsrStatus>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<DataSubjectRequestConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let page = read::list(&rc.read, status.map(Into::into), page).await?;
        Ok(DataSubjectRequestConnection::from_page(
            page,
            |r| r.id,
            DataSubjectRequest::from,
        ))
    }

    /// Tasks, newest last: a PROCESSOR sees only its own organisation's; others may filter by one.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn dsr_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only the tasks of this organisation (for a PROCESSOR, only its own may be given)."
        )]
        organisation_id: Option<ID>,
        #[graphql(desc = "Only tasks with this status.")] status: Option<TaskStatus>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<DsrTaskConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        // A PROCESSOR learns nothing from a malformed id: refused as another's would be.
        let asked =
            ids::parse_opt("organisationId", organisation_id.as_ref()).map_err(|e| {
                match rc.auth.principal() {
                    Some(p) if p.role == domain::vocab::Role::Processor => read::not_own_tasks(),
                    _ => e,
                }
            })?;
        let page = read::tasks_for(
            &rc.read,
            rc.auth.principal(),
            asked,
            status.map(Into::into),
            page,
        )
        .await?;
        Ok(DsrTaskConnection::from_page(page, |t| t.id, DsrTask))
    }

    /// The e-mails kept while no SMTP server is configured (`REGISTER_SMTP_URL`), oldest first:
    /// each to download (`/exports/outbox/{id}.eml`) and send by hand.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn outbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<OutboxMessageConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let page = outbox::list(&rc.read, page).await?;
        let ids: Vec<i64> = page.items.iter().filter_map(|m| m.task_id).collect();
        let tasks = read::tasks_by_ids(&rc.read, &ids).await?;
        Ok(OutboxMessageConnection::from_page(
            page,
            |m| m.id,
            |message| OutboxMessage {
                task: message.task_id.and_then(|t| tasks.get(&t).cloned()),
                message,
            },
        ))
    }

    /// Unfinished tasks of requests past their due date, for escalation.
    #[graphql(complexity = "crate::REGISTER_COST + child_complexity")]
    async fn overdue_dsr_tasks(&self, ctx: &Context<'_>) -> Result<Vec<DsrTask>> {
        let rc = request(ctx)?;
        Ok(read::overdue_tasks(&rc.read)
            .await?
            .into_iter()
            .map(DsrTask)
            .collect())
    }
}
