//! `ProcessingActivity`.

use super::organisation::Organisation;
use crate::{
    context::request,
    enums::LawfulBasis,
    error::AppError,
    loaders::loaders,
    policy,
    scalars::Date,
    service::{audit, page::PageRequest},
    types::{audit::AuditEvent, connection::AuditEventConnection},
};
use async_graphql::{ID, Object, Result};
use entity::processing_activity;

/// A purpose run by a controller.
pub struct ProcessingActivity(pub processing_activity::Model);

/// A processing activity: a purpose for which a controller processes personal data, with its lawful
/// basis, the categories of data and of data subjects, and its retention rule (the record of
/// processing activities, Art 30(1)).
#[Object]
impl ProcessingActivity {
    /// The activity's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Its name in the record of processing.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The controller: the organisation that determines the purposes and means of the processing
    /// (Art 4(7)).
    async fn controller(&self, ctx: &async_graphql::Context<'_>) -> Result<Organisation> {
        loaders(ctx)?
            .organisations
            .load_one(self.0.controller_id)
            .await?
            .map(Organisation)
            .ok_or_else(|| {
                AppError::not_found(format!("organisation {}", self.0.controller_id)).into()
            })
    }

    /// The user's own key for this record (a spreadsheet's `ref` column), unique when set.
    #[graphql(name = "ref")]
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }

    /// A general description of the technical and organisational security measures
    /// (GDPR Art 30(1)(g) and 30(2)(d)).
    async fn security_measures(&self) -> Option<&str> {
        self.0.security_measures.as_deref()
    }

    /// PROCESSOR when the group carries it out for its customers (its recipients are the group's
    /// published sub-processors); CONTROLLER otherwise.
    async fn acting_as(&self) -> crate::enums::ActingAs {
        self.0.acting_as.into()
    }

    /// The purpose of the processing (Art 5(1)(b), Art 30(1)(b)).
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }

    /// The lawful basis of the processing (Art 6(1)).
    async fn lawful_basis(&self) -> LawfulBasis {
        self.0.lawful_basis.into()
    }

    /// The codes of the categories of personal data processed (Art 30(1)(c)).
    async fn data_categories(&self) -> &[String] {
        &self.0.data_categories.0
    }

    /// Whether the activity processes special categories of personal data (GDPR Art 9(1)), as the taxonomy
    /// flags them.
    async fn special_categories(&self, ctx: &async_graphql::Context<'_>) -> Result<bool> {
        Ok(crate::loaders::loaders(ctx)?
            .marks(&self.0.data_categories.0)
            .await?
            .special)
    }

    /// Whether the activity processes personal data relating to criminal convictions and offences (GDPR Art 10):
    /// the categories under `criminal`.
    async fn criminal_offence_data(&self, ctx: &async_graphql::Context<'_>) -> Result<bool> {
        Ok(crate::loaders::loaders(ctx)?
            .marks(&self.0.data_categories.0)
            .await?
            .criminal)
    }

    /// The codes of the categories of data subjects (Art 30(1)(c)).
    async fn subject_categories(&self) -> &[String] {
        &self.0.subject_categories.0
    }

    /// The retention rule as the policy states it.
    async fn retention(&self) -> &str {
        &self.0.retention
    }

    /// The retention period in months, where the rule has one.
    async fn retention_months(&self) -> Option<i32> {
        self.0.retention_months
    }

    /// The day the controller stopped this processing; null while it runs. Its flows ended with it.
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date::from)
    }

    /// Why it ended.
    async fn ended_reason(&self) -> Option<&str> {
        self.0.ended_reason.as_deref()
    }

    /// Every recorded change of this activity, oldest first, with its state before and after.
    /// Readable by ADMIN, DPO and AUDITOR.
    async fn history(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(desc = "At most this many events (default and cap: the page size limit).")]
        first: Option<i32>,
        #[graphql(desc = "The cursor after which to continue.")] after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let rc = request(ctx)?;
        policy::require(
            &rc.auth,
            "ProcessingActivity.history",
            policy::AUDIT_READERS,
        )?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let id = self.0.id.to_string();
        let page = audit::list(&rc.db, Some("processing_activity"), Some(&id), page).await?;
        Ok(AuditEventConnection::from_page(page, |e| e.id, AuditEvent))
    }
}
