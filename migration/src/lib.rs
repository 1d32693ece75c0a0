//! Schema migrations: one file per change of schema, never edited after it lands.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_register;
mod m20261125_000001_subjects;
mod m20261125_000002_audit;
mod m20261125_000003_requests;
mod m20261125_000004_request_closure;
mod m20261125_000005_audit_append_only;
mod m20261127_000001_chapter_v;
mod m20261127_000002_sheets;
mod m20261127_000003_register_version;
mod m20261127_000004_corrections;
mod m20261205_000001_audit_key;
mod m20261206_000001_chapter_v_third;
mod m20261206_000002_respond;
mod m20261207_000002_subprocessor_changes;
mod m20261207_000003_reviews;
mod m20261207_000004_sessions;
mod m20261207_000005_outbox_notices;
mod m20261208_000001_documents;
mod m20261208_000002_notice_delivery;
mod m20261208_000004_register_changes;
mod m20261208_000005_audit_sealing;
mod m20261209_000001_register_sequencer;
mod m20261210_000001_reminder_retries;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_register::Migration),
            Box::new(m20261125_000001_subjects::Migration),
            Box::new(m20261125_000002_audit::Migration),
            Box::new(m20261125_000003_requests::Migration),
            Box::new(m20261125_000004_request_closure::Migration),
            Box::new(m20261125_000005_audit_append_only::Migration),
            Box::new(m20261127_000001_chapter_v::Migration),
            Box::new(m20261127_000002_sheets::Migration),
            Box::new(m20261127_000003_register_version::Migration),
            Box::new(m20261127_000004_corrections::Migration),
            Box::new(m20261205_000001_audit_key::Migration),
            Box::new(m20261206_000001_chapter_v_third::Migration),
            Box::new(m20261206_000002_respond::Migration),
            Box::new(m20261207_000002_subprocessor_changes::Migration),
            Box::new(m20261207_000003_reviews::Migration),
            Box::new(m20261207_000004_sessions::Migration),
            Box::new(m20261207_000005_outbox_notices::Migration),
            Box::new(m20261208_000001_documents::Migration),
            Box::new(m20261208_000002_notice_delivery::Migration),
            Box::new(m20261208_000004_register_changes::Migration),
            Box::new(m20261208_000005_audit_sealing::Migration),
            Box::new(m20261209_000001_register_sequencer::Migration),
            Box::new(m20261210_000001_reminder_retries::Migration),
        ]
    }
}
