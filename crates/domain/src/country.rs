//! ISO 3166-1 alpha-2 country codes, parsed once at the boundary: the type lives with the
//! entities, so that a stored country is a `CountryCode` from the column up.

pub use entity::country::CountryCode;
