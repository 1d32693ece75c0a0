//! sea-orm entities: the tables of the register, nothing else (no GraphQL, no rules).
//!
//! Vocabulary columns (kind, status, role, mechanism, ...) are typed with the enums of [`vocab`],
//! stored as their contract names (`GROUP_COMPANY`, `SCC_2021`).

pub mod api_token;
pub mod audit_event;
pub mod audit_head;
pub mod codes;
pub mod contract;
pub mod contract_flow;
pub mod contract_party;
pub mod country;
pub mod data_category;
pub mod data_flow;
pub mod data_subject;
pub mod document;
pub mod dpf_entry;
pub mod dpf_link;
pub mod dpf_snapshot;
pub mod dsr_request;
pub mod dsr_task;
pub mod dsr_task_event;
pub mod due_notice;
pub mod flow_verdict;
pub mod location;
pub mod organisation;
pub mod outbox_message;
pub mod pending_login;
pub mod processing_activity;
pub mod respond_link;
pub mod safeguards;
pub mod subject_activity;
pub mod subject_category;
pub mod subject_identifier;
pub mod subprocessor_change;
pub mod subprocessor_change_event;
pub mod subprocessor_notice;
pub mod subprocessor_subscriber;
pub mod task_reminder;
pub mod transfer_impact_assessment;
pub mod user_session;
pub mod verdict_change;
pub mod vocab;

pub use codes::{Codes, Restriction, Restrictions};
