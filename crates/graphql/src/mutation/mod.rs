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

/// A field of an update input as the service's "leave / clear / set": undefined leaves it
/// (`None`), null clears it (`Some(None)`), a value is converted by `map` (which may refuse it)
/// and set.
#[allow(
    clippy::option_option,
    reason = "leave (None), clear (Some(None)) or set: the patch's three cases"
)]
fn patch<T, U>(
    value: async_graphql::MaybeUndefined<T>,
    map: impl FnOnce(T) -> async_graphql::Result<U>,
) -> async_graphql::Result<Option<Option<U>>> {
    use async_graphql::MaybeUndefined;
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(map(v)?)),
    })
}
