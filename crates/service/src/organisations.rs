//! Organisations and their locations: registering, updating, offboarding and listing.

use crate::{
    audit::{self, Actor, Change},
    domain::{
        country::CountryCode,
        dsr::seal::Sealer,
        reference::LegalReference,
        vocab::{LocationUse, OrganisationKind, OrganisationStatus, Regime},
    },
    error::{AppError, AppResult},
    locations,
    page::{Page, PageRequest},
    requests::secrets,
    validate,
    webhook_url::{self, WebhookPolicy},
};
use chrono::{NaiveDate, Utc};
use entity::{location, organisation};
use sea_orm::{
    ActiveValue::Set,
    Condition, TransactionTrait,
    prelude::*,
    sea_query::{Expr, ExprTrait, Func},
};
use std::collections::{HashMap, HashSet};

/// Most locations one registration may carry (more is a script gone wrong, not a supplier).
const MAX_LOCATIONS: usize = 50;

/// What procurement gives to register an organisation (raw input; parsed here).
#[derive(Debug, Clone, Default)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: Option<OrganisationKind>,
    pub country: String,
    pub company_number: Option<String>,
    pub parent_id: Option<String>,
    pub privacy_contact_email: Option<String>,
    pub erasure_webhook_url: Option<String>,
    pub dpa_signed_on: Option<NaiveDate>,
    pub dpf_certified: Option<bool>,
    pub status: Option<OrganisationStatus>,
    pub locations: Vec<(String, LocationUse)>,
    /// What Chapter V needs to know of it as an importer; all optional.
    pub transfer_facts: ImporterFacts,
    /// The user's own key (a spreadsheet's `ref`).
    pub reference: Option<String>,
    /// Art 30(1)(g): a general description of the security measures.
    pub security_measures: Option<String>,
}

/// What Chapter V needs to know of an importer beyond its country; `None` is "not recorded".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImporterFacts {
    pub dpf_uk_extension: Option<bool>,
    pub privacy_shield_certified: Option<bool>,
    pub safe_harbor_certified: Option<bool>,
    pub subject_to_pipeda: Option<bool>,
    pub appi_private_sector: Option<bool>,
    pub international_organisation: Option<String>,
    pub gdpr_art3_2: Option<bool>,
    pub bcr_group: Option<String>,
}

/// A change to an importer's Chapter V facts: `None` leaves a fact alone, `Some(None)` clears it
/// (back to "not recorded").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImporterFactsPatch {
    pub dpf_uk_extension: Option<Option<bool>>,
    pub privacy_shield_certified: Option<Option<bool>>,
    pub safe_harbor_certified: Option<Option<bool>>,
    pub subject_to_pipeda: Option<Option<bool>>,
    pub appi_private_sector: Option<Option<bool>>,
    pub international_organisation: Option<Option<String>>,
    pub gdpr_art3_2: Option<Option<bool>>,
    pub bcr_group: Option<Option<String>>,
}

/// The free-text facts' checks, the same on registration and on update.
fn international_organisation(value: Option<&str>) -> AppResult<Option<String>> {
    validate::optional_text("internationalOrganisation", value, 100)
}

fn bcr_group(value: Option<&str>) -> AppResult<Option<String>> {
    validate::optional_text("bcrGroup", value, 200)
}

impl ImporterFactsPatch {
    /// Checks the free-text facts and sets the changed ones on `org`.
    fn apply(self, org: &mut organisation::ActiveModel) -> AppResult<()> {
        if let Some(v) = self.international_organisation {
            org.international_organisation = Set(international_organisation(v.as_deref())?);
        }
        if let Some(v) = self.bcr_group {
            org.bcr_group = Set(bcr_group(v.as_deref())?);
        }
        if let Some(v) = self.dpf_uk_extension {
            org.dpf_uk_extension = Set(v);
        }
        if let Some(v) = self.privacy_shield_certified {
            org.privacy_shield_certified = Set(v);
        }
        if let Some(v) = self.safe_harbor_certified {
            org.safe_harbor_certified = Set(v);
        }
        if let Some(v) = self.subject_to_pipeda {
            org.subject_to_pipeda = Set(v);
        }
        if let Some(v) = self.appi_private_sector {
            org.appi_private_sector = Set(v);
        }
        if let Some(v) = self.gdpr_art3_2 {
            org.gdpr_art3_2 = Set(v);
        }
        Ok(())
    }
}

/// A change to an organisation: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub country: Option<String>,
    pub company_number: Option<Option<String>>,
    pub parent_id: Option<Option<String>>,
    pub privacy_contact_email: Option<Option<String>>,
    pub erasure_webhook_url: Option<Option<String>>,
    pub dpa_signed_on: Option<Option<NaiveDate>>,
    pub dpf_certified: Option<bool>,
    pub status: Option<OrganisationStatus>,
    /// What Chapter V needs to know of it as an importer.
    pub transfer_facts: ImporterFactsPatch,
}

/// The filters a procurement or DPO user reaches for.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub country: Option<String>,
    pub status: Option<OrganisationStatus>,
    pub inside_eea: Option<bool>,
    pub name_contains: Option<String>,
}

/// An organisation's registration, parsed and checked, ready to insert.
struct CheckedOrganisation {
    name: String,
    kind: OrganisationKind,
    status: OrganisationStatus,
    country: CountryCode,
    company_number: Option<String>,
    parent_id: Option<i64>,
    email: Option<String>,
    webhook: Option<String>,
    dpa_signed_on: Option<NaiveDate>,
    dpf_certified: bool,
    /// With its free-text fields checked.
    facts: ImporterFacts,
    reference: Option<String>,
    security_measures: Option<String>,
    locations: Vec<(CountryCode, LocationUse)>,
}

/// Parses the input; the webhook's host is resolved here, before any transaction opens.
async fn check(input: NewOrganisation, webhooks: &WebhookPolicy) -> AppResult<CheckedOrganisation> {
    let name = validate::text("name", &input.name, 200)?;
    let kind = input
        .kind
        .ok_or_else(|| AppError::bad_input("kind", "kind is required"))?;
    let country = validate::country("country", &input.country)?;
    let company_number =
        validate::optional_text("companyNumber", input.company_number.as_deref(), 50)?;
    let parent_id = input
        .parent_id
        .as_deref()
        .map(|p| validate::id("parentId", p))
        .transpose()?;
    let email = input
        .privacy_contact_email
        .as_deref()
        .map(|e| validate::email("privacyContactEmail", e))
        .transpose()?;
    let webhook = match input.erasure_webhook_url.as_deref() {
        Some(u) => Some(
            webhook_url::check("erasureWebhookUrl", u, webhooks)
                .await?
                .url,
        ),
        None => None,
    };
    let dpa_signed_on = validate::past_date("dpaSignedOn", input.dpa_signed_on)?;
    let mut facts = input.transfer_facts;
    facts.international_organisation =
        international_organisation(facts.international_organisation.as_deref())?;
    facts.bcr_group = bcr_group(facts.bcr_group.as_deref())?;
    let reference = validate::reference("ref", input.reference.as_deref())?;
    let security_measures = validate::optional_text(
        "securityMeasures",
        input.security_measures.as_deref(),
        validate::MAX_LONG_TEXT,
    )?;
    if input.locations.len() > MAX_LOCATIONS {
        return Err(AppError::bad_input(
            "locations",
            format!("at most {MAX_LOCATIONS} locations at once"),
        ));
    }
    let mut locations = Vec::with_capacity(input.locations.len());
    for (i, (c, usage)) in input.locations.iter().enumerate() {
        let field = format!("locations[{i}].country");
        let c = validate::country(&field, c)?;
        if !locations.contains(&(c, *usage)) {
            locations.push((c, *usage));
        }
    }
    Ok(CheckedOrganisation {
        name,
        kind,
        status: input.status.unwrap_or(OrganisationStatus::Active),
        country,
        company_number,
        parent_id,
        email,
        webhook,
        dpa_signed_on,
        dpf_certified: input.dpf_certified.unwrap_or(false),
        facts,
        reference,
        security_measures,
        locations,
    })
}

pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewOrganisation,
    webhooks: &WebhookPolicy,
) -> AppResult<(organisation::Model, Vec<location::Model>)> {
    let (org, locations, _) = register_issuing_secret(db, actor, input, webhooks, None).await?;
    Ok((org, locations))
}

/// As [`register`]; given a sealer, an organisation registered with an `erasureWebhookUrl` also
/// gets its webhook secret in the same transaction, returned here and never again, so its first
/// delivery is signed.
pub async fn register_issuing_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewOrganisation,
    webhooks: &WebhookPolicy,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Vec<location::Model>, Option<String>)> {
    let checked = check(input, webhooks).await?;
    let txn = db.begin().await?;
    let saved = insert(&txn, actor, checked, sealer).await?;
    txn.commit().await?;
    Ok(saved)
}

/// As [`register_issuing_secret`], inside the caller's transaction (imports, the demonstration
/// register).
pub async fn register_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    input: NewOrganisation,
    webhooks: &WebhookPolicy,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Vec<location::Model>, Option<String>)> {
    let checked = check(input, webhooks).await?;
    insert(txn, actor, checked, sealer).await
}

async fn insert(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    input: CheckedOrganisation,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Vec<location::Model>, Option<String>)> {
    if let Some(parent) = input.parent_id {
        find(txn, parent, "parentId").await?;
    }
    if let Some(reference) = &input.reference
        && let Some(other) = by_reference(txn, reference).await?
    {
        return Err(AppError::bad_input(
            "ref",
            format!(
                "ref {reference:?} is already used by organisation {}",
                other.id
            ),
        ));
    }
    let now = Utc::now();
    let org = organisation::ActiveModel {
        name: Set(input.name),
        kind: Set(input.kind),
        status: Set(input.status),
        country: Set(input.country.to_string()),
        company_number: Set(input.company_number),
        parent_id: Set(input.parent_id),
        privacy_contact_email: Set(input.email),
        erasure_webhook_url: Set(input.webhook),
        webhook_secret: Set(None),
        dpa_signed_on: Set(input.dpa_signed_on),
        dpf_certified: Set(input.dpf_certified),
        dpf_uk_extension: Set(input.facts.dpf_uk_extension),
        privacy_shield_certified: Set(input.facts.privacy_shield_certified),
        safe_harbor_certified: Set(input.facts.safe_harbor_certified),
        subject_to_pipeda: Set(input.facts.subject_to_pipeda),
        appi_private_sector: Set(input.facts.appi_private_sector),
        international_organisation: Set(input.facts.international_organisation),
        gdpr_art3_2: Set(input.facts.gdpr_art3_2),
        bcr_group: Set(input.facts.bcr_group),
        reference: Set(input.reference),
        security_measures: Set(input.security_measures),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let (org, issued) = issue_secret_if_needed(txn, actor, org, sealer).await?;
    let mut saved = Vec::with_capacity(input.locations.len());
    for (c, usage) in input.locations {
        saved.push(locations::insert_location(txn, org.id, c, usage).await?);
    }
    let after = serde_json::json!({ "organisation": &org, "locations": &saved });
    audit::record(
        txn,
        actor,
        Change::created("registerOrganisation", "organisation", org.id, &after)?,
    )
    .await?;
    Ok((org, saved, issued))
}

/// Whether `actor` decides where erasure requests go: the DPO and ADMIN roles (and the local
/// operator on the command line). Only they may change a webhook URL once an organisation has one
/// or has a secret, and only they are given secrets: whoever holds a secret can forge erasure
/// requests, and whoever moves the URL receives subjects' identifiers.
pub fn directs_erasures(actor: &Actor) -> bool {
    matches!(actor.role.as_str(), "ADMIN" | "DPO" | "OPERATOR")
}

/// Gives an organisation that has a webhook URL but no secret its first secret (with a sealer),
/// when the actor directs erasures; another actor's organisation waits for the DPO to issue one
/// (`rotateWebhookSecret`).
async fn issue_secret_if_needed(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    org: organisation::Model,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Option<String>)> {
    let Some(sealer) = sealer else {
        return Ok((org, None));
    };
    if org.erasure_webhook_url.is_none() || org.webhook_secret.is_some() || !directs_erasures(actor)
    {
        return Ok((org, None));
    }
    let (secret, sealed) = secrets::issue(sealer, org.id)?;
    let mut active: organisation::ActiveModel = org.into();
    active.webhook_secret = Set(Some(sealed));
    Ok((active.update(txn).await?, Some(secret)))
}

/// The organisation whose user key is `reference`, if any.
pub async fn by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> AppResult<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Reference.eq(reference))
        .one(db)
        .await?)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    patch: OrganisationPatch,
    webhooks: &WebhookPolicy,
) -> AppResult<organisation::Model> {
    let (org, _) = update_issuing_secret(db, actor, id, patch, webhooks, None).await?;
    Ok(org)
}

/// As [`update`]; given a sealer, an organisation that gets its first `erasureWebhookUrl` (and
/// has no secret yet) also gets its webhook secret, returned here and never again.
pub async fn update_issuing_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    patch: OrganisationPatch,
    webhooks: &WebhookPolicy,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Option<String>)> {
    change(db, actor, "updateOrganisation", id, patch, webhooks, sealer).await
}

async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    operation: &'static str,
    id: &str,
    patch: OrganisationPatch,
    webhooks: &WebhookPolicy,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Option<String>)> {
    let id = validate::id("id", id)?;
    // Who may move the webhook is settled before the URL is checked (authorisation first).
    if let Some(url) = patch.erasure_webhook_url.as_ref()
        && !directs_erasures(actor)
    {
        ensure_may_set_webhook(&find(db, id, "id").await?, url.as_deref())?;
    }
    // Resolved before the transaction opens: no DNS lookup while rows are locked.
    let webhook = match patch.erasure_webhook_url.as_ref() {
        Some(Some(u)) => Some(Some(
            webhook_url::check("erasureWebhookUrl", u, webhooks)
                .await?
                .url,
        )),
        Some(None) => Some(None),
        None => None,
    };
    let txn = db.begin().await?;
    let current = find(&txn, id, "id").await?;
    let before = current.clone();
    let mut org: organisation::ActiveModel = current.into();
    if let Some(name) = patch.name {
        org.name = Set(validate::text("name", &name, 200)?);
    }
    if let Some(kind) = patch.kind {
        org.kind = Set(kind);
    }
    if let Some(country) = patch.country {
        org.country = Set(validate::country("country", &country)?.to_string());
    }
    if let Some(number) = patch.company_number {
        org.company_number = Set(validate::optional_text(
            "companyNumber",
            number.as_deref(),
            50,
        )?);
    }
    if let Some(parent) = patch.parent_id {
        let parent = parent
            .as_deref()
            .map(|p| validate::id("parentId", p))
            .transpose()?;
        if let Some(parent) = parent {
            ensure_no_parent_cycle(&txn, id, parent).await?;
        }
        org.parent_id = Set(parent);
    }
    if let Some(email) = patch.privacy_contact_email {
        org.privacy_contact_email = Set(email
            .as_deref()
            .map(|e| validate::email("privacyContactEmail", e))
            .transpose()?);
    }
    let mut moved = false;
    if let Some(url) = webhook {
        if !directs_erasures(actor) {
            // Checked again under the transaction: the row may have changed since.
            ensure_may_set_webhook(&before, patch.erasure_webhook_url.flatten().as_deref())?;
        }
        moved = url != before.erasure_webhook_url;
        if moved && before.webhook_secret.is_some() {
            // The old secret does not follow the requests to a new address: a new one is
            // issued below to the DPO or ADMIN making the change (none without a URL).
            org.webhook_secret = Set(None);
        }
        org.erasure_webhook_url = Set(url);
    }
    if let Some(date) = patch.dpa_signed_on {
        org.dpa_signed_on = Set(validate::past_date("dpaSignedOn", date)?);
    }
    if let Some(certified) = patch.dpf_certified {
        org.dpf_certified = Set(certified);
    }
    if let Some(status) = patch.status {
        org.status = Set(status);
    }
    patch.transfer_facts.apply(&mut org)?;
    org.updated_at = Set(Utc::now());
    let saved = org.update(&txn).await?;
    let (saved, issued) = issue_secret_if_needed(&txn, actor, saved, sealer).await?;
    if moved {
        tracing::info!(
            organisation = saved.id,
            actor = %actor.name,
            new_secret = issued.is_some(),
            "an organisation's erasure webhook was changed"
        );
    }
    audit::record(
        &txn,
        actor,
        Change::updated(operation, "organisation", id, &before, &saved)?,
    )
    .await?;
    txn.commit().await?;
    Ok((saved, issued))
}

/// Refuses a caller who does not direct erasures (PROCUREMENT) a webhook change on an organisation
/// that has a webhook URL or a secret; sending the URL it already has is no change.
fn ensure_may_set_webhook(current: &organisation::Model, url: Option<&str>) -> AppResult<()> {
    let unchanged = url.map(str::trim) == current.erasure_webhook_url.as_deref();
    if unchanged || (current.erasure_webhook_url.is_none() && current.webhook_secret.is_none()) {
        return Ok(());
    }
    Err(AppError::Forbidden(
        "where an organisation's erasure requests go is the DPO's or an ADMIN's decision: only they may change a webhook URL once it is set".into(),
    ))
}

/// Offboarded organisations keep their history (flows, holdings) but receive no new flows.
pub async fn offboard(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<organisation::Model> {
    let patch = OrganisationPatch {
        status: Some(OrganisationStatus::Offboarded),
        ..Default::default()
    };
    Ok(change(
        db,
        actor,
        "offboardOrganisation",
        id,
        patch,
        &WebhookPolicy::secure(),
        None,
    )
    .await?
    .0)
}

/// The organisation with `id`, or `BAD_USER_INPUT` on `field` when it does not exist.
pub async fn find(
    db: &impl ConnectionTrait,
    id: i64,
    field: &str,
) -> AppResult<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("no organisation with id {id}")))
}

async fn ensure_no_parent_cycle(db: &impl ConnectionTrait, id: i64, parent: i64) -> AppResult<()> {
    let mut seen = HashSet::from([id]);
    let mut next = Some(parent);
    while let Some(current) = next {
        if !seen.insert(current) {
            return Err(AppError::bad_input(
                "parentId",
                "the parent would make the group structure a cycle",
            ));
        }
        next = find(db, current, "parentId").await?.parent_id;
    }
    Ok(())
}

pub async fn get(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<organisation::Model>> {
    let id = validate::id("id", id)?;
    Ok(organisation::Entity::find_by_id(id).one(db).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    filter: OrganisationFilter,
    page: PageRequest,
) -> AppResult<Page<organisation::Model>> {
    let mut cond = Condition::all();
    if let Some(kind) = filter.kind {
        cond = cond.add(organisation::Column::Kind.eq(kind.as_str()));
    }
    if let Some(country) = filter.country {
        cond = cond.add(
            organisation::Column::Country.eq(validate::country("country", &country)?.as_str()),
        );
    }
    if let Some(status) = filter.status {
        cond = cond.add(organisation::Column::Status.eq(status.as_str()));
    }
    if let Some(inside) = filter.inside_eea {
        let today = Utc::now().date_naive();
        let eea: Vec<String> = CountryCode::all()
            .filter(|c| reference.in_area(Regime::EuGdpr, *c, today))
            .map(|c| c.to_string())
            .collect();
        let column = organisation::Column::Country;
        cond = cond.add(if inside {
            column.is_in(eea)
        } else {
            column.is_not_in(eea)
        });
    }
    if let Some(needle) = filter.name_contains {
        let needle = validate::text("nameContains", &needle, 200)?.to_lowercase();
        let escaped = needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        cond = cond.add(
            Expr::expr(Func::lower(Expr::col(organisation::Column::Name)))
                .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    crate::page::fetch(
        db,
        organisation::Entity::find().filter(cond),
        organisation::Column::Id,
        page,
    )
    .await
}

/// Organisations by id, for the DataLoader.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}
