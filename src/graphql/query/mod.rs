//! The root Query, merged from one struct per aggregate.

mod areas;
mod audit;
mod flows;
mod organisations;
mod requests;
mod subjects;
mod taxonomy;
mod transfers;
mod viewer;

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
    viewer::ViewerQuery,
    areas::AreaQuery,
);
