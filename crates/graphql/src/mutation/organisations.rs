//! Registering, changing and offboarding organisations and their locations.

use super::patch;
use crate::{
    context::request,
    enums::{LocationUse, OrganisationKind, OrganisationStatus, SubprocessorAuthorisation},
    ids,
    issued::IssuedSecrets,
    scalars::{Date, date},
    service::{
        locations,
        organisations::{self, NewOrganisation, OrganisationPatch},
        requests::DsrKeys,
        validate,
        webhook_url::WebhookPolicy,
    },
    types::organisation::{Location, Organisation},
};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

/// A location to register with an organisation.
#[derive(InputObject)]
pub struct LocationInput {
    /// Its country (ISO 3166-1 alpha-2).
    pub country: String,
    /// What the organisation does with data there.
    #[graphql(name = "use")]
    pub usage: LocationUse,
}

/// An organisation to register.
#[derive(InputObject)]
pub struct RegisterOrganisationInput {
    /// Its legal name.
    pub name: String,
    /// What it is to the group.
    pub kind: OrganisationKind,
    /// Country of establishment, ISO 3166-1 alpha-2 (`GB`).
    pub country: String,
    /// Its number in its country's register of companies.
    pub company_number: Option<String>,
    /// Its parent in the group structure.
    pub parent_id: Option<ID>,
    /// Its privacy contact; data-subject requests are e-mailed here when there is no webhook.
    pub privacy_contact_email: Option<String>,
    /// Where data-subject requests are delivered (https, public host).
    pub erasure_webhook_url: Option<String>,
    /// When the Art 28 contract (DPA) with it was signed, if it is a processor.
    pub dpa_signed_on: Option<Date>,
    /// Certified under the EU-US Data Privacy Framework (and its UK Extension); default false.
    pub dpf_certified: Option<bool>,
    /// Defaults to ACTIVE.
    pub status: Option<OrganisationStatus>,
    /// Where it stores, processes or remotely accesses data.
    pub locations: Option<Vec<LocationInput>>,
    /// Also certified to the UK Extension to the EU-US Data Privacy Framework (SI 2023/1028),
    /// which the UK regime's US adequacy regulations require; a separate list from the EU DPF.
    pub dpf_uk_extension: Option<bool>,
    /// Was on the Privacy Shield List: the Privacy Shield decision (2016/1250) covered only
    /// certified organisations, from 2016-07-12 until 2020-07-15.
    pub privacy_shield_certified: Option<bool>,
    /// Was on the Safe Harbor List: the Safe Harbor decision (2000/520/EC) covered only
    /// certified organisations, from 2000-07-26 until 2015-10-05.
    pub safe_harbor_certified: Option<bool>,
    /// Subject to PIPEDA: the Canadian adequacy decision (2002/2/EC) covers only such recipients.
    pub subject_to_pipeda: Option<bool>,
    /// A private-sector business operator handling personal information under the APPI: the
    /// Japanese adequacy decision (2019/419) covers only those.
    pub appi_private_sector: Option<bool>,
    /// The international organisation this importer is, by its id in the reference data's list
    /// (`EPO`, `UN`, `UNHCR`, ...; `EU_BODIES` for the EU's institutions, bodies, offices and
    /// agencies); another id is BAD_USER_INPUT. A transfer to an international organisation is
    /// restricted wherever its seat, and only a decision about the organisation itself makes it
    /// adequate. The EU's own bodies are no restricted importer under the EU GDPR (Art 2(3),
    /// Regulation (EU) 2018/1725), but are under the UK GDPR.
    pub international_organisation: Option<String>,
    /// Its processing is itself subject to the EU GDPR under Art 3(2): the 2021 SCCs are then not
    /// the tool (2021/914 recital 7).
    pub gdpr_art3_2: Option<bool>,
    /// The group whose binding corporate rules bind it; BCRs cover transfers within one group only.
    pub bcr_group: Option<String>,
    /// The user's own key for the record (as in a spreadsheet's `ref` column); unique when set.
    #[graphql(name = "ref")]
    pub reference: Option<String>,
    /// A general description of the technical and organisational security measures
    /// (GDPR Art 30(1)(g)).
    pub security_measures: Option<String>,
    /// For a processor: how its contract authorises sub-processors (Art 28(2)).
    pub subprocessor_authorisation: Option<SubprocessorAuthorisation>,
    /// For a processor: the days its contract gives to object to an announced change of
    /// sub-processor, 0 to 365 (another number is BAD_USER_INPUT).
    pub objection_period_days: Option<i32>,
}

/// Fields left out are unchanged; fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// The organisation to change.
    pub id: ID,
    /// Its legal name.
    pub name: Option<String>,
    /// What it is to the group.
    pub kind: Option<OrganisationKind>,
    /// Its country of establishment (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Its number in its country's register of companies.
    pub company_number: MaybeUndefined<String>,
    /// Its parent in the group structure.
    pub parent_id: MaybeUndefined<ID>,
    /// Its privacy contact.
    pub privacy_contact_email: MaybeUndefined<String>,
    /// Where data-subject requests are delivered (https, public host).
    pub erasure_webhook_url: MaybeUndefined<String>,
    /// When the Art 28 contract (DPA) was signed.
    pub dpa_signed_on: MaybeUndefined<Date>,
    /// Certified under the EU-US Data Privacy Framework (and its UK Extension).
    pub dpf_certified: Option<bool>,
    /// Where the relationship stands (OFFBOARDED: see `offboardOrganisation`).
    pub status: Option<OrganisationStatus>,
    /// Also certified to the UK Extension to the EU-US Data Privacy Framework (null: not recorded).
    pub dpf_uk_extension: MaybeUndefined<bool>,
    /// Was on the Privacy Shield List (null: not recorded).
    pub privacy_shield_certified: MaybeUndefined<bool>,
    /// Was on the Safe Harbor List (null: not recorded).
    pub safe_harbor_certified: MaybeUndefined<bool>,
    /// Subject to PIPEDA, which the Canadian adequacy decision requires (null: not recorded).
    pub subject_to_pipeda: MaybeUndefined<bool>,
    /// A private-sector business operator under the APPI, which the Japanese adequacy decision
    /// requires (null: not recorded).
    pub appi_private_sector: MaybeUndefined<bool>,
    /// The international organisation this importer is, by its id in the reference data's list
    /// (e.g. `EPO`, `EU_BODIES`; another id is BAD_USER_INPUT); null: it is none.
    pub international_organisation: MaybeUndefined<String>,
    /// Its processing is itself subject to the EU GDPR under Art 3(2) (null: not recorded).
    pub gdpr_art3_2: MaybeUndefined<bool>,
    /// The group whose binding corporate rules bind it; null: none.
    pub bcr_group: MaybeUndefined<String>,
    /// How its processor contract authorises sub-processors (null: not recorded).
    pub subprocessor_authorisation: MaybeUndefined<SubprocessorAuthorisation>,
    /// The days its processor contract gives to object to an announced change, 0 to 365 (null:
    /// not recorded).
    pub objection_period_days: MaybeUndefined<i32>,
}

/// A location to add to an organisation.
#[derive(InputObject)]
pub struct AddLocationInput {
    /// The organisation.
    pub organisation_id: ID,
    /// Its country (ISO 3166-1 alpha-2).
    pub country: String,
    /// What the organisation does with data there.
    #[graphql(name = "use")]
    pub usage: LocationUse,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Registers an organisation with its locations. With an `erasureWebhookUrl`, registered by a
    /// DPO or ADMIN, it also gets its webhook secret, readable once as `webhookSecret` in this
    /// response (PROCUREMENT's are issued by the DPO with `rotateWebhookSecret`).
    async fn register_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation.")] input: RegisterOrganisationInput,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        let new = NewOrganisation {
            name: input.name,
            kind: Some(input.kind.into()),
            country: input.country,
            company_number: input.company_number,
            parent_id: ids::parse_opt("parentId", input.parent_id.as_ref())?,
            privacy_contact_email: input.privacy_contact_email,
            erasure_webhook_url: input.erasure_webhook_url,
            dpa_signed_on: date("dpaSignedOn", input.dpa_signed_on.as_ref())?,
            dpf_certified: input.dpf_certified,
            status: input.status.map(Into::into),
            transfer_facts: organisations::ImporterFacts {
                dpf_uk_extension: input.dpf_uk_extension,
                privacy_shield_certified: input.privacy_shield_certified,
                safe_harbor_certified: input.safe_harbor_certified,
                subject_to_pipeda: input.subject_to_pipeda,
                appi_private_sector: input.appi_private_sector,
                international_organisation: validate::international_organisation(
                    &rc.reference,
                    "internationalOrganisation",
                    input.international_organisation.as_deref(),
                )?,
                gdpr_art3_2: input.gdpr_art3_2,
                bcr_group: input.bcr_group,
            },
            locations: input
                .locations
                .unwrap_or_default()
                .into_iter()
                .map(|l| (l.country, l.usage.into()))
                .collect(),
            reference: input.reference,
            security_measures: input.security_measures,
            subprocessor_authorisation: input.subprocessor_authorisation.map(Into::into),
            objection_period_days: input.objection_period_days,
        };
        let issued = ctx.data_opt::<IssuedSecrets>();
        let sealer = issued.and(ctx.data_opt::<DsrKeys>()).map(|k| &k.sealer);
        let (org, _, secret) = organisations::register_issuing_secret(
            &rc.db,
            &rc.actor()?,
            new,
            &WebhookPolicy::of(&rc.config),
            sealer,
        )
        .await?;
        if let (Some(issued), Some(secret)) = (issued, secret) {
            issued.insert(org.id, secret);
        }
        Ok(Organisation(org))
    }

    /// Changes an organisation's details. An organisation given its first `erasureWebhookUrl`, or
    /// moved to a new one, by a DPO or ADMIN also gets a new webhook secret, readable once as
    /// `webhookSecret` in this response. Where erasure requests go is theirs to decide:
    /// PROCUREMENT may give a first URL but not change one that is set (`FORBIDDEN`).
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation and the changes.")] input: UpdateOrganisationInput,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        let international_organisation = match input.international_organisation {
            MaybeUndefined::Value(v) => {
                match validate::international_organisation(
                    &rc.reference,
                    "internationalOrganisation",
                    Some(&v),
                )? {
                    Some(v) => MaybeUndefined::Value(v),
                    None => MaybeUndefined::Null,
                }
            }
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };
        let dpa_signed_on = match input.dpa_signed_on {
            MaybeUndefined::Value(d) => MaybeUndefined::Value(d.get("dpaSignedOn")?),
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };
        let changes = OrganisationPatch {
            name: input.name,
            kind: input.kind.map(Into::into),
            country: input.country,
            company_number: patch(input.company_number, Ok)?,
            parent_id: patch(input.parent_id, |v| Ok(ids::parse("parentId", &v)?))?,
            privacy_contact_email: patch(input.privacy_contact_email, Ok)?,
            erasure_webhook_url: patch(input.erasure_webhook_url, Ok)?,
            dpa_signed_on: patch(dpa_signed_on, Ok)?,
            dpf_certified: input.dpf_certified,
            status: input.status.map(Into::into),
            transfer_facts: organisations::ImporterFactsPatch {
                dpf_uk_extension: patch(input.dpf_uk_extension, Ok)?,
                privacy_shield_certified: patch(input.privacy_shield_certified, Ok)?,
                safe_harbor_certified: patch(input.safe_harbor_certified, Ok)?,
                subject_to_pipeda: patch(input.subject_to_pipeda, Ok)?,
                appi_private_sector: patch(input.appi_private_sector, Ok)?,
                international_organisation: patch(international_organisation, Ok)?,
                gdpr_art3_2: patch(input.gdpr_art3_2, Ok)?,
                bcr_group: patch(input.bcr_group, Ok)?,
            },
            subprocessor_authorisation: patch(input.subprocessor_authorisation, |v| Ok(v.into()))?,
            objection_period_days: patch(input.objection_period_days, Ok)?,
        };
        let issued = ctx.data_opt::<IssuedSecrets>();
        let sealer = issued.and(ctx.data_opt::<DsrKeys>()).map(|k| &k.sealer);
        let (org, secret) = organisations::update_issuing_secret(
            &rc.db,
            &rc.actor()?,
            ids::parse("id", &input.id)?,
            changes,
            &WebhookPolicy::of(&rc.config),
            sealer,
        )
        .await?;
        if let (Some(issued), Some(secret)) = (issued, secret) {
            issued.insert(org.id, secret);
        }
        Ok(Organisation(org))
    }

    /// Offboards an organisation: its history stays, new flows to it are refused.
    async fn offboard_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] id: ID,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        Ok(Organisation(
            organisations::offboard(&rc.db, &rc.actor()?, ids::parse("id", &id)?).await?,
        ))
    }

    /// Adds a storage, processing or remote-access location.
    async fn add_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The location.")] input: AddLocationInput,
    ) -> Result<Location> {
        let rc = request(ctx)?;
        let saved = locations::add_location(
            &rc.db,
            &rc.actor()?,
            ids::parse("organisationId", &input.organisation_id)?,
            &input.country,
            input.usage.into(),
        )
        .await?;
        Ok(Location(saved))
    }

    /// Removes a location; returns it as it was.
    async fn remove_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The location's id.")] id: ID,
    ) -> Result<Location> {
        let rc = request(ctx)?;
        Ok(Location(
            locations::remove_location(&rc.db, &rc.actor()?, ids::parse("id", &id)?).await?,
        ))
    }
}
