//! `DataSubjectRequest`, `DsrTask` and `DsrTaskEvent` (the proof of each transition).

use crate::{
    context::viewer,
    enums::{DeliveryChannel, DsrKind, DsrStatus, TaskStatus},
    loaders::loaders,
    scalars::{Date, Timestamp},
    service::requests::shown_status,
    types::{
        category::DataCategory,
        organisation::Organisation,
        respond::{AnswerLink, TaskReminder},
    },
};
use async_graphql::{Context, ID, Object, Result};
use entity::{dsr_request, dsr_task, dsr_task_event};
use std::sync::Arc;

/// `actor` as `ctx`'s caller may see it (the service's visibility rule); the token's role is
/// loaded only for a reader who is shown it.
pub(crate) async fn actor_for(ctx: &Context<'_>, actor: &str) -> Result<String> {
    let viewer = viewer(ctx)?;
    let role = if viewer.needs_actor_role(actor) {
        loaders(ctx)?
            .token_roles
            .load_one(actor.to_string())
            .await?
    } else {
        None
    };
    Ok(viewer.actor_shown(actor, role))
}

/// A data subject's request, fanned out to one task per organisation holding their data.
pub struct DataSubjectRequest {
    pub row: dsr_request::Model,
    /// Its tasks, when they were read once for many readers (the subscription's shared feed);
    /// otherwise the request's loader reads them.
    tasks: Option<Arc<Vec<dsr_task::Model>>>,
}

impl From<dsr_request::Model> for DataSubjectRequest {
    fn from(row: dsr_request::Model) -> Self {
        Self { row, tasks: None }
    }
}

impl DataSubjectRequest {
    /// The request with its tasks as already read.
    pub fn with_tasks(row: dsr_request::Model, tasks: Arc<Vec<dsr_task::Model>>) -> Self {
        Self {
            row,
            tasks: Some(tasks),
        }
    }

    async fn task_rows(&self, ctx: &Context<'_>) -> Result<Vec<dsr_task::Model>> {
        match &self.tasks {
            Some(tasks) => Ok(tasks.as_ref().clone()),
            None => Ok(loaders(ctx)?
                .request_tasks
                .load_one(self.row.id)
                .await?
                .unwrap_or_default()),
        }
    }
}

/// A data subject's request to exercise a right (Arts 15 to 21), fanned out to one task per
/// organisation holding their data, due one month after receipt (Art 12(3)).
#[Object]
impl DataSubjectRequest {
    /// The request's id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// The right exercised.
    async fn kind(&self) -> DsrKind {
        self.row.kind.into()
    }
    /// COMPLETED when every task is COMPLETED or EXEMPT; OVERDUE when open after `dueOn`.
    async fn status(&self) -> Result<DsrStatus> {
        Ok(shown_status(&self.row, chrono::Utc::now().date_naive())?.into())
    }
    /// When the controller received the request: the deadline runs from here.
    async fn received_on(&self) -> Date {
        self.row.received_on.into()
    }
    /// One calendar month after `receivedOn`, or as extended.
    async fn due_on(&self) -> Date {
        self.row.due_on.into()
    }
    /// A random reference that identifies no one: what remains after an erasure.
    async fn reference(&self) -> &str {
        &self.row.reference
    }
    /// The further months added by `extendDeadline` (1 or 2, Art 12(3)); null when not extended.
    async fn extension_months(&self) -> Option<i32> {
        self.row.extension_months
    }
    /// Why the deadline was extended (Art 12(3) allows it for complex or numerous requests).
    async fn extension_reason(&self) -> Option<&str> {
        self.row.extension_reason.as_deref()
    }
    /// Whether the identifiers given are still kept (sealed); false once the request is completed
    /// or closed.
    async fn identifiers_kept(&self) -> bool {
        self.row.sealed_identifiers.is_some()
    }
    /// The name of the token that filed it.
    async fn filed_by(&self) -> &str {
        &self.row.filed_by
    }
    /// When it was completed or closed; null while it is open.
    async fn closed_at(&self) -> Option<Timestamp> {
        self.row.closed_at.map(Timestamp)
    }
    /// Why it was closed by hand (status CLOSED).
    async fn closure_reason(&self) -> Option<&str> {
        self.row.closure_reason.as_deref()
    }
    /// One task per organisation holding the subject's data when the request was filed.
    async fn tasks(&self, ctx: &Context<'_>) -> Result<Vec<DsrTask>> {
        Ok(self
            .task_rows(ctx)
            .await?
            .into_iter()
            .map(DsrTask)
            .collect())
    }
    /// True when, at filing, the register knew no organisation holding the subject's data: the
    /// request has no task and was COMPLETED at once (its identifiers destroyed). The DPO can
    /// answer the person that the group holds no personal data of theirs as far as the register
    /// shows (for an access request, the confirmation of Art 15(1) GDPR that no data are
    /// processed).
    async fn no_holder_found(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.task_rows(ctx).await?.is_empty())
    }
}

/// One holder's part of a request. Its id is the `Idempotency-Key` of every delivery attempt.
pub struct DsrTask(pub dsr_task::Model);

/// One holder's part of a request: delivering it and confirming, with proof, that the holder acted
/// on it. Its id is the `Idempotency-Key` of every delivery attempt.
#[Object]
impl DsrTask {
    /// The task's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The request it belongs to.
    async fn request_id(&self) -> ID {
        ID(self.0.request_id.to_string())
    }
    /// The organisation holding the data, which has to act.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Organisation> {
        loaders(ctx)?
            .organisations
            .load_one(self.0.organisation_id)
            .await?
            .map(Organisation)
            .ok_or_else(|| "the task's organisation is missing".into())
    }
    /// How the request reaches it.
    async fn channel(&self) -> DeliveryChannel {
        self.0.channel.into()
    }
    /// Where the task stands.
    async fn status(&self) -> TaskStatus {
        self.0.status.into()
    }
    /// Delivery attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why the last delivery attempt failed; null after a success. A PROCESSOR is told only its
    /// class (HTTP status, timeout).
    async fn last_error(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let viewer = viewer(ctx)?;
        Ok(self
            .0
            .last_error
            .as_deref()
            .map(|e| viewer.delivery_error(e)))
    }
    /// When delivery will be tried again; null when no attempt is due.
    async fn next_attempt_at(&self) -> Option<Timestamp> {
        self.0.next_attempt_at.map(Timestamp)
    }
    /// The categories this organisation holds of the subject.
    async fn data_categories(&self) -> &[String] {
        &self.0.data_categories.0
    }
    /// The categories of `dataCategories`, in the same order, with their names from the
    /// taxonomy: what a PROCESSOR, which may not read the taxonomy, reads for its own tasks. A
    /// code the taxonomy no longer defines is named by its code.
    async fn named_data_categories(&self, ctx: &Context<'_>) -> Result<Vec<DataCategory>> {
        let codes = &self.0.data_categories.0;
        let found = loaders(ctx)?
            .categories
            .load_many(codes.iter().cloned())
            .await?;
        Ok(codes
            .iter()
            .map(|code| {
                DataCategory(found.get(code).cloned().unwrap_or_else(|| {
                    entity::data_category::Model {
                        code: code.clone(),
                        name: code.clone(),
                        special: false,
                    }
                }))
            })
            .collect())
    }
    /// Why some of this holder's data is exempt from erasure (restrict, do not erase), if it is:
    /// the reasons of `restrictCategories`, joined.
    async fn retention_exemption(&self) -> Option<&str> {
        self.0.retention_exemption.as_deref()
    }
    /// For an erasure: the categories this holder is to erase (Art 17(1)), those of
    /// `dataCategories` not kept under an exemption. For the other kinds: `dataCategories`.
    async fn erase_categories(&self) -> Vec<String> {
        match (&self.0.erase_categories, &self.0.retention_exemption) {
            (Some(erase), _) => erase.0.clone(),
            // Filed before the split: a holder-wide exemption restricted everything.
            (None, Some(_)) => Vec::new(),
            (None, None) => self.0.data_categories.0.clone(),
        }
    }
    /// For an erasure: the categories this holder is to keep, restricted (Art 18), because an
    /// activity it holds them for is exempt (Art 17(3)(b) legal obligation, (e) legal claims);
    /// one set per legal reason.
    async fn restrict_categories(&self) -> Vec<RestrictedCategories> {
        self.0
            .restrictions
            .iter()
            .flat_map(|r| r.0.iter())
            .cloned()
            .map(RestrictedCategories)
            .collect()
    }
    /// Why the task was confirmed EXEMPT, as the confirmer gave it.
    async fn exemption_reason(&self) -> Option<&str> {
        self.0.exemption_reason.as_deref()
    }
    /// What the confirmer said was done: the proof.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    /// The evidence file the holder attached to its answer through its link, if any (its name,
    /// size and SHA-256; ADMIN, DPO and AUDITOR download it from its `downloadPath`).
    async fn evidence_document(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::types::document::Document>> {
        Ok(loaders(ctx)?
            .documents
            .load_one(crate::service::documents::Owner::Task(self.0.id))
            .await?
            .map(crate::types::document::Document))
    }
    /// The name of the token that confirmed it; a PROCESSOR sees its role instead.
    async fn confirmed_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match self.0.confirmed_by.as_deref() {
            Some(actor) => Ok(Some(actor_for(ctx, actor).await?)),
            None => Ok(None),
        }
    }
    /// When it was confirmed.
    async fn confirmed_at(&self) -> Option<Timestamp> {
        self.0.confirmed_at.map(Timestamp)
    }
    /// Every transition, oldest first: who, when, what, with what evidence.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<DsrTaskEvent>> {
        let events = loaders(ctx)?.task_events.load_one(self.0.id).await?;
        Ok(events
            .unwrap_or_default()
            .into_iter()
            .map(DsrTaskEvent)
            .collect())
    }
    /// For an e-mailed task: the one-time link its message carries, through which the holder
    /// answers (`/respond/{token}`); null until the message is sent, and for other channels.
    async fn answer_link(&self, ctx: &Context<'_>) -> Result<Option<AnswerLink>> {
        let link = loaders(ctx)?.task_links.load_one(self.0.id).await?;
        Ok(link.map(|link| AnswerLink {
            link,
            task_status: self.0.status,
        }))
    }
    /// The reminders of this task to its holder, oldest first (each also a line of `history`).
    async fn reminders(&self, ctx: &Context<'_>) -> Result<Vec<TaskReminder>> {
        let reminders = loaders(ctx)?.task_reminders.load_one(self.0.id).await?;
        Ok(reminders
            .unwrap_or_default()
            .into_iter()
            .map(TaskReminder)
            .collect())
    }
}

/// One transition of a task.
pub struct DsrTaskEvent(pub dsr_task_event::Model);

/// One transition of a task: part of the proof that a request was carried out.
#[Object]
impl DsrTaskEvent {
    /// When it happened.
    async fn occurred_at(&self) -> Timestamp {
        Timestamp(self.0.occurred_at)
    }
    /// Who made the transition: a token's name, or `delivery-worker`; a PROCESSOR sees the
    /// token's role instead of its name.
    async fn actor(&self, ctx: &Context<'_>) -> Result<String> {
        actor_for(ctx, &self.0.actor).await
    }
    /// The status before (null for filing).
    #[graphql(name = "fromStatus")]
    async fn previous_status(&self) -> Option<TaskStatus> {
        self.0.from_status.map(Into::into)
    }
    /// The status after.
    async fn to_status(&self) -> TaskStatus {
        self.0.to_status.into()
    }
    /// What happened (a delivery attempt's result, an outcome); a delivery error is shown to a
    /// PROCESSOR by its class only.
    async fn detail(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let viewer = viewer(ctx)?;
        Ok(self
            .0
            .detail
            .as_deref()
            .map(|d| viewer.event_detail(&self.0.actor, d)))
    }
    /// The evidence given with a confirmation.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
}

/// Categories kept under restriction rather than erased, and why.
pub struct RestrictedCategories(pub entity::Restriction);

/// Categories kept under restriction (stored, not used; Art 18) rather than erased, because an
/// activity they are held for is exempt from erasure (Art 17(3)(b) or (e)), with the legal reason.
#[Object]
impl RestrictedCategories {
    /// The categories kept (stored, not used) rather than erased.
    async fn categories(&self) -> &[String] {
        &self.0.categories
    }
    /// The legal reason: the exempt activity's lawful basis or retention rule (Art 17(3)).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The exempt processing activities the categories are held for.
    async fn activity_ids(&self) -> Vec<ID> {
        self.0
            .activity_ids
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }
    /// The end of the retention period counted from the day the request was received, where
    /// the activity registers one in months; null when it is stated only in words.
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Date::from)
    }
}
