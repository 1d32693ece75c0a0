//! The verdicts kept per flow, with the register they were computed from, brought up to date by
//! the writes committed since: each write leaves rows in `register_change` (migration
//! `m20261208_000004_register_changes`) naming the flows and organisations it touched, tagged with
//! the register version it committed; a refresh reads the rows of the versions it has not seen,
//! reads those rows of the register again, and assesses again only the flows they can affect.

use super::{Assessed, Entry, VerdictKey};
use crate::id_lists::{CHUNK, chunks};
use crate::{
    domain::{category::Sensitivity, reference::LegalReference},
    error::AppResult,
    transfers::Register,
};
use chrono::NaiveDate;
use entity::{data_flow, location, organisation};
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, IsolationLevel, QueryFilter, Statement, TransactionTrait,
};
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

/// More change rows than this to read (a bulk import), and a refresh judges the whole register
/// again instead; so it does when more than half the flows are affected.
pub(crate) const AT_MOST: usize = 50_000;

/// One flow's part of the kept verdicts.
#[derive(Default, Clone)]
struct FlowPart {
    /// Its restricted transfers, by destination.
    entries: Vec<Entry>,
    /// What `complianceGaps` looks at of it.
    gaps: Vec<Arc<crate::transfers::FlowAssessment>>,
}

/// The verdicts of every flow on one date, with what they were computed from.
pub struct Kept {
    pub key: VerdictKey,
    register: Register,
    sensitivity: Sensitivity,
    parts: BTreeMap<i64, FlowPart>,
}

/// What the writes of a range of versions touched.
#[derive(Debug, Default)]
pub struct Changes {
    pub flows: BTreeSet<i64>,
    pub organisations: BTreeSet<i64>,
    /// Something any flow reads changed (a DPF list, the taxonomy), or too much to go row by row.
    pub whole: bool,
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// Nothing was written since.
    Unchanged,
    /// These flows were assessed again.
    Flows(BTreeSet<i64>),
    /// The whole register was judged again.
    Whole,
}

/// A transaction that sees one snapshot of the database (PostgreSQL: repeatable read).
pub async fn snapshot(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    Ok(match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    })
}

/// What the writes committed after version `after`, up to `upto`, touched.
pub async fn changes(db: &impl ConnectionTrait, after: i64, upto: i64) -> AppResult<Changes> {
    changes_at_most(db, after, upto, AT_MOST).await
}

/// [`changes`], with the whole register judged again past `at_most` rows (the tests' small
/// registers try the rule that [`super::prune`] relies on with a small number).
pub async fn changes_at_most(
    db: &impl ConnectionTrait,
    after: i64,
    upto: i64,
    at_most: usize,
) -> AppResult<Changes> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!(
                "SELECT flow_id, organisation_id, whole FROM register_change \
                 WHERE version > {} AND version <= {} LIMIT {}",
                ph(db, 1),
                ph(db, 2),
                at_most + 1
            ),
            [after.into(), upto.into()],
        ))
        .await?;
    let mut out = Changes {
        whole: rows.len() > at_most,
        ..Changes::default()
    };
    for row in rows {
        if let Some(id) = row.try_get::<Option<i64>>("", "flow_id")? {
            out.flows.insert(id);
        }
        if let Some(id) = row.try_get::<Option<i64>>("", "organisation_id")? {
            out.organisations.insert(id);
        }
        out.whole |= row.try_get::<i32>("", "whole")? != 0;
    }
    Ok(out)
}

/// The placeholder for the `n`th value.
pub(crate) fn ph(db: &impl ConnectionTrait, n: usize) -> String {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    }
}

impl Kept {
    /// Assesses the whole register on `on`, from one snapshot.
    pub async fn load(
        db: &DatabaseConnection,
        reference: &LegalReference,
        on: NaiveDate,
    ) -> AppResult<Self> {
        super::sequenced_version(db).await?;
        let txn = snapshot(db).await?;
        let register_version = super::register_version(&txn).await?;
        let register = Register::load(&txn).await?;
        let sensitivity = crate::taxonomy::sensitivity(&txn).await?;
        txn.commit().await?;
        let mut kept = Self {
            key: VerdictKey {
                on,
                register_version,
                reference_version: reference.version().to_string(),
            },
            register,
            sensitivity,
            parts: BTreeMap::new(),
        };
        let ids: Vec<i64> = kept.register.flow_ids().collect();
        kept.assess(reference, ids)?;
        Ok(kept)
    }

    /// Brings the verdicts up to the register as last committed, assessing again only the flows
    /// the writes since can affect.
    pub async fn refresh(
        &mut self,
        db: &DatabaseConnection,
        reference: &LegalReference,
    ) -> AppResult<Refreshed> {
        super::sequenced_version(db).await?;
        let txn = snapshot(db).await?;
        let version = super::register_version(&txn).await?;
        if version <= self.key.register_version {
            txn.commit().await?;
            return Ok(Refreshed::Unchanged);
        }
        let changes = changes(&txn, self.key.register_version, version).await?;
        if changes.whole {
            txn.commit().await?;
            *self = Box::pin(Self::load(db, reference, self.key.on)).await?;
            return Ok(Refreshed::Whole);
        }
        let flows = load_flows(&txn, &changes.flows).await?;
        // Organisations the written flows name that are not loaded yet are read too.
        let mut organisation_ids = changes.organisations.clone();
        for (_, f) in &flows {
            for id in f.iter().flat_map(|f| [f.from_id, f.to_id]) {
                if self.register.organisation_name(id).is_none() {
                    organisation_ids.insert(id);
                }
            }
        }
        let organisations = load_organisations(&txn, &organisation_ids).await?;
        let locations = load_locations(&txn, &organisation_ids).await?;
        self.register.apply(flows, organisations, locations);
        let affected = self
            .register
            .affected(&changes.flows, &changes.organisations);
        if affected.len() > self.parts.len().max(AT_MOST / 10) / 2 {
            txn.commit().await?;
            *self = Box::pin(Self::load(db, reference, self.key.on)).await?;
            return Ok(Refreshed::Whole);
        }
        let ids: Vec<i64> = affected.iter().copied().collect();
        let mut records = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            records.extend(crate::reviews::records::load(&txn, Some(chunk)).await?);
        }
        txn.commit().await?;
        self.register.replace_records(&affected, records);
        self.assess(reference, ids)?;
        self.key.register_version = version;
        Ok(Refreshed::Flows(affected))
    }

    /// Assesses the given flows again (a flow no longer loaded, or ended, drops out).
    fn assess(&mut self, reference: &LegalReference, ids: Vec<i64>) -> AppResult<()> {
        let on = self.key.on;
        for flow_id in ids {
            let verdicts = self.register.flow_verdicts(reference, flow_id, on)?;
            let mut part = FlowPart::default();
            if let Some(own) = verdicts.own_problems {
                part.gaps.push(Arc::new(own));
            }
            if !verdicts.restricted.is_empty() {
                let (exporter_id, recipient_id) =
                    self.register.parties(flow_id).unwrap_or_default();
                let name =
                    |id| Arc::<str>::from(self.register.organisation_name(id).unwrap_or_default());
                let (exporter_name, recipient_name) = (name(exporter_id), name(recipient_id));
                let sensitive = self.register.flow_marks(flow_id, &self.sensitivity);
                for assessment in verdicts.restricted {
                    let assessment = Arc::new(assessment);
                    part.gaps.push(assessment.clone());
                    part.entries.push(Entry {
                        assessment,
                        exporter_id,
                        recipient_id,
                        exporter_name: exporter_name.clone(),
                        recipient_name: recipient_name.clone(),
                        sensitive,
                    });
                }
                part.entries.sort_by_key(|e| e.assessment.destination);
            }
            if part.gaps.is_empty() {
                self.parts.remove(&flow_id);
            } else {
                self.parts.insert(flow_id, part);
            }
        }
        Ok(())
    }

    /// The kept verdicts as a set the readers share; `complete` is false while a newer set (a
    /// new day, new reference data) is being computed in its place.
    pub fn snapshot(&self, complete: bool) -> Assessed {
        let mut transfers = Vec::new();
        let mut gap_assessments = Vec::new();
        for part in self.parts.values() {
            transfers.extend(part.entries.iter().cloned());
            gap_assessments.extend(part.gaps.iter().cloned());
        }
        Assessed::new(self.key.clone(), complete, transfers, gap_assessments)
    }
}

async fn load_flows(
    db: &impl ConnectionTrait,
    ids: &BTreeSet<i64>,
) -> AppResult<Vec<(i64, Option<data_flow::Model>)>> {
    let mut found: HashMap<i64, data_flow::Model> = HashMap::new();
    for chunk in chunks(ids) {
        for f in data_flow::Entity::find()
            .filter(data_flow::Column::Id.is_in(chunk))
            .all(db)
            .await?
        {
            found.insert(f.id, f);
        }
    }
    Ok(ids.iter().map(|id| (*id, found.remove(id))).collect())
}

async fn load_organisations(
    db: &impl ConnectionTrait,
    ids: &BTreeSet<i64>,
) -> AppResult<Vec<(i64, Option<organisation::Model>)>> {
    let mut found: HashMap<i64, organisation::Model> = HashMap::new();
    for chunk in chunks(ids) {
        for o in organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(chunk))
            .all(db)
            .await?
        {
            found.insert(o.id, o);
        }
    }
    Ok(ids.iter().map(|id| (*id, found.remove(id))).collect())
}

/// The locations of each given organisation (an empty list for one without).
async fn load_locations(
    db: &impl ConnectionTrait,
    organisation_ids: &BTreeSet<i64>,
) -> AppResult<HashMap<i64, Vec<location::Model>>> {
    let mut out: HashMap<i64, Vec<location::Model>> = organisation_ids
        .iter()
        .map(|id| (*id, Vec::new()))
        .collect();
    for chunk in chunks(organisation_ids) {
        for l in location::Entity::find()
            .filter(location::Column::OrganisationId.is_in(chunk))
            .all(db)
            .await?
        {
            out.entry(l.organisation_id).or_default().push(l);
        }
    }
    Ok(out)
}
