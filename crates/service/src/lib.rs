//! Use cases over the database: one file per aggregate. Each mutation owns its transaction and
//! returns domain errors; nothing here knows about GraphQL.
//!
//! With them, what every layer above shares: the configuration, the connections, the one error
//! type and the metrics.

pub mod config;
pub mod db;
pub mod error;
pub mod metrics;

pub use register::Register;

/// A future boxed where it is written. A release build compiles an `async fn`'s body in the
/// crate that awaits it; a function returning this compiles the body in its own crate, once,
/// however many crates above await it (README, "Building").
pub type Boxed<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The rules, under the path they had when the layers were one crate.
use register_domain as domain;

pub mod activities;
pub mod audit;
pub mod checkpoints;
pub mod documents;
pub mod flows;
pub mod id_lists;
pub mod limits;
pub mod locations;
pub mod notices;
pub mod organisations;
pub mod page;
pub mod register;
pub mod requests;
pub mod reviews;
pub mod sealing;
pub mod sessions;
pub mod signed_post;
pub mod subjects;
pub mod subprocessor_changes;
pub mod taxonomy;
pub mod tokens;
pub mod transfers;
pub mod validate;
pub mod verdicts;
pub mod visibility;
pub mod webhook_url;
pub mod who_holds;
