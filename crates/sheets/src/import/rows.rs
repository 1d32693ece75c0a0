//! Turning rows into the services' inputs, in one transaction with a savepoint per row.

use super::{
    ImportKind, ImportOptions, IssuedSecret, RowError,
    columns::{Columns, Row, column_of},
    excerpt,
};
use crate::{
    activities::{self, NewActivity},
    audit::Actor,
    domain::vocab::{
        Derogation, LawfulBasis, LocationUse, OrganisationKind, OrganisationStatus, RecipientRole,
        SccModule, TransferMechanism,
    },
    error::{AppError, AppResult},
    flows::{self, NewFlow},
    locations,
    organisations::{self, NewOrganisation},
};
use entity::{data_flow, organisation, processing_activity};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, QuerySelect};
use std::collections::HashMap;

/// Records found by the user's key (`ref`) or, failing that, by name.
#[derive(Default)]
struct Keys {
    by_ref: HashMap<String, i64>,
    by_name: HashMap<String, Vec<i64>>,
}

impl Keys {
    fn add(&mut self, id: i64, name: Option<&str>, reference: Option<&str>) {
        if let Some(r) = reference {
            self.by_ref.insert(r.to_string(), id);
        }
        if let Some(n) = name {
            self.by_name.entry(n.to_string()).or_default().push(id);
        }
    }

    fn find(&self, value: &str, what: &str) -> Result<i64, String> {
        if let Some(id) = self.by_ref.get(value) {
            return Ok(*id);
        }
        match self.by_name.get(value).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some(ids) if ids.len() > 1 => Err(format!(
                "{} {what}s are named {}: give its ref instead",
                ids.len(),
                excerpt(value)
            )),
            _ => Err(format!("no {what} with ref or name {}", excerpt(value))),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Done,
    Failed,
}

pub struct Importer<'a> {
    txn: &'a DatabaseTransaction,
    actor: &'a Actor,
    options: &'a ImportOptions,
    columns: Columns,
    orgs: Keys,
    activities: Keys,
    flows: Keys,
    /// Set when the transaction can go no further (see [`Importer::row`]).
    stopped: bool,
    /// Webhook secrets issued to the organisations imported so far.
    secrets: Vec<IssuedSecret>,
}

impl<'a> Importer<'a> {
    pub async fn new(
        txn: &'a DatabaseTransaction,
        actor: &'a Actor,
        options: &'a ImportOptions,
        columns: Columns,
    ) -> AppResult<Self> {
        let mut orgs = Keys::default();
        for (id, name, reference) in organisation::Entity::find()
            .select_only()
            .columns([
                organisation::Column::Id,
                organisation::Column::Name,
                organisation::Column::Reference,
            ])
            .into_tuple::<(i64, String, Option<String>)>()
            .all(txn)
            .await?
        {
            orgs.add(id, Some(&name), reference.as_deref());
        }
        let mut activities = Keys::default();
        for (id, name, reference) in processing_activity::Entity::find()
            .select_only()
            .columns([
                processing_activity::Column::Id,
                processing_activity::Column::Name,
                processing_activity::Column::Reference,
            ])
            .into_tuple::<(i64, String, Option<String>)>()
            .all(txn)
            .await?
        {
            activities.add(id, Some(&name), reference.as_deref());
        }
        let mut flows = Keys::default();
        for (id, reference) in data_flow::Entity::find()
            .select_only()
            .columns([data_flow::Column::Id, data_flow::Column::Reference])
            .into_tuple::<(i64, Option<String>)>()
            .all(txn)
            .await?
        {
            flows.add(id, None, reference.as_deref());
        }
        Ok(Self {
            txn,
            actor,
            options,
            columns,
            orgs,
            activities,
            flows,
            stopped: false,
            secrets: Vec::new(),
        })
    }

    /// The webhook secrets issued to the organisations this import created.
    pub fn into_secrets(self) -> Vec<IssuedSecret> {
        self.secrets
    }

    /// The column a row may depend on another row of the same file through.
    fn dependency(kind: ImportKind) -> Option<&'static str> {
        match kind {
            ImportKind::Organisations => Some("parent"),
            ImportKind::Flows => Some("continues"),
            _ => None,
        }
    }

    /// Imports every row; a row that refers to a later row of the file (its parent, the flow it
    /// continues) waits for it. Returns the rows imported and the refusals.
    #[allow(
        clippy::too_many_lines,
        reason = "the rows' loop, with its deferral of rows that refer to later rows, reads as one"
    )]
    pub async fn run(
        &mut self,
        kind: ImportKind,
        rows: &[(usize, Vec<String>)],
    ) -> AppResult<(usize, Vec<RowError>)> {
        let dependency = Self::dependency(kind);
        // The file's own keys: a row's ref (and an organisation's name) -> its position.
        let mut in_file: HashMap<String, usize> = HashMap::new();
        for (i, (_, cells)) in rows.iter().enumerate() {
            let row = Row {
                line: 0,
                cells,
                columns: &self.columns,
                errors: Vec::new(),
            };
            for key in [
                row.text("ref"),
                (kind == ImportKind::Organisations)
                    .then(|| row.text("name"))
                    .flatten(),
            ]
            .into_iter()
            .flatten()
            {
                in_file.entry(key).or_insert(i);
            }
        }
        let mut state = vec![State::Pending; rows.len()];
        let mut errors = Vec::new();
        let mut imported = 0;
        loop {
            let mut progress = false;
            for (i, (line, cells)) in rows.iter().enumerate() {
                if state[i] != State::Pending || self.stopped {
                    continue;
                }
                let waits_on = dependency
                    .and_then(|column| {
                        let row = Row {
                            line: *line,
                            cells,
                            columns: &self.columns,
                            errors: Vec::new(),
                        };
                        row.text(column).map(|v| (column, v))
                    })
                    .and_then(|(column, v)| in_file.get(&v).map(|j| (column, v, *j)))
                    .filter(|(_, _, j)| *j != i);
                if let Some((column, value, j)) = waits_on {
                    match state[j] {
                        State::Pending => continue,
                        State::Failed => {
                            errors.push(RowError::new(
                                *line,
                                column,
                                format!(
                                    "{} is the row on line {}, which is refused",
                                    excerpt(&value),
                                    rows[j].0
                                ),
                            ));
                            state[i] = State::Failed;
                            progress = true;
                            continue;
                        }
                        State::Done => {}
                    }
                }
                progress = true;
                match self.row(kind, *line, cells).await? {
                    Ok(()) => {
                        state[i] = State::Done;
                        imported += 1;
                    }
                    Err(mut refused) => {
                        state[i] = State::Failed;
                        errors.append(&mut refused);
                    }
                }
            }
            if !progress {
                break;
            }
        }
        for (i, (line, _)) in rows.iter().enumerate() {
            if state[i] == State::Pending && !self.stopped {
                errors.push(RowError::new(
                    *line,
                    dependency.unwrap_or("row"),
                    "the rows refer to each other in a cycle",
                ));
            }
        }
        Ok((imported, errors))
    }

    /// One row in its savepoint: `Err` lists its refusals; a fault aborts the import.
    async fn row(
        &mut self,
        kind: ImportKind,
        line: usize,
        cells: &[String],
    ) -> AppResult<Result<(), Vec<RowError>>> {
        let mut row = Row {
            line,
            cells,
            columns: &self.columns,
            errors: Vec::new(),
        };
        let txn = self.txn;
        let outcome = match kind {
            ImportKind::Organisations => self.organisation(txn, &mut row).await,
            ImportKind::Locations => self.location(txn, &mut row).await,
            ImportKind::Activities => self.activity(txn, &mut row).await,
            ImportKind::Flows => self.flow(txn, &mut row).await,
            // Never reached: `import` hands the DPF list to `dpf::import`.
            ImportKind::DpfList => Ok(None),
        };
        let mut errors = std::mem::take(&mut row.errors);
        let outcome: AppResult<Registered> = match outcome {
            Ok(Some(done)) => Ok(done),
            // Parse errors: the service was not called.
            Ok(None) => Err(AppError::bad_input("", "")),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(register) => {
                register(self);
                Ok(Ok(()))
            }
            Err(AppError::Internal(source)) => Err(AppError::Internal(source)),
            Err(refusal) => {
                // The services check before they write, so a refused row has written nothing
                // and the transaction goes on. A refusal by the database itself (a unique key
                // taken meanwhile) ends a PostgreSQL transaction: then the import stops here.
                let usable = txn.execute_unprepared("SELECT 1").await.is_ok();
                match refusal {
                    AppError::BadInput { field, .. } if field.is_empty() => {}
                    AppError::BadInput { field, message } => {
                        errors.push(RowError::new(line, column_of(&field), message));
                    }
                    other => errors.push(RowError::new(line, "row", other.to_string())),
                }
                if !usable {
                    self.stopped = true;
                    errors.push(RowError::new(
                        line,
                        "row",
                        "the database refused this row: the rows after it were not checked",
                    ));
                }
                Ok(Err(errors))
            }
        }
    }

    /// Resolves an organisation cell to the id the service takes, or records why not.
    fn org_id(&self, row: &mut Row<'_>, column: &str) -> Option<i64> {
        let value = row.text(column)?;
        match self.orgs.find(&value, "organisation") {
            Ok(id) => Some(id),
            Err(message) => {
                row.fail(column, message);
                None
            }
        }
    }

    async fn organisation(
        &self,
        txn: &DatabaseTransaction,
        row: &mut Row<'_>,
    ) -> AppResult<Option<Registered>> {
        let name = row.required("name");
        let kind: Option<OrganisationKind> = row.vocab("kind");
        if kind.is_none() && row.text("kind").is_none() {
            row.fail("kind", "kind is required");
        }
        let country = row.required("country");
        let parent_id = self.org_id(row, "parent");
        let international_organisation = row.text("international_organisation");
        if let Some(id) = international_organisation.as_deref()
            && self.options.reference.organisation(id.trim()).is_none()
        {
            row.fail(
                "international_organisation",
                register_service::validate::unknown_organisation(&self.options.reference, id),
            );
        }
        let new = NewOrganisation {
            transfer_facts: organisations::ImporterFacts {
                dpf_uk_extension: row.boolean("dpf_uk_extension"),
                privacy_shield_certified: row.boolean("privacy_shield_certified"),
                safe_harbor_certified: row.boolean("safe_harbor_certified"),
                subject_to_pipeda: row.boolean("subject_to_pipeda"),
                appi_private_sector: row.boolean("appi_private_sector"),
                international_organisation,
                gdpr_art3_2: row.boolean("gdpr_art3_2"),
                bcr_group: row.text("bcr_group"),
            },
            name,
            kind,
            country,
            company_number: row.text("company_number"),
            parent_id,
            privacy_contact_email: row.text("privacy_contact_email"),
            erasure_webhook_url: row.text("erasure_webhook_url"),
            dpa_signed_on: row.date("dpa_signed_on"),
            dpf_certified: row.boolean("dpf_certified"),
            status: row.vocab::<OrganisationStatus>("status"),
            locations: Vec::new(),
            reference: row.text("ref"),
            security_measures: row.text("security_measures"),
            subprocessor_authorisation: row.vocab("subprocessor_authorisation"),
            objection_period_days: row.integer("objection_period_days"),
        };
        if !row.errors.is_empty() {
            return Ok(None);
        }
        // A dry run is rolled back: it issues nothing.
        let sealer = self
            .options
            .sealer
            .as_ref()
            .filter(|_| !self.options.dry_run);
        let (org, _, secret) =
            organisations::register_in(txn, self.actor, new, &self.options.webhooks, sealer)
                .await?;
        let line = row.line;
        Ok(Some(Box::new(move |importer: &mut Importer<'_>| {
            importer
                .orgs
                .add(org.id, Some(&org.name), org.reference.as_deref());
            if let Some(secret) = secret {
                importer.secrets.push(IssuedSecret {
                    line,
                    organisation_id: org.id,
                    name: org.name,
                    secret,
                });
            }
        })))
    }

    async fn location(
        &self,
        txn: &DatabaseTransaction,
        row: &mut Row<'_>,
    ) -> AppResult<Option<Registered>> {
        if row.text("organisation").is_none() {
            row.fail("organisation", "organisation is required");
        }
        let organisation = self.org_id(row, "organisation");
        let country = row.required("country");
        let usage: Option<LocationUse> = row.vocab("use");
        if row.text("use").is_none() {
            row.fail("use", "use is required");
        }
        let (Some(organisation), Some(usage)) = (organisation, usage) else {
            return Ok(None);
        };
        if !row.errors.is_empty() {
            return Ok(None);
        }
        locations::add_location_in(txn, self.actor, organisation, &country, usage).await?;
        Ok(Some(Box::new(|_: &mut Importer<'_>| {})))
    }

    async fn activity(
        &self,
        txn: &DatabaseTransaction,
        row: &mut Row<'_>,
    ) -> AppResult<Option<Registered>> {
        let name = row.required("name");
        if row.text("controller").is_none() {
            row.fail("controller", "controller is required");
        }
        let controller = self.org_id(row, "controller");
        let purpose = row.required("purpose");
        let lawful_basis: Option<LawfulBasis> = row.vocab("lawful_basis");
        if row.text("lawful_basis").is_none() {
            row.fail("lawful_basis", "lawful_basis is required");
        }
        let retention = row.required("retention");
        let new = NewActivity {
            name,
            controller_id: controller.unwrap_or_default(),
            purpose,
            lawful_basis: lawful_basis.unwrap_or(LawfulBasis::Consent),
            data_categories: row.list("data_categories"),
            subject_categories: row.list("subject_categories"),
            retention,
            retention_months: row.integer("retention_months"),
            reference: row.text("ref"),
            security_measures: row.text("security_measures"),
            acting_as: row.vocab("acting_as"),
        };
        if !row.errors.is_empty() {
            return Ok(None);
        }
        let saved = activities::register_in(txn, self.actor, new).await?;
        Ok(Some(Box::new(move |importer: &mut Importer<'_>| {
            importer
                .activities
                .add(saved.id, Some(&saved.name), saved.reference.as_deref());
        })))
    }

    async fn flow(
        &self,
        txn: &DatabaseTransaction,
        row: &mut Row<'_>,
    ) -> AppResult<Option<Registered>> {
        let activity = match row.text("activity") {
            None => {
                row.fail("activity", "activity is required");
                None
            }
            Some(v) => match self.activities.find(&v, "processing activity") {
                Ok(id) => Some(id),
                Err(message) => {
                    row.fail("activity", message);
                    None
                }
            },
        };
        for column in ["from", "to"] {
            if row.text(column).is_none() {
                row.fail(column, format!("{column} is required"));
            }
        }
        let from = self.org_id(row, "from");
        let to = self.org_id(row, "to");
        let role: Option<RecipientRole> = row.vocab("recipient_role");
        if row.text("recipient_role").is_none() {
            row.fail("recipient_role", "recipient_role is required");
        }
        let continues = match row.text("continues") {
            None => None,
            Some(v) => match self.flows.by_ref.get(&v) {
                Some(id) => Some(*id),
                None => {
                    row.fail(
                        "continues",
                        format!("no data flow with ref {}", excerpt(&v)),
                    );
                    None
                }
            },
        };
        let new = NewFlow {
            occasional: None,
            combines_eu_data: row.boolean("combines_eu_data"),
            processing_changed: row.boolean("processing_changed"),
            transfer_safeguards: Vec::new(),
            activity_id: activity.unwrap_or_default(),
            from_id: from.unwrap_or_default(),
            to_id: to.unwrap_or_default(),
            recipient_role: role.unwrap_or(RecipientRole::Processor),
            data_categories: row.list("data_categories"),
            continues_flow_id: continues,
            mechanism: row.vocab::<TransferMechanism>("mechanism"),
            scc_module: row.vocab::<SccModule>("scc_module"),
            derogation: row.vocab::<Derogation>("derogation"),
            tia_completed_on: row.date("tia_completed_on"),
            signed_on: row.date("signed_on"),
            evidence: row.text("evidence"),
            reference: row.text("ref"),
        };
        if !row.errors.is_empty() {
            return Ok(None);
        }
        let saved = flows::record_in(txn, self.actor, new).await?;
        Ok(Some(Box::new(move |importer: &mut Importer<'_>| {
            importer
                .flows
                .add(saved.id, None, saved.reference.as_deref());
        })))
    }
}

/// What a successful row adds to the importer's keys once its savepoint is kept.
type Registered = Box<dyn FnOnce(&mut Importer<'_>) + Send>;
