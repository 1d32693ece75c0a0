//! The authorisation matrix, generated from the served schema: every root operation, run as every
//! role, anonymously and with a revoked token, is allowed or refused exactly as `policy.rs` says.
//! A new operation without a policy fails here.

use crate::{db_tests, fixtures, support::TestApp};
use async_graphql::parser::{
    parse_schema,
    types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition},
};
use serde_json::{Value, json};
use std::collections::HashMap;
use transfer_register::{
    domain::vocab::Role,
    graphql::{context::Auth, policy},
    service::tokens,
};

db_tests!(every_operation_is_allowed_or_refused_per_role_as_the_policy_says);

/// The schema's types by name, to build arguments.
pub(crate) struct Types<'a>(pub(crate) HashMap<String, &'a TypeKind>);

impl<'a> Types<'a> {
    pub(crate) fn of(doc: &'a ServiceDocument) -> Self {
        Self(
            doc.definitions
                .iter()
                .filter_map(|d| match d {
                    TypeSystemDefinition::Type(t) => {
                        Some((t.node.name.node.to_string(), &t.node.kind))
                    }
                    _ => None,
                })
                .collect(),
        )
    }

    /// A syntactically valid literal for a required input of type `ty`.
    pub(crate) fn literal(&self, ty: &Type, id: &str) -> String {
        match &ty.base {
            BaseType::List(inner) => format!("[{}]", self.literal(inner, id)),
            BaseType::Named(name) => match name.as_str() {
                "ID" => format!("\"{id}\""),
                "String" => "\"GB\"".into(),
                "Int" => "1".into(),
                "Boolean" => "false".into(),
                "Date" => "\"2024-01-01\"".into(),
                other => match self.0.get(other) {
                    Some(TypeKind::Enum(e)) => e.values[0].node.value.node.to_string(),
                    Some(TypeKind::InputObject(i)) => {
                        let fields: Vec<String> = i
                            .fields
                            .iter()
                            .filter(|f| !f.node.ty.node.nullable)
                            .map(|f| {
                                format!(
                                    "{}: {}",
                                    f.node.name.node,
                                    self.literal(&f.node.ty.node, id)
                                )
                            })
                            .collect();
                        format!("{{ {} }}", fields.join(", "))
                    }
                    _ => "\"x\"".into(),
                },
            },
        }
    }

    /// `__typename` for objects, nothing for scalars and enums.
    pub(crate) fn selection(&self, ty: &Type) -> &'static str {
        let mut base = &ty.base;
        while let BaseType::List(inner) = base {
            base = &inner.base;
        }
        match base {
            BaseType::Named(name)
                if matches!(self.0.get(name.as_str()), Some(TypeKind::Object(_))) =>
            {
                "{ __typename }"
            }
            _ => "",
        }
    }
}

/// Every root field as `(operation type, field, document)`.
fn operations(sdl: &str, id: &str) -> Vec<(String, String, String)> {
    let doc = parse_schema(sdl).expect("schema parses");
    let types = Types::of(&doc);
    let mut out = Vec::new();
    for (root, keyword) in [
        ("Query", "query"),
        ("Mutation", "mutation"),
        ("Subscription", "subscription"),
    ] {
        let Some(TypeKind::Object(object)) = types.0.get(root) else {
            continue;
        };
        for field in &object.fields {
            let args: Vec<String> = field
                .node
                .arguments
                .iter()
                .filter(|a| !a.node.ty.node.nullable)
                .map(|a| {
                    format!(
                        "{}: {}",
                        a.node.name.node,
                        types.literal(&a.node.ty.node, id)
                    )
                })
                .collect();
            let args = if args.is_empty() {
                String::new()
            } else {
                format!("({})", args.join(", "))
            };
            let document = format!(
                "{keyword} {{ {}{args} {} }}",
                field.node.name.node,
                types.selection(&field.node.ty.node)
            );
            out.push((root.to_string(), field.node.name.node.to_string(), document));
        }
    }
    out
}

fn codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

async fn every_operation_is_allowed_or_refused_per_role_as_the_policy_says(app: TestApp) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let org_id: i64 = org.parse().expect("id");
    let sdl = app.state.schema.sdl();
    let ops = operations(&sdl, &org);
    assert!(ops.len() > 20, "the schema's operations were found");
    let missing: Vec<String> = ops
        .iter()
        .filter(|(root, field, _)| policy::allowed_roles(root, field).is_none())
        .map(|(root, field, _)| format!("{root}.{field}"))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without an access policy: {missing:?}"
    );

    let (_, revoked) = tokens::create(&app.state.db, "revoked", Role::Dpo, None, None)
        .await
        .expect("token");
    tokens::revoke(&app.state.db, "revoked")
        .await
        .expect("revoke");
    assert!(
        tokens::authenticate(&app.state.db, &revoked)
            .await
            .expect("auth")
            .is_none()
    );

    let mut callers = vec![
        ("anonymous".to_string(), Auth::Anonymous, None),
        ("revoked".to_string(), Auth::Rejected, None),
    ];
    for role in [
        Role::Admin,
        Role::Procurement,
        Role::Dpo,
        Role::Auditor,
        Role::Processor,
    ] {
        let organisation = (role == Role::Processor).then_some(org_id);
        callers.push((
            role.to_string(),
            Auth::Token(app.principal(role, organisation).await),
            Some(role),
        ));
    }
    for (root, field, document) in &ops {
        if root == "Subscription" {
            continue; // checked by the subscription tests over /graphql/ws
        }
        let allowed = policy::allowed_roles(root, field).unwrap_or(&[]);
        for (who, auth, role) in &callers {
            let response = app.exec(auth.clone(), document, json!({})).await;
            let codes = codes(&response);
            match role {
                None => assert_eq!(
                    codes,
                    ["UNAUTHENTICATED"],
                    "{who} {root}.{field}: {response}"
                ),
                // Allowed by the policy: the operation may still refuse on the data (a
                // PROCESSOR confirming a task that is not its own), but not as a policy refusal.
                Some(role) if allowed.contains(role) => assert!(
                    !codes.iter().any(|c| c == "UNAUTHENTICATED")
                        && !response.to_string().contains("may not run")
                        && !response.to_string().contains("has no access policy"),
                    "{who} may run {root}.{field}: {response}"
                ),
                Some(_) => assert_eq!(
                    codes,
                    ["FORBIDDEN"],
                    "{who} may not run {root}.{field}: {response}"
                ),
            }
        }
    }
}
