//! The Data Privacy Framework list: dated snapshots of the official participant list, the
//! organisations linked to their entries (by exact normalised name, or confirmed by a person
//! with `linkDpfEntry`), and what the latest snapshot says of each.

use crate::{
    audit::{self, Actor, Change},
    domain::{
        country::CountryCode,
        transfer::{DpfListing, normalise_name},
    },
    error::{AppError, AppResult},
    organisations, validate,
};
use chrono::{NaiveDate, Utc};
use entity::{dpf_entry, dpf_link, dpf_snapshot, organisation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait, prelude::*,
};
use std::collections::HashMap;

/// One row of the list as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the list's own yes/no columns, one each"
)]
pub struct NewEntry {
    pub name: String,
    pub active: bool,
    pub uk_extension: bool,
    pub swiss: bool,
    pub hr_data: bool,
    pub non_hr_data: bool,
}

/// Whether a snapshot of that date is already stored.
pub async fn snapshot_exists(db: &impl ConnectionTrait, listed_on: NaiveDate) -> AppResult<bool> {
    Ok(dpf_snapshot::Entity::find()
        .filter(dpf_snapshot::Column::ListedOn.eq(listed_on))
        .one(db)
        .await?
        .is_some())
}

/// Stores a snapshot beside the earlier ones, in the caller's transaction.
pub async fn store_snapshot(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    listed_on: NaiveDate,
    file_name: &str,
    entries: Vec<NewEntry>,
) -> AppResult<usize> {
    if snapshot_exists(txn, listed_on).await? {
        return Err(AppError::Conflict(format!(
            "a DPF list snapshot of {listed_on} is already stored"
        )));
    }
    let count = entries.len();
    let snapshot = dpf_snapshot::ActiveModel {
        listed_on: Set(listed_on),
        file_name: Set(Some(file_name.chars().take(200).collect())),
        entries: Set(i32::try_from(count).unwrap_or(i32::MAX)),
        imported_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let rows: Vec<dpf_entry::ActiveModel> = entries
        .into_iter()
        .map(|e| dpf_entry::ActiveModel {
            snapshot_id: Set(snapshot.id),
            normalised_name: Set(normalise_name(&e.name)),
            name: Set(e.name),
            active: Set(e.active),
            uk_extension: Set(e.uk_extension),
            swiss: Set(e.swiss),
            hr_data: Set(e.hr_data),
            non_hr_data: Set(e.non_hr_data),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        dpf_entry::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    audit::record(
        txn,
        actor,
        Change::created("importRecords", "dpf_snapshot", snapshot.id, &snapshot)?,
    )
    .await?;
    Ok(count)
}

/// The snapshots, latest first.
pub async fn snapshots(db: &impl ConnectionTrait) -> AppResult<Vec<dpf_snapshot::Model>> {
    Ok(dpf_snapshot::Entity::find()
        .order_by_desc(dpf_snapshot::Column::ListedOn)
        .all(db)
        .await?)
}

/// The normalised name an organisation is matched on: its confirmed link, else its own name.
async fn keys(
    db: &impl ConnectionTrait,
    organisations: &[&organisation::Model],
) -> AppResult<HashMap<i64, String>> {
    let ids: Vec<i64> = organisations.iter().map(|o| o.id).collect();
    let links: HashMap<i64, String> = dpf_link::Entity::find()
        .filter(dpf_link::Column::OrganisationId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.organisation_id, l.normalised_name))
        .collect();
    Ok(organisations
        .iter()
        .map(|o| {
            let key = links
                .get(&o.id)
                .cloned()
                .unwrap_or_else(|| normalise_name(&o.name));
            (o.id, key)
        })
        .collect())
}

/// Whether the list is about organisations in this country (the DPF is for US organisations).
pub fn listed_country(country: CountryCode) -> bool {
    country.as_str() == "US"
}

/// The entries of one snapshot for the given normalised names, by name.
async fn entries_named(
    db: &impl ConnectionTrait,
    snapshot_id: i64,
    names: Vec<String>,
) -> AppResult<HashMap<String, dpf_entry::Model>> {
    let mut out: HashMap<String, dpf_entry::Model> = HashMap::new();
    for e in dpf_entry::Entity::find()
        .filter(dpf_entry::Column::SnapshotId.eq(snapshot_id))
        .filter(dpf_entry::Column::NormalisedName.is_in(names))
        .order_by_asc(dpf_entry::Column::Id)
        .all(db)
        .await?
    {
        // Two rows of one name: the active one counts, else the first.
        if out
            .get(&e.normalised_name)
            .is_none_or(|kept| !kept.active && e.active)
        {
            out.insert(e.normalised_name.clone(), e);
        }
    }
    Ok(out)
}

/// The latest snapshot's entry of each given US organisation that has one, by organisation id.
pub async fn latest_entries(
    db: &impl ConnectionTrait,
    organisations: &[&organisation::Model],
) -> AppResult<HashMap<i64, (dpf_entry::Model, dpf_snapshot::Model)>> {
    let us: Vec<&organisation::Model> = organisations
        .iter()
        .copied()
        .filter(|o| listed_country(o.country))
        .collect();
    if us.is_empty() {
        return Ok(HashMap::new());
    }
    let Some(latest) = dpf_snapshot::Entity::find()
        .order_by_desc(dpf_snapshot::Column::ListedOn)
        .one(db)
        .await?
    else {
        return Ok(HashMap::new());
    };
    let keys = keys(db, &us).await?;
    let found = entries_named(db, latest.id, keys.values().cloned().collect()).await?;
    Ok(keys
        .into_iter()
        .filter_map(|(org, key)| found.get(&key).map(|e| (org, (e.clone(), latest.clone()))))
        .collect())
}

/// Each organisation's entries, by snapshot id, by organisation id.
pub type EntriesBySnapshot = HashMap<i64, HashMap<i64, dpf_entry::Model>>;

/// Every snapshot (latest first) and, for each given US organisation, its entry in each
/// snapshot that lists it (by snapshot id), by organisation id: what a verdict on any date
/// picks the snapshot in force from. One query for the entries of every snapshot.
pub async fn entries_by_snapshot(
    db: &impl ConnectionTrait,
    organisations: &[&organisation::Model],
) -> AppResult<(Vec<dpf_snapshot::Model>, EntriesBySnapshot)> {
    let us: Vec<&organisation::Model> = organisations
        .iter()
        .copied()
        .filter(|o| listed_country(o.country))
        .collect();
    let all = snapshots(db).await?;
    if us.is_empty() || all.is_empty() {
        return Ok((all, HashMap::new()));
    }
    let keys = keys(db, &us).await?;
    let mut names: Vec<String> = keys.values().cloned().collect();
    names.sort_unstable();
    names.dedup();
    // By (snapshot, name): two rows of one name in a snapshot, the active one counts, else the
    // first (as `entries_named` keeps them).
    let mut found: HashMap<(i64, String), dpf_entry::Model> = HashMap::new();
    for chunk in names.chunks(500) {
        for e in dpf_entry::Entity::find()
            .filter(dpf_entry::Column::NormalisedName.is_in(chunk.iter().cloned()))
            .order_by_asc(dpf_entry::Column::Id)
            .all(db)
            .await?
        {
            let key = (e.snapshot_id, e.normalised_name.clone());
            if found.get(&key).is_none_or(|kept| !kept.active && e.active) {
                found.insert(key, e);
            }
        }
    }
    let mut out: EntriesBySnapshot = HashMap::new();
    for (org, key) in keys {
        let entries = out.entry(org).or_default();
        for s in &all {
            if let Some(e) = found.get(&(s.id, key.clone())) {
                entries.insert(s.id, e.clone());
            }
        }
    }
    Ok((all, out))
}

/// The listing as the rules read it.
pub fn listing(entry: &dpf_entry::Model, snapshot: &dpf_snapshot::Model) -> DpfListing {
    DpfListing {
        name: entry.name.clone(),
        active: entry.active,
        uk_extension: entry.uk_extension,
        swiss: entry.swiss,
        hr_data: entry.hr_data,
        non_hr_data: entry.non_hr_data,
        snapshot_on: snapshot.listed_on,
        hand_set: None,
    }
}

/// Links an organisation to a list entry, confirmed by a person; the link holds in every later
/// snapshot (it is kept by the entry's normalised name).
pub async fn link(
    db: &DatabaseConnection,
    actor: &Actor,
    organisation_id: &str,
    entry_id: &str,
) -> AppResult<organisation::Model> {
    let organisation_id = validate::id("organisationId", organisation_id)?;
    let entry_id = validate::id("entryId", entry_id)?;
    let txn = db.begin().await?;
    let organisation = organisations::find(&txn, organisation_id, "organisationId").await?;
    let entry = dpf_entry::Entity::find_by_id(entry_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::bad_input("entryId", format!("no DPF list entry with id {entry_id}"))
        })?;
    let existing = dpf_link::Entity::find()
        .filter(dpf_link::Column::OrganisationId.eq(organisation_id))
        .one(&txn)
        .await?;
    let saved = match existing.clone() {
        Some(l) => {
            dpf_link::ActiveModel {
                normalised_name: Set(entry.normalised_name.clone()),
                linked_by: Set(actor.name.clone()),
                ..l.into()
            }
            .update(&txn)
            .await?
        }
        None => {
            dpf_link::ActiveModel {
                organisation_id: Set(organisation_id),
                normalised_name: Set(entry.normalised_name.clone()),
                linked_by: Set(actor.name.clone()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let change = match existing {
        Some(before) => Change::updated("linkDpfEntry", "dpf_link", saved.id, &before, &saved)?,
        None => Change::created("linkDpfEntry", "dpf_link", saved.id, &saved)?,
    };
    audit::record(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(organisation)
}

/// Entries of the latest snapshot whose name shares the organisation's first word: suggestions
/// for a person to confirm with [`link`], never links themselves.
pub async fn suggestions(
    db: &impl ConnectionTrait,
    organisation: &organisation::Model,
    limit: u64,
) -> AppResult<Vec<(dpf_entry::Model, dpf_snapshot::Model)>> {
    let Some(latest) = snapshots(db).await?.into_iter().next() else {
        return Ok(Vec::new());
    };
    let key = normalise_name(&organisation.name);
    let Some(first) = key.split(' ').next().filter(|w| !w.is_empty()) else {
        return Ok(Vec::new());
    };
    let found = dpf_entry::Entity::find()
        .filter(dpf_entry::Column::SnapshotId.eq(latest.id))
        .filter(
            Condition::any()
                .add(dpf_entry::Column::NormalisedName.eq(first))
                .add(dpf_entry::Column::NormalisedName.starts_with(format!("{first} "))),
        )
        .order_by_asc(dpf_entry::Column::NormalisedName)
        .limit(limit)
        .all(db)
        .await?;
    Ok(found.into_iter().map(|e| (e, latest.clone())).collect())
}

/// For each given US organisation: whether it was active in an earlier snapshot (the latest
/// such snapshot's date), and its entry in the latest, for the due items.
pub async fn history(
    db: &impl ConnectionTrait,
    organisations: &[&organisation::Model],
) -> AppResult<(Option<dpf_snapshot::Model>, HashMap<i64, Lapse>)> {
    let all = snapshots(db).await?;
    let Some(latest) = all.first().cloned() else {
        return Ok((None, HashMap::new()));
    };
    let keys = keys(db, organisations).await?;
    let names: Vec<String> = keys.values().cloned().collect();
    let mut out = HashMap::new();
    let now = entries_named(db, latest.id, names.clone()).await?;
    let mut before: HashMap<String, NaiveDate> = HashMap::new();
    for s in all.iter().skip(1) {
        for (name, e) in entries_named(db, s.id, names.clone()).await? {
            if e.active {
                before.entry(name).or_insert(s.listed_on);
            }
        }
    }
    for (org, key) in keys {
        out.insert(
            org,
            Lapse {
                active_before: before.get(&key).copied(),
                latest: now.get(&key).cloned(),
            },
        );
    }
    Ok((Some(latest), out))
}

/// What the snapshots say of one organisation over time.
#[derive(Debug, Clone)]
pub struct Lapse {
    /// The latest earlier snapshot in which it was active.
    pub active_before: Option<NaiveDate>,
    /// Its entry in the latest snapshot.
    pub latest: Option<dpf_entry::Model>,
}
