//! GraphQL object types: thin wrappers over entity models, relations through the loaders.

pub mod activity;
pub mod audit;
pub mod category;
pub mod connection;
pub mod destination;
pub mod document;
pub mod dsr;
pub mod flow;
pub mod organisation;
pub mod reference;
pub mod respond;
pub mod review;
pub mod subject;
pub mod subprocessor;
pub mod transfer;
pub mod verdict_change;
pub mod what_if;
