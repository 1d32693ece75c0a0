//! The root Query, merged from one struct per aggregate.

mod areas;
mod audit;
mod flows;
mod organisations;
mod requests;
mod reviews;
pub mod sessions;
mod subjects;
mod subprocessors;
mod taxonomy;
mod transfers;
mod verdict_changes;
mod viewer;

use async_graphql::MergedObject;

/// Reading the register: organisations, activities, flows, the verdict on every transfer, who holds
/// a person's data, data-subject requests and the audit trail. Every field needs a token; which
/// roles may run each is the access policy's (others are refused with FORBIDDEN).
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
    sessions::SessionQuery,
    areas::AreaQuery,
    subprocessors::SubprocessorQuery,
    reviews::ReviewQuery,
    verdict_changes::VerdictChangeQuery,
);
