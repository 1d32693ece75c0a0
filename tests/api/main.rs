//! The integration suite: the real schema and migrations, on SQLite and (with
//! `TEST_POSTGRES_URL`) on PostgreSQL, in-process and over HTTP.
#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, top to bottom"
)]

mod support;

mod audit;
mod audit_key;
mod audit_sealing;
mod auth;
mod change_pruning;
mod chapter_v;
mod chapter_v_third;
mod cli;
mod connections;
mod console;
mod corrections;
mod crash_audit;
mod digest;
mod docs;
mod documents;
mod dpf;
mod export_safety;
mod exports_streamed;
mod exports_words;
mod faults;
mod fixtures;
mod flows;
mod hostile;
mod hostile_files;
mod http;
mod import_writer;
mod importer_facts;
mod incremental;
mod law_changes;
mod matrix;
mod oidc;
mod ops;
mod organisations;
mod overview_counts;
mod policy_paths;
mod pool;
mod reasoning;
mod reference_dates;
mod register_order;
mod requests;
mod restrictions;
mod reviews;
mod scale;
mod schema;
mod security;
mod sheet_errors;
mod sheets;
mod sockets;
mod special_categories;
mod subjects;
mod subprocessor_notices;
mod subprocessors;
mod taxonomy;
mod textfields;
mod transfers;
mod variables;
mod webhook_authority;
mod what_if_export;
