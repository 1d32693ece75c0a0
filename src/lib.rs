//! The transfer and processor register: a GraphQL service over sea-orm (SQLite or PostgreSQL).

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod service;
pub mod state;

pub use http::app;
pub use state::AppState;
