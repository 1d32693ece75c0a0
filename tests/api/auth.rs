//! Tokens and the role policy.

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use serde_json::json;
use transfer_register::{domain::vocab::Role, graphql::context::Auth, service::tokens};

db_tests!(
    operations_without_a_valid_token_are_unauthenticated,
    roles_reach_only_the_operations_their_policy_names,
    a_revoked_or_expired_token_is_refused_at_once,
    processor_tokens_need_an_existing_organisation,
);

const REGISTER: &str = r#"mutation { registerOrganisation(input: { name: "Acme", kind: SUPPLIER, country: "US" }) { id } }"#;

async fn operations_without_a_valid_token_are_unauthenticated(app: TestApp) {
    for auth in [Auth::Anonymous, Auth::Rejected] {
        assert_error(
            &app.exec(auth.clone(), "{ organisations { totalCount } }", json!({}))
                .await,
            "UNAUTHENTICATED",
            None,
        );
        assert_error(
            &app.exec(auth, REGISTER, json!({})).await,
            "UNAUTHENTICATED",
            None,
        );
    }
    assert_eq!(app.count("organisation").await, 0);
    let open = app
        .exec(
            Auth::Anonymous,
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        open["data"]["__schema"]["queryType"]["name"], "Query",
        "introspection is open: the schema is public"
    );
}

async fn roles_reach_only_the_operations_their_policy_names(app: TestApp) {
    let supplier = fixtures::org(
        &app,
        json!({ "name": "Cumulus", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let supplier_id: i64 = supplier.parse().expect("id");
    let read = "{ organisations { totalCount } }";
    for role in [Role::Admin, Role::Procurement, Role::Dpo, Role::Auditor] {
        let p = app.principal(role, None).await;
        let response = app.exec(Auth::Token(p), read, json!({})).await;
        assert!(
            response.get("errors").is_none(),
            "{role} may read: {response:#}"
        );
    }
    for role in [Role::Admin, Role::Procurement, Role::Dpo] {
        let p = app.principal(role, None).await;
        let response = app.exec(Auth::Token(p), REGISTER, json!({})).await;
        assert!(
            response.get("errors").is_none(),
            "{role} may register: {response:#}"
        );
    }
    let before = app.count("organisation").await;
    let auditor = app.principal(Role::Auditor, None).await;
    assert_error(
        &app.exec(Auth::Token(auditor), REGISTER, json!({})).await,
        "FORBIDDEN",
        None,
    );
    let processor = app.principal(Role::Processor, Some(supplier_id)).await;
    assert_error(
        &app.exec(Auth::Token(processor.clone()), REGISTER, json!({}))
            .await,
        "FORBIDDEN",
        None,
    );
    assert_error(
        &app.exec(Auth::Token(processor), read, json!({})).await,
        "FORBIDDEN",
        None,
    );
    assert_eq!(
        app.count("organisation").await,
        before,
        "refused mutations wrote nothing"
    );
}

async fn a_revoked_or_expired_token_is_refused_at_once(app: TestApp) {
    let db = &app.state.db;
    let (_, secret) = tokens::create(db, &app.state.audit_key, "ci", Role::Dpo, None, None)
        .await
        .expect("create");
    assert!(
        tokens::authenticate(db, &secret)
            .await
            .expect("auth")
            .is_some()
    );
    tokens::revoke(db, &app.state.audit_key, "ci")
        .await
        .expect("revoke");
    assert!(
        tokens::authenticate(db, &secret)
            .await
            .expect("auth")
            .is_none()
    );
    assert!(
        tokens::revoke(db, &app.state.audit_key, "nobody")
            .await
            .is_err()
    );

    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let (_, expired) = tokens::create(db, &app.state.audit_key, "old", Role::Dpo, None, Some(past))
        .await
        .expect("create");
    assert!(
        tokens::authenticate(db, &expired)
            .await
            .expect("auth")
            .is_none()
    );
    assert!(
        tokens::authenticate(db, "trk_not-a-real-token")
            .await
            .expect("auth")
            .is_none()
    );
    assert!(
        tokens::create(db, &app.state.audit_key, "ci", Role::Admin, None, None)
            .await
            .is_err(),
        "names are unique"
    );
    let stored = tokens::list(db).await.expect("list");
    assert!(
        stored
            .iter()
            .all(|t| !t.token_hash.contains(&secret) && t.token_hash.len() == 64),
        "only digests are kept"
    );
}

async fn processor_tokens_need_an_existing_organisation(app: TestApp) {
    let db = &app.state.db;
    assert!(
        tokens::create(db, &app.state.audit_key, "p1", Role::Processor, None, None)
            .await
            .is_err()
    );
    assert!(
        tokens::create(
            db,
            &app.state.audit_key,
            "p2",
            Role::Processor,
            Some(999),
            None
        )
        .await
        .is_err()
    );
    assert!(
        tokens::create(db, &app.state.audit_key, "p3", Role::Dpo, Some(1), None)
            .await
            .is_err()
    );
}
