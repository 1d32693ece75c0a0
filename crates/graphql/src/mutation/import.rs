//! Importing a spreadsheet over GraphQL, for the console: the same import as the command line.

use crate::{
    context::request, error::AppError, service::requests::DsrKeys,
    service::webhook_url::WebhookPolicy,
};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use base64::Engine;
use register_sheets::import::{self, ImportBudget, ImportOptions, SheetLimits};
use std::sync::Arc;

/// What an imported file holds; its columns are documented in the README.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "import::ImportKind")]
pub enum ImportKind {
    /// Organisations: `name,kind,country,company_number,parent,privacy_contact_email,erasure_webhook_url,dpa_signed_on,dpf_certified,status` (and optionally `ref`, `security_measures` and the importer facts `dpf_uk_extension`, `privacy_shield_certified`, `safe_harbor_certified`, `subject_to_pipeda`, `appi_private_sector`, `international_organisation`, `gdpr_art3_2`, `bcr_group`).
    Organisations,
    /// Locations of organisations: `organisation,country,use`.
    Locations,
    /// Processing activities (the controller's record, Art 30(1)).
    Activities,
    /// Data flows, with their transfer mechanism and evidence.
    Flows,
    /// The Data Privacy Framework participant list as downloaded from the DPF website (CSV or
    /// XLSX; columns in the README), stored as the snapshot of `listedOn` beside earlier ones.
    DpfList,
}

/// One refused row of an imported file.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// The row's line in the file (1 is the header; 0 is the file as a whole).
    pub line: i32,
    /// The column at fault, as named in the header.
    pub field: String,
    /// Why the row was refused.
    pub message: String,
}

/// The outcome of an import: nothing is imported when `errors` is not empty.
#[derive(SimpleObject)]
pub struct ImportReport {
    /// Rows imported (on a dry run: rows that would be imported).
    pub imported: i32,
    /// Whether this was a dry run (validated, then rolled back).
    pub dry_run: bool,
    /// Every refused row; empty when the import succeeded.
    pub errors: Vec<ImportRowError>,
    /// The webhook secret issued to each imported organisation with an `erasure_webhook_url`, so
    /// its first erasure request is already signed (`X-Register-Signature`). Shown in this
    /// response only, never again (`rotateWebhookSecret` replaces one); empty on a dry run or a
    /// refused import, which issue nothing.
    pub webhook_secrets: Vec<IssuedWebhookSecret>,
}

/// A webhook secret an import issued: give it to the organisation's receiver now.
#[derive(SimpleObject)]
pub struct IssuedWebhookSecret {
    /// The line of the organisation's row in the file.
    pub line: i32,
    /// The organisation the import created.
    pub organisation_id: ID,
    /// Its name, as imported.
    pub name: String,
    /// The secret that signs its webhook deliveries.
    pub secret: String,
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports a spreadsheet in one transaction: every row is validated as the matching
    /// mutation validates it, and one bad row means nothing is imported.
    async fn import_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the file holds.")] kind: ImportKind,
        #[graphql(desc = "The file's name; its extension (.csv or .xlsx) chooses the format.")]
        file_name: String,
        #[graphql(desc = "The file's content: CSV text, or base64 for .xlsx.")] content: String,
        #[graphql(desc = "Validate only, then roll back (default false).")] dry_run: Option<bool>,
        #[graphql(desc = "For DPF_LIST: the day the list was downloaded (default today).")]
        listed_on: Option<crate::scalars::Date>,
    ) -> Result<ImportReport> {
        let rc = request(ctx)?;
        let bytes = if file_name.to_ascii_lowercase().ends_with(".xlsx") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(content.trim())
                .map_err(|_| AppError::bad_input("content", "an .xlsx file is sent as base64"))?;
            // The text is not needed again: not held beside the file while it is imported.
            drop(content);
            decoded
        } else {
            content.into_bytes()
        };
        let listed_on = crate::scalars::date("listedOn", listed_on.as_ref())?;
        let options = ImportOptions {
            dry_run: dry_run.unwrap_or(false),
            webhooks: WebhookPolicy::of(&rc.config),
            sealer: ctx.data_opt::<DsrKeys>().map(|k| k.sealer.clone()),
            limits: SheetLimits::from_config(&rc.config),
            sqlite_path: rc.config.sqlite_path(),
            reference: rc.reference.clone(),
            listed_on,
        };
        let budget = ctx.data::<Arc<ImportBudget>>()?;
        let report = import::import_file(
            &rc.db,
            &rc.actor()?,
            kind.into(),
            &file_name,
            bytes,
            &options,
            budget,
        )
        .await?;
        Ok(ImportReport {
            imported: i32::try_from(report.imported).unwrap_or(i32::MAX),
            dry_run: report.dry_run,
            errors: report
                .errors
                .into_iter()
                .map(|e| ImportRowError {
                    line: i32::try_from(e.line).unwrap_or(i32::MAX),
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            webhook_secrets: report
                .webhook_secrets
                .into_iter()
                .map(|s| IssuedWebhookSecret {
                    line: i32::try_from(s.line).unwrap_or(i32::MAX),
                    organisation_id: ID(s.organisation_id.to_string()),
                    name: s.name,
                    secret: s.secret,
                })
                .collect(),
        })
    }
}
