//! The DPO's view of transfers: the register, the gaps, and what-if assessments.

use crate::{
    domain::{
        transfer::{ExporterRole as DomainExporterRole, Transfer},
        vocab,
    },
    error::AppError,
    graphql::{
        context::{RequestContext, request},
        enums::{Derogation, RecipientRole, Regime, SccModule, TransferMechanism, VerdictStatus},
        scalars::{Date, date, date_or_today},
        types::{
            connection::TransferAssessmentConnection,
            reference::AdequacyDecision,
            transfer::{ComplianceGaps, TransferAssessment},
        },
    },
    service::{
        page::PageRequest,
        transfers, validate,
        verdicts::{Assessed, TransferCursor, TransferFilter},
    },
};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::NaiveDate;
use std::sync::Arc;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DomainExporterRole")]
pub enum ExporterRole {
    Controller,
    Processor,
}

/// A transfer described by hand; nothing is stored.
#[derive(InputObject)]
pub struct AssessTransferInput {
    pub from_country: String,
    pub destination_country: String,
    pub mechanism: TransferMechanism,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub importer_dpf_certified: Option<bool>,
    pub tia_completed_on: Option<Date>,
    pub signed_on: Option<Date>,
    /// The date to judge on (default today): a past date answers as the law stood then.
    pub on: Option<Date>,
    /// Default: the regime of `fromCountry` (required when it is outside the EEA and the UK).
    pub regime: Option<Regime>,
    pub exporter_role: Option<ExporterRole>,
    pub recipient_role: Option<RecipientRole>,
    /// The Art 28 contract with a processor recipient.
    pub recipient_dpa_signed_on: Option<Date>,
    /// Whether the importer falls within a partial adequacy decision's scope (e.g. PIPEDA).
    pub importer_in_adequacy_scope: Option<bool>,
    /// BCR approval, code or certification reference.
    pub evidence: Option<String>,
}

/// The verdicts of the whole register on `on`: today's from the cache (valid while the register
/// version and the reference data are unchanged), a past or future date's computed on demand.
async fn assessed_on(rc: &RequestContext, on: NaiveDate) -> Result<Arc<Assessed>> {
    if on == chrono::Utc::now().date_naive() {
        Ok(rc.verdicts.get(&rc.read, &rc.reference, on).await?)
    } else {
        Ok(Arc::new(
            Assessed::compute(&rc.read, &rc.reference, on).await?,
        ))
    }
}

/// `on` as given, or today; kept within the dates the reference data can speak to.
fn judged_on(on: Option<&Date>) -> Result<NaiveDate> {
    let on = date_or_today("on", on)?;
    let (earliest, latest) = (
        NaiveDate::from_ymd_opt(1995, 1, 1),
        NaiveDate::from_ymd_opt(2100, 1, 1),
    );
    if earliest.is_some_and(|e| on < e) || latest.is_some_and(|l| on > l) {
        return Err(
            AppError::bad_input("on", "on must be between 1995-01-01 and 2100-01-01").into(),
        );
    }
    Ok(on)
}

#[derive(Default)]
pub struct TransferQuery;

#[Object]
impl TransferQuery {
    /// Every restricted transfer of the register and its verdict on `on` (default today),
    /// optionally of one regime. The whole list, for exports; a console pages
    /// `transferRegisterPage` instead.
    #[graphql(complexity = "crate::graphql::REGISTER_COST + child_complexity")]
    async fn transfer_register(
        &self,
        ctx: &Context<'_>,
        regime: Option<Regime>,
        on: Option<Date>,
    ) -> Result<Vec<TransferAssessment>> {
        let rc = request(ctx)?;
        let on = judged_on(on.as_ref())?;
        let assessed = assessed_on(rc, on).await?;
        Ok(assessed
            .register(regime.map(Into::into))
            .into_iter()
            .map(TransferAssessment)
            .collect())
    }

    /// One page of the transfer register on `on` (default today): the restricted transfers that
    /// every given filter keeps, ordered by flow, then destination country. The same verdicts as
    /// `transferRegister`, which it pages; `totalCount` counts every transfer the filters keep.
    #[allow(clippy::too_many_arguments)]
    async fn transfer_register_page(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many transfers to return (default 50, at most the configured page size)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only transfers under this regime (the exporter's: EU GDPR or UK GDPR).")]
        regime: Option<Regime>,
        #[graphql(desc = "Only transfers with this verdict.")] status: Option<VerdictStatus>,
        #[graphql(desc = "Only transfers towards this country (ISO 3166-1 alpha-2).")]
        destination: Option<String>,
        #[graphql(
            desc = "Only transfers relying on this mechanism (the Chapter V tool: adequacy, SCCs, BCRs, a derogation...)."
        )]
        mechanism: Option<TransferMechanism>,
        #[graphql(desc = "Only transfers whose flow this organisation exports or receives.")]
        organisation_id: Option<ID>,
        #[graphql(
            desc = "The date to judge on (default today): a past date answers as the law stood then."
        )]
        on: Option<Date>,
    ) -> Result<TransferAssessmentConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, None, rc.config.max_page_size)?;
        let after = after.as_deref().map(TransferCursor::decode).transpose()?;
        let on = judged_on(on.as_ref())?;
        let filter = TransferFilter {
            regime: regime.map(Into::into),
            status: status.map(Into::into),
            destination: destination
                .as_deref()
                .map(|d| validate::country("destination", d).map(|c| c.to_string()))
                .transpose()?,
            mechanism: mechanism.map(Into::into),
            organisation_id: organisation_id
                .as_ref()
                .map(|id| validate::id("organisationId", id.as_str()))
                .transpose()?,
        };
        let assessed = assessed_on(rc, on).await?;
        Ok(TransferAssessmentConnection::from_page(assessed.page(
            &filter,
            page.first,
            after.as_ref(),
        )))
    }

    /// Every problem across the register on `on`, grouped by problem code with counts.
    #[graphql(complexity = "crate::graphql::REGISTER_COST + child_complexity")]
    async fn compliance_gaps(
        &self,
        ctx: &Context<'_>,
        regime: Option<Regime>,
        on: Option<Date>,
    ) -> Result<ComplianceGaps> {
        let rc = request(ctx)?;
        let on = judged_on(on.as_ref())?;
        let assessed = assessed_on(rc, on).await?;
        Ok(ComplianceGaps(assessed.gaps(regime.map(Into::into))))
    }

    /// The adequacy decisions of the reference data, with source and verification; optionally of
    /// one regime, and only those in force on `on`.
    async fn adequacy_decisions(
        &self,
        ctx: &Context<'_>,
        regime: Option<Regime>,
        on: Option<Date>,
    ) -> Result<Vec<AdequacyDecision>> {
        let rc = request(ctx)?;
        let on = date("on", on.as_ref())?;
        let regime: Option<vocab::Regime> = regime.map(Into::into);
        Ok(rc
            .reference
            .adequacy_decisions()
            .iter()
            .filter(|d| regime.is_none_or(|r| d.regime == r))
            .filter(|d| on.is_none_or(|on| d.validity.contains(on)))
            .cloned()
            .map(AdequacyDecision)
            .collect())
    }

    /// What the rules say of a transfer described by hand; nothing is stored.
    async fn assess_transfer(
        &self,
        ctx: &Context<'_>,
        input: AssessTransferInput,
    ) -> Result<TransferAssessment> {
        let rc = request(ctx)?;
        let on = judged_on(input.on.as_ref())?;
        let from = validate::country("fromCountry", &input.from_country)?;
        let destination = validate::country("destinationCountry", &input.destination_country)?;
        let regime = match input.regime {
            Some(r) => r.into(),
            None => rc.reference.regime_of(from, on).ok_or_else(|| {
                AppError::bad_input(
                    "regime",
                    "fromCountry is outside the EEA and the UK: give the regime of the data",
                )
            })?,
        };
        let mechanism: vocab::TransferMechanism = input.mechanism.into();
        let mut t = Transfer::new(regime, from, destination, mechanism);
        t.scc_module = input.scc_module.map(Into::into);
        t.derogation = input.derogation.map(Into::into);
        t.importer_dpf_certified = input.importer_dpf_certified;
        t.tia_completed_on = date("tiaCompletedOn", input.tia_completed_on.as_ref())?;
        t.signed_on = date("signedOn", input.signed_on.as_ref())?;
        t.exporter_role = input.exporter_role.map(Into::into);
        t.recipient_role = input.recipient_role.map(Into::into);
        t.recipient_dpa_signed_on = date(
            "recipientDpaSignedOn",
            input.recipient_dpa_signed_on.as_ref(),
        )?;
        t.importer_in_adequacy_scope = input.importer_in_adequacy_scope;
        t.safeguard_evidence =
            validate::optional_text("evidence", input.evidence.as_deref(), 2000)?;
        Ok(TransferAssessment(transfers::what_if(
            &rc.reference,
            &t,
            on,
        )))
    }
}
