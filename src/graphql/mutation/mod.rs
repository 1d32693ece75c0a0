//! The root Mutation, merged from one struct per aggregate. Each mutation is one transaction.

mod flows;
mod import;
mod organisations;
mod requests;
pub mod subjects;
mod taxonomy;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(
    organisations::OrganisationMutation,
    flows::FlowMutation,
    taxonomy::TaxonomyMutation,
    subjects::SubjectMutation,
    requests::RequestMutation,
    import::ImportMutation,
);
