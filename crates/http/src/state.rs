//! Everything a request needs, built once at start and passed explicitly, and [`prepare`], which
//! equips each GraphQL operation with its share of it.

use crate::{
    config::Config,
    db,
    domain::audit::ChainKey,
    domain::reference::LegalReference,
    graphql::{
        Schemas, build_schemas,
        context::{Auth, RequestContext},
        errors::{FieldIndex, RefusalLog},
        issued::IssuedSecrets,
        loaders::Loaders,
    },
    service::requests::DsrKeys,
    service::{Register, limits::Limits, subjects::SubjectKeys, verdicts::VerdictCache},
};
use anyhow::Context;
use register_access::AccessState;
use register_sheets::import::ImportBudget;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    /// The writer: mutations, imports and the delivery worker (on SQLite one connection).
    pub db: DatabaseConnection,
    /// The readers: queries and DataLoaders (on SQLite read-only WAL connections; on PostgreSQL
    /// the same pool as `db`).
    pub read_db: DatabaseConnection,
    /// Today's transfer verdicts, kept while the register and the reference data are unchanged.
    pub verdicts: Arc<VerdictCache>,
    pub schema: Schemas,
    pub config: Arc<Config>,
    pub reference: Arc<LegalReference>,
    /// Keys subject hashing, webhook signing and encryption at rest.
    pub secret: Arc<Vec<u8>>,
    /// Hashes the audit chain (derived from `secret`).
    pub audit_key: ChainKey,
    /// Names the input field behind a coercion error (see `graphql::errors`).
    pub field_index: Arc<FieldIndex>,
    /// Sealing and the change feed of data-subject requests.
    pub dsr: DsrKeys,
    /// Hashing and phone parsing of subject identifiers.
    pub subject_keys: SubjectKeys,
    /// When each refusal was last logged (repeats are logged once per window).
    pub refusals: Arc<RefusalLog>,
    /// The pool of whole-register work and the subscription limits.
    pub limits: Arc<Limits>,
    /// The memory the imports running at once share.
    pub import_budget: Arc<ImportBudget>,
    /// Requests per client address to the holders' answer pages.
    pub respond_limit: Arc<crate::respond::RateLimit>,
    /// The identity provider people sign in with, when one is configured.
    pub sign_in: Option<Arc<crate::auth::Provider>>,
}

impl AppState {
    /// Connects, migrates, ships the taxonomy and loads the reference data and the secret.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        Self::from_register(Register::open(config).await?)
    }

    /// As [`AppState::new`] on an existing, migrated connection that serves reads and writes.
    pub async fn with_db(config: Config, db: DatabaseConnection) -> anyhow::Result<Self> {
        Self::from_register(Register::with_db(config, db).await?)
    }

    /// As [`AppState::new`] on an existing writer and reader pool of a migrated database.
    pub async fn with_pools(config: Config, pools: db::Pools) -> anyhow::Result<Self> {
        Self::from_register(Register::with_pools(config, pools).await?)
    }

    /// The opened register with what serving it adds: the schema, the sign-in provider and the
    /// limits of whole-register work, imports and the answer pages.
    pub fn from_register(register: Register) -> anyhow::Result<Self> {
        let Register {
            db,
            read_db,
            verdicts,
            config,
            reference,
            secret,
            audit_key,
            dsr,
            subject_keys,
        } = register;
        let sign_in = config
            .sign_in
            .check(config.public_url.as_deref())
            .map_err(anyhow::Error::msg)
            .context("checking the sign-in settings")?
            .map(crate::auth::Provider::new)
            .transpose()?
            .map(Arc::new);
        let schema = build_schemas(&config);
        Ok(Self {
            refusals: Arc::default(),
            limits: Arc::new(Limits::new(&config)),
            import_budget: Arc::new(ImportBudget::from_config(&config)),
            respond_limit: Arc::default(),
            sign_in,
            dsr,
            subject_keys,
            field_index: Arc::new(FieldIndex::from_sdl(&schema.sdl())),
            schema,
            db,
            read_db,
            verdicts,
            config,
            reference,
            secret,
            audit_key,
        })
    }
}

impl AppState {
    /// What authentication and the sign-in routes read (`register-access`).
    pub fn access(&self) -> AccessState {
        AccessState {
            db: self.db.clone(),
            read_db: self.read_db.clone(),
            audit_key: self.audit_key.clone(),
            sign_in: self.sign_in.clone(),
        }
    }
}

/// Equips one operation with everything its resolvers read (see `graphql::context`).
pub fn prepare(
    state: &AppState,
    auth: Auth,
    request_id: String,
    request: async_graphql::Request,
) -> async_graphql::Request {
    let context = RequestContext {
        db: state.db.clone(),
        read: state.read_db.clone(),
        verdicts: state.verdicts.clone(),
        reference: state.reference.clone(),
        config: state.config.clone(),
        auth,
        request_id,
        audit_key: state.audit_key.clone(),
    };
    request
        .data(Arc::new(Loaders::new(&state.read_db, &state.reference)))
        .data(context)
        .data(state.subject_keys.clone())
        .data(state.dsr.clone())
        .data(IssuedSecrets::default())
        .data(state.limits.clone())
        .data(state.import_budget.clone())
}
