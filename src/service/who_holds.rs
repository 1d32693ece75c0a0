//! "Who holds this person's data", answered from the live tables on every call.
//!
//! Strategy (chosen by measurement, see BENCHMARKS.md): a chain of continued flows never leaves its
//! activity, so five indexed reads (the identifier, the subject's activities, their flows, the
//! holders and their locations) give everything, and [`holdings::walk`] follows the chains in
//! memory. Nothing is cached between calls, so every answer reflects every committed write, on
//! any number of service instances sharing one database.

use crate::{
    domain::{
        holdings::{self, ActivityRow, FlowRow, Holding},
        vocab::{OrganisationStatus, RecipientRole},
    },
    error::{AppError, AppResult},
    service::{
        organisations,
        subjects::{self, Quoted, SubjectKeys},
    },
};
use entity::{data_flow, location, organisation, processing_activity, subject_activity};
use sea_orm::{QueryOrder, prelude::*, sea_query::Query};
use std::collections::{BTreeSet, HashMap};

/// One holder with what the API shows beside the walk's result.
#[derive(Clone, Debug)]
pub struct HeldBy {
    pub holding: Holding,
    /// Establishment and location countries, sorted, without duplicates.
    pub countries: Vec<String>,
    pub offboarded: bool,
}

/// The answer, with the rows it was built from so the API can show them without asking again.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub subject_id: Option<i64>,
    pub activities: Vec<processing_activity::Model>,
    pub holdings: Vec<HeldBy>,
    pub cycles: Vec<Vec<i64>>,
    pub organisations: HashMap<i64, organisation::Model>,
    pub locations: HashMap<i64, Vec<location::Model>>,
    pub flows: HashMap<i64, data_flow::Model>,
}

pub async fn who_holds(
    db: &impl ConnectionTrait,
    keys: &SubjectKeys,
    quoted: &Quoted,
) -> AppResult<Answer> {
    let Some(subject_id) = subjects::find(db, keys, quoted).await? else {
        return Ok(Answer::default());
    };
    let activities = processing_activity::Entity::find()
        .filter(
            processing_activity::Column::Id.in_subquery(
                Query::select()
                    .column(subject_activity::Column::ActivityId)
                    .from(subject_activity::Entity)
                    .and_where(subject_activity::Column::SubjectId.eq(subject_id))
                    .to_owned(),
            ),
        )
        .order_by_asc(processing_activity::Column::Id)
        .all(db)
        .await?;
    let flows = if activities.is_empty() {
        Vec::new()
    } else {
        data_flow::Entity::find()
            .filter(data_flow::Column::ActivityId.is_in(activities.iter().map(|a| a.id)))
            .all(db)
            .await?
    };
    let walked = holdings::walk(&activity_rows(&activities), &flow_rows(&flows)?);
    let org_ids: Vec<i64> = walked.holdings.iter().map(|h| h.organisation_id).collect();
    let orgs = organisations::by_ids(db, &org_ids).await?;
    let locations = organisations::locations_of(db, &org_ids).await?;
    let holdings = walked
        .holdings
        .into_iter()
        .map(|holding| {
            let org = orgs.get(&holding.organisation_id).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!(
                    "organisation {} is gone",
                    holding.organisation_id
                ))
            })?;
            let mut countries: BTreeSet<String> = locations
                .get(&holding.organisation_id)
                .into_iter()
                .flatten()
                .map(|l| l.country.clone())
                .collect();
            countries.insert(org.country.clone());
            Ok(HeldBy {
                countries: countries.into_iter().collect(),
                offboarded: org.status == OrganisationStatus::Offboarded.as_str(),
                holding,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Answer {
        subject_id: Some(subject_id),
        activities,
        holdings,
        cycles: walked.cycles,
        organisations: orgs,
        locations,
        flows: flows.into_iter().map(|f| (f.id, f)).collect(),
    })
}

fn activity_rows(activities: &[processing_activity::Model]) -> Vec<ActivityRow> {
    activities
        .iter()
        .map(|a| ActivityRow {
            id: a.id,
            controller_id: a.controller_id,
            data_categories: a.data_categories.0.clone(),
        })
        .collect()
}

fn flow_rows(flows: &[data_flow::Model]) -> AppResult<Vec<FlowRow>> {
    flows
        .iter()
        .map(|f| {
            Ok(FlowRow {
                id: f.id,
                activity_id: f.activity_id,
                to_id: f.to_id,
                role: f.recipient_role.parse::<RecipientRole>().map_err(|_| {
                    AppError::internal(anyhow::anyhow!(
                        "flow {} has an unknown role {:?}",
                        f.id,
                        f.recipient_role
                    ))
                })?,
                data_categories: f.data_categories.0.clone(),
                continues_flow_id: f.continues_flow_id,
            })
        })
        .collect()
}
