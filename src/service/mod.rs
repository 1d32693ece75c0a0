//! Use cases over the database: one file per aggregate. Each mutation owns its transaction and
//! returns domain errors; nothing here knows about GraphQL.

pub mod activities;
pub mod audit;
pub mod checkpoints;
pub mod demo;
pub mod export;
pub mod flows;
pub mod import;
pub mod limits;
pub mod locations;
pub mod organisations;
pub mod page;
pub mod requests;
pub mod subject_import;
pub mod subjects;
pub mod taxonomy;
pub mod tokens;
pub mod transfers;
pub mod validate;
pub mod verdicts;
pub mod webhook_url;
pub mod who_holds;
