//! `transfer-register demo`: loads the demonstration register (see [`data`]) through the same
//! service functions as the API, so every rule applies, in one transaction; then a few
//! data-subject requests in different states, each filed as the API files them.
//!
//! Idempotent: the parent organisation's `ref` ([`data::MARKER`]) marks the register as loaded,
//! and a second run adds nothing.

pub mod data;

use crate::{
    activities::{self, NewActivity},
    audit::Actor,
    domain::{
        audit::ChainKey, dsr::delivery::Identifiers, vocab::DsrKind, vocab::Role,
        vocab::TaskOutcome,
    },
    error::{AppError, AppResult},
    flows::{self, NewFlow},
    organisations::{self, NewOrganisation},
    requests::{DsrKeys, confirm, file, read},
    subjects::{self, NewSubject, Quoted, SubjectKeys},
    tokens::Principal,
};
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use std::collections::HashMap;

/// How many data subjects the demonstration register holds.
pub const SUBJECTS: usize = 3000;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The register was already there: nothing was added.
    AlreadyLoaded,
    Loaded {
        organisations: usize,
        activities: usize,
        flows: usize,
        subjects: usize,
        requests: usize,
        /// Subjects worth looking up (who holds their data, their requests), with why.
        look_up: Vec<(String, &'static str)>,
    },
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AlreadyLoaded => write!(
                f,
                "the demonstration register is already loaded (organisation ref {}): nothing added",
                data::MARKER
            ),
            Self::Loaded {
                organisations,
                activities,
                flows,
                subjects,
                requests,
                look_up,
            } => {
                write!(
                    f,
                    "loaded the demonstration register: {organisations} organisations, {activities} processing activities, {flows} data flows, {subjects} data subjects, {requests} data-subject requests"
                )?;
                write!(f, "\nsubjects to look up (console: Who holds, Requests):")?;
                for (who, why) in look_up {
                    write!(f, "\n  {who}: {why}")?;
                }
                Ok(())
            }
        }
    }
}

fn actor(key: &ChainKey) -> Actor {
    Actor::named("demo", "OPERATOR", key)
}

fn date(value: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|e| AppError::internal(anyhow::anyhow!("demo date {value:?}: {e}")))
}

fn id_of(ids: &HashMap<&str, i64>, reference: &str) -> AppResult<i64> {
    ids.get(reference).copied().ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("demo data refers to unknown {reference}"))
    })
}

/// Loads the demonstration register unless it is already there.
#[allow(
    clippy::too_many_lines,
    reason = "the demonstration register, written in the order a reader of the README meets it"
)]
pub async fn load(
    db: &DatabaseConnection,
    audit_key: &ChainKey,
    subject_keys: &SubjectKeys,
    dsr: &DsrKeys,
) -> AppResult<Outcome> {
    if organisations::by_reference(db, data::MARKER)
        .await?
        .is_some()
    {
        return Ok(Outcome::AlreadyLoaded);
    }
    let actor = actor(audit_key);
    let txn = db.begin().await?;
    // Checked again inside the transaction: two runs at once load it once (the unique `ref`
    // refuses the second parent).
    let mut orgs: HashMap<&str, i64> = HashMap::new();
    for o in data::ORGS {
        let parent = o.parent.map(|p| id_of(&orgs, p)).transpose()?;
        let new = NewOrganisation {
            transfer_facts: register_service::organisations::ImporterFacts::default(),
            name: o.name.into(),
            kind: Some(o.kind),
            country: o.country.into(),
            company_number: o.company_number.map(Into::into),
            parent_id: parent,
            privacy_contact_email: o.contact.map(Into::into),
            erasure_webhook_url: None,
            dpa_signed_on: o.dpa_signed_on.map(date).transpose()?,
            dpf_certified: Some(o.dpf_certified),
            status: None,
            locations: o
                .locations
                .iter()
                .map(|(c, u)| ((*c).to_string(), *u))
                .collect(),
            reference: Some(o.reference.into()),
            security_measures: o.security_measures.map(Into::into),
            subprocessor_authorisation: None,
            objection_period_days: None,
        };
        let (saved, _, _) = organisations::register_in(
            &txn,
            &actor,
            new,
            &crate::webhook_url::WebhookPolicy::secure(),
            None,
        )
        .await?;
        orgs.insert(o.reference, saved.id);
    }
    let mut acts: HashMap<&str, i64> = HashMap::new();
    for a in data::ACTIVITIES {
        let new = NewActivity {
            name: a.name.into(),
            controller_id: id_of(&orgs, a.controller)?,
            purpose: a.purpose.split_whitespace().collect::<Vec<_>>().join(" "),
            lawful_basis: a.lawful_basis,
            data_categories: a.data.iter().map(|c| (*c).to_string()).collect(),
            subject_categories: a.subjects.iter().map(|c| (*c).to_string()).collect(),
            retention: a.retention.into(),
            retention_months: a.retention_months,
            reference: Some(a.reference.into()),
            security_measures: Some(
                a.security_measures
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            acting_as: None,
        };
        let saved = activities::register_in(&txn, &actor, new).await?;
        acts.insert(a.reference, saved.id);
    }
    let mut flow_ids: HashMap<&str, i64> = HashMap::new();
    for f in data::FLOWS {
        let new = NewFlow {
            occasional: None,
            combines_eu_data: None,
            processing_changed: None,
            transfer_safeguards: Vec::new(),
            activity_id: id_of(&acts, f.activity)?,
            from_id: id_of(&orgs, f.from)?,
            to_id: id_of(&orgs, f.to)?,
            recipient_role: f.role,
            data_categories: f.data.iter().map(|c| (*c).to_string()).collect(),
            continues_flow_id: f.continues.map(|c| id_of(&flow_ids, c)).transpose()?,
            mechanism: Some(f.mechanism),
            scc_module: f.scc_module,
            derogation: None,
            tia_completed_on: f.tia_completed_on.map(date).transpose()?,
            signed_on: f.signed_on.map(date).transpose()?,
            evidence: None,
            reference: Some(f.reference.into()),
        };
        let saved = flows::record_in(&txn, &actor, new).await?;
        flow_ids.insert(f.reference, saved.id);
    }
    let people = subjects_of(&acts)?;
    subjects::register_many_in(&txn, &actor, subject_keys, &people).await?;
    txn.commit().await?;
    let requests = file_requests(db, audit_key, subject_keys, dsr).await?;
    let look_up = vec![
        (
            subject_email(1),
            "a customer whose access request is overdue",
        ),
        (
            subject_email(2),
            "a customer whose erasure is under way: one holder confirmed with evidence, one exempt (invoices kept by law), one acknowledged",
        ),
        (
            "account number NW-100003".to_owned(),
            "a customer whose rectification request is open",
        ),
    ];
    Ok(Outcome::Loaded {
        look_up,
        organisations: orgs.len(),
        activities: acts.len(),
        flows: flow_ids.len(),
        subjects: people.len(),
        requests,
    })
}

/// The e-mail address of demonstration subject `n` (customers first, then marketing contacts,
/// then job applicants).
pub fn subject_email(n: usize) -> String {
    let domain = ["example.com", "example.net", "example.org"][n % 3];
    let who = if n < 2400 {
        "customer"
    } else if n < 2800 {
        "contact"
    } else {
        "applicant"
    };
    format!("{who}{n:04}@{domain}")
}

/// A deterministic population: the same people on every run, hashed with the service's keys.
fn subjects_of(acts: &HashMap<&str, i64>) -> AppResult<Vec<NewSubject>> {
    let act = |r: &str| id_of(acts, r);
    let mut out = Vec::with_capacity(SUBJECTS);
    for n in 0..SUBJECTS {
        let mut activity_ids = Vec::new();
        let mut quoted = Quoted {
            email: Some(subject_email(n)),
            ..Default::default()
        };
        if n < 2400 {
            activity_ids.extend([
                act("ACT-CONTRACTS")?,
                act("ACT-PAYMENTS")?,
                act("ACT-SUPPORT")?,
            ]);
            if n % 2 == 0 {
                activity_ids.push(act("ACT-WEBSITE")?);
            }
            if n % 3 == 0 {
                activity_ids.push(act("ACT-MARKETING")?);
            }
            quoted.account_number = Some(format!("NW-{:06}", 100_000 + n));
            // Ofcom's drama range for London (020 7946 0000 to 0999): numbers of no one.
            if n < 1000 {
                quoted.phone = Some(format!("+44 20 7946 0{n:03}"));
            }
        } else if n < 2800 {
            activity_ids.extend([act("ACT-WEBSITE")?, act("ACT-MARKETING")?]);
        } else {
            activity_ids.push(act("ACT-RECRUITMENT")?);
        }
        out.push(NewSubject {
            identifiers: quoted,
            activity_ids,
            linked_on: None,
        });
    }
    Ok(out)
}

/// Four requests: one overdue, one in progress (answers acknowledged, completed with evidence and
/// exempt), one open, one completed at once (nobody holds data on its subject).
async fn file_requests(
    db: &DatabaseConnection,
    audit_key: &ChainKey,
    subject_keys: &SubjectKeys,
    dsr: &DsrKeys,
) -> AppResult<usize> {
    let actor = actor(audit_key);
    let today = Utc::now().date_naive();
    let by_email = |email: String| Identifiers {
        email: Some(email),
        phone: None,
        account_number: None,
    };
    let requests = [
        (by_email(subject_email(1)), DsrKind::Access, 45),
        (by_email(subject_email(2)), DsrKind::Erasure, 10),
        (
            Identifiers {
                email: None,
                phone: None,
                account_number: Some("NW-100003".into()),
            },
            DsrKind::Rectification,
            3,
        ),
        (
            by_email("no-such-person@example.org".into()),
            DsrKind::Access,
            20,
        ),
    ];
    let mut filed = Vec::new();
    for (identifiers, kind, days_ago) in requests {
        let request = file::file(
            db,
            &actor,
            dsr,
            subject_keys,
            file::NewRequest {
                identifiers,
                kind,
                received_on: Some(today - Duration::days(days_ago)),
            },
        )
        .await?;
        filed.push(request);
    }
    // The erasure is under way: its first holder acknowledged it, the next confirmed it with
    // evidence, the third is exempt (the invoices are kept by law); the others have not answered.
    let principal = Principal {
        token_id: 0,
        name: "demo".into(),
        role: Role::Admin,
        organisation_id: None,
        person: None,
    };
    let tasks = read::tasks_of(db, &[filed[1].id]).await?;
    let answers = [
        (TaskOutcome::Acknowledged, None),
        (
            TaskOutcome::Completed,
            Some("Erased from the CRM and its backups on the day received; ticket ER-1042"),
        ),
        (
            TaskOutcome::Exempt,
            Some(
                "Invoices kept for six years after the financial year (legal obligation to keep accounts)",
            ),
        ),
        (TaskOutcome::Acknowledged, None),
    ];
    for (task, (outcome, evidence)) in tasks.get(&filed[1].id).into_iter().flatten().zip(answers) {
        confirm::confirm(db, &principal, audit_key, dsr, task.id, outcome, evidence).await?;
    }
    Ok(filed.len())
}
