//! Reviews and reminders: transfer impact assessments and contracts as dated records, what they
//! add to the verdicts (loaded per flow for `transfers::Register`), what is due and when.

pub mod contracts;
pub mod digest;
pub mod dpf;
mod dpf_due;
pub mod due;
mod due_rows;
mod law_due;
pub mod records;
pub mod tia;
