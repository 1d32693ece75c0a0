//! The answer to "what breaks if this mechanism or decision stops on date D?".

use super::{
    activity::ProcessingActivity,
    organisation::Organisation,
    transfer::{TransferAssessment, TransferProblem},
};
use crate::{
    enums::{TransferMechanism, VerdictStatus},
    loaders::loaders,
    service::transfers::{Alternative, WhatIfImpact as Impact},
};
use async_graphql::{Context, Object, Result};

/// A transfer with a lawful footing today that would have none if the assumption came true.
pub struct WhatIfImpact(pub Impact);

/// A transfer with a lawful footing today that would have none if the assumption came true.
#[Object]
impl WhatIfImpact {
    /// The verdict under the assumption; its explanation names the assumption.
    async fn transfer(&self) -> TransferAssessment {
        TransferAssessment::from(self.0.after.clone())
    }
    /// The verdict under the law as it stands.
    async fn status_before(&self) -> VerdictStatus {
        self.0.before.verdict.status.into()
    }
    /// The exporter of the flow.
    async fn exporter(&self) -> Organisation {
        Organisation(self.0.exporter.clone())
    }
    /// The importer that holds the data and would do so without a lawful transfer basis.
    async fn holder(&self) -> Organisation {
        Organisation(self.0.holder.clone())
    }
    /// The processing activity the flow serves.
    async fn activity(&self, ctx: &Context<'_>) -> Result<Option<ProcessingActivity>> {
        Ok(loaders(ctx)?
            .activities
            .load_one(self.0.activity_id)
            .await?
            .map(ProcessingActivity))
    }
    /// How many data subjects are linked to that activity (the people the failure touches).
    async fn subject_count(&self) -> i64 {
        self.0.subjects
    }
    /// What could carry the transfer instead, each with what it still needs on this record.
    async fn alternatives(&self) -> Vec<WhatIfAlternative> {
        self.0
            .alternatives
            .iter()
            .cloned()
            .map(WhatIfAlternative)
            .collect()
    }
}

/// Another transfer tool for a failing transfer, judged under the assumption.
pub struct WhatIfAlternative(pub Alternative);

/// Another transfer tool for a failing transfer, judged under the assumption.
#[Object]
impl WhatIfAlternative {
    /// The tool.
    async fn mechanism(&self) -> TransferMechanism {
        self.0.mechanism.into()
    }
    /// The verdict the transfer would get with it, as the record stands.
    async fn status(&self) -> VerdictStatus {
        self.0.verdict.status.into()
    }
    /// What would still have to be put in place (a module, an assessment, evidence...); empty
    /// when the tool would carry the transfer as recorded.
    async fn still_needed(&self) -> Vec<TransferProblem> {
        self.0
            .verdict
            .problems
            .iter()
            .map(|p| TransferProblem {
                code: p.code.into(),
                message: p.message.clone(),
            })
            .collect()
    }
    /// The explanation of that verdict.
    async fn explanation(&self) -> &str {
        &self.0.verdict.explanation
    }
}
