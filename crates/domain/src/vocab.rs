//! The closed vocabularies of the register, defined once in the `entity` crate so that the
//! records are typed with them; re-exported here because the domain speaks them.

pub use entity::vocab::*;
