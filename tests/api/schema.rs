//! `schema.graphql` is the served schema, and the served schema contains the contract.

use async_graphql::parser::{
    Positioned, parse_schema,
    types::{
        InputValueDefinition, InterfaceType, ObjectType, ServiceDocument, TypeKind,
        TypeSystemDefinition,
    },
};
use std::collections::{BTreeMap, BTreeSet};

/// Contract names not served yet, each with the issue that builds it. The contract test fails
/// when one of these starts being served, so this list can only shrink.
const PENDING: &[&str] = &[];

#[test]
fn schema_graphql_is_the_served_schema() {
    let served = transfer_register::graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(path, &served).expect("write schema.graphql");
    }
    let checked_in = std::fs::read_to_string(path).expect("schema.graphql exists");
    assert!(
        checked_in == served,
        "schema.graphql differs from the served schema: run `UPDATE_SCHEMA=1 cargo test --test api schema` and commit it"
    );
}

/// Every type, field (with its type), argument, input field and enum value, as `Type.field: T`.
fn names(doc: &ServiceDocument) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else {
            continue;
        };
        let name = ty.node.name.node.to_string();
        match &ty.node.kind {
            TypeKind::Scalar => {
                out.insert(name.clone(), "scalar".into());
            }
            TypeKind::Object(o) => {
                out.insert(name.clone(), "type".into());
                for f in &o.fields {
                    let field = format!("{name}.{}", f.node.name.node);
                    out.insert(field.clone(), f.node.ty.node.to_string());
                    for a in &f.node.arguments {
                        out.insert(
                            format!("{field}({})", a.node.name.node),
                            a.node.ty.node.to_string(),
                        );
                    }
                }
            }
            TypeKind::InputObject(i) => {
                out.insert(name.clone(), "input".into());
                for f in &i.fields {
                    out.insert(
                        format!("{name}.{}", f.node.name.node),
                        f.node.ty.node.to_string(),
                    );
                }
            }
            TypeKind::Enum(e) => {
                out.insert(name.clone(), "enum".into());
                for v in &e.values {
                    out.insert(format!("{name}::{}", v.node.value.node), "value".into());
                }
            }
            TypeKind::Interface(_) | TypeKind::Union(_) => {
                out.insert(name, "other".into());
            }
        }
    }
    out
}

#[test]
fn every_name_of_the_contract_is_served_with_its_type() {
    let contract_sdl = include_str!("../contract.graphql");
    let contract = names(&parse_schema(contract_sdl).expect("contract parses"));
    let served =
        names(&parse_schema(transfer_register::graphql::sdl()).expect("served schema parses"));
    let pending: BTreeSet<&str> = PENDING.iter().copied().collect();
    let mut missing = Vec::new();
    for (name, ty) in &contract {
        let is_pending = pending.contains(name.as_str())
            || pending.iter().any(|p| {
                [".", "::", "("]
                    .iter()
                    .any(|sep| name.starts_with(&format!("{p}{sep}")))
            });
        match served.get(name) {
            Some(served_ty) if served_ty == ty => {
                assert!(!is_pending, "{name} is served now: remove it from PENDING");
            }
            Some(served_ty) => missing.push(format!("{name}: contract {ty}, served {served_ty}")),
            None if is_pending => {}
            None => missing.push(format!("{name}: {ty} is not served")),
        }
    }
    assert!(
        missing.is_empty(),
        "the served schema breaks the contract:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_contract_copy_matches_the_shared_contract_when_present() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/API_CONTRACT.md");
    let Ok(text) = std::fs::read_to_string(shared) else {
        eprintln!("skipped: ../shared/API_CONTRACT.md is not beside the checkout");
        return;
    };
    let start = text.find("```graphql\n").expect("schema block") + "```graphql\n".len();
    let end = start + text[start..].find("```").expect("block end");
    let copy = include_str!("../contract.graphql");
    let body: String = copy
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        body,
        &text[start..end],
        "tests/contract.graphql is out of date with API_CONTRACT.md"
    );
}

/// Every schema element without a description, as `Type`, `Type.field`, `Type.field(arg)`,
/// `Input.field` or `Enum::VALUE`. Built-in scalars, directives and introspection types are not
/// in the SDL, so everything listed is the API's own.
fn undescribed(doc: &ServiceDocument) -> Vec<String> {
    fn blank(description: Option<&Positioned<String>>) -> bool {
        description.is_none_or(|d| d.node.trim().is_empty())
    }
    fn arguments(out: &mut Vec<String>, owner: &str, args: &[Positioned<InputValueDefinition>]) {
        for a in args {
            if blank(a.node.description.as_ref()) {
                out.push(format!("{owner}({})", a.node.name.node));
            }
        }
    }
    let mut out = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else {
            continue;
        };
        let name = ty.node.name.node.to_string();
        if blank(ty.node.description.as_ref()) {
            out.push(name.clone());
        }
        match &ty.node.kind {
            TypeKind::Scalar | TypeKind::Union(_) => {}
            TypeKind::Object(ObjectType { fields, .. })
            | TypeKind::Interface(InterfaceType { fields, .. }) => {
                for f in fields {
                    let field = format!("{name}.{}", f.node.name.node);
                    if blank(f.node.description.as_ref()) {
                        out.push(field.clone());
                    }
                    arguments(&mut out, &field, &f.node.arguments);
                }
            }
            TypeKind::InputObject(i) => {
                for f in &i.fields {
                    if blank(f.node.description.as_ref()) {
                        out.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    if blank(v.node.description.as_ref()) {
                        out.push(format!("{name}::{}", v.node.value.node));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_schema_element_has_a_description() {
    let sdl = transfer_register::graphql::sdl();
    let doc = parse_schema(&sdl).expect("served schema parses");
    assert!(
        doc.definitions.len() > 40,
        "the served schema's types were found"
    );
    let missing = undescribed(&doc);
    assert!(
        missing.is_empty(),
        "{} schema elements have no description (a `///` doc comment, or `#[graphql(desc = ..)]` on an argument):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn an_undescribed_element_is_named_by_the_description_check() {
    let doc = parse_schema(
        r#"
        "A thing." type Thing { "Its id." id: ID! name(style: String): String }
        "Kinds." enum Kind { "First." A B }
        input In { x: Int }
        "#,
    )
    .expect("parses");
    assert_eq!(
        undescribed(&doc),
        ["Thing.name", "Thing.name(style)", "Kind::B", "In", "In.x"]
    );
}
