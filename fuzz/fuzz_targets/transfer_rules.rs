//! The transfer rules never panic on any combination of facts and dates, always explain
//! themselves, and name the problems of a NON_COMPLIANT verdict. The body lives in the domain
//! crate (`domain::fuzzing::transfer_rules`), where `cargo test` runs it on stable with a seeded
//! corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfer_register::domain::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::transfer_rules(data));
