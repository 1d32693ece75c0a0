//! Extending the category taxonomy.

use crate::{
    context::request,
    service::taxonomy,
    types::category::{DataCategory, SubjectCategory},
};
use async_graphql::{Context, InputObject, Object, Result};

/// A data category to add to the taxonomy.
#[derive(InputObject)]
pub struct DefineDataCategoryInput {
    /// Dotted code; its parent must exist (`contact.email` needs `contact`).
    pub code: String,
    /// Its name for people.
    pub name: String,
    /// A special category of Art 9 (inherited from a special parent).
    pub special: Option<bool>,
}

/// A subject category to add to the taxonomy.
#[derive(InputObject)]
pub struct DefineSubjectCategoryInput {
    /// Its code, e.g. `job_applicant`.
    pub code: String,
    /// Its name for people.
    pub name: String,
}

#[derive(Default)]
pub struct TaxonomyMutation;

#[Object]
impl TaxonomyMutation {
    /// Adds a data category; a code already defined is a CONFLICT.
    async fn define_data_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category.")] input: DefineDataCategoryInput,
    ) -> Result<DataCategory> {
        let rc = request(ctx)?;
        let saved = taxonomy::define_data_category(
            &rc.db,
            &rc.actor()?,
            &input.code,
            &input.name,
            input.special,
        )
        .await?;
        Ok(DataCategory(saved))
    }

    /// Adds a subject category; a code already defined is a CONFLICT.
    async fn define_subject_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category.")] input: DefineSubjectCategoryInput,
    ) -> Result<SubjectCategory> {
        let rc = request(ctx)?;
        let saved =
            taxonomy::define_subject_category(&rc.db, &rc.actor()?, &input.code, &input.name)
                .await?;
        Ok(SubjectCategory(saved))
    }
}
