//! Reading the audit trail.

use crate::{
    context::request,
    service::{audit, page::PageRequest, sealing, validate},
    types::connection::AuditEventConnection,
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit events, oldest first, optionally of one record (`entity` as `organisation`,
    /// `data_flow`, ...; `id` its id). Every committed event is sealed (given its place in the
    /// chain and its hash) before the page is read.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only events of records of this table (`organisation`, `data_flow`, ...)."
        )]
        entity: Option<String>,
        #[graphql(desc = "Only events of the record with this id.")] id: Option<ID>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let entity = validate::optional_text("entity", entity.as_deref(), 100)?;
        let id = validate::optional_text("id", id.as_ref().map(|i| i.as_str()), 100)?;
        sealing::seal(&rc.db, &rc.audit_key).await?;
        let page = audit::list(&rc.read, entity.as_deref(), id.as_deref(), page).await?;
        Ok(AuditEventConnection::from_page(
            page,
            |e| e.id,
            crate::types::audit::AuditEvent,
        ))
    }
}
