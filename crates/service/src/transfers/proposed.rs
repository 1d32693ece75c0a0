//! Flows that are not in the register yet (a sub-processor change announced but not live): judged
//! by the register's own rules, as part of the chain they would continue.

use super::*;

impl Register {
    /// Puts `org` and its `locations` in this register, replacing what it held of them: the
    /// recipient of a proposed flow, or a recipient as it would be after a relocation.
    pub fn set_organisation(&mut self, org: organisation::Model, locations: Vec<location::Model>) {
        self.locations.insert(org.id, locations);
        self.organisations.insert(org.id, org);
    }

    /// The restricted transfers `flow` would make on `on`, each with its full explanation. The
    /// flow need not be in the register, but the flow it continues (and its chain), its exporter
    /// and its recipient must be.
    pub fn assess_proposed(
        &self,
        reference: &LegalReference,
        flow: &data_flow::Model,
        on: NaiveDate,
    ) -> AppResult<Vec<FlowAssessment>> {
        let facts = self.facts(flow, reference, on)?;
        Ok(assess_flow(reference, &facts, on)?
            .into_iter()
            .map(|mut a| {
                a.verdict = transfer::assess(reference, &a.transfer, on);
                a
            })
            .collect())
    }
}
