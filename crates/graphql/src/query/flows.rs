//! Reading processing activities and data flows.

use crate::{
    context::request,
    enums::TransferMechanism,
    ids,
    service::{
        activities,
        flows::{self, FlowFilter},
        page::PageRequest,
    },
    types::{
        activity::ProcessingActivity,
        connection::{DataFlowConnection, ProcessingActivityConnection},
        flow::{self, DataFlow},
    },
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct FlowQuery;

#[Object]
impl FlowQuery {
    /// One processing activity by id, or null.
    async fn processing_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity's id.")] id: ID,
    ) -> Result<Option<ProcessingActivity>> {
        let rc = request(ctx)?;
        Ok(activities::get(&rc.read, ids::parse("id", &id)?)
            .await?
            .map(ProcessingActivity))
    }

    /// Processing activities in registration order, optionally of one controller.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn processing_activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the activities of this controller.")] controller_id: Option<ID>,
        #[graphql(
            desc = "Only the activities whose name or purpose contains this text (any case): what a picker sends as the user types."
        )]
        search: Option<String>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<ProcessingActivityConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let controller = ids::parse_opt("controllerId", controller_id.as_ref())?;
        let page = activities::list(&rc.read, controller, search.as_deref(), page).await?;
        Ok(ProcessingActivityConnection::from_page(
            page,
            |a| a.id,
            ProcessingActivity,
        ))
    }

    /// One data flow by id, or null.
    async fn data_flow(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The flow's id.")] id: ID,
    ) -> Result<Option<DataFlow>> {
        let rc = request(ctx)?;
        Ok(flows::get(&rc.read, ids::parse("id", &id)?)
            .await?
            .map(DataFlow))
    }

    /// Data flows in registration order, filtered.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn data_flows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only flows for this processing activity.")] activity_id: Option<ID>,
        #[graphql(desc = "Only flows from this exporter.")] from_id: Option<ID>,
        #[graphql(desc = "Only flows to this recipient.")] to_id: Option<ID>,
        #[graphql(desc = "Only flows relying on this transfer mechanism.")] mechanism: Option<
            TransferMechanism,
        >,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<DataFlowConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let filter = FlowFilter {
            activity_id: ids::parse_opt("activityId", activity_id.as_ref())?,
            from_id: ids::parse_opt("fromId", from_id.as_ref())?,
            to_id: ids::parse_opt("toId", to_id.as_ref())?,
            mechanism: mechanism.map(Into::into),
        };
        let page = flows::list(&rc.read, filter, page).await?;
        flow::prime(
            ctx,
            ctx.look_ahead().field("edges").field("node"),
            &page.items,
        )
        .await?;
        Ok(DataFlowConnection::from_page(page, |f| f.id, DataFlow))
    }
}
