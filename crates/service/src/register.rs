//! The register opened: its pools, keys, legal reference and verdict cache, built once by every
//! command that works on it (`serve`, `worker`, imports, exports, the demo).
//!
//! It lives here, below the API layers, so that the command line needs neither the GraphQL nor
//! the HTTP crate to open a register, and builds beside them rather than after them.

use crate::{
    config::Config,
    db,
    domain::{audit::ChainKey, dsr::seal::Sealer, reference::LegalReference},
    error::AppError,
    requests::{DsrEvents, DsrKeys, respond::LinkKey},
    subjects::SubjectKeys,
    verdicts::VerdictCache,
    {audit, taxonomy},
};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Everything opened once at start and shared by every request and background task.
#[derive(Clone)]
pub struct Register {
    /// The writer: mutations, imports and the delivery worker (on SQLite one connection).
    pub db: DatabaseConnection,
    /// The readers: queries and DataLoaders (on SQLite read-only WAL connections; on PostgreSQL
    /// the same pool as `db`).
    pub read_db: DatabaseConnection,
    /// Today's transfer verdicts, kept while the register and the reference data are unchanged.
    pub verdicts: Arc<VerdictCache>,
    pub config: Arc<Config>,
    pub reference: Arc<LegalReference>,
    /// Keys subject hashing, webhook signing and encryption at rest.
    pub secret: Arc<Vec<u8>>,
    /// Hashes the audit chain (derived from `secret`).
    pub audit_key: ChainKey,
    /// Sealing and the change feed of data-subject requests.
    pub dsr: DsrKeys,
    /// Hashing and phone parsing of subject identifiers.
    pub subject_keys: SubjectKeys,
}

impl Register {
    /// Connects, migrates, ships the taxonomy and loads the reference data and the secret.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        let pools = db::connect_pools(&config).await?;
        Self::with_pools(config, pools).await
    }

    /// As [`Register::open`] on an existing, migrated connection that serves reads and writes.
    pub async fn with_db(config: Config, db: DatabaseConnection) -> anyhow::Result<Self> {
        let read = db.clone();
        Self::with_pools(config, db::Pools { write: db, read }).await
    }

    /// As [`Register::open`] on an existing writer and reader pool of a migrated database.
    pub async fn with_pools(config: Config, pools: db::Pools) -> anyhow::Result<Self> {
        let db::Pools { write: db, read } = pools;
        taxonomy::ensure_shipped(&db)
            .await
            .context("installing the shipped taxonomy")?;
        let reference = LegalReference::load_from(config.reference_file.as_deref())
            .context("loading the legal reference data (REGISTER_REFERENCE_FILE)")?;
        let secret = db::load_secret(&config)?;
        let audit_key = ChainKey::derive(&secret);
        if audit::ensure_keyed(&db, &audit_key)
            .await
            .map_err(AppError::into_cli)
            .context("keying the audit chain")?
        {
            tracing::info!(
                "the audit chain is now keyed: earlier events are covered by its first keyed event"
            );
        }
        let dsr = DsrKeys {
            sealer: Sealer::new(&secret),
            events: DsrEvents::for_database(&db),
            links: LinkKey::derive(&secret),
        };
        let subject_keys = SubjectKeys::new(&secret, config.phone_default_country);
        Ok(Self {
            dsr,
            subject_keys,
            db,
            read_db: read,
            verdicts: Arc::new(VerdictCache::default()),
            config: Arc::new(config),
            reference: Arc::new(reference),
            secret: Arc::new(secret),
            audit_key,
        })
    }
}
