//! Reading organisations.

use crate::{
    context::request,
    enums::{OrganisationKind, OrganisationStatus},
    ids,
    loaders::loaders,
    service::{
        organisations::{self, OrganisationFilter},
        page::PageRequest,
    },
    types::{connection::OrganisationConnection, organisation::Organisation},
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// One organisation by id, or null.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] id: ID,
    ) -> Result<Option<Organisation>> {
        let rc = request(ctx)?;
        Ok(organisations::get(&rc.read, ids::parse("id", &id)?)
            .await?
            .map(Organisation))
    }

    /// Organisations in registration order, filtered.
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only organisations of this kind.")] kind: Option<OrganisationKind>,
        #[graphql(desc = "Only those established in this country (ISO 3166-1 alpha-2).")]
        country: Option<String>,
        #[graphql(desc = "Only those with this status.")] status: Option<OrganisationStatus>,
        #[graphql(desc = "Established inside (true) or outside (false) the EEA.")]
        inside_eea: Option<bool>,
        #[graphql(desc = "Case-insensitive part of the name.")] name_contains: Option<String>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<OrganisationConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let filter = OrganisationFilter {
            kind: kind.map(Into::into),
            country,
            status: status.map(Into::into),
            inside_eea,
            name_contains,
        };
        let page = organisations::list(&rc.read, &rc.reference, filter, page).await?;
        if ctx
            .look_ahead()
            .field("edges")
            .field("node")
            .field("locations")
            .exists()
        {
            let ids = page.items.iter().map(|o| o.id).collect();
            loaders(ctx)?.prime_organisations(ids, true).await?;
        }
        Ok(OrganisationConnection::from_page(
            page,
            |o| o.id,
            Organisation,
        ))
    }
}
