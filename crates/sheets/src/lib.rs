//! The register in spreadsheets: importing organisations, locations, activities and flows from
//! CSV or XLSX, importing subjects from CSV, the exports (CSV, JSON, XLSX) and the demonstration
//! register. Each goes through the service's functions, so every rule of the register applies;
//! nothing here is a rule of its own but the shape of a file.

pub mod demo;
pub mod export;
pub mod import;
pub mod subject_import;

// The layers below, under the paths they had when the layers were one crate.
use register_domain as domain;
use register_service::{
    activities, audit, config, error, flows, locations, organisations, requests, reviews, subjects,
    tokens, transfers, webhook_url,
};
