//! `Organisation` and `Location`.

use crate::{
    context::request,
    domain::{country::CountryCode, vocab},
    enums::{LocationUse, OrganisationKind, OrganisationStatus},
    issued::IssuedSecrets,
    loaders::loaders,
    policy,
    scalars::{Date, Timestamp},
    service::{audit, page::PageRequest, reviews::dpf},
    types::review::DpfEntry,
    types::{audit::AuditEvent, connection::AuditEventConnection},
};
use async_graphql::{ID, Object, Result};
use entity::{location, organisation};

/// A legal entity of the group or one it discloses data to.
pub struct Organisation(pub organisation::Model);

/// Whether `country` is in the EEA today, by the reference data.
fn inside_eea(ctx: &async_graphql::Context<'_>, country: CountryCode) -> Result<bool> {
    let reference = &request(ctx)?.reference;
    Ok(reference.in_area(
        vocab::Regime::EuGdpr,
        country,
        chrono::Utc::now().date_naive(),
    ))
}

/// A legal entity of the group, or one the group discloses personal data to (a supplier, a
/// sub-contractor, another controller).
#[Object]
impl Organisation {
    /// The organisation's id in the register.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Its legal name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it is to the group.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }

    /// Where the relationship stands; an OFFBOARDED organisation receives no new flows.
    async fn status(&self) -> OrganisationStatus {
        self.0.status.into()
    }

    /// Country of establishment (ISO 3166-1 alpha-2).
    async fn country(&self) -> &str {
        self.0.country.as_str()
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

    /// Its number in its country's register of companies (e.g. Companies House).
    async fn company_number(&self) -> Option<&str> {
        self.0.company_number.as_deref()
    }

    /// The parent in the group structure; null for a PROCESSOR, who sees its own organisation
    /// only.
    async fn parent(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<Organisation>> {
        if !crate::context::viewer(ctx)?.sees_parent() {
            return Ok(None);
        }
        match self.0.parent_id {
            Some(id) => Ok(loaders(ctx)?
                .organisations
                .load_one(id)
                .await?
                .map(Organisation)),
            None => Ok(None),
        }
    }

    /// Its privacy contact (data protection officer or team): data-subject requests are e-mailed
    /// here when it has no webhook.
    async fn privacy_contact_email(&self) -> Option<&str> {
        self.0.privacy_contact_email.as_deref()
    }

    /// Where data-subject requests are delivered as signed HTTP POSTs.
    async fn erasure_webhook_url(&self) -> Option<&str> {
        self.0.erasure_webhook_url.as_deref()
    }

    /// The webhook secret this very mutation issued, in its response only; null everywhere else.
    /// A DPO or ADMIN registering an organisation with an `erasureWebhookUrl`, giving one that has
    /// no secret its first URL, or moving its webhook to a new URL is issued one, so the next
    /// delivery is already signed (`X-Register-Signature`); PROCUREMENT is issued none. Keep it:
    /// it is never shown again (`rotateWebhookSecret` replaces it).
    async fn webhook_secret(&self, ctx: &async_graphql::Context<'_>) -> Option<String> {
        ctx.data_opt::<IssuedSecrets>()
            .and_then(|issued| issued.get(self.0.id))
    }

    /// Whether a webhook secret is set (the secret itself is never readable).
    async fn has_webhook_secret(&self) -> bool {
        self.0.webhook_secret.is_some()
    }

    /// Date the Art 28 contract (DPA) was signed.
    async fn dpa_signed_on(&self) -> Option<Date> {
        self.0.dpa_signed_on.map(Date::from)
    }

    /// Certified under the EU-US Data Privacy Framework (and its UK Extension).
    async fn dpf_certified(&self) -> bool {
        self.0.dpf_certified
    }

    /// Also certified to the UK Extension to the EU-US Data Privacy Framework, which the UK
    /// regime's US adequacy regulations require; null when not recorded.
    async fn dpf_uk_extension(&self) -> Option<bool> {
        self.0.dpf_uk_extension
    }

    /// Was on the Privacy Shield List (the Privacy Shield decision covered only those, until
    /// 2020-07-15); null when not recorded.
    async fn privacy_shield_certified(&self) -> Option<bool> {
        self.0.privacy_shield_certified
    }

    /// Was on the Safe Harbor List (the Safe Harbor decision covered only those, until
    /// 2015-10-05); null when not recorded.
    async fn safe_harbor_certified(&self) -> Option<bool> {
        self.0.safe_harbor_certified
    }

    /// Subject to PIPEDA: the Canadian adequacy decision covers only such recipients; null when
    /// not recorded.
    async fn subject_to_pipeda(&self) -> Option<bool> {
        self.0.subject_to_pipeda
    }

    /// A private-sector business operator under the APPI: the Japanese adequacy decision covers
    /// only those; null when not recorded.
    async fn appi_private_sector(&self) -> Option<bool> {
        self.0.appi_private_sector
    }

    /// The international organisation it is (e.g. `EPO`): a transfer to it is restricted
    /// wherever its seat, and only a decision about the organisation itself makes it adequate.
    async fn international_organisation(&self) -> Option<&str> {
        self.0.international_organisation.as_deref()
    }

    /// Its processing is itself subject to the EU GDPR under Art 3(2), so the 2021 SCCs are not
    /// the tool for transfers to it; null when not recorded.
    async fn gdpr_art3_2(&self) -> Option<bool> {
        self.0.gdpr_art3_2
    }

    /// The group whose binding corporate rules bind it (BCRs cover transfers within one group).
    async fn bcr_group(&self) -> Option<&str> {
        self.0.bcr_group.as_deref()
    }

    /// The processor contract's authorisation of sub-processors (Art 28(2)); null when not
    /// recorded.
    async fn subprocessor_authorisation(&self) -> Option<crate::enums::SubprocessorAuthorisation> {
        self.0.subprocessor_authorisation.map(Into::into)
    }

    /// The days the processor contract gives the controller to object to an announced change
    /// of sub-processor; null when not recorded.
    async fn objection_period_days(&self) -> Option<i32> {
        self.0.objection_period_days
    }

    /// Established in the EEA, by the reference data on today's date.
    async fn inside_eea(&self, ctx: &async_graphql::Context<'_>) -> Result<bool> {
        inside_eea(ctx, self.0.country)
    }

    /// Where it stores, processes or remotely accesses data.
    async fn locations(&self, ctx: &async_graphql::Context<'_>) -> Result<Vec<Location>> {
        let rows = loaders(ctx)?
            .locations
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Location).collect())
    }

    /// When it was registered.
    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    /// When its record last changed.
    async fn updated_at(&self) -> Timestamp {
        Timestamp(self.0.updated_at)
    }

    /// Every change to this organisation, oldest first (ADMIN, DPO and AUDITOR only).
    #[graphql(complexity = "crate::page_cost(first, child_complexity)")]
    async fn history(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(
            desc = "How many to return: 50 unless given, at most the server's page-size limit."
        )]
        first: Option<i32>,
        #[graphql(desc = "Continue after this cursor: the `endCursor` of the previous page.")]
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let rc = request(ctx)?;
        policy::require(&rc.auth, "Organisation.history", policy::AUDIT_READERS)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let id = self.0.id.to_string();
        let page = audit::list(&rc.read, Some("organisation"), Some(&id), page).await?;
        Ok(AuditEventConnection::from_page(page, |e| e.id, AuditEvent))
    }

    /// The organisation's entry on the latest Data Privacy Framework list snapshot: through the
    /// link a person confirmed (`linkDpfEntry`), else by its exact (normalised) name. Only for US
    /// organisations; none when not listed or no list was imported.
    async fn dpf_entry(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<DpfEntry>> {
        let rc = request(ctx)?;
        let found = dpf::latest_entries(&rc.read, &[&self.0]).await?;
        Ok(found.get(&self.0.id).cloned().map(|(e, s)| DpfEntry(e, s)))
    }

    /// Entries of the latest DPF list snapshot whose name begins with this organisation's first
    /// word: suggestions for a person to confirm with `linkDpfEntry`, never links themselves.
    async fn dpf_suggestions(&self, ctx: &async_graphql::Context<'_>) -> Result<Vec<DpfEntry>> {
        let rc = request(ctx)?;
        Ok(dpf::suggestions(&rc.read, &self.0, 10)
            .await?
            .into_iter()
            .map(|(e, s)| DpfEntry(e, s))
            .collect())
    }
}

/// A place where an organisation holds or reaches data; transfers are decided by these.
pub struct Location(pub location::Model);

/// A place where an organisation stores, processes or remotely accesses data. Transfers are decided
/// by locations, not head offices: a UK supplier whose support staff read data from India makes a
/// transfer to India.
#[Object]
impl Location {
    /// The location's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Its country (ISO 3166-1 alpha-2).
    async fn country(&self) -> &str {
        self.0.country.as_str()
    }

    /// What the organisation does with data there.
    #[graphql(name = "use")]
    async fn usage(&self) -> LocationUse {
        self.0.usage.into()
    }

    /// In the EEA, by the reference data on today's date.
    async fn inside_eea(&self, ctx: &async_graphql::Context<'_>) -> Result<bool> {
        inside_eea(ctx, self.0.country)
    }
}
