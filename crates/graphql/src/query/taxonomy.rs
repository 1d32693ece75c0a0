//! Reading the category taxonomy.

use crate::{
    context::request,
    service::taxonomy,
    types::category::{DataCategory, SubjectCategory},
};
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct TaxonomyQuery;

#[Object]
impl TaxonomyQuery {
    /// Every data category, by code.
    async fn data_categories(&self, ctx: &Context<'_>) -> Result<Vec<DataCategory>> {
        let rc = request(ctx)?;
        Ok(taxonomy::data_categories(&rc.read)
            .await?
            .into_iter()
            .map(DataCategory)
            .collect())
    }

    /// Every subject category, by code.
    async fn subject_categories(&self, ctx: &Context<'_>) -> Result<Vec<SubjectCategory>> {
        let rc = request(ctx)?;
        Ok(taxonomy::subject_categories(&rc.read)
            .await?
            .into_iter()
            .map(SubjectCategory)
            .collect())
    }
}
