//! "Who holds this person's data": the walk from a subject's activities down every chain of
//! continued flows, as a plain function over rows already read, so that it is tested without a
//! database and costs no query per hop.
//!
//! A chain of continued flows always stays inside one activity (the register refuses anything
//! else), so the flows of the subject's activities are all the walk ever needs.
//!
//! A flow continues at most one other, so each flow has exactly one route from its controller:
//! an organisation reached by several flows has as many routes, and the answer keeps them all.
//! An ended flow's recipient still holds what it received (it is marked ended) until the flow's
//! data is recorded as deleted or returned; the walk still goes through such a flow to the flows
//! that continue it, whose recipients may still hold what they received.

use crate::vocab::RecipientRole;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// A processing activity the subject takes part in.
#[derive(Clone, Debug)]
pub struct ActivityRow {
    pub id: i64,
    pub controller_id: i64,
    pub data_categories: Vec<String>,
}

/// A flow of one of those activities.
#[derive(Clone, Debug)]
pub struct FlowRow {
    pub id: i64,
    pub activity_id: i64,
    pub to_id: i64,
    pub role: RecipientRole,
    pub data_categories: Vec<String>,
    pub continues_flow_id: Option<i64>,
    /// The day the flow stopped, if it did.
    pub ended_on: Option<NaiveDate>,
    /// Whether the recipient deleted or returned what it received through this flow.
    pub returned: bool,
}

/// One way the subject's data reached a holder: the organisations from the controller to it and
/// the flows between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub path: Vec<i64>,
    pub flows: Vec<i64>,
    /// When the last flow of the route ended (the holder receives nothing more by it).
    pub ended_on: Option<NaiveDate>,
}

/// One organisation that holds the subject's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    pub organisation_id: i64,
    /// CONTROLLER for the controller of one of the subject's activities; otherwise the role of
    /// the last flow of `path`.
    pub role: RecipientRole,
    /// Every category it receives of this subject, over all chains (sorted, no duplicates).
    pub data_categories: Vec<String>,
    /// Organisations from the controller to this one, both included: a shortest chain.
    pub path: Vec<i64>,
    /// The flows along `path`, in order (empty for a controller).
    pub flows: Vec<i64>,
    /// Every route by which it holds the data, shortest first (`path` is the first); empty for a
    /// controller that receives nothing by a flow.
    pub routes: Vec<Route>,
    /// Whether it is a controller of one of the subject's activities.
    pub controller: bool,
    /// The categories it holds for each activity (controlled, or received by a flow still held).
    pub by_activity: BTreeMap<i64, Vec<String>>,
}

impl Holding {
    /// Whether every flow that brought it the data has ended (it still holds what it received);
    /// never for a controller, which collected the data itself.
    pub fn flow_ended(&self) -> bool {
        !self.controller
            && !self.routes.is_empty()
            && self.routes.iter().all(|r| r.ended_on.is_some())
    }

    /// When the last of those flows ended, once all have.
    pub fn ended_on(&self) -> Option<NaiveDate> {
        if !self.flow_ended() {
            return None;
        }
        self.routes.iter().filter_map(|r| r.ended_on).max()
    }
}

/// Everything the walk found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    /// Sorted by the length of the path, then by organisation id.
    pub holdings: Vec<Holding>,
    /// Each chain that returns to an organisation already on it, as the organisations from the
    /// first visit to the return (`[A, B, A]`). Reported, never followed around again.
    pub cycles: Vec<Vec<i64>>,
}

/// Adds `categories` to what `holding` holds for `activity`, sorted, without duplicates.
fn add(holding: &mut Holding, activity: i64, categories: &[String]) {
    let held = holding.by_activity.entry(activity).or_default();
    held.extend(categories.iter().cloned());
    held.sort();
    held.dedup();
}

struct Step<'a> {
    flow: &'a FlowRow,
    path: Vec<i64>,
    flows: Vec<i64>,
}

/// Walks breadth-first, so that each holding keeps a shortest path; ties go to the lower flow id.
/// Every flow is visited at most once, so even corrupt data (a flow continuing itself) terminates.
#[allow(
    clippy::too_many_lines,
    reason = "one breadth-first walk: its queue, visited set and holdings are shared by every step"
)]
pub fn walk(activities: &[ActivityRow], flows: &[FlowRow]) -> Holdings {
    let mut found: BTreeMap<i64, (Holding, BTreeSet<String>)> = BTreeMap::new();
    let controllers: HashMap<i64, i64> =
        activities.iter().map(|a| (a.id, a.controller_id)).collect();
    for activity in activities {
        let entry = found.entry(activity.controller_id).or_insert_with(|| {
            (
                Holding {
                    organisation_id: activity.controller_id,
                    role: RecipientRole::Controller,
                    data_categories: Vec::new(),
                    path: vec![activity.controller_id],
                    flows: Vec::new(),
                    routes: Vec::new(),
                    controller: true,
                    by_activity: BTreeMap::new(),
                },
                BTreeSet::new(),
            )
        });
        entry.1.extend(activity.data_categories.iter().cloned());
        add(&mut entry.0, activity.id, &activity.data_categories);
    }

    let mut sorted: Vec<&FlowRow> = flows
        .iter()
        .filter(|f| controllers.contains_key(&f.activity_id))
        .collect();
    sorted.sort_by_key(|f| f.id);
    let mut children: HashMap<i64, Vec<&FlowRow>> = HashMap::new();
    let mut queue = VecDeque::new();
    for flow in &sorted {
        match flow.continues_flow_id {
            Some(parent) => children.entry(parent).or_default().push(flow),
            None => {
                if let Some(controller) = controllers.get(&flow.activity_id) {
                    queue.push_back(Step {
                        flow,
                        path: vec![*controller],
                        flows: Vec::new(),
                    });
                }
            }
        }
    }

    let mut visited = HashSet::new();
    let mut cycles = BTreeSet::new();
    while let Some(Step {
        flow,
        mut path,
        mut flows,
    }) = queue.pop_front()
    {
        if !visited.insert(flow.id) {
            continue;
        }
        if let Some(first) = path.iter().position(|o| *o == flow.to_id) {
            let mut cycle = path[first..].to_vec();
            cycle.push(flow.to_id);
            cycles.insert(cycle);
        }
        path.push(flow.to_id);
        flows.push(flow.id);
        // A recipient that returned the data holds nothing by this flow; the walk goes on to
        // the flows that continue it.
        if !flow.returned {
            let entry = found.entry(flow.to_id).or_insert_with(|| {
                (
                    Holding {
                        organisation_id: flow.to_id,
                        role: flow.role,
                        data_categories: Vec::new(),
                        path: path.clone(),
                        flows: flows.clone(),
                        routes: Vec::new(),
                        controller: false,
                        by_activity: BTreeMap::new(),
                    },
                    BTreeSet::new(),
                )
            });
            entry.0.routes.push(Route {
                path: path.clone(),
                flows: flows.clone(),
                ended_on: flow.ended_on,
            });
            entry.1.extend(flow.data_categories.iter().cloned());
            add(&mut entry.0, flow.activity_id, &flow.data_categories);
        }
        for child in children.get(&flow.id).into_iter().flatten() {
            queue.push_back(Step {
                flow: child,
                path: path.clone(),
                flows: flows.clone(),
            });
        }
    }

    let mut holdings: Vec<Holding> = found
        .into_values()
        .map(|(mut h, categories)| {
            h.data_categories = categories.into_iter().collect();
            h
        })
        .collect();
    holdings.sort_by_key(|h| (h.path.len(), h.organisation_id));
    Holdings {
        holdings,
        cycles: cycles.into_iter().collect(),
    }
}

#[cfg(test)]
#[path = "holdings_tests.rs"]
mod tests;
