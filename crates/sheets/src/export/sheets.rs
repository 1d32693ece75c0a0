//! The register's own tables, in exactly the columns the import reads (see `service::import`).
//! A record is referred to by its `ref` where it has one, else by its name; a flow another
//! continues is given a `ref` (`flow-<id>`) if it has none, so the chain survives the round trip.

use super::table::{Cell, Column, Table, col};
use crate::error::AppResult;
use entity::{data_flow, location, organisation, processing_activity};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use std::collections::{HashMap, HashSet};

pub const ORGANISATIONS: &[Column] = &[
    col("name", 36.0),
    col("kind", 16.0),
    col("country", 8.0),
    col("company_number", 16.0),
    col("parent", 24.0),
    col("privacy_contact_email", 30.0),
    col("erasure_webhook_url", 30.0),
    col("dpa_signed_on", 12.0),
    col("dpf_certified", 12.0),
    col("status", 12.0),
    col("ref", 18.0),
    col("security_measures", 50.0),
    col("dpf_uk_extension", 12.0),
    col("privacy_shield_certified", 12.0),
    col("safe_harbor_certified", 12.0),
    col("subject_to_pipeda", 12.0),
    col("appi_private_sector", 12.0),
    col("international_organisation", 20.0),
    col("gdpr_art3_2", 12.0),
    col("bcr_group", 24.0),
    col("subprocessor_authorisation", 16.0),
    col("objection_period_days", 10.0),
];

pub const LOCATIONS: &[Column] = &[
    col("organisation", 36.0),
    col("country", 8.0),
    col("use", 14.0),
];

pub const ACTIVITIES: &[Column] = &[
    col("ref", 18.0),
    col("name", 36.0),
    col("controller", 24.0),
    col("purpose", 50.0),
    col("lawful_basis", 20.0),
    col("data_categories", 50.0),
    col("subject_categories", 30.0),
    col("retention", 40.0),
    col("retention_months", 10.0),
    col("security_measures", 50.0),
    col("acting_as", 14.0),
];

pub const FLOWS: &[Column] = &[
    col("ref", 18.0),
    col("activity", 24.0),
    col("from", 24.0),
    col("to", 24.0),
    col("recipient_role", 16.0),
    col("data_categories", 50.0),
    col("continues", 18.0),
    col("mechanism", 16.0),
    col("scc_module", 10.0),
    col("derogation", 16.0),
    col("tia_completed_on", 12.0),
    col("signed_on", 12.0),
    col("evidence", 40.0),
    col("combines_eu_data", 12.0),
    col("processing_changed", 12.0),
];

/// How a spreadsheet names an organisation: its `ref`, else its name.
pub(crate) fn org_key(org: &organisation::Model) -> String {
    org.reference.clone().unwrap_or_else(|| org.name.clone())
}

fn key_of(orgs: &HashMap<i64, organisation::Model>, id: i64) -> Cell {
    orgs.get(&id)
        .map_or(Cell::Text(format!("#{id}")), |o| Cell::text(org_key(o)))
}

async fn organisation_map(
    db: &impl ConnectionTrait,
) -> AppResult<HashMap<i64, organisation::Model>> {
    Ok(organisation::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// A fact that may not be recorded: empty then, so the import reads it back as not recorded.
fn fact(value: Option<bool>) -> Cell {
    value.map_or(Cell::Empty, Cell::Bool)
}

pub async fn organisations(db: &impl ConnectionTrait) -> AppResult<Table> {
    let all = organisation::Entity::find()
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await?;
    let by_id: HashMap<i64, organisation::Model> = all.iter().map(|o| (o.id, o.clone())).collect();
    let mut table = Table::new("Organisations", ORGANISATIONS);
    for o in all {
        table.push(vec![
            Cell::text(&o.name),
            Cell::text(o.kind.as_str()),
            Cell::text(o.country.as_str()),
            Cell::opt_text(o.company_number.as_deref()),
            o.parent_id.map_or(Cell::Empty, |p| key_of(&by_id, p)),
            Cell::opt_text(o.privacy_contact_email.as_deref()),
            Cell::opt_text(o.erasure_webhook_url.as_deref()),
            Cell::opt_date(o.dpa_signed_on),
            Cell::Bool(o.dpf_certified),
            Cell::text(o.status.as_str()),
            Cell::opt_text(o.reference.as_deref()),
            Cell::opt_text(o.security_measures.as_deref()),
            fact(o.dpf_uk_extension),
            fact(o.privacy_shield_certified),
            fact(o.safe_harbor_certified),
            fact(o.subject_to_pipeda),
            fact(o.appi_private_sector),
            Cell::opt_text(o.international_organisation.as_deref()),
            fact(o.gdpr_art3_2),
            Cell::opt_text(o.bcr_group.as_deref()),
            Cell::opt_text(
                o.subprocessor_authorisation
                    .map(entity::vocab::SubprocessorAuthorisation::as_str),
            ),
            o.objection_period_days
                .map_or(Cell::Empty, |d| Cell::Int(i64::from(d))),
        ]);
    }
    Ok(table)
}

pub async fn locations(db: &impl ConnectionTrait) -> AppResult<Table> {
    let orgs = organisation_map(db).await?;
    let mut table = Table::new("Locations", LOCATIONS);
    for l in location::Entity::find()
        .order_by_asc(location::Column::Id)
        .all(db)
        .await?
    {
        table.push(vec![
            key_of(&orgs, l.organisation_id),
            Cell::text(l.country.as_str()),
            Cell::text(l.usage.as_str()),
        ]);
    }
    Ok(table)
}

/// How a spreadsheet names an activity: its `ref`, else its name.
pub(crate) fn activity_key(a: &processing_activity::Model) -> String {
    a.reference.clone().unwrap_or_else(|| a.name.clone())
}

pub async fn activities(db: &impl ConnectionTrait) -> AppResult<Table> {
    let orgs = organisation_map(db).await?;
    let mut table = Table::new("Activities", ACTIVITIES);
    for a in processing_activity::Entity::find()
        .order_by_asc(processing_activity::Column::Id)
        .all(db)
        .await?
    {
        table.push(vec![
            Cell::opt_text(a.reference.as_deref()),
            Cell::text(&a.name),
            key_of(&orgs, a.controller_id),
            Cell::text(&a.purpose),
            Cell::text(a.lawful_basis.as_str()),
            Cell::text(a.data_categories.0.join("; ")),
            Cell::text(a.subject_categories.0.join("; ")),
            Cell::text(&a.retention),
            a.retention_months
                .map_or(Cell::Empty, |m| Cell::Int(i64::from(m))),
            Cell::opt_text(a.security_measures.as_deref()),
            Cell::text(a.acting_as.as_str()),
        ]);
    }
    Ok(table)
}

pub async fn flows(db: &impl ConnectionTrait) -> AppResult<Table> {
    let orgs = organisation_map(db).await?;
    let activities: HashMap<i64, processing_activity::Model> = processing_activity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let all = data_flow::Entity::find()
        .order_by_asc(data_flow::Column::Id)
        .all(db)
        .await?;
    let continued: HashSet<i64> = all.iter().filter_map(|f| f.continues_flow_id).collect();
    let key = |f: &data_flow::Model| {
        f.reference
            .clone()
            .or_else(|| continued.contains(&f.id).then(|| format!("flow-{}", f.id)))
    };
    let keys: HashMap<i64, Option<String>> = all.iter().map(|f| (f.id, key(f))).collect();
    let mut table = Table::new("Flows", FLOWS);
    for f in &all {
        table.push(vec![
            Cell::opt_text(keys.get(&f.id).cloned().flatten().as_deref()),
            activities
                .get(&f.activity_id)
                .map_or(Cell::Text(format!("#{}", f.activity_id)), |a| {
                    Cell::text(activity_key(a))
                }),
            key_of(&orgs, f.from_id),
            key_of(&orgs, f.to_id),
            Cell::text(f.recipient_role.as_str()),
            Cell::text(f.data_categories.0.join("; ")),
            f.continues_flow_id.map_or(Cell::Empty, |c| {
                Cell::opt_text(keys.get(&c).cloned().flatten().as_deref())
            }),
            Cell::text(f.mechanism.as_str()),
            Cell::opt_text(f.scc_module.map(entity::vocab::SccModule::as_str)),
            Cell::opt_text(f.derogation.map(entity::vocab::Derogation::as_str)),
            Cell::opt_date(f.tia_completed_on),
            Cell::opt_date(f.signed_on),
            Cell::opt_text(f.evidence.as_deref()),
            fact(f.combines_eu_data),
            fact(f.processing_changed),
        ]);
    }
    Ok(table)
}
