//! The audit trail (Art 5(2) accountability): every change writes an event in the same
//! transaction, unsealed; the sealer ([`crate::sealing`]) chains the committed events by keyed
//! hash; `verify` walks the sealed chain and names the first broken event.

use crate::{
    domain::audit::{
        ChainKey, Checkpoint, CheckpointVerifier, EventContent, GENESIS, event_hash,
        keyed_event_hash, to_micros,
    },
    error::{AppError, AppResult},
    page::{Page, PageRequest},
    sealing::{self, Wait},
    tokens::Principal,
};
use chrono::Utc;
use entity::{audit_event, audit_head};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    PaginatorTrait, QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
    prelude::*,
};
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// Who made a change (a token, or the command line), with the chain's key its events are
/// hashed under.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub role: String,
    key: ChainKey,
    /// Set by [`Actor::batched`]: the events wait here for [`flush`].
    batch: Option<Arc<Mutex<Vec<Change>>>>,
    /// Set by [`Actor::sealing_in_transaction`]: the writer seals its events itself, before
    /// committing, holding the chain's head until then.
    seal_in_transaction: bool,
}

impl Actor {
    /// The holder of an API token, or the person of a session (named by e-mail and subject).
    pub fn of(principal: &Principal, key: &ChainKey) -> Self {
        let name = match &principal.person {
            Some(person) => person.audit_name(),
            None => principal.name.clone(),
        };
        Self::named(name, principal.role.as_str(), key)
    }

    pub fn named(name: impl Into<String>, role: &str, key: &ChainKey) -> Self {
        Self {
            name: name.into(),
            role: role.to_string(),
            key: key.clone(),
            batch: None,
            seal_in_transaction: false,
        }
    }

    /// The same actor, sealing its events in its own transaction (under the sealer's lock and
    /// the head's row lock, so concurrent writers wait for each other as they all did before
    /// sealing moved after commit) when `yes`: `REGISTER_AUDIT_SEAL_IN_TRANSACTION`, for a
    /// register that wants every event sealed when its write returns.
    #[must_use]
    pub fn sealing_in_transaction(mut self, yes: bool) -> Self {
        self.seal_in_transaction = yes;
        self
    }

    /// A change made on the command line (token management, imports), by the local operator.
    pub fn command_line(key: &ChainKey) -> Self {
        Self::named("command-line", "OPERATOR", key)
    }

    /// The same actor, its events gathered and written together by [`flush`] in the same
    /// transaction: an import of ten thousand rows then locks the chain's head once and writes
    /// its events in a few multi-row inserts, instead of three statements per row. The chain
    /// and its hashes are exactly what one-by-one recording would give.
    pub fn batched(&self) -> Self {
        Self {
            batch: Some(Arc::default()),
            ..self.clone()
        }
    }
}

/// What changed: the record's type and id, and its state (JSON) before and after.
#[derive(Debug)]
pub struct Change {
    pub operation: &'static str,
    pub entity: &'static str,
    pub record_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn json(value: &impl Serialize) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "callers pass ids as values (an i64, a &str); `impl ToString` takes either"
)]
impl Change {
    pub fn created(
        operation: &'static str,
        entity: &'static str,
        id: impl ToString,
        after: &impl Serialize,
    ) -> AppResult<Self> {
        Ok(Self {
            operation,
            entity,
            record_id: id.to_string(),
            before: None,
            after: Some(json(after)?),
        })
    }

    pub fn updated(
        operation: &'static str,
        entity: &'static str,
        id: impl ToString,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> AppResult<Self> {
        Ok(Self {
            operation,
            entity,
            record_id: id.to_string(),
            before: Some(json(before)?),
            after: Some(json(after)?),
        })
    }

    pub fn deleted(
        operation: &'static str,
        entity: &'static str,
        id: impl ToString,
        before: &impl Serialize,
    ) -> AppResult<Self> {
        Ok(Self {
            operation,
            entity,
            record_id: id.to_string(),
            before: Some(json(before)?),
            after: None,
        })
    }
}

/// Writes an event, unsealed, inside the caller's transaction (or, for a batched actor, to its
/// batch). Nothing is locked: the sealer chains it once the transaction has committed.
pub async fn record(txn: &impl ConnectionTrait, actor: &Actor, change: Change) -> AppResult<()> {
    if let Some(batch) = &actor.batch {
        batch
            .lock()
            .map_err(|_| AppError::internal(anyhow::anyhow!("an audit batch was poisoned")))?
            .push(change);
        return Ok(());
    }
    append(txn, actor, vec![change]).await
}

/// Writes a batched actor's events, in the order they were recorded; call it in the same
/// transaction, before committing. Nothing to do for an actor that is not batched.
pub async fn flush(txn: &impl ConnectionTrait, actor: &Actor) -> AppResult<()> {
    let Some(batch) = &actor.batch else {
        return Ok(());
    };
    let changes = std::mem::take(
        &mut *batch
            .lock()
            .map_err(|_| AppError::internal(anyhow::anyhow!("an audit batch was poisoned")))?,
    );
    append(txn, actor, changes).await
}

/// Events per INSERT: 11 values each, well under SQLite's and PostgreSQL's bind limits.
const EVENTS_PER_INSERT: usize = 500;

/// Writes `changes` as unsealed events (ids from the table's sequence, in the order given) in a
/// few multi-row inserts; seals them before returning for an actor that seals in its
/// transaction.
async fn append(txn: &impl ConnectionTrait, actor: &Actor, changes: Vec<Change>) -> AppResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let occurred_at = to_micros(Utc::now());
    let backend = txn.get_database_backend();
    let mut events = changes.into_iter().map(|change| audit_event::ActiveModel {
        id: NotSet,
        occurred_at: Set(occurred_at),
        actor: Set(actor.name.clone()),
        actor_role: Set(actor.role.clone()),
        operation: Set(change.operation.into()),
        entity: Set(change.entity.into()),
        record_id: Set(change.record_id),
        before: Set(change.before),
        after: Set(change.after),
        prev_hash: Set(String::new()),
        hash: Set(String::new()),
        chain_position: Set(None),
    });
    loop {
        let chunk: Vec<_> = events.by_ref().take(EVENTS_PER_INSERT).collect();
        if chunk.is_empty() {
            break;
        }
        let insert = audit_event::Entity::insert_many(chunk).into_query();
        txn.execute_raw(backend.build(&insert)).await?;
    }
    if actor.seal_in_transaction {
        sealing::seal_in(txn, &actor.key, Wait::Block).await?;
    }
    Ok(())
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub event_id: i64,
    pub reason: String,
}

/// Walks the whole sealed chain under `key`, in chain order; `Ok(n)` with the number of intact
/// (sealed) events, or the first broken one. Unsealed events (see [`crate::sealing::unsealed`])
/// are not part of the chain yet and are not counted: seal first to check them too. Events
/// before the head's `keyed_from` (written before the chain was keyed) are checked by their
/// plain hash, every later one by its keyed hash; a chain with events but none keyed is broken,
/// as only someone without the key would leave it so.
pub async fn verify(db: &impl ConnectionTrait, key: &ChainKey) -> AppResult<Result<u64, Broken>> {
    let Some(head) = audit_head::Entity::find_by_id(1).one(db).await? else {
        return Ok(Err(Broken {
            event_id: 0,
            reason: "the chain's head row is missing: it was deleted".into(),
        }));
    };
    let mut expected_prev = GENESIS.to_string();
    let mut expected_position = 1;
    let mut last_id = 0;
    let mut pages = audit_event::Entity::find()
        .filter(audit_event::Column::ChainPosition.is_not_null())
        .order_by_asc(audit_event::Column::ChainPosition)
        .paginate(db, 1000);
    while let Some(events) = pages.fetch_and_next().await? {
        for e in events {
            let broken = |reason: String| {
                Ok(Err(Broken {
                    event_id: e.id,
                    reason,
                }))
            };
            if e.chain_position != Some(expected_position) {
                return broken(format!(
                    "expected the chain's event {expected_position} here: an event was deleted"
                ));
            }
            if e.prev_hash != expected_prev {
                return broken("its previous-hash does not match the event before it".into());
            }
            let content = EventContent::from(&e);
            let (hash, kind) = if e.id >= head.keyed_from {
                (keyed_event_hash(key, &e.prev_hash, &content), "keyed ")
            } else {
                (event_hash(&e.prev_hash, &content), "")
            };
            if hash != e.hash {
                return broken(format!(
                    "its content does not match its {kind}hash: it was altered, or written without this register's key"
                ));
            }
            expected_prev = e.hash;
            last_id = e.id;
            expected_position += 1;
        }
    }
    if head.last_event_id != last_id || head.last_hash != expected_prev {
        return Ok(Err(Broken {
            event_id: head.last_event_id,
            reason: "the newest events are missing: the chain ends before its recorded head".into(),
        }));
    }
    if last_id > 0 && (head.keyed_from < 1 || head.keyed_from > last_id) {
        return Ok(Err(Broken {
            event_id: last_id,
            reason: format!(
                "no event is hashed under this register's key (the head says keyed from event {}): the chain was rewritten without the key",
                head.keyed_from
            ),
        }));
    }
    Ok(Ok(expected_position.unsigned_abs() - 1))
}

async fn head(db: &impl ConnectionTrait) -> AppResult<audit_head::Model> {
    audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the audit head row is missing")))
}

/// Binds a chain written before it was keyed to the key: when the chain has events and none is
/// keyed yet, appends one keyed event (`keyAuditChain`) whose hash covers the last unkeyed one,
/// and with it the whole earlier history. Run at every start; does nothing once done.
pub async fn ensure_keyed(db: &DatabaseConnection, key: &ChainKey) -> AppResult<bool> {
    let head = head(db).await?;
    if head.last_event_id == 0 || head.last_event_id >= head.keyed_from {
        return Ok(false);
    }
    let txn = db.begin().await?;
    sealing::lock(&txn, Wait::Block).await?;
    let locked = audit_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the audit head row is missing")))?;
    if locked.last_event_id >= locked.keyed_from {
        // Another instance keyed it meanwhile.
        return Ok(false);
    }
    let after = serde_json::json!({
        "keyedFrom": locked.keyed_from,
        "coversEvent": locked.last_event_id,
        "coversHash": locked.last_hash,
    });
    // Sealed at once, with anything else unsealed: the head must be keyed before `serve` starts.
    append(
        &txn,
        &Actor::named("register", "OPERATOR", key).sealing_in_transaction(true),
        vec![Change::created(
            "keyAuditChain",
            "audit_chain",
            locked.keyed_from,
            &after,
        )?],
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// A checkpoint of the chain's head now, signed with the chain's key, to publish outside the
/// database.
pub async fn checkpoint(db: &impl ConnectionTrait, key: &ChainKey) -> AppResult<Checkpoint> {
    let head = head(db).await?;
    Ok(Checkpoint::sign(
        key,
        head.last_event_id,
        &head.last_hash,
        Utc::now(),
    ))
}

/// Checks the chain against checkpoints published earlier: each must be signed with the key (or,
/// for an auditor without it, carry a signature its public key verifies), and the chain must
/// still hold, at each checkpoint's event, the hash it recorded. A chain cut
/// short, or rewritten up to a checkpoint, fails here even if it is consistent in itself.
pub async fn verify_checkpoints<'k>(
    db: &impl ConnectionTrait,
    verifier: impl Into<CheckpointVerifier<'k>>,
    checkpoints: &[Checkpoint],
) -> AppResult<Result<usize, Broken>> {
    let verifier = verifier.into();
    for cp in checkpoints {
        let at = cp.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let broken = |reason: String| {
            Ok(Err(Broken {
                event_id: cp.event_id,
                reason,
            }))
        };
        if !verifier.accepts(cp) {
            return broken(format!(
                "the checkpoint of {at} is not signed with {}",
                verifier.describe()
            ));
        }
        let held = if cp.event_id == 0 {
            Some(GENESIS.to_string())
        } else {
            audit_event::Entity::find_by_id(cp.event_id)
                .one(db)
                .await?
                .map(|e| e.hash)
        };
        match held {
            None => {
                return broken(format!(
                    "the event named by the checkpoint of {at} is missing: the chain was cut short"
                ));
            }
            Some(hash) if hash != cp.hash => {
                return broken(format!(
                    "the event differs from the checkpoint of {at}: the chain was rewritten"
                ));
            }
            Some(_) => {}
        }
    }
    Ok(Ok(checkpoints.len()))
}

/// Events, newest last, optionally of one record.
pub async fn list(
    db: &impl ConnectionTrait,
    entity: Option<&str>,
    record_id: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<audit_event::Model>> {
    let mut query = audit_event::Entity::find();
    if let Some(entity) = entity {
        query = query.filter(audit_event::Column::Entity.eq(entity));
    }
    if let Some(id) = record_id {
        query = query.filter(audit_event::Column::RecordId.eq(id));
    }
    crate::page::fetch(db, query, audit_event::Column::Id, page).await
}
