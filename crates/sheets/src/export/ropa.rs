//! The record of processing activities: the controller's under Art 30(1), with the columns the
//! ICO's and the CNIL's templates ask for, one row per activity and recipient; and a processor's
//! under Art 30(2), one row per activity it processes for a controller and onward recipient.

use super::{
    table::{Cell, Column, Table, col},
    transfers::{Names, problems, safeguard},
};
use crate::{
    domain::{
        reference::LegalReference,
        vocab::{RecipientRole, VerdictStatus},
    },
    error::{AppError, AppResult},
    transfers::{FlowAssessment, Register},
};
use chrono::NaiveDate;
use entity::{data_flow, organisation};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

const CONTROLLER: &[Column] = &[
    col("controller", 30.0),
    col("controller_country", 10.0),
    col("controller_contact", 30.0),
    col("dpo_contact", 30.0),
    col("activity_ref", 16.0),
    col("activity", 30.0),
    col("purpose", 50.0),
    col("lawful_basis", 20.0),
    col("subject_categories", 30.0),
    col("data_categories", 50.0),
    col("recipient", 30.0),
    col("recipient_role", 16.0),
    col("recipient_country", 10.0),
    col("recipient_data_categories", 40.0),
    col("transfer_destination", 14.0),
    col("mechanism", 16.0),
    col("safeguard", 40.0),
    col("verdict", 16.0),
    col("problems", 24.0),
    col("retention", 40.0),
    col("retention_months", 10.0),
    col("security_measures", 60.0),
    col("assessed_on", 12.0),
];

const PROCESSOR: &[Column] = &[
    col("processor", 30.0),
    col("processor_country", 10.0),
    col("processor_contact", 30.0),
    col("controller", 30.0),
    col("controller_contact", 30.0),
    col("dpo_contact", 30.0),
    col("activity", 30.0),
    col("processing", 50.0),
    col("data_categories", 40.0),
    col("recipient", 30.0),
    col("recipient_role", 16.0),
    col("recipient_country", 10.0),
    col("transfer_destination", 14.0),
    col("mechanism", 16.0),
    col("safeguard", 40.0),
    col("verdict", 16.0),
    col("problems", 24.0),
    col("security_measures", 60.0),
    col("assessed_on", 12.0),
];

/// The DPO's (or privacy) contact: the organisation's own, else its nearest parent's.
fn dpo_contact(orgs: &HashMap<i64, organisation::Model>, id: i64) -> Option<String> {
    let mut current = orgs.get(&id);
    let mut steps = 0;
    while let Some(org) = current {
        if let Some(contact) = &org.privacy_contact_email {
            return Some(contact.clone());
        }
        steps += 1;
        current = org
            .parent_id
            .filter(|_| steps <= orgs.len())
            .and_then(|p| orgs.get(&p));
    }
    None
}

fn severity(status: VerdictStatus) -> u8 {
    match status {
        VerdictStatus::NotRestricted => 0,
        VerdictStatus::Adequate => 1,
        VerdictStatus::Safeguarded => 2,
        VerdictStatus::Derogation => 3,
        VerdictStatus::NonCompliant => 4,
    }
}

/// The transfer cells of a flow: destinations, mechanism, safeguard, worst verdict, problems.
fn transfer_cells(flow: &data_flow::Model, assessed: &[&FlowAssessment]) -> [Cell; 5] {
    if assessed.is_empty() {
        return [
            Cell::Empty,
            Cell::text(flow.mechanism.as_str()),
            Cell::Empty,
            Cell::text(VerdictStatus::NotRestricted.as_str()),
            Cell::Empty,
        ];
    }
    let join = |f: &dyn Fn(&FlowAssessment) -> String| {
        let mut parts: Vec<String> = assessed
            .iter()
            .map(|a| f(a))
            .filter(|s| !s.is_empty())
            .collect();
        parts.dedup();
        parts.join("; ")
    };
    let worst = assessed
        .iter()
        .map(|a| a.verdict.status)
        .max_by_key(|s| severity(*s))
        .unwrap_or(VerdictStatus::NotRestricted);
    [
        Cell::text(join(&|a| a.destination.to_string())),
        Cell::text(flow.mechanism.as_str()),
        Cell::text(join(&safeguard)),
        Cell::text(worst.as_str()),
        Cell::text(join(&problems)),
    ]
}

fn by_flow(assessments: &[FlowAssessment]) -> HashMap<i64, Vec<&FlowAssessment>> {
    let mut out: HashMap<i64, Vec<&FlowAssessment>> = HashMap::new();
    for a in assessments {
        if let Some(id) = a.flow_id {
            out.entry(id).or_default().push(a);
        }
    }
    out
}

pub async fn controller_record(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    on: NaiveDate,
) -> AppResult<Table> {
    let register = Register::load(db).await?;
    let assessments = register.transfers(reference, None, on)?;
    let assessed = by_flow(&assessments);
    let names = Names::load(db).await?;
    let orgs = &names.organisations;
    let mut activities: Vec<_> = names.activities.values().collect();
    activities.sort_by_key(|a| a.id);
    let mut flows: Vec<_> = names.flows.values().collect();
    flows.sort_by_key(|f| f.id);
    let mut table = Table::new("Record of processing", CONTROLLER);
    for activity in activities {
        let controller = orgs.get(&activity.controller_id);
        let head = [
            controller.map_or(Cell::Empty, |c| Cell::text(&c.name)),
            controller.map_or(Cell::Empty, |c| Cell::text(c.country.as_str())),
            Cell::opt_text(controller.and_then(|c| c.privacy_contact_email.as_deref())),
            Cell::opt_text(dpo_contact(orgs, activity.controller_id).as_deref()),
            Cell::opt_text(activity.reference.as_deref()),
            Cell::text(&activity.name),
            Cell::text(&activity.purpose),
            Cell::text(activity.lawful_basis.as_str()),
            Cell::text(activity.subject_categories.0.join("; ")),
            Cell::text(activity.data_categories.0.join("; ")),
        ];
        let tail = [
            Cell::text(&activity.retention),
            activity
                .retention_months
                .map_or(Cell::Empty, |m| Cell::Int(i64::from(m))),
            Cell::opt_text(
                activity
                    .security_measures
                    .as_deref()
                    .or(controller.and_then(|c| c.security_measures.as_deref())),
            ),
            Cell::Date(on),
        ];
        let recipients: Vec<_> = flows
            .iter()
            .filter(|f| f.activity_id == activity.id)
            .collect();
        if recipients.is_empty() {
            let mut row = head.to_vec();
            row.extend(std::iter::repeat_n(Cell::Empty, 9));
            row.extend(tail.iter().cloned());
            table.push(row);
        }
        for flow in recipients {
            let recipient = orgs.get(&flow.to_id);
            let mut row = head.to_vec();
            row.extend([
                recipient.map_or(Cell::Empty, |r| Cell::text(&r.name)),
                Cell::text(flow.recipient_role.as_str()),
                recipient.map_or(Cell::Empty, |r| Cell::text(r.country.as_str())),
                Cell::text(flow.data_categories.0.join("; ")),
            ]);
            let none = Vec::new();
            row.extend(transfer_cells(
                flow,
                assessed.get(&flow.id).unwrap_or(&none),
            ));
            row.extend(tail.iter().cloned());
            table.push(row);
        }
    }
    Ok(table)
}

pub async fn processor_record(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    processor_id: i64,
    on: NaiveDate,
) -> AppResult<Table> {
    let register = Register::load(db).await?;
    let assessments = register.transfers(reference, None, on)?;
    let assessed = by_flow(&assessments);
    let names = Names::load(db).await?;
    let orgs = &names.organisations;
    let processor = orgs.get(&processor_id).ok_or_else(|| {
        AppError::bad_input(
            "processor",
            format!("no organisation with id {processor_id}"),
        )
    })?;
    let mut flows: Vec<_> = names.flows.values().collect();
    flows.sort_by_key(|f| f.id);
    let mut table = Table::new("Processor record", PROCESSOR);
    // The flows by which the processor receives data for a controller's activity.
    for incoming in flows.iter().filter(|f| {
        f.to_id == processor_id
            && matches!(
                f.recipient_role,
                RecipientRole::Processor | RecipientRole::SubProcessor
            )
    }) {
        let Some(activity) = names.activities.get(&incoming.activity_id) else {
            continue;
        };
        let controller = orgs.get(&activity.controller_id);
        let head = [
            Cell::text(&processor.name),
            Cell::text(processor.country.as_str()),
            Cell::opt_text(processor.privacy_contact_email.as_deref()),
            controller.map_or(Cell::Empty, |c| Cell::text(&c.name)),
            Cell::opt_text(controller.and_then(|c| c.privacy_contact_email.as_deref())),
            Cell::opt_text(dpo_contact(orgs, activity.controller_id).as_deref()),
            Cell::text(&activity.name),
            Cell::text(&activity.purpose),
            Cell::text(incoming.data_categories.0.join("; ")),
        ];
        let tail = [
            Cell::opt_text(processor.security_measures.as_deref()),
            Cell::Date(on),
        ];
        let onward: Vec<_> = flows
            .iter()
            .filter(|f| f.continues_flow_id == Some(incoming.id))
            .collect();
        if onward.is_empty() {
            let mut row = head.to_vec();
            row.extend(std::iter::repeat_n(Cell::Empty, 8));
            row.extend(tail.iter().cloned());
            table.push(row);
        }
        for flow in onward {
            let recipient = orgs.get(&flow.to_id);
            let mut row = head.to_vec();
            row.extend([
                recipient.map_or(Cell::Empty, |r| Cell::text(&r.name)),
                Cell::text(flow.recipient_role.as_str()),
                recipient.map_or(Cell::Empty, |r| Cell::text(r.country.as_str())),
            ]);
            let none = Vec::new();
            row.extend(transfer_cells(
                flow,
                assessed.get(&flow.id).unwrap_or(&none),
            ));
            row.extend(tail.iter().cloned());
            table.push(row);
        }
    }
    Ok(table)
}
