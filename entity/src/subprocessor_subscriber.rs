//! A customer told of each announced change to the group's published sub-processor list, by
//! e-mail or webhook.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "subprocessor_subscriber")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub webhook_url: Option<String>,
    /// The webhook signing secret, sealed (returned once, when the subscriber is added).
    #[serde(skip_serializing)]
    pub webhook_secret: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
