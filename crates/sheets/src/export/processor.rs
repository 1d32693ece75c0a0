//! The record of processing of a processor under Art 30(2): one row per activity it processes
//! for a controller and onward recipient.

use super::{
    names::by_ids,
    ropa::{
        category_cells, dpo_contact, flows, keyed, of_flow, organisations, role, transfer_cells,
    },
    stream::{Out, Source},
    table::{Cell, Column, Table, said},
    words::Categories,
};
use crate::{
    domain::vocab::{OrganisationKind, RecipientRole},
    error::{AppError, AppResult},
};
use chrono::NaiveDate;
use entity::{data_flow, organisation, processing_activity};
use register_service::verdicts::Assessed;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeSet, HashMap};

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

/// The Art 30(2) record of `processor_id`, or without one of every group company that
/// processes for a controller. The flows a processor receives and the onward flows are indexed
/// once (ids only); the flows themselves are read a page at a time.
pub async fn processor_record(
    source: &Source<'_>,
    processor_id: Option<i64>,
    on: NaiveDate,
    out: &mut Out,
) -> AppResult<()> {
    let (db, page) = (source.db, source.page());
    let assessed = source.assessed(on).await?;
    let orgs = &organisations(db).await?;
    let categories = Categories::load(db).await?;
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
    let mut table = Table::new("Processor record", PROCESSOR);
    table.empty = Some(match processor_id {
        Some(_) => format!(
            "No processing for a controller: {} receives no personal data as a processor.",
            processors[0].name
        ),
        None => "No processing for a controller: no group company receives personal data as a processor."
            .to_string(),
    });
    out.head(table).await?;
    let (incoming, onward) = indexes(source.db).await?;
    for processor in processors {
        let received: Vec<i64> = keyed(&incoming, processor.id).collect();
        for run in received.chunks(page) {
            let mut ids: BTreeSet<i64> = run.iter().copied().collect();
            for f in run {
                ids.extend(keyed(&onward, *f));
            }
            let flows = flows(db, &ids, page).await?;
            let activity_ids = flows.iter().map(|f| f.activity_id).collect();
            let activities: HashMap<i64, processing_activity::Model> =
                by_ids::<processing_activity::Entity>(
                    db,
                    processing_activity::Column::Id,
                    &activity_ids,
                    page,
                )
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            let context = Context {
                orgs,
                activities: &activities,
                categories: &categories,
                assessed: &assessed,
                flows: &flows,
                on,
            };
            processor_rows(out, &context, processor, run);
            out.flush().await?;
        }
    }
    Ok(())
}

/// The flows received as a processor, (recipient, flow) sorted; the onward flows, (continued
/// flow, flow) sorted: pairs of ids, read once.
async fn indexes(db: &impl ConnectionTrait) -> AppResult<(Vec<(i64, i64)>, Vec<(i64, i64)>)> {
    let mut incoming: Vec<(i64, i64)> = data_flow::Entity::find()
        .select_only()
        .column(data_flow::Column::ToId)
        .column(data_flow::Column::Id)
        .filter(
            data_flow::Column::RecipientRole
                .is_in([RecipientRole::Processor, RecipientRole::SubProcessor]),
        )
        .into_tuple()
        .all(db)
        .await?;
    incoming.sort_unstable();
    let mut onward: Vec<(i64, i64)> = data_flow::Entity::find()
        .select_only()
        .column(data_flow::Column::ContinuesFlowId)
        .column(data_flow::Column::Id)
        .filter(data_flow::Column::ContinuesFlowId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    onward.sort_unstable();
    Ok((incoming, onward))
}

struct Context<'a> {
    orgs: &'a HashMap<i64, organisation::Model>,
    activities: &'a HashMap<i64, processing_activity::Model>,
    categories: &'a Categories,
    assessed: &'a Assessed,
    /// The page's flows received as a processor and their onward flows, by id.
    flows: &'a [data_flow::Model],
    on: NaiveDate,
}

/// The rows of one processor for the flows `incoming` (in id order) by which it receives data
/// for a controller's activity, each with its onward recipients.
fn processor_rows(
    out: &mut Out,
    cx: &Context<'_>,
    processor: &organisation::Model,
    incoming: &[i64],
) {
    let orgs = cx.orgs;
    let find = |id: i64| {
        cx.flows
            .binary_search_by_key(&id, |f| f.id)
            .ok()
            .map(|i| &cx.flows[i])
    };
    for incoming in incoming.iter().filter_map(|id| find(*id)) {
        let Some(activity) = cx.activities.get(&incoming.activity_id) else {
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
            out.push(row);
        }
        for flow in onward {
            let recipient = orgs.get(&flow.to_id);
            let mut row = head.clone();
            row.extend([
                recipient.map_or(Cell::Empty, |r| Cell::text(&r.name)),
                role(flow.recipient_role),
                recipient.map_or(Cell::Empty, |r| Cell::text(r.country.as_str())),
            ]);
            row.extend(transfer_cells(flow, &of_flow(cx.assessed, flow.id)));
            row.extend(tail.iter().cloned());
            out.push(row);
        }
    }
}
