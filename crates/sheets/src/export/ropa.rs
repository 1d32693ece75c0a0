//! The record of processing activities: the controller's under Art 30(1), with the columns the
//! ICO's and the CNIL's templates ask for, one row per activity and recipient; and a processor's
//! under Art 30(2), one row per activity it processes for a controller and onward recipient.

use super::{
    table::{Cell, Column, Table, said},
    transfers::{Names, problems, safeguard, verdict},
    words::{self, Categories},
};
use crate::{
    domain::{
        reference::LegalReference,
        vocab::{OrganisationKind, ProblemCode, RecipientRole, VerdictStatus},
    },
    error::{AppError, AppResult},
    transfers::{FlowAssessment, Register},
};
use chrono::NaiveDate;
use entity::{data_flow, organisation};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// Art 30(1)(a) to (g), in the order the ICO's and the CNIL's templates use.
const CONTROLLER: &[Column] = &[
    said("controller", "Controller", 30.0),
    said("controller_country", "Controller's country", 10.0),
    said("controller_contact", "Controller's contact", 30.0),
    said("dpo_contact", "DPO's contact", 30.0),
    said("activity_ref", "Activity reference", 16.0),
    said("activity", "Processing activity", 30.0),
    said("purpose", "Purposes of the processing", 50.0),
    said("lawful_basis", "Lawful basis", 20.0),
    said("subject_categories", "Categories of data subjects", 30.0),
    said("data_categories", "Categories of personal data", 50.0),
    said("data_category_codes", "Category codes", 30.0),
    said(
        "special_categories",
        "Special categories (Art 9) or criminal offence data (Art 10)",
        14.0,
    ),
    said("recipient", "Recipient", 30.0),
    said("recipient_role", "Recipient's role", 16.0),
    said("recipient_country", "Recipient's country", 10.0),
    said(
        "recipient_data_categories",
        "Personal data disclosed to the recipient",
        40.0,
    ),
    said(
        "transfer_destination",
        "Third country of the transfer",
        14.0,
    ),
    said("mechanism", "Transfer mechanism", 24.0),
    said("safeguard", "Safeguards", 40.0),
    said("verdict", "Verdict", 16.0),
    said("problems", "Problems", 24.0),
    said("retention", "Time limits for erasure", 40.0),
    said("retention_months", "Retention (months)", 10.0),
    said(
        "security_measures",
        "Technical and organisational security measures",
        60.0,
    ),
    said("assessed_on", "Assessed on", 12.0),
];

/// Art 30(2)(a) to (d).
const PROCESSOR: &[Column] = &[
    said("processor", "Processor", 30.0),
    said("processor_country", "Processor's country", 10.0),
    said("processor_contact", "Processor's contact", 30.0),
    said("controller", "Controller processed for", 30.0),
    said("controller_contact", "Controller's contact", 30.0),
    said("dpo_contact", "DPO's contact", 30.0),
    said("activity", "Processing activity", 30.0),
    said("processing", "Categories of processing", 50.0),
    said("data_categories", "Categories of personal data", 40.0),
    said("data_category_codes", "Category codes", 30.0),
    said(
        "special_categories",
        "Special categories (Art 9) or criminal offence data (Art 10)",
        14.0,
    ),
    said("recipient", "Recipient", 30.0),
    said("recipient_role", "Recipient's role", 16.0),
    said("recipient_country", "Recipient's country", 10.0),
    said(
        "transfer_destination",
        "Third country of the transfer",
        14.0,
    ),
    said("mechanism", "Transfer mechanism", 24.0),
    said("safeguard", "Safeguards", 40.0),
    said("verdict", "Verdict", 16.0),
    said("problems", "Problems", 24.0),
    said(
        "security_measures",
        "Technical and organisational security measures",
        60.0,
    ),
    said("assessed_on", "Assessed on", 12.0),
];

/// The category cells: names (codes in JSON), codes, whether any is special or criminal.
fn category_cells(categories: &Categories, codes: &[String]) -> [Cell; 3] {
    let marked = codes.iter().any(|c| categories.marked(c));
    [
        categories.cell(codes),
        Cell::text(codes.join("; ")),
        words::coded(
            if marked { "true" } else { "false" },
            if marked { "Yes" } else { "No" },
        ),
    ]
}

/// The role of a recipient in words.
fn role(role: RecipientRole) -> Cell {
    words::coded(role.as_str(), words::recipient_role(role))
}

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
            words::coded(flow.mechanism.as_str(), words::mechanism(flow.mechanism)),
            Cell::Empty,
            verdict(VerdictStatus::NotRestricted),
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
    let mut codes: Vec<ProblemCode> = assessed.iter().flat_map(|a| problems(a)).collect();
    codes.sort();
    codes.dedup();
    [
        Cell::text(join(&|a| a.destination.to_string())),
        words::coded(flow.mechanism.as_str(), words::mechanism(flow.mechanism)),
        Cell::text(join(&safeguard)),
        verdict(worst),
        words::problems(&codes),
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

/// The controller's block of the record: who keeps it, how to reach them and their DPO, when
/// it was generated and on which reference data (the first worksheet of the XLSX record).
fn controller_block(
    orgs: &HashMap<i64, organisation::Model>,
    controller: Option<&organisation::Model>,
    reference: &LegalReference,
    on: NaiveDate,
) -> Vec<(String, Cell)> {
    let not_recorded = || Cell::text("Not recorded in the register");
    let mut lines = vec![(
        "Record".to_string(),
        Cell::text("Record of processing activities (GDPR Art 30(1))"),
    )];
    match controller {
        Some(c) => lines.extend([
            ("Controller".to_string(), Cell::text(&c.name)),
            ("Country".to_string(), Cell::text(c.country.as_str())),
            (
                "Company number".to_string(),
                c.company_number
                    .as_deref()
                    .map_or_else(not_recorded, Cell::text),
            ),
            ("Address".to_string(), not_recorded()),
            (
                "Contact".to_string(),
                c.privacy_contact_email
                    .as_deref()
                    .map_or_else(not_recorded, Cell::text),
            ),
            (
                "Data protection officer".to_string(),
                dpo_contact(orgs, c.id).map_or_else(not_recorded, Cell::text),
            ),
            (
                "Representative (Art 27)".to_string(),
                Cell::text("None recorded"),
            ),
        ]),
        None => {
            let mut group: Vec<_> = orgs
                .values()
                .filter(|o| o.kind == OrganisationKind::GroupCompany)
                .map(|o| o.name.as_str())
                .collect();
            group.sort_unstable();
            lines.push((
                "Controller".to_string(),
                Cell::text(if group.is_empty() {
                    "No group company registered".to_string()
                } else {
                    format!("Every group company: {}", group.join("; "))
                }),
            ));
        }
    }
    lines.extend([
        (
            "Generated on".to_string(),
            Cell::Date(chrono::Utc::now().date_naive()),
        ),
        ("Transfers assessed on".to_string(), Cell::Date(on)),
        (
            "Reference data version".to_string(),
            Cell::text(reference.version()),
        ),
    ]);
    lines
}

/// The Art 30(1) record: every activity, or with `controller` the activities of that group
/// company, one row per activity and recipient.
#[allow(
    clippy::too_many_lines,
    reason = "one row layout read top to bottom against the columns above"
)]
pub async fn controller_record(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    controller_id: Option<i64>,
    on: NaiveDate,
) -> AppResult<Table> {
    let register = Register::load(db).await?;
    let assessments = register.transfers(reference, None, on)?;
    let assessed = by_flow(&assessments);
    let names = Names::load(db).await?;
    let categories = Categories::load(db).await?;
    let orgs = &names.organisations;
    let only = controller_id
        .map(|id| {
            orgs.get(&id).ok_or_else(|| {
                AppError::bad_input("controller", format!("no organisation with id {id}"))
            })
        })
        .transpose()?;
    let mut activities: Vec<_> = names
        .activities
        .values()
        .filter(|a| controller_id.is_none_or(|id| a.controller_id == id))
        .collect();
    activities.sort_by_key(|a| a.id);
    let mut flows: Vec<_> = names.flows.values().collect();
    flows.sort_by_key(|f| f.id);
    let mut table = Table::new("Record of processing", CONTROLLER);
    table.empty = Some(match only {
        Some(c) => format!("No processing activities: {} records none.", c.name),
        None => "No processing activities: the register records none.".to_string(),
    });
    table.cover = Some(("Controller", controller_block(orgs, only, reference, on)));
    for activity in activities {
        let controller = orgs.get(&activity.controller_id);
        let mut head = vec![
            controller.map_or(Cell::Empty, |c| Cell::text(&c.name)),
            controller.map_or(Cell::Empty, |c| Cell::text(c.country.as_str())),
            Cell::opt_text(controller.and_then(|c| c.privacy_contact_email.as_deref())),
            Cell::opt_text(dpo_contact(orgs, activity.controller_id).as_deref()),
            Cell::opt_text(activity.reference.as_deref()),
            Cell::text(&activity.name),
            Cell::text(&activity.purpose),
            words::coded(
                activity.lawful_basis.as_str(),
                words::lawful_basis(activity.lawful_basis),
            ),
            Cell::text(activity.subject_categories.0.join("; ")),
        ];
        head.extend(category_cells(&categories, &activity.data_categories.0));
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
            let mut row = head.clone();
            row.extend(std::iter::repeat_n(Cell::Empty, 9));
            row.extend(tail.iter().cloned());
            table.push(row);
        }
        for flow in recipients {
            let recipient = orgs.get(&flow.to_id);
            let mut row = head.clone();
            row.extend([
                recipient.map_or(Cell::Empty, |r| Cell::text(&r.name)),
                role(flow.recipient_role),
                recipient.map_or(Cell::Empty, |r| Cell::text(r.country.as_str())),
                categories.cell(&flow.data_categories.0),
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

/// The Art 30(2) record of `processor_id`, or without one of every group company that
/// processes for a controller.
pub async fn processor_record(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    processor_id: Option<i64>,
    on: NaiveDate,
) -> AppResult<Table> {
    let register = Register::load(db).await?;
    let assessments = register.transfers(reference, None, on)?;
    let assessed = by_flow(&assessments);
    let names = Names::load(db).await?;
    let categories = Categories::load(db).await?;
    let orgs = &names.organisations;
    let processors: Vec<&organisation::Model> = match processor_id {
        Some(id) => vec![orgs.get(&id).ok_or_else(|| {
            AppError::bad_input("processor", format!("no organisation with id {id}"))
        })?],
        None => {
            let mut group: Vec<_> = orgs
                .values()
                .filter(|o| o.kind == OrganisationKind::GroupCompany)
                .collect();
            group.sort_by_key(|o| o.id);
            group
        }
    };
    let mut flows: Vec<_> = names.flows.values().collect();
    flows.sort_by_key(|f| f.id);
    let mut table = Table::new("Processor record", PROCESSOR);
    table.empty = Some(match processor_id {
        Some(_) => format!(
            "No processing for a controller: {} receives no personal data as a processor.",
            processors[0].name
        ),
        None => "No processing for a controller: no group company receives personal data as a processor."
            .to_string(),
    });
    let context = Context {
        names: &names,
        categories: &categories,
        assessed: &assessed,
        flows: &flows,
        on,
    };
    for processor in processors {
        processor_rows(&mut table, &context, processor);
    }
    Ok(table)
}

struct Context<'a> {
    names: &'a Names,
    categories: &'a Categories,
    assessed: &'a HashMap<i64, Vec<&'a FlowAssessment>>,
    flows: &'a [&'a data_flow::Model],
    on: NaiveDate,
}

/// The rows of one processor: the flows by which it receives data for a controller's activity,
/// each with its onward recipients.
fn processor_rows(table: &mut Table, cx: &Context<'_>, processor: &organisation::Model) {
    let orgs = &cx.names.organisations;
    for incoming in cx.flows.iter().filter(|f| {
        f.to_id == processor.id
            && matches!(
                f.recipient_role,
                RecipientRole::Processor | RecipientRole::SubProcessor
            )
    }) {
        let Some(activity) = cx.names.activities.get(&incoming.activity_id) else {
            continue;
        };
        let controller = orgs.get(&activity.controller_id);
        let mut head = vec![
            Cell::text(&processor.name),
            Cell::text(processor.country.as_str()),
            Cell::opt_text(processor.privacy_contact_email.as_deref()),
            controller.map_or(Cell::Empty, |c| Cell::text(&c.name)),
            Cell::opt_text(controller.and_then(|c| c.privacy_contact_email.as_deref())),
            Cell::opt_text(dpo_contact(orgs, activity.controller_id).as_deref()),
            Cell::text(&activity.name),
            Cell::text(&activity.purpose),
        ];
        head.extend(category_cells(cx.categories, &incoming.data_categories.0));
        let tail = [
            Cell::opt_text(processor.security_measures.as_deref()),
            Cell::Date(cx.on),
        ];
        let onward: Vec<_> = cx
            .flows
            .iter()
            .filter(|f| f.continues_flow_id == Some(incoming.id))
            .collect();
        if onward.is_empty() {
            let mut row = head.clone();
            row.extend(std::iter::repeat_n(Cell::Empty, 8));
            row.extend(tail.iter().cloned());
            table.push(row);
        }
        for flow in onward {
            let recipient = orgs.get(&flow.to_id);
            let mut row = head.clone();
            row.extend([
                recipient.map_or(Cell::Empty, |r| Cell::text(&r.name)),
                role(flow.recipient_role),
                recipient.map_or(Cell::Empty, |r| Cell::text(r.country.as_str())),
            ]);
            let none = Vec::new();
            row.extend(transfer_cells(
                flow,
                cx.assessed.get(&flow.id).unwrap_or(&none),
            ));
            row.extend(tail.iter().cloned());
            table.push(row);
        }
    }
}
