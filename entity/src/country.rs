//! ISO 3166-1 alpha-2 country codes, parsed once at the boundary and stored as such: a
//! country column is a `CountryCode` when it is read, never a string to parse again.

use sea_orm::{
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr},
};
use std::fmt;

/// The officially assigned ISO 3166-1 alpha-2 codes (249), the only countries the register accepts.
const ASSIGNED: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA \
RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// `AA`..`ZZ` as 0..676.
const fn slot(code: [u8; 2]) -> usize {
    (code[0] - b'A') as usize * 26 + (code[1] - b'A') as usize
}

/// Whether each of the 676 two-letter codes is assigned, built from [`ASSIGNED`] at compile time.
const ASSIGNED_TABLE: [bool; 676] = {
    let text = ASSIGNED.as_bytes();
    let mut table = [false; 676];
    let mut i = 0;
    while i + 1 < text.len() {
        table[slot([text[i], text[i + 1]])] = true;
        i += 3;
    }
    table
};

/// An assigned ISO 3166-1 alpha-2 code, upper case (`GB`, `IE`, `US`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Accepts exactly an assigned upper-case code; `gb`, `UK` and `GBR` are refused.
    pub fn parse(input: &str) -> Option<Self> {
        let bytes: [u8; 2] = input.as_bytes().try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_uppercase) {
            return None;
        }
        // Called for every flow and location the register assesses: a table, not a scan.
        ASSIGNED_TABLE[slot(bytes)].then_some(Self(bytes))
    }

    /// Every assigned code, in alphabetical order.
    pub fn all() -> impl Iterator<Item = CountryCode> {
        ASSIGNED.split(' ').filter_map(Self::parse)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

/// Stored as its two letters (a text column).
impl From<CountryCode> for Value {
    fn from(code: CountryCode) -> Self {
        Value::String(Some(code.as_str().to_owned()))
    }
}

/// A stored value that is not an assigned code is a fault of the data, reported as such.
impl TryGetable for CountryCode {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        CountryCode::parse(&text).ok_or_else(|| {
            TryGetError::DbErr(DbErr::Type(format!(
                "{text:?} is not an ISO 3166-1 alpha-2 code"
            )))
        })
    }
}

impl ValueType for CountryCode {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        match value {
            Value::String(Some(text)) => CountryCode::parse(&text).ok_or(ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "CountryCode".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(sea_orm::sea_query::StringLen::N(2))
    }
}

impl Nullable for CountryCode {
    fn null() -> Value {
        Value::String(None)
    }
}

impl serde::Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CountryCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        CountryCode::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not an ISO 3166-1 alpha-2 code"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_all_249_assigned_codes_once() {
        let codes: Vec<&str> = ASSIGNED.split(' ').collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(codes.len(), 249);
        assert_eq!(unique.len(), 249);
        assert_eq!(
            ASSIGNED_TABLE.iter().filter(|a| **a).count(),
            249,
            "the table holds the same codes"
        );
        assert_eq!(CountryCode::all().count(), 249);
    }

    #[test]
    fn only_assigned_upper_case_codes_parse() {
        for ok in ["GB", "IE", "US", "IN", "FO", "ZW"] {
            assert_eq!(
                CountryCode::parse(ok).map(|c| c.to_string()),
                Some(ok.to_string())
            );
        }
        for bad in [
            "", "G", "gb", "Gb", "UK", "EU", "GBR", "XX", "G1", " GB", "ÉÉ",
        ] {
            assert!(
                CountryCode::parse(bad).is_none(),
                "{bad:?} should be refused"
            );
        }
    }
}
