//! The authorisation matrix, written out here and checked against the served service: every root
//! operation, run as every role, anonymously and with a revoked token, over HTTP (queries and
//! mutations) or WebSocket (subscriptions), is allowed or refused with the code the table below
//! says. The table is independent of `policy.rs`: a change of policy
//! shows here as a failing row, and a new operation fails until it has a row.

use crate::{db_tests, fixtures, sockets, support::TestApp};
use async_graphql::parser::{
    parse_schema,
    types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition},
};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use transfer_register::{domain::vocab::Role, graphql::policy, service::tokens};

db_tests!(every_operation_is_allowed_or_refused_per_role_as_the_table_says);

/// What a caller gets from an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The operation runs: it may still fail on its input (`NOT_FOUND`, `BAD_USER_INPUT`), but is
    /// neither `FORBIDDEN` nor `UNAUTHENTICATED`, nor a fault (`INTERNAL`).
    Runs,
    /// Refused with this code, and only this error.
    Refused(&'static str),
}

const OK: Expect = Expect::Runs;
const NO: Expect = Expect::Refused("FORBIDDEN");
const ANON: Expect = Expect::Refused("UNAUTHENTICATED");

/// The callers of the table's columns, in order.
const CALLERS: [&str; 6] = [
    "ADMIN",
    "PROCUREMENT",
    "DPO",
    "AUDITOR",
    "PROCESSOR",
    "anonymous",
];

/// Every root field of the schema and what each caller gets. Columns: ADMIN, PROCUREMENT, DPO,
/// AUDITOR, PROCESSOR (a token bound to an organisation), anonymous. A revoked token is
/// `UNAUTHENTICATED` everywhere.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [Expect; 6])] = &[
    // The register: every reader, never a processor.
    ("Query", "organisation",                 [OK, OK, OK, OK, NO, ANON]),
    ("Query", "organisations",                [OK, OK, OK, OK, NO, ANON]),
    ("Query", "processingActivity",           [OK, OK, OK, OK, NO, ANON]),
    ("Query", "processingActivities",         [OK, OK, OK, OK, NO, ANON]),
    ("Query", "dataFlow",                     [OK, OK, OK, OK, NO, ANON]),
    ("Query", "dataFlows",                    [OK, OK, OK, OK, NO, ANON]),
    ("Query", "dataCategories",               [OK, OK, OK, OK, NO, ANON]),
    ("Query", "subjectCategories",            [OK, OK, OK, OK, NO, ANON]),
    ("Query", "transferRegister",             [OK, OK, OK, OK, NO, ANON]),
    ("Query", "complianceGaps",               [OK, OK, OK, OK, NO, ANON]),
    ("Query", "transferRegisterPage",         [OK, OK, OK, OK, NO, ANON]),
    ("Query", "verdictChanges",               [OK, OK, OK, OK, NO, ANON]),
    ("Query", "transfersByDestination",       [OK, OK, OK, OK, NO, ANON]),
    ("Query", "adequacyDecisions",            [OK, OK, OK, OK, NO, ANON]),
    ("Query", "assessTransfer",               [OK, OK, OK, OK, NO, ANON]),
    ("Query", "whatIf",                       [OK, OK, OK, OK, NO, ANON]),
    ("Query", "areaCountries",                [OK, OK, OK, OK, NO, ANON]),
    ("Query", "subprocessorChange",           [OK, OK, OK, OK, OK, ANON]),
    ("Query", "subprocessorChanges",          [OK, OK, OK, OK, OK, ANON]),
    ("Query", "dueItems",                     [OK, OK, OK, OK, NO, ANON]),
    ("Query", "contract",                     [OK, OK, OK, OK, NO, ANON]),
    // Who the caller is: every token.
    ("Query", "viewer",                       [OK, OK, OK, OK, OK, ANON]),
    // Data subjects, their requests and the audit trail: the privacy team and the auditor only.
    ("Query", "whoHolds",                     [OK, NO, OK, OK, NO, ANON]),
    ("Query", "dataSubjectRequest",           [OK, NO, OK, OK, NO, ANON]),
    ("Query", "dataSubjectRequests",          [OK, NO, OK, OK, NO, ANON]),
    ("Query", "overdueDsrTasks",              [OK, NO, OK, OK, NO, ANON]),
    ("Query", "auditEvents",                  [OK, NO, OK, OK, NO, ANON]),
    // A processor reads its own tasks.
    ("Query", "dsrTasks",                     [OK, NO, OK, OK, OK, ANON]),
    // Registering: procurement and the privacy team, never the auditor.
    ("Mutation", "registerOrganisation",      [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "updateOrganisation",        [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "offboardOrganisation",      [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "addLocation",               [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "removeLocation",            [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "registerProcessingActivity",[OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "recordDataFlow",            [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "updateDataFlow",            [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "endDataFlow",               [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "updateProcessingActivity",  [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "endProcessingActivity",     [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "defineDataCategory",        [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "defineSubjectCategory",     [OK, OK, OK, NO, NO, ANON]),
    // The secret signs erasure requests: only those who send them (not PROCUREMENT).
    ("Mutation", "rotateWebhookSecret",       [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "importRecords",             [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "recordContract",            [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "attachContractDocument",    [OK, OK, OK, NO, NO, ANON]),
    ("Mutation", "linkDpfEntry",              [OK, OK, OK, NO, NO, ANON]),
    // A transfer impact assessment is the privacy team's legal judgement.
    ("Mutation", "recordTransferImpactAssessment", [OK, NO, OK, NO, NO, ANON]),
    // Data subjects and their requests: the privacy team only.
    ("Mutation", "registerSubject",           [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "registerSubjects",          [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "unlinkSubject",             [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "removeSubject",             [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "fileDataSubjectRequest",    [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "extendDeadline",            [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "closeDataSubjectRequest",   [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "recordDataReturned",        [OK, NO, OK, NO, NO, ANON]),
    // A processor confirms its own tasks (which ones is the service's check, tested elsewhere).
    ("Mutation", "confirmTask",               [OK, NO, OK, NO, OK, ANON]),
    // Sub-processor changes: announced by registrars and by the processor itself (its own only,
    // the service's check, tested elsewhere); decided by the privacy team only.
    ("Mutation", "announceSubprocessorChange",[OK, OK, OK, NO, OK, ANON]),
    ("Mutation", "withdrawSubprocessorChange",[OK, OK, OK, NO, OK, ANON]),
    ("Mutation", "decideSubprocessorChange",  [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "addSubprocessorListSubscriber", [OK, NO, OK, NO, NO, ANON]),
    ("Mutation", "removeSubprocessorListSubscriber", [OK, NO, OK, NO, NO, ANON]),
    ("Query", "subprocessorListSubscribers",  [OK, NO, OK, NO, NO, ANON]),
    // Chasing a holder and the outbox of e-mails without SMTP: the privacy team only.
    ("Mutation", "sendReminder",              [OK, NO, OK, NO, NO, ANON]),
    ("Query", "outbox",                       [OK, NO, OK, NO, NO, ANON]),
    // People's sessions (sign-in with the identity provider): the administrators only.
    ("Query", "sessions",                     [OK, NO, NO, NO, NO, ANON]),
    ("Mutation", "endSession",                [OK, NO, NO, NO, NO, ANON]),
    // Watching a request: as reading it.
    ("Subscription", "dataSubjectRequestUpdated", [OK, NO, OK, OK, NO, ANON]),
];

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

/// Runs a subscription over the served WebSocket endpoint as the holder of `token` (none:
/// anonymous) and returns its first response. A socket without a valid token is refused at
/// `connection_init` (close code 4403): that refusal reads as `UNAUTHENTICATED`.
async fn subscribe(base: &str, token: Option<&str>, document: &str) -> Value {
    let mut socket = sockets::open(base).await;
    match sockets::initialise(&mut socket, token).await {
        Ok(()) => sockets::operation(&mut socket, "1", document, json!({})).await,
        Err(Some(4403)) => json!({ "errors": [{ "extensions": { "code": "UNAUTHENTICATED" } }] }),
        Err(other) => panic!("connection_init was closed with {other:?}, not refused with 4403"),
    }
}

/// Runs a query or mutation with `POST /graphql` as the holder of `token` (none: anonymous).
async fn post(client: &reqwest::Client, base: &str, token: Option<&str>, document: &str) -> Value {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": document }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("post");
    response.json().await.expect("a JSON response")
}

/// A request task of `organisation` (the controller of a subject's activity), delivered by hand:
/// one its PROCESSOR token, the DPO and ADMIN may all confirm.
async fn own_task(app: &TestApp, organisation: &str) -> String {
    let activity = fixtures::activity(app, organisation, &["contact.email"]).await;
    app.ok(
        "mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }",
        json!({ "input": {
            "identifiers": { "email": "ada@example.com" }, "activityIds": [activity] } }),
    )
    .await;
    let filed = app
        .ok(
            "mutation($input: FileDataSubjectRequestInput!) {
               fileDataSubjectRequest(input: $input) { tasks { id channel organisation { id } } } }",
            json!({ "input": { "subject": { "email": "ada@example.com" }, "kind": "ERASURE" } }),
        )
        .await;
    let tasks = &filed["fileDataSubjectRequest"]["tasks"];
    assert_eq!(
        tasks[0]["organisation"]["id"],
        json!(organisation),
        "{tasks}"
    );
    assert_eq!(tasks[0]["channel"], json!("MANUAL"), "{tasks}");
    tasks[0]["id"].as_str().expect("task id").to_string()
}

/// A sub-processor change `organisation` announced (it processes an activity of another
/// controller and adds a sub-processor): one its PROCESSOR token may withdraw.
async fn own_change(app: &TestApp, organisation: &str) -> String {
    let controller = fixtures::org(
        app,
        json!({ "name": "Controller", "kind": "GROUP_COMPANY", "country": "IE" }),
    )
    .await;
    let sub = fixtures::org(
        app,
        json!({ "name": "Sub", "kind": "SUBCONTRACTOR", "country": "DE" }),
    )
    .await;
    let activity = fixtures::activity(app, &controller, &["contact.email"]).await;
    fixtures::flow(
        app,
        json!({ "activityId": activity, "fromId": controller, "toId": organisation,
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
    )
    .await;
    let data = app
        .ok(
            "mutation($input: AnnounceSubprocessorChangeInput!) {
               announceSubprocessorChange(input: $input) { id } }",
            json!({ "input": { "processorId": organisation, "kind": "ADD", "subprocessorId": sub,
                    "activityIds": [activity], "dataCategories": ["contact.email"],
                    "announcedOn": "2026-09-01", "effectiveOn": "2026-10-01" } }),
        )
        .await;
    data["announceSubprocessorChange"]["id"]
        .as_str()
        .expect("change id")
        .to_string()
}

/// Whether `response` is what `expect` says.
fn check(expect: Expect, who: &str, operation: &str, response: &Value) {
    let codes = codes(response);
    match expect {
        // A fault is no answer either: an operation that fails INTERNAL for one role (and not
        // for another) would otherwise pass as allowed.
        Expect::Runs => assert!(
            !codes
                .iter()
                .any(|c| c == "FORBIDDEN" || c == "UNAUTHENTICATED" || c == "INTERNAL"),
            "{who} may run {operation}, and it runs without a fault: {response}"
        ),
        Expect::Refused(code) => assert_eq!(
            codes,
            [code],
            "{who} is refused {operation} with {code}: {response}"
        ),
    }
}

async fn every_operation_is_allowed_or_refused_per_role_as_the_table_says(app: TestApp) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let org_id: i64 = org.parse().expect("id");
    let task = own_task(&app, &org).await;
    let change = own_change(&app, &org).await;
    let sdl = app.state.schema.sdl();
    // `confirmTask` is run on a task the PROCESSOR may confirm and `withdrawSubprocessorChange`
    // on a change of its own (every other operation is given the organisation's id wherever it
    // takes an id): a processor is refused other tasks and other processors' changes.
    let ops: Vec<_> = operations(&sdl, &org)
        .into_iter()
        .zip(operations(&sdl, &task))
        .zip(operations(&sdl, &change))
        .map(|((op, on_task), on_change)| match op.1.as_str() {
            "confirmTask" => on_task,
            "withdrawSubprocessorChange" => on_change,
            _ => op,
        })
        .collect();
    assert!(ops.len() > 20, "the schema's operations were found");

    // The table and the schema name the same operations, each once.
    let served: BTreeSet<(String, String)> = ops
        .iter()
        .map(|(root, field, _)| (root.clone(), field.clone()))
        .collect();
    let tabled: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(root, field, _)| (root.to_string(), field.to_string()))
        .collect();
    assert_eq!(tabled.len(), MATRIX.len(), "an operation has two rows");
    let untabled: Vec<_> = served.difference(&tabled).collect();
    assert!(
        untabled.is_empty(),
        "operations without a row in MATRIX (decide who may run them): {untabled:?}"
    );
    let unserved: Vec<_> = tabled.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "rows of MATRIX for operations the schema does not serve: {unserved:?}"
    );
    // Deny by default is a safety net, not a policy: every operation has its entry.
    let missing: Vec<String> = ops
        .iter()
        .filter(|(root, field, _)| policy::allowed_roles(root, field).is_none())
        .map(|(root, field, _)| format!("{root}.{field}"))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without an access policy: {missing:?}"
    );
    // Every role may ask who it is (the console adapts to the answer).
    assert_eq!(
        policy::allowed_roles("Query", "viewer"),
        Some(
            &[
                Role::Admin,
                Role::Procurement,
                Role::Dpo,
                Role::Auditor,
                Role::Processor
            ][..]
        )
    );

    let (_, revoked) = tokens::create(
        &app.state.db,
        &app.state.audit_key,
        "revoked",
        Role::Dpo,
        None,
        None,
    )
    .await
    .expect("token");
    tokens::revoke(&app.state.db, &app.state.audit_key, "revoked")
        .await
        .expect("revoke");
    assert!(
        tokens::authenticate(&app.state.db, &revoked)
            .await
            .expect("auth")
            .is_none()
    );

    // Each column's caller, as the bearer token it sends (none for anonymous).
    let mut callers: Vec<(&str, Option<String>)> = Vec::new();
    for (column, role) in CALLERS.iter().zip([
        Some(Role::Admin),
        Some(Role::Procurement),
        Some(Role::Dpo),
        Some(Role::Auditor),
        Some(Role::Processor),
        None,
    ]) {
        let Some(role) = role else {
            callers.push((column, None));
            continue;
        };
        assert_eq!(*column, role.as_str(), "the columns are in CALLERS order");
        let organisation = (role == Role::Processor).then_some(org_id);
        let name = format!("matrix-{column}");
        let (_, secret) = tokens::create(
            &app.state.db,
            &app.state.audit_key,
            &name,
            role,
            organisation,
            None,
        )
        .await
        .expect("token");
        callers.push((column, Some(secret)));
    }
    callers.push(("a revoked token", Some(revoked)));

    let base = app.serve().await;
    let client = reqwest::Client::new();
    for (root, field, document) in &ops {
        let (_, _, row) = MATRIX
            .iter()
            .find(|(r, f, _)| r == root && f == field)
            .expect("a row");
        let operation = format!("{root}.{field}");
        let expected = row.iter().chain([&ANON]);
        for ((who, token), expect) in callers.iter().zip(expected) {
            let response = if root == "Subscription" {
                subscribe(&base, token.as_deref(), document).await
            } else {
                post(&client, &base, token.as_deref(), document).await
            };
            check(*expect, who, &operation, &response);
        }
    }
}
