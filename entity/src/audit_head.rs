//! The single row holding the hash of the newest sealed audit event: locked by the sealer (one
//! at a time, under an advisory lock on PostgreSQL), never by the writers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub last_event_id: i64,
    pub last_hash: String,
    /// The first event hashed under the register's key; earlier events (written before the
    /// chain was keyed) carry plain SHA-256 hashes.
    pub keyed_from: i64,
    /// The chain position of the newest sealed event (`last_event_id`).
    pub last_position: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
