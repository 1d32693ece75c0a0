//! The flows with a problem of their own, a page at a time: at 100,000 flows there can be
//! thousands, and the console lists them page by page rather than carrying all to the browser.

use super::{FlowAssessment, Gaps};
use crate::{
    domain::vocab::ProblemCode,
    page::Page,
    verdicts::{Order, TransferCursor},
};
use std::sync::Arc;

impl Gaps {
    /// The flows with a problem of their own after `after`, in flow order, at most `first`,
    /// only those naming `problem` if given; `total_count` counts every one kept, on every page.
    pub fn own_problem_page(
        &self,
        problem: Option<ProblemCode>,
        first: u64,
        after: Option<&TransferCursor>,
    ) -> Page<(Arc<FlowAssessment>, TransferCursor)> {
        let keeps = |a: &&Arc<FlowAssessment>| problem.is_none_or(|p| a.verdict.has(p));
        let start = after.map_or(0, |c| {
            self.own_problem_flows
                .partition_point(|a| place(a) <= (c.flow_id, c.destination.as_str()))
        });
        let total_count = self.own_problem_flows.iter().filter(keeps).count() as u64;
        let mut matching = self.own_problem_flows[start..].iter().filter(keeps);
        let items = matching
            .by_ref()
            .take(usize::try_from(first).unwrap_or(usize::MAX))
            .map(|a| {
                let cursor = TransferCursor {
                    flow_id: a.flow_id.unwrap_or_default(),
                    destination: a.destination,
                    key: None,
                    order: Order::default(),
                };
                (a.clone(), cursor)
            })
            .collect();
        Page {
            items,
            has_next_page: matching.next().is_some(),
            total_count,
        }
    }
}

/// Where an assessment stands in flow order, as a cursor holds it.
fn place(a: &FlowAssessment) -> (i64, &str) {
    (a.flow_id.unwrap_or_default(), a.destination.as_str())
}
