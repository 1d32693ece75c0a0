//! The root Mutation, merged from one struct per aggregate. Each mutation is one transaction.

mod flows;
mod import;
mod organisations;
mod requests;
mod reviews;
pub mod subjects;
mod subprocessors;
mod taxonomy;
pub mod upload;

use async_graphql::MergedObject;

/// Changing the register. Each mutation is one transaction: a refusal leaves the register
/// unchanged, and every change is written to the audit trail.
#[derive(MergedObject, Default)]
pub struct Mutation(
    organisations::OrganisationMutation,
    flows::FlowMutation,
    taxonomy::TaxonomyMutation,
    subjects::SubjectMutation,
    requests::RequestMutation,
    import::ImportMutation,
    subprocessors::SubprocessorMutation,
    crate::query::sessions::SessionMutation,
    reviews::ReviewMutation,
);
