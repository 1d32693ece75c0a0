//! Everything a request needs, built once at start and passed explicitly.

use crate::{
    config::Config,
    db,
    domain::dsr::seal::Sealer,
    domain::reference::LegalReference,
    graphql::{AppSchema, build_schema, errors::FieldIndex},
    service::requests::{DsrEvents, DsrKeys},
    service::{subjects::SubjectKeys, taxonomy},
};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub config: Arc<Config>,
    pub reference: Arc<LegalReference>,
    /// Keys subject hashing, webhook signing and encryption at rest.
    pub secret: Arc<Vec<u8>>,
    /// Names the input field behind a coercion error (see `graphql::errors`).
    pub field_index: Arc<FieldIndex>,
    /// Sealing and the change feed of data-subject requests.
    pub dsr: DsrKeys,
    /// Hashing and phone parsing of subject identifiers.
    pub subject_keys: SubjectKeys,
}

impl AppState {
    /// Connects, migrates, ships the taxonomy and loads the reference data and the secret.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let db = db::connect(&config).await?;
        Self::with_db(config, db).await
    }

    /// As [`AppState::new`] on an existing, migrated connection.
    pub async fn with_db(config: Config, db: DatabaseConnection) -> anyhow::Result<Self> {
        taxonomy::ensure_shipped(&db)
            .await
            .context("installing the shipped taxonomy")?;
        let reference = LegalReference::load_from(config.reference_file.as_deref())
            .context("loading the legal reference data (REGISTER_REFERENCE_FILE)")?;
        let secret = db::load_secret(&config)?;
        let schema = build_schema(&config);
        let dsr = DsrKeys {
            sealer: Sealer::new(&secret),
            events: DsrEvents::for_database(&db),
        };
        let subject_keys = SubjectKeys::new(&secret, config.phone_default_country);
        Ok(Self {
            dsr,
            subject_keys,
            field_index: Arc::new(FieldIndex::from_sdl(&schema.sdl())),
            schema,
            db,
            config: Arc::new(config),
            reference: Arc::new(reference),
            secret: Arc::new(secret),
        })
    }
}
