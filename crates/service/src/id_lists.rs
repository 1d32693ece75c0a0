//! Ids read back in `IN (...)` lists of bounded length.

use std::collections::BTreeSet;

/// Ids per `IN (...)` list: under SQLite's bound-parameter limit on every version (older builds
/// take at most 999 per statement).
pub const CHUNK: usize = 900;

/// The ids in ascending lists of at most [`CHUNK`].
pub fn chunks(ids: &BTreeSet<i64>) -> Vec<Vec<i64>> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    ids.chunks(CHUNK).map(<[i64]>::to_vec).collect()
}
