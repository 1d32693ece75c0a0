//! What the gaps export needs of each flow beside its verdict, kept across its problem groups: a
//! flow with three problems is in three groups, and each group is written in flow order, so
//! reading flows, activities and organisations again for every group read the register up to
//! once per problem code. Kept light (a flow's reference and its three ids; names only), so the
//! whole register's worth stays a few megabytes at 100,000 flows.

use super::table::Cell;
use crate::error::AppResult;
use entity::{data_flow, organisation, processing_activity};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeSet, HashMap};

/// A flow as a gap's row shows it.
pub(super) struct GapFlow {
    pub reference: Option<String>,
    pub activity_id: i64,
    pub from_id: i64,
    pub to_id: i64,
}

/// The flows, activities and organisations read so far, by id.
#[derive(Default)]
pub(super) struct GapNames {
    pub flows: HashMap<i64, GapFlow>,
    activities: HashMap<i64, String>,
    organisations: HashMap<i64, String>,
}

impl GapNames {
    /// Reads those of `flow_ids` not read yet, with their activities' and organisations' names,
    /// `page` ids a query.
    pub async fn read(
        &mut self,
        db: &impl ConnectionTrait,
        flow_ids: &BTreeSet<i64>,
        page: usize,
    ) -> AppResult<()> {
        let missing: Vec<i64> = flow_ids
            .iter()
            .filter(|id| !self.flows.contains_key(id))
            .copied()
            .collect();
        let mut activity_ids = BTreeSet::new();
        let mut org_ids = BTreeSet::new();
        for chunk in missing.chunks(page.max(1)) {
            let rows: Vec<(i64, Option<String>, i64, i64, i64)> = data_flow::Entity::find()
                .select_only()
                .columns([
                    data_flow::Column::Id,
                    data_flow::Column::Reference,
                    data_flow::Column::ActivityId,
                    data_flow::Column::FromId,
                    data_flow::Column::ToId,
                ])
                .filter(data_flow::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            for (id, reference, activity_id, from_id, to_id) in rows {
                activity_ids.insert(activity_id);
                org_ids.extend([from_id, to_id]);
                self.flows.insert(
                    id,
                    GapFlow {
                        reference,
                        activity_id,
                        from_id,
                        to_id,
                    },
                );
            }
        }
        activity_ids.retain(|id| !self.activities.contains_key(id));
        org_ids.retain(|id| !self.organisations.contains_key(id));
        let activity_ids: Vec<i64> = activity_ids.into_iter().collect();
        for chunk in activity_ids.chunks(page.max(1)) {
            self.activities.extend(
                processing_activity::Entity::find()
                    .select_only()
                    .columns([
                        processing_activity::Column::Id,
                        processing_activity::Column::Name,
                    ])
                    .filter(processing_activity::Column::Id.is_in(chunk.iter().copied()))
                    .into_tuple::<(i64, String)>()
                    .all(db)
                    .await?,
            );
        }
        let org_ids: Vec<i64> = org_ids.into_iter().collect();
        for chunk in org_ids.chunks(page.max(1)) {
            self.organisations.extend(
                organisation::Entity::find()
                    .select_only()
                    .columns([organisation::Column::Id, organisation::Column::Name])
                    .filter(organisation::Column::Id.is_in(chunk.iter().copied()))
                    .into_tuple::<(i64, String)>()
                    .all(db)
                    .await?,
            );
        }
        Ok(())
    }

    pub fn org(&self, id: i64) -> Cell {
        self.organisations.get(&id).map_or(Cell::Empty, Cell::text)
    }

    pub fn activity(&self, id: i64) -> Cell {
        self.activities.get(&id).map_or(Cell::Empty, Cell::text)
    }
}
