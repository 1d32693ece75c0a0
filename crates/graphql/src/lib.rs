//! The GraphQL layer: schema, types, resolvers, loaders and the access policy.

pub mod context;
pub mod enums;
pub mod errors;
mod execution;
pub mod fields;
pub mod hints;
pub mod ids;
pub mod issued;
pub mod loaders;
mod mutation;
pub mod policy;
mod query;
pub mod scalars;
pub mod sealing;
mod subscription;
pub mod types;

// The layers below, under the paths they had when the layers were one crate.
use register_domain as domain;
use register_service as service;
use register_service::{config, error};

use crate::config::Config;
use async_graphql::Schema;

pub use execution::{Schemas, allowed_in_full};
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with the configured limits, guarded by the access policy, the field limit
/// and the sealing pass. No side effects: shared by the server, the tests and `export-schema`;
/// per-request data (database, caller, loaders) is added per request.
pub fn build_schema(config: &Config) -> AppSchema {
    schema_builder(config)
        .extension(policy::Policy)
        .extension(fields::FieldLimit(config.max_fields))
        .extension(sealing::SealAfterMutation)
        .finish()
}

/// The guarded schema and its plain twin, which answers what nothing in the guard would refuse
/// (see [`Schemas`]).
pub fn build_schemas(config: &Config) -> Schemas {
    Schemas::new(
        build_schema(config),
        schema_builder(config).finish(),
        config.max_fields,
    )
}

/// The types and the limits every build shares.
fn schema_builder(config: &Config) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .limit_depth(config.max_depth)
        .limit_complexity(config.max_complexity);
    if config.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The complexity of a page: its rows times what is selected of each, so aliases and large pages
/// of nested lists add up to what they will cost.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.map_or(50, |n| usize::try_from(n).unwrap_or(0)).max(1);
    rows.saturating_mul(child_complexity.max(1))
}

/// What a query over the whole register (every flow assessed) counts for in the complexity limit:
/// over a quarter of the default limit (25,000), so each alias adds it again and four aliases
/// are refused before they run.
pub const REGISTER_COST: usize = 7000;

/// What each identifier of a `whoHolds` query counts for (each is hashed and looked up).
pub const IDENTIFIER_COST: usize = 500;

/// The SDL clients see, as checked into `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Config::for_database("sqlite::memory:")).sdl()
}
