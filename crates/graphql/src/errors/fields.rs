//! Naming the input field an async-graphql coercion error is about, so that a refusal of a
//! variable or an argument says which field to correct.

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use std::collections::HashMap;

/// For each (input type, field type) the one field of that type, where it is the only one:
/// a variable that fails to coerce is reported by type ("Failed to parse \"LocationUse\" ...
/// occurred while parsing \"LocationInput\""), and this names the field it must have been.
#[derive(Debug, Default, Clone)]
pub struct FieldIndex(HashMap<(String, String), Option<String>>);

impl FieldIndex {
    pub fn from_sdl(sdl: &str) -> Self {
        let mut index: HashMap<(String, String), Option<String>> = HashMap::new();
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            return Self::default();
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else {
                continue;
            };
            let TypeKind::InputObject(input) = &ty.node.kind else {
                continue;
            };
            for field in &input.fields {
                let base = field.node.ty.node.to_string().replace(['[', ']', '!'], "");
                let key = (ty.node.name.node.to_string(), base);
                let name = field.node.name.node.to_string();
                index
                    .entry(key)
                    .and_modify(|existing| *existing = None)
                    .or_insert(Some(name));
            }
        }
        Self(index)
    }

    pub(super) fn field_for(&self, message: &str) -> Option<String> {
        let ty = quoted_after(message, "Failed to parse \"")?;
        let input = quoted_after(message, "occurred while parsing \"")?;
        let input = input.replace(['[', ']', '!'], "");
        self.0.get(&(input, ty)).cloned().flatten()
    }
}

fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let rest = &message[start..];
    Some(rest[..rest.find('"')?].to_string())
}

/// `Invalid value for argument "input.country", ...` names `country`; the innermost segment
/// is the input field as the schema spells it.
pub(super) fn argument_field(message: &str) -> Option<String> {
    let start = message.find("argument \"")? + "argument \"".len();
    let rest = &message[start..];
    let path = &rest[..rest.find('"')?];
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    Some(last.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_errors_name_the_innermost_field() {
        assert_eq!(
            argument_field(
                r#"Invalid value for argument "input.kind", enumeration type "OrganisationKind" does not contain the value "X""#
            ),
            Some("kind".into())
        );
        assert_eq!(
            argument_field(r#"Invalid value for argument "id", expected type "ID""#),
            Some("id".into())
        );
        assert_eq!(argument_field("Query is nested too deep."), None);
    }

    #[test]
    fn variables_of_a_type_used_once_in_an_input_name_their_field() {
        let index = FieldIndex::from_sdl(
            "input A { kind: Kind! when: Date first: Date second: Date } input L { country: String! use: Use! }",
        );
        let msg = |ty: &str, input: &str| {
            format!("Failed to parse \"{ty}\": nope (occurred while parsing \"{input}\")")
        };
        assert_eq!(index.field_for(&msg("Kind", "A")), Some("kind".into()));
        assert_eq!(index.field_for(&msg("Use", "[L!]")), Some("use".into()));
        assert_eq!(
            index.field_for(&msg("Date", "A")),
            None,
            "ambiguous: three Date fields"
        );
    }
}
