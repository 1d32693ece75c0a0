//! Reading sub-processor changes.

use crate::{
    context::request,
    domain::vocab::Role,
    enums::SubprocessorChangeStatus,
    ids,
    service::{page::PageRequest, subprocessor_changes},
    types::{
        connection::{SubprocessorChangeConnection, SubprocessorListSubscriberConnection},
        subprocessor::{SubprocessorChange, SubprocessorListSubscriber},
    },
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct SubprocessorQuery;

/// For a PROCESSOR token, the organisation whose changes it reads (a token tied to none reads
/// none: no organisation has the id 0); for every other reader `None`: all changes.
fn own_only(ctx: &Context<'_>) -> Result<Option<i64>> {
    let rc = request(ctx)?;
    Ok(rc
        .auth
        .principal()
        .filter(|p| p.role == Role::Processor)
        .map(|p| p.organisation_id.unwrap_or(0)))
}

#[Object]
impl SubprocessorQuery {
    /// One sub-processor change by id, or null. A PROCESSOR reads its own organisation's only
    /// (another's is null, as a missing one).
    async fn subprocessor_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change's id.")] id: ID,
    ) -> Result<Option<SubprocessorChange>> {
        let rc = request(ctx)?;
        let only = own_only(ctx)?;
        let id = match ids::parse("id", &id) {
            Ok(id) => id,
            // A PROCESSOR is told of a malformed id what it is told of another's change.
            Err(_) if only.is_some() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(subprocessor_changes::get(&rc.read, id)
            .await?
            .filter(|c| only.is_none_or(|own| own == c.processor_id))
            .map(SubprocessorChange))
    }

    /// Announced sub-processor changes in the order they were filed, optionally of one status.
    /// A PROCESSOR lists its own organisation's only.
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
        let processor = own_only(ctx)?;
        let page =
            subprocessor_changes::list(&rc.read, status.map(Into::into), processor, page).await?;
        Ok(SubprocessorChangeConnection::from_page(
            page,
            |c| c.id,
            SubprocessorChange,
        ))
    }

    /// The customers subscribed to the group's published sub-processor list, in the order they
    /// were added (their webhook secrets are never shown again).
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn subprocessor_list_subscribers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<SubprocessorListSubscriberConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let page = subprocessor_changes::subscribers::list(&rc.read, page).await?;
        Ok(SubprocessorListSubscriberConnection::from_page(
            page,
            |s| s.id,
            |s| SubprocessorListSubscriber::new(s, None),
        ))
    }
}
