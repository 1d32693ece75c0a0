//! The audit chain sealed after commit: writers insert unsealed events without locking the
//! chain's head, the sealer chains every committed one, and nothing is lost, reordered or
//! sealed twice.

use crate::{audit::drop_append_only_triggers, db_tests, fixtures, support::TestApp};
use entity::audit_event;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, TransactionTrait};
use serde_json::json;
use transfer_register::service::{
    audit::{self, Actor, Change},
    sealing, tokens,
};

db_tests!(
    sixteen_concurrent_writers_are_all_sealed_into_one_intact_chain,
    verify_reports_the_unsealed_tail_until_the_sealer_has_run,
    a_sealed_event_altered_afterwards_is_still_caught,
    the_database_allows_the_sealing_update_once_and_nothing_else,
);

db_tests!(
    postgres_only:
    an_event_committed_after_a_later_one_is_sealed_after_it_never_skipped,
);

async fn events(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .expect("events")
}

async fn verified(app: &TestApp) -> u64 {
    audit::verify(&app.state.db, &app.state.audit_key)
        .await
        .expect("verify")
        .expect("intact")
}

const REGISTER: &str = r"mutation($input: RegisterOrganisationInput!) {
  registerOrganisation(input: $input) { id } }";

/// Sixteen writers at once (on PostgreSQL, sixteen transactions in flight, none waiting for
/// the chain's head): every event is sealed, at its own position, and the chain verifies.
async fn sixteen_concurrent_writers_are_all_sealed_into_one_intact_chain(app: TestApp) {
    app.ok("{ __typename }", json!({})).await; // the admin token first
    let before = app.count("audit_event").await;
    let writers = (0..16).map(|w| {
        let app = &app;
        async move {
            for i in 0..5 {
                app.ok(
                    REGISTER,
                    json!({ "input": { "name": format!("Writer {w} Supplier {i}"),
                                       "kind": "SUPPLIER", "country": "US" } }),
                )
                .await;
            }
        }
    });
    futures::future::join_all(writers).await;
    sealing::seal(&app.state.db, &app.state.audit_key)
        .await
        .expect("seal");
    let total = app.count("audit_event").await;
    assert_eq!(total, before + 80, "one event per write");
    assert_eq!(verified(&app).await, u64::try_from(total).expect("count"));
    let tail = sealing::unsealed(&app.state.db).await.expect("tail");
    assert_eq!(tail.events, 0, "{tail:?}");
    let mut positions: Vec<i64> = events(&app)
        .await
        .iter()
        .map(|e| e.chain_position.expect("sealed"))
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=total).collect::<Vec<_>>());
}

/// Events written outside GraphQL (here tokens made by the service, as the command line makes
/// them) wait for the sealer: verify checks the sealed chain and the tail is reported, then a
/// seal takes them in.
async fn verify_reports_the_unsealed_tail_until_the_sealer_has_run(app: TestApp) {
    fixtures::org(
        &app,
        json!({ "name": "Sealed Ltd", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let sealed = app.count("audit_event").await;
    assert_eq!(
        verified(&app).await,
        u64::try_from(sealed).expect("n"),
        "a mutation's events are sealed when it answers"
    );
    for name in ["ci-1", "ci-2", "ci-3"] {
        tokens::create(
            &app.state.db,
            &app.state.audit_key,
            name,
            transfer_register::domain::vocab::Role::Dpo,
            None,
            None,
        )
        .await
        .expect("token");
    }
    let tail = sealing::unsealed(&app.state.db).await.expect("tail");
    assert_eq!(tail.events, 3, "{tail:?}");
    assert!(tail.oldest.is_some());
    assert_eq!(
        verified(&app).await,
        u64::try_from(sealed).expect("n"),
        "the sealed chain is intact; the tail is not counted in it"
    );
    let unsealed: Vec<_> = events(&app)
        .await
        .into_iter()
        .filter(|e| e.chain_position.is_none())
        .collect();
    assert!(
        unsealed
            .iter()
            .all(|e| e.hash.is_empty() && e.prev_hash.is_empty()),
        "{unsealed:?}"
    );
    assert_eq!(
        sealing::seal(&app.state.db, &app.state.audit_key)
            .await
            .expect("seal"),
        3
    );
    assert_eq!(
        sealing::unsealed(&app.state.db).await.expect("tail").events,
        0
    );
    assert_eq!(verified(&app).await, u64::try_from(sealed + 3).expect("n"));
    // Sealing again finds nothing to do and changes nothing.
    let chain = events(&app).await;
    assert_eq!(
        sealing::seal(&app.state.db, &app.state.audit_key)
            .await
            .expect("seal"),
        0
    );
    assert_eq!(events(&app).await, chain);
}

/// Sealing does not weaken the chain: an event altered after it was sealed fails its keyed hash.
async fn a_sealed_event_altered_afterwards_is_still_caught(app: TestApp) {
    fixtures::seed(&app).await;
    sealing::seal(&app.state.db, &app.state.audit_key)
        .await
        .expect("seal");
    verified(&app).await;
    drop_append_only_triggers(&app).await;
    let target = events(&app)
        .await
        .into_iter()
        .nth(4)
        .expect("a fifth event");
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE audit_event SET record_id = 'forged' WHERE id = {}",
            target.id
        ))
        .await
        .expect("tamper");
    let broken = audit::verify(&app.state.db, &app.state.audit_key)
        .await
        .expect("verify")
        .expect_err("caught");
    assert_eq!(broken.event_id, target.id);
    assert!(broken.reason.contains("altered"), "{}", broken.reason);
}

/// The triggers let an unsealed event be sealed once (position and both hashes, nothing else)
/// and refuse everything else: a second seal, a change of content, a deletion, an event inserted
/// already sealed.
async fn the_database_allows_the_sealing_update_once_and_nothing_else(app: TestApp) {
    let db = &app.state.db;
    tokens::create(
        db,
        &app.state.audit_key,
        "unsealed",
        transfer_register::domain::vocab::Role::Dpo,
        None,
        None,
    )
    .await
    .expect("token");
    let id = events(&app).await.last().expect("event").id;
    let refused = |sql: String| async move {
        assert!(db.execute_unprepared(&sql).await.is_err(), "refused: {sql}");
    };
    // Its content, even while unsealed.
    refused(format!(
        "UPDATE audit_event SET actor = 'someone-else' WHERE id = {id}"
    ))
    .await;
    // A seal that changes the content as well.
    refused(format!(
        "UPDATE audit_event SET chain_position = 1000, prev_hash = 'p', hash = 'h', \
         record_id = 'x' WHERE id = {id}"
    ))
    .await;
    // The sealing update: allowed once.
    db.execute_unprepared(&format!(
        "UPDATE audit_event SET chain_position = 1000, prev_hash = 'p', hash = 'h' WHERE id = {id}"
    ))
    .await
    .expect("the sealing update");
    // A second one is refused, whatever it sets.
    refused(format!(
        "UPDATE audit_event SET chain_position = 1001, prev_hash = 'q', hash = 'i' WHERE id = {id}"
    ))
    .await;
    refused(format!("UPDATE audit_event SET hash = 'i' WHERE id = {id}")).await;
    refused(format!(
        "UPDATE audit_event SET chain_position = NULL, prev_hash = '', hash = '' WHERE id = {id}"
    ))
    .await;
    refused(format!("DELETE FROM audit_event WHERE id = {id}")).await;
    // An event inserted already sealed.
    refused(
        "INSERT INTO audit_event (occurred_at, actor, actor_role, operation, entity, record_id, \
         prev_hash, hash, chain_position) SELECT occurred_at, actor, actor_role, operation, \
         entity, record_id, 'p', 'h', 5000 FROM audit_event WHERE chain_position = 1000"
            .into(),
    )
    .await;
    let event = audit_event::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("read")
        .expect("event");
    assert_eq!(
        (
            event.chain_position,
            event.prev_hash.as_str(),
            event.hash.as_str()
        ),
        (Some(1000), "p", "h"),
        "the first seal stands"
    );
}

/// The commit-order subtlety: a transaction takes an event id, then another takes a higher one
/// and commits first. The sealer seals what has committed and leaves nothing behind: the
/// earlier id, committed later, is sealed by the next pass, after the other, not skipped.
/// PostgreSQL's alone: SQLite's single writer cannot hold one write open while another commits.
async fn an_event_committed_after_a_later_one_is_sealed_after_it_never_skipped(app: TestApp) {
    app.ok("{ __typename }", json!({})).await;
    sealing::seal(&app.state.db, &app.state.audit_key)
        .await
        .expect("seal");
    let slow = app.state.db.begin().await.expect("begin");
    audit::record(
        &slow,
        &Actor::command_line(&app.state.audit_key),
        Change::created("slowWrite", "test", 1, &json!({ "slow": true })).expect("change"),
    )
    .await
    .expect("record");
    fixtures::org(
        &app,
        json!({ "name": "Fast Ltd", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    sealing::seal(&app.state.db, &app.state.audit_key)
        .await
        .expect("seal");
    let tail = sealing::unsealed(&app.state.db).await.expect("tail");
    assert_eq!(
        tail.events, 0,
        "the open transaction's event is not visible yet"
    );
    slow.commit().await.expect("commit");
    let tail = sealing::unsealed(&app.state.db).await.expect("tail");
    assert_eq!(tail.events, 1, "now it waits for the sealer");
    sealing::seal(&app.state.db, &app.state.audit_key)
        .await
        .expect("seal");
    let all = events(&app).await;
    let slow = all
        .iter()
        .find(|e| e.operation == "slowWrite")
        .expect("slow event");
    let fast = all
        .iter()
        .find(|e| e.after.as_deref().is_some_and(|a| a.contains("Fast Ltd")))
        .expect("fast event");
    assert!(slow.id < fast.id, "the slow write took the lower id");
    assert!(
        slow.chain_position > fast.chain_position,
        "and is chained after the write that committed first"
    );
    assert_eq!(verified(&app).await, u64::try_from(all.len()).expect("n"));
}
