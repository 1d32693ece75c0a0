//! The DPO's view of transfers: the register, the gaps, and what-if assessments.

use crate::{
    context::request,
    domain::{
        transfer::{ExporterRole as DomainExporterRole, Transfer},
        vocab,
    },
    enums::{
        Derogation, ProblemCode, RecipientRole, Regime, SccModule, TransferMechanism,
        TransferOrder, VerdictStatus,
    },
    error::AppError,
    scalars::{Date, date, date_or_today},
    service::{
        limits::{Limits, run_expensive},
        page::PageRequest,
        transfers, validate,
        verdicts::{self, Assessed, Order, TransferCursor, TransferFilter},
    },
    types::{
        connection::{TransferAssessmentConnection, VerdictsAsOf},
        destination::DestinationTransfers,
        reference::AdequacyDecision,
        transfer::{ComplianceGaps, TransferAssessment},
        what_if::WhatIfImpact,
    },
};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::NaiveDate;
use std::sync::Arc;

/// The exporter's role, which with the recipient's decides the SCC module.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DomainExporterRole")]
pub enum ExporterRole {
    /// The exporter is the controller of the data.
    Controller,
    /// The exporter processes the data on behalf of a controller.
    Processor,
}

/// A transfer described by hand; nothing is stored.
#[derive(InputObject)]
pub struct AssessTransferInput {
    /// The exporter's country of establishment (ISO 3166-1 alpha-2).
    pub from_country: String,
    /// The country the data go to (ISO 3166-1 alpha-2).
    pub destination_country: String,
    /// The transfer mechanism relied on.
    pub mechanism: TransferMechanism,
    /// The SCC module, for SCC_2021 and UK_ADDENDUM.
    pub scc_module: Option<SccModule>,
    /// The Art 49(1) derogation, for DEROGATION.
    pub derogation: Option<Derogation>,
    /// Whether the importer is certified under the EU-US Data Privacy Framework (or its UK
    /// Extension).
    pub importer_dpf_certified: Option<bool>,
    /// When the transfer impact assessment was completed.
    pub tia_completed_on: Option<Date>,
    /// When the transfer contract (SCCs, IDTA, Addendum) was concluded.
    pub signed_on: Option<Date>,
    /// The date to judge on (default today): a past date answers as the law stood then.
    pub on: Option<Date>,
    /// Default: the regime of `fromCountry` (required when it is outside the EEA and the UK).
    pub regime: Option<Regime>,
    /// The exporter's role: with `recipientRole`, checks the SCC module.
    pub exporter_role: Option<ExporterRole>,
    /// The recipient's role: with `exporterRole`, checks the SCC module; a processor needs an Art
    /// 28 contract.
    pub recipient_role: Option<RecipientRole>,
    /// The Art 28 contract with a processor recipient.
    pub recipient_dpa_signed_on: Option<Date>,
    /// Whether the importer falls within a partial adequacy decision's scope (e.g. PIPEDA).
    pub importer_in_adequacy_scope: Option<bool>,
    /// BCR approval, code or certification reference.
    pub evidence: Option<String>,
    /// The importer is certified to the UK Extension to the EU-US Data Privacy Framework
    /// (SI 2023/1028), which UK transfers to the US require; `importerDpfCertified` is the EU list.
    pub importer_dpf_uk_extension: Option<bool>,
    /// The importer was on the Privacy Shield List (the 2016/1250 decision covered only those).
    pub importer_privacy_shield_certified: Option<bool>,
    /// The importer was on the Safe Harbor List (the 2000/520/EC decision covered only those).
    pub importer_safe_harbor_certified: Option<bool>,
    /// The importer is subject to PIPEDA (the scope of the Canadian adequacy decision).
    pub importer_subject_to_pipeda: Option<bool>,
    /// The importer is a private-sector business operator under the APPI (the scope of the
    /// Japanese adequacy decision).
    pub importer_appi_private_sector: Option<bool>,
    /// The importer is this international organisation (e.g. `EPO`): the transfer is restricted
    /// wherever its seat, and only a decision about the organisation makes it adequate.
    pub importer_international_organisation: Option<String>,
    /// The importer's processing is itself subject to the GDPR of the exporter under Art 3(2):
    /// the 2021 SCCs are then not the tool (2021/914 recital 7).
    pub importer_gdpr_art3_2: Option<bool>,
    /// The group whose binding corporate rules bind the exporter.
    pub exporter_bcr_group: Option<String>,
    /// The group whose binding corporate rules bind the importer; BCRs cover one group only.
    pub importer_bcr_group: Option<String>,
    /// Whether the transfer is occasional (false: regular or continuing); Art 49 derogations
    /// cover only occasional transfers.
    pub occasional: Option<bool>,
    /// Module Four (P2C): whether the EU processor combines the personal data received from the
    /// third-country controller with personal data it collected in the EU (Clauses 14 and 15
    /// then apply, and a transfer impact assessment is required).
    pub combines_eu_data: Option<bool>,
    /// Old SCCs: whether the processing operations under the contract changed after it was
    /// concluded (their transition held only for unchanged processing).
    pub processing_changed: Option<bool>,
}

/// The verdicts of the whole register on `on`, and from them what `pick` takes, computed in the
/// pool of whole-register work on a blocking thread: a turn is taken (or the request refused as
/// busy) before anything is read.
async fn in_pool<T: Send + 'static>(
    ctx: &Context<'_>,
    what: &str,
    on: NaiveDate,
    pick: impl FnOnce(&Assessed) -> T + Send + 'static,
) -> Result<T> {
    let rc = request(ctx)?;
    let turn = ctx.data::<Arc<Limits>>()?.expensive(what).await?;
    let (db, cache, reference) = (rc.read.clone(), rc.verdicts.clone(), rc.reference.clone());
    Ok(run_expensive(turn, async move {
        let assessed = verdicts::assessed(&db, &cache, &reference, on).await?;
        Ok(pick(&assessed))
    })
    .await?)
}

/// `on` as given, or today; kept within the dates the reference data can speak to.
fn judged_on(on: Option<&Date>) -> Result<NaiveDate> {
    let on = date_or_today("on", on)?;
    if !crate::domain::dates::judgeable(on) {
        return Err(AppError::bad_input("on", crate::domain::dates::unjudgeable("on")).into());
    }
    Ok(on)
}

#[derive(Default)]
pub struct TransferQuery;

#[Object]
impl TransferQuery {
    /// Every restricted transfer of the register and its verdict on `on` (default today),
    /// optionally of one regime. A flow ended on or before `on` is left out; on earlier days it
    /// is listed with the verdicts of those days. The whole list, for exports; a console pages
    /// `transferRegisterPage` instead.
    #[graphql(complexity = "crate::REGISTER_COST + child_complexity")]
    async fn transfer_register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only transfers governed by this regime.")] regime: Option<Regime>,
        #[graphql(
            desc = "The date to judge on (default today), from 1995-01-01 to 2100-01-01: a past date answers as the law stood then."
        )]
        on: Option<Date>,
    ) -> Result<Vec<TransferAssessment>> {
        let on = judged_on(on.as_ref())?;
        let regime = regime.map(Into::into);
        let register = in_pool(ctx, "transferRegister", on, move |a| a.register(regime)).await?;
        Ok(register.into_iter().map(TransferAssessment).collect())
    }

    /// One page of the transfer register on `on` (default today): the restricted transfers that
    /// every given filter keeps, ordered by flow, then destination country. The same verdicts as
    /// `transferRegister`, which it pages; `totalCount` counts every transfer the filters keep.
    /// Today's pages are read from the verdicts kept; a page of another date assesses the whole
    /// register again, and counts and waits as `transferRegister` does.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "child_complexity + if on.is_some() { crate::REGISTER_COST } else { 0 }"
    )]
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
        #[graphql(desc = "Only transfers whose verdict names this problem.")] problem: Option<
            ProblemCode,
        >,
        #[graphql(
            desc = "What to order by (default FLOW, the register's own order); ties are broken by flow, then destination. A cursor holds for the order it was issued for."
        )]
        order_by: Option<TransferOrder>,
        #[graphql(desc = "Reverse the order (default false).")] descending: Option<bool>,
        #[graphql(
            desc = "true: only transfers whose flow carries special categories (Art 9) or criminal-offence data (Art 10); false: only the others."
        )]
        special_categories: Option<bool>,
    ) -> Result<TransferAssessmentConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::parse(first, None, rc.config.max_page_size)?;
        let order = Order {
            by: order_by.unwrap_or_default().into(),
            descending: descending.unwrap_or(false),
        };
        let after = after
            .as_deref()
            .map(|c| TransferCursor::decode(c, order))
            .transpose()?;
        let on = judged_on(on.as_ref())?;
        let filter = TransferFilter {
            regime: regime.map(Into::into),
            status: status.map(Into::into),
            destination: destination
                .as_deref()
                .map(|d| validate::country("destination", d))
                .transpose()?,
            mechanism: mechanism.map(Into::into),
            organisation_id: crate::ids::parse_opt("organisationId", organisation_id.as_ref())?,
            problem: problem.map(Into::into),
            special_categories,
        };
        let first = page.first;
        let kept = if on == chrono::Utc::now().date_naive() {
            rc.verdicts.peek(&rc.read, &rc.reference, on).await?
        } else {
            None
        };
        let (page, as_of) = match kept {
            Some(assessed) => (
                assessed.page(&filter, order, first, after.as_ref()),
                VerdictsAsOf::of(&assessed),
            ),
            None => {
                in_pool(ctx, "transferRegisterPage", on, move |a| {
                    (
                        a.page(&filter, order, first, after.as_ref()),
                        VerdictsAsOf::of(a),
                    )
                })
                .await?
            }
        };
        if rc.verdicts.needs_recording() {
            // The verdicts' history, recorded after the answer: the page does not wait for it.
            let (verdicts, db) = (rc.verdicts.clone(), rc.db.clone());
            tokio::spawn(async move {
                if let Err(e) = verdicts.record_history(&db).await {
                    tracing::error!(error = %e, "recording the verdicts' history failed");
                }
            });
        }
        Ok(TransferAssessmentConnection::from_page(page, as_of))
    }

    /// The restricted transfers on `on` (default today) counted by destination country and
    /// verdict, in country order: what the console's map shows, without the register itself.
    /// Today's are read from the verdicts kept.
    #[graphql(
        complexity = "child_complexity + if on.is_some() { crate::REGISTER_COST } else { 0 }"
    )]
    async fn transfers_by_destination(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The date to judge on (default today): a past date answers as the law stood then."
        )]
        on: Option<Date>,
    ) -> Result<Vec<DestinationTransfers>> {
        let rc = request(ctx)?;
        let on = judged_on(on.as_ref())?;
        let kept = if on == chrono::Utc::now().date_naive() {
            rc.verdicts.peek(&rc.read, &rc.reference, on).await?
        } else {
            None
        };
        let counts = match kept {
            Some(assessed) => assessed.by_destination(),
            None => in_pool(ctx, "transfersByDestination", on, Assessed::by_destination).await?,
        };
        Ok(counts.into_iter().map(DestinationTransfers).collect())
    }

    /// Every problem across the register on `on`, grouped by problem code with counts. A flow
    /// ended on or before `on` is left out.
    #[graphql(complexity = "crate::REGISTER_COST + child_complexity")]
    async fn compliance_gaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only transfers governed by this regime.")] regime: Option<Regime>,
        #[graphql(
            desc = "The date to judge on (default today), from 1995-01-01 to 2100-01-01: a past date answers as the law stood then."
        )]
        on: Option<Date>,
    ) -> Result<ComplianceGaps> {
        let on = judged_on(on.as_ref())?;
        let regime = regime.map(Into::into);
        let (gaps, as_of) = in_pool(ctx, "complianceGaps", on, move |a| {
            (a.gaps(regime), VerdictsAsOf::of(a))
        })
        .await?;
        Ok(ComplianceGaps(gaps, as_of))
    }

    /// The adequacy decisions of the reference data, with source and verification; optionally of
    /// one regime, and only those in force on `on`.
    async fn adequacy_decisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the decisions of this regime.")] regime: Option<Regime>,
        #[graphql(
            desc = "Only the decisions in force on this date; without it, all, ended ones included."
        )]
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

    /// What breaks if a transfer mechanism (`mechanism`, e.g. EU_US_DPF, with the adequacy
    /// decisions it stands for) or one adequacy decision (`decisionId`, e.g. `EU-US-DPF`) stops
    /// having effect on `endsOn` (the first day without it): every restricted transfer of the
    /// register with a lawful footing on `on` (default `endsOn`) that would have none, with its
    /// holder, activity, the data subjects touched, and what could carry it instead.
    #[graphql(complexity = "crate::REGISTER_COST + child_complexity")]
    async fn what_if(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The transfer mechanism assumed to stop (with the decisions it stands for)."
        )]
        mechanism: Option<TransferMechanism>,
        #[graphql(desc = "The adequacy decision assumed to stop, by its id (e.g. `EU-US-DPF`).")]
        decision_id: Option<String>,
        #[graphql(desc = "The first day without effect.")] ends_on: Date,
        #[graphql(desc = "The day the register is judged on; defaults to `endsOn`.")] on: Option<
            Date,
        >,
    ) -> Result<Vec<WhatIfImpact>> {
        let rc = request(ctx)?;
        let ends_on = ends_on.get("endsOn")?;
        let on = match on {
            Some(d) => judged_on(Some(&d))?,
            None if crate::domain::dates::judgeable(ends_on) => ends_on,
            None => {
                return Err(AppError::bad_input(
                    "endsOn",
                    crate::domain::dates::unjudgeable("endsOn"),
                )
                .into());
            }
        };
        let hypothesis = transfers::hypothesis(
            &rc.reference,
            mechanism.map(Into::into),
            decision_id.as_deref(),
            "decisionId",
        )?;
        let turn = ctx.data::<Arc<Limits>>()?.expensive("whatIf").await?;
        let (db, reference) = (rc.read.clone(), rc.reference.clone());
        let impacts = run_expensive(turn, async move {
            transfers::what_if_ends(&db, &reference, &hypothesis, ends_on, on).await
        })
        .await?;
        Ok(impacts.into_iter().map(WhatIfImpact).collect())
    }

    /// What the rules say of a transfer described by hand; nothing is stored.
    async fn assess_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The transfer to judge.")] input: AssessTransferInput,
    ) -> Result<TransferAssessment> {
        let rc = request(ctx)?;
        let on = judged_on(input.on.as_ref())?;
        let from = validate::country("fromCountry", &input.from_country)?;
        let destination = validate::country("destinationCountry", &input.destination_country)?;
        let regime =
            transfers::described_regime(&rc.reference, input.regime.map(Into::into), from, on)?;
        let mechanism: vocab::TransferMechanism = input.mechanism.into();
        let mut t = Transfer::new(regime, from, destination, mechanism);
        t.scc_module = input.scc_module.map(Into::into);
        t.derogation = input.derogation.map(Into::into);
        t.certifications.eu_dpf = input.importer_dpf_certified;
        t.tia_completed_on = date("tiaCompletedOn", input.tia_completed_on.as_ref())?;
        t.signed_on = date("signedOn", input.signed_on.as_ref())?;
        t.exporter_role = input.exporter_role.map(Into::into);
        t.recipient_role = input.recipient_role.map(Into::into);
        t.recipient_dpa_signed_on = date(
            "recipientDpaSignedOn",
            input.recipient_dpa_signed_on.as_ref(),
        )?;
        t.importer_in_adequacy_scope = input.importer_in_adequacy_scope;
        t.certifications.uk_extension = input.importer_dpf_uk_extension;
        t.certifications.privacy_shield = input.importer_privacy_shield_certified;
        t.certifications.safe_harbor = input.importer_safe_harbor_certified;
        t.importer_subject_to_pipeda = input.importer_subject_to_pipeda;
        t.importer_appi_private_sector = input.importer_appi_private_sector;
        t.importer_subject_to_regime = input.importer_gdpr_art3_2;
        t.occasional = input.occasional;
        t.combines_eu_data = input.combines_eu_data;
        t.processing_changed = input.processing_changed;
        let texts = transfers::DescribedTexts {
            evidence: input.evidence.as_deref(),
            importer_international_organisation: input
                .importer_international_organisation
                .as_deref(),
            exporter_bcr_group: input.exporter_bcr_group.as_deref(),
            importer_bcr_group: input.importer_bcr_group.as_deref(),
        };
        Ok(TransferAssessment::from(transfers::assess_described(
            &rc.reference,
            t,
            texts,
            on,
        )?))
    }
}
