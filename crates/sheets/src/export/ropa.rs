//! The record of processing activities: the controller's under Art 30(1), with the columns the
//! ICO's and the CNIL's templates ask for, one row per activity and recipient; and a processor's
//! under Art 30(2), one row per activity it processes for a controller and onward recipient
//! (in [`super::processor`]).

use super::{
    names::by_ids,
    stream::{Out, Source},
    table::{Cell, Column, Table, said},
    transfers::{problems, safeguard, verdict},
    words::{self, Categories},
};
use crate::{
    domain::{
        reference::LegalReference,
        vocab::{OrganisationKind, ProblemCode, RecipientRole, VerdictStatus},
    },
    error::{AppError, AppResult},
    transfers::FlowAssessment,
};
use chrono::NaiveDate;
use entity::{data_flow, organisation, processing_activity};
use register_service::verdicts::Assessed;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashMap};

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

/// The category cells: names (codes in JSON), codes, whether any is special or criminal.
pub(super) fn category_cells(categories: &Categories, codes: &[String]) -> [Cell; 3] {
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
pub(super) fn role(role: RecipientRole) -> Cell {
    words::coded(role.as_str(), words::recipient_role(role))
}

/// The DPO's (or privacy) contact: the organisation's own, else its nearest parent's.
pub(super) fn dpo_contact(orgs: &HashMap<i64, organisation::Model>, id: i64) -> Option<String> {
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
pub(super) fn transfer_cells(flow: &data_flow::Model, assessed: &[&FlowAssessment]) -> [Cell; 5] {
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

/// The verdicts of one flow, in the register's order (the kept transfers are ordered by flow).
pub(super) fn of_flow(assessed: &Assessed, flow_id: i64) -> Vec<&FlowAssessment> {
    let transfers = &assessed.transfers;
    let start = transfers.partition_point(|e| e.assessment.flow_id.unwrap_or_default() < flow_id);
    transfers[start..]
        .iter()
        .take_while(|e| e.assessment.flow_id == Some(flow_id))
        .map(|e| &*e.assessment)
        .collect()
}

/// The values of `key` in a sorted index of (key, value) pairs.
pub(super) fn keyed(index: &[(i64, i64)], key: i64) -> impl Iterator<Item = i64> + '_ {
    let start = index.partition_point(|(k, _)| *k < key);
    index[start..]
        .iter()
        .take_while(move |(k, _)| *k == key)
        .map(|(_, v)| *v)
}

/// Every organisation by id: the records name controllers, recipients and the parents whose
/// DPO contact a company shares (bounded by the organisations, not the flows).
pub(super) async fn organisations(
    db: &impl ConnectionTrait,
) -> AppResult<HashMap<i64, organisation::Model>> {
    Ok(organisation::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// The flows of `ids`, in id order, `page` ids a query.
pub(super) async fn flows(
    db: &impl ConnectionTrait,
    ids: &BTreeSet<i64>,
    page: usize,
) -> AppResult<Vec<data_flow::Model>> {
    let mut flows = by_ids::<data_flow::Entity>(db, data_flow::Column::Id, ids, page).await?;
    flows.sort_by_key(|f| f.id);
    Ok(flows)
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
/// company, one row per activity and recipient. The flows are indexed by activity once (ids
/// only); activities and their flows are read a page at a time.
#[allow(
    clippy::too_many_lines,
    reason = "one row layout read top to bottom against the columns above"
)]
pub async fn controller_record(
    source: &Source<'_>,
    controller_id: Option<i64>,
    on: NaiveDate,
    out: &mut Out,
) -> AppResult<()> {
    let (db, reference, page) = (source.db, source.reference, source.page());
    let assessed = source.assessed(on).await?;
    let orgs = &organisations(db).await?;
    let categories = Categories::load(db).await?;
    let only = controller_id
        .map(|id| {
            orgs.get(&id).ok_or_else(|| {
                AppError::bad_input("controller", format!("no organisation with id {id}"))
            })
        })
        .transpose()?;
    let mut activity_ids = processing_activity::Entity::find()
        .select_only()
        .column(processing_activity::Column::Id)
        .order_by_asc(processing_activity::Column::Id);
    if let Some(id) = controller_id {
        activity_ids = activity_ids.filter(processing_activity::Column::ControllerId.eq(id));
    }
    let activity_ids: Vec<i64> = activity_ids.into_tuple().all(db).await?;
    // Every flow's activity, once: (activity, flow), sorted.
    let mut by_activity: Vec<(i64, i64)> = data_flow::Entity::find()
        .select_only()
        .column(data_flow::Column::ActivityId)
        .column(data_flow::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    by_activity.sort_unstable();
    let flows_of = |activity: i64| keyed(&by_activity, activity);
    let mut table = Table::new("Record of processing", CONTROLLER);
    table.empty = Some(match only {
        Some(c) => format!("No processing activities: {} records none.", c.name),
        None => "No processing activities: the register records none.".to_string(),
    });
    table.cover = Some(("Controller", controller_block(orgs, only, reference, on)));
    out.head(table).await?;
    let mut rest = activity_ids.as_slice();
    while !rest.is_empty() {
        // A page: activities while their flows fit in one (at least one activity).
        let mut take = 0;
        let mut flow_count = 0;
        while take < rest.len() && take < page {
            let n = flows_of(rest[take]).count();
            if take > 0 && flow_count + n > page {
                break;
            }
            flow_count += n;
            take += 1;
        }
        let (run, next) = rest.split_at(take);
        rest = next;
        let run_ids: BTreeSet<i64> = run.iter().copied().collect();
        let mut activities = by_ids::<processing_activity::Entity>(
            db,
            processing_activity::Column::Id,
            &run_ids,
            page,
        )
        .await?;
        activities.sort_by_key(|a| a.id);
        let flow_ids: BTreeSet<i64> = run.iter().flat_map(|a| flows_of(*a)).collect();
        let flows = flows(db, &flow_ids, page).await?;
        for activity in &activities {
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
                out.push(row);
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
                row.extend(transfer_cells(flow, &of_flow(&assessed, flow.id)));
                row.extend(tail.iter().cloned());
                out.push(row);
            }
        }
        out.flush().await?;
    }
    Ok(())
}
