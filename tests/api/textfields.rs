//! Hostile text in every text field of every operation, generated from the served schema: each
//! answer is a refusal with a contract code (never INTERNAL) or the text kept verbatim, and the
//! service stays up.

use crate::{db_tests, fixtures, matrix::Types, support::TestApp};
use async_graphql::parser::{
    parse_schema,
    types::{BaseType, Type, TypeKind},
};
use serde_json::{Value, json};

db_tests!(hostile_text_in_every_text_field_gets_a_coded_answer_and_the_service_stays_up);

const HOLE: &str = "\u{1}HOLE\u{1}";

/// Literals of one argument with one text position replaced by [`HOLE`] each: every `String`
/// reachable through input objects and lists, optional or not.
fn holes(types: &Types<'_>, ty: &Type, id: &str) -> Vec<String> {
    match &ty.base {
        BaseType::List(inner) => holes(types, inner, id)
            .into_iter()
            .map(|v| format!("[{v}]"))
            .collect(),
        BaseType::Named(name) if name.as_str() == "String" => vec![format!("\"{HOLE}\"")],
        BaseType::Named(name) => match types.0.get(name.as_str()) {
            Some(TypeKind::InputObject(input)) => {
                let mut out = Vec::new();
                for (i, field) in input.fields.iter().enumerate() {
                    for hole in holes(types, &field.node.ty.node, id) {
                        let fields: Vec<String> = input
                            .fields
                            .iter()
                            .enumerate()
                            .filter_map(|(j, f)| {
                                let name = &f.node.name.node;
                                if j == i {
                                    Some(format!("{name}: {hole}"))
                                } else if !f.node.ty.node.nullable {
                                    Some(format!("{name}: {}", types.literal(&f.node.ty.node, id)))
                                } else {
                                    None
                                }
                            })
                            .collect();
                        out.push(format!("{{ {} }}", fields.join(", ")));
                    }
                }
                out
            }
            _ => Vec::new(),
        },
    }
}

/// Every (operation, document with a hole) of the schema's queries and mutations.
fn documents(sdl: &str, id: &str) -> Vec<(String, String)> {
    let doc = parse_schema(sdl).expect("schema parses");
    let types = Types::of(&doc);
    let mut out = Vec::new();
    for (root, keyword) in [("Query", "query"), ("Mutation", "mutation")] {
        let Some(TypeKind::Object(object)) = types.0.get(root) else {
            continue;
        };
        for field in &object.fields {
            let args = &field.node.arguments;
            for (i, arg) in args.iter().enumerate() {
                for hole in holes(&types, &arg.node.ty.node, id) {
                    let rendered: Vec<String> = args
                        .iter()
                        .enumerate()
                        .filter_map(|(j, a)| {
                            let name = &a.node.name.node;
                            if j == i {
                                Some(format!("{name}: {hole}"))
                            } else if !a.node.ty.node.nullable {
                                Some(format!("{name}: {}", types.literal(&a.node.ty.node, id)))
                            } else {
                                None
                            }
                        })
                        .collect();
                    let document = format!(
                        "{keyword} {{ {}({}) {} }}",
                        field.node.name.node,
                        rendered.join(", "),
                        types.selection(&field.node.ty.node)
                    );
                    out.push((field.node.name.node.to_string(), document));
                }
            }
        }
    }
    out
}

const CODES: [&str; 5] = [
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "FORBIDDEN",
    "UNAUTHENTICATED",
];

async fn hostile_text_in_every_text_field_gets_a_coded_answer_and_the_service_stays_up(
    app: TestApp,
) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let docs = documents(&app.state.schema.sdl(), &org);
    assert!(docs.len() > 40, "text fields were found: {}", docs.len());
    let hostile = [
        "x".repeat(100_000),
        "nul\u{0}byte".to_string(),
        "bell\u{7}and\u{1b}[2Jescape".to_string(),
        "'; DROP TABLE organisation; --".to_string(),
        "<img src=x onerror=alert(1)>".to_string(),
        "\u{202e}reversed\u{200b}".to_string(),
    ];
    for (operation, document) in &docs {
        for value in &hostile {
            let escaped = serde_json::to_string(value).expect("escape");
            let query = document.replace(&format!("\"{HOLE}\""), &escaped);
            let response: Value = app.gql(&query, json!({})).await;
            for error in response["errors"].as_array().into_iter().flatten() {
                let code = error["extensions"]["code"].as_str().unwrap_or("none");
                assert!(
                    CODES.contains(&code),
                    "{operation} with {value:.40}: {error}"
                );
            }
        }
    }
    // Names may legitimately have been changed to the hostile text (stored verbatim); the table is there.
    assert!(app.count("organisation").await >= 1, "the table is intact");
    let base = app.serve().await;
    let health = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
}
