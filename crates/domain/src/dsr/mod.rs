//! Data-subject requests as plain rules: deadlines, the life of a task and of its request,
//! webhook signing and back-off, retention exemptions, and sealing identifiers at rest.

pub mod deadline;
pub mod delivery;
pub mod lifecycle;
pub mod retention;
pub mod seal;
