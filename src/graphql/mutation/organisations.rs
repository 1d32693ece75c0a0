//! Registering, changing and offboarding organisations and their locations.

use crate::{
    graphql::issued::IssuedSecrets,
    graphql::{
        context::request,
        enums::{LocationUse, OrganisationKind, OrganisationStatus},
        scalars::{Date, date},
        types::organisation::{Location, Organisation},
    },
    service::{
        locations,
        organisations::{self, NewOrganisation, OrganisationPatch},
        requests::DsrKeys,
    },
};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

#[derive(InputObject)]
pub struct LocationInput {
    pub country: String,
    #[graphql(name = "use")]
    pub usage: LocationUse,
}

#[derive(InputObject)]
pub struct RegisterOrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
    /// Country of establishment, ISO 3166-1 alpha-2 (`GB`).
    pub country: String,
    pub company_number: Option<String>,
    pub parent_id: Option<ID>,
    pub privacy_contact_email: Option<String>,
    /// Where data-subject requests are delivered (https, public host).
    pub erasure_webhook_url: Option<String>,
    pub dpa_signed_on: Option<Date>,
    pub dpf_certified: Option<bool>,
    /// Defaults to ACTIVE.
    pub status: Option<OrganisationStatus>,
    pub locations: Option<Vec<LocationInput>>,
}

/// Fields left out are unchanged; fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub id: ID,
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub country: Option<String>,
    pub company_number: MaybeUndefined<String>,
    pub parent_id: MaybeUndefined<ID>,
    pub privacy_contact_email: MaybeUndefined<String>,
    pub erasure_webhook_url: MaybeUndefined<String>,
    pub dpa_signed_on: MaybeUndefined<Date>,
    pub dpf_certified: Option<bool>,
    pub status: Option<OrganisationStatus>,
}

#[derive(InputObject)]
pub struct AddLocationInput {
    pub organisation_id: ID,
    pub country: String,
    #[graphql(name = "use")]
    pub usage: LocationUse,
}

/// `MaybeUndefined` as the service's "leave / clear / set".
fn patch<T, U>(value: MaybeUndefined<T>, map: impl FnOnce(T) -> U) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(map(v))),
    }
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Registers an organisation with its locations. With an `erasureWebhookUrl` it also gets its
    /// webhook secret, readable once as `webhookSecret` in this response.
    async fn register_organisation(
        &self,
        ctx: &Context<'_>,
        input: RegisterOrganisationInput,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        let new = NewOrganisation {
            name: input.name,
            kind: Some(input.kind.into()),
            country: input.country,
            company_number: input.company_number,
            parent_id: input.parent_id.map(|i| i.0),
            privacy_contact_email: input.privacy_contact_email,
            erasure_webhook_url: input.erasure_webhook_url,
            dpa_signed_on: date("dpaSignedOn", input.dpa_signed_on.as_ref())?,
            dpf_certified: input.dpf_certified,
            status: input.status.map(Into::into),
            locations: input
                .locations
                .unwrap_or_default()
                .into_iter()
                .map(|l| (l.country, l.usage.into()))
                .collect(),
        };
        let issued = ctx.data_opt::<IssuedSecrets>();
        let sealer = issued.and(ctx.data_opt::<DsrKeys>()).map(|k| &k.sealer);
        let (org, _, secret) = organisations::register_issuing_secret(
            &rc.db,
            &rc.actor()?,
            new,
            rc.config.webhook_allow_insecure,
            sealer,
        )
        .await?;
        if let (Some(issued), Some(secret)) = (issued, secret) {
            issued.insert(org.id, secret);
        }
        Ok(Organisation(org))
    }

    /// Changes an organisation's details. An organisation given its first `erasureWebhookUrl`
    /// also gets its webhook secret, readable once as `webhookSecret` in this response.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        let dpa_signed_on = match input.dpa_signed_on {
            MaybeUndefined::Value(d) => MaybeUndefined::Value(d.get("dpaSignedOn")?),
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };
        let changes = OrganisationPatch {
            name: input.name,
            kind: input.kind.map(Into::into),
            country: input.country,
            company_number: patch(input.company_number, |v| v),
            parent_id: patch(input.parent_id, |v| v.0),
            privacy_contact_email: patch(input.privacy_contact_email, |v| v),
            erasure_webhook_url: patch(input.erasure_webhook_url, |v| v),
            dpa_signed_on: patch(dpa_signed_on, |v| v),
            dpf_certified: input.dpf_certified,
            status: input.status.map(Into::into),
        };
        let issued = ctx.data_opt::<IssuedSecrets>();
        let sealer = issued.and(ctx.data_opt::<DsrKeys>()).map(|k| &k.sealer);
        let (org, secret) = organisations::update_issuing_secret(
            &rc.db,
            &rc.actor()?,
            &input.id,
            changes,
            rc.config.webhook_allow_insecure,
            sealer,
        )
        .await?;
        if let (Some(issued), Some(secret)) = (issued, secret) {
            issued.insert(org.id, secret);
        }
        Ok(Organisation(org))
    }

    /// Offboards an organisation: its history stays, new flows to it are refused.
    async fn offboard_organisation(&self, ctx: &Context<'_>, id: ID) -> Result<Organisation> {
        let rc = request(ctx)?;
        Ok(Organisation(
            organisations::offboard(&rc.db, &rc.actor()?, &id).await?,
        ))
    }

    /// Adds a storage, processing or remote-access location.
    async fn add_location(&self, ctx: &Context<'_>, input: AddLocationInput) -> Result<Location> {
        let rc = request(ctx)?;
        let saved = locations::add_location(
            &rc.db,
            &rc.actor()?,
            &input.organisation_id,
            &input.country,
            input.usage.into(),
        )
        .await?;
        Ok(Location(saved))
    }

    /// Removes a location; returns it as it was.
    async fn remove_location(&self, ctx: &Context<'_>, id: ID) -> Result<Location> {
        let rc = request(ctx)?;
        Ok(Location(
            locations::remove_location(&rc.db, &rc.actor()?, &id).await?,
        ))
    }
}
