//! What is given to register or change an organisation, and its parsing and checks.

use super::*;

/// Most locations one registration may carry (more is a script gone wrong, not a supplier).
const MAX_LOCATIONS: usize = 50;

/// What procurement gives to register an organisation (raw input; parsed here).
#[derive(Debug, Clone, Default)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: Option<OrganisationKind>,
    pub country: String,
    pub company_number: Option<String>,
    pub parent_id: Option<i64>,
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
    /// The processor contract's authorisation of sub-processors (Art 28(2)).
    pub subprocessor_authorisation: Option<SubprocessorAuthorisation>,
    /// The days the contract gives to object to an announced change (0 to 365).
    pub objection_period_days: Option<i32>,
}

/// The longest objection period accepted, in days.
pub const MAX_OBJECTION_PERIOD_DAYS: i32 = 365;

/// An objection period is 0 to 365 days.
pub(super) fn objection_period(days: Option<i32>) -> AppResult<Option<i32>> {
    match days {
        Some(d) if !(0..=MAX_OBJECTION_PERIOD_DAYS).contains(&d) => Err(AppError::bad_input(
            "objectionPeriodDays",
            format!("objectionPeriodDays must be between 0 and {MAX_OBJECTION_PERIOD_DAYS}"),
        )),
        other => Ok(other),
    }
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
    pub(super) fn apply(self, org: &mut organisation::ActiveModel) -> AppResult<()> {
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
    pub parent_id: Option<Option<i64>>,
    pub privacy_contact_email: Option<Option<String>>,
    pub erasure_webhook_url: Option<Option<String>>,
    pub dpa_signed_on: Option<Option<NaiveDate>>,
    pub dpf_certified: Option<bool>,
    pub status: Option<OrganisationStatus>,
    /// What Chapter V needs to know of it as an importer.
    pub transfer_facts: ImporterFactsPatch,
    /// The processor contract's authorisation of sub-processors.
    pub subprocessor_authorisation: Option<Option<SubprocessorAuthorisation>>,
    /// The days the contract gives to object to an announced change.
    pub objection_period_days: Option<Option<i32>>,
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
pub(super) struct CheckedOrganisation {
    pub(super) name: String,
    pub(super) kind: OrganisationKind,
    pub(super) status: OrganisationStatus,
    pub(super) country: CountryCode,
    pub(super) company_number: Option<String>,
    pub(super) parent_id: Option<i64>,
    pub(super) email: Option<String>,
    pub(super) webhook: Option<String>,
    pub(super) dpa_signed_on: Option<NaiveDate>,
    pub(super) dpf_certified: bool,
    /// With its free-text fields checked.
    pub(super) facts: ImporterFacts,
    pub(super) reference: Option<String>,
    pub(super) security_measures: Option<String>,
    pub(super) subprocessor_authorisation: Option<SubprocessorAuthorisation>,
    pub(super) objection_period_days: Option<i32>,
    pub(super) locations: Vec<(CountryCode, LocationUse)>,
}

/// Parses the input; the webhook's host is resolved here, before any transaction opens.
pub(super) async fn check(
    input: NewOrganisation,
    webhooks: &WebhookPolicy,
) -> AppResult<CheckedOrganisation> {
    let name = validate::text("name", &input.name, 200)?;
    let kind = input
        .kind
        .ok_or_else(|| AppError::bad_input("kind", "kind is required"))?;
    let country = validate::country("country", &input.country)?;
    let company_number =
        validate::optional_text("companyNumber", input.company_number.as_deref(), 50)?;
    let parent_id = input.parent_id;
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
    let objection_period_days = objection_period(input.objection_period_days)?;
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
        subprocessor_authorisation: input.subprocessor_authorisation,
        objection_period_days,
        locations,
    })
}
