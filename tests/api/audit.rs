//! The audit trail: an event per change, chained by hash, tampering detected.

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use transfer_register::{domain::vocab::Role, graphql::context::Auth, service::audit};

db_tests!(
    every_change_writes_an_event_with_who_what_and_before_and_after,
    a_refused_mutation_writes_no_event,
    tampering_with_an_event_is_caught_by_audit_verify,
    deleting_an_event_is_caught_by_audit_verify,
    only_auditors_dpos_and_admins_read_the_trail,
    subject_changes_are_audited_without_any_identifier,
    the_database_itself_refuses_to_change_or_delete_an_event,
    an_import_writes_its_events_together_in_file_order_and_the_chain_goes_on,
    an_import_of_more_events_than_one_insert_carries_keeps_the_chain_whole,
);

/// Seals every committed event, as `audit verify` does first.
pub async fn seal(app: &TestApp) {
    transfer_register::service::sealing::seal(&app.state.db, &app.state.audit_key)
        .await
        .expect("seal");
}

/// What someone with rights on the database would do before rewriting history.
pub async fn drop_append_only_triggers(app: &TestApp) {
    let statements: &[&str] = match app.backend {
        crate::support::Backend::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_event_no_update",
            "DROP TRIGGER IF EXISTS audit_event_no_delete",
            "DROP TRIGGER IF EXISTS audit_event_insert_unsealed",
        ],
        crate::support::Backend::Postgres => &[
            "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
            "DROP TRIGGER IF EXISTS audit_event_insert_unsealed ON audit_event",
        ],
    };
    for sql in statements {
        app.state
            .db
            .execute_unprepared(sql)
            .await
            .expect("drop trigger");
    }
}

async fn the_database_itself_refuses_to_change_or_delete_an_event(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    let before = app.count("audit_event").await;
    assert!(
        app.state
            .db
            .execute_unprepared("UPDATE audit_event SET actor = 'x' WHERE id = 2")
            .await
            .is_err()
    );
    assert!(
        app.state
            .db
            .execute_unprepared("DELETE FROM audit_event WHERE id = 2")
            .await
            .is_err()
    );
    assert_eq!(app.count("audit_event").await, before);
    assert_eq!(
        audit::verify(&app.state.db, &app.state.audit_key)
            .await
            .expect("verify"),
        Ok(u64::try_from(app.count("audit_event").await).expect("count")),
        "every event checked"
    );
}

async fn subject_changes_are_audited_without_any_identifier(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let register =
        r#"mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }"#;
    let identifiers = json!({ "email": "Grace.Hopper@Example.com", "phone": "+44 20 7946 0958", "accountNumber": "ACC-7" });
    app.ok(
        register,
        json!({ "input": { "identifiers": identifiers, "activityIds": [seed.activity] } }),
    )
    .await;
    app.ok(
        r#"mutation($s: SubjectIdentifierInput!) { removeSubject(subject: $s) }"#,
        json!({ "s": { "email": "grace.hopper@example.com" } }),
    )
    .await;
    let data = app.ok(EVENTS, json!({ "entity": "data_subject" })).await;
    let events = nodes(&data);
    let ops: Vec<&str> = events
        .iter()
        .filter_map(|e| e["operation"].as_str())
        .collect();
    assert_eq!(ops, ["registerSubject", "removeSubject"]);
    let all = app
        .ok(
            "{ auditEvents(first: 1000) { edges { node { before after } } } }",
            json!({}),
        )
        .await
        .to_string();
    // The phone number in every form it could be written in; not a fragment such as "7946",
    // which a timestamp's microseconds or a keyed hash's hex can contain by chance.
    for secret in ["hopper", "2079460958", "20 7946 0958", "ACC-7"] {
        assert!(
            !all.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} must not be in the audit trail"
        );
    }
}

const EVENTS: &str = r#"query($entity: String, $id: ID) { auditEvents(entity: $entity, id: $id) {
  totalCount edges { node { actor actorRole operation entity recordId before after hash prevHash } } } }"#;

fn nodes(data: &Value) -> Vec<Value> {
    data["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn every_change_writes_an_event_with_who_what_and_before_and_after(app: TestApp) {
    let id = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    app.ok(
        r#"mutation($id: ID!) { updateOrganisation(input: { id: $id, dpfCertified: true }) { id } }"#,
        json!({ "id": id }),
    )
    .await;
    app.ok(
        r#"mutation($id: ID!) { offboardOrganisation(id: $id) { id } }"#,
        json!({ "id": id }),
    )
    .await;
    let data = app
        .ok(EVENTS, json!({ "entity": "organisation", "id": id }))
        .await;
    let events = nodes(&data);
    let ops: Vec<&str> = events
        .iter()
        .filter_map(|e| e["operation"].as_str())
        .collect();
    assert_eq!(
        ops,
        [
            "registerOrganisation",
            "updateOrganisation",
            "offboardOrganisation"
        ]
    );
    assert_eq!(events[0]["before"], json!(null));
    assert_eq!(events[0]["actorRole"], "ADMIN");
    let before: Value =
        serde_json::from_str(events[1]["before"].as_str().expect("before")).expect("json");
    let after: Value =
        serde_json::from_str(events[1]["after"].as_str().expect("after")).expect("json");
    assert_eq!(
        (
            before["dpf_certified"].clone(),
            after["dpf_certified"].clone()
        ),
        (json!(false), json!(true))
    );
    assert_eq!(
        events[1]["prevHash"], events[0]["hash"],
        "each event names its predecessor's hash"
    );
    let history = app
        .ok(
            r#"query($id: ID!) { organisation(id: $id) { history { totalCount } } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(history["organisation"]["history"]["totalCount"], 3);
    seal(&app).await;
    assert_eq!(
        audit::verify(&app.state.db, &app.state.audit_key)
            .await
            .expect("verify"),
        Ok(u64::try_from(app.count("audit_event").await).expect("count")),
        "every event checked"
    );
}

async fn a_refused_mutation_writes_no_event(app: TestApp) {
    app.ok("{ dataCategories { code } }", json!({})).await; // creates the admin token first (an event)
    let before = app.count("audit_event").await;
    let response = app
        .gql(r#"mutation { registerOrganisation(input: { name: "Acme", kind: SUPPLIER, country: "XX" }) { id } }"#, json!({}))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("country"));
    assert_eq!(app.count("audit_event").await, before);
}

async fn tampering_with_an_event_is_caught_by_audit_verify(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    assert_eq!(
        audit::verify(&app.state.db, &app.state.audit_key)
            .await
            .expect("verify"),
        Ok(u64::try_from(app.count("audit_event").await).expect("count")),
        "every event checked"
    );
    drop_append_only_triggers(&app).await;
    app.state
        .db
        .execute_unprepared("UPDATE audit_event SET actor = 'someone-else' WHERE id = 3")
        .await
        .expect("tamper");
    let broken = audit::verify(&app.state.db, &app.state.audit_key)
        .await
        .expect("verify")
        .expect_err("tampering is caught");
    assert_eq!(broken.event_id, 3);
    assert!(broken.reason.contains("altered"), "{}", broken.reason);
}

async fn deleting_an_event_is_caught_by_audit_verify(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    drop_append_only_triggers(&app).await;
    app.state
        .db
        .execute_unprepared("DELETE FROM audit_event WHERE id = 2")
        .await
        .expect("delete");
    let broken = audit::verify(&app.state.db, &app.state.audit_key)
        .await
        .expect("verify")
        .expect_err("deletion is caught");
    assert_eq!(
        broken.event_id, 3,
        "the event after the gap is the first that no longer fits"
    );
    let last = app.count("audit_event").await;
    app.state
        .db
        .execute_unprepared(&format!("INSERT INTO audit_event (id, occurred_at, actor, actor_role, operation, entity, record_id, prev_hash, hash) SELECT 2, occurred_at, actor, actor_role, operation, entity, record_id, prev_hash, hash FROM audit_event WHERE id = {}", last + 1))
        .await
        .expect("forge");
    assert!(
        audit::verify(&app.state.db, &app.state.audit_key)
            .await
            .expect("verify")
            .is_err(),
        "a forged event is caught too"
    );
}

async fn only_auditors_dpos_and_admins_read_the_trail(app: TestApp) {
    let id = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    for (role, allowed) in [
        (Role::Auditor, true),
        (Role::Dpo, true),
        (Role::Admin, true),
        (Role::Procurement, false),
    ] {
        let auth = Auth::Token(app.principal(role, None).await);
        let response = app.exec(auth.clone(), EVENTS, json!({})).await;
        let history = app
            .exec(
                auth,
                r#"query($id: ID!) { organisation(id: $id) { history { totalCount } } }"#,
                json!({ "id": id }),
            )
            .await;
        if allowed {
            assert!(response.get("errors").is_none(), "{role}: {response:#}");
            assert!(history.get("errors").is_none(), "{role}: {history:#}");
        } else {
            assert_error(&response, "FORBIDDEN", None);
            assert_eq!(history["errors"][0]["extensions"]["code"], "FORBIDDEN");
        }
    }
}

#[tokio::test]
async fn the_audit_verify_command_exits_non_zero_naming_the_first_broken_event() {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("r.sqlite").display());
    let bin = env!("CARGO_BIN_EXE_transfer-register");
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .expect("run")
    };
    for name in ["a", "b", "c"] {
        assert!(
            run(&["token", "create", "--name", name, "--role", "DPO"])
                .status
                .success()
        );
    }
    // The command line's events wait for a sealer (no `serve` runs here): without sealing,
    // verify reports them as the unsealed tail; by default it seals them first.
    let unsealed = run(&["audit", "verify", "--no-seal"]);
    assert!(unsealed.status.success());
    let said = String::from_utf8_lossy(&unsealed.stdout);
    assert!(
        said.contains("intact: 0 events; 3 more not sealed yet"),
        "{said}"
    );
    let ok = run(&["audit", "verify"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let said = String::from_utf8_lossy(&ok.stdout);
    assert!(
        said.contains("3 events; none waiting to be sealed"),
        "{said}"
    );
    let db = sea_orm::Database::connect(&url).await.expect("db");
    db.execute_unprepared("DROP TRIGGER audit_event_no_update")
        .await
        .expect("drop trigger");
    db.execute_unprepared("UPDATE audit_event SET operation = 'tokenRevoke' WHERE id = 2")
        .await
        .expect("tamper");
    db.close().await.expect("close");
    let broken = run(&["audit", "verify"]);
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("event 2"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

const IMPORT: &str = "mutation($content: String!) {
  importRecords(kind: ORGANISATIONS, fileName: \"o.csv\", content: $content) { imported errors { line } } }";

/// 1,201 events take three INSERTs (500 each at most), the last of them carrying the head's
/// update on PostgreSQL: the chain is whole across the pieces, and the next write goes on
/// from the head they left.
async fn an_import_of_more_events_than_one_insert_carries_keeps_the_chain_whole(app: TestApp) {
    // The first request creates the test's token (an event of its own): count after it.
    fixtures::org(
        &app,
        json!({ "name": "Before the bulk", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let before = app.count("audit_event").await;
    let n = 1201;
    let rows: Vec<String> = (0..n)
        .map(|i| format!("Bulk {i} Ltd,SUPPLIER,GB"))
        .collect();
    let file = format!("name,kind,country\n{}\n", rows.join("\n"));
    let imported = app.ok(IMPORT, json!({ "content": file })).await;
    assert_eq!(imported["importRecords"]["imported"], n, "{imported}");
    fixtures::org(
        &app,
        json!({ "name": "After the bulk", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let total = before + n + 1;
    assert_eq!(app.count("audit_event").await, total);
    seal(&app).await;
    assert_eq!(
        audit::verify(&app.state.db, &app.state.audit_key)
            .await
            .expect("verify"),
        Ok(u64::try_from(total).expect("count")),
    );
}

/// An import gathers its events and writes them together before it commits: one event per
/// record, in the file's order, chained as one-by-one recording would chain them, and none at
/// all when the import is refused.
async fn an_import_writes_its_events_together_in_file_order_and_the_chain_goes_on(app: TestApp) {
    fixtures::org(
        &app,
        json!({ "name": "Before", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let before = app.count("audit_event").await;
    let refused = app
        .ok(
            IMPORT,
            json!({ "content": "name,kind,country\nGood Ltd,SUPPLIER,GB\nBad Ltd,VENDOR,GB\n" }),
        )
        .await;
    assert_eq!(refused["importRecords"]["imported"], 0, "{refused}");
    assert_eq!(
        app.count("audit_event").await,
        before,
        "a refused import writes no event"
    );
    let names = ["Imported A", "Imported B", "Imported C"];
    let file = format!(
        "name,kind,country\n{}\n",
        names.map(|n| format!("{n},SUPPLIER,GB")).join("\n")
    );
    let imported = app.ok(IMPORT, json!({ "content": file })).await;
    assert_eq!(imported["importRecords"]["imported"], 3, "{imported}");
    fixtures::org(
        &app,
        json!({ "name": "After", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    assert_eq!(app.count("audit_event").await, before + 4);
    seal(&app).await;
    assert_eq!(
        audit::verify(&app.state.db, &app.state.audit_key)
            .await
            .expect("verify"),
        Ok(u64::try_from(before + 4).expect("count")),
        "the chain is intact through the batch and after it"
    );
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT after FROM audit_event WHERE entity = 'organisation' ORDER BY id DESC LIMIT 4",
        ))
        .await
        .expect("events");
    let shown: Vec<String> = rows
        .iter()
        .rev()
        .map(|r| {
            r.try_get::<Option<String>>("", "after")
                .expect("after")
                .unwrap_or_default()
        })
        .collect();
    for (event, name) in shown.iter().zip(names.iter().chain(["After"].iter())) {
        assert!(event.contains(name), "{name} in file order: {shown:?}");
    }
}
