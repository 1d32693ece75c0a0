//! A subject's part in a processing activity, since `linked_on`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subject_activity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: i64,
    pub linked_on: Date,
    /// Set when an erasure kept this link because the activity's data is exempt (Art 17(3)):
    /// the legal reason, and the end of the retention period (None: no period is registered).
    pub restricted_reason: Option<String>,
    pub restricted_until: Option<Date>,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::data_subject::Entity",
        from = "Column::SubjectId",
        to = "super::data_subject::Column::Id"
    )]
    Subject,
    #[sea_orm(
        belongs_to = "super::processing_activity::Entity",
        from = "Column::ActivityId",
        to = "super::processing_activity::Column::Id"
    )]
    Activity,
}

impl Related<super::data_subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl Related<super::processing_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
