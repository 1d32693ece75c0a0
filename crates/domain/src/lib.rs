//! Plain-Rust domain: parsed inputs, vocabularies and the rules. No database, no GraphQL.

pub mod address;
pub mod audit;
pub mod category;
pub mod country;
pub mod dates;
pub mod dsr;
pub mod fuzzing;
pub mod holdings;
pub mod identifier;
pub mod mac;
#[cfg(test)]
mod mutants;
pub mod reference;
pub mod transfer;
pub mod vocab;
