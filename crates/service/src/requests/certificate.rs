//! The certificate of a request: what a DPO attaches to the answer to the data subject or hands
//! to a regulator. The request's reference, kind, dates, deadline and extension; per holder its
//! channel, what it confirmed, when and how, with the evidence or the exemption and its legal
//! reason; and the audit event that seals it (the last one about the request or its tasks, with
//! its position and hash in the chain). No identifier of the subject appears: only the
//! reference. A request still open gets a draft.

use crate::{
    documents::{self, Owner},
    domain::vocab::TaskStatus,
    error::{AppError, AppResult},
    organisations,
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{audit_event, dsr_request, dsr_task, dsr_task_event, respond_link, task_reminder};
use sea_orm::{Condition, QueryOrder, prelude::*};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// A request not yet closed: what it would say today.
    pub draft: bool,
    pub generated_at: DateTime<Utc>,
    pub request_id: String,
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub extension_months: Option<i32>,
    pub extension_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closure_reason: Option<String>,
    pub holders: Vec<Holder>,
    pub seal: Option<Seal>,
}

/// One holder's part.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    pub task_id: String,
    pub organisation: String,
    pub channel: String,
    pub status: String,
    pub data_categories: Vec<String>,
    /// Whether it confirmed (COMPLETED or EXEMPT).
    pub confirmed: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Who confirmed: a token's name, or the holder's answer link.
    pub confirmed_by: Option<String>,
    /// How: the proof's line of the confirmation.
    pub how: Option<String>,
    pub evidence: Option<String>,
    pub exemption_reason: Option<String>,
    /// Categories kept restricted, each with its legal reason, as filed.
    pub restricted: Vec<Restricted>,
    pub reminders_sent: usize,
    /// The evidence file the holder attached, named by its SHA-256 (never its content).
    pub evidence_document: Option<EvidenceDocument>,
}

/// An evidence file as the certificate names it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceDocument {
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restricted {
    pub categories: Vec<String>,
    pub reason: String,
}

/// The audit event that seals the certificate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seal {
    /// Its position in the audit chain.
    pub audit_event_id: i64,
    pub operation: String,
    pub occurred_at: DateTime<Utc>,
    /// Its hash (keyed), which every later event's chain covers.
    pub hash: String,
}

/// The certificate of request `id` (`NOT_FOUND` if there is none).
#[allow(
    clippy::too_many_lines,
    reason = "the certificate's parts in the order it prints them"
)]
pub async fn build(db: &impl ConnectionTrait, id: i64) -> AppResult<Certificate> {
    let request = dsr_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("request {id}")))?;
    let tasks = dsr_task::Entity::find()
        .filter(dsr_task::Column::RequestId.eq(id))
        .order_by_asc(dsr_task::Column::Id)
        .all(db)
        .await?;
    let task_ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let org_ids: Vec<i64> = tasks.iter().map(|t| t.organisation_id).collect();
    let organisations = organisations::by_ids(db, &org_ids).await?;
    let events = dsr_task_event::Entity::find()
        .filter(dsr_task_event::Column::RequestId.eq(id))
        .order_by_asc(dsr_task_event::Column::Id)
        .all(db)
        .await?;
    let mut how: HashMap<i64, String> = HashMap::new();
    for event in &events {
        let confirming = matches!(event.to_status, TaskStatus::Completed | TaskStatus::Exempt)
            && event.from_status != Some(event.to_status);
        if confirming && let Some(detail) = &event.detail {
            how.insert(event.task_id, detail.clone());
        }
    }
    let reminders = task_reminder::Entity::find()
        .filter(task_reminder::Column::TaskId.is_in(task_ids.iter().copied()))
        .filter(task_reminder::Column::SentAt.is_not_null())
        .all(db)
        .await?;
    let links: HashMap<i64, respond_link::Model> = super::respond::links_of(db, &task_ids).await?;
    let owners: Vec<Owner> = task_ids.iter().map(|id| Owner::Task(*id)).collect();
    let files = documents::current(db, &owners).await?;
    let holders = tasks
        .iter()
        .map(|task| {
            let confirmed = matches!(task.status, TaskStatus::Completed | TaskStatus::Exempt);
            let by_link = links.get(&task.id).and_then(|l| l.answered_at).is_some();
            Holder {
                task_id: task.id.to_string(),
                organisation: organisations.get(&task.organisation_id).map_or_else(
                    || format!("organisation {}", task.organisation_id),
                    |o| o.name.clone(),
                ),
                channel: task.channel.as_str().into(),
                status: task.status.as_str().into(),
                data_categories: task.data_categories.0.clone(),
                confirmed,
                confirmed_at: task.confirmed_at,
                confirmed_by: task.confirmed_by.clone().map(|name| {
                    if by_link {
                        "the holder, through its answer link".into()
                    } else {
                        name
                    }
                }),
                how: how.get(&task.id).cloned(),
                evidence: task.evidence.clone(),
                exemption_reason: task.exemption_reason.clone(),
                restricted: task
                    .restrictions
                    .iter()
                    .flat_map(|r| r.0.iter())
                    .map(|r| Restricted {
                        categories: r.categories.clone(),
                        reason: r.reason.clone(),
                    })
                    .collect(),
                reminders_sent: reminders.iter().filter(|r| r.task_id == task.id).count(),
                evidence_document: files.get(&Owner::Task(task.id)).map(|d| EvidenceDocument {
                    file_name: d.file_name.clone(),
                    size: d.size,
                    sha256: d.sha256.clone(),
                    uploaded_at: d.uploaded_at,
                }),
            }
        })
        .collect();
    let task_records: Vec<String> = task_ids.iter().map(i64::to_string).collect();
    let seal = audit_event::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(audit_event::Column::Entity.eq("dsr_request"))
                        .add(audit_event::Column::RecordId.eq(id.to_string())),
                )
                .add(
                    Condition::all()
                        .add(audit_event::Column::Entity.eq("dsr_task"))
                        .add(audit_event::Column::RecordId.is_in(task_records)),
                ),
        )
        .order_by_desc(audit_event::Column::Id)
        .one(db)
        .await?
        .map(|e| Seal {
            audit_event_id: e.id,
            operation: e.operation,
            occurred_at: e.occurred_at,
            hash: e.hash,
        });
    Ok(Certificate {
        draft: request.closed_at.is_none(),
        generated_at: Utc::now(),
        request_id: request.id.to_string(),
        reference: request.reference,
        kind: request.kind.as_str().into(),
        status: request.status.as_str().into(),
        received_on: request.received_on,
        due_on: request.due_on,
        extension_months: request.extension_months,
        extension_reason: request.extension_reason,
        closed_at: request.closed_at,
        closure_reason: request.closure_reason,
        holders,
        seal,
    })
}
