//! The keyed audit chain and its checkpoints: what an insider who can write the database, but
//! does not hold the register's secret, can no longer hide.

use crate::{
    audit::{drop_append_only_triggers, seal},
    db_tests, fixtures,
    support::TestApp,
};
use entity::{audit_event, audit_head};
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use transfer_register::{
    domain::audit::{ChainKey, Checkpoint, EventContent, GENESIS, event_hash, keyed_event_hash},
    service::audit,
};

db_tests!(
    a_chain_rewritten_and_rehashed_without_the_key_is_caught,
    a_chain_made_to_look_unkeyed_is_caught,
    checkpoints_catch_a_chain_cut_short_or_rewritten_even_with_the_key,
    a_register_written_before_the_chain_was_keyed_keeps_its_history_and_is_bound_to_the_key,
    the_newest_events_deleted_or_the_head_altered_or_removed_are_caught,
    an_event_that_names_another_predecessor_is_caught_by_its_previous_hash,
);

async fn events(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .expect("events")
}

fn content(e: &audit_event::Model) -> EventContent<'_> {
    EventContent::from(e)
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Re-chains every event from the first, each hashed by `hash` (plain SHA-256, or keyed), and
/// moves the head to the end: what an insider does after changing or deleting events.
async fn rechain(
    app: &TestApp,
    hash: impl Fn(&str, &EventContent<'_>) -> String,
    keyed_from: Option<i64>,
) {
    let mut prev = GENESIS.to_string();
    let mut last = 0;
    for e in events(app).await {
        let h = hash(&prev, &content(&e));
        app.state
            .db
            .execute_unprepared(&format!(
                "UPDATE audit_event SET prev_hash = {}, hash = {} WHERE id = {}",
                quoted(&prev),
                quoted(&h),
                e.id
            ))
            .await
            .expect("rehash");
        prev = h;
        last = e.id;
    }
    let keyed = keyed_from.map_or(String::new(), |k| format!(", keyed_from = {k}"));
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE audit_head SET last_event_id = {last}, last_hash = {}{keyed} WHERE id = 1",
            quoted(&prev)
        ))
        .await
        .expect("move head");
}

/// The probe's rewrite: events reassigned to another actor, the last three deleted, hashes
/// recomputed as the chain's (public) algorithm says, the head moved to match.
async fn reassign_and_truncate(app: &TestApp) {
    drop_append_only_triggers(app).await;
    let all = events(app).await;
    assert!(all.len() > 5, "the seed writes enough events");
    let last = all.last().expect("events").id;
    let db = &app.state.db;
    db.execute_unprepared("UPDATE audit_event SET actor = 'someone-else' WHERE id = 2")
        .await
        .expect("reassign");
    db.execute_unprepared(&format!("DELETE FROM audit_event WHERE id > {}", last - 3))
        .await
        .expect("delete the last three");
}

async fn a_chain_rewritten_and_rehashed_without_the_key_is_caught(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    let key = &app.state.audit_key;
    assert!(
        audit::verify(&app.state.db, key)
            .await
            .expect("verify")
            .is_ok()
    );
    reassign_and_truncate(&app).await;
    rechain(&app, event_hash, None).await;
    let broken = audit::verify(&app.state.db, key)
        .await
        .expect("verify")
        .expect_err("a chain re-hashed without the key is caught");
    assert_eq!(
        broken.event_id, 1,
        "the first re-hashed event no longer fits"
    );
    assert!(broken.reason.contains("keyed hash"), "{}", broken.reason);
    // Re-hashed under a guessed key, it fails the same way.
    let guessed = ChainKey::derive(b"not the register's secret");
    rechain(&app, |p, c| keyed_event_hash(&guessed, p, c), None).await;
    assert!(
        audit::verify(&app.state.db, key)
            .await
            .expect("verify")
            .is_err()
    );
}

async fn a_chain_made_to_look_unkeyed_is_caught(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    reassign_and_truncate(&app).await;
    // As if every event predated the key: plain hashes, and the head saying the key starts
    // after the last event.
    let last = events(&app).await.last().expect("events").id;
    rechain(&app, event_hash, Some(last + 1)).await;
    let broken = audit::verify(&app.state.db, &app.state.audit_key)
        .await
        .expect("verify")
        .expect_err("a chain with no keyed event is caught");
    assert!(
        broken.reason.contains("no event is hashed"),
        "{}",
        broken.reason
    );
}

async fn checkpoints_catch_a_chain_cut_short_or_rewritten_even_with_the_key(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    let key = app.state.audit_key.clone();
    let db = &app.state.db;
    let early = audit::checkpoint(db, &key).await.expect("checkpoint");
    fixtures::org(
        &app,
        serde_json::json!({ "name": "Later Ltd", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let late = audit::checkpoint(db, &key).await.expect("checkpoint");
    assert!(late.event_id > early.event_id);
    let both = [early.clone(), late.clone()];
    assert_eq!(
        audit::verify_checkpoints(db, &key, &both)
            .await
            .expect("check"),
        Ok(2)
    );

    // A checkpoint made without the key proves nothing.
    let forged = Checkpoint::sign(
        &ChainKey::derive(b"not the register's secret"),
        late.event_id,
        &late.hash,
        late.at,
    );
    let broken = audit::verify_checkpoints(db, &key, &[forged])
        .await
        .expect("check")
        .expect_err("forged");
    assert!(broken.reason.contains("not signed"), "{}", broken.reason);

    // Cut short, consistently: the chain is intact in itself, the later checkpoint is not held.
    drop_append_only_triggers(&app).await;
    db.execute_unprepared(&format!(
        "DELETE FROM audit_event WHERE id > {}",
        early.event_id
    ))
    .await
    .expect("truncate");
    rechain(&app, |p, c| keyed_event_hash(&key, p, c), None).await;
    assert_eq!(
        audit::verify(db, &key).await.expect("verify"),
        Ok(early.event_id as u64),
        "consistent in itself"
    );
    let broken = audit::verify_checkpoints(db, &key, &both)
        .await
        .expect("check")
        .expect_err("cut short");
    assert_eq!(broken.event_id, late.event_id);
    assert!(broken.reason.contains("cut short"), "{}", broken.reason);

    // Rewritten by someone holding the key: still caught by the earlier checkpoint.
    db.execute_unprepared("UPDATE audit_event SET actor = 'someone-else' WHERE id = 2")
        .await
        .expect("reassign");
    rechain(&app, |p, c| keyed_event_hash(&key, p, c), None).await;
    assert!(audit::verify(db, &key).await.expect("verify").is_ok());
    let broken = audit::verify_checkpoints(db, &key, std::slice::from_ref(&early))
        .await
        .expect("check")
        .expect_err("rewritten");
    assert_eq!(broken.event_id, early.event_id);
    assert!(broken.reason.contains("rewritten"), "{}", broken.reason);
}

async fn a_register_written_before_the_chain_was_keyed_keeps_its_history_and_is_bound_to_the_key(
    app: TestApp,
) {
    fixtures::seed(&app).await;
    seal(&app).await;
    let db = &app.state.db;
    let key = app.state.audit_key.clone();
    // Back to the schema before the key, with history as the earlier version wrote it: plain
    // SHA-256 hashes (rewritten first, while the entity still reads the table as it is).
    drop_append_only_triggers(&app).await;
    let mut prev = GENESIS.to_string();
    for e in events(&app).await {
        let h = event_hash(&prev, &content(&e));
        db.execute_unprepared(&format!(
            "UPDATE audit_event SET prev_hash = {}, hash = {} WHERE id = {}",
            quoted(&prev),
            quoted(&h),
            e.id
        ))
        .await
        .expect("legacy hash");
        prev = h;
    }
    let legacy = events(&app).await;
    let last = legacy.last().expect("events").id;
    // Every migration from the one that keyed the chain on is undone (later ones came after it).
    let all = migration::Migrator::migrations();
    let keyed = (all.iter())
        .position(|m| migration::MigrationName::name(m.as_ref()) == "m20261205_000001_audit_key")
        .expect("the migration that keys the chain");
    let since = u32::try_from(all.len() - keyed).expect("a few migrations");
    migration::Migrator::down(db, Some(since))
        .await
        .expect("down");
    db.execute_unprepared(&format!(
        "UPDATE audit_head SET last_event_id = {last}, last_hash = {} WHERE id = 1",
        quoted(&prev)
    ))
    .await
    .expect("head");

    // The upgrade: the migration, then the start that keys the chain.
    migration::Migrator::up(db, None).await.expect("up");
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await
        .expect("head")
        .expect("row");
    assert_eq!(head.keyed_from, last + 1);
    assert!(
        audit::ensure_keyed(db, &key).await.expect("keyed"),
        "keyed now"
    );
    assert!(!audit::ensure_keyed(db, &key).await.expect("keyed"), "once");
    assert_eq!(
        audit::verify(db, &key).await.expect("verify"),
        Ok(last as u64 + 1),
        "history kept, one event more"
    );
    let after = events(&app).await;
    assert_eq!(
        &after[..legacy.len()],
        &legacy[..],
        "no earlier event was rewritten"
    );
    let anchor = after.last().expect("anchor");
    assert_eq!(anchor.operation, "keyAuditChain");
    assert_eq!(anchor.prev_hash, prev, "it covers the last unkeyed event");

    // An earlier event altered and the unkeyed part re-hashed: the keyed event no longer fits.
    drop_append_only_triggers(&app).await;
    db.execute_unprepared("UPDATE audit_event SET actor = 'someone-else' WHERE id = 2")
        .await
        .expect("reassign");
    let mut prev = GENESIS.to_string();
    for e in events(&app).await.iter().filter(|e| e.id <= last) {
        let h = event_hash(&prev, &content(e));
        db.execute_unprepared(&format!(
            "UPDATE audit_event SET prev_hash = {}, hash = {} WHERE id = {}",
            quoted(&prev),
            quoted(&h),
            e.id
        ))
        .await
        .expect("rehash");
        prev = h;
    }
    let broken = audit::verify(db, &key)
        .await
        .expect("verify")
        .expect_err("the keyed event binds the history before it");
    assert_eq!(broken.event_id, last + 1);
}

async fn the_newest_events_deleted_or_the_head_altered_or_removed_are_caught(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    let db = &app.state.db;
    let key = &app.state.audit_key;
    let n = events(&app).await.len() as u64;
    assert_eq!(audit::verify(db, key).await.expect("verify"), Ok(n));
    drop_append_only_triggers(&app).await;

    // The newest two deleted, the head left as it was.
    db.execute_unprepared(&format!("DELETE FROM audit_event WHERE id > {}", n - 2))
        .await
        .expect("delete");
    let broken = audit::verify(db, key)
        .await
        .expect("verify")
        .expect_err("tail");
    assert_eq!(broken.event_id, n as i64, "named by the head's last event");
    assert!(
        broken.reason.contains("newest events are missing"),
        "{}",
        broken.reason
    );

    // The head moved back by hand but its hash left: still caught.
    db.execute_unprepared(&format!(
        "UPDATE audit_head SET last_event_id = {} WHERE id = 1",
        n - 2
    ))
    .await
    .expect("head id");
    assert!(audit::verify(db, key).await.expect("verify").is_err());

    // The head row removed.
    db.execute_unprepared("DELETE FROM audit_head")
        .await
        .expect("head");
    let broken = audit::verify(db, key)
        .await
        .expect("verify")
        .expect_err("no head");
    assert!(
        broken.reason.contains("head row is missing"),
        "{}",
        broken.reason
    );
}

async fn an_event_that_names_another_predecessor_is_caught_by_its_previous_hash(app: TestApp) {
    fixtures::seed(&app).await;
    seal(&app).await;
    drop_append_only_triggers(&app).await;
    let key = app.state.audit_key.clone();
    let third = events(&app)
        .await
        .into_iter()
        .nth(2)
        .expect("a third event");
    // Re-hashed with the key over a wrong predecessor: its own hash fits, the link does not.
    let wrong = "ab".repeat(32);
    let hash = keyed_event_hash(&key, &wrong, &content(&third));
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE audit_event SET prev_hash = {}, hash = {} WHERE id = 3",
            quoted(&wrong),
            quoted(&hash)
        ))
        .await
        .expect("relink");
    let broken = audit::verify(&app.state.db, &key)
        .await
        .expect("verify")
        .expect_err("relinked");
    assert_eq!(broken.event_id, 3);
    assert_eq!(
        broken.reason,
        "its previous-hash does not match the event before it"
    );
}
