//! One entry of the append-only, hash-chained audit trail: written unsealed by the writer's
//! transaction, sealed (placed in the chain and hashed) once by the sealer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub actor: String,
    pub actor_role: String,
    pub operation: String,
    pub entity: String,
    pub record_id: String,
    /// JSON of the record before the change (null for a creation).
    pub before: Option<String>,
    /// JSON of the record after the change (null for a deletion).
    pub after: Option<String>,
    /// The previous event's hash; empty until the event is sealed.
    pub prev_hash: String,
    /// The event's keyed hash; empty until the event is sealed.
    pub hash: String,
    /// The event's place in the chain, given by the sealer after the writer committed; null
    /// while unsealed. Ids are taken in insert order, positions in commit order.
    pub chain_position: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
