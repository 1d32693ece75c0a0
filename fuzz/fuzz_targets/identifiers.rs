//! The identifier normalisers never panic, and what they accept is already normal
//! (parsing the normalised form again gives the same form). The body lives in the domain crate
//! (`domain::fuzzing::identifiers`), where `cargo test` runs it on stable with a seeded corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfer_register::domain::fuzzing;

fuzz_target!(|data: &[u8]| {
    fuzzing::identifiers(data);
});
