//! What a row needs beside its verdicts: flows, activities and organisations read by id, a page
//! of ids a query, so an export holds the page it renders rather than the register.

use super::table::Cell;
use crate::error::AppResult;
use entity::{data_flow, organisation, processing_activity};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};

/// The rows of `E` whose `id` is one of `ids`, `page` ids a query.
pub async fn by_ids<E>(
    db: &impl ConnectionTrait,
    id: E::Column,
    ids: &BTreeSet<i64>,
    page: usize,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    let ids: Vec<i64> = ids.iter().copied().collect();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(page.max(1)) {
        out.extend(
            E::find()
                .filter(id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The flows of a page, their activities and their organisations, by id.
pub(super) struct Names {
    pub flows: HashMap<i64, data_flow::Model>,
    pub activities: HashMap<i64, processing_activity::Model>,
    pub organisations: HashMap<i64, organisation::Model>,
}

impl Names {
    /// The flows `flow_ids`, and the activities and organisations they name.
    pub async fn of_flows(
        db: &impl ConnectionTrait,
        flow_ids: &BTreeSet<i64>,
        page: usize,
    ) -> AppResult<Self> {
        let flows: HashMap<i64, data_flow::Model> =
            by_ids::<data_flow::Entity>(db, data_flow::Column::Id, flow_ids, page)
                .await?
                .into_iter()
                .map(|f| (f.id, f))
                .collect();
        let activity_ids = flows.values().map(|f| f.activity_id).collect();
        let org_ids = flows.values().flat_map(|f| [f.from_id, f.to_id]).collect();
        let mut names = Self {
            flows,
            activities: HashMap::new(),
            organisations: HashMap::new(),
        };
        names.add(db, &activity_ids, &org_ids, page).await?;
        Ok(names)
    }

    /// Adds the activities and organisations of these ids.
    pub async fn add(
        &mut self,
        db: &impl ConnectionTrait,
        activity_ids: &BTreeSet<i64>,
        org_ids: &BTreeSet<i64>,
        page: usize,
    ) -> AppResult<()> {
        let activities = by_ids::<processing_activity::Entity>(
            db,
            processing_activity::Column::Id,
            activity_ids,
            page,
        )
        .await?;
        self.activities
            .extend(activities.into_iter().map(|a| (a.id, a)));
        let organisations =
            by_ids::<organisation::Entity>(db, organisation::Column::Id, org_ids, page).await?;
        self.organisations
            .extend(organisations.into_iter().map(|o| (o.id, o)));
        Ok(())
    }

    pub fn org(&self, id: i64) -> Cell {
        self.organisations
            .get(&id)
            .map_or(Cell::Empty, |o| Cell::text(&o.name))
    }

    pub fn activity(&self, id: i64) -> Cell {
        self.activities
            .get(&id)
            .map_or(Cell::Empty, |a| Cell::text(&a.name))
    }
}
