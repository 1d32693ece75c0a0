//! One import of the Data Privacy Framework participant list, as of the day it was downloaded.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "dpf_snapshot")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The day the list was downloaded: the snapshot's date.
    pub listed_on: Date,
    pub file_name: Option<String>,
    pub entries: i32,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
