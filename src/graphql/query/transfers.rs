//! The DPO's view of transfers: the register, the gaps, and what-if assessments.

use crate::{
    domain::{
        transfer::{ExporterRole as DomainExporterRole, Transfer},
        vocab,
    },
    error::AppError,
    graphql::{
        context::request,
        enums::{Derogation, RecipientRole, Regime, SccModule, TransferMechanism},
        scalars::{Date, date, date_or_today},
        types::{
            reference::AdequacyDecision,
            transfer::{ComplianceGaps, TransferAssessment},
        },
    },
    service::{
        transfers::{self, Register},
        validate,
    },
};
use async_graphql::{Context, Enum, InputObject, Object, Result};
use chrono::NaiveDate;

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
    /// optionally of one regime. A flow ended on or before `on` is left out; on earlier days it
    /// is listed with the verdicts of those days.
    #[graphql(complexity = "crate::graphql::REGISTER_COST + child_complexity")]
    async fn transfer_register(
        &self,
        ctx: &Context<'_>,
        regime: Option<Regime>,
        on: Option<Date>,
    ) -> Result<Vec<TransferAssessment>> {
        let rc = request(ctx)?;
        let on = judged_on(on.as_ref())?;
        let register = Register::load(&rc.db).await?;
        let list = register.transfers(&rc.reference, regime.map(Into::into), on)?;
        Ok(list.into_iter().map(TransferAssessment).collect())
    }

    /// Every problem across the register on `on`, grouped by problem code with counts. A flow
    /// ended on or before `on` is left out.
    #[graphql(complexity = "crate::graphql::REGISTER_COST + child_complexity")]
    async fn compliance_gaps(
        &self,
        ctx: &Context<'_>,
        regime: Option<Regime>,
        on: Option<Date>,
    ) -> Result<ComplianceGaps> {
        let rc = request(ctx)?;
        let on = judged_on(on.as_ref())?;
        let register = Register::load(&rc.db).await?;
        Ok(ComplianceGaps(register.gaps(
            &rc.reference,
            regime.map(Into::into),
            on,
        )?))
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
