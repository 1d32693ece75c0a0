//! The transfer and processor register: a GraphQL service over sea-orm (SQLite or PostgreSQL).
//!
//! The layers are crates under `crates/` (rules, storage, API, edges), so that a change in one
//! recompiles only it and what sits above it, and independent crates build at once. This facade
//! keeps the paths of the single crate they came from, for `main`, the tests and the benchmark.

pub use register_cli as cli;
pub use register_domain as domain;
pub use register_graphql as graphql;
pub use register_http as http;
pub use register_http::state;
pub use register_sheets as sheets;
/// The register's use cases, with the spreadsheets beside them as they were in the single crate.
pub mod service {
    pub use register_service::*;
    pub use register_sheets::{demo, export, import, subject_import};
}
pub use register_service::{config, db, error, metrics};

pub use http::{AppState, app};

/// The layers above the command line, handed to [`cli::run`].
pub const API: cli::Api = cli::Api {
    sdl: graphql::sdl,
    router: http::router,
};
