//! Organisations and their locations: registering, updating, offboarding and listing.

use crate::{
    audit::{self, Actor, Change},
    domain::{
        country::CountryCode,
        dsr::seal::Sealer,
        reference::LegalReference,
        vocab::{
            LocationUse, OrganisationKind, OrganisationStatus, Regime, SubprocessorAuthorisation,
        },
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

mod input;

use input::{CheckedOrganisation, check};
pub use input::{
    ImporterFacts, ImporterFactsPatch, MAX_OBJECTION_PERIOD_DAYS, NewOrganisation,
    OrganisationFilter, OrganisationPatch,
};

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
        country: Set(input.country),
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
        subprocessor_authorisation: Set(input.subprocessor_authorisation),
        objection_period_days: Set(input.objection_period_days),
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
    id: i64,
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
    id: i64,
    patch: OrganisationPatch,
    webhooks: &WebhookPolicy,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Option<String>)> {
    change(db, actor, "updateOrganisation", id, patch, webhooks, sealer).await
}

#[allow(
    clippy::too_many_lines,
    reason = "each rule of a correction in the order the API documents them, in one transaction"
)]
async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    operation: &'static str,
    id: i64,
    patch: OrganisationPatch,
    webhooks: &WebhookPolicy,
    sealer: Option<&Sealer>,
) -> AppResult<(organisation::Model, Option<String>)> {
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
        org.country = Set(validate::country("country", &country)?);
    }
    if let Some(number) = patch.company_number {
        org.company_number = Set(validate::optional_text(
            "companyNumber",
            number.as_deref(),
            50,
        )?);
    }
    if let Some(parent) = patch.parent_id {
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
    if let Some(authorisation) = patch.subprocessor_authorisation {
        org.subprocessor_authorisation = Set(authorisation);
    }
    if let Some(days) = patch.objection_period_days {
        org.objection_period_days = Set(input::objection_period(days)?);
    }
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
    id: i64,
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

pub async fn get(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<organisation::Model>> {
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
