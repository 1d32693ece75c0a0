//! Announcing, deciding and withdrawing sub-processor changes (Art 28(2) and (4)).

use crate::{
    context::request,
    domain::vocab::Role,
    enums::{
        Derogation, SccModule, SubprocessorChangeKind, SubprocessorDecision, TransferMechanism,
    },
    error::AppError,
    ids,
    mutation::flows::{DestinationSafeguardInput, safeguards},
    scalars::{Date, date},
    service::{
        audit::Actor,
        requests::DsrKeys,
        subprocessor_changes::{
            self, Decision, NewChange, ProposedSafeguard, subscribers::NewSubscriber,
        },
        webhook_url::WebhookPolicy,
    },
    types::subprocessor::{SubprocessorChange, SubprocessorListSubscriber, SubscriberRemoval},
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A customer to tell of each change to the group's published sub-processor list.
#[derive(InputObject)]
pub struct AddSubprocessorListSubscriberInput {
    /// The customer's name.
    pub name: String,
    /// Where the notices are e-mailed (kept in the outbox while no mail server is configured).
    pub email: Option<String>,
    /// Where the notices are posted instead (https, public host).
    pub webhook_url: Option<String>,
}

/// A change of sub-processor as the processor announces it. The safeguard fields are those of
/// `recordDataFlow`, checked by the same rules.
#[derive(InputObject)]
pub struct AnnounceSubprocessorChangeInput {
    /// The processor that announces the change (a PROCESSOR token: its own organisation only).
    pub processor_id: ID,
    /// What the change does.
    pub kind: SubprocessorChangeKind,
    /// The sub-processor, registered first (as an organisation).
    pub subprocessor_id: ID,
    /// The processing activities it touches: for ADD the processor receives data for each; for
    /// REMOVE and RELOCATE it passes data of each to the sub-processor.
    pub activity_ids: Vec<ID>,
    /// Codes of the data categories the sub-processor would receive (among those the processor
    /// receives).
    pub data_categories: Vec<String>,
    /// The transfer mechanism proposed; defaults to NONE.
    pub mechanism: Option<TransferMechanism>,
    /// The SCC module, for SCC_2021 and UK_ADDENDUM.
    pub scc_module: Option<SccModule>,
    /// The Art 49(1) derogation, for DEROGATION.
    pub derogation: Option<Derogation>,
    /// When the transfer impact assessment was completed.
    pub tia_completed_on: Option<Date>,
    /// When the transfer contract was concluded.
    pub signed_on: Option<Date>,
    /// BCR approval, code or certification reference, supplementary measures.
    pub evidence: Option<String>,
    /// Whether the transfers are occasional.
    pub occasional: Option<bool>,
    /// A transfer tool per destination country where it differs from the proposed one.
    pub transfer_safeguards: Option<Vec<DestinationSafeguardInput>>,
    /// RELOCATE only: the country the sub-processor moves its processing to.
    pub relocate_to: Option<String>,
    /// The day the processor announced it; the objection period runs from it.
    pub announced_on: Date,
    /// The day it takes effect, on or after `announcedOn`; for a change to the group's published
    /// list (an activity it carries out as PROCESSOR), at least the configured days of notice
    /// (`REGISTER_SUBPROCESSOR_NOTICE_DAYS`, 30 by default) after `announcedOn`.
    pub effective_on: Date,
    /// Where the notice came from (an e-mail, the processor's web page, ...).
    pub source: Option<String>,
}

/// The caller's own organisation when it is a PROCESSOR token.
fn own(ctx: &Context<'_>) -> Result<(Actor, Option<i64>)> {
    let rc = request(ctx)?;
    let own = rc.auth.principal().and_then(|p| p.organisation_id);
    Ok((rc.actor()?, own))
}

/// An id parsed where it enters; a PROCESSOR learns nothing from a malformed one: refused as
/// another processor's would be (authorisation before validation).
fn parse_for(actor: &Actor, field: &str, id: &ID) -> Result<i64, AppError> {
    ids::parse(field, id).map_err(|e| {
        if actor.role == Role::Processor.as_str() {
            subprocessor_changes::not_yours()
        } else {
            e
        }
    })
}

#[derive(Default)]
pub struct SubprocessorMutation;

#[Object]
impl SubprocessorMutation {
    /// Files a processor's notice of a sub-processor change as PENDING, with its objection
    /// deadline. ADMIN, PROCUREMENT and the DPO file for any processor, a PROCESSOR token for its
    /// own organisation only (another is FORBIDDEN).
    async fn announce_subprocessor_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: AnnounceSubprocessorChangeInput,
    ) -> Result<SubprocessorChange> {
        let rc = request(ctx)?;
        let (actor, own) = own(ctx)?;
        let processor_id = parse_for(&actor, "processorId", &input.processor_id)?;
        // Whose change it is, before anything else about it is checked.
        subprocessor_changes::ensure_may_act_for(&actor, own, processor_id)?;
        let new = NewChange {
            processor_id,
            kind: input.kind.into(),
            subprocessor_id: ids::parse("subprocessorId", &input.subprocessor_id)?,
            activity_ids: ids::parse_all("activityIds", &input.activity_ids)?,
            data_categories: input.data_categories,
            safeguard: ProposedSafeguard {
                mechanism: input.mechanism.map(Into::into),
                scc_module: input.scc_module.map(Into::into),
                derogation: input.derogation.map(Into::into),
                tia_completed_on: date("tiaCompletedOn", input.tia_completed_on.as_ref())?,
                signed_on: date("signedOn", input.signed_on.as_ref())?,
                evidence: input.evidence,
                occasional: input.occasional,
                transfer_safeguards: safeguards(input.transfer_safeguards.unwrap_or_default())?,
            },
            relocate_to: input.relocate_to,
            announced_on: input.announced_on.get("announcedOn")?,
            effective_on: input.effective_on.get("effectiveOn")?,
            source: input.source,
        };
        Ok(SubprocessorChange(
            subprocessor_changes::announce(
                &rc.db,
                &actor,
                own,
                new,
                rc.config.subprocessor_notice_days,
            )
            .await?,
        ))
    }

    /// Approves a pending change, or objects to it with a reason (required); the objection is
    /// sent to the processor: a signed POST to its webhook, else an e-mail to its privacy
    /// contact (kept in the outbox while no mail server is configured), retried until sent.
    /// Only a PENDING change is decided (CONFLICT otherwise).
    async fn decide_subprocessor_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change's id.")] id: ID,
        #[graphql(desc = "Approve, or object.")] decision: SubprocessorDecision,
        #[graphql(desc = "Why; required for an objection.")] reason: Option<String>,
    ) -> Result<SubprocessorChange> {
        let rc = request(ctx)?;
        let decision = match decision {
            SubprocessorDecision::Approve => Decision::Approve,
            SubprocessorDecision::Object => Decision::Object,
        };
        Ok(SubprocessorChange(
            subprocessor_changes::decide(
                &rc.db,
                &rc.actor()?,
                ids::parse("id", &id)?,
                decision,
                reason.as_deref(),
                chrono::Utc::now().date_naive(),
            )
            .await?,
        ))
    }

    /// Subscribes a customer to the group's published sub-processor list: each announced change
    /// to it is sent to the subscriber once (a signed POST to its webhook, retried until taken,
    /// else an e-mail). Select `webhookSecret` here: it is returned only now.
    async fn add_subprocessor_list_subscriber(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscriber.")] input: AddSubprocessorListSubscriberInput,
    ) -> Result<SubprocessorListSubscriber> {
        let rc = request(ctx)?;
        let (saved, webhook_secret) = subprocessor_changes::subscribers::add(
            &rc.db,
            &rc.actor()?,
            NewSubscriber {
                name: input.name,
                email: input.email,
                webhook_url: input.webhook_url,
            },
            &WebhookPolicy::of(&rc.config),
            &ctx.data::<DsrKeys>()?.sealer,
        )
        .await?;
        Ok(SubprocessorListSubscriber::new(saved, webhook_secret))
    }

    /// Removes a subscriber from the published list's mailing: it is told of no further change.
    /// The notices it was already sent are kept; those not yet sent are withdrawn.
    async fn remove_subprocessor_list_subscriber(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscriber's id.")] id: ID,
    ) -> Result<SubscriberRemoval> {
        let rc = request(ctx)?;
        let id = ids::parse("id", &id)?;
        let (removed, withdrawn) =
            subprocessor_changes::subscribers::remove(&rc.db, &rc.actor()?, id).await?;
        Ok(SubscriberRemoval {
            subscriber: SubprocessorListSubscriber::new(removed, None),
            unsent_notices_withdrawn: i32::try_from(withdrawn).unwrap_or(i32::MAX),
        })
    }

    /// Withdraws a change that has not gone live: it then does nothing. A PROCESSOR token
    /// withdraws its own organisation's changes only.
    async fn withdraw_subprocessor_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change's id.")] id: ID,
    ) -> Result<SubprocessorChange> {
        let rc = request(ctx)?;
        let (actor, own) = own(ctx)?;
        Ok(SubprocessorChange(
            subprocessor_changes::withdraw(
                &rc.db,
                &actor,
                own,
                parse_for(&actor, "id", &id)?,
                chrono::Utc::now().date_naive(),
            )
            .await?,
        ))
    }
}
