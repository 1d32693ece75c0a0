//! A person's session after signing in with the identity provider: only a hash of the cookie's
//! value is kept; the role is the one their groups mapped to at this sign-in.

use crate::vocab::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "user_session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    #[serde(skip_serializing)]
    pub id_hash: String,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Role,
    /// The ID token of the sign-in, sent back to the provider as `id_token_hint` at sign-out.
    #[serde(skip_serializing)]
    pub id_token: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub idle_expires_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
