//! The single row holding the hash of the newest audit event: locked by each writer, so that
//! concurrent transactions on PostgreSQL extend the chain one after another instead of forking it.

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
