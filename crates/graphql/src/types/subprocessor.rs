//! `SubprocessorChange`, its history and `ProposedTransfer`.

use crate::{
    context::{request, viewer},
    enums::{SubprocessorChangeKind, SubprocessorChangeStatus, TransferMechanism, VerdictStatus},
    error::AppError,
    loaders::loaders,
    scalars::{Date, Timestamp},
    service::subprocessor_changes::{self, ProposedTransfer as Proposed},
    types::{dsr::actor_for, organisation::Organisation, transfer::TransferProblem},
};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::{subprocessor_change, subprocessor_subscriber};

/// A change of sub-processor a processor announced (Art 28(2) and (4)).
pub struct SubprocessorChange(pub subprocessor_change::Model);

async fn load(ctx: &Context<'_>, id: i64) -> Result<entity::organisation::Model> {
    loaders(ctx)?
        .organisations
        .load_one(id)
        .await?
        .ok_or_else(|| async_graphql::Error::new(format!("organisation {id} is missing")))
}

async fn organisation(ctx: &Context<'_>, id: i64) -> Result<Organisation> {
    Ok(Organisation(load(ctx, id).await?))
}

/// What a PROCESSOR is told when it asks what its change would do to the register.
fn impact_refused() -> async_graphql::Error {
    AppError::Forbidden(
        "what a change would do to the register (its transfers and subjects) is the \
         controller's to read"
            .into(),
    )
    .into()
}

/// A change of sub-processor announced by a processor: what it would do, when, the deadline to
/// object, and where it stands.
#[Object]
impl SubprocessorChange {
    /// The change's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The processor that announced it.
    async fn processor(&self, ctx: &Context<'_>) -> Result<Organisation> {
        organisation(ctx, self.0.processor_id).await
    }
    /// The sub-processor added, relocated or removed: the register's record of it. Not for a
    /// PROCESSOR (FORBIDDEN), which reads `subprocessorName` and `subprocessorCountry`.
    async fn subprocessor(&self, ctx: &Context<'_>) -> Result<Organisation> {
        if !viewer(ctx)?.sees_subprocessor_record() {
            return Err(AppError::Forbidden(
                "a processor reads its sub-processor's name and country (subprocessorName, \
                 subprocessorCountry), not the register's record of it"
                    .into(),
            )
            .into());
        }
        organisation(ctx, self.0.subprocessor_id).await
    }
    /// The sub-processor's name (every reader, a PROCESSOR included).
    async fn subprocessor_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load(ctx, self.0.subprocessor_id).await?.name)
    }
    /// The sub-processor's country, ISO 3166-1 alpha-2 (every reader).
    async fn subprocessor_country(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load(ctx, self.0.subprocessor_id)
            .await?
            .country
            .as_str()
            .to_string())
    }
    /// What the change does.
    async fn kind(&self) -> SubprocessorChangeKind {
        self.0.kind.into()
    }
    /// The processing activities it touches.
    async fn activity_ids(&self) -> Vec<ID> {
        self.0
            .activity_ids
            .0
            .iter()
            .map(|i| ID(i.clone()))
            .collect()
    }
    /// Codes of the data categories it touches.
    async fn data_categories(&self) -> &[String] {
        &self.0.data_categories.0
    }
    /// The transfer mechanism proposed for the sub-processor's transfers.
    async fn mechanism(&self) -> TransferMechanism {
        self.0.mechanism.into()
    }
    /// RELOCATE: the country the sub-processor moves its processing to.
    async fn relocate_to(&self) -> Option<&str> {
        self.0
            .relocate_to
            .as_ref()
            .map(entity::country::CountryCode::as_str)
    }
    /// The day the processor announced it.
    async fn announced_on(&self) -> Date {
        self.0.announced_on.into()
    }
    /// The day it is to take effect.
    async fn effective_on(&self) -> Date {
        self.0.effective_on.into()
    }
    /// The last day to object: the announcement date plus the processor's objection period;
    /// null when the processor has no period recorded.
    async fn objection_deadline(&self) -> Option<Date> {
        self.0.objection_deadline.map(Date::from)
    }
    /// Where the notice came from.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// Where it stands.
    async fn status(&self) -> SubprocessorChangeStatus {
        self.0.status.into()
    }
    /// The objection's reason, or why the clock moved it.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Who approved or objected (to a PROCESSOR, the token's role).
    async fn decided_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match self.0.decided_by.as_deref() {
            Some(actor) => Ok(Some(actor_for(ctx, actor).await?)),
            None => Ok(None),
        }
    }
    /// The transfers the change would create or alter, judged on its effective date by the
    /// register's own rules, with their problems and explanation (none for a REMOVE). Not for a
    /// PROCESSOR (FORBIDDEN).
    async fn impact(&self, ctx: &Context<'_>) -> Result<Vec<ProposedTransfer>> {
        if !viewer(ctx)?.sees_change_impact() {
            return Err(impact_refused());
        }
        let rc = request(ctx)?;
        let impact = subprocessor_changes::impact(&rc.read, &rc.reference, &self.0).await?;
        Ok(impact.transfers.into_iter().map(ProposedTransfer).collect())
    }
    /// The data subjects linked to the processing activities it touches. Not for a PROCESSOR
    /// (FORBIDDEN).
    async fn subjects_affected(&self, ctx: &Context<'_>) -> Result<i64> {
        if !viewer(ctx)?.sees_change_impact() {
            return Err(impact_refused());
        }
        let rc = request(ctx)?;
        let impact = subprocessor_changes::impact(&rc.read, &rc.reference, &self.0).await?;
        Ok(i64::try_from(impact.subjects).unwrap_or(i64::MAX))
    }
    /// The states it went through, oldest first (to a PROCESSOR, each person's token by its
    /// role).
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<SubprocessorChangeEvent>> {
        let rc = request(ctx)?;
        let mut events = Vec::new();
        for e in subprocessor_changes::history(&rc.read, self.0.id).await? {
            events.push(SubprocessorChangeEvent {
                status: e.status.into(),
                actor: actor_for(ctx, &e.actor).await?,
                detail: e.detail,
                on: e.on_date.into(),
                at: Timestamp(e.created_at),
            });
        }
        Ok(events)
    }
    /// When it was announced in the register.
    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }
}

/// A state a sub-processor change entered.
#[derive(SimpleObject)]
pub struct SubprocessorChangeEvent {
    /// The state entered.
    pub status: SubprocessorChangeStatus,
    /// Who moved it (a token's name, or the clock).
    pub actor: String,
    /// The reason or what was done.
    pub detail: Option<String>,
    /// The register's day it happened on.
    pub on: Date,
    /// When it was written.
    pub at: Timestamp,
}

/// A transfer an announced change would make, judged before it goes live.
pub struct ProposedTransfer(pub Proposed);

/// A transfer an announced change would create or alter, with the verdict the register's rules
/// give it on the change's effective date.
#[Object]
impl ProposedTransfer {
    /// The exporter (the processor).
    async fn from(&self) -> Organisation {
        Organisation(self.0.from.clone())
    }
    /// The importer (the sub-processor).
    async fn to(&self) -> Organisation {
        Organisation(self.0.to.clone())
    }
    /// The processing activity whose data it carries.
    async fn activity_id(&self) -> ID {
        ID(self.0.activity_id.to_string())
    }
    /// The country the data would go to.
    async fn destination_country(&self) -> &str {
        self.0.assessment.destination.as_str()
    }
    /// The verdict on the effective date.
    async fn status(&self) -> VerdictStatus {
        self.0.assessment.verdict.status.into()
    }
    /// What would be wrong, in words a DPO can act on.
    async fn problems(&self) -> Vec<TransferProblem> {
        self.0
            .assessment
            .verdict
            .problems
            .iter()
            .map(|p| TransferProblem {
                code: p.code.into(),
                message: p.message.clone(),
            })
            .collect()
    }
    /// A paragraph: what applies, why, under which instrument.
    async fn explanation(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(self.0.assessment.explanation(&request(ctx)?.reference))
    }
}

/// A customer subscribed to the group's published sub-processor list.
#[derive(SimpleObject)]
pub struct SubprocessorListSubscriber {
    /// Its id.
    pub id: ID,
    /// The customer's name.
    pub name: String,
    /// Where notices are e-mailed.
    pub email: Option<String>,
    /// Where notices are posted.
    pub webhook_url: Option<String>,
    /// The secret the notices POSTed to `webhookUrl` are signed with, as erasure deliveries are
    /// (`X-Register-Signature`, `X-Register-Signature-V2`): given here once, when the subscriber
    /// is added with a webhook, and never again (null otherwise). Hand it to the customer.
    pub webhook_secret: Option<String>,
    /// When it was subscribed.
    pub created_at: Timestamp,
}

impl SubprocessorListSubscriber {
    /// The subscriber as stored, with its webhook secret only when it was just issued.
    pub fn new(model: subprocessor_subscriber::Model, webhook_secret: Option<String>) -> Self {
        Self {
            id: ID(model.id.to_string()),
            name: model.name,
            email: model.email,
            webhook_url: model.webhook_url,
            webhook_secret,
            created_at: Timestamp(model.created_at),
        }
    }
}

/// A subscriber removed from the published list's mailing.
#[derive(SimpleObject)]
pub struct SubscriberRemoval {
    /// The subscriber as it was (its notices already sent are kept).
    pub subscriber: SubprocessorListSubscriber,
    /// How many of its notices had not yet been sent and are withdrawn (none will reach it).
    pub unsent_notices_withdrawn: i32,
}
