//! The root Query, merged from one struct per aggregate.

mod audit;
mod flows;
mod organisations;
mod requests;
mod subjects;
mod taxonomy;
mod transfers;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Query(
    organisations::OrganisationQuery,
    flows::FlowQuery,
    taxonomy::TaxonomyQuery,
    subjects::SubjectQuery,
    transfers::TransferQuery,
    audit::AuditQuery,
    requests::RequestQuery,
);
