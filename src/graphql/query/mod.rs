//! The root Query, merged from one struct per aggregate.

mod flows;
mod organisations;
mod subjects;
mod taxonomy;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Query(
    organisations::OrganisationQuery,
    flows::FlowQuery,
    taxonomy::TaxonomyQuery,
    subjects::SubjectQuery,
);
